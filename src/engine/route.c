/*
 * route: matching a path and method against the route table (routes.c) and
 * checking declared parameters.
 */
#include "route.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "metrics.h"
#include "validate.h"

void route_init(void)
{
	for (size_t i = 0; i < routes_count; i++) {
		if (!routes[i].name)
			routes[i].name = routes[i].pattern;
		routes[i].metrics_slot = metrics_route_slot(routes[i].name);
	}
}

/* Matches one pattern; captures point into an arena copy of the segment. */
static int pattern_match(const char *pattern, const char *path, struct arena *arena,
			 const char **captures)
{
	size_t ncap = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == ':') {
			const char *pend = strchr(p, '/');
			const char *send = strchr(s, '/');
			size_t slen = send ? (size_t)(send - s) : strlen(s);
			if (slen == 0 || ncap >= HTTP_MAX_PATH_PARAMS)
				return 0;
			if (captures)
				captures[ncap] = arena_strndup(arena, s, slen);
			ncap++;
			p = pend ? pend : p + strlen(p);
			s += slen;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

enum route_match route_find(const char *path, enum http_method method, struct arena *arena,
			    const struct route **out, const char **captures, unsigned *allowed)
{
	unsigned methods = 0;
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *rt = &routes[i];
		if (!pattern_match(rt->pattern, path, NULL, NULL))
			continue;
		unsigned m = rt->methods;
		if (m & HTTP_GET)
			m |= HTTP_HEAD;
		if (m & method) {
			pattern_match(rt->pattern, path, arena, captures);
			*out = rt;
			return ROUTE_FOUND;
		}
		methods |= m;
	}
	*allowed = methods;
	return methods ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

const struct param_spec *route_param(const struct route *rt, const char *name)
{
	if (!rt->params || !name)
		return NULL;
	for (const struct param_spec *p = rt->params; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const char *route_check_param(const struct param_spec *p, const char *value, size_t len)
{
	if (len > p->max_len)
		return "is too long";
	if (p->check)
		return p->check(value, len);
	return valid_line(value, len);
}

void route_allow_header(unsigned methods, char *out, size_t n)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{HTTP_GET, "GET"},	    {HTTP_HEAD, "HEAD"},   {HTTP_POST, "POST"},
		     {HTTP_PUT, "PUT"},	    {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"}};
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(methods & names[i].bit))
			continue;
		int w = snprintf(out + k, n - k, "%s%s", k ? ", " : "", names[i].name);
		if (w < 0 || (size_t)w >= n - k)
			return;
		k += (size_t)w;
	}
}
