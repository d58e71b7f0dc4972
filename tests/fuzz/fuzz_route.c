/*
 * libFuzzer target: a request's method and path against the route table
 * (route_find, then the path captures' check in http_parse.c), and the
 * request target's check for an encoded NUL. The first byte picks the
 * method, the rest is the path as the engine hands it over (decoded, so
 * cut at a NUL) and, undecoded, the request target.
 *
 * Properties: a route found is the table's first whose pattern matches
 * segment by segment (a ":name" segment takes one non-empty segment) and
 * whose methods include the request's (HEAD with GET); the pattern with the
 * captures put back is the path; "method not allowed" only when some
 * pattern matches and none allows the method, with the methods allowed; a
 * capture that passes the path check passes its declaration; the target
 * has an encoded NUL exactly when decoding its path would give a NUL.
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

static const enum http_method methods[] = {HTTP_GET,   HTTP_HEAD,   HTTP_POST, HTTP_PUT,
					   HTTP_PATCH, HTTP_DELETE, HTTP_OTHER};

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "property broken: %s\n", what);
		abort();
	}
}

/* Segment by segment; captures (when not NULL) point into path. */
static bool matches(const char *pattern, const char *path, const char **caps, size_t *caplen,
		    size_t *ncap)
{
	size_t n = 0;
	const char *p = pattern, *s = path;
	for (;;) {
		const char *pe = strchr(p, '/'), *se = strchr(s, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);
		size_t sl = se ? (size_t)(se - s) : strlen(s);
		if (p[0] == ':') {
			if (sl == 0 || n >= HTTP_MAX_PATH_PARAMS)
				return false;
			caps[n] = s;
			caplen[n++] = sl;
		} else if (pl != sl || memcmp(p, s, pl) != 0) {
			return false;
		}
		if (!pe || !se) {
			*ncap = n;
			return !pe && !se;
		}
		p = pe + 1;
		s = se + 1;
	}
}

static unsigned allows(const struct route *rt)
{
	return rt->methods & HTTP_GET ? rt->methods | HTTP_HEAD : rt->methods;
}

static void check_captures(struct req *r, const char **caps, size_t *caplen, size_t ncap)
{
	size_t n = 0;
	while (n < HTTP_MAX_PATH_PARAMS && r->path_params[n])
		n++;
	must(n == ncap, "one capture per ':' segment");
	for (size_t i = 0; i < n; i++)
		must(strlen(r->path_params[i]) == caplen[i] &&
			     memcmp(r->path_params[i], caps[i], caplen[i]) == 0,
		     "a capture is its segment");
	struct failure f;
	int rc = http_path_check(r, &f);
	const struct param_spec *p = r->route->params;
	static const struct param_spec fallback = {"path", PARAM_PATH, 128, NULL};
	bool all_good = true;
	for (size_t i = 0; i < n; i++) {
		while (p && p->name && !(p->flags & PARAM_PATH))
			p++;
		const struct param_spec *spec = p && p->name ? p++ : &fallback;
		if (route_check_param(spec, r->path_params[i], caplen[i]))
			all_good = false;
	}
	must((rc == 0) == all_good, "the path check passes exactly the good captures");
	if (rc != 0)
		must(f.err == ERR_NOT_FOUND, "a bad capture is an address that does not exist");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum http_method method = methods[data[0] % ARRAY_LEN(methods)];
	char *target = xstrndup((const char *)data + 1, size - 1);

	/* The target as received: an encoded NUL in its path, or not. */
	bool nul = false;
	for (const char *s = target; *s && *s != '?' && *s != '#'; s++)
		if (s[0] == '%' && s[1] == '0' && s[2] == '0')
			nul = true;
	must(http_target_has_nul(target) == nul, "an encoded NUL in the path is seen");

	struct req r = {.arena = arena_new(HTTP_ARENA_CAP), .method = method};
	unsigned allowed = 0;
	enum route_match m = route_find(target, method, r.arena, &r.route, r.path_params, &allowed);
	const struct route *first = NULL;
	unsigned any = 0;
	const char *caps[HTTP_MAX_PATH_PARAMS];
	size_t caplen[HTTP_MAX_PATH_PARAMS], ncap = 0;
	for (size_t i = 0; i < routes_count; i++) {
		const char *c[HTTP_MAX_PATH_PARAMS];
		size_t cl[HTTP_MAX_PATH_PARAMS], nc = 0;
		if (!matches(routes[i].pattern, target, c, cl, &nc))
			continue;
		any |= allows(&routes[i]);
		if (!first && (allows(&routes[i]) & method)) {
			first = &routes[i];
			memcpy(caps, c, sizeof(c));
			memcpy(caplen, cl, sizeof(cl));
			ncap = nc;
		}
	}
	if (first) {
		must(m == ROUTE_FOUND && r.route == first,
		     "the first route that matches and allows");
		check_captures(&r, caps, caplen, ncap);
	} else if (any) {
		must(m == ROUTE_BAD_METHOD && allowed == any && !(allowed & method),
		     "method not allowed, with the methods that are");
	} else {
		must(m == ROUTE_NOT_FOUND, "no route for a path nothing matches");
	}
	arena_free(r.arena);
	free(target);
	return 0;
}
