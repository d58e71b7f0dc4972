/*
 * garage_pages: the HTML pages of garage_pages.h.
 */
#include "garage_pages.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "garage.h"
#include "page.h"
#include "policy.h"
#include "session.h"
#include "staff.h"
#include "staff_pages.h"

static const struct {
	const char *status, *text;
} status_texts[] = {
	{"verified", "Verified"},
	{"review", "Waiting for a check by our staff"},
	{"rejected", "Not verified"},
};


static void status_text(json_t *list)
{
	size_t i;
	json_t *car;
	json_array_foreach(list, i, car) {
		const char *st = json_string_value(json_object_get(car, "status"));
		for (size_t k = 0; st && k < sizeof(status_texts) / sizeof(status_texts[0]); k++)
			if (strcmp(st, status_texts[k].status) == 0)
				json_object_set_new(car, "status_text", json_string(status_texts[k].text));
	}
}

static void render(struct req *r, int status)
{
	struct session s;
	if (!session_get(r, &s)) {
		page_redirect(r, "/signin");
		return;
	}
	if (!garage_offered()) {
		resp_error(r, 404, "not_found", "This site has no garage.", NULL);
		return;
	}
	int code;
	json_t *cars = page_api_json(r, garage_api_list, &code);
	json_t *data = page_form_values(r, page_data(r, "Your garage"));
	json_object_set_new(data, "csrf_token", json_string(s.csrf));
	if (cars) {
		status_text(json_object_get(cars, "vehicles"));
		json_object_set(data, "vehicles", json_object_get(cars, "vehicles"));
		json_object_set(data, "verified_owner", json_object_get(cars, "verified_owner"));
	}
	json_decref(cars);
	static const struct {
		const char *done, *text;
	} done_texts[] = {
		{"added", "Your car is added and verified."},
		{"review", "Your car is added. Someone on our staff will check it soon."},
		{"removed", "The car is removed from your garage."},
	};
	const char *done = req_param(r, "done");
	for (size_t i = 0; done && i < sizeof(done_texts) / sizeof(done_texts[0]); i++)
		if (strcmp(done, done_texts[i].done) == 0)
			json_object_set_new(data, "done", json_string(done_texts[i].text));
	page_notice(data, "vehicle_registration");
	r->no_store = true;
	page_render(r, status, "garage", data);
}

void garage_page(struct req *r)
{
	render(r, 200);
}

void garage_add_post(struct req *r)
{
	if (r->nerrors) {
		render(r, 422);
		return;
	}
	const char *shown = req_param(r, "public");
	req_param_set(r, "public", shown && strcmp(shown, "1") == 0 ? "true" : "false");
	if (page_call_api(r, garage_api_add)) {
		json_error_t je;
		json_t *doc = json_loadb(r->body.data, r->body.len, 0, &je);
		const char *st = json_string_value(json_object_get(doc, "status"));
		page_redirect(r, st && strcmp(st, "review") == 0 ? "/me/garage?done=review"
								 : "/me/garage?done=added");
		json_decref(doc);
		return;
	}
	const char *field, *message;
	int status = r->status;
	if (status == 401) {
		page_redirect(r, "/signin");
		return;
	}
	if (!page_api_error(r, &field, &message)) {
		page_api_error_page(r);
		return;
	}
	buf_reset(&r->body);
	r->nheaders = 0;
	page_add_error(r, field ? field : "vin", message);
	render(r, status >= 400 && status < 500 ? status : 503);
}

void garage_remove_post(struct req *r)
{
	if (r->nerrors) {
		render(r, 422);
		return;
	}
	r->path_params[0] = req_param(r, "id");
	if (page_call_api(r, garage_api_remove))
		page_redirect(r, "/me/garage?done=removed");
	else
		page_api_error_page(r);
}

/* ---- verifiers ---- */

void garage_reviews_page(struct req *r)
{
	struct staff_session s;
	if (!staff_page_session(r, &s))
		return;
	int code;
	json_t *list = page_api_json(r, garage_api_reviews, &code);
	if (!list) {
		resp_error(r, code ? code : 503, "error", "You cannot review ownership claims.", NULL);
		return;
	}
	json_t *data = page_data(r, "Ownership claims");
	page_times(json_object_get(list, "reviews"), "created_at");
	json_object_set(data, "reviews", json_object_get(list, "reviews"));
	json_decref(list);
	r->no_store = true;
	page_render(r, 200, "staff_reviews", data);
}

void garage_review_page(struct req *r)
{
	struct staff_session s;
	if (!staff_page_session(r, &s))
		return;
	int code;
	json_t *claim = page_api_json(r, garage_api_review, &code);
	if (!claim) {
		resp_error(r, code ? code : 503, "error", "That claim cannot be shown.", NULL);
		return;
	}
	json_t *data = page_data(r, "Ownership claim");
	page_times(json_object_get(claim, "other_claims"), "created_at");
	json_object_set_new(data, "claim", claim);
	json_object_set_new(data, "csrf_token", json_string(s.csrf));
	const char *st = json_string_value(json_object_get(claim, "status"));
	json_object_set_new(data, "open", json_boolean(st && strcmp(st, "review") == 0));
	r->no_store = true;
	page_render(r, 200, "staff_review", data);
}

void garage_decide_post(struct req *r)
{
	struct staff_session s;
	if (!staff_page_session(r, &s))
		return;
	if (r->nerrors) {
		resp_error(r, 422, "invalid_field", "Choose verify or reject.", NULL);
		return;
	}
	if (page_call_api(r, garage_api_decide))
		page_redirect(r, "/staff/reviews");
	else
		page_api_error_page(r);
}
