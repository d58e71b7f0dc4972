/*
 * routes: the route table. Every address the server answers, with its
 * methods, body kind and limit, the parameters it accepts, and who may call
 * it (checked by the gate before the handler runs). A form and the API
 * call it stands for share one list of their common parameters.
 */
#include "route.h"

#include <string.h>

#include "ads.h"
#include "app.h"
#include "campaign_api.h"
#include "campaign_page.h"
#include "contact_api.h"
#include "contact_page.h"
#include "community.h"
#include "content_api.h"
#include "content_page.h"
#include "dealer.h"
#include "dealer_api.h"
#include "dealer_page.h"
#include "garage.h"
#include "garage_api.h"
#include "garage_page.h"
#include "handover.h"
#include "handover_api.h"
#include "handover_page.h"
#include "members.h"
#include "members_api.h"
#include "members_page.h"
#include "members_reset_api.h"
#include "members_reset_page.h"
#include "page.h"
#include "postcard.h"
#include "postcard_api.h"
#include "postcard_page.h"
#include "photo.h"
#include "photo_api.h"
#include "photo_page.h"
#include "request.h"
#include "request_api.h"
#include "request_page.h"
#include "shop.h"
#include "shop_api.h"
#include "shop_page.h"
#include "privacy_api.h"
#include "privacy_page.h"
#include "staff.h"
#include "staff_admin_api.h"
#include "staff_admin_page.h"
#include "staff_api.h"
#include "staff_page.h"
#include "token.h"
#include "validate.h"
#include "visits_api.h"
#include "visits_page.h"

#define KiB 1024

/* ---- parameters ---- */

/* The opt-out page's one choice (INS11). */
static const char *valid_ads_choice(const char *s, size_t len)
{
	return strcmp(s, "out") == 0 || strcmp(s, "in") == 0 ? NULL : "is not a choice offered";
}

static const struct param_spec ads_choice_params[] = {
	{"choice", PARAM_BODY | PARAM_REQUIRED, 8, valid_ads_choice},
	{0},
};

static const struct param_spec contact_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"topic", PARAM_BODY | PARAM_REQUIRED, 200, valid_line},
	{"message", PARAM_BODY | PARAM_REQUIRED, 10000, valid_text},
	{0},
};

/* An e-postcard, each field named by the profile category it holds: the
 * sender's name and address may be left out by a signed-in member (their
 * own are used); names are one line, so no header can be smuggled into the
 * mail. */
static const struct param_spec postcard_params[] = {
	{"card", PARAM_BODY | PARAM_REQUIRED, POSTCARD_CARD_MAX, valid_token},
	{"postcard_text", PARAM_BODY, POSTCARD_GREETING_MAX, valid_text},
	{"name", PARAM_BODY, 200, valid_line},
	{"email", PARAM_BODY, 254, valid_email},
	{"recipient_name", PARAM_BODY, 200, valid_line},
	{"recipient_email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{0},
};

/* A photo's id: a token's characters (photo.h). */
static const struct param_spec photo_id_params[] = {
	{"id", PARAM_PATH, PHOTO_ID_CHARS, valid_token},
	{0},
};

/* The upload form's file field (its bytes reach req_upload, not the
 * parameters). */
static const struct param_spec photo_form_params[] = {
	{PHOTO_FIELD, PARAM_BODY | PARAM_FILE, 0, NULL},
	{0},
};

static const struct param_spec postcard_token_params[] = {
	{"token", PARAM_PATH, TOKEN_CHARS, valid_token},
	{0},
};

/* A request for an item, each field named by the profile category it
 * holds; the item's collection point says which are required (request.c),
 * and a signed-in member's own details fill in what they leave out. */
static const struct param_spec request_params[] = {
	{"name", PARAM_BODY, 200, valid_line},
	{"email", PARAM_BODY, 254, valid_email},
	{"postal_address", PARAM_BODY, 500, valid_text},
	{"phone", PARAM_BODY, 40, valid_line},
	{"order_details", PARAM_BODY, REQUEST_DETAILS_MAX, valid_text},
	{0},
};

/* The form names its item in the path, the API call in the body. */
static const struct param_spec request_item_path_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{0},
};

static const struct param_spec request_api_params[] = {
	{"item", PARAM_BODY | PARAM_REQUIRED | PARAM_JSON_INT, 20, valid_uint},
	{0},
};

static const struct param_spec request_token_params[] = {
	{"token", PARAM_PATH, TOKEN_CHARS, valid_token},
	{0},
};

static const struct param_spec staff_requests_params[] = {
	{"state", PARAM_QUERY, 8, valid_token},
	{0},
};

/* A decision: the outcome, the note mailed to the requester, and whether
 * the shipping carrier delivers. */
static const struct param_spec request_decide_params[] = {
	{"outcome", PARAM_BODY | PARAM_REQUIRED, 16, valid_token},
	{"note", PARAM_BODY, REQUEST_NOTE_MAX, valid_text},
	{"carrier", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec request_item_params[] = {
	{"kind", PARAM_BODY, REQUEST_KIND_MAX, valid_token},
	{"title", PARAM_BODY, REQUEST_TITLE_MAX, valid_line},
	{"description", PARAM_BODY, REQUEST_DESCRIPTION_MAX, valid_text},
	{"active", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

/* The shop (docs/shop.md): a line of the cart, by item and quantity (0
 * takes it out); an order, each field named by the profile category it
 * holds, with the total the buyer confirms after a price changed. */
static const struct param_spec shop_cart_params[] = {
	{"item", PARAM_BODY | PARAM_REQUIRED | PARAM_JSON_INT, 20, valid_uint},
	{"quantity", PARAM_BODY | PARAM_REQUIRED | PARAM_JSON_INT, 20, valid_uint},
	{0},
};

static const struct param_spec shop_order_params[] = {
	{"name", PARAM_BODY, 200, valid_line},
	{"email", PARAM_BODY, 254, valid_email},
	{"postal_address", PARAM_BODY, 500, valid_text},
	{"phone", PARAM_BODY, 40, valid_line},
	{"confirm_total", PARAM_BODY | PARAM_JSON_INT, 20, valid_uint},
	{0},
};

static const struct param_spec shop_token_params[] = {
	{"token", PARAM_PATH, TOKEN_CHARS, valid_token},
	{0},
};

static const struct param_spec shop_reference_params[] = {
	{"reference", PARAM_PATH, SHOP_REFERENCE_CHARS, valid_token},
	{0},
};

static const struct param_spec shop_item_params[] = {
	{"name", PARAM_BODY, SHOP_NAME_MAX, valid_line},
	{"description", PARAM_BODY, SHOP_DESCRIPTION_MAX, valid_text},
	{"price", PARAM_BODY | PARAM_JSON_INT, 20, valid_uint},
	{"stock", PARAM_BODY | PARAM_JSON_INT, 20, valid_uint},
	{"active", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec shop_ship_params[] = {
	{"carrier", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec version_params[] = {
	{"version", PARAM_PATH, 9, valid_uint},
	{0},
};

/* Sign-up: the fields the API and the form share... */
static const struct param_spec signup_params[] = {
	{"name", PARAM_BODY | PARAM_REQUIRED, 200, valid_line},
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{"postal_address", PARAM_BODY, 500, valid_text},
	{"phone", PARAM_BODY, 40, valid_line},
	{"remember", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

/* ...the API's own: the date as one value, the choices as lists... */
static const struct param_spec signup_api_params[] = {
	{"date_of_birth", PARAM_BODY | PARAM_REQUIRED, 10, valid_birth_date},
	{"opt_in", PARAM_BODY, 1000, valid_id_list},
	{"opt_out", PARAM_BODY, 1000, valid_id_list},
	{0},
};

/* ...and the form's: day, month and year typed freely (nothing hints at a
 * cut-off), a box per choice. */
static const struct param_spec signup_form_params[] = {
	{"birth_day", PARAM_BODY | PARAM_REQUIRED, 2, valid_uint},
	{"birth_month", PARAM_BODY | PARAM_REQUIRED, 2, valid_uint},
	{"birth_year", PARAM_BODY | PARAM_REQUIRED, 4, valid_uint},
	{"opt_in", PARAM_BODY | PARAM_LIST, 1000, valid_id_list},
	{"keep_on", PARAM_BODY | PARAM_LIST, 1000, valid_id_list},
	{0},
};

static const struct param_spec signin_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{"remember", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec password_params[] = {
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
	{0},
};

static const struct param_spec correct_params[] = {
	{"name", PARAM_BODY, 200, valid_line},
	{"postal_address", PARAM_BODY, 500, valid_text},
	{"phone", PARAM_BODY, 40, valid_line},
	{0},
};

static const struct param_spec email_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{0},
};

static const struct param_spec consent_params[] = {
	{"purpose", PARAM_PATH, 48, valid_token},
	{"on", PARAM_BODY | PARAM_REQUIRED | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec consent_form_params[] = {
	{"purpose", PARAM_BODY | PARAM_REQUIRED, 48, valid_token},
	{"on", PARAM_BODY | PARAM_REQUIRED | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec token_id_params[] = {
	{"id", PARAM_PATH, TOKEN_ID_CHARS, valid_hex},
	{0},
};

static const struct param_spec token_id_form_params[] = {
	{"id", PARAM_BODY, TOKEN_ID_CHARS, valid_hex},
	{0},
};

static const struct param_spec me_page_params[] = {
	{"done", PARAM_QUERY, 16, valid_token},
	{0},
};

static const struct param_spec close_form_params[] = {
	{"confirm", PARAM_BODY, 20, valid_line},
	/* what happens to published stories, where the profile has them */
	{"submissions", PARAM_BODY, 6, valid_on_close},
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

/* A forgotten password: the address asked about, then the link's token
 * with the new password (the sign-up's rule). */
static const struct param_spec reset_request_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, 254, valid_email},
	{0},
};

static const struct param_spec reset_params[] = {
	{"token", PARAM_BODY | PARAM_REQUIRED, 64, valid_token},
	{"password", PARAM_BODY | PARAM_REQUIRED, 1024, valid_text},
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

static const struct param_spec row_id_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{0},
};

static const struct param_spec row_id_form_params[] = {
	{"id", PARAM_BODY | PARAM_REQUIRED, 20, valid_uint},
	{0},
};

static const struct param_spec decide_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{"decision", PARAM_BODY | PARAM_REQUIRED, 6, valid_decision},
	{0},
};

/* Members' content (issue 16, docs/content.md). A car shown or hidden on
 * the community garage. */
static const struct param_spec car_shown_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{"public", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec car_shown_form_params[] = {
	{"id", PARAM_BODY | PARAM_REQUIRED, 20, valid_uint},
	{"public", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec display_name_params[] = {
	{"display_name", PARAM_BODY, DISPLAY_NAME_MAX, valid_line},
	{0},
};

/* A story or question: the hard caps here, the configured limits
 * (story-title-max, story-body-max) in story.c. */
static const struct param_spec story_params[] = {
	{"kind", PARAM_BODY, 8, valid_story_kind},
	{"title", PARAM_BODY | PARAM_REQUIRED, STORY_TITLE_CAP, valid_line},
	{"submitted_content", PARAM_BODY | PARAM_REQUIRED, STORY_BODY_CAP, valid_text},
	{"publish", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{"accept", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

static const struct param_spec on_close_params[] = {
	{"submissions", PARAM_BODY | PARAM_REQUIRED, 6, valid_on_close},
	{0},
};

static const struct param_spec moderation_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{"decision", PARAM_BODY | PARAM_REQUIRED, 9, valid_moderation_decision},
	{"reason", PARAM_BODY, STORY_REASON_MAX, valid_text},
	{0},
};

static const struct param_spec garage_page_params[] = {
	{"done", PARAM_QUERY, 16, valid_token},
	{0},
};

static const struct param_spec staff_handovers_page_params[] = {
	{"done", PARAM_QUERY, 16, valid_token},
	{0},
};

/* The days of a visits report (docs/visits.md), both optional. */
static const struct param_spec statistics_params[] = {
	{"from", PARAM_QUERY, 10, valid_date},
	{"to", PARAM_QUERY, 10, valid_date},
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

/* The admin console: a new account, and the access log's filter. */
static const struct param_spec staff_admin_add_params[] = {
	{"email", PARAM_BODY | PARAM_REQUIRED, VALIDATE_EMAIL_MAX, valid_email},
	{"role", PARAM_BODY | PARAM_REQUIRED, SESSION_ROLE_MAX - 1, valid_line},
	{0},
};

static const struct param_spec staff_admin_log_params[] = {
	{"member", PARAM_QUERY, 20, valid_uint},
	{"staff", PARAM_QUERY, 20, valid_uint},
	{"page", PARAM_QUERY, 7, valid_uint},
	{0},
};

/* The address is sent in the body, never in a URL (history, proxies). */
static const struct param_spec staff_member_find_params[] = {
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

static const struct param_spec staff_answer_params[] = {
	{"id", PARAM_PATH, 20, valid_uint},
	{"answer", PARAM_BODY | PARAM_REQUIRED, 10000, valid_text},
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

static const struct param_spec campaign_form_params[] = {
	{"action", PARAM_BODY, 8, valid_token},
	{0},
};

static const struct param_spec campaign_page_params[] = {
	{"sent", PARAM_QUERY, 9, valid_uint},
	{0},
};

/* A dealer as staff give it (INS08): the domain checks each field (the
 * policy link is https:// only); on a change, what is not sent stays. */
static const struct param_spec dealer_params[] = {
	{"code", PARAM_BODY, HANDOVER_DEALER_CODE_MAX, valid_line},
	{"name", PARAM_BODY, DEALER_NAME_MAX, valid_line},
	{"address", PARAM_BODY, DEALER_ADDRESS_MAX, valid_text},
	{"policy_url", PARAM_BODY, DEALER_URL_MAX, valid_line},
	{"active", PARAM_BODY | PARAM_JSON_BOOL, 5, NULL},
	{0},
};

/* A member's ask: the dealer's code. */
static const struct param_spec dealer_request_params[] = {
	{"dealer", PARAM_BODY | PARAM_REQUIRED, HANDOVER_DEALER_CODE_MAX, valid_line},
	{0},
};

/* ---- limits per client address ----
 * Every route that sends mail or stores text names one; a form and its API
 * call count together. The numbers are settings (docs/operations.md), far
 * above what a person does; they stop a script, not a member. */

#define HOUR 3600
#define DAY  86400

static const struct route_limit contact_limit = {"contact", &app.cfg.contact_per_hour, HOUR};
/* E-postcards per client address and day (per sender address: postcard.c). */
static const struct route_limit postcard_limit = {"postcards", &app.cfg.postcards_per_client_day,
						  DAY};
/* Information and material requests per client address and hour. */
static const struct route_limit request_limit = {"requests", &app.cfg.requests_per_hour, HOUR};
/* Shop orders per client address and hour (each opens a checkout session). */
static const struct route_limit shop_limit = {"shop-orders", &app.cfg.shop_orders_per_hour, HOUR};
static const struct route_limit signup_limit = {"signup", &app.cfg.signup_per_hour, HOUR};
static const struct route_limit email_change_limit = {"email-change",
						      &app.cfg.email_change_per_hour, HOUR};
/* Corrections, password changes (each mails a notice), cars added and
 * asks for a dealer (each hands the member's details over). */
static const struct route_limit account_limit = {"account-changes",
						 &app.cfg.account_changes_per_hour, HOUR};
/* Stories and questions saved, and reports of them (docs/content.md). */
static const struct route_limit story_limit = {"stories", &app.cfg.stories_per_hour, HOUR};
static const struct route_limit story_report_limit = {"story-reports",
						      &app.cfg.story_reports_per_hour, HOUR};
/* Photo uploads (each decoded on an image worker) per client address. */
static const struct route_limit photo_limit = {"photos", &app.cfg.photos_per_hour, HOUR};
/* Staff answers (mailed) and campaigns (stored, mailed to many). */
static const struct route_limit staff_send_limit = {"staff-sends", &app.cfg.staff_sends_per_hour,
						    HOUR};

/* ---- the table ---- */

/* Each route on one line: a table reads best that way. */
/* clang-format off */
#define PAGE(path, fn, ...) {.methods = HTTP_GET, .pattern = path, .handler = fn, __VA_ARGS__}
#define FORM_POST(path, fn, max, list, ...)                                                        \
	{.methods = HTTP_POST, .pattern = path, .handler = fn, .body = BODY_FORM, .body_max = max, \
	 .flags = ROUTE_FORM_ERRORS | ROUTE_PERSONAL, .params = list, __VA_ARGS__}
#define FORM_POST_CROSS_SITE(path, fn, max, list, ...)                                             \
	{.methods = HTTP_POST, .pattern = path, .handler = fn, .body = BODY_FORM, .body_max = max, \
	 .flags = ROUTE_PERSONAL | ROUTE_CROSS_SITE, .params = list, __VA_ARGS__}
#define PAGE_PRESESSION(path, fn, ...)                                                             \
	{.methods = HTTP_GET, .pattern = path, .handler = fn, .flags = ROUTE_PRESESSION, __VA_ARGS__}
#define FORM_POST_PRESESSION(path, fn, max, list, ...)                                             \
	{.methods = HTTP_POST, .pattern = path, .handler = fn, .body = BODY_FORM, .body_max = max, \
	 .flags = ROUTE_FORM_ERRORS | ROUTE_PERSONAL | ROUTE_PRESESSION, .params = list,           \
	 __VA_ARGS__}
#define API_CALL(m, path, fn, ...)                                                                 \
	{.methods = m, .pattern = path, .handler = fn, .flags = ROUTE_API | ROUTE_PERSONAL, __VA_ARGS__}
#define API_JSON(m, path, fn, max, list, ...)                                                      \
	{.methods = m, .pattern = path, .handler = fn, .body = BODY_JSON, .body_max = max,          \
	 .flags = ROUTE_API | ROUTE_PERSONAL, .params = list, __VA_ARGS__}
/* The same for a call whose handler hashes or checks a password: it runs
 * on the password-hashing workers, never on an event loop (http.h). */
#define FORM_POST_SLOW(path, fn, max, list, ...)                                                   \
	{.methods = HTTP_POST, .pattern = path, .handler = fn, .body = BODY_FORM, .body_max = max, \
	 .flags = ROUTE_FORM_ERRORS | ROUTE_PERSONAL | ROUTE_SLOW, .params = list, __VA_ARGS__}
#define FORM_POST_PRESESSION_SLOW(path, fn, max, list, ...)                                        \
	{.methods = HTTP_POST, .pattern = path, .handler = fn, .body = BODY_FORM, .body_max = max, \
	 .flags = ROUTE_FORM_ERRORS | ROUTE_PERSONAL | ROUTE_PRESESSION | ROUTE_SLOW,              \
	 .params = list, __VA_ARGS__}
#define API_JSON_SLOW(m, path, fn, max, list, ...)                                                 \
	{.methods = m, .pattern = path, .handler = fn, .body = BODY_JSON, .body_max = max,          \
	 .flags = ROUTE_API | ROUTE_PERSONAL | ROUTE_SLOW, .params = list, __VA_ARGS__}

#define PERSONAL .flags = ROUTE_PERSONAL
#define MEMBER .access = ACCESS_MEMBER
#define RECENT .access = ACCESS_MEMBER_RECENT
#define STAFF_FOR(from, what) .access = ACCESS_STAFF, .purpose_from = from, .purpose = what
#define ANY_ROLE STAFF_FOR(PURPOSE_ANY_ROLE, NULL)
#define DESK STAFF_FOR(PURPOSE_OF_COLLECTION, "contact")
#define VERIFIER STAFF_FOR(PURPOSE_OF_COLLECTION, "vehicle_registration")
#define SENDER STAFF_FOR(PURPOSE_OF_KIND, "communication")
#define FOR_PURPOSE STAFF_FOR(PURPOSE_IN_PARAM, "purpose")
#define ADMIN	    STAFF_FOR(PURPOSE_OF_KIND, STAFF_ADMIN_KIND)
/* The console's changes: a staff route that also needs the password entered
 * recently (ROUTE_RECENT). */
#define FORM_POST_RECENT(path, fn, max, list, ...)                                                 \
	{.methods = HTTP_POST, .pattern = path, .handler = fn, .body = BODY_FORM, .body_max = max, \
	 .flags = ROUTE_FORM_ERRORS | ROUTE_PERSONAL | ROUTE_RECENT, .params = list, __VA_ARGS__}
#define API_CALL_RECENT(m, path, fn, ...)                                                          \
	{.methods = m, .pattern = path, .handler = fn,                                              \
	 .flags = ROUTE_API | ROUTE_PERSONAL | ROUTE_RECENT, __VA_ARGS__}
#define API_JSON_RECENT(m, path, fn, max, list, ...)                                               \
	{.methods = m, .pattern = path, .handler = fn, .body = BODY_JSON, .body_max = max,          \
	 .flags = ROUTE_API | ROUTE_PERSONAL | ROUTE_RECENT, .params = list, __VA_ARGS__}
#define DEALER_STAFF STAFF_FOR(PURPOSE_OF_KIND, "dealer")
#define STATISTICS  STAFF_FOR(PURPOSE_OF_KIND, "aggregate_statistics")
#define LIMIT(l) .limit = &l
/* A page that may carry the profile's ad tags (INS11): anyone's, no form, no one's data. */
#define ADS .flags = ROUTE_AD_TAGS
#define POSTCARDS .offered = postcard_offered
#define PHOTOS	  .offered = photo_offered
#define REQUESTS .offered = request_offered
#define REQUEST_FORM .offered = request_form_offered
#define FULFILMENT STAFF_FOR(PURPOSE_OF_KIND, "fulfilment")
#define SHOP .offered = shop_offered
/* A call to the payment processor (shop.h) may take shop-processor-timeout:
 * it runs on the workers, never on an event loop. */
#define API_CALL_SLOW(m, path, fn, ...)                                                            \
	{.methods = m, .pattern = path, .handler = fn,                                             \
	 .flags = ROUTE_API | ROUTE_PERSONAL | ROUTE_SLOW, __VA_ARGS__}
#define MODERATOR STAFF_FOR(PURPOSE_OF_COLLECTION, "submission")
#define COMMUNITY .offered = content_community_offered
#define STORIES .offered = content_stories_offered
#define DISPLAY_NAME .offered = content_display_name_offered
/* clang-format on */

struct route routes[] = {
	/* the site */
	PAGE("/", page_home, ADS),
	PAGE("/healthz", page_healthz),
	PAGE("/metrics", page_metrics, .flags = ROUTE_METRICS),
	PAGE("/static/:file", page_static),

	/* privacy */
	PAGE("/privacy", privacy_page_show, ADS),
	PAGE("/privacy.json", privacy_api_profile, .flags = ROUTE_API),
	PAGE("/privacy/v/:version", privacy_page_version, .params = version_params, ADS),
	/* the opt-out of third-party advertising (INS11), where the profile declares tags */
	PAGE_PRESESSION("/privacy/choices", privacy_page_choices, .offered = ads_declared),
	FORM_POST_PRESESSION("/privacy/choices", privacy_page_choices_post, 4 * KiB,
			     ads_choice_params, .offered = ads_declared),

	/* contact */
	PAGE("/contact", contact_page_form),
	FORM_POST("/contact", contact_page_post, 64 * KiB, contact_params, LIMIT(contact_limit)),
	PAGE("/contact/thanks", contact_page_thanks),
	API_JSON(HTTP_POST, "/api/v1/contact", contact_api_create, 64 * KiB, contact_params,
		 LIMIT(contact_limit)),

	/* e-postcards (NAM03, NAM05): 404 under a profile that sends none. The
	 * form carries a pre-session token; the card's link is the only
	 * authority to see or report it (no account). */
	PAGE_PRESESSION("/postcards", postcard_page_form, POSTCARDS),
	FORM_POST_PRESESSION("/postcards", postcard_page_post, 16 * KiB, postcard_params,
			     LIMIT(postcard_limit), POSTCARDS),
	PAGE("/postcards/sent", postcard_page_sent, POSTCARDS),
	PAGE("/postcards/view/:token", postcard_page_view, PERSONAL,
	     .params = postcard_token_params, POSTCARDS),
	FORM_POST("/postcards/view/:token/report", postcard_page_report, 1 * KiB,
		  postcard_token_params, POSTCARDS),
	API_CALL(HTTP_GET, "/api/v1/postcards/cards", postcard_api_cards, POSTCARDS),
	API_JSON(HTTP_POST, "/api/v1/postcards", postcard_api_send, 16 * KiB, postcard_params,
		 LIMIT(postcard_limit), POSTCARDS),
	API_CALL(HTTP_POST, "/api/v1/postcards/:token/report", postcard_api_report,
		 .params = postcard_token_params, POSTCARDS),

	/* members: joining, signing in and out. The forms carry a pre-session
	 * token (login CSRF); the API takes JSON only, which no other site's
	 * form can send. */
	PAGE_PRESESSION("/signup", members_page_signup),
	FORM_POST_PRESESSION_SLOW("/signup", members_page_signup_post, 16 * KiB, signup_params,
				  .extra = signup_form_params, LIMIT(signup_limit)),
	API_JSON_SLOW(HTTP_POST, "/api/v1/signup", members_api_signup, 16 * KiB, signup_params,
		      .extra = signup_api_params, LIMIT(signup_limit)),
	PAGE_PRESESSION("/signin", members_page_signin),
	FORM_POST_PRESESSION_SLOW("/signin", members_page_signin_post, 16 * KiB, signin_params),
	API_JSON_SLOW(HTTP_POST, "/api/v1/signin", members_api_signin, 16 * KiB, signin_params),
	FORM_POST("/signout", members_page_signout, 4 * KiB, NULL, MEMBER),
	API_CALL(HTTP_POST, "/api/v1/signout", members_api_signout, MEMBER),
	PAGE("/confirm", members_page_confirm, PERSONAL, .params = confirm_page_params),
	FORM_POST("/confirm", members_page_confirm_post, 4 * KiB, confirm_params),
	API_JSON(HTTP_POST, "/api/v1/confirm", members_api_confirm, 4 * KiB, confirm_params),

	/* members: a forgotten password, by a link mailed to the address; the
	 * address or the link is the only authority (staff: glovebox staff reset) */
	PAGE("/forgot", members_reset_page_forgot),
	FORM_POST("/forgot", members_reset_page_forgot_post, 4 * KiB, reset_request_params),
	API_JSON(HTTP_POST, "/api/v1/password-reset", members_reset_api_request, 4 * KiB,
		 reset_request_params),
	PAGE("/reset", members_reset_page_reset, PERSONAL, .params = confirm_page_params),
	FORM_POST_SLOW("/reset", members_reset_page_reset_post, 4 * KiB, reset_params),
	API_JSON_SLOW(HTTP_POST, "/api/v1/password-reset/confirm", members_reset_api_confirm,
		      4 * KiB, reset_params),

	/* members: their own data (NAM13); changes need a recent password (NAM14) */
	PAGE("/me", members_page_me, PERSONAL, .params = me_page_params, MEMBER),
	FORM_POST_SLOW("/me/reauth", members_page_reauth, 4 * KiB, password_params, MEMBER),
	API_JSON_SLOW(HTTP_POST, "/api/v1/me/reauth", members_api_reauth, 16 * KiB, password_params,
		      MEMBER),
	API_CALL(HTTP_GET, "/api/v1/me", members_api_me, RECENT),
	FORM_POST("/me/correct", members_page_correct, 16 * KiB, correct_params, RECENT,
		  LIMIT(account_limit)),
	API_JSON(HTTP_PATCH, "/api/v1/me", members_api_correct, 16 * KiB, correct_params, RECENT,
		 LIMIT(account_limit)),
	API_CALL(HTTP_GET, "/api/v1/me/export", members_api_export, RECENT),
	PAGE("/me/close", members_page_close, PERSONAL, RECENT),
	FORM_POST("/me/close", members_page_close_post, 4 * KiB, close_form_params, RECENT),
	API_CALL(HTTP_DELETE, "/api/v1/me", members_api_close, RECENT),
	FORM_POST("/me/consents", members_page_consent, 4 * KiB, consent_form_params, MEMBER),
	/* Every hand-over made of the member's data (issue 13). */
	API_CALL(HTTP_GET, "/api/v1/me/handovers", handover_api_mine, RECENT),
	API_CALL(HTTP_GET, "/api/v1/me/consents", members_api_consents, MEMBER),
	API_JSON(HTTP_PUT, "/api/v1/me/consents/:purpose", members_api_consent_set, 4 * KiB,
		 consent_params, MEMBER),
	FORM_POST_SLOW("/me/password", members_page_password, 4 * KiB, password_params, RECENT,
		       LIMIT(account_limit)),
	API_JSON_SLOW(HTTP_POST, "/api/v1/me/password", members_api_password, 4 * KiB,
		      password_params, RECENT, LIMIT(account_limit)),
	FORM_POST("/me/email", members_page_email, 4 * KiB, email_params, RECENT,
		  LIMIT(email_change_limit)),
	API_JSON(HTTP_POST, "/api/v1/me/email", members_api_email, 4 * KiB, email_params, RECENT,
		 LIMIT(email_change_limit)),
	PAGE("/confirm-email", members_page_email_confirm, PERSONAL, .params = confirm_page_params),
	FORM_POST("/confirm-email", members_page_email_confirm_post, 4 * KiB, confirm_params),
	FORM_POST("/me/sessions/end", members_page_session_end, 4 * KiB, token_id_form_params,
		  MEMBER),
	API_CALL(HTTP_GET, "/api/v1/me/sessions", members_api_sessions, MEMBER),
	API_CALL(HTTP_DELETE, "/api/v1/me/sessions/:id", members_api_session_end,
		 .params = token_id_params, MEMBER),
	FORM_POST("/me/devices/forget", members_page_device_forget, 4 * KiB, token_id_form_params,
		  MEMBER),
	API_CALL(HTTP_GET, "/api/v1/me/devices", members_api_devices, MEMBER),
	API_CALL(HTTP_DELETE, "/api/v1/me/devices", members_api_devices_forget, MEMBER),
	API_CALL(HTTP_DELETE, "/api/v1/me/devices/:id", members_api_device_forget,
		 .params = token_id_params, MEMBER),

	/* the garage (NAM06): adding or removing a car changes personal data (NAM14) */
	PAGE("/me/garage", garage_page_show, PERSONAL, .params = garage_page_params, MEMBER),
	FORM_POST("/me/garage", garage_page_add, 8 * KiB, vehicle_params, RECENT,
		  LIMIT(account_limit)),
	FORM_POST("/me/garage/remove", garage_page_remove, 4 * KiB, row_id_form_params, RECENT),
	API_CALL(HTTP_GET, "/api/v1/me/vehicles", garage_api_list, MEMBER),
	API_JSON(HTTP_POST, "/api/v1/me/vehicles", garage_api_add, 4 * KiB, vehicle_params, RECENT,
		 LIMIT(account_limit)),
	API_CALL(HTTP_DELETE, "/api/v1/me/vehicles/:id", garage_api_remove, .params = row_id_params,
		 RECENT),
	PAGE("/staff/reviews", garage_page_reviews, PERSONAL, VERIFIER),
	PAGE("/staff/reviews/:id", garage_page_review, PERSONAL, .params = row_id_params, VERIFIER),
	FORM_POST("/staff/reviews/:id/decide", garage_page_decide, 4 * KiB, decide_params,
		  VERIFIER),
	API_CALL(HTTP_GET, "/api/v1/staff/reviews", garage_api_reviews, VERIFIER),
	API_CALL(HTTP_GET, "/api/v1/staff/reviews/:id", garage_api_review, .params = row_id_params,
		 VERIFIER),
	API_JSON(HTTP_POST, "/api/v1/staff/reviews/:id", garage_api_decide, 4 * KiB, decide_params,
		 VERIFIER),

	/* members' content (issue 16, INS13, NAM06; docs/content.md): the
	 * community garage where the profile has one, stories and questions
	 * where it declares them (404 elsewhere), and their moderators */
	PAGE("/community", content_page_community, PERSONAL, .params = garage_page_params, MEMBER,
	     COMMUNITY),
	API_CALL(HTTP_GET, "/api/v1/community/vehicles", content_api_community, MEMBER, COMMUNITY),
	FORM_POST("/me/garage/shown", content_page_car_shown, 4 * KiB, car_shown_form_params,
		  RECENT, COMMUNITY),
	API_JSON(HTTP_PUT, "/api/v1/me/vehicles/:id/shown", content_api_car_shown, 4 * KiB,
		 car_shown_params, RECENT, COMMUNITY),
	PAGE("/me/display-name", content_page_display_name, PERSONAL, MEMBER, DISPLAY_NAME),
	FORM_POST("/me/display-name", content_page_display_name_set, 4 * KiB, display_name_params,
		  RECENT, LIMIT(account_limit), DISPLAY_NAME),
	API_CALL(HTTP_GET, "/api/v1/me/display-name", content_api_display_name, MEMBER,
		 DISPLAY_NAME),
	API_JSON(HTTP_PUT, "/api/v1/me/display-name", content_api_display_name_set, 4 * KiB,
		 display_name_params, RECENT, LIMIT(account_limit), DISPLAY_NAME),
	PAGE("/stories", content_page_stories, PERSONAL, MEMBER, STORIES),
	FORM_POST("/stories", content_page_create, 128 * KiB, story_params, MEMBER,
		  LIMIT(story_limit), STORIES),
	PAGE("/stories/:id", content_page_story, PERSONAL, .params = row_id_params, MEMBER,
	     STORIES),
	FORM_POST("/stories/:id", content_page_update, 128 * KiB, story_params,
		  .extra = row_id_params, MEMBER, LIMIT(story_limit), STORIES),
	FORM_POST("/stories/:id/delete", content_page_delete, 4 * KiB, row_id_params, MEMBER,
		  STORIES),
	FORM_POST("/stories/:id/report", content_page_report, 4 * KiB, row_id_params, MEMBER,
		  LIMIT(story_report_limit), STORIES),
	FORM_POST("/me/stories/on-close", content_page_on_close_set, 4 * KiB, on_close_params,
		  MEMBER, STORIES),
	API_CALL(HTTP_GET, "/api/v1/me/stories/on-close", content_api_on_close, MEMBER, STORIES),
	API_JSON(HTTP_PUT, "/api/v1/me/stories/on-close", content_api_on_close_set, 1 * KiB,
		 on_close_params, MEMBER, STORIES),
	API_CALL(HTTP_GET, "/api/v1/stories/notice", content_api_notice, MEMBER, STORIES),
	API_CALL(HTTP_GET, "/api/v1/stories", content_api_stories, MEMBER, STORIES),
	API_JSON(HTTP_POST, "/api/v1/stories", content_api_create, 128 * KiB, story_params, MEMBER,
		 LIMIT(story_limit), STORIES),
	API_CALL(HTTP_GET, "/api/v1/me/stories", content_api_mine, MEMBER, STORIES),
	API_CALL(HTTP_GET, "/api/v1/stories/:id", content_api_read, .params = row_id_params, MEMBER,
		 STORIES),
	API_JSON(HTTP_PUT, "/api/v1/stories/:id", content_api_update, 128 * KiB, story_params,
		 .extra = row_id_params, MEMBER, LIMIT(story_limit), STORIES),
	API_CALL(HTTP_DELETE, "/api/v1/stories/:id", content_api_delete, .params = row_id_params,
		 MEMBER, STORIES),
	API_CALL(HTTP_POST, "/api/v1/stories/:id/report", content_api_report,
		 .params = row_id_params, MEMBER, LIMIT(story_report_limit), STORIES),
	PAGE("/staff/stories", content_page_queue, PERSONAL, MODERATOR, STORIES),
	PAGE("/staff/stories/:id", content_page_moderation, PERSONAL, .params = row_id_params,
	     MODERATOR, STORIES),
	FORM_POST("/staff/stories/:id/decide", content_page_decide, 8 * KiB, moderation_params,
		  MODERATOR, STORIES),
	API_CALL(HTTP_GET, "/api/v1/staff/stories", content_api_queue, MODERATOR, STORIES),
	API_CALL(HTTP_GET, "/api/v1/staff/stories/:id", content_api_moderation_read,
		 .params = row_id_params, MODERATOR, STORIES),
	API_JSON(HTTP_POST, "/api/v1/staff/stories/:id", content_api_decide, 8 * KiB,
		 moderation_params, MODERATOR, STORIES),
	/* members' photos (issue 16, docs/content.md): the body is the image;
	 * it is decoded on the image workers. 404 under a profile without a
	 * public_content purpose. */
	{.methods = HTTP_POST,
	 .pattern = "/api/v1/me/photos",
	 .handler = photo_api_upload,
	 .body = BODY_UPLOAD,
	 .body_max_kib = &app.cfg.photo_max_kib,
	 .flags = ROUTE_API | ROUTE_PERSONAL | ROUTE_IMAGE,
	 MEMBER,
	 LIMIT(photo_limit),
	 PHOTOS},
	API_CALL(HTTP_GET, "/api/v1/me/photos", photo_api_list, MEMBER, PHOTOS),
	API_CALL(HTTP_DELETE, "/api/v1/me/photos/:id", photo_api_delete, .params = photo_id_params,
		 MEMBER, PHOTOS),
	PAGE("/photos/:id", photo_api_serve, .params = photo_id_params, MEMBER, PHOTOS),
	PAGE("/me/photos", photo_page_show, PERSONAL, .params = garage_page_params, MEMBER, PHOTOS),
	{.methods = HTTP_POST,
	 .pattern = "/me/photos",
	 .handler = photo_page_upload,
	 .body = BODY_FORM,
	 .body_max_kib = &app.cfg.photo_max_kib,
	 .flags = ROUTE_FORM_ERRORS | ROUTE_PERSONAL | ROUTE_IMAGE,
	 .params = photo_form_params,
	 MEMBER,
	 LIMIT(photo_limit),
	 PHOTOS},

	/* dealers (INS08, INS15): a member asks one to contact them, with its
	 * own policy in view; staff whose role has the dealer purpose keep the
	 * list. A profile without a dealer recipient answers 404. */
	PAGE("/me/dealer", dealer_page_member, PERSONAL, .params = me_page_params, MEMBER),
	FORM_POST("/me/dealer", dealer_page_member_post, 4 * KiB, dealer_request_params, MEMBER,
		  LIMIT(account_limit)),
	API_CALL(HTTP_GET, "/api/v1/dealers", dealer_api_list, MEMBER),
	API_JSON(HTTP_POST, "/api/v1/me/dealer-requests", dealer_api_request, 4 * KiB,
		 dealer_request_params, MEMBER, LIMIT(account_limit)),
	PAGE("/staff/dealers", dealer_page_staff_list, PERSONAL, .params = me_page_params,
	     DEALER_STAFF),
	FORM_POST("/staff/dealers", dealer_page_staff_add, 8 * KiB, dealer_params, DEALER_STAFF),
	PAGE("/staff/dealers/:id", dealer_page_staff_edit, PERSONAL, .params = row_id_params,
	     DEALER_STAFF),
	FORM_POST("/staff/dealers/:id", dealer_page_staff_update, 8 * KiB, dealer_params,
		  .extra = row_id_params, DEALER_STAFF),
	API_CALL(HTTP_GET, "/api/v1/staff/dealers", dealer_api_staff_list, DEALER_STAFF),
	API_JSON(HTTP_POST, "/api/v1/staff/dealers", dealer_api_staff_add, 8 * KiB, dealer_params,
		 DEALER_STAFF),
	API_JSON(HTTP_PUT, "/api/v1/staff/dealers/:id", dealer_api_staff_update, 8 * KiB,
		 dealer_params, .extra = row_id_params, DEALER_STAFF),

	/* staff: hand-over counters and failed hand-overs (an administrator) */
	API_CALL(HTTP_GET, "/api/v1/staff/handovers", handover_api_staff_view, ADMIN),
	API_CALL(HTTP_POST, "/api/v1/staff/handovers/:id/retry", handover_api_staff_retry,
		 .params = row_id_params, ADMIN),
	API_CALL(HTTP_POST, "/api/v1/staff/handovers/:id/drop", handover_api_staff_drop,
		 .params = row_id_params, ADMIN),
	/* Aggregate visit reports (NAM09, docs/visits.md): counts, nobody's. */
	PAGE("/staff/statistics", visits_page_report, .params = statistics_params, STATISTICS),
	API_CALL(HTTP_GET, "/api/v1/staff/statistics", visits_api_report,
		 .params = statistics_params, STATISTICS),
	API_CALL(HTTP_GET, "/api/v1/staff/statistics.csv", visits_api_report_csv,
		 .params = statistics_params, STATISTICS),
	PAGE("/staff/handovers", handover_page_show, PERSONAL,
	     .params = staff_handovers_page_params, ADMIN),
	FORM_POST("/staff/handovers/:id/retry", handover_page_retry, 4 * KiB, row_id_params, ADMIN),
	FORM_POST("/staff/handovers/:id/drop", handover_page_drop, 4 * KiB, row_id_params, ADMIN),
	/* staff: enrolment, signing in and out, the member lookup */
	PAGE("/staff/enrol", staff_page_enrol, PERSONAL, .params = staff_enrol_page_params),
	FORM_POST_SLOW("/staff/enrol", staff_page_enrol_post, 16 * KiB, staff_enrol_params),
	FORM_POST("/staff/enrol/confirm", staff_page_enrol_confirm, 4 * KiB, staff_confirm_params),
	API_JSON_SLOW(HTTP_POST, "/api/v1/staff/enrol", staff_api_enrol, 16 * KiB,
		      staff_enrol_params),
	API_JSON(HTTP_POST, "/api/v1/staff/enrol/confirm", staff_api_enrol_confirm, 4 * KiB,
		 staff_confirm_params),
	PAGE_PRESESSION("/staff/signin", staff_page_signin, .params = staff_signin_page_params),
	FORM_POST_PRESESSION_SLOW("/staff/signin", staff_page_signin_post, 16 * KiB,
				  staff_signin_params),
	API_JSON_SLOW(HTTP_POST, "/api/v1/staff/signin", staff_api_signin, 16 * KiB,
		      staff_signin_params),
	FORM_POST("/staff/signout", staff_page_signout, 4 * KiB, NULL, ANY_ROLE),
	API_CALL(HTTP_POST, "/api/v1/staff/signout", staff_api_signout, ANY_ROLE),
	PAGE("/staff", staff_page_home, PERSONAL, ANY_ROLE),
	/* staff: the password again, for the console's changes (ROUTE_RECENT) */
	PAGE("/staff/reauth", staff_page_reauth, PERSONAL, ANY_ROLE),
	FORM_POST_SLOW("/staff/reauth", staff_page_reauth_post, 4 * KiB, password_params, ANY_ROLE),
	API_JSON_SLOW(HTTP_POST, "/api/v1/staff/reauth", staff_api_reauth, 16 * KiB,
		      password_params, ANY_ROLE),
	/* staff: the admin console (staff accounts, the access log, consent
	 * counts), for a role with a security purpose; changes need a recent
	 * password and are in the access log */
	PAGE("/staff/admin/staff", staff_admin_page_staff, PERSONAL, ADMIN),
	FORM_POST_RECENT("/staff/admin/staff", staff_admin_page_add, 4 * KiB,
			 staff_admin_add_params, ADMIN),
	FORM_POST_RECENT("/staff/admin/staff/:id/reset", staff_admin_page_reset, 4 * KiB,
			 row_id_params, ADMIN),
	FORM_POST_RECENT("/staff/admin/staff/:id/remove", staff_admin_page_remove, 4 * KiB,
			 row_id_params, ADMIN),
	PAGE("/staff/admin/log", staff_admin_page_log, PERSONAL, .params = staff_admin_log_params,
	     ADMIN),
	PAGE("/staff/admin/consents", staff_admin_page_consents, ADMIN),
	API_CALL(HTTP_GET, "/api/v1/staff/admin/staff", staff_admin_api_list, ADMIN),
	API_JSON_RECENT(HTTP_POST, "/api/v1/staff/admin/staff", staff_admin_api_add, 4 * KiB,
			staff_admin_add_params, ADMIN),
	API_CALL_RECENT(HTTP_POST, "/api/v1/staff/admin/staff/:id/reset", staff_admin_api_reset,
			.params = row_id_params, ADMIN),
	API_CALL_RECENT(HTTP_DELETE, "/api/v1/staff/admin/staff/:id", staff_admin_api_remove,
			.params = row_id_params, ADMIN),
	API_CALL(HTTP_GET, "/api/v1/staff/admin/log", staff_admin_api_log,
		 .params = staff_admin_log_params, ADMIN),
	API_CALL(HTTP_GET, "/api/v1/staff/admin/consents", staff_admin_api_consents, ADMIN),
	API_CALL(HTTP_GET, "/api/v1/staff/me", staff_api_me, ANY_ROLE),
	/* The page shows its own message when the role lacks the purpose chosen;
	 * the lookup itself asks the broker under that purpose as this role. */
	PAGE("/staff/members", staff_page_members, PERSONAL, ANY_ROLE),
	FORM_POST("/staff/members", staff_page_members_post, 4 * KiB, staff_member_find_params,
		  ANY_ROLE),
	API_JSON(HTTP_POST, "/api/v1/staff/members/find", staff_api_member_find, 4 * KiB,
		 staff_member_find_params, FOR_PURPOSE),
	API_CALL(HTTP_GET, "/api/v1/staff/members/:id", staff_api_member,
		 .params = staff_member_params, FOR_PURPOSE),

	/* the support desk (NAM07, NAM15, INS03) */
	PAGE("/staff/messages", contact_page_desk, PERSONAL, .params = staff_messages_params, DESK),
	PAGE("/staff/messages/:id", contact_page_message, PERSONAL, .params = row_id_params, DESK),
	FORM_POST("/staff/messages/:id/answer", contact_page_answer, 16 * KiB, staff_answer_params,
		  DESK, LIMIT(staff_send_limit)),
	API_CALL(HTTP_GET, "/api/v1/staff/messages", contact_api_list,
		 .params = staff_messages_params, DESK),
	API_CALL(HTTP_GET, "/api/v1/staff/messages/:id", contact_api_get, .params = row_id_params,
		 DESK),
	API_JSON(HTTP_POST, "/api/v1/staff/messages/:id/answer", contact_api_answer, 16 * KiB,
		 staff_answer_params, DESK, LIMIT(staff_send_limit)),

	/* what a reported e-postcard leaves for the desk: no one's data */
	API_CALL(HTTP_GET, "/api/v1/staff/postcards/reports", postcard_api_reports, DESK,
		 POSTCARDS),
	PAGE("/staff/postcards/reports", postcard_page_reports, PERSONAL, DESK, POSTCARDS),

	/* information and material requests (NAM02, NAM04, NAM05): anyone asks,
	 * follows the request by its link, and the fulfilment role works the
	 * queue. 404 under a profile that takes none. */
	PAGE("/requests", request_page_list, REQUESTS),
	PAGE("/requests/sent", request_page_sent, REQUESTS),
	PAGE("/requests/status/:token", request_page_status, PERSONAL,
	     .params = request_token_params, REQUESTS),
	PAGE_PRESESSION("/requests/:id", request_page_form, .params = request_item_path_params,
			REQUEST_FORM),
	FORM_POST_PRESESSION("/requests/:id", request_page_post, 16 * KiB, request_params,
			     .extra = request_item_path_params, LIMIT(request_limit), REQUEST_FORM),
	API_CALL(HTTP_GET, "/api/v1/requests/items", request_api_items, REQUESTS),
	API_JSON(HTTP_POST, "/api/v1/requests", request_api_create, 16 * KiB, request_params,
		 .extra = request_api_params, LIMIT(request_limit), REQUESTS),
	API_CALL(HTTP_GET, "/api/v1/requests/status/:token", request_api_status,
		 .params = request_token_params, REQUESTS),
	PAGE("/staff/requests", request_page_queue, PERSONAL, .params = staff_requests_params,
	     FULFILMENT, REQUESTS),
	FORM_POST("/staff/requests/items", request_page_item_add, 8 * KiB, request_item_params,
		  FULFILMENT, REQUESTS),
	FORM_POST("/staff/requests/items/:id", request_page_item_update, 8 * KiB,
		  request_item_params, .extra = row_id_params, FULFILMENT, REQUESTS),
	PAGE("/staff/requests/:id", request_page_open, PERSONAL, .params = row_id_params,
	     FULFILMENT, REQUESTS),
	FORM_POST("/staff/requests/:id/decide", request_page_decide, 8 * KiB, request_decide_params,
		  .extra = row_id_params, FULFILMENT, LIMIT(staff_send_limit), REQUESTS),
	API_CALL(HTTP_GET, "/api/v1/staff/requests", request_api_queue,
		 .params = staff_requests_params, FULFILMENT, REQUESTS),
	API_CALL(HTTP_GET, "/api/v1/staff/requests/:id", request_api_open, .params = row_id_params,
		 FULFILMENT, REQUESTS),
	API_JSON(HTTP_POST, "/api/v1/staff/requests/:id", request_api_decide, 8 * KiB,
		 request_decide_params, .extra = row_id_params, FULFILMENT, LIMIT(staff_send_limit),
		 REQUESTS),
	API_CALL(HTTP_GET, "/api/v1/staff/request-items", request_api_staff_items, FULFILMENT,
		 REQUESTS),
	API_JSON(HTTP_POST, "/api/v1/staff/request-items", request_api_item_add, 8 * KiB,
		 request_item_params, FULFILMENT, REQUESTS),
	API_JSON(HTTP_PUT, "/api/v1/staff/request-items/:id", request_api_item_update, 8 * KiB,
		 request_item_params, .extra = row_id_params, FULFILMENT, REQUESTS),

	/* the shop (NAM02, NAM04, ALL03; docs/shop.md): anyone browses and fills
	 * a cart (a signed cookie), orders and pays on the processor's page;
	 * the processor's webhook is signed; the fulfilment role keeps the
	 * catalogue and works the orders. 404 under a profile without it. */
	PAGE("/shop", shop_page_list, SHOP),
	PAGE_PRESESSION("/shop/cart", shop_page_cart, SHOP),
	FORM_POST_PRESESSION("/shop/cart", shop_page_cart_post, 4 * KiB, shop_cart_params, SHOP),
	FORM_POST_PRESESSION_SLOW("/shop/checkout", shop_page_checkout, 16 * KiB, shop_order_params,
				  LIMIT(shop_limit), SHOP),
	PAGE("/shop/pay/:reference", shop_page_pay, PERSONAL, .params = shop_reference_params,
	     SHOP),
	PAGE("/shop/return/:reference", shop_page_return, .params = shop_reference_params,
	     .flags = ROUTE_PERSONAL | ROUTE_SLOW, SHOP),
	PAGE("/shop/orders/:token", shop_page_order, PERSONAL, .params = shop_token_params, SHOP),
	PAGE_PRESESSION("/shop/items/:id", shop_page_item, .params = row_id_params, SHOP),
	API_CALL(HTTP_GET, "/api/v1/shop/items", shop_api_items, SHOP),
	API_CALL(HTTP_GET, "/api/v1/shop/items/:id", shop_api_item, .params = row_id_params, SHOP),
	API_CALL(HTTP_GET, "/api/v1/shop/cart", shop_api_cart, SHOP),
	API_JSON(HTTP_POST, "/api/v1/shop/cart", shop_api_cart_put, 4 * KiB, shop_cart_params,
		 SHOP),
	API_JSON_SLOW(HTTP_POST, "/api/v1/shop/orders", shop_api_order, 16 * KiB, shop_order_params,
		      LIMIT(shop_limit), SHOP),
	API_CALL(HTTP_GET, "/api/v1/shop/orders/:token", shop_api_order_status,
		 .params = shop_token_params, SHOP),
	API_CALL_SLOW(HTTP_GET, "/api/v1/shop/return/:reference", shop_api_return,
		      .params = shop_reference_params, SHOP),
	API_CALL_SLOW(HTTP_POST, "/webhooks/stripe", shop_api_webhook, .body = BODY_RAW,
		      .body_max = 64 * KiB, SHOP),
	API_CALL(HTTP_GET, "/api/v1/staff/shop/items", shop_api_staff_items, FULFILMENT, SHOP),
	API_JSON(HTTP_POST, "/api/v1/staff/shop/items", shop_api_item_add, 8 * KiB,
		 shop_item_params, FULFILMENT, SHOP),
	API_JSON(HTTP_PUT, "/api/v1/staff/shop/items/:id", shop_api_item_update, 8 * KiB,
		 shop_item_params, .extra = row_id_params, FULFILMENT, SHOP),
	API_CALL(HTTP_GET, "/api/v1/staff/shop/orders", shop_api_queue,
		 .params = staff_requests_params, FULFILMENT, SHOP),
	API_CALL(HTTP_GET, "/api/v1/staff/shop/orders/:id", shop_api_open, .params = row_id_params,
		 FULFILMENT, SHOP),
	API_JSON(HTTP_POST, "/api/v1/staff/shop/orders/:id/ship", shop_api_ship, 1 * KiB,
		 shop_ship_params, .extra = row_id_params, FULFILMENT, SHOP),
	API_CALL_SLOW(HTTP_POST, "/api/v1/staff/shop/orders/:id/refund", shop_api_refund,
		      .params = row_id_params, FULFILMENT, SHOP),

	/* news by mail (NAM08, INS05) and the way out of it without signing in (ALL06) */
	PAGE("/staff/campaigns", campaign_page_show, PERSONAL, .params = campaign_page_params,
	     SENDER),
	FORM_POST("/staff/campaigns", campaign_page_post, 128 * KiB, campaign_params,
		  .extra = campaign_form_params, SENDER, LIMIT(staff_send_limit)),
	API_CALL(HTTP_GET, "/api/v1/staff/campaigns", campaign_api_list, SENDER),
	API_JSON(HTTP_POST, "/api/v1/staff/campaigns", campaign_api_send, 128 * KiB,
		 campaign_params, FOR_PURPOSE, LIMIT(staff_send_limit)),
	PAGE("/unsubscribe", campaign_page_unsubscribe, PERSONAL, .params = unsubscribe_params),
	/* One-click unsubscribe (RFC 8058): a mail client posts with no session,
	 * the link's token is the authority. It is the one state-changing route
	 * open to other sites: mail clients (webmail on its own site, or an app
	 * with no origin at all) post it on the member's behalf, and all it can
	 * do is switch one purpose off for the member the token names. */
	FORM_POST_CROSS_SITE("/unsubscribe", campaign_page_unsubscribe_post, 1 * KiB,
			     unsubscribe_params),
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);
