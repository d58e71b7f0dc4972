/*
 * route: the route table and parameter declarations. Each route names its
 * methods, its path pattern (":name" segments capture), its body kind and
 * size limit, and the parameters it accepts with a validator each.
 * Undeclared parameters never reach a handler: query and form fields that
 * are not declared are dropped; an undeclared JSON member is refused.
 */
#ifndef GLOVEBOX_ROUTE_H
#define GLOVEBOX_ROUTE_H

#include <stddef.h>

#include "http.h"

/* A validator returns NULL when the value is acceptable, else a short
 * message for the user ("is not a valid e-mail address"). */
typedef const char *(*param_check_fn)(const char *value, size_t len);

enum param_flags {
	PARAM_REQUIRED = 1 << 0,
	PARAM_QUERY = 1 << 1,       /* from the query string */
	PARAM_BODY = 1 << 2,        /* from the form or JSON body */
	PARAM_JSON_BOOL = 1 << 3,   /* JSON true/false, seen as "true"/"false" */
	PARAM_JSON_INT = 1 << 4,    /* JSON integer, seen as decimal text */
	PARAM_PATH = 1 << 5,        /* a ":name" segment of the pattern, in order */
	PARAM_LIST = 1 << 6,        /* a form field that repeats (checkboxes): values joined by ',' */
};

struct param_spec {
	const char *name;
	unsigned flags;
	size_t max_len;             /* bytes */
	param_check_fn check;       /* NULL: any valid UTF-8 without control characters */
};

enum body_kind { BODY_NONE, BODY_FORM, BODY_JSON };

enum route_flags {
	ROUTE_API = 1 << 0,         /* JSON errors */
	ROUTE_PERSONAL = 1 << 1,    /* carries personal data: no-store */
	ROUTE_FORM_ERRORS = 1 << 2, /* the handler gets r->errors and re-shows its form */
};

typedef void (*route_handler_fn)(struct req *r);

struct route {
	unsigned methods;           /* enum http_method bits */
	const char *pattern;        /* "/api/v1/contact", "/privacy/v/:version" */
	route_handler_fn handler;
	enum body_kind body;
	size_t body_max;
	unsigned flags;
	const struct param_spec *params;   /* ends with {0} */
	const char *name;           /* for logs and metrics; default: pattern */
	int metrics_slot;
};

/* The table, defined in routes.c. */
extern struct route routes[];
extern const size_t routes_count;

enum route_match { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/* Finds the route for path and method; fills captures (at most
 * HTTP_MAX_PATH_PARAMS, pointing into arena copies) and, on
 * ROUTE_BAD_METHOD, the methods the path allows. */
enum route_match route_find(const char *path, enum http_method method, struct arena *arena,
			    const struct route **out, const char **captures, unsigned *allowed);

const struct param_spec *route_param(const struct route *rt, const char *name);

/* Checks one value against its declaration; NULL if fine, else the message. */
const char *route_check_param(const struct param_spec *p, const char *value, size_t len);

/* Registers metrics slots; call once at start. */
void route_init(void);

/* "GET, HEAD, POST" for an Allow header. */
void route_allow_header(unsigned methods, char *out, size_t n);

#endif
