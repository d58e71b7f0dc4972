/*
 * routes: the route table. Every address the server answers, with its
 * methods, body kind and limit, and the parameters it accepts.
 */
#include "route.h"

#include "account_changes.h"
#include "account_pages.h"
#include "contact.h"
#include "contact_staff.h"
#include "dashboard_pages.h"
#include "garage.h"
#include "campaign.h"
#include "mail_confirm.h"
#include "garage_pages.h"
#include "remember.h"
#include "members.h"
#include "pages.h"
#include "privacy.h"
#include "staff.h"
#include "staff_pages.h"
#include "validate.h"

static const struct param_spec contact_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"topic", PARAM_BODY | PARAM_REQUIRED, 200, valid_line},
	{"message", PARAM_BODY | PARAM_REQUIRED, 10000, valid_text},
	{0},
};

static const struct param_spec version_params[] = {
	{"version", PARAM_PATH, 9, valid_uint},
	{0},
};

static const struct param_spec signup_params[] = {
	{"name", PARAM_BODY | PARAM_REQUIRED, 200, valid_line},
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{"date_of_birth", PARAM_BODY | PARAM_REQUIRED, 10, valid_birth_date},
	{"postal_address", PARAM_BODY, 500, valid_text},
	{"phone", PARAM_BODY, 40, valid_line},
	{"opt_in", PARAM_BODY, 1000, valid_id_list},
	{"opt_out", PARAM_BODY, 1000, valid_id_list},
	{"remember", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec consent_params[] = {
	{"purpose", PARAM_PATH, 48, valid_token},
	{"on", PARAM_BODY | PARAM_REQUIRED | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec signin_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{"remember", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec signin_form_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{"remember", PARAM_BODY, 5, valid_token},
	{0},
};

static const struct param_spec device_id_params[] = {
	{"id", PARAM_PATH, 24, valid_hex},
	{0},
};

static const struct param_spec reauth_params[] = {
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{0},
};

static const struct param_spec correct_params[] = {
	{"name", PARAM_BODY, 200, valid_line},
	{"postal_address", PARAM_BODY, 500, valid_text},
	{"phone", PARAM_BODY, 40, valid_line},
	{0},
};

static const struct param_spec signup_form_params[] = {
	{"name", PARAM_BODY | PARAM_REQUIRED, 200, valid_line},
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{"birth_day", PARAM_BODY | PARAM_REQUIRED, 2, valid_uint},
	{"birth_month", PARAM_BODY | PARAM_REQUIRED, 2, valid_uint},
	{"birth_year", PARAM_BODY | PARAM_REQUIRED, 4, valid_uint},
	{"postal_address", PARAM_BODY, 500, valid_text},
	{"phone", PARAM_BODY, 40, valid_line},
	{"opt_in", PARAM_BODY | PARAM_LIST, 1000, valid_id_list},
	{"keep_on", PARAM_BODY | PARAM_LIST, 1000, valid_id_list},
	{"remember", PARAM_BODY, 5, valid_token},
	{0},
};

static const struct param_spec csrf_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"password", PARAM_BODY, 1024, valid_text},
	{0},
};

static const struct param_spec session_id_params[] = {
	{"id", PARAM_PATH, 24, valid_hex},
	{0},
};

static const struct param_spec staff_enrol_params[] = {
	{"token", PARAM_BODY | PARAM_REQUIRED, 64, valid_token},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{0},
};

static const struct param_spec staff_enrol_page_params[] = {
	{"token", PARAM_QUERY, 64, valid_token},
	{0},
};

static const struct param_spec staff_confirm_params[] = {
	{"token", PARAM_BODY | PARAM_REQUIRED, 64, valid_token},
	{"code", PARAM_BODY | PARAM_REQUIRED, 6, valid_totp_code},
	{0},
};

static const struct param_spec staff_signin_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{"code", PARAM_BODY | PARAM_REQUIRED, 6, valid_totp_code},
	{0},
};

static const struct param_spec staff_signin_page_params[] = {
	{"enrolled", PARAM_QUERY, 1, valid_uint},
	{0},
};

/* The address is sent in the body, never in a URL (history, proxies). */
static const struct param_spec staff_member_find_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"purpose", PARAM_BODY | PARAM_REQUIRED, 48, valid_token},
	{0},
};

static const struct param_spec staff_member_page_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"purpose", PARAM_BODY | PARAM_REQUIRED, 48, valid_token},
	{0},
};

static const struct param_spec staff_member_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{"purpose", PARAM_QUERY | PARAM_REQUIRED, 48, valid_token},
	{0},
};

static const struct param_spec staff_messages_params[] = {
	{"state", PARAM_QUERY, 8, valid_token},
	{0},
};

static const struct param_spec staff_message_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{0},
};

static const struct param_spec staff_answer_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{"answer", PARAM_BODY | PARAM_REQUIRED, 10000, valid_text},
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{0},
};

static const struct param_spec me_page_params[] = {
	{"done", PARAM_QUERY, 16, valid_token},
	{0},
};

static const struct param_spec consent_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"purpose", PARAM_BODY | PARAM_REQUIRED, 48, valid_token},
	{"on", PARAM_BODY | PARAM_REQUIRED, 1, valid_uint},
	{0},
};

static const struct param_spec correct_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"name", PARAM_BODY, 200, valid_line},
	{"postal_address", PARAM_BODY, 500, valid_text},
	{"phone", PARAM_BODY, 40, valid_line},
	{0},
};

static const struct param_spec id_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"id", PARAM_BODY, 24, valid_hex},
	{0},
};

static const struct param_spec close_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"confirm", PARAM_BODY, 20, valid_line},
	{0},
};

static const struct param_spec vehicle_params[] = {
	{"vin", PARAM_BODY | PARAM_REQUIRED, 64, valid_vin_input},
	{"serial_numbers", PARAM_BODY, 200, valid_line},
	{"nickname", PARAM_BODY, 60, valid_line},
	{"model", PARAM_BODY, 60, valid_line},
	{"year", PARAM_BODY, 4, valid_year},
	{"colour", PARAM_BODY, 40, valid_line},
	{"public", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec vehicle_id_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{0},
};

static const struct param_spec decide_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{"decision", PARAM_BODY | PARAM_REQUIRED, 6, valid_decision},
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{0},
};

static const struct param_spec garage_page_params[] = {
	{"done", PARAM_QUERY, 16, valid_token},
	{0},
};

static const struct param_spec vehicle_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"vin", PARAM_BODY | PARAM_REQUIRED, 64, valid_vin_input},
	{"serial_numbers", PARAM_BODY, 200, valid_line},
	{"nickname", PARAM_BODY, 60, valid_line},
	{"model", PARAM_BODY, 60, valid_line},
	{"year", PARAM_BODY, 4, valid_year},
	{"colour", PARAM_BODY, 40, valid_line},
	{"public", PARAM_BODY, 1, valid_uint},
	{0},
};

static const struct param_spec vehicle_remove_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"id", PARAM_BODY | PARAM_REQUIRED, 20, valid_uint},
	{0},
};

static const struct param_spec confirm_page_params[] = {
	{"token", PARAM_QUERY, 64, valid_token},
	{0},
};

static const struct param_spec confirm_params[] = {
	{"token", PARAM_BODY | PARAM_REQUIRED, 64, valid_token},
	{0},
};

static const struct param_spec unsubscribe_params[] = {
	{"token", PARAM_QUERY | PARAM_REQUIRED, 64, valid_token},
	{"List-Unsubscribe", PARAM_BODY, 16, valid_line},
	{0},
};

static const struct param_spec campaign_params[] = {
	{"purpose", PARAM_BODY | PARAM_REQUIRED, 48, valid_token},
	{"subject", PARAM_BODY | PARAM_REQUIRED, 200, valid_line},
	{"body", PARAM_BODY | PARAM_REQUIRED, 100000, valid_text},
	{0},
};

static const struct param_spec campaign_page_params[] = {
	{"sent", PARAM_QUERY, 9, valid_uint},
	{0},
};

static const struct param_spec campaign_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"purpose", PARAM_BODY | PARAM_REQUIRED, 48, valid_token},
	{"subject", PARAM_BODY | PARAM_REQUIRED, 200, valid_line},
	{"body", PARAM_BODY | PARAM_REQUIRED, 100000, valid_text},
	{"action", PARAM_BODY, 8, valid_token},
	{0},
};

static const struct param_spec password_params[] = {
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{0},
};

static const struct param_spec password_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{0},
};

static const struct param_spec email_form_params[] = {
	{"csrf_token", PARAM_BODY, 64, valid_token},
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{0},
};

static const struct param_spec email_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{0},
};

#define KiB 1024

struct route routes[] = {
	{HTTP_GET, "/staff", staff_home_page, BODY_NONE, 0, ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_GET, "/staff/signin", staff_signin_page, BODY_NONE, 0, 0, staff_signin_page_params,
	 NULL, 0},
	{HTTP_POST, "/staff/signin", staff_signin_post, BODY_FORM, 16 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, staff_signin_params, NULL, 0},
	{HTTP_POST, "/staff/signout", staff_signout_post, BODY_FORM, 4 * KiB, ROUTE_PERSONAL,
	 csrf_form_params, NULL, 0},
	{HTTP_GET, "/staff/enrol", staff_enrol_page, BODY_NONE, 0, ROUTE_PERSONAL,
	 staff_enrol_page_params, NULL, 0},
	{HTTP_POST, "/staff/enrol", staff_enrol_post, BODY_FORM, 16 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, staff_enrol_params, NULL, 0},
	{HTTP_POST, "/staff/enrol/confirm", staff_enrol_confirm_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, staff_confirm_params, NULL, 0},
	{HTTP_GET, "/staff/members", staff_members_page, BODY_NONE, 0, ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_POST, "/staff/members", staff_members_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, staff_member_page_params, NULL, 0},
	{HTTP_GET, "/staff/messages", contact_staff_list_page, BODY_NONE, 0, ROUTE_PERSONAL,
	 staff_messages_params, NULL, 0},
	{HTTP_GET, "/staff/messages/:id", contact_staff_message_page, BODY_NONE, 0, ROUTE_PERSONAL,
	 staff_message_params, NULL, 0},
	{HTTP_POST, "/staff/messages/:id/answer", contact_staff_answer_post, BODY_FORM, 16 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, staff_answer_params, NULL, 0},
	{HTTP_GET, "/api/v1/staff/messages", contact_staff_api_list, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, staff_messages_params, NULL, 0},
	{HTTP_GET, "/api/v1/staff/messages/:id", contact_staff_api_get, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, staff_message_params, NULL, 0},
	{HTTP_POST, "/api/v1/staff/messages/:id/answer", contact_staff_api_answer, BODY_JSON,
	 16 * KiB, ROUTE_API | ROUTE_PERSONAL, staff_answer_params, NULL, 0},
	{HTTP_POST, "/api/v1/staff/enrol", staff_api_enrol, BODY_JSON, 16 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, staff_enrol_params, NULL, 0},
	{HTTP_POST, "/api/v1/staff/enrol/confirm", staff_api_enrol_confirm, BODY_JSON, 4 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, staff_confirm_params, NULL, 0},
	{HTTP_POST, "/api/v1/staff/signin", staff_api_signin, BODY_JSON, 16 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, staff_signin_params, NULL, 0},
	{HTTP_POST, "/api/v1/staff/signout", staff_api_signout, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/staff/me", staff_api_me, BODY_NONE, 0, ROUTE_API | ROUTE_PERSONAL, NULL,
	 NULL, 0},
	{HTTP_POST, "/api/v1/staff/members/find", staff_api_member_find, BODY_JSON, 4 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, staff_member_find_params, NULL, 0},
	{HTTP_GET, "/api/v1/staff/members/:id", staff_api_member, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, staff_member_params, NULL, 0},
	{HTTP_GET, "/", page_home, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_GET, "/healthz", page_healthz, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_GET, "/metrics", page_metrics, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_GET, "/static/:file", page_static, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_GET, "/contact", contact_page, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_POST, "/contact", contact_post, BODY_FORM, 64 * KiB, ROUTE_FORM_ERRORS | ROUTE_PERSONAL,
	 contact_params, NULL, 0},
	{HTTP_GET, "/contact/thanks", contact_thanks, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_GET, "/privacy", privacy_page, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_GET, "/privacy.json", privacy_json, BODY_NONE, 0, ROUTE_API, NULL, NULL, 0},
	{HTTP_GET, "/privacy/v/:version", privacy_version_page, BODY_NONE, 0, 0, version_params, NULL, 0},
	{HTTP_POST, "/api/v1/me/password", members_api_password, BODY_JSON, 4 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, password_params, NULL, 0},
	{HTTP_POST, "/api/v1/me/email", members_api_email, BODY_JSON, 4 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, email_params, NULL, 0},
	{HTTP_GET, "/confirm-email", email_change_page, BODY_NONE, 0, ROUTE_PERSONAL,
	 confirm_page_params, NULL, 0},
	{HTTP_POST, "/confirm-email", email_change_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, confirm_params, NULL, 0},
	{HTTP_GET, "/unsubscribe", unsubscribe_page, BODY_NONE, 0, ROUTE_PERSONAL, unsubscribe_params,
	 NULL, 0},
	{HTTP_POST, "/unsubscribe", unsubscribe_post, BODY_FORM, 1 * KiB, ROUTE_PERSONAL,
	 unsubscribe_params, NULL, 0},
	{HTTP_GET, "/staff/campaigns", campaign_page, BODY_NONE, 0, ROUTE_PERSONAL,
	 campaign_page_params, NULL, 0},
	{HTTP_POST, "/staff/campaigns", campaign_post, BODY_FORM, 128 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, campaign_form_params, NULL, 0},
	{HTTP_POST, "/api/v1/staff/campaigns", campaign_api_send, BODY_JSON, 128 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, campaign_params, NULL, 0},
	{HTTP_GET, "/api/v1/staff/campaigns", campaign_api_list, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_GET, "/confirm", confirm_page, BODY_NONE, 0, ROUTE_PERSONAL, confirm_page_params, NULL,
	 0},
	{HTTP_POST, "/confirm", confirm_post, BODY_FORM, 4 * KiB, ROUTE_FORM_ERRORS | ROUTE_PERSONAL,
	 confirm_params, NULL, 0},
	{HTTP_POST, "/api/v1/confirm", confirm_api, BODY_JSON, 4 * KiB, ROUTE_API | ROUTE_PERSONAL,
	 confirm_params, NULL, 0},
	{HTTP_GET, "/signup", account_signup_page, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_POST, "/signup", account_signup_post, BODY_FORM, 16 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, signup_form_params, NULL, 0},
	{HTTP_GET, "/signin", account_signin_page, BODY_NONE, 0, 0, NULL, NULL, 0},
	{HTTP_POST, "/signin", account_signin_post, BODY_FORM, 16 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, signin_form_params, NULL, 0},
	{HTTP_POST, "/signout", account_signout_post, BODY_FORM, 4 * KiB, ROUTE_PERSONAL,
	 csrf_form_params, NULL, 0},
	{HTTP_GET, "/me", account_me_page, BODY_NONE, 0, ROUTE_PERSONAL, me_page_params, NULL, 0},
	{HTTP_POST, "/me/consents", dashboard_consent_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, consent_form_params, NULL, 0},
	{HTTP_POST, "/me/correct", dashboard_correct_post, BODY_FORM, 16 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, correct_form_params, NULL, 0},
	{HTTP_POST, "/me/password", dashboard_password_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, password_form_params, NULL, 0},
	{HTTP_POST, "/me/email", dashboard_email_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, email_form_params, NULL, 0},
	{HTTP_POST, "/me/sessions/end", dashboard_session_end_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, id_form_params, NULL, 0},
	{HTTP_POST, "/me/devices/forget", dashboard_device_forget_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, id_form_params, NULL, 0},
	{HTTP_GET, "/me/garage", garage_page, BODY_NONE, 0, ROUTE_PERSONAL, garage_page_params, NULL,
	 0},
	{HTTP_POST, "/me/garage", garage_add_post, BODY_FORM, 8 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, vehicle_form_params, NULL, 0},
	{HTTP_POST, "/me/garage/remove", garage_remove_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, vehicle_remove_params, NULL, 0},
	{HTTP_GET, "/staff/reviews", garage_reviews_page, BODY_NONE, 0, ROUTE_PERSONAL, NULL, NULL,
	 0},
	{HTTP_GET, "/staff/reviews/:id", garage_review_page, BODY_NONE, 0, ROUTE_PERSONAL,
	 vehicle_id_params, NULL, 0},
	{HTTP_POST, "/staff/reviews/:id/decide", garage_decide_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, decide_params, NULL, 0},
	{HTTP_GET, "/me/close", dashboard_close_page, BODY_NONE, 0, ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_POST, "/me/close", dashboard_close_post, BODY_FORM, 4 * KiB,
	 ROUTE_FORM_ERRORS | ROUTE_PERSONAL, close_form_params, NULL, 0},
	{HTTP_POST, "/me/reauth", account_reauth_post, BODY_FORM, 4 * KiB, ROUTE_PERSONAL,
	 csrf_form_params, NULL, 0},
	{HTTP_POST, "/api/v1/signup", members_api_signup, BODY_JSON, 16 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, signup_params, NULL, 0},
	{HTTP_POST, "/api/v1/signin", members_api_signin, BODY_JSON, 16 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, signin_params, NULL, 0},
	{HTTP_POST, "/api/v1/signout", members_api_signout, BODY_NONE, 0, ROUTE_API | ROUTE_PERSONAL,
	 NULL, NULL, 0},
	{HTTP_GET, "/api/v1/me", members_api_me, BODY_NONE, 0, ROUTE_API | ROUTE_PERSONAL, NULL, NULL,
	 0},
	{HTTP_PATCH, "/api/v1/me", members_api_correct, BODY_JSON, 16 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, correct_params, NULL, 0},
	{HTTP_POST, "/api/v1/me/reauth", members_api_reauth, BODY_JSON, 16 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, reauth_params, NULL, 0},
	{HTTP_DELETE, "/api/v1/me", members_api_close, BODY_NONE, 0, ROUTE_API | ROUTE_PERSONAL, NULL,
	 NULL, 0},
	{HTTP_GET, "/api/v1/me/consents", members_api_consents, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_PUT, "/api/v1/me/consents/:purpose", members_api_consent_set, BODY_JSON, 4 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, consent_params, NULL, 0},
	{HTTP_GET, "/api/v1/me/sessions", members_api_sessions, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_DELETE, "/api/v1/me/sessions/:id", members_api_session_end, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, session_id_params, NULL, 0},
	{HTTP_GET, "/api/v1/me/devices", remember_api_list, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_DELETE, "/api/v1/me/devices", remember_api_forget_all, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_DELETE, "/api/v1/me/devices/:id", remember_api_forget, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, device_id_params, NULL, 0},
	{HTTP_GET, "/api/v1/me/vehicles", garage_api_list, BODY_NONE, 0, ROUTE_API | ROUTE_PERSONAL,
	 NULL, NULL, 0},
	{HTTP_POST, "/api/v1/me/vehicles", garage_api_add, BODY_JSON, 4 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, vehicle_params, NULL, 0},
	{HTTP_DELETE, "/api/v1/me/vehicles/:id", garage_api_remove, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, vehicle_id_params, NULL, 0},
	{HTTP_GET, "/api/v1/staff/reviews", garage_api_reviews, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, NULL, NULL, 0},
	{HTTP_GET, "/api/v1/staff/reviews/:id", garage_api_review, BODY_NONE, 0,
	 ROUTE_API | ROUTE_PERSONAL, vehicle_id_params, NULL, 0},
	{HTTP_POST, "/api/v1/staff/reviews/:id", garage_api_decide, BODY_JSON, 4 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, decide_params, NULL, 0},
	{HTTP_GET, "/api/v1/me/export", members_api_export, BODY_NONE, 0, ROUTE_API | ROUTE_PERSONAL,
	 NULL, NULL, 0},
	{HTTP_POST, "/api/v1/contact", contact_api_create, BODY_JSON, 64 * KiB,
	 ROUTE_API | ROUTE_PERSONAL, contact_params, NULL, 0},
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
