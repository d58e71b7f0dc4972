/*
 * http_parse: a request's declared parameters from what it carries (see
 * http_parse.h). No libmicrohttpd here: http.c calls these with what the
 * engine decoded, the fuzzers with what they make up.
 */
#include "http_parse.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "route.h"

/* The parameter lists of a route: its own, then the form's additions. */
#define ROUTE_LISTS(rt)                                                                            \
	{                                                                                          \
		(rt)->params, (rt)->extra                                                          \
	}
#define NLISTS 2

static int fail_on(struct failure *f, enum err e, const char *message, const char *field)
{
	err_fail(f, e);
	if (message)
		snprintf(f->message, sizeof(f->message), "%s", message);
	f->field = field;
	return -1;
}

/* Records a failed parameter: the route either handles it (re-shows its
 * form) or the request is refused at once (-1, *f set). */
static int param_reject(struct req *r, const struct param_spec *spec, enum err error,
			const char *why, const char *value, size_t len, struct failure *f)
{
	const char *msg = arena_printf(r->arena, "%s %s", spec->name, why);
	if (!(r->route->flags & ROUTE_FORM_ERRORS))
		return fail_on(f, error, msg, spec->name);
	if (r->nerrors < HTTP_MAX_FIELD_ERRORS) {
		struct http_field_error *e = &r->errors[r->nerrors++];
		e->field = spec->name;
		e->code = err_row(error)->code;
		e->message = msg;
		e->value = value && len <= spec->max_len ? arena_strndup(r->arena, value, len) : "";
	}
	return 0;
}

/* A form's checkbox for a JSON boolean: "1" or "on" (ticked) is "true",
 * "0" or empty is "false", as the API would have it. NULL if neither. */
static const char *form_boolean(const char *value, size_t len)
{
	static const struct {
		const char *text, *as;
	} forms[] = {{"true", "true"},	 {"1", "true"},	 {"on", "true"},
		     {"false", "false"}, {"0", "false"}, {"", "false"}};
	for (size_t i = 0; i < ARRAY_LEN(forms); i++)
		if (strlen(forms[i].text) == len && memcmp(forms[i].text, value, len) == 0)
			return forms[i].as;
	return NULL;
}

int http_param_add(struct req *r, const struct param_spec *spec, const char *value, size_t len,
		   struct failure *f)
{
	if ((spec->flags & PARAM_JSON_BOOL) && r->route->body != BODY_JSON) {
		value = form_boolean(value, len);
		if (!value)
			return param_reject(r, spec, ERR_INVALID_FIELD, "must be ticked or not", "",
					    0, f);
		len = strlen(value);
	}
	/* On a form an empty box is a field not given: a required one is
	 * missing, whatever its check would say of "". */
	if (len == 0 && (spec->flags & PARAM_REQUIRED) && (r->route->flags & ROUTE_FORM_ERRORS) &&
	    r->route->body != BODY_JSON)
		return param_reject(r, spec, ERR_MISSING_FIELD, "is required", NULL, 0, f);
	const char *why = route_check_param(spec, value, len);
	if (why)
		return param_reject(r, spec, ERR_INVALID_FIELD, why, value, len, f);
	if (r->nparams >= HTTP_MAX_PARAMS)
		return 0;
	struct http_param *p = &r->params[r->nparams++];
	p->name = spec->name;
	p->value = arena_strndup(r->arena, value, len);
	p->len = len;
	return 0;
}

int http_query_collect(struct req *r, http_query_fn lookup, void *ctx, struct failure *f)
{
	const struct param_spec *lists[NLISTS] = ROUTE_LISTS(r->route);
	for (size_t k = 0; k < NLISTS; k++)
		for (const struct param_spec *p = lists[k]; p && p->name; p++) {
			const char *v;
			size_t len;
			if (!(p->flags & PARAM_QUERY) || !lookup(ctx, p->name, &v, &len) || !v)
				continue;
			if (http_param_add(r, p, v, len, f) != 0)
				return -1;
		}
	return 0;
}

void http_form_piece(struct http_form_field *fields, size_t *nfields, const struct route *rt,
		     const char *key, const char *data, uint64_t off, size_t size)
{
	if (!key)
		return; /* a multipart part without a name */
	const struct param_spec *spec = route_param(rt, key);
	if (!spec || !(spec->flags & PARAM_BODY))
		return; /* undeclared: dropped */
	struct http_form_field *fl = NULL;
	for (size_t i = 0; i < *nfields; i++)
		if (fields[i].spec == spec)
			fl = &fields[i];
	if (!fl) {
		if (*nfields >= HTTP_MAX_PARAMS)
			return;
		fl = &fields[(*nfields)++];
		*fl = (struct http_form_field){.spec = spec};
		buf_init(&fl->value, spec->max_len);
	} else if (off == 0) {
		/* A repeated field: unless it is a list, the first occurrence
		 * counts and this one is dropped, its later pieces (off > 0) too. */
		fl->skipping = !(spec->flags & PARAM_LIST);
		if (fl->skipping)
			return;
		if (buf_putc(&fl->value, ',') != 0)
			fl->too_long = true;
	} else if (fl->skipping) {
		return;
	}
	if (size && buf_append(&fl->value, data, size) != 0)
		fl->too_long = true;
}

int http_form_collect(struct req *r, const struct http_form_field *fields, size_t nfields,
		      struct failure *f)
{
	for (size_t i = 0; i < nfields; i++) {
		const struct http_form_field *fl = &fields[i];
		if (fl->too_long) {
			if (param_reject(r, fl->spec, ERR_INVALID_FIELD, "is too long", NULL, 0,
					 f) != 0)
				return -1;
			continue;
		}
		if (http_param_add(r, fl->spec, fl->value.data ? fl->value.data : "", fl->value.len,
				   f) != 0)
			return -1;
	}
	return 0;
}

int http_json_collect(struct req *r, const char *body, size_t len, struct failure *f)
{
	json_error_t jerr;
	json_t *root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail_on(f, ERR_BAD_JSON, NULL, NULL);
	int rc = -1;
	if (!json_is_object(root)) {
		fail_on(f, ERR_NOT_OBJECT, NULL, NULL);
		goto out;
	}
	const char *key;
	json_t *v;
	json_object_foreach (root, key, v) {
		const struct param_spec *spec = route_param(r->route, key);
		if (!spec || !(spec->flags & PARAM_BODY)) {
			/* The key is echoed, cut short at a character boundary: a
			 * cut inside a UTF-8 sequence would leave text the JSON
			 * answer cannot hold. It never holds a submitted value. */
			size_t klen = strlen(key);
			fail_on(f, ERR_UNKNOWN_FIELD, NULL,
				arena_strndup(r->arena, key,
					      http_utf8_cut(key, klen, HTTP_ECHO_KEY_MAX)));
			goto out;
		}
		if (json_is_null(v))
			continue;
		const char *text = NULL;
		size_t tlen = 0;
		char num[32];
		if ((spec->flags & PARAM_JSON_BOOL) && json_is_boolean(v)) {
			text = json_is_true(v) ? "true" : "false";
			tlen = strlen(text);
		} else if ((spec->flags & PARAM_JSON_INT) && json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			text = num;
			tlen = strlen(num);
		} else if (!(spec->flags & (PARAM_JSON_BOOL | PARAM_JSON_INT)) &&
			   json_is_string(v)) {
			text = json_string_value(v);
			tlen = json_string_length(v);
		} else {
			const char *msg =
				arena_printf(r->arena, "%s has the wrong type", spec->name);
			fail_on(f, ERR_INVALID_FIELD, msg, spec->name);
			goto out;
		}
		if (http_param_add(r, spec, text, tlen, f) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static bool has_param(const struct req *r, const char *name)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return true;
	return false;
}

int http_required_check(struct req *r, struct failure *f)
{
	const struct param_spec *lists[NLISTS] = ROUTE_LISTS(r->route);
	for (size_t k = 0; k < NLISTS; k++)
		for (const struct param_spec *p = lists[k]; p && p->name; p++) {
			if (!(p->flags & PARAM_REQUIRED) || has_param(r, p->name))
				continue;
			bool rejected = false;
			for (size_t i = 0; i < r->nerrors; i++)
				if (strcmp(r->errors[i].field, p->name) == 0)
					rejected = true;
			if (!rejected &&
			    param_reject(r, p, ERR_MISSING_FIELD, "is required", NULL, 0, f) != 0)
				return -1;
		}
	return 0;
}

/* Path captures are checked like any parameter: against the route's
 * PARAM_PATH declarations in order, else as a short single line. */
int http_path_check(struct req *r, struct failure *f)
{
	const struct param_spec *p = r->route->params;
	static const struct param_spec fallback = {"path", PARAM_PATH, 128, NULL};
	for (size_t i = 0; i < HTTP_MAX_PATH_PARAMS && r->path_params[i]; i++) {
		while (p && p->name && !(p->flags & PARAM_PATH))
			p++;
		const struct param_spec *spec = p && p->name ? p++ : &fallback;
		const char *v = r->path_params[i];
		if (route_check_param(spec, v, strlen(v)))
			return fail_on(f, ERR_NOT_FOUND, NULL, NULL);
	}
	return 0;
}

bool http_target_has_nul(const char *target)
{
	for (const char *p = target; *p && *p != '?' && *p != '#'; p++)
		if (p[0] == '%' && p[1] == '0' && p[2] == '0')
			return true;
	return false;
}

size_t http_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}
