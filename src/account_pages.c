/*
 * account_pages: the HTML side of the members' API, for browsers without
 * JavaScript: sign-up (with the neutral age screen), sign-in, sign-out and
 * the member's page. Each form posts to a page handler that calls the same
 * API handler and turns its JSON answer into a redirect or the form again
 * with the message next to the field.
 */
#include "account_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "mem.h"
#include "members.h"
#include "pages.h"
#include "policy.h"
#include "session.h"

/* The API answer's error, if it is one. */
static bool api_error(struct req *r, const char **field, const char **message)
{
	json_error_t je;
	json_t *doc = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);
	json_t *err = doc ? json_object_get(doc, "error") : NULL;
	if (!err) {
		json_decref(doc);
		return false;
	}
	const char *f = json_string_value(json_object_get(err, "field"));
	const char *m = json_string_value(json_object_get(err, "message"));
	*field = f ? arena_strdup(r->arena, f) : NULL;
	*message = arena_strdup(r->arena, m ? m : "Something went wrong.");
	json_decref(doc);
	return true;
}

static json_t *form_values(struct req *r, json_t *data)
{
	json_t *errors = json_object(), *values = json_object();
	for (size_t i = 0; i < r->nerrors; i++) {
		json_object_set_new(errors, r->errors[i].field, json_string(r->errors[i].message));
		json_object_set_new(values, r->errors[i].field, json_string(r->errors[i].value));
	}
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, "password") != 0)
			json_object_set_new(values, r->params[i].name, json_string(r->params[i].value));
	json_object_set_new(data, "errors", errors);
	json_object_set_new(data, "values", values);
	json_object_set_new(data, "has_errors", json_boolean(r->nerrors > 0));
	return data;
}

static void add_error(struct req *r, const char *field, const char *message)
{
	if (r->nerrors >= HTTP_MAX_FIELD_ERRORS)
		return;
	struct http_field_error *e = &r->errors[r->nerrors++];
	e->field = field ? field : "form";
	e->code = "invalid_field";
	e->message = message;
	const char *v = field ? req_param(r, field) : NULL;
	e->value = v && strcmp(e->field, "password") != 0 ? v : "";
}

static void signup_form(struct req *r, int status)
{
	json_t *data = form_values(r, page_data(r, "Join"));
	json_t *choices = json_array();
	const struct policy *p = app.policy;
	int member = policy_subject_index(p, "member");
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		bool mine = false;
		for (size_t k = 0; k < pu->nsubjects; k++)
			mine |= pu->subjects[k] == member;
		if (!mine || (pu->basis != BASIS_OPT_IN && pu->basis != BASIS_OPT_OUT))
			continue;
		json_array_append_new(choices, json_pack("{s:s,s:s,s:s,s:b}", "id", pu->id, "label",
							 pu->label, "description", pu->description,
							 "opt_in", pu->basis == BASIS_OPT_IN));
	}
	json_object_set_new(data, "choices", choices);
	page_notice(data, "member_registration");
	if (!json_object_get(data, "notice"))
		page_notice(data, "insider_signup");
	page_render(r, status, "signup", data);
}

void account_signup_page(struct req *r)
{
	signup_form(r, 200);
}

void account_signup_post(struct req *r)
{
	if (r->nerrors) {
		signup_form(r, 422);
		return;
	}
	/* Day, month and year typed freely; nothing on the page hints at a cut-off. */
	char dob[32];
	snprintf(dob, sizeof(dob), "%04ld-%02ld-%02ld", strtol(req_param(r, "birth_year"), NULL, 10),
		 strtol(req_param(r, "birth_month"), NULL, 10),
		 strtol(req_param(r, "birth_day"), NULL, 10));
	if (valid_birth_date(dob, strlen(dob))) {
		add_error(r, "birth_day", "Please give a real date of birth.");
		signup_form(r, 422);
		return;
	}
	req_param_set(r, "date_of_birth", dob);
	/* Opt-out purposes shown ticked: those left unticked are the opt-outs. */
	const char *keep = req_param(r, "keep_on");
	struct buf out;
	buf_init(&out, 1000);
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (pu->basis == BASIS_OPT_OUT && !(keep && strstr(keep, pu->id)))
			buf_printf(&out, "%s%s", out.len ? "," : "", pu->id);
	}
	if (out.len)
		req_param_set(r, "opt_out", out.data);
	buf_release(&out);
	r->json_errors = true;
	members_api_signup(r);
	r->json_errors = false;
	const char *field, *message;
	if (r->status == 201) {
		buf_reset(&r->body);
		resp_header(r, "Location", "/me");
		resp_body(r, 303, "text/plain; charset=utf-8", "", 0);
		return;
	}
	if (r->status == 403) {
		page_render(r, 200, "not_eligible", page_data(r, "Join"));
		return;
	}
	if (api_error(r, &field, &message) && r->status < 500) {
		add_error(r, field, message);
		signup_form(r, 422);
		return;
	}
	resp_error(r, r->status ? r->status : 503, "store_unavailable", "Please try again.", NULL);
}

static void signin_form(struct req *r, int status)
{
	page_render(r, status, "signin", form_values(r, page_data(r, "Sign in")));
}

void account_signin_page(struct req *r)
{
	signin_form(r, 200);
}

void account_signin_post(struct req *r)
{
	if (r->nerrors) {
		signin_form(r, 422);
		return;
	}
	r->json_errors = true;
	members_api_signin(r);
	r->json_errors = false;
	const char *field, *message;
	if (r->status == 200) {
		buf_reset(&r->body);
		resp_header(r, "Location", "/me");
		resp_body(r, 303, "text/plain; charset=utf-8", "", 0);
		return;
	}
	if (api_error(r, &field, &message)) {
		add_error(r, field ? field : "password", message);
		signin_form(r, r->status == 429 ? 429 : 422);
		return;
	}
	resp_error(r, 503, "store_unavailable", "Please try again.", NULL);
}

void account_signout_post(struct req *r)
{
	members_api_signout(r);    /* its errors are pages: no session, or no CSRF token */
	if (r->status == 200) {
		buf_reset(&r->body);
		resp_header(r, "Location", "/");
		resp_body(r, 303, "text/plain; charset=utf-8", "", 0);
	}
}

/* The member's page: their record (after a recent password entry), their
 * choices, and the ways to download and sign out. */
void account_me_page(struct req *r)
{
	struct session s;
	if (!session_get(r, &s)) {
		resp_header(r, "Location", "/signin");
		resp_body(r, 303, "text/plain; charset=utf-8", "", 0);
		return;
	}
	json_t *data = page_data(r, "Your data");
	json_object_set_new(data, "csrf_token", json_string(s.csrf));
	r->json_errors = true;
	members_api_export(r);
	r->json_errors = false;
	json_error_t je;
	json_t *doc = r->status == 200 ? json_loadb(r->body.data, r->body.len, 0, &je) : NULL;
	json_object_set_new(data, "reauth", json_boolean(r->status == 403));
	if (doc)
		json_object_set_new(data, "export", doc);
	r->nheaders = 0;
	r->no_store = true;
	page_render(r, 200, "me", data);
}

void account_reauth_post(struct req *r)
{
	members_api_reauth(r);
	resp_header(r, "Location", "/me");
	resp_body(r, 303, "text/plain; charset=utf-8", "", 0);
}
