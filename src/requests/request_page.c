/*
 * request_page: the requests' pages, a thin adapter over request.h like
 * request_api.c. The list of what can be asked for; the form of one item,
 * with exactly its collection point's fields, the purpose stated and
 * linked in the notice in force (NAM01), a signed-in member's known
 * details filled in; the status page a link's token opens (no session);
 * and the fulfilment queue: the list (no personal field), one request
 * opened (logged by the broker) with the form that decides it once, and
 * the items staff publish. A form that fails comes back with the message
 * next to its field and what was typed kept.
 */
#include "request_page.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "broker.h"
#include "err.h"
#include "members.h"
#include "page.h"
#include "policy.h"
#include "request.h"
#include "request_api.h"
#include "session.h"

/* A path with an id: "/staff/requests/" and 20 digits. */
#define PATH_MAX_LEN 64

/* How the form names each field, and whether it takes several lines. */
static const struct {
	const char *label, *autocomplete, *type;
	bool lines;
} part_look[REQUEST_NPARTS] = {
	[REQUEST_NAME] = {"Your name", "name", "text", false},
	[REQUEST_EMAIL] = {"Your e-mail address (we send you a link to follow your request)",
			   "email", "email", false},
	[REQUEST_POSTAL_ADDRESS] = {"Your postal address", "street-address", "text", true},
	[REQUEST_PHONE] = {"Your phone number", "tel", "tel", false},
	[REQUEST_DETAILS] = {"What you would like, or a note", "off", "text", true},
};

static int part_of(const char *category)
{
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		if (strcmp(request_part_names[i], category) == 0)
			return (int)i;
	return -1;
}

/* The item the path names, or the 404 answered. */
static json_t *item_or_answer(struct req *r)
{
	json_t *item;
	struct failure f;
	if (request_item_get(request_api_path_id(r), true, &item, &f) != 0) {
		resp_failure(r, &f);
		return NULL;
	}
	return item;
}

/* ---- the public pages ---- */

void request_page_list(struct req *r)
{
	json_t *list;
	struct failure f;
	if (request_items_list(true, &list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_data(r, "Requests");
	json_t *open = json_array(), *it;
	size_t i;
	json_array_foreach (list, i, it)
		if (json_is_true(json_object_get(it, "active")))
			json_array_append(open, it);
	json_decref(list);
	json_object_set_new(data, "items", open);
	page_render(r, 200, "requests", data);
}

/* The item's form: its collection point's fields in the profile's order;
 * on a first showing a signed-in member's own details fill them in. */
static void form_page(struct req *r, int status, json_t *item)
{
	json_t *data = page_form_values(r, page_data(r, "Request"));
	json_t *values = json_object_get(data, "values"), *errors = json_object_get(data, "errors");
	const char *kind = json_string_value(json_object_get(item, "kind"));
	struct session s;
	json_t *known = NULL;
	struct failure f;
	if (status == 200 && session_of_request(r, SESSION_MEMBER, &s) &&
	    members_own_record(s.account, &known, &f) == 0)
		json_object_update_missing(values, known);
	json_decref(known);
	const struct policy *p = app.policy;
	const struct policy_collection *cp = &p->collections[policy_collection_index(p, kind)];
	json_t *fields = json_array();
	for (size_t i = 0; i < cp->nfields; i++) {
		const char *cat = p->categories[cp->fields[i].category].id;
		int part = part_of(cat);
		if (part < 0)
			continue;
		json_t *v = json_object_get(values, cat), *e = json_object_get(errors, cat);
		json_array_append_new(
			fields,
			json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:O?}", "name", cat, "label",
				  part_look[part].label, "autocomplete",
				  part_look[part].autocomplete, "type", part_look[part].type,
				  "lines", part_look[part].lines, "required",
				  cp->fields[i].required, "value",
				  json_is_string(v) ? json_string_value(v) : "", "error", e));
	}
	json_object_set_new(data, "fields", fields);
	json_object_set(data, "item", item);
	page_notice(data, kind);
	r->no_store = true;
	page_render(r, status, "request", data);
}

void request_page_form(struct req *r)
{
	json_t *item = item_or_answer(r);
	if (item) {
		form_page(r, 200, item);
		json_decref(item);
	}
}

void request_page_post(struct req *r)
{
	json_t *item = item_or_answer(r);
	if (!item)
		return;
	/* Every error at once: the fields the item requires and that are
	 * missing beside those that failed their checks. */
	struct request_new in;
	struct failures missing = {.n = 0};
	request_api_new(r, request_api_path_id(r), &in);
	if (request_check(&in, &missing) != 0 || r->nerrors) {
		/* A field that failed its check is not also "missing". */
		int status = r->nerrors ? 422 : 0;
		for (size_t i = 0; i < missing.n; i++) {
			const char *field = err_field(&missing.list[i]);
			bool shown = false;
			for (size_t k = 0; field && k < r->nerrors; k++)
				shown = shown || strcmp(r->errors[k].field, field) == 0;
			int s = shown ? 0 : page_form_failure(r, &missing.list[i], "form");
			status = status ? status : s;
		}
		form_page(r, status ? status : 422, item);
		goto out;
	}
	int64_t id;
	struct failure f;
	if (request_create(&in, &id, &f) != 0) {
		form_page(r, page_form_failure(r, &f, "form"), item);
		goto out;
	}
	page_redirect(r, "/requests/sent");
out:
	json_decref(item);
}

void request_page_sent(struct req *r)
{
	if (!request_offered()) {
		struct failure f;
		err_fail(&f, ERR_NO_REQUESTS);
		resp_failure(r, &f);
		return;
	}
	page_render(r, 200, "request_sent", page_data(r, "We received your request"));
}

void request_page_status(struct req *r)
{
	json_t *st;
	struct failure f;
	if (request_status(r->path_params[0], &st, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_data(r, "Your request");
	json_t *times = json_pack("[O]", st);
	page_times(times, "created_at");
	page_times(times, "done_at");
	page_times(json_object_get(st, "handovers"), "at");
	json_decref(times);
	json_object_set_new(data, "request", st);
	r->no_store = true;
	page_render(r, 200, "request_status", data);
}

/* ---- the fulfilment queue ---- */

static void queue_page(struct req *r, int status)
{
	const char *state = req_param(r, "state");
	bool all = state && strcmp(state, "all") == 0;
	json_t *list, *items;
	struct failure f;
	if (request_queue(all, &list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	if (request_items_list(false, &items, &f) != 0) {
		json_decref(list);
		resp_failure(r, &f);
		return;
	}
	page_times(list, "created_at");
	json_t *data = page_form_values(r, page_data(r, "Requests"));
	json_t *kinds = json_array();
	const struct policy *p = app.policy;
	for (size_t i = 0; i < request_points_count; i++) {
		int ci = policy_collection_index(p, request_points[i]);
		if (ci >= 0)
			json_array_append_new(kinds, json_pack("{s:s,s:s}", "id", request_points[i],
							       "label", p->collections[ci].label));
	}
	json_object_set_new(data, "requests", list);
	json_object_set_new(data, "items", items);
	json_object_set_new(data, "kinds", kinds);
	json_object_set_new(data, "all", json_boolean(all));
	json_object_set_new(data, "csrf_token", json_string(session_current(r)->csrf));
	r->no_store = true;
	page_render(r, status, "staff_requests", data);
}

void request_page_queue(struct req *r)
{
	queue_page(r, 200);
}

void request_page_item_add(struct req *r)
{
	if (r->nerrors) {
		queue_page(r, 422);
		return;
	}
	bool has_active;
	struct request_item in = request_api_item_of(r, &has_active);
	int64_t id;
	struct failure f;
	in.active = true;
	if (request_item_add(&in, &id, &f) != 0) {
		queue_page(r, page_form_failure(r, &f, "title"));
		return;
	}
	page_redirect(r, "/staff/requests");
}

void request_page_item_update(struct req *r)
{
	bool has_active;
	struct request_item in = request_api_item_of(r, &has_active);
	struct failure f;
	in.id = request_api_path_id(r);
	if (r->nerrors || request_item_update(&in, has_active, &f) != 0) {
		if (!r->nerrors)
			resp_failure(r, &f);
		else
			queue_page(r, 422);
		return;
	}
	page_redirect(r, "/staff/requests");
}

/* The request, opened as the staff member (the broker logs it), with the
 * form that decides it while it is open. */
static void request_view(struct req *r, int status)
{
	const struct session *s = session_current(r);
	struct broker_actor actor;
	json_t *o;
	struct failure f;
	session_actor(s, &actor);
	if (request_open(request_api_path_id(r), &actor, &o, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *times = json_pack("[O]", o);
	page_times(times, "created_at");
	page_times(times, "done_at");
	page_times(json_object_get(o, "handovers"), "at");
	json_decref(times);
	json_object_set_new(
		o, "open",
		json_boolean(strcmp(json_string_value(json_object_get(o, "status")), "open") == 0));
	json_t *data = page_form_values(r, page_data(r, "Request"));
	json_object_set_new(data, "request", o);
	json_object_set_new(data, "carrier", json_string(REQUEST_CARRIER));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	r->no_store = true;
	page_render(r, status, "staff_request", data);
}

void request_page_open(struct req *r)
{
	request_view(r, 200);
}

void request_page_decide(struct req *r)
{
	enum request_outcome outcome;
	if (page_form_limited(r)) {
		/* The gate's refusal itself: the request may not open again. */
		struct failure limited;
		err_fail(&limited, ERR_TOO_MANY_REQUESTS); /* Retry-After: set by the gate */
		resp_failure(r, &limited);
		return;
	}
	if (!r->nerrors && !request_api_outcome(r, &outcome))
		page_add_error(r, "outcome", "Choose fulfilled or refused.");
	if (r->nerrors) {
		request_view(r, 422);
		return;
	}
	struct broker_actor actor;
	int64_t id = request_api_path_id(r);
	int handed;
	struct failure f;
	const char *carrier = req_param(r, "carrier");
	session_actor(session_current(r), &actor);
	if (request_decide(id, &actor, outcome, req_param(r, "note"),
			   carrier && strcmp(carrier, "true") == 0, &handed, &f) != 0) {
		if (f.err == ERR_REQUEST_DONE)
			request_view(r, page_form_failure(r, &f, "outcome"));
		else
			resp_failure(r, &f);
		return;
	}
	char to[PATH_MAX_LEN];
	snprintf(to, sizeof(to), "/staff/requests/%lld", (long long)id);
	page_redirect(r, to);
}
