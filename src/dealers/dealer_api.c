/*
 * dealer_api: the JSON adapter of the dealers' domain (see dealer_api.h).
 */
#include "dealer_api.h"

#include <stdlib.h>
#include <string.h>

#include "dealer.h"
#include "err.h"
#include "session.h"

/* "true"/"false" as the route read it, or absent: -1. */
static int active_param(const struct req *r)
{
	const char *v = req_param(r, "active");
	return v ? strcmp(v, "true") == 0 : -1;
}

static struct dealer_in dealer_in_of(const struct req *r)
{
	return (struct dealer_in){req_param(r, "code"), req_param(r, "name"),
				  req_param(r, "address"), req_param(r, "policy_url"),
				  active_param(r)};
}

/* Answers with the dealer id's current state (status 200 or 201). */
static void answer_dealer(struct req *r, int status, int64_t id)
{
	json_t *d;
	struct failure f;
	if (dealer_get(id, &d, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, status, json_pack("{s:o}", "dealer", d));
}

void dealer_api_staff_list(struct req *r)
{
	json_t *list;
	struct failure f;
	if (dealer_list_all(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "dealers", list));
}

void dealer_api_staff_add(struct req *r)
{
	const struct session *s = session_current(r);
	struct dealer_staff who = {s->account, s->role};
	struct dealer_in in = dealer_in_of(r);
	int64_t id = 0;
	struct failure f;
	if (dealer_add(&in, &who, &id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	answer_dealer(r, 201, id);
}

void dealer_api_staff_update(struct req *r)
{
	const struct session *s = session_current(r);
	struct dealer_staff who = {s->account, s->role};
	struct dealer_in in = dealer_in_of(r);
	int64_t id = strtoll(r->path_params[0], NULL, 10); /* digits: the route's validator */
	struct failure f;
	if (dealer_update(id, &in, &who, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	answer_dealer(r, 200, id);
}

void dealer_api_list(struct req *r)
{
	json_t *list;
	struct failure f;
	if (dealer_list_offered(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:o,s:o,s:s}", "dealers", list, "fields", dealer_fields(), "notice",
			    DEALER_NOTICE));
}

void dealer_api_request(struct req *r)
{
	json_t *dealer;
	struct failure f;
	if (dealer_request(session_current(r)->account, req_param(r, "dealer"), &dealer, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 201, json_pack("{s:o,s:b}", "dealer", dealer, "queued", 1));
}
