/*
 * garage_api: the JSON adapter of the garage's domain (see garage_api.h).
 */
#include "garage_api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "err.h"
#include "session.h"

/* The request's session: the gate found it before the handler ran. */
static const struct session *session_of(const struct req *r)
{
	return session_current(r);
}

void garage_api_car_input(const struct req *r, struct garage_car *in)
{
	const char *shown = req_param(r, "public");
	*in = (struct garage_car){
		.vin = req_param(r, "vin"),
		.serial_numbers = req_param(r, "serial_numbers"),
		.nickname = req_param(r, "nickname"),
		.model = req_param(r, "model"),
		.year = req_param(r, "year"),
		.colour = req_param(r, "colour"),
		.shown = shown && strcmp(shown, "true") == 0,
	};
	if (!in->vin)
		in->vin = "";
}

int64_t garage_api_id(const char *text)
{
	if (!text)
		return 0;
	char *end;
	errno = 0;
	long long id = strtoll(text, &end, 10);
	return errno == 0 && *end == '\0' && id > 0 ? (int64_t)id : 0;
}

/* ---- the member's garage ---- */

void garage_api_list(struct req *r)
{
	int64_t member = session_of(r)->account;
	json_t *cars;
	struct failure f;
	if (garage_list(member, &cars, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:o,s:b}", "vehicles", cars, "verified_owner",
			    garage_verified_owner(member)));
}

void garage_api_add(struct req *r)
{
	struct garage_car in;
	struct garage_added added;
	struct failure f;
	garage_api_car_input(r, &in);
	if (garage_add(session_of(r)->account, &in, &added, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 201,
		  json_pack("{s:I,s:s}", "id", (json_int_t)added.id, "status", added.status));
}

void garage_api_remove(struct req *r)
{
	struct failure f;
	if (garage_remove(session_of(r)->account, garage_api_id(r->path_params[0]), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "removed", 1));
}

/* ---- verifiers ---- */

void garage_api_reviews(struct req *r)
{
	json_t *list;
	struct failure f;
	if (garage_reviews(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "reviews", list));
}

void garage_api_review(struct req *r)
{
	struct broker_actor verifier;
	json_t *claim;
	struct failure f;
	session_actor(session_of(r), &verifier);
	if (garage_review(&verifier, garage_api_id(r->path_params[0]), &claim, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, claim);
}

void garage_api_decide(struct req *r)
{
	struct broker_actor verifier;
	struct garage_decision d;
	struct failure f;
	session_actor(session_of(r), &verifier);
	if (garage_decide(&verifier, garage_api_id(r->path_params[0]), req_param(r, "decision"), &d,
			  &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:I,s:s,s:I,s:I}", "id", (json_int_t)d.id, "status", d.status,
			    "decided_at", (json_int_t)d.decided_at, "decided_by",
			    (json_int_t)d.decided_by));
}
