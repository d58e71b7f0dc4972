/*
 * staff_pages: the HTML pages of staff_pages.h.
 */
#include "staff_pages.h"

#include <string.h>

#include "app.h"
#include "buf.h"
#include "page.h"
#include "policy.h"
#include "staff.h"
#include "totp.h"

/* The staff tools, each shown to roles that have one of its purposes. */
#define TOOL_PURPOSES 4
static const struct {
	const char *href, *label;
	const char *purposes[TOOL_PURPOSES];
} tools[] = {
	{"/staff/members", "Look up a member's account", {"account", "insider_account", "security"}},
	{"/staff/messages", "Answer messages", {"answering_messages"}},
	{"/staff/reviews", "Check ownership claims", {"ownership_verification"}},
	{"/staff/campaigns", "Write and send news", {"member_news", "product_communications"}},
};

static bool tool_allowed(const char *role, const char *const *purposes)
{
	for (size_t i = 0; i < TOOL_PURPOSES && purposes[i]; i++)
		if (staff_role_grants(role, purposes[i]))
			return true;
	return false;
}

bool staff_page_session(struct req *r, struct staff_session *s)
{
	if (staff_session_get(r, s))
		return true;
	page_redirect(r, "/staff/signin");
	return false;
}

/* [{id, label}] of the purposes the role grants. */
static json_t *role_purposes(const char *role)
{
	const struct policy *p = app.policy;
	int ri = policy_role_index(p, role);
	json_t *list = json_array();
	for (size_t i = 0; ri >= 0 && i < p->roles[ri].npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[p->roles[ri].purposes[i]];
		json_array_append_new(list, json_pack("{s:s,s:s}", "id", pu->id, "label", pu->label));
	}
	return list;
}

void staff_home_page(struct req *r)
{
	struct staff_session s;
	if (!staff_page_session(r, &s))
		return;
	const struct policy *p = app.policy;
	int ri = policy_role_index(p, s.role);
	json_t *data = page_data(r, "Staff");
	json_t *purposes = role_purposes(s.role), *links = json_array();
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (tool_allowed(s.role, tools[i].purposes))
			json_array_append_new(links, json_pack("{s:s,s:s}", "href", tools[i].href,
							       "label", tools[i].label));
	json_object_set_new(data, "role", json_string(s.role));
	json_object_set_new(data, "role_description",
			    json_string(ri >= 0 && p->roles[ri].description ? p->roles[ri].description
									    : ""));
	json_object_set_new(data, "purposes", purposes);
	json_object_set_new(data, "tools", links);
	json_object_set_new(data, "csrf_token", json_string(s.csrf));
	r->no_store = true;
	page_render(r, 200, "staff_home", data);
}

static void signin_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Staff sign-in"));
	json_object_set_new(data, "enrolled", json_boolean(req_param(r, "enrolled") != NULL));
	page_render(r, status, "staff_signin", data);
}

void staff_signin_page(struct req *r)
{
	signin_form(r, 200);
}

/* The form again with the API's message next to its field. */
static bool api_failed(struct req *r, const char *default_field)
{
	const char *field, *message;
	if (!page_api_error(r, &field, &message))
		return false;
	page_add_error(r, field ? field : default_field, message);
	return true;
}

void staff_signin_post(struct req *r)
{
	if (r->nerrors) {
		signin_form(r, 422);
		return;
	}
	if (page_call_api(r, staff_api_signin)) {
		page_redirect(r, "/staff");
		return;
	}
	int status = r->status == 429 ? 429 : 422;
	if (api_failed(r, "form")) {
		signin_form(r, status);
		return;
	}
	resp_error(r, 503, "store_unavailable", "Please try again.", NULL);
}

void staff_signout_post(struct req *r)
{
	if (page_call_api(r, staff_api_signout))
		page_redirect(r, "/staff/signin");
}

static void enrol_form(struct req *r, int status)
{
	page_render(r, status, "staff_enrol", page_form_values(r, page_data(r, "Staff enrolment")));
}

void staff_enrol_page(struct req *r)
{
	r->no_store = true;
	enrol_form(r, 200);
}

/* Shows the new secret as a QR code and as text, and asks for a code. */
static void confirm_form(struct req *r, int status, json_t *answer)
{
	json_t *data = page_form_values(r, page_data(r, "Set up your authenticator"));
	const char *uri = answer ? json_string_value(json_object_get(answer, "otpauth_uri")) : NULL;
	if (uri) {
		struct buf svg;
		buf_init(&svg, 0);
		if (totp_qr_svg(&svg, uri) == 0)
			json_object_set_new(data, "qr", json_stringn(svg.data, svg.len));
		buf_release(&svg);
		json_object_set(data, "totp_secret", json_object_get(answer, "totp_secret"));
	}
	r->no_store = true;
	page_render(r, status, "staff_enrol_confirm", data);
}

void staff_enrol_post(struct req *r)
{
	if (r->nerrors) {
		enrol_form(r, 422);
		return;
	}
	if (page_call_api(r, staff_api_enrol)) {
		json_error_t je;
		json_t *answer = json_loadb(r->body.data, r->body.len, 0, &je);
		buf_reset(&r->body);
		r->nheaders = 0;
		confirm_form(r, 200, answer);
		json_decref(answer);
		return;
	}
	if (api_failed(r, "password")) {
		enrol_form(r, r->status == 503 ? 503 : 422);
		return;
	}
	resp_error(r, 503, "store_unavailable", "Please try again.", NULL);
}

void staff_enrol_confirm_post(struct req *r)
{
	if (r->nerrors) {
		confirm_form(r, 422, NULL);
		return;
	}
	if (page_call_api(r, staff_api_enrol_confirm)) {
		page_redirect(r, "/staff/signin?enrolled=1");
		return;
	}
	if (api_failed(r, "code")) {
		confirm_form(r, 422, NULL);
		return;
	}
	resp_error(r, 503, "store_unavailable", "Please try again.", NULL);
}

/* The lookup form, and after a POST the record found under the purpose
 * chosen (the address travels in the body, never in the URL). */
static void members_render(struct req *r, const struct staff_session *s, int status,
			   json_t *record)
{
	json_t *data = page_form_values(r, page_data(r, "Member lookup"));
	json_object_set_new(data, "purposes", role_purposes(s->role));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	if (record)
		json_object_set_new(data, "record", record);
	r->no_store = true;
	page_render(r, status, "staff_members", data);
}

void staff_members_page(struct req *r)
{
	struct staff_session s;
	if (staff_page_session(r, &s))
		members_render(r, &s, 200, NULL);
}

void staff_members_post(struct req *r)
{
	struct staff_session s;
	if (!staff_page_session(r, &s))
		return;
	if (r->nerrors) {
		members_render(r, &s, 422, NULL);
		return;
	}
	int status = 200;
	json_t *answer = page_api_json(r, staff_api_member_find, &status), *record = NULL;
	if (answer) {
		const struct policy *p = app.policy;
		json_t *fields = json_array(), *value;
		const char *key;
		json_object_foreach(json_object_get(answer, "data"), key, value) {
			int cat = policy_category_index(p, key);
			json_array_append_new(fields, json_pack("{s:s,s:O}", "label",
								cat >= 0 ? p->categories[cat].label : key,
								"value", value));
		}
		record = json_pack("{s:O,s:o}", "id", json_object_get(answer, "id"), "fields", fields);
		json_decref(answer);
		status = 200;
	} else {
		page_add_error(r, "email", status == 404 ? "No member has that e-mail address."
					 : status == 403 ? "Your role cannot use that purpose for this."
							 : "Please try again.");
	}
	members_render(r, &s, status, record);
}
