/*
 * garage_page: the HTML pages of garage_page.h.
 */
#include "garage_page.h"

#include <string.h>

#include "broker.h"
#include "err.h"
#include "garage.h"
#include "garage_api.h"
#include "page.h"
#include "session.h"

/* A car's status in words. */
static const struct {
	const char *status, *text;
} status_texts[] = {
	{"verified", "Verified"},
	{"review", "Waiting for a check by our staff"},
	{"rejected", "Not verified"},
};

/* What a finished form says on the page it returns to (?done=...). */
static const struct {
	const char *done, *text;
} done_texts[] = {
	{"added", "Your car is added and verified."},
	{"review", "Your car is added. Someone on our staff will check it soon."},
	{"removed", "The car is removed from your garage."},
};

static void status_text(json_t *cars)
{
	size_t i;
	json_t *car;
	json_array_foreach (cars, i, car) {
		const char *st = json_string_value(json_object_get(car, "status"));
		for (size_t k = 0; st && k < sizeof(status_texts) / sizeof(status_texts[0]); k++)
			if (strcmp(st, status_texts[k].status) == 0)
				json_object_set_new(car, "status_text",
						    json_string(status_texts[k].text));
	}
}

/* ---- the member's garage ---- */

static void render(struct req *r, int status)
{
	const struct session *s = session_current(r);
	json_t *cars;
	struct failure f;
	if (garage_list(s->account, &cars, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	status_text(cars);
	json_t *data = page_form_values(r, page_data(r, "Your garage"));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	json_object_set_new(data, "vehicles", cars);
	json_object_set_new(data, "verified_owner",
			    json_boolean(garage_verified_owner(s->account)));
	const char *done = req_param(r, "done");
	for (size_t i = 0; done && i < sizeof(done_texts) / sizeof(done_texts[0]); i++)
		if (strcmp(done, done_texts[i].done) == 0)
			json_object_set_new(data, "done", json_string(done_texts[i].text));
	page_notice(data, "vehicle_registration");
	r->no_store = true;
	page_render(r, status, "garage", data);
}

void garage_page_show(struct req *r)
{
	render(r, 200);
}

void garage_page_add(struct req *r)
{
	if (r->nerrors) {
		render(r, 422);
		return;
	}
	struct garage_car in;
	struct garage_added added;
	struct failure f;
	garage_api_car_input(r, &in);
	if (garage_add(session_current(r)->account, &in, &added, &f) != 0) {
		if (f.err == ERR_NO_GARAGE) {
			resp_failure(r, &f);
			return;
		}
		render(r, page_form_failure(r, &f, "vin"));
		return;
	}
	page_redirect(r, strcmp(added.status, "review") == 0 ? "/me/garage?done=review"
							     : "/me/garage?done=added");
}

void garage_page_remove(struct req *r)
{
	if (r->nerrors) {
		render(r, 422);
		return;
	}
	struct failure f;
	if (garage_remove(session_current(r)->account, garage_api_id(req_param(r, "id")), &f) !=
	    0) {
		resp_failure(r, &f);
		return;
	}
	page_redirect(r, "/me/garage?done=removed");
}

/* ---- verifiers ---- */

void garage_page_reviews(struct req *r)
{
	json_t *list;
	struct failure f;
	if (garage_reviews(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_times(list, "created_at");
	json_t *data = page_data(r, "Ownership claims");
	json_object_set_new(data, "reviews", list);
	r->no_store = true;
	page_render(r, 200, "staff_reviews", data);
}

void garage_page_review(struct req *r)
{
	const struct session *s = session_current(r);
	struct broker_actor verifier;
	json_t *claim;
	struct failure f;
	session_actor(s, &verifier);
	if (garage_review(&verifier, garage_api_id(r->path_params[0]), &claim, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_times(json_object_get(claim, "other_claims"), "created_at");
	const char *st = json_string_value(json_object_get(claim, "status"));
	json_t *data = page_data(r, "Ownership claim");
	json_object_set_new(data, "open", json_boolean(st && strcmp(st, "review") == 0));
	json_object_set_new(data, "claim", claim);
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	r->no_store = true;
	page_render(r, 200, "staff_review", data);
}

void garage_page_decide(struct req *r)
{
	/* Like every form whose fields fail their checks, 422; the claim is not
	 * shown again around the message, as that would be another access. */
	if (r->nerrors) {
		resp_error(r, 422, "invalid_field", "Choose verify or reject.", "decision");
		return;
	}
	struct broker_actor verifier;
	struct garage_decision d;
	struct failure f;
	session_actor(session_current(r), &verifier);
	if (garage_decide(&verifier, garage_api_id(r->path_params[0]), req_param(r, "decision"), &d,
			  &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_redirect(r, "/staff/reviews");
}
