/*
 * dealer_page: the dealers' pages (see dealer_page.h).
 */
#include "dealer_page.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "dealer.h"
#include "err.h"
#include "mem.h"
#include "page.h"
#include "policy.h"
#include "session.h"

/* What a ?done= names, as the pages say it. */
static const struct {
	const char *done, *text;
} done_texts[] = {
	{"added", "The dealer was added."},
	{"changed", "The dealer was changed."},
	{"sent", "Your request is on its way to the dealer. Once the dealer has your details, "
		 "it is listed on your page under \"Given to partners\"."},
};

static void set_done(struct req *r, json_t *data)
{
	const char *done = req_param(r, "done");
	for (size_t i = 0; done && i < ARRAY_LEN(done_texts); i++)
		if (strcmp(done, done_texts[i].done) == 0)
			json_object_set_new(data, "done", json_string(done_texts[i].text));
}

static int64_t path_id(const struct req *r)
{
	return strtoll(r->path_params[0], NULL, 10); /* digits: the route's validator */
}

/* The form's "active" ("true"/"false" as the route read it), or -1. */
static struct dealer_in dealer_in_of(const struct req *r)
{
	const char *active = req_param(r, "active");
	return (struct dealer_in){req_param(r, "code"), req_param(r, "name"),
				  req_param(r, "address"), req_param(r, "policy_url"),
				  active ? strcmp(active, "true") == 0 : -1};
}

/* ---- staff ---- */

static void staff_list_render(struct req *r, int status)
{
	const struct session *s = session_current(r);
	json_t *list;
	struct failure f;
	if (dealer_list_all(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_form_values(r, page_data(r, "Dealers"));
	page_times(list, "updated_at");
	json_object_set_new(data, "dealers", list);
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	set_done(r, data);
	r->no_store = true;
	page_render(r, status, "staff_dealers", data);
}

void dealer_page_staff_list(struct req *r)
{
	staff_list_render(r, 200);
}

void dealer_page_staff_add(struct req *r)
{
	if (r->nerrors) {
		staff_list_render(r, 422);
		return;
	}
	const struct session *s = session_current(r);
	struct dealer_staff who = {s->account, s->role};
	struct dealer_in in = dealer_in_of(r);
	int64_t id;
	struct failure f;
	if (dealer_add(&in, &who, &id, &f) != 0) {
		staff_list_render(r, page_form_failure(r, &f, "form"));
		return;
	}
	page_redirect(r, "/staff/dealers?done=added");
}

static void staff_edit_render(struct req *r, int status)
{
	const struct session *s = session_current(r);
	json_t *d;
	struct failure f;
	if (dealer_get(path_id(r), &d, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_form_values(r, page_data(r, "Change a dealer"));
	json_object_set_new(data, "dealer", d);
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	r->no_store = true;
	page_render(r, status, "staff_dealer", data);
}

void dealer_page_staff_edit(struct req *r)
{
	staff_edit_render(r, 200);
}

void dealer_page_staff_update(struct req *r)
{
	if (r->nerrors) {
		staff_edit_render(r, 422);
		return;
	}
	const struct session *s = session_current(r);
	struct dealer_staff who = {s->account, s->role};
	struct dealer_in in = dealer_in_of(r);
	struct failure f;
	if (dealer_update(path_id(r), &in, &who, &f) != 0) {
		if (f.err == ERR_NO_SUCH_DEALER || f.err == ERR_NO_DEALERS)
			resp_failure(r, &f);
		else
			staff_edit_render(r, page_form_failure(r, &f, "form"));
		return;
	}
	page_redirect(r, "/staff/dealers?done=changed");
}

/* ---- the member's form ---- */

static void member_render(struct req *r, int status)
{
	const struct session *s = session_current(r);
	json_t *list;
	struct failure f;
	if (dealer_list_offered(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_form_values(r, page_data(r, "Hear from a MINI dealer"));
	json_object_set_new(data, "dealers", list);
	json_t *fields = dealer_fields();
	struct buf text;
	buf_init(&text, 0);
	size_t i;
	json_t *field;
	json_array_foreach (fields, i, field)
		buf_printf(&text, "%s%s", i ? ", " : "",
			   json_string_value(json_object_get(field, "label")));
	json_object_set_new(data, "fields", fields);
	json_object_set_new(data, "fields_text", json_string(text.data ? text.data : ""));
	buf_release(&text);
	json_object_set_new(data, "dealer_notice", json_string(DEALER_NOTICE));
	/* NAM01: the purpose, linked in the version of the notice in force. */
	const char *purpose = NULL;
	dealer_offered(NULL, &purpose);
	const struct policy_purpose *pu =
		&app.policy->purposes[policy_purpose_index(app.policy, purpose)];
	json_object_set_new(data, "notice",
			    json_pack("{s:s,s:s,s:s,s:i}", "purpose", pu->id, "purpose_label",
				      pu->label, "purpose_description", pu->description, "version",
				      app.policy->version));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	set_done(r, data);
	r->no_store = true;
	page_render(r, status, "dealer", data);
}

void dealer_page_member(struct req *r)
{
	member_render(r, 200);
}

void dealer_page_member_post(struct req *r)
{
	/* No page shows the form while no dealer can be chosen (none active
	 * with a channel here): then, like a form a profile does not offer, it
	 * answers 404. */
	json_t *offered = NULL;
	struct failure f;
	if (page_form_limited(r)) {
		err_fail(&f, ERR_TOO_MANY_REQUESTS); /* Retry-After: set by the gate */
		resp_failure(r, &f);
		return;
	}
	if (dealer_list_offered(&offered, &f) != 0 || json_array_size(offered) == 0) {
		if (offered && json_array_size(offered) == 0)
			err_fail(&f, ERR_NO_DEALERS);
		json_decref(offered);
		resp_failure(r, &f);
		return;
	}
	json_decref(offered);
	if (r->nerrors) {
		member_render(r, 422);
		return;
	}
	json_t *dealer;
	if (dealer_request(session_current(r)->account, req_param(r, "dealer"), &dealer, &f) != 0) {
		if (f.err == ERR_NO_DEALERS)
			resp_failure(r, &f);
		else
			member_render(r, page_form_failure(r, &f, "dealer"));
		return;
	}
	json_decref(dealer);
	page_redirect(r, "/me/dealer?done=sent");
}
