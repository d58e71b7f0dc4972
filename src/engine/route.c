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

/* Every form carries the session's CSRF token as a field (the gate reads it). */
static const struct param_spec csrf_field = {"csrf_token", PARAM_BODY, 64, valid_token};

const struct param_spec *route_param(const struct route *rt, const char *name)
{
	if (!name)
		return NULL;
	const struct param_spec *lists[] = {rt->params, rt->extra};
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
		for (const struct param_spec *p = lists[k]; p && p->name; p++)
			if (strcmp(p->name, name) == 0)
				return p;
	if (rt->body == BODY_FORM && strcmp(name, csrf_field.name) == 0)
		return &csrf_field;
	return NULL;
}

void route_params_each(const struct route *rt, void (*fn)(const struct param_spec *p, void *ctx),
		       void *ctx)
{
	const struct param_spec *lists[] = {rt->params, rt->extra};
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
		for (const struct param_spec *p = lists[k]; p && p->name; p++)
			fn(p, ctx);
}

size_t route_body_max(const struct route *rt)
{
	if (rt->body_max_kib)
		return *rt->body_max_kib > 0 ? (size_t)*rt->body_max_kib * 1024 : 0;
	return rt->body_max;
}

int route_changes_state(enum http_method m)
{
	return m != HTTP_GET && m != HTTP_HEAD;
}

const char *route_check_param(const struct param_spec *p, const char *value, size_t len)
{
	if (len > p->max_len)
		return "is too long";
	if (p->check)
		return p->check(value, len);
	return valid_line(value, len);
}

static const struct {
	unsigned bit;
	const char *name;
} method_names[] = {{HTTP_GET, "GET"}, {HTTP_HEAD, "HEAD"},   {HTTP_POST, "POST"},
		    {HTTP_PUT, "PUT"}, {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"}};

const char *route_method_name(enum http_method m)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (method_names[i].bit == (unsigned)m)
			return method_names[i].name;
	return "OTHER";
}

enum http_method route_method_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (strcmp(method_names[i].name, name) == 0)
			return (enum http_method)method_names[i].bit;
	return HTTP_OTHER;
}

const char *route_access_name(enum route_access a)
{
	static const char *const names[] = {
		[ACCESS_ANYONE] = "anyone",
		[ACCESS_MEMBER] = "member",
		[ACCESS_MEMBER_RECENT] = "member_recent",
		[ACCESS_STAFF] = "staff",
	};
	return names[a];
}

const char *route_purpose_name(enum route_purpose p)
{
	static const char *const names[] = {
		[PURPOSE_ANY_ROLE] = "any_role",
		[PURPOSE_OF_COLLECTION] = "of_collection",
		[PURPOSE_OF_KIND] = "of_kind",
		[PURPOSE_IN_PARAM] = "in_param",
	};
	return names[p];
}

void route_allow_header(unsigned methods, char *out, size_t n)
{
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (!(methods & method_names[i].bit))
			continue;
		int w = snprintf(out + k, n - k, "%s%s", k ? ", " : "", method_names[i].name);
		if (w < 0 || (size_t)w >= n - k)
			return;
		k += (size_t)w;
	}
}
