/*
 * libFuzzer target: form fields and query arguments as glovebox collects
 * them for real routes of the table (the sign-up and car forms, contact,
 * consent, a campaign, one-click unsubscribe, pages with a query).
 *
 * The bytes of urlencoded and multipart bodies are decoded by
 * libmicrohttpd's post processor, which needs a live connection; glovebox's
 * own part starts where it hands over a field: a name (none for a nameless
 * multipart part) and the value in pieces at growing offsets. This target
 * plays that part. Input: a byte picking the route, a byte seeding how the
 * values are cut into pieces, then name=value pairs joined by '&'
 * (percent-decoded here; a pair without '=' stands for a nameless part).
 *
 * Properties: the pieces' cut changes nothing (the fields equal those of
 * one piece per value); the fields equal a model kept here (declared names
 * only; of a repeated field the first occurrence, of a list all joined by
 * ','; too long past the declared length); every parameter that gets
 * through is declared, passes its validator and is the submitted value (a
 * checkbox "true"/"false"); every field that does not is in r->errors with
 * the value to show again, or refuses the request on a route that does not
 * re-show its form; a required field ends up a parameter or an error; query
 * parameters are the first argument of their name.
 */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	enum http_method method;
	const char *path;
} targets[] = {
	{HTTP_POST, "/signup"},
	{HTTP_POST, "/me/garage"},
	{HTTP_POST, "/contact"},
	{HTTP_POST, "/me/consents"},
	{HTTP_POST, "/staff/campaigns"},
	{HTTP_POST, "/unsubscribe"},
	{HTTP_POST, "/staff/reviews/12/decide"},
	{HTTP_GET, "/confirm"},
	{HTTP_GET, "/api/v1/staff/members/7"},
	{HTTP_GET, "/me/garage"},
};

#define MAX_PAIRS 64

struct pair {
	char *key; /* NULL: a nameless part; cut at a NUL, as the engine hands it */
	size_t key_len;
	char *value;
	size_t len;
};

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "property broken: %s\n", what);
		abort();
	}
}

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s (n bytes) into a fresh buffer; *out_len is its length. */
static char *decode(const char *s, size_t n, size_t *out_len)
{
	char *o = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			o[k++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
			o[k++] = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
			i += 2;
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	*out_len = k;
	return o;
}

static size_t split(const char *s, size_t n, struct pair *pairs)
{
	size_t np = 0;
	for (size_t i = 0; i <= n && np < MAX_PAIRS;) {
		size_t e = i;
		while (e < n && s[e] != '&')
			e++;
		const char *eq = memchr(s + i, '=', e - i);
		struct pair *p = &pairs[np++];
		if (eq) {
			p->key = decode(s + i, (size_t)(eq - (s + i)), &p->key_len);
			p->value = decode(eq + 1, (size_t)(s + e - eq - 1), &p->len);
		} else {
			p->key = NULL;
			p->key_len = 0;
			p->value = decode(s + i, e - i, &p->len);
		}
		i = e + 1;
	}
	return np;
}

/* The post processor's side: each value in pieces whose sizes come from seed
 * (one piece each when seed is 0). */
static size_t deliver(const struct route *rt, const struct pair *pairs, size_t np, unsigned seed,
		      struct http_form_field *fields)
{
	size_t nfields = 0;
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < np; i++) {
		const struct pair *p = &pairs[i];
		size_t off = 0;
		do {
			size_t piece = p->len - off;
			if (seed && piece > 1) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				piece = 1 + x % piece;
			}
			http_form_piece(fields, &nfields, rt, p->key, p->value + off, off, piece);
			off += piece;
		} while (off < p->len);
	}
	return nfields;
}

static void release(struct http_form_field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_release(&fields[i].value);
}

/* The model: one field per declared body name, in order of first appearance. */
struct model_field {
	const struct param_spec *spec;
	char *value;
	size_t len;
	bool too_long;
};

static size_t model(const struct route *rt, const struct pair *pairs, size_t np,
		    struct model_field *mf)
{
	size_t n = 0;
	for (size_t i = 0; i < np; i++) {
		const struct param_spec *spec = pairs[i].key ? route_param(rt, pairs[i].key) : NULL;
		if (!spec || !(spec->flags & PARAM_BODY))
			continue;
		struct model_field *m = NULL;
		for (size_t k = 0; k < n; k++)
			if (mf[k].spec == spec)
				m = &mf[k];
		if (!m) {
			m = &mf[n++];
			m->spec = spec;
			m->value = xmalloc(pairs[i].len + 1);
			memcpy(m->value, pairs[i].value, pairs[i].len);
			m->len = pairs[i].len;
		} else if (spec->flags & PARAM_LIST) {
			m->value = xrealloc(m->value, m->len + 1 + pairs[i].len + 1);
			m->value[m->len] = ',';
			memcpy(m->value + m->len + 1, pairs[i].value, pairs[i].len);
			m->len += 1 + pairs[i].len;
		}
		m->value[m->len] = '\0';
		m->too_long = m->len > spec->max_len;
	}
	return n;
}

static const struct http_param *param_named(const struct req *r, const char *name)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return &r->params[i];
	return NULL;
}

static const struct http_field_error *error_for(const struct req *r, const char *name)
{
	for (size_t i = 0; i < r->nerrors; i++)
		if (strcmp(r->errors[i].field, name) == 0)
			return &r->errors[i];
	return NULL;
}

/* What a checkbox's value becomes, as http_parse.h promises. */
static const char *checkbox(const char *v, size_t len)
{
	if ((len == 4 && !memcmp(v, "true", 4)) || (len == 1 && *v == '1') ||
	    (len == 2 && !memcmp(v, "on", 2)))
		return "true";
	if ((len == 5 && !memcmp(v, "false", 5)) || (len == 1 && *v == '0') || len == 0)
		return "false";
	return NULL;
}

static void check_fields(struct req *r, const struct model_field *mf, size_t n, int rc,
			 const struct failure *f)
{
	bool re_shows = (r->route->flags & ROUTE_FORM_ERRORS) != 0;
	for (size_t i = 0; i < r->nparams; i++) {
		const struct param_spec *spec = route_param(r->route, r->params[i].name);
		must(spec && (spec->flags & PARAM_BODY), "a parameter is a declared body field");
		must(route_check_param(spec, r->params[i].value, r->params[i].len) == NULL,
		     "a parameter passes its validator");
		for (size_t k = 0; k < i; k++)
			must(strcmp(r->params[k].name, r->params[i].name) != 0,
			     "no parameter twice");
	}
	for (size_t i = 0; i < r->nerrors; i++)
		must(route_param(r->route, r->errors[i].field) != NULL, "an error names a field");
	bool refused = false;
	for (size_t i = 0; i < n && !refused; i++) {
		const struct model_field *m = &mf[i];
		const char *want = m->value;
		size_t want_len = m->len;
		bool ok = !m->too_long;
		if (ok && (m->spec->flags & PARAM_JSON_BOOL)) {
			want = checkbox(m->value, m->len);
			ok = want != NULL;
			want_len = want ? strlen(want) : 0;
		}
		/* On a form that shows its errors again, an empty box of a
		 * required field is that field missing, whatever its check says. */
		bool missing = ok && want_len == 0 && (m->spec->flags & PARAM_REQUIRED) &&
			       re_shows && r->route->body != BODY_JSON;
		ok = ok && !missing && route_check_param(m->spec, want, want_len) == NULL;
		const struct http_param *p = param_named(r, m->spec->name);
		if (ok) {
			must(p && p->len == want_len && memcmp(p->value, want, want_len) == 0,
			     "a good field is its parameter, as sent");
			continue;
		}
		must(p == NULL, "a bad field is no parameter");
		if (!re_shows) {
			must(rc != 0 && f->err == ERR_INVALID_FIELD &&
				     strcmp(f->field, m->spec->name) == 0,
			     "a bad field refuses the request, by name");
			refused = true;
			continue;
		}
		const struct http_field_error *e = error_for(r, m->spec->name);
		must(e || r->nerrors == HTTP_MAX_FIELD_ERRORS, "a bad field is an error");
		if (e) {
			must(strcmp(e->code, missing ? "missing_field" : "invalid_field") == 0,
			     "its code");
			bool shown =
				!m->too_long && !missing && !(m->spec->flags & PARAM_JSON_BOOL);
			must(shown ? strlen(e->value) == strnlen(m->value, m->len) &&
					     memcmp(e->value, m->value, strlen(e->value)) == 0
				   : e->value[0] == '\0',
			     "the value shown again is the one sent, or none");
		}
	}
	must(re_shows ? rc == 0 : (rc == 0) == !refused, "refused only for a bad field");
}

static void check_required(struct req *r)
{
	struct failure f;
	int rc = http_required_check(r, &f);
	if (!(r->route->flags & ROUTE_FORM_ERRORS)) {
		if (rc != 0)
			must(f.err == ERR_MISSING_FIELD && !req_param(r, f.field),
			     "a missing field is refused by name");
		return;
	}
	must(rc == 0, "a form route re-shows its form");
	const struct param_spec *lists[] = {r->route->params, r->route->extra};
	for (size_t k = 0; k < ARRAY_LEN(lists); k++)
		for (const struct param_spec *p = lists[k]; p && p->name; p++)
			if (p->flags & PARAM_REQUIRED)
				must(req_param(r, p->name) || error_for(r, p->name) ||
					     r->nerrors == HTTP_MAX_FIELD_ERRORS,
				     "a required field is a parameter or an error");
}

struct query {
	const struct pair *pairs;
	size_t np;
};

static bool query_lookup(void *ctx, const char *name, const char **value, size_t *len)
{
	const struct query *q = ctx;
	for (size_t i = 0; i < q->np; i++)
		if (q->pairs[i].key && q->pairs[i].key_len == strlen(name) &&
		    memcmp(q->pairs[i].key, name, q->pairs[i].key_len) == 0) {
			*value = q->pairs[i].value;
			*len = q->pairs[i].len;
			return true;
		}
	return false;
}

static void check_query(const struct route *rt, const struct pair *pairs, size_t np)
{
	struct req r = {.route = rt, .arena = arena_new(HTTP_ARENA_CAP)};
	struct query q = {pairs, np};
	struct failure f;
	int rc = http_query_collect(&r, query_lookup, &q, &f);
	for (size_t i = 0; i < r.nparams; i++) {
		const struct param_spec *spec = route_param(rt, r.params[i].name);
		must(spec && (spec->flags & PARAM_QUERY), "a query parameter is declared");
		const char *v;
		size_t len;
		must(query_lookup(&q, spec->name, &v, &len) && len == r.params[i].len &&
			     memcmp(v, r.params[i].value, len) == 0,
		     "a query parameter is the first argument of its name");
		must(route_check_param(spec, r.params[i].value, r.params[i].len) == NULL,
		     "a query parameter passes its validator");
	}
	if (rc != 0) {
		const struct param_spec *spec = route_param(rt, f.field);
		const char *v;
		size_t len;
		must(spec && (spec->flags & PARAM_QUERY) && query_lookup(&q, spec->name, &v, &len),
		     "a refused query argument was sent");
	}
	arena_free(r.arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t t = data[0] % ARRAY_LEN(targets);
	unsigned seed = data[1];
	struct pair pairs[MAX_PAIRS];
	size_t np = split((const char *)data + 2, size - 2, pairs);

	struct req r = {0};
	r.arena = arena_new(HTTP_ARENA_CAP);
	r.method = targets[t].method;
	unsigned allowed = 0;
	must(route_find(targets[t].path, r.method, r.arena, &r.route, r.path_params, &allowed) ==
		     ROUTE_FOUND,
	     "the route exists");

	check_query(r.route, pairs, np);
	if (r.route->body == BODY_FORM) {
		struct http_form_field whole[HTTP_MAX_PARAMS], cut[HTTP_MAX_PARAMS];
		size_t nw = deliver(r.route, pairs, np, 0, whole);
		size_t nc = deliver(r.route, pairs, np, seed, cut);
		struct model_field mf[HTTP_MAX_PARAMS];
		size_t nm = model(r.route, pairs, np, mf);
		must(nw == nc && nw == nm, "one field per declared name, however cut");
		for (size_t i = 0; i < nw; i++) {
			must(whole[i].spec == cut[i].spec && cut[i].spec == mf[i].spec,
			     "fields in order of first appearance");
			must(whole[i].too_long == cut[i].too_long &&
				     cut[i].too_long == mf[i].too_long,
			     "too long, however cut");
			if (!mf[i].too_long)
				must(cut[i].value.len == mf[i].len &&
					     whole[i].value.len == mf[i].len &&
					     (mf[i].len == 0 ||
					      (memcmp(cut[i].value.data, mf[i].value, mf[i].len) ==
						       0 &&
					       memcmp(whole[i].value.data, mf[i].value,
						      mf[i].len) == 0)),
				     "a field's value is the first sent (a list's, all), however "
				     "cut");
		}
		struct failure f;
		int rc = http_form_collect(&r, cut, nc, &f);
		check_fields(&r, mf, nm, rc, &f);
		if (rc == 0)
			check_required(&r);
		release(whole, nw);
		release(cut, nc);
		for (size_t i = 0; i < nm; i++)
			free(mf[i].value);
	}
	for (size_t i = 0; i < np; i++) {
		free(pairs[i].key);
		free(pairs[i].value);
	}
	arena_free(r.arena);
	return 0;
}
