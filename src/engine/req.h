/*
 * req: the request as handlers see it (struct req), its declared
 * parameters and what the response will be. A type of its own, below
 * http.h, so that http_parse.c fills it without depending on the engine
 * adapter; the accessors (req_param, req_header, ...) are in http.h.
 */
#ifndef GLOVEBOX_REQ_H
#define GLOVEBOX_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "route.h"

#define HTTP_MAX_RESP_HEADERS 16
#define HTTP_MAX_PARAMS	      32

struct session;

struct http_param {
	const char *name;
	const char *value; /* validated, NUL-terminated */
	size_t len;
};

struct http_kv {
	const char *name, *value;
};

/* A parameter that failed its check, kept for routes that re-show a form
 * with the message next to the field (ROUTE_FORM_ERRORS). */
struct http_field_error {
	const char *field;
	const char *code; /* missing_field, invalid_field */
	const char *message;
	const char *value; /* what was submitted, to show again (escaped) */
};
#define HTTP_MAX_FIELD_ERRORS 8

struct req {
	struct arena *arena;
	uint64_t id;
	enum http_method method;
	const char *method_name;
	const char *path;
	const struct route *route;
	const char *path_params[HTTP_MAX_PATH_PARAMS];
	struct http_param params[HTTP_MAX_PARAMS]; /* declared and validated only */
	size_t nparams;
	struct http_field_error errors[HTTP_MAX_FIELD_ERRORS];
	size_t nerrors;
	/* A BODY_RAW route's body (req_upload): the engine's, until the
	 * response is sent. */
	const unsigned char *upload;
	size_t upload_len;

	/* response */
	int status;
	const char *content_type;
	struct buf body;
	const void *static_body; /* set instead of body for constant data */
	size_t static_len;
	struct http_kv headers[HTTP_MAX_RESP_HEADERS];
	size_t nheaders;
	bool no_store; /* personal data: Cache-Control: no-store */
	/* Third-party origins this response may load scripts, images and
	 * connections from (a declared ad tag the visitor allows, src/web/ads.h),
	 * space-separated, or NULL: the CSP is the site's own. */
	const char *csp_sources;
	/* The caller's session, found by the gate on member and staff routes
	 * (session.h); NULL on routes anyone may call. */
	const struct session *session;

	void *engine; /* http.c's own connection state */
};

#endif
