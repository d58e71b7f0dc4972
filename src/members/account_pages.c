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
#include "remember.h"
#include "session.h"

/* The form's "remember me" box (value 1) as the API's JSON true. */
static void remember_from_form(struct req *r)
{
	const char *v = req_param(r, "remember");
	req_param_set(r, "remember", v && strcmp(v, "1") == 0 ? "true" : "false");
}

/* INS12: the box is there only when the profile has a purpose for it, and
 * starts unticked. */
static void remember_offer(json_t *data)
{
	json_object_set_new(data, "remember_offered", json_boolean(remember_purpose() != NULL));
}

static void signup_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Join"));
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
	remember_offer(data);
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
		page_add_error(r, "birth_day", "Please give a real date of birth.");
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
	remember_from_form(r);
	r->json_errors = true;
	members_api_signup(r);
	r->json_errors = false;
	const char *field, *message;
	if (r->status == 201) {
		page_redirect(r, "/me");
		return;
	}
	if (r->status == 403) {
		page_render(r, 200, "not_eligible", page_data(r, "Join"));
		return;
	}
	if (page_api_error(r, &field, &message) && r->status < 500) {
		page_add_error(r, field, message);
		signup_form(r, 422);
		return;
	}
	resp_error(r, r->status ? r->status : 503, "store_unavailable", "Please try again.", NULL);
}

static void signin_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Sign in"));
	remember_offer(data);
	json_t *values = json_object_get(data, "values");
	json_t *known = status == 200 ? remember_prefill(r) : NULL;
	if (known && json_object_get(known, "email"))
		json_object_set(values, "email", json_object_get(known, "email"));
	json_decref(known);
	page_render(r, status, "signin", data);
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
	remember_from_form(r);
	r->json_errors = true;
	members_api_signin(r);
	r->json_errors = false;
	const char *field, *message;
	if (r->status == 200) {
		page_redirect(r, "/me");
		return;
	}
	if (page_api_error(r, &field, &message)) {
		page_add_error(r, field ? field : "password", message);
		signin_form(r, r->status == 429 ? 429 : 422);
		return;
	}
	resp_error(r, 503, "store_unavailable", "Please try again.", NULL);
}

void account_signout_post(struct req *r)
{
	members_api_signout(r);    /* its errors are pages: no session, or no CSRF token */
	if (r->status == 200)
		page_redirect(r, "/");
}
