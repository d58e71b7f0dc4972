/*
 * pages: the site frame shared by every HTML page and the site's own
 * pages (home, /healthz, /metrics, /static/...).
 */
#include "page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ads.h"
#include "app.h"
#include "assets.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "policy.h"
#include "store.h"
#include "tpl.h"
#include "text.h"

/* The navigation. Later features add their entries here. */
static const struct {
	const char *href, *label;
} nav[] = {
	{"/", "Home"},
	{"/contact", "Contact"},
	{"/privacy", "Privacy"},
	{"/me", "Your account"},
};

struct static_file {
	const struct asset *asset;
	const char *type;
	char etag[24];
};

#define MAX_STATIC 32
#define STATIC_DIR "static/" /* the embedded static files' folder */
static struct static_file static_files[MAX_STATIC];
static size_t nstatic;

static const struct {
	const char *ext, *type;
} mime_types[] = {
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
	{".woff2", "font/woff2"},
};

static const char *mime_for(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot)
		for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
			if (strcmp(dot, mime_types[i].ext) == 0)
				return mime_types[i].type;
	return "application/octet-stream";
}

/* FNV-1a: not a security hash, only a content fingerprint for caching. */
static uint64_t fingerprint(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void error_page(struct req *r, int status, const char *message)
{
	json_t *data = page_data(r, "Sorry");
	json_object_set_new(data, "status", json_integer(status));
	json_object_set_new(data, "message", json_string(message));
	page_render(r, status, "error", data);
}

int page_init(void)
{
	nstatic = 0;
	for (size_t i = 0; i < assets_count && nstatic < MAX_STATIC; i++) {
		if (!text_after(assets[i].name, STATIC_DIR))
			continue;
		struct static_file *f = &static_files[nstatic++];
		f->asset = &assets[i];
		f->type = mime_for(assets[i].name);
		snprintf(f->etag, sizeof(f->etag), "\"%016llx\"",
			 (unsigned long long)fingerprint(assets[i].data, assets[i].len));
		if (strcmp(assets[i].name, "static/style.css") == 0)
			app.style_version = xstrndup(f->etag + 1, 8);
	}
	if (!app.style_version)
		app.style_version = "0";
	http_set_error_page(error_page);
	return 0;
}

json_t *page_data(const struct req *r, const char *title)
{
	json_t *items = json_array();
	for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
		bool current = r->path && strcmp(r->path, nav[i].href) == 0;
		json_array_append_new(items, json_pack("{s:s,s:s,s:b}", "href", nav[i].href,
						       "label", nav[i].label, "current", current));
	}
	json_t *data = json_pack("{s:s,s:s,s:o,s:s}", "site_name", app.site_name, "title", title,
				 "nav", items, "style_version", app.style_version);
	/* The gate checked or set it (ROUTE_PRESESSION); the form echoes it. */
	const char *token = r->route && (r->route->flags & ROUTE_PRESESSION)
				    ? req_param(r, "csrf_token")
				    : NULL;
	if (token)
		json_object_set_new(data, "csrf_token", json_string(token));
	/* Third-party ad cookies are "sharing" under California's CPRA: wherever
	 * the profile declares a tag, every page links the opt-out (INS11). */
	if (ads_declared())
		json_object_set_new(data, "privacy_choices", json_true());
	return data;
}

void page_notice(json_t *data, const char *collection_id)
{
	const struct policy *p = app.policy;
	int ci = policy_collection_index(p, collection_id);
	if (ci < 0)
		return;
	const struct policy_purpose *pu = &p->purposes[p->collections[ci].purpose];
	json_object_set_new(data, "notice",
			    json_pack("{s:s,s:s,s:s,s:i}", "purpose", pu->id, "purpose_label",
				      pu->label ? pu->label : pu->id, "purpose_description",
				      pu->description ? pu->description : "", "version",
				      p->version));
}

bool page_form_limited(const struct req *r)
{
	const struct err_row *limited = err_row(ERR_TOO_MANY_REQUESTS);
	for (size_t i = 0; i < r->nerrors; i++)
		if (strcmp(r->errors[i].code, limited->code) == 0)
			return true;
	return false;
}

/* The status of a form the gate refused (page_form_refused) and its
 * handler showed again (any 4xx), else status. */
static int form_status(const struct req *r, int status)
{
	if (status >= 400 && status < 500 && page_form_limited(r))
		return err_row(ERR_TOO_MANY_REQUESTS)->status;
	return status;
}

void page_render(struct req *r, int status, const char *name, json_t *data)
{
	status = form_status(r, status);
	ads_page(r, status, data);
	buf_reset(&r->body);
	if (tpl_render(app.tpl, name, data, &r->body) != 0) {
		log_error("template %s could not be rendered", name);
		json_decref(data);
		buf_reset(&r->body);
		buf_puts(&r->body,
			 "<!doctype html><title>Error</title><p>The page could not be shown.");
		r->status = 500;
		r->content_type = "text/html; charset=utf-8";
		r->static_body = NULL;
		return;
	}
	json_decref(data);
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
	r->static_body = NULL;
}

/*
 * What the home page says the site does (issue 12, rule 7): each claim
 * names the page that does it, and is made only when the profile has the
 * collection point behind that page (NULL: every site has it) and, where
 * `shared` names a category, a purpose of kind public_content that covers
 * it (what members show each other: issue 16). A feature glovebox does not
 * have (photos) is claimed nowhere; tests/api/test_home.py follows every
 * claim's link.
 */
static const struct {
	const char *id, *point, *shared, *href, *title, *text, *link;
} home_claims[] = {
	{"join", "member_registration", NULL, "/signup", "Join the club",
	 "Register as a member to manage your account and your choices here.", "Join"},
	{"join", "insider_signup", NULL, "/signup", "Become an Insider",
	 "Sign up to hear about MINI products and services, and to manage your choices here.",
	 "Sign up"},
	{"garage", "vehicle_registration", NULL, "/me/garage", "Your garage",
	 "Members can register their cars; the VIN is used only to check ownership and is never "
	 "shared.",
	 "Open your garage"},
	{"community", "vehicle_registration", "vehicle_details", "/community",
	 "The community garage",
	 "Members show each other the cars they choose to share: nickname, model, year and "
	 "colour, never the VIN.",
	 "See members' cars"},
	{"stories", "submission", "submitted_content", "/stories", "Stories and questions",
	 "Members publish their motoring stories and ask questions; what you publish is public, "
	 "and a moderator reads it first.",
	 "Read and write"},
	{"contact", "contact", NULL, "/contact", "Ask us anything",
	 "Questions about the club or the site reach the people who run it.", "Write to us"},
	{"postcards", "postcard", NULL, "/postcards", "Send an e-postcard",
	 "Send a friend one of our car pictures with a greeting; we use their address for that "
	 "one mail and then erase it.",
	 "Pick a card"},
	{"requests", "information_request", NULL, "/requests", "Ask for information",
	 "Ask for brochures, club material or event registrations, with no account needed; we "
	 "use your details only for that request.",
	 "See what you can request"},
	{"shop", "product_order", NULL, "/shop", "The club shop",
	 "Buy club goods with no account needed; you pay on our payment processor's own page, "
	 "and we never see your card number.",
	 "Visit the shop"},
	{"account", NULL, NULL, "/me", "Your data, your choice",
	 "See everything we hold about you and what it is used for, correct it, download it, "
	 "make your choices or close your account.",
	 "Your account"},
	{"privacy", NULL, NULL, "/privacy", "Our promises",
	 "Everything this site collects is declared in its privacy profile, and the software "
	 "refuses any other use.",
	 "Read the privacy notice"},
};

void page_home(struct req *r)
{
	json_t *data = page_data(r, "Home"), *claims = json_array();
	for (size_t i = 0; i < ARRAY_LEN(home_claims); i++) {
		if (home_claims[i].point &&
		    policy_collection_index(app.policy, home_claims[i].point) < 0)
			continue;
		if (home_claims[i].shared &&
		    !policy_public_purpose(app.policy, home_claims[i].shared))
			continue;
		json_array_append_new(claims,
				      json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", home_claims[i].id,
						"href", home_claims[i].href, "title",
						home_claims[i].title, "text", home_claims[i].text,
						"link", home_claims[i].link));
	}
	json_object_set_new(data, "claims", claims);
	page_render(r, 200, "home", data);
}

void page_healthz(struct req *r)
{
	int version = store_schema_version(app.store);
	if (version < 0) {
		/* A probe's answer, in the shape probes read, with the table's wait. */
		char wait[24];
		snprintf(wait, sizeof(wait), "%d", err_row(ERR_STORE)->retry_after);
		resp_header(r, "Retry-After", wait);
		resp_json(r, 503, json_pack("{s:s}", "status", "store unavailable"));
		return;
	}
	const char *engine = store_engine_of(app.store) == STORE_SQLITE ? "sqlite" : "postgres";
	resp_json(r, 200,
		  json_pack("{s:s,s:s,s:i}", "status", "ok", "store", engine, "schema", version));
}

void page_metrics(struct req *r)
{
	buf_reset(&r->body);
	metrics_render(&r->body);
	r->status = 200;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void page_static(struct req *r)
{
	const char *name = r->path_params[0];
	for (size_t i = 0; i < nstatic; i++) {
		const struct static_file *f = &static_files[i];
		if (strcmp(text_after(f->asset->name, STATIC_DIR), name) != 0)
			continue;
		resp_header(r, "ETag", f->etag);
		resp_header(r, "Cache-Control", "public, max-age=31536000, immutable");
		const char *inm = req_header(r, "If-None-Match");
		if (inm && strstr(inm, f->etag)) {
			resp_static(r, 304, NULL, "", 0);
			return;
		}
		resp_static(r, 200, f->type, f->asset->data, f->asset->len);
		return;
	}
	struct failure f;
	err_fail(&f, ERR_NOT_FOUND);
	resp_failure(r, &f);
}

/* ---- forms ---- */

/*
 * What a form calls each field, in words a person uses: a message about a
 * field names it by its label, never by its parameter (issue 17), and the
 * error summary links to the element whose id is the anchor (NULL: the
 * field's own name; "": no link, a field the page does not show). A new
 * form's field adds a row here; a field without a row is named by its
 * parameter with '_' read as a space, and linked by its name.
 */
static const struct {
	const char *field, *label, *anchor;
} form_fields[] = {
	{"form", "", ""},
	{"name", "Name", NULL},
	{"email", "E-mail address", NULL},
	{"password", "Password", NULL},
	{"new_password", "New password", NULL},
	{"code", "Code", NULL},
	{"birth_day", "Day of birth", NULL},
	{"birth_month", "Month of birth", NULL},
	{"birth_year", "Year of birth", NULL},
	{"date_of_birth", "Date of birth", NULL},
	{"postal_address", "Postal address", NULL},
	{"phone", "Phone number", NULL},
	{"topic", "Topic", NULL},
	{"message", "Message", NULL},
	{"card", "Picture", NULL},
	{"postcard_text", "Greeting", NULL},
	{"recipient_name", "Their name", NULL},
	{"recipient_email", "Their e-mail address", NULL},
	{"order_details", "Details", NULL},
	{"confirm", "Confirmation", NULL},
	{"vin", "VIN", NULL},
	{"serial_numbers", "Serial numbers", NULL},
	{"year", "Year", NULL},
	{"model", "Model", NULL},
	{"colour", "Colour", NULL},
	{"nickname", "Nickname", NULL},
	{"subject", "Subject", NULL},
	{"body", "Text", NULL},
	{"title", "Title", NULL},
	{"submitted_content", "Text", NULL},
	{"display_name", "Display name", NULL},
	{"accept", "Acceptance", NULL},
	{"description", "Description", NULL},
	{"kind", "Form", NULL},
	{"note", "Note", NULL},
	{"outcome", "Outcome", NULL},
	{"answer", "Answer", NULL},
	{"from", "From", NULL},
	{"to", "To", NULL},
	{"address", "Address", NULL},
	{"policy_url", "Privacy policy address", NULL},
	{"dealer", "Dealer", NULL},
	{"purpose", "Purpose", NULL},
	{"role", "Role", NULL},
	{"choice", "Your choice", "opt-out"},
	{"consents", "Your choices", "choices"},
	{"sessions", "Where you are signed in", "sessions"},
	{"devices", "Devices that remember you", "devices"},
	/* hidden fields: named, never linked */
	{"token", "The link", ""},
	{"csrf_token", "The form", ""},
	{"id", "The item", ""},
	{"item", "The item", ""},
	{"on", "The choice", ""},
};

static int form_field(const char *field)
{
	for (size_t i = 0; i < ARRAY_LEN(form_fields); i++)
		if (strcmp(form_fields[i].field, field) == 0)
			return (int)i;
	return -1;
}

/* The label of field: its row's, else its name with '_' read as a space
 * and the first letter capital. */
static const char *form_label(struct req *r, const char *field)
{
	int i = form_field(field);
	if (i >= 0)
		return form_fields[i].label;
	char *label = arena_strdup(r->arena, field);
	for (char *c = label; *c; c++)
		if (*c == '_')
			*c = ' ';
	if (label[0] >= 'a' && label[0] <= 'z')
		label[0] = (char)(label[0] - 'a' + 'A');
	return label;
}

/* The id the summary links to for field, or NULL for none. */
static const char *form_anchor(const char *field)
{
	int i = form_field(field);
	if (i < 0 || !form_fields[i].anchor)
		return field;
	return form_fields[i].anchor[0] ? form_fields[i].anchor : NULL;
}

/* A message about field in words: "email is not a valid e-mail address"
 * (a parameter's check) reads "E-mail address is not a valid e-mail
 * address"; a sentence of its own (a domain failure, page_add_error) is
 * kept. */
static const char *form_message(struct req *r, const struct http_field_error *e)
{
	if (strcmp(e->field, "form") == 0)
		return e->message;
	const char *label = form_label(r, e->field);
	const char *rest = text_after(e->message, e->field);
	if (rest && rest[0] == ' ') {
		size_t n = strlen(rest);
		bool stop = n && strchr(".?!", rest[n - 1]);
		return arena_printf(r->arena, "%s%s%s", label, rest, stop ? "" : ".");
	}
	return e->message;
}

json_t *page_form_values(struct req *r, json_t *data)
{
	json_t *errors = json_object(), *values = json_object(), *list = json_array();
	for (size_t i = 0; i < r->nerrors; i++) {
		const struct http_field_error *e = &r->errors[i];
		const char *message = form_message(r, e);
		/* One message a field, the first: the summary lists each once. */
		if (json_object_get(errors, e->field))
			continue;
		json_object_set_new(errors, e->field, json_string(message));
		json_object_set_new(values, e->field, json_string(e->value));
		const char *anchor = form_anchor(e->field);
		json_array_append_new(list, json_pack("{s:s,s:s,s:s?,s:b}", "field", e->field,
						      "message", message, "href", anchor,
						      "whole_form", strcmp(e->field, "form") == 0));
	}
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, "password") != 0 &&
		    strcmp(r->params[i].name, "code") != 0)
			json_object_set_new(values, r->params[i].name,
					    json_string(r->params[i].value));
	json_object_set_new(data, "errors", errors);
	json_object_set_new(data, "error_list", list);
	json_object_set_new(data, "values", values);
	json_object_set_new(data, "has_errors", json_boolean(r->nerrors > 0));
	/* A screen reader says the title first: it says something is wrong. */
	json_t *title = json_object_get(data, "title");
	if (r->nerrors && json_is_string(title))
		json_object_set_new(data, "title",
				    json_sprintf("Error: %s", json_string_value(title)));
	return data;
}

/* Records one message, with the failure's code; NULL field: the whole form. */
static void add_error(struct req *r, const char *field, const char *code, const char *message)
{
	if (r->nerrors >= HTTP_MAX_FIELD_ERRORS)
		return;
	struct http_field_error *e = &r->errors[r->nerrors++];
	e->field = field ? field : "form";
	e->code = code;
	e->message = message;
	const char *v = field ? req_param(r, field) : NULL;
	e->value = v && strcmp(e->field, "password") != 0 ? v : "";
}

void page_add_error(struct req *r, const char *field, const char *message)
{
	add_error(r, field, err_row(ERR_INVALID_FIELD)->code, message);
}

/* The status to show a form again with after f. */
static int failure_status(struct req *r, const struct failure *f)
{
	int64_t wait = err_retry_after(f);
	if (wait > 0) {
		char text[24];
		snprintf(text, sizeof(text), "%lld", (long long)wait);
		resp_header(r, "Retry-After", text);
	}
	/* A form shown again is not a challenge to authenticate: a wrong
	 * password on it is 422 like any field the form cannot take. */
	int status = err_status(f);
	if (status == 401)
		return 422;
	return status >= 400 && status < 500 ? status : 503;
}

int page_form_failure(struct req *r, const struct failure *f, const char *default_field)
{
	const char *field = err_field(f), *code = err_code(f);
	field = field ? field : default_field;
	/* A domain's "a required field is missing" names the field. */
	const char *message =
		!f->message[0] && field && strcmp(code, err_row(ERR_MISSING_FIELD)->code) == 0
			? arena_printf(r->arena, "%s is required.", form_label(r, field))
			: arena_strdup(r->arena, err_message(f));
	add_error(r, field, code, message);
	return failure_status(r, f);
}

int page_form_failures(struct req *r, const struct failures *fs, const char *default_field)
{
	int status = 422;
	for (size_t i = 0; i < fs->n; i++) {
		int s = page_form_failure(r, &fs->list[i], default_field);
		if (i == 0)
			status = s;
	}
	return status;
}

void page_form_refused(struct req *r, const struct failure *f)
{
	/* The form's other messages may fill the list: this one takes the last
	 * place, so the handler sees it whatever else was wrong. */
	if (r->nerrors >= HTTP_MAX_FIELD_ERRORS)
		r->nerrors = HTTP_MAX_FIELD_ERRORS - 1;
	page_form_failure(r, f, "form");
	r->errors[r->nerrors - 1].code = err_code(f);
}

void page_redirect(struct req *r, const char *location)
{
	buf_reset(&r->body);
	resp_header(r, "Location", location);
	resp_body(r, 303, "text/plain; charset=utf-8", "", 0);
}

void page_times(json_t *list, const char *key)
{
	char name[64], text[32];
	snprintf(name, sizeof(name), "%s_text", key);
	size_t i;
	json_t *item;
	json_array_foreach (list, i, item) {
		json_t *v = json_object_get(item, key);
		if (!json_is_integer(v))
			continue;
		time_t t = (time_t)json_integer_value(v);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &tm);
		json_object_set_new(item, name, json_string(text));
	}
}
