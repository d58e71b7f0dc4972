/*
 * dashboard_pages: the member's page /me in HTML, for browsers without
 * JavaScript: everything held with its category and purposes (after a
 * recent password entry, NAM14), the choices with a switch each, who
 * looked at the data (the access log) and the hand-overs, the sessions and
 * remembered devices with a way to end each, the correction form (NAM13),
 * the download (ALL01) and closing the account (ALL02). Each form posts to
 * a handler that calls the members' API handler and redirects back.
 */
#include "dashboard_pages.h"

#include <stdio.h>
#include <string.h>

#include "account_changes.h"
#include "app.h"
#include "buf.h"
#include "garage.h"
#include "members.h"
#include "pages.h"
#include "policy.h"
#include "remember.h"
#include "session.h"

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
	{"password", "Your password is changed; every other place you were signed in is signed out."},
	{"email", "We sent a message to the new address; the change happens when you confirm it there."},
};


/* Each item's purposes as the profile's labels, for people to read. */
static void purpose_labels(json_t *items)
{
	const struct policy *p = app.policy;
	size_t i, k;
	json_t *item, *id;
	json_array_foreach(items, i, item) {
		json_t *labels = json_array();
		json_array_foreach(json_object_get(item, "purposes"), k, id) {
			int pi = policy_purpose_index(p, json_string_value(id));
			json_array_append_new(labels, json_string(pi >= 0 ? p->purposes[pi].label : ""));
		}
		json_object_set_new(item, "purpose_labels", labels);
	}
}

static void me_render(struct req *r, int status)
{
	struct session s;
	if (!session_get(r, &s)) {
		page_redirect(r, "/signin");
		return;
	}
	json_t *data = page_form_values(r, page_data(r, "Your data"));
	json_object_set_new(data, "csrf_token", json_string(s.csrf));
	json_object_set_new(data, "garage", json_boolean(garage_offered()));
	const char *done = req_param(r, "done");
	for (size_t i = 0; done && i < sizeof(done_messages) / sizeof(done_messages[0]); i++)
		if (strcmp(done, done_messages[i].done) == 0)
			json_object_set_new(data, "done", json_string(done_messages[i].message));
	int export_status = 0;
	json_t *export = page_api_json(r, members_api_export, &export_status);
	json_object_set_new(data, "reauth", json_boolean(export_status == 403));
	if (export) {
		/* The correction form starts from the values held. */
		json_t *record = json_object(), *item;
		size_t i;
		json_array_foreach(json_object_get(export, "items"), i, item)
			json_object_set(record, json_string_value(json_object_get(item, "category")),
					json_object_get(item, "value"));
		json_object_set_new(data, "record", record);
		page_times(json_object_get(export, "staff_accesses"), "at");
		purpose_labels(json_object_get(export, "items"));
		json_object_set_new(data, "export", export);
	}
	json_t *consents = page_api_json(r, members_api_consents, NULL);
	if (consents)
		json_object_set(data, "consents", json_object_get(consents, "consents"));
	json_decref(consents);
	json_t *sessions = page_api_json(r, members_api_sessions, NULL);
	if (sessions) {
		page_times(json_object_get(sessions, "sessions"), "created_at");
		page_times(json_object_get(sessions, "sessions"), "last_seen");
		json_object_set(data, "sessions", json_object_get(sessions, "sessions"));
	}
	json_decref(sessions);
	json_t *devices = page_api_json(r, remember_api_list, NULL);
	if (devices) {
		page_times(json_object_get(devices, "devices"), "created_at");
		page_times(json_object_get(devices, "devices"), "last_used");
		json_object_set(data, "devices", json_object_get(devices, "devices"));
		json_object_set(data, "devices_offered", json_object_get(devices, "offered"));
	}
	json_decref(devices);
	r->no_store = true;
	page_render(r, status, "me", data);
}

void account_me_page(struct req *r)
{
	me_render(r, 200);
}

void account_reauth_post(struct req *r)
{
	bool ok = page_call_api(r, members_api_reauth);
	if (!ok && r->status == 401 && session_get(r, &(struct session){0})) {
		buf_reset(&r->body);
		r->nheaders = 0;
		page_add_error(r, "password", "That password is wrong.");
		me_render(r, 422);
		return;
	}
	page_redirect(r, ok ? "/me?done=reauth" : "/me");
}

/* After a form's API call: back to /me with a message, or /me again with
 * the API's message next to the field. */
static void after(struct req *r, bool ok, const char *done, const char *field)
{
	if (ok) {
		char to[64];
		snprintf(to, sizeof(to), "/me?done=%s", done);
		page_redirect(r, to);
		return;
	}
	const char *f, *message, *code = page_api_error_code(r);
	int status = r->status;
	if (status == 401 || (code && strcmp(code, "reauth_required") == 0)) {
		page_redirect(r, status == 401 ? "/signin" : "/me");
		return;
	}
	if (!page_api_error(r, &f, &message))
		message = "That did not work; please try again.";
	buf_reset(&r->body);
	r->nheaders = 0;
	page_add_error(r, f ? f : field, message);
	me_render(r, status >= 400 && status < 500 ? status : 503);
}

void dashboard_consent_post(struct req *r)
{
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	r->path_params[0] = req_param(r, "purpose");
	const char *on = req_param(r, "on");
	req_param_set(r, "on", on && strcmp(on, "1") == 0 ? "true" : "false");
	after(r, page_call_api(r, members_api_consent_set), "choice", "consents");
}

void dashboard_correct_post(struct req *r)
{
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	after(r, page_call_api(r, members_api_correct), "corrected", "name");
}

void dashboard_password_post(struct req *r)
{
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	after(r, page_call_api(r, members_api_password), "password", "new_password");
}

void dashboard_email_post(struct req *r)
{
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	after(r, page_call_api(r, members_api_email), "email", "email");
}

void dashboard_session_end_post(struct req *r)
{
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	r->path_params[0] = req_param(r, "id");
	after(r, page_call_api(r, members_api_session_end), "session", "sessions");
}

void dashboard_device_forget_post(struct req *r)
{
	if (r->nerrors) {
		me_render(r, 422);
		return;
	}
	const char *id = req_param(r, "id");
	if (id) {
		r->path_params[0] = id;
		after(r, page_call_api(r, remember_api_forget), "device", "devices");
	} else {
		after(r, page_call_api(r, remember_api_forget_all), "devices", "devices");
	}
}

void dashboard_close_page(struct req *r)
{
	struct session s;
	if (!session_get(r, &s)) {
		page_redirect(r, "/signin");
		return;
	}
	if (!session_recent(&s)) {
		page_redirect(r, "/me");     /* the password prompt is there */
		return;
	}
	json_t *data = page_form_values(r, page_data(r, "Close your account"));
	json_object_set_new(data, "csrf_token", json_string(s.csrf));
	r->no_store = true;
	page_render(r, r->nerrors ? 422 : 200, "close", data);
}

/* ALL02: the member types "close" to confirm; afterwards a neutral page. */
void dashboard_close_post(struct req *r)
{
	const char *confirm = req_param(r, "confirm");
	if (r->nerrors || !confirm || strcmp(confirm, "close") != 0) {
		if (!r->nerrors)
			page_add_error(r, "confirm", "Type the word close to confirm.");
		dashboard_close_page(r);
		return;
	}
	if (page_call_api(r, members_api_close)) {
		buf_reset(&r->body);
		page_render(r, 200, "closed", page_data(r, "Account closed"));
		return;
	}
	const char *code = page_api_error_code(r);
	if (code && strcmp(code, "reauth_required") == 0) {
		page_redirect(r, "/me");     /* reauth_required: the prompt is there */
		return;
	}
	page_api_error_page(r);
}
