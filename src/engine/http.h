/*
 * http: glovebox's own request/response API. http.c is the only file that
 * knows the HTTP engine (libmicrohttpd); handlers see struct req only, so
 * the engine stays replaceable.
 *
 * Limits (documented in docs/api.md): request line URI 2048 bytes (414),
 * header section 16 KiB and 64 fields (431), body per route (413), idle
 * connections closed after idle-timeout seconds, a request head not
 * complete within head-timeout seconds answered 408 and closed, at most
 * max-connections-per-client connections from one address (peers.h).
 *
 * A route flagged ROUTE_SLOW (its handler hashes or checks a password)
 * does not run on an event loop: once its parameters and the gate have
 * passed, the connection is suspended, the handler runs on one of a fixed
 * number of hashing workers (workers.h), and the answer is sent when the
 * connection resumes. The request belongs to one thread at a time: the
 * event loop until it suspends, the worker until it resumes. When the
 * workers' queue is full the request is answered 503 `busy` at once.
 *
 * Routes flagged ROUTE_METRICS are served by a listener of their own
 * (http_options.metrics_listen), and only there.
 */
#ifndef GLOVEBOX_HTTP_H
#define GLOVEBOX_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "req.h"
#include "route.h"

#define HTTP_MAX_URI	      2048
#define HTTP_MAX_HEADER_BYTES (16 * 1024)
#define HTTP_MAX_HEADERS      64
#define HTTP_ARENA_CAP	      (8u * 1024 * 1024)

/* Request accessors: only what the route declared reaches a handler through
 * req_param; headers and cookies are read by name. */
const char *req_param(const struct req *r, const char *name);
/* A BODY_RAW route's body as sent (at most the route's body_max bytes):
 * the engine's memory, valid until the response is sent. */
const unsigned char *req_upload(const struct req *r, size_t *len);
/* Sets a parameter a handler derived from declared ones (copied), replacing
 * one of the same name. */
void req_param_set(struct req *r, const char *name, const char *value);
const char *req_header(const struct req *r, const char *name);
const char *req_cookie(const struct req *r, const char *name);
/* A BODY_RAW route's body as received (NUL-terminated), *len its length;
 * "" on any other route. */
const char *req_body(const struct req *r, size_t *len);
/* The peer's address as text (never log it: it is personal data). */
const char *req_client_address(const struct req *r);

/* Responses. The value strings are copied. */
void resp_header(struct req *r, const char *name, const char *value);
void resp_body(struct req *r, int status, const char *type, const void *data, size_t len);
void resp_static(struct req *r, int status, const char *type, const void *data, size_t len);
void resp_json(struct req *r, int status, json_t *body); /* takes ownership of body */
/* JSON error {"error":{"code","message","field"}} for API routes, the HTML
 * error page otherwise. field may be NULL. */
void resp_error(struct req *r, int status, const char *code, const char *message,
		const char *field);
/* The same for an error of the table (err.h), with Retry-After when its row
 * (or the failure) says so. */
struct failure;
void resp_failure(struct req *r, const struct failure *f);

/* Server lifecycle. */
struct http_server;
struct http_options {
	const char *listen;
	unsigned threads;
	unsigned max_connections;
	unsigned idle_timeout;
	unsigned head_timeout;	    /* seconds for a whole request head; 0: none */
	unsigned per_client;	    /* open connections per client address; 0: no cap */
	unsigned slow_workers;	    /* threads running ROUTE_SLOW handlers */
	unsigned slow_queue;	    /* ROUTE_SLOW requests waiting for one, at most */
	unsigned image_workers;	    /* threads running ROUTE_IMAGE handlers */
	unsigned image_queue;	    /* ROUTE_IMAGE requests waiting for one, at most */
	const char *metrics_listen; /* HOST:PORT for ROUTE_METRICS routes; "" or NULL: none */
	bool hsts;		    /* served over TLS: send Strict-Transport-Security */
};
int http_start(const struct http_options *o, struct http_server **out, char *err, size_t errlen);
void http_stop(struct http_server *s);

/* Renders an HTML error page; set by the pages module so http.c needs no templates. */
typedef void (*http_error_page_fn)(struct req *r, int status, const char *message);
void http_set_error_page(http_error_page_fn fn);

/* Decides whether the caller may use the route (its access declaration):
 * true to go on to the handler, false when it has answered. Installed by
 * the server (gate.h), run after the parameters are read and before any
 * handler. */
typedef bool (*http_gate_fn)(struct req *r);
void http_set_gate(http_gate_fn fn);

/* Sees each request whose handler answered on an event loop, once the
 * response is filled and before it is sent: installed by the server (the
 * visit counter, docs/visits.md). It runs on the event loop, so it must
 * not block: no store, no lock held for long. */
typedef void (*http_observe_fn)(const struct req *r);
void http_set_observer(http_observe_fn fn);

uint64_t http_now_us(void);

#endif
