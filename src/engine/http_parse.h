/*
 * http_parse: turning what a request carries into the parameters its route
 * declares, without the HTTP engine. http.c hands over the pieces the
 * engine decoded (the path's captures, query arguments, form fields as the
 * post processor delivers them, the JSON body's bytes); these functions
 * check each against its declaration and fill r->params, or r->errors on a
 * route that re-shows its form (ROUTE_FORM_ERRORS). Kept apart from http.c
 * so that the fuzzers (tests/fuzz/) reach every parser of our own.
 *
 * Each function that can refuse returns 0, or -1 with *f set to the answer
 * (400 and the field, or 404 for a bad path capture); the caller sends it.
 */
#ifndef GLOVEBOX_HTTP_PARSE_H
#define GLOVEBOX_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "req.h"

struct failure;

/* An unknown JSON member's name is echoed in the error's field, cut to at
 * most this many bytes (at a character boundary). */
#define HTTP_ECHO_KEY_MAX 64

/* A form field being collected: its declaration and the value so far
 * (capped at the declared length; past it, too_long). */
struct http_form_field {
	const struct param_spec *spec;
	struct buf value;
	bool too_long;
	bool skipping; /* the occurrence arriving is a repeat that does not count */
};

/*
 * One piece of a form field as the engine's post processor delivers it:
 * data belongs at offset off of the value of field key (off 0 begins an
 * occurrence). Undeclared fields are dropped; of a repeated field the first
 * occurrence counts, unless it is declared PARAM_LIST (occurrences joined
 * by ','). fields holds at most HTTP_MAX_PARAMS; *nfields counts them. The
 * caller releases each field's value.
 */
void http_form_piece(struct http_form_field *fields, size_t *nfields, const struct route *rt,
		     const char *key, const char *data, uint64_t off, size_t size);
/* Checks the collected fields and adds them to r's parameters. */
int http_form_collect(struct req *r, const struct http_form_field *fields, size_t nfields,
		      struct failure *f);

/* Parses a JSON body (len bytes) against r's route: an object whose members
 * are all declared body parameters of the right type. */
int http_json_collect(struct req *r, const char *body, size_t len, struct failure *f);

/* Looks up query argument name: true with its value and length if present. */
typedef bool (*http_query_fn)(void *ctx, const char *name, const char **value, size_t *len);
/* Adds the route's declared query parameters that lookup finds. */
int http_query_collect(struct req *r, http_query_fn lookup, void *ctx, struct failure *f);

/* Checks the path's captures (r->path_params) against the route's PARAM_PATH
 * declarations: a bad one means the address does not exist (404). */
int http_path_check(struct req *r, struct failure *f);

/* Refuses a request that lacks a required parameter the route declares. */
int http_required_check(struct req *r, struct failure *f);

/* Checks one value against its declaration and adds it to r's parameters
 * (a form's checkbox becomes "true" or "false" on the way). */
int http_param_add(struct req *r, const struct param_spec *spec, const char *value, size_t len,
		   struct failure *f);

/* True when the request target as received (before percent-decoding) has an
 * encoded NUL (%00) in its path: decoded, it would cut the path short. */
bool http_target_has_nul(const char *target);

/* The length of the longest prefix of s (len bytes) of at most max bytes
 * that does not end inside a UTF-8 sequence. */
size_t http_utf8_cut(const char *s, size_t len, size_t max);

#endif
