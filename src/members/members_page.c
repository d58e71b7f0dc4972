/*
 * members_page: the members' pages in HTML, for browsers without
 * JavaScript, a thin adapter over members.h like members_api.c: sign-up
 * (with the neutral age screen), sign-in and sign-out, the address
 * confirmations, and the member's page /me: everything held with its
 * category and purposes (after a recent password entry, NAM14), the
 * choices with a switch each, who looked at the data (the access log) and
 * the hand-overs, the sessions and remembered devices with a way to end
 * each, the correction form (NAM13), password and address changes, the
 * download (ALL01) and closing the account (ALL02). Each form's handler
 * calls the domain and redirects back, or shows the page again with the
 * message next to the field.
 */
#include "members_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "browser.h"
#include "buf.h"
#include "err.h"
#include "flows.h"
#include "dealer.h"
#include "garage.h"
#include "members_api.h"
#include "mem.h"
#include "page.h"
#include "password.h"
#include "policy.h"
#include "remember.h"
#include "session.h"
#include "story.h"
#include "visits.h"

static const struct session *session_of(const struct req *r)
{
	return session_current(r);
}

/* ---- sign-up ---- */

/* INS12: the box is there only when the profile has a purpose for it, and
 * starts unticked. */
static void remember_offer(json_t *data)
{
	json_object_set_new(data, "remember_offered", json_boolean(remember_purpose() != NULL));
}

/* NAM01: the sign-up form and the forms of /me that correct what it
 * collected name the registration point's purpose. */
static void registration_notice(json_t *data)
{
	page_notice(data, "member_registration");
	if (!json_object_get(data, "notice"))
		page_notice(data, "insider_signup");
}

static void signup_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Join"));
	json_t *choices = json_array();
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (!members_signup_choice(pu))
			continue;
		json_array_append_new(choices, json_pack("{s:s,s:s,s:s,s:b}", "id", pu->id, "label",
							 pu->label, "description", pu->description,
							 "opt_in", pu->basis == BASIS_OPT_IN));
	}
	json_object_set_new(data, "choices", choices);
	json_object_set_new(data, "birth_date_kept", json_boolean(members_keep_birth_date()));
	/* Where to ask for a partner's policy when the profile gives no link (INS15). */
	if (app.policy->contact.email)
		json_object_set_new(data, "privacy_contact",
				    json_string(app.policy->contact.email));
	registration_notice(data);
	page_render(r, status, "signup", data);
}

void members_page_signup(struct req *r)
{
	signup_form(r, 200);
}

/* The opt-out purposes the form showed ticked and the member unticked. */
static const char *unticked(struct req *r)
{
	const char *keep = req_param(r, "keep_on");
	struct buf out;
	buf_init(&out, 0);
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (pu->basis == BASIS_OPT_OUT && !(keep && strstr(keep, pu->id)))
			buf_printf(&out, "%s%s", out.len ? "," : "", pu->id);
	}
	const char *list = arena_strdup(r->arena, out.data ? out.data : "");
	buf_release(&out);
	return list;
}

static void not_eligible_page(struct req *r)
{
	page_render(r, 200, "not_eligible", page_data(r, "Join"));
}

/* The date the three boxes give as YYYY-MM-DD, when each passed its check. */
static bool signup_date(struct req *r, char *dob, size_t size)
{
	const char *d = req_param(r, "birth_day"), *m = req_param(r, "birth_month"),
		   *y = req_param(r, "birth_year");
	if (!d || !m || !y)
		return false;
	snprintf(dob, size, "%04ld-%02ld-%02ld", strtol(y, NULL, 10), strtol(m, NULL, 10),
		 strtol(d, NULL, 10));
	return true;
}

#define NOT_A_DATE "Date of birth must be a real date, for example 27 3 1990."

void members_page_signup_post(struct req *r)
{
	/* Every error at once: a date that is not one is shown beside the
	 * other fields' errors, not after they are put right. */
	char dob[32];
	bool not_a_date = signup_date(r, dob, sizeof(dob)) && valid_birth_date(dob, strlen(dob));
	const char *pw = req_param(r, "password"),
		   *weak = pw ? password_check(pw, strlen(pw)) : NULL;
	if (weak)
		page_add_error(r, "password", arena_printf(r->arena, "password %s", weak));
	if (r->nerrors) {
		if (not_a_date)
			page_add_error(r, "birth_day", NOT_A_DATE);
		signup_form(r, 422);
		return;
	}
	if (members_api_age_screened(r)) {
		not_eligible_page(r);
		return;
	}
	if (not_a_date) {
		page_add_error(r, "birth_day", NOT_A_DATE);
		signup_form(r, 422);
		return;
	}
	struct members_signup in;
	members_api_signup_input(r, &in);
	in.date_of_birth = dob;
	in.opt_out = unticked(r);
	struct failure f;
	if (members_signup(&in, &f) != 0) {
		if (f.err == ERR_NOT_ELIGIBLE) {
			members_api_age_cookie(r);
			not_eligible_page(r);
			return;
		}
		signup_form(r, page_form_failure(r, &f, "form"));
		return;
	}
	/* The same page whether or not the address has an account. */
	page_render(r, 200, "signup_sent", page_data(r, "Check your mail"));
}

/* ---- sign-in and sign-out ---- */

static void signin_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Sign in"));
	remember_offer(data);
	json_t *values = json_object_get(data, "values");
	json_t *known =
		status == 200 ? remember_prefill(req_cookie(r, remember_cookie_name())) : NULL;
	if (known && json_object_get(known, "email"))
		json_object_set(values, "email", json_object_get(known, "email"));
	json_decref(known);
	page_render(r, status, "signin", data);
}

void members_page_signin(struct req *r)
{
	signin_form(r, 200);
}

void members_page_signin_post(struct req *r)
{
	if (r->nerrors) {
		signin_form(r, 422);
		return;
	}
	const char *remember = req_param(r, "remember");
	struct members_signin in = {
		req_param(r, "email"), req_param(r, "password"), req_client_address(r),
		remember && strcmp(remember, "true") == 0, browser_of_request(r, SESSION_MEMBER)};
	struct members_started s;
	struct failure f;
	if (members_signin(&in, &s, &f) != 0) {
		signin_form(r, page_form_failure(r, &f, "password"));
		return;
	}
	members_api_started(r, &s);
	crypto_wipe(&s, sizeof(s));
	page_redirect(r, "/me");
}

void members_page_signout(struct req *r)
{
	session_end_request(r, SESSION_MEMBER);
	page_redirect(r, "/");
}

/* ---- confirmations ---- */

/* The page a confirmation link opens: a button that confirms by POST, so a
 * mail scanner that follows links confirms nothing. */
static void confirm_button(struct req *r, bool change)
{
	json_t *data = page_data(r, change ? "Confirm your new address" : "Confirm your address");
	const char *token = req_param(r, "token");
	json_object_set_new(data, "token", json_string(token ? token : ""));
	json_object_set_new(data, "change", json_boolean(change));
	r->no_store = true;
	page_render(r, 200, "confirm", data);
}

/* joined: the address given at sign-up, after which the account can be
 * signed in to. */
static void confirm_result(struct req *r, int rc, const struct failure *f, const char *title,
			   bool joined)
{
	if (rc != 0 && f->err != ERR_BAD_LINK) {
		resp_failure(r, f);
		return;
	}
	json_t *data = page_data(r, rc == 0 ? title : "Link no longer valid");
	json_object_set_new(data, "confirmed", json_boolean(rc == 0));
	json_object_set_new(data, "joined", json_boolean(joined));
	page_render(r, rc == 0 ? 200 : 404, "confirmed", data);
}

void members_page_confirm(struct req *r)
{
	confirm_button(r, false);
}

void members_page_confirm_post(struct req *r)
{
	struct failure f;
	int rc = r->nerrors ? err_fail(&f, ERR_BAD_LINK)
			    : members_email_confirm(req_param(r, "token"), &f);
	confirm_result(r, rc, &f, "Address confirmed", true);
}

void members_page_email_confirm(struct req *r)
{
	confirm_button(r, true);
}

void members_page_email_confirm_post(struct req *r)
{
	struct failure f;
	int rc = r->nerrors ? err_fail(&f, ERR_BAD_LINK)
			    : members_change_email_confirm(req_param(r, "token"), &f);
	confirm_result(r, rc, &f, "Address changed", false);
}

/* ---- the member's page ---- */

/* What a finished form says on the page it returns to (?done=...). */
static const struct {
	const char *done, *message;
} done_messages[] = {
	{"choice", "Your choice is saved and applies from now on."},
	{"corrected", "Your corrections are saved."},
	{"session", "That session has ended."},
	{"device", "That device is forgotten."},
	{"devices", "Every device is forgotten."},
	{"reauth", "Thank you; your data is shown below."},
	{"password",
	 "Your password is changed; every other place you were signed in is signed out."},
	{"email",
	 "We sent a message to the new address; the change happens when you confirm it there."},
};

/* Where an item is kept, for people to read (the account's own fields need no note). */
static const struct {
	const char *record, *where;
} places[] = {
	{"vehicles", "A car in your garage"},
	{"email_changes", "Your new address, waiting for your confirmation"},
	{"outbox", "In a message to you, waiting to be sent"},
	{"contact_messages", "In a message you sent us"},
};

/* Each item's purposes as the profile's labels and where it is kept. */
static void item_labels(json_t *items)
{
	const struct policy *p = app.policy;
	size_t i, k;
	json_t *item, *id;
	json_array_foreach (items, i, item) {
		const char *record = json_string_value(json_object_get(item, "record"));
		for (k = 0; record && k < sizeof(places) / sizeof(places[0]); k++)
			if (strcmp(record, places[k].record) == 0)
				json_object_set_new(item, "where", json_string(places[k].where));
		json_t *labels = json_array();
		json_array_foreach (json_object_get(item, "purposes"), k, id) {
			int pi = policy_purpose_index(p, json_string_value(id));
			json_array_append_new(labels,
					      json_string(pi >= 0 ? p->purposes[pi].label : ""));
		}
		json_object_set_new(item, "purpose_labels", labels);
	}
}

/* Everything held, for a member whose password is recent: the export. */
static void me_data(struct req *r, const struct session *s, json_t *data)
{
	json_t *export;
	struct failure f;
	if (members_export(s->account, &export, &f) != 0)
		return;
	/* The correction form starts from the account's values. */
	json_t *record = json_object(), *item;
	size_t i;
	json_array_foreach (json_object_get(export, "items"), i, item) {
		const char *from = json_string_value(json_object_get(item, "record"));
		if (from && strcmp(from, "members") == 0)
			json_object_set(record, json_string_value(json_object_get(item, "field")),
					json_object_get(item, "value"));
	}
	json_object_set_new(data, "record", record);
	page_times(json_object_get(export, "staff_accesses"), "at");
	page_times(json_object_get(export, "handovers"), "at");
	page_times(json_object_get(export, "visits"), "visited_at");
	item_labels(json_object_get(export, "items"));
	json_object_set_new(export, "verified_owner",
			    json_boolean(garage_verified_owner(s->account)));
	json_object_set_new(data, "export", export);
	registration_notice(data);
}

static void me_render(struct req *r, int status)
{
	const struct session *s = session_of(r);
	json_t *data = page_form_values(r, page_data(r, "Your data"));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	json_object_set_new(data, "garage", json_boolean(garage_offered()));
	json_object_set_new(data, "dealers", json_boolean(dealer_offered(NULL, NULL)));
	/* What members share (issue 16: src/content/): where the profile has it. */
	json_object_set_new(data, "community",
			    json_boolean(garage_offered() &&
					 policy_public_purpose(app.policy, "vehicle_details")));
	json_object_set_new(data, "stories",
			    json_boolean(policy_public_purpose(app.policy, "submitted_content")));
	json_object_set_new(data, "display_name",
			    json_boolean(policy_category_purpose(app.policy, "display_name")));
	json_object_set_new(data, "visits_linked",
			    json_boolean(visits_link_purpose(app.policy) != NULL));
	json_object_set_new(data, "birth_date_kept", json_boolean(members_keep_birth_date()));
	/* Where to ask for a partner's policy when the profile gives no link (INS15). */
	if (app.policy->contact.email)
		json_object_set_new(data, "privacy_contact",
				    json_string(app.policy->contact.email));
	const char *done = req_param(r, "done");
	for (size_t i = 0; done && i < sizeof(done_messages) / sizeof(done_messages[0]); i++)
		if (strcmp(done, done_messages[i].done) == 0)
			json_object_set_new(data, "done", json_string(done_messages[i].message));
	bool recent = session_recent(s);
	json_object_set_new(data, "reauth", json_boolean(!recent));
	if (recent)
		me_data(r, s, data);
	json_object_set_new(data, "consents", members_consents(s->account));
	json_object_set_new(data, "flows",
			    flows_html(app.policy, json_object_get(data, "consents")));
	unsigned char current[TOKEN_HASH_BYTES];
	bool have = session_request_hash(r, SESSION_MEMBER, current);
	json_t *sessions = session_list(s->account, have ? current : NULL);
	page_times(sessions, "created_at");
	page_times(sessions, "last_seen");
	json_object_set_new(data, "sessions", sessions);
	json_t *devices = remember_devices(s->account, req_cookie(r, remember_cookie_name()));
	page_times(devices, "created_at");
	page_times(devices, "last_used");
	json_object_set_new(data, "devices", devices ? devices : json_array());
	json_object_set_new(data, "devices_offered", json_boolean(remember_purpose() != NULL));
	r->no_store = true;
	page_render(r, status, "me", data);
}

void members_page_me(struct req *r)
{
	me_render(r, 200);
}

/* After a form's domain call: back to /me with a message, or /me again with
 * the message next to the field. */
static void after(struct req *r, int rc, const struct failure *f, const char *done,
		  const char *field)
{
	if (rc == 0) {
		char to[64];
		snprintf(to, sizeof(to), "/me?done=%s", done);
		page_redirect(r, to);
		return;
	}
	me_render(r, page_form_failure(r, f, field));
}

void members_page_reauth(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	unsigned char session[TOKEN_HASH_BYTES];
	bool have = session_request_hash(r, SESSION_MEMBER, session);
	int rc = members_reauth(session_of(r)->account, req_param(r, "password"),
				have ? session : NULL, req_client_address(r), &f);
	if (rc == 0)
		session_reauth(r, SESSION_MEMBER);
	after(r, rc, &f, "reauth", "password");
}

void members_page_consent(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	const char *on = req_param(r, "on");
	int rc = members_consent_set(session_of(r)->account, req_param(r, "purpose"),
				     on && strcmp(on, "true") == 0, &f);
	after(r, rc, &f, "choice", "consents");
}

void members_page_correct(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	struct members_correction in = {req_param(r, "name"), req_param(r, "postal_address"),
					req_param(r, "phone")};
	int changed = 0;
	int rc = members_correct(session_of(r)->account, &in, &changed, &f);
	after(r, rc, &f, "corrected", "name");
}

void members_page_password(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	unsigned char keep[TOKEN_HASH_BYTES];
	bool have = session_request_hash(r, SESSION_MEMBER, keep);
	int rc = members_change_password(session_of(r)->account, req_param(r, "password"),
					 have ? keep : NULL, browser_of_request(r, SESSION_MEMBER),
					 &f);
	after(r, rc, &f, "password", "password");
}

void members_page_email(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	int rc = members_change_email(session_of(r)->account, req_param(r, "email"), &f);
	after(r, rc, &f, "email", "email");
}

void members_page_session_end(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	const char *id = req_param(r, "id");
	int rc = id && session_end_id(session_of(r)->account, id) == 0
			 ? 0
			 : err_fail(&f, ERR_NO_SESSION);
	after(r, rc, &f, "session", "sessions");
}

void members_page_device_forget(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	const char *id = req_param(r, "id");
	int64_t member = session_of(r)->account;
	if (id) {
		after(r, remember_forget(member, id, &f), &f, "device", "devices");
		return;
	}
	int n = 0;
	int rc = remember_forget_all(member, &n, &f);
	if (rc == 0)
		members_api_device_cookie_clear(r);
	after(r, rc, &f, "devices", "devices");
}

/* ---- closing the account (ALL02) ---- */

static void close_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Close your account"));
	json_object_set_new(data, "csrf_token", json_string(session_of(r)->csrf));
	/* Where the profile has stories: deleted (the default) or kept without
	 * the member's name (docs/content.md). */
	bool keep = false;
	struct failure ignored;
	if (story_on_close_get(session_of(r)->account, &keep, &ignored) == 0)
		json_object_set_new(data, "submissions", json_pack("{s:b}", "keep", keep));
	r->no_store = true;
	page_render(r, status, "close", data);
}

void members_page_close(struct req *r)
{
	close_form(r, 200);
}

/* The member types "close" to confirm; afterwards a neutral page. */
void members_page_close_post(struct req *r)
{
	const char *confirm = req_param(r, "confirm");
	if (r->nerrors || !confirm || strcmp(confirm, "close") != 0) {
		if (!r->nerrors)
			page_add_error(r, "confirm", "Type the word close to confirm.");
		close_form(r, 422);
		return;
	}
	struct failure f;
	const char *choice = req_param(r, "submissions");
	if (choice && story_offered() &&
	    story_on_close_set(session_of(r)->account, strcmp(choice, "keep") == 0, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	if (members_close(session_of(r)->account, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	session_end_request(r, SESSION_MEMBER);
	page_render(r, 200, "closed", page_data(r, "Account closed"));
}
