/*
 * libFuzzer target: a JSON request body read against the declared
 * parameters of real routes of the table (sign-up, a car for the garage, a
 * consent, contact, a campaign, staff sign-in), as http.c hands it to
 * http_parse.c. The first byte picks the route, the rest is the body.
 *
 * Properties: a body jansson refuses is bad_json; a parameter that gets
 * through is declared, passes its validator and is what the body said
 * (a string's bytes, true/false, an integer); a refusal names a member the
 * body has, and renders as a JSON error body (resp_failure) with its code
 * and field; the required-field check refuses exactly when a required
 * parameter is absent.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "http_parse.h"
#include "mem.h"
#include "route.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	enum http_method method;
	const char *path;
} targets[] = {
	{HTTP_POST, "/api/v1/signup"},
	{HTTP_POST, "/api/v1/me/vehicles"},
	{HTTP_PUT, "/api/v1/me/consents/news"},
	{HTTP_POST, "/api/v1/contact"},
	{HTTP_POST, "/api/v1/staff/campaigns"},
	{HTTP_POST, "/api/v1/staff/signin"},
	{HTTP_PATCH, "/api/v1/me"},
};

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "property broken: %s\n", what);
		abort();
	}
}

static const struct http_param *param_named(const struct req *r, const char *name)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return &r->params[i];
	return NULL;
}

/* What a member's value becomes as a parameter, or NULL if its type is
 * wrong for the declaration. */
static const char *expected_text(const struct param_spec *spec, json_t *v, char *num, size_t n,
				 size_t *len)
{
	if (spec->flags & PARAM_JSON_BOOL) {
		if (!json_is_boolean(v))
			return NULL;
		*len = json_is_true(v) ? 4 : 5;
		return json_is_true(v) ? "true" : "false";
	}
	if (spec->flags & PARAM_JSON_INT) {
		if (!json_is_integer(v))
			return NULL;
		snprintf(num, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*len = strlen(num);
		return num;
	}
	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

/* The refusal as the client sees it: a JSON error body with its code and field. */
static void check_rendered(struct req *r, const struct failure *f)
{
	resp_failure(r, f);
	must(r->status == err_status(f), "status of the refusal");
	must(r->body.len > 0, "the error body is not empty");
	json_error_t e;
	json_t *body = json_loadb(r->body.data, r->body.len, 0, &e);
	must(body != NULL, "the error body is JSON");
	json_t *err = json_object_get(body, "error");
	must(json_is_object(err), "the error body has an error object");
	must(json_is_string(json_object_get(err, "code")) &&
		     strcmp(json_string_value(json_object_get(err, "code")), err_code(f)) == 0,
	     "the error body's code");
	json_t *field = json_object_get(err, "field");
	const char *want = err_field(f);
	must(want ? json_is_string(field) && strcmp(json_string_value(field), want) == 0
		  : json_is_null(field),
	     "the error body's field");
	must(json_is_string(json_object_get(err, "message")), "the error body's message");
	json_decref(body);
}

/* An unknown member's echo: the longest prefix of a member's name of at most
 * HTTP_ECHO_KEY_MAX bytes that ends at a character boundary. */
static bool is_echo_of(const char *field, const char *key)
{
	size_t flen = strlen(field), klen = strlen(key);
	if (flen > HTTP_ECHO_KEY_MAX || flen > klen || memcmp(field, key, flen) != 0)
		return false;
	if (!utf8_valid(field, flen))
		return false;
	if (flen == klen)
		return true;
	/* Cut: nothing longer would have fitted whole. */
	size_t next = flen + 1;
	while (next < klen && ((unsigned char)key[next] & 0xc0) == 0x80)
		next++;
	return next > HTTP_ECHO_KEY_MAX;
}

static void check_object(struct req *r, json_t *root, int rc, const struct failure *f)
{
	const char *key;
	json_t *v;
	if (rc == 0) {
		size_t present = 0;
		json_object_foreach (root, key, v) {
			const struct param_spec *spec = route_param(r->route, key);
			must(spec && (spec->flags & PARAM_BODY), "an accepted member is declared");
			const struct http_param *p = param_named(r, key);
			if (json_is_null(v)) {
				must(p == NULL, "a null member is absent");
				continue;
			}
			present++;
			char num[32];
			size_t len = 0;
			const char *want = expected_text(spec, v, num, sizeof(num), &len);
			must(want != NULL, "an accepted member has its declared type");
			must(p && p->len == len && memcmp(p->value, want, len) == 0 &&
				     p->value[len] == '\0',
			     "a parameter is what the body said");
			must(route_check_param(spec, p->value, p->len) == NULL,
			     "a parameter passes its validator");
			must(strlen(p->value) == p->len, "a parameter holds no NUL");
		}
		must(r->nparams == present, "one parameter per member");
		return;
	}
	must(f->err == ERR_UNKNOWN_FIELD || f->err == ERR_INVALID_FIELD,
	     "an object is refused for a member");
	must(f->field != NULL, "a refused member is named");
	bool found = false;
	json_object_foreach (root, key, v) {
		const struct param_spec *spec = route_param(r->route, key);
		if (f->err == ERR_UNKNOWN_FIELD && (!spec || !(spec->flags & PARAM_BODY)) &&
		    is_echo_of(f->field, key))
			found = true;
		if (f->err == ERR_INVALID_FIELD && spec && (spec->flags & PARAM_BODY) &&
		    strcmp(key, f->field) == 0) {
			char num[32];
			size_t len = 0;
			const char *text = expected_text(spec, v, num, sizeof(num), &len);
			found = found || !text || route_check_param(spec, text, len) != NULL;
		}
	}
	must(found, "the refusal names a member that deserves it");
}

static void check_required(struct req *r)
{
	struct failure f;
	int rc = http_required_check(r, &f);
	const struct param_spec *lists[] = {r->route->params, r->route->extra};
	const char *absent = NULL;
	for (size_t k = 0; k < ARRAY_LEN(lists); k++)
		for (const struct param_spec *p = lists[k]; p && p->name; p++)
			if ((p->flags & PARAM_REQUIRED) && !param_named(r, p->name) && !absent)
				absent = p->name;
	must((rc == 0) == (absent == NULL), "refused exactly when a required one is absent");
	if (rc != 0) {
		must(f.err == ERR_MISSING_FIELD && strcmp(f.field, absent) == 0,
		     "the first absent one is named");
		check_rendered(r, &f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t t = data[0] % ARRAY_LEN(targets);
	const char *body = (const char *)data + 1;
	size_t len = size - 1;

	struct req r = {0};
	r.arena = arena_new(HTTP_ARENA_CAP);
	r.method = targets[t].method;
	buf_init(&r.body, 0);
	unsigned allowed = 0;
	enum route_match m =
		route_find(targets[t].path, r.method, r.arena, &r.route, r.path_params, &allowed);
	must(m == ROUTE_FOUND && r.route->body == BODY_JSON, "the route exists and takes JSON");

	struct failure f;
	int rc = http_json_collect(&r, body, len, &f);
	json_error_t jerr;
	json_t *root = json_loadb(len ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	must(r.nerrors == 0, "an API route collects no form errors");
	if (!root) {
		must(rc != 0 && f.err == ERR_BAD_JSON, "what jansson refuses is bad_json");
	} else if (!json_is_object(root)) {
		must(rc != 0 && f.err == ERR_NOT_OBJECT, "a body that is no object is refused");
	} else {
		check_object(&r, root, rc, &f);
	}
	if (rc != 0)
		check_rendered(&r, &f);
	else
		check_required(&r);
	json_decref(root);
	buf_release(&r.body);
	arena_free(r.arena);
	return 0;
}
