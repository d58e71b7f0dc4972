/*
 * staff_page: the HTML pages of staff_page.h. The gate has found the staff
 * session (and checked its CSRF token) on every page but enrolment and
 * sign-in before these run.
 */
#include "staff_page.h"

#include <string.h>

#include "app.h"
#include "broker.h"
#include "browser.h"
#include "buf.h"
#include "err.h"
#include "page.h"
#include "policy.h"
#include "route.h"
#include "session.h"
#include "staff.h"
#include "staff_api.h"
#include "totp.h"

/* The staff tools, each shown to roles that have one of its purposes, or
 * a purpose of its kind (as the tool's route demands). */
#define TOOL_PURPOSES 4
static const struct {
	const char *href, *label;
	const char *purposes[TOOL_PURPOSES];
	const char *kind;
} tools[] = {
	{"/staff/members",
	 "Look up a member's account",
	 {"account", "insider_account", "security"},
	 NULL},
	{"/staff/messages", "Answer messages", {"answering_messages"}, NULL},
	{"/staff/postcards/reports", "Reported e-postcards", {"answering_messages"}, NULL},
	{"/staff/reviews", "Check ownership claims", {"ownership_verification"}, NULL},
	{"/staff/campaigns",
	 "Write and send news",
	 {"member_news", "product_communications"},
	 NULL},
	{"/staff/handovers", "Hand-overs to partners: counters and failures", {NULL}, "security"},
	{"/staff/dealers", "Keep the list of dealers members may ask for", {NULL}, "dealer"},
	{"/staff/requests",
	 "Fulfil information and material requests",
	 {"information_requests", "material_registration"},
	 NULL},
	{"/staff/statistics", "Visits per area and day", {NULL}, "aggregate_statistics"},
	{"/staff/admin/staff",
	 "Staff accounts, the access log and consent counts",
	 {NULL},
	 STAFF_ADMIN_KIND},
	{"/staff/stories", "Moderate stories and questions", {NULL}, "public_content"},
};
#define NTOOLS (sizeof(tools) / sizeof(tools[0]))

#define ROLE_LACKS_PURPOSE "Your role cannot use that purpose for this."

static bool tool_allowed(const char *role, const char *const *purposes, const char *kind)
{
	if (kind && policy_role_grants_kind(app.policy, role, kind))
		return true;
	for (size_t i = 0; i < TOOL_PURPOSES && purposes[i]; i++)
		if (policy_role_grants(app.policy, role, purposes[i]))
			return true;
	return false;
}

/* Whether the tool's page exists under the profile in force (a route
 * the profile does not offer answers 404: no link to it). */
static bool tool_offered(struct req *r, const char *href)
{
	const struct route *rt = NULL;
	const char *captures[HTTP_MAX_PATH_PARAMS];
	unsigned allowed = 0;
	if (route_find(href, HTTP_GET, r->arena, &rt, captures, &allowed) != ROUTE_FOUND)
		return false;
	return !rt->offered || rt->offered();
}

/* The status a form is shown again with after a failure: 422 for what the
 * person can correct, but 429 (wait) and 503 (try again) as they are. */
static int form_status(int status)
{
	return status == 429 || status >= 500 ? status : 422;
}

/* ---- home ---- */

void staff_page_home(struct req *r)
{
	const struct session *s = session_current(r);
	json_t *data = page_data(r, "Staff"), *links = json_array();
	for (size_t i = 0; i < NTOOLS; i++)
		if (tool_allowed(s->role, tools[i].purposes, tools[i].kind) &&
		    tool_offered(r, tools[i].href))
			json_array_append_new(links, json_pack("{s:s,s:s}", "href", tools[i].href,
							       "label", tools[i].label));
	json_object_set_new(data, "role", json_string(s->role));
	json_object_set_new(data, "role_description", json_string(staff_role_description(s->role)));
	json_object_set_new(data, "purposes", staff_role_purposes(s->role));
	json_object_set_new(data, "tools", links);
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	r->no_store = true;
	page_render(r, 200, "staff_home", data);
}

/* ---- signing in and out ---- */

static void signin_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Staff sign-in"));
	json_object_set_new(data, "enrolled", json_boolean(req_param(r, "enrolled") != NULL));
	page_render(r, status, "staff_signin", data);
}

void staff_page_signin(struct req *r)
{
	signin_form(r, 200);
}

void staff_page_signin_post(struct req *r)
{
	if (r->nerrors) {
		signin_form(r, 422);
		return;
	}
	struct staff_signin in;
	struct staff_started s;
	struct failure f;
	staff_api_signin_input(r, &in);
	if (staff_signin(&in, &s, &f) != 0) {
		signin_form(r, form_status(page_form_failure(r, &f, "form")));
		return;
	}
	session_cookie_set(r, SESSION_STAFF, s.session.token);
	browser_cookie_set(r, SESSION_STAFF, s.browser);
	crypto_wipe(&s, sizeof(s));
	page_redirect(r, "/staff");
}

void staff_page_signout(struct req *r)
{
	session_end_request(r, SESSION_STAFF);
	page_redirect(r, "/staff/signin");
}

/* ---- enrolment ---- */

static void enrol_form(struct req *r, int status)
{
	r->no_store = true;
	page_render(r, status, "staff_enrol", page_form_values(r, page_data(r, "Staff enrolment")));
}

void staff_page_enrol(struct req *r)
{
	enrol_form(r, 200);
}

/* Shows the new secret as a QR code and as text (e: NULL when the form is
 * shown again after a wrong code), and asks for a code. */
static void confirm_form(struct req *r, int status, const struct staff_enrolment *e)
{
	json_t *data = page_form_values(r, page_data(r, "Set up your authenticator"));
	if (e) {
		struct buf svg;
		buf_init(&svg, 0);
		if (totp_qr_svg(&svg, e->otpauth_uri.data) == 0)
			json_object_set_new(data, "qr", json_stringn(svg.data, svg.len));
		buf_release(&svg);
		json_object_set_new(data, "totp_secret", json_string(e->totp_secret));
	}
	r->no_store = true;
	page_render(r, status, "staff_enrol_confirm", data);
}

void staff_page_enrol_post(struct req *r)
{
	if (r->nerrors) {
		enrol_form(r, 422);
		return;
	}
	struct staff_enrolment e;
	struct failure f;
	if (staff_enrol(req_param(r, "token"), req_param(r, "password"), &e, &f) != 0) {
		enrol_form(r, form_status(page_form_failure(r, &f, "password")));
		return;
	}
	confirm_form(r, 200, &e);
	staff_enrolment_release(&e);
}

void staff_page_enrol_confirm(struct req *r)
{
	if (r->nerrors) {
		confirm_form(r, 422, NULL);
		return;
	}
	struct failure f;
	if (staff_enrol_confirm(req_param(r, "token"), req_param(r, "code"), &f) != 0) {
		confirm_form(r, form_status(page_form_failure(r, &f, "code")), NULL);
		return;
	}
	page_redirect(r, "/staff/signin?enrolled=1");
}

/* ---- entering the password again ---- */

static void reauth_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Enter your password again"));
	json_object_set_new(data, "csrf_token", json_string(session_current(r)->csrf));
	r->no_store = true;
	page_render(r, status, "staff_reauth", data);
}

void staff_page_reauth(struct req *r)
{
	reauth_form(r, 200);
}

/* Back to the console, whose changes are what ask for it. */
void staff_page_reauth_post(struct req *r)
{
	struct failure f;
	if (r->nerrors) {
		reauth_form(r, 422);
		return;
	}
	if (staff_api_reauth_run(r, &f) != 0) {
		reauth_form(r, form_status(page_form_failure(r, &f, "password")));
		return;
	}
	page_redirect(r, "/staff/admin/staff");
}

/* ---- the member lookup ---- */

/* The lookup form, and after a POST the record found under the purpose
 * chosen (the address travels in the body, never in the URL). */
static void members_render(struct req *r, int status, json_t *record)
{
	const struct session *s = session_current(r);
	json_t *data = page_form_values(r, page_data(r, "Member lookup"));
	json_object_set_new(data, "purposes", staff_role_purposes(s->role));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	if (record)
		json_object_set_new(data, "record", record);
	r->no_store = true;
	page_render(r, status, "staff_members", data);
}

void staff_page_members(struct req *r)
{
	members_render(r, 200, NULL);
}

/* {id, fields: [{label, value}]}: each field under its category's label. */
static json_t *record_view(int64_t member, json_t *data)
{
	const struct policy *p = app.policy;
	json_t *fields = json_array(), *value;
	const char *key;
	json_object_foreach (data, key, value) {
		int cat = policy_category_index(p, key);
		const char *label = cat >= 0 ? p->categories[cat].label : NULL;
		json_array_append_new(fields, json_pack("{s:s,s:O}", "label", label ? label : key,
							"value", value));
	}
	return json_pack("{s:I,s:o}", "id", (json_int_t)member, "fields", fields);
}

/* The route lets any staff role post here and the lookup refuses a purpose
 * the role lacks, which the form then says in its own words. */
void staff_page_members_post(struct req *r)
{
	if (r->nerrors) {
		members_render(r, 422, NULL);
		return;
	}
	struct broker_actor actor;
	int64_t member;
	json_t *data;
	struct failure f;
	staff_api_actor(r, &actor);
	const char *email = req_param(r, "email"), *purpose = req_param(r, "purpose");
	if (staff_member_find(&actor, email, purpose, &member, &data, &f) != 0) {
		int status = err_status(&f);
		if (status == 403)
			page_add_error(r, "purpose", ROLE_LACKS_PURPOSE);
		else
			status = page_form_failure(r, &f, "form");
		members_render(r, status, NULL);
		return;
	}
	json_t *record = record_view(member, data);
	json_decref(data);
	members_render(r, 200, record);
}
