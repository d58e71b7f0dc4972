/*
 * http: the HTTP engine adapter. The only file that includes
 * <microhttpd.h>: it turns libmicrohttpd's callbacks into struct req,
 * enforces the documented limits, hands what the request carries to
 * http_parse.c (form fields as libmicrohttpd's post processor decodes
 * them, the JSON body's bytes) to become its declared parameters, calls
 * the route's handler (on a hashing worker for ROUTE_SLOW routes) and
 * sends the response with the security headers every response carries.
 * It runs the site's listener and the metrics listener, each with its
 * peers (peers.h) for the per-client cap and the head deadline, which a
 * ticker sweeps.
 */
#include "http.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "err.h"
#include "http_parse.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "peers.h"
#include "route.h"
#include "text.h"
#include "thread_role.h"
#include "ticker.h"
#include "workers.h"

/* How often late heads are looked for: a head is cut at most this much
 * after its deadline. */
#define HTTP_SWEEP_MS 250
/* The hashing workers' niceness: with every core hashing, an event loop
 * that wakes for a page still gets a core within a millisecond or two,
 * while hashing keeps every cycle the event loops leave. */
#define HTTP_SLOW_NICE 10
/* The metrics listener serves a scraper or two, on one thread. */
#define HTTP_METRICS_THREADS	     1
#define HTTP_METRICS_MAX_CONNECTIONS 16

struct listener;

/* Where a ROUTE_SLOW request is: queued or running on a worker (the
 * connection suspended), or answered there and waiting to be sent. */
enum slow_state { SLOW_NONE, SLOW_QUEUED, SLOW_DONE };

struct conn_state {
	struct req req;
	struct listener *listener;
	struct MHD_Connection *conn;
	struct MHD_PostProcessor *pp;
	struct buf upload; /* JSON and raw bodies */
	struct http_form_field fields[HTTP_MAX_PARAMS];
	size_t nfields;
	uint64_t start_us;
	size_t uri_len;
	bool nul_in_path;  /* %00 in the path: decoded, it would cut the path short */
	size_t body_bytes; /* form bytes seen so far */
	bool started, responded, discard, too_large, bad_form;
	bool first_call; /* inside the headers-processed call */
	bool has_body;
	unsigned file_parts; /* occurrences of a PARAM_FILE field seen */
	bool deferred;	     /* answer ready, sent at the final call */
	enum slow_state slow;
	bool slow_first_call; /* dispatched to a worker from the first call */
};

/* One listening address: the site's, or the metrics listener. */
struct listener {
	struct http_server *server;
	struct MHD_Daemon *daemon;
	struct peers *peers;
	bool metrics; /* serves the ROUTE_METRICS routes, and only them */
};

struct http_server {
	struct listener site, metrics;
	struct workers *slow;	/* runs ROUTE_SLOW handlers */
	struct workers *images; /* runs ROUTE_IMAGE handlers */
	struct ticker *sweeper; /* cuts late heads */
	char *late_answer;	/* what a late head is sent (408) */
	size_t late_len;
};

static http_error_page_fn error_page;
static http_gate_fn gate;
static http_observe_fn observer;
static _Atomic uint64_t next_request_id;
static int unmatched_slot = -1;
static bool send_hsts;

/* Headers every response carries. The CSP allows no inline script and no
 * third-party origin; a page that may load a declared ad tag (with the
 * profile's and the visitor's leave, src/web/ads.h) names its origins in
 * r->csp_sources, and csp_widened adds them for that response only. */
#define CSP_HEADER 0 /* its index below */
static const struct http_kv security_headers[] = {
	{"Content-Security-Policy",
	 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	 "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "same-origin"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"},
};

/* The CSP with r->csp_sources added to script-src, img-src and
 * connect-src, in the request's arena. */
static const char *csp_widened(struct req *r)
{
	const char *o = r->csp_sources;
	size_t n = 3 * strlen(o) + 256;
	char *out = arena_alloc(r->arena, n);
	snprintf(out, n,
		 "default-src 'self'; script-src 'self' %s; style-src 'self'; img-src 'self' data: "
		 "%s; connect-src 'self' %s; object-src 'none'; base-uri 'none'; form-action "
		 "'self'; frame-ancestors 'none'",
		 o, o, o);
	return out;
}

uint64_t http_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void http_set_error_page(http_error_page_fn fn)
{
	error_page = fn;
}

void http_set_observer(http_observe_fn fn)
{
	observer = fn;
}

void http_set_gate(http_gate_fn fn)
{
	gate = fn;
}

/* ---- request accessors ---- */

const char *req_param(const struct req *r, const char *name)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return r->params[i].value;
	return NULL;
}

const unsigned char *req_upload(const struct req *r, size_t *len)
{
	*len = r->upload_len;
	return r->upload;
}

void req_param_set(struct req *r, const char *name, const char *value)
{
	struct http_param *p = NULL;
	for (size_t i = 0; i < r->nparams && !p; i++)
		if (strcmp(r->params[i].name, name) == 0)
			p = &r->params[i];
	if (!p) {
		if (r->nparams >= HTTP_MAX_PARAMS)
			return;
		p = &r->params[r->nparams++];
	}
	p->name = arena_strdup(r->arena, name);
	p->value = arena_strdup(r->arena, value);
	p->len = strlen(value);
}

const char *req_header(const struct req *r, const char *name)
{
	const struct conn_state *cs = r->engine;
	return MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, name);
}

const char *req_client_address(const struct req *r)
{
	const struct conn_state *cs = r->engine;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(cs->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char host[INET6_ADDRSTRLEN] = "unknown";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(const void *)sa)->sin_addr, host,
				  sizeof(host));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, host,
				  sizeof(host));
	}
	return arena_strdup(r->arena, host);
}

const char *req_cookie(const struct req *r, const char *name)
{
	const struct conn_state *cs = r->engine;
	return MHD_lookup_connection_value(cs->conn, MHD_COOKIE_KIND, name);
}

const char *req_body(const struct req *r, size_t *len)
{
	const struct conn_state *cs = r->engine;
	bool raw = r->route && r->route->body == BODY_RAW && cs->upload.data;
	*len = raw ? cs->upload.len : 0;
	return raw ? cs->upload.data : "";
}

/* ---- responses ---- */

void resp_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders >= HTTP_MAX_RESP_HEADERS) {
		log_error("response header table full (route %s)", r->route ? r->route->name : "-");
		return;
	}
	r->headers[r->nheaders].name = arena_strdup(r->arena, name);
	r->headers[r->nheaders].value = arena_strdup(r->arena, value);
	r->nheaders++;
}

void resp_body(struct req *r, int status, const char *type, const void *data, size_t len)
{
	r->status = status;
	r->content_type = type;
	r->static_body = NULL;
	buf_reset(&r->body);
	if (buf_append(&r->body, data, len) != 0)
		log_error("response body over its limit (route %s)",
			  r->route ? r->route->name : "-");
}

void resp_static(struct req *r, int status, const char *type, const void *data, size_t len)
{
	r->status = status;
	r->content_type = type;
	r->static_body = data;
	r->static_len = len;
}

void resp_json(struct req *r, int status, json_t *body)
{
	r->status = status;
	r->content_type = "application/json";
	r->static_body = NULL;
	buf_reset(&r->body);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text) {
		buf_puts(&r->body, text);
		free(text);
	}
}

static bool wants_json(const struct req *r)
{
	if (r->route)
		return (r->route->flags & ROUTE_API) != 0;
	return r->path && text_after(r->path, "/api/");
}

void resp_error(struct req *r, int status, const char *code, const char *message, const char *field)
{
	if (!wants_json(r) && error_page) {
		error_page(r, status, message);
		r->status = status;
		return;
	}
	json_t *err = json_pack("{s:{s:s,s:s,s:s?}}", "error", "code", code, "message", message,
				"field", field);
	if (!err) {
		/* Text JSON cannot hold (not UTF-8): the answer goes without it
		 * rather than with an empty body. */
		log_error("error answer %s holds text that is not UTF-8", code);
		err = json_pack("{s:{s:s,s:s,s:n}}", "error", "code", code, "message",
				err_row(ERR_INTERNAL)->message, "field");
	}
	resp_json(r, status, err);
}

void resp_failure(struct req *r, const struct failure *f)
{
	int64_t wait = err_retry_after(f);
	if (wait > 0) {
		char text[24];
		snprintf(text, sizeof(text), "%lld", (long long)wait);
		resp_header(r, "Retry-After", text);
	}
	resp_error(r, err_status(f), err_code(f), err_message(f), err_field(f));
}

/* ---- limits ---- */

struct header_tally {
	size_t count, bytes;
};

static enum MHD_Result tally_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct header_tally *t = cls;
	t->count++;
	t->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

static bool has_body(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
	return te != NULL || (cl != NULL && strcmp(cl, "0") != 0);
}

/* ---- sending ---- */

static enum MHD_Result queue_now(struct conn_state *cs)
{
	struct req *r = &cs->req;
	struct MHD_Response *resp;
	if (r->status == 0) {
		log_error("handler set no response (route %s)", r->route ? r->route->name : "-");
		struct failure f;
		err_fail(&f, ERR_INTERNAL);
		resp_failure(r, &f);
	}
	if (r->static_body) {
		resp = MHD_create_response_from_buffer(r->static_len, (void *)r->static_body,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		size_t len;
		char *data = buf_detach(&r->body, &len);
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(data);
	}
	if (!resp)
		return MHD_NO;
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		if (!r->csp_sources || i != CSP_HEADER)
			MHD_add_response_header(resp, security_headers[i].name,
						security_headers[i].value);
	if (r->csp_sources)
		MHD_add_response_header(resp, security_headers[CSP_HEADER].name, csp_widened(r));
	if (r->content_type)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	bool has_cache_control = false;
	for (size_t i = 0; i < r->nheaders; i++) {
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
		if (strcasecmp(r->headers[i].name, "Cache-Control") == 0)
			has_cache_control = true;
	}
	/* Dynamic answers are never cached unless the handler says otherwise:
	 * any of them may carry personal data now or after a later change. */
	if (r->no_store || !has_cache_control)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (send_hsts)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	char id[17];
	snprintf(id, sizeof(id), "%016" PRIx64, r->id);
	MHD_add_response_header(resp, "X-Request-Id", id);
	enum MHD_Result rc = MHD_queue_response(cs->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	cs->responded = true;
	return rc;
}

/*
 * libmicrohttpd closes the connection after a response queued before the
 * request was read to its end, even one with no body. A GET or HEAD without
 * a body is therefore answered at the engine's final call, so keep-alive
 * works. Anything else refused early is answered at once and the
 * connection closes, which is right for a body we will not read (and the
 * engine does not always make a final call for an unknown method).
 */
static enum MHD_Result send_response(struct conn_state *cs)
{
	bool safe = cs->req.method == HTTP_GET || cs->req.method == HTTP_HEAD;
	if (cs->first_call && !cs->has_body && safe) {
		cs->deferred = true;
		return MHD_YES;
	}
	return queue_now(cs);
}

/* Answers an error of the table, with a message of its own when not NULL. */
static enum MHD_Result refuse(struct conn_state *cs, enum err e, const char *message,
			      const char *field)
{
	struct failure f;
	err_fail(&f, e);
	if (message)
		snprintf(f.message, sizeof(f.message), "%s", message);
	f.field = field;
	resp_failure(&cs->req, &f);
	return send_response(cs);
}

/* ---- parameters (http_parse.c reads them; these answer its refusals) ---- */

static int refused(struct conn_state *cs, const struct failure *f)
{
	resp_failure(&cs->req, f);
	send_response(cs);
	return -1;
}

static bool query_arg(void *ctx, const char *name, const char **value, size_t *len)
{
	struct conn_state *cs = ctx;
	return MHD_lookup_connection_value_n(cs->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name),
					     value, len) == MHD_YES;
}

static int collect_query(struct conn_state *cs)
{
	struct failure f;
	return http_query_collect(&cs->req, query_arg, cs, &f) != 0 ? refused(cs, &f) : 0;
}

static enum MHD_Result form_iterator(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *filename, const char *content_type,
				     const char *transfer_encoding, const char *data, uint64_t off,
				     size_t size)
{
	struct conn_state *cs = cls;
	const struct param_spec *spec = key ? route_param(cs->req.route, key) : NULL;
	if (spec && (spec->flags & PARAM_FILE)) {
		/* The first occurrence's bytes, to the upload (req_upload). */
		if (off == 0)
			cs->file_parts++;
		if (cs->file_parts == 1 && size && buf_append(&cs->upload, data, size) != 0)
			cs->too_large = true;
		return MHD_YES;
	}
	http_form_piece(cs->fields, &cs->nfields, cs->req.route, key, data, off, size);
	return MHD_YES;
}

static int collect_form(struct conn_state *cs)
{
	struct failure f;
	return http_form_collect(&cs->req, cs->fields, cs->nfields, &f) != 0 ? refused(cs, &f) : 0;
}

static int collect_json(struct conn_state *cs)
{
	struct failure f;
	return http_json_collect(&cs->req, cs->upload.data, cs->upload.len, &f) != 0
		       ? refused(cs, &f)
		       : 0;
}

static int check_required(struct conn_state *cs)
{
	struct failure f;
	return http_required_check(&cs->req, &f) != 0 ? refused(cs, &f) : 0;
}

static int check_path(struct conn_state *cs)
{
	struct failure f;
	return http_path_check(&cs->req, &f) != 0 ? refused(cs, &f) : 0;
}

/* On a worker. The connection is suspended, so the request is this
 * thread's alone until it resumes; resuming hands it back to the event
 * loop, which may send the answer and free cs at once, so it is the last
 * thing done with cs. */
static void slow_run(void *arg)
{
	struct conn_state *cs = arg;
	struct MHD_Connection *conn = cs->conn;
	cs->req.route->handler(&cs->req);
	cs->slow = SLOW_DONE;
	MHD_resume_connection(conn);
}

/*
 * Hands a ROUTE_SLOW request to the workers. The connection is suspended
 * before the job is queued, so a worker never resumes a connection that is
 * not suspended yet. A full queue answers busy at once: the connection is
 * resumed straight away and the answer sent at the engine's next call.
 */
static enum MHD_Result dispatch_slow(struct conn_state *cs)
{
	bool image = (cs->req.route->flags & ROUTE_IMAGE) != 0;
	struct http_server *s = cs->listener->server;
	cs->slow_first_call = cs->first_call;
	cs->slow = SLOW_QUEUED;
	MHD_suspend_connection(cs->conn);
	if (workers_submit(image ? s->images : s->slow, slow_run, cs) == 0)
		return MHD_YES;
	metrics_count(image ? "image_queue_full" : "password_queue_full", 1);
	struct failure f;
	err_fail(&f, image ? ERR_IMAGES_BUSY : ERR_BUSY);
	resp_failure(&cs->req, &f);
	cs->slow = SLOW_DONE;
	MHD_resume_connection(cs->conn);
	return MHD_YES;
}

/* The engine's call after a worker has answered: the answer is sent as it
 * would have been had the handler run in the call that dispatched it. */
static enum MHD_Result slow_answered(struct conn_state *cs)
{
	cs->slow = SLOW_NONE;
	cs->first_call = cs->slow_first_call;
	enum MHD_Result rc = send_response(cs);
	cs->first_call = false;
	return rc;
}

static enum MHD_Result dispatch(struct conn_state *cs)
{
	if (check_path(cs) != 0)
		return MHD_YES;
	if (collect_query(cs) != 0)
		return MHD_YES;
	if (cs->req.route->body == BODY_FORM && collect_form(cs) != 0)
		return MHD_YES;
	if (cs->req.route->body == BODY_JSON && cs->req.method != HTTP_GET &&
	    cs->req.method != HTTP_HEAD && collect_json(cs) != 0)
		return MHD_YES;
	if (gate && !gate(&cs->req))
		return send_response(cs);
	if (check_required(cs) != 0)
		return MHD_YES;
	if (cs->req.route->body == BODY_UPLOAD || cs->req.route->body == BODY_FORM) {
		cs->req.upload = (const unsigned char *)cs->upload.data;
		cs->req.upload_len = cs->upload.len;
	}
	if (cs->req.route->flags & (ROUTE_SLOW | ROUTE_IMAGE))
		return dispatch_slow(cs);
	thread_role_event_loop_enter();
	cs->req.route->handler(&cs->req);
	thread_role_event_loop_leave();
	if (observer)
		observer(&cs->req);
	return send_response(cs);
}

static bool content_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);
	return ct && strncasecmp(ct, want, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Whether the route found (or, for a wrong method, the path's GET route)
 * is served on this listener: the metrics listener serves the
 * ROUTE_METRICS routes and nothing else, the site everything else. */
static bool on_this_listener(struct conn_state *cs, enum route_match m)
{
	struct req *r = &cs->req;
	const struct route *rt = r->route;
	const char *captures[HTTP_MAX_PATH_PARAMS];
	unsigned allowed;
	if (m == ROUTE_BAD_METHOD &&
	    route_find(r->path, HTTP_GET, r->arena, &rt, captures, &allowed) != ROUTE_FOUND)
		rt = NULL;
	bool metrics_route = rt && (rt->flags & ROUTE_METRICS);
	return metrics_route == cs->listener->metrics;
}

/* First call for a request: limits, routing, and the body's set-up. */
static enum MHD_Result begin(struct conn_state *cs, const char *url, const char *method)
{
	struct req *r = &cs->req;
	r->method = route_method_parse(method);
	r->method_name = route_method_name(r->method);
	r->path = arena_strdup(r->arena, url);
	if (cs->uri_len > HTTP_MAX_URI)
		return refuse(cs, ERR_URI_TOO_LONG, NULL, NULL);
	if (cs->nul_in_path)
		return refuse(cs, ERR_BAD_PATH, NULL, NULL);
	struct header_tally t = {0, 0};
	MHD_get_connection_values(cs->conn, MHD_HEADER_KIND, tally_header, &t);
	if (t.count > HTTP_MAX_HEADERS || t.bytes > HTTP_MAX_HEADER_BYTES)
		return refuse(cs, ERR_HEADERS_TOO_LARGE, NULL, NULL);
	unsigned allowed = 0;
	enum route_match m =
		route_find(r->path, r->method, r->arena, &r->route, r->path_params, &allowed);
	if (m != ROUTE_NOT_FOUND && !on_this_listener(cs, m)) {
		r->route = NULL;
		m = ROUTE_NOT_FOUND;
	}
	if (m == ROUTE_NOT_FOUND)
		return refuse(cs, ERR_NOT_FOUND, NULL, NULL);
	if (m == ROUTE_BAD_METHOD) {
		char allow[64];
		route_allow_header(allowed, allow, sizeof(allow));
		resp_header(r, "Allow", allow);
		return refuse(cs, ERR_METHOD_NOT_ALLOWED, NULL, NULL);
	}
	if (r->route->flags & ROUTE_PERSONAL)
		r->no_store = true;
	bool body = cs->has_body;
	if (r->route->body == BODY_NONE || r->method == HTTP_GET || r->method == HTTP_HEAD) {
		if (!body)
			return dispatch(cs);
		cs->discard = true; /* a body nobody asked for is read and dropped */
		return MHD_YES;
	}
	const char *cl = MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, "Content-Length");
	if (cl) {
		char *end;
		unsigned long long n = strtoull(cl, &end, 10);
		if (*end || n > route_body_max(r->route))
			return refuse(cs, ERR_BODY_TOO_LARGE, NULL, NULL);
	}
	const char *ct = MHD_lookup_connection_value(cs->conn, MHD_HEADER_KIND, "Content-Type");
	if (r->route->body == BODY_JSON || r->route->body == BODY_RAW) {
		if (!content_type_is(ct, "application/json"))
			return refuse(cs, ERR_UNSUPPORTED_MEDIA_TYPE,
				      "The request body must be application/json.", NULL);
		buf_init(&cs->upload, route_body_max(r->route));
		return MHD_YES;
	}
	/* An upload's declared type is not trusted: its handler reads the bytes. */
	if (r->route->body == BODY_UPLOAD) {
		buf_init(&cs->upload, route_body_max(r->route));
		return MHD_YES;
	}
	if (!content_type_is(ct, "application/x-www-form-urlencoded") &&
	    !content_type_is(ct, "multipart/form-data"))
		return refuse(cs, ERR_UNSUPPORTED_MEDIA_TYPE, "The request body must be a form.",
			      NULL);
	buf_init(&cs->upload, route_body_max(r->route)); /* a file field's bytes */
	cs->pp = MHD_create_post_processor(cs->conn, 16 * 1024, form_iterator, cs);
	if (!cs->pp)
		return refuse(cs, ERR_BAD_FORM, NULL, NULL);
	return MHD_YES;
}

/* The connection's entry in its listener's peers (NULL before it has one). */
static struct peer *conn_peer(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct conn_state *cs = *con_cls;
	if (!cs)
		return MHD_NO;
	if (!cs->started) {
		/* The head is complete: unless the deadline cut it already. */
		struct peer *p = conn_peer(conn);
		if (p && !peers_head_done(p))
			return MHD_NO;
		cs->started = true;
		cs->conn = conn;
		cs->has_body = has_body(conn);
		cs->first_call = true;
		enum MHD_Result rc = begin(cs, url, method);
		cs->first_call = false;
		return rc;
	}
	if (cs->slow == SLOW_DONE) {
		*upload_data_size = 0;
		return slow_answered(cs);
	}
	if (cs->deferred) {
		cs->deferred = false;
		*upload_data_size = 0;
		return queue_now(cs);
	}
	if (cs->responded) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!cs->discard && cs->pp) {
			if (MHD_post_process(cs->pp, upload_data, *upload_data_size) != MHD_YES) {
				cs->bad_form = true;
				cs->discard = true;
			}
			cs->body_bytes += *upload_data_size;
			if (cs->body_bytes > route_body_max(cs->req.route)) {
				cs->too_large = true;
				cs->discard = true;
			}
		} else if (!cs->discard &&
			   (cs->req.route->body == BODY_JSON || cs->req.route->body == BODY_RAW ||
			    cs->req.route->body == BODY_UPLOAD)) {
			if (buf_append(&cs->upload, upload_data, *upload_data_size) != 0) {
				cs->too_large = true;
				cs->discard = true;
			}
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cs->too_large)
		return refuse(cs, ERR_BODY_TOO_LARGE, NULL, NULL);
	if (cs->bad_form)
		return refuse(cs, ERR_BAD_FORM, NULL, NULL);
	return dispatch(cs);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_state *cs = xcalloc(1, sizeof(*cs));
	cs->listener = cls;
	cs->req.arena = arena_new(HTTP_ARENA_CAP);
	cs->req.engine = cs;
	cs->req.id = atomic_fetch_add(&next_request_id, 1);
	cs->start_us = http_now_us();
	cs->uri_len = uri ? strlen(uri) : 0;
	cs->nul_in_path = uri && http_target_has_nul(uri);
	buf_init(&cs->req.body, 0);
	buf_reserve(&cs->req.body, 8192); /* most pages fit: no regrowth */
	buf_init(&cs->upload, 1);
	return cs;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;
	if (!cs)
		return;
	*con_cls = NULL;
	struct req *r = &cs->req;
	uint64_t now = http_now_us(), us = now - cs->start_us;
	/* A kept-alive connection's next head is due from now on. */
	struct peer *p = conn_peer(conn);
	if (p)
		peers_head_wait(p, now);
	if (cs->started) {
		int slot = r->route ? r->route->metrics_slot : unmatched_slot;
		int status = cs->responded ? r->status : 0;
		metrics_observe_request(slot, status, us);
		log_request(r->id, r->method_name ? r->method_name : "-",
			    r->route ? r->route->name : "-", status, us);
	}
	if (cs->pp)
		MHD_destroy_post_processor(cs->pp);
	for (size_t i = 0; i < cs->nfields; i++)
		buf_release(&cs->fields[i].value);
	buf_release(&cs->upload);
	buf_release(&r->body);
	arena_free(r->arena);
	free(cs);
}

static void on_engine_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_engine_log(void *cls, const char *fmt, va_list ap)
{
	/* Engine messages can name a client address: kept at debug level. */
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	log_debug("http engine: %s", line);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, char *err,
			size_t errlen)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen || !colon[1]) {
		snprintf(err, errlen, "listen address must be HOST:PORT");
		return -1;
	}
	size_t hlen = (size_t)(colon - listen);
	if (listen[0] == '[' && hlen >= 2 && listen[hlen - 1] == ']') {
		listen++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "listen host is too long");
		return -1;
	}
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "cannot resolve listen address: %s", gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Accept policy: a client address at its cap is refused before any byte
 * is read. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct listener *l = cls;
	if (peers_admit(l->peers, addr))
		return MHD_YES;
	metrics_count("connections_refused_per_client", 1);
	return MHD_NO;
}

/* A connection opens or closes: its entry in the listener's peers. The
 * engine reports the close before it closes the socket. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = cls;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (*socket_context)
			peers_close(l->peers, *socket_context);
		*socket_context = NULL;
		return;
	}
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *addr =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd)
		*socket_context = peers_open(l->peers, addr ? addr->client_addr : NULL,
					     fd->connect_fd, http_now_us());
}

static void sweep_tick(void *arg)
{
	struct http_server *s = arg;
	uint64_t now = http_now_us();
	unsigned cut = peers_sweep(s->site.peers, now);
	if (s->metrics.peers)
		cut += peers_sweep(s->metrics.peers, now);
	if (cut)
		metrics_count("head_timeouts", cut);
}

/* What a late head is sent: 408 with no body (the head never arrived, so
 * nobody knows whether a page or JSON was wanted), with the headers every
 * response carries, and the connection closes. */
static void late_answer_make(struct http_server *s)
{
	struct buf b;
	buf_init(&b, 0);
	buf_puts(&b, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n"
		     "Cache-Control: no-store\r\n");
	for (size_t i = 0; i < ARRAY_LEN(security_headers); i++)
		buf_printf(&b, "%s: %s\r\n", security_headers[i].name, security_headers[i].value);
	if (send_hsts)
		buf_puts(&b, "Strict-Transport-Security: max-age=31536000\r\n");
	buf_puts(&b, "\r\n");
	s->late_answer = buf_detach(&b, &s->late_len);
}

struct listen_spec {
	const char *address;
	unsigned threads, max_connections, per_client;
};

static int listener_start(struct http_server *s, struct listener *l, const struct listen_spec *ls,
			  const struct http_options *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (parse_listen(ls->address, &ss, &sslen, err, errlen) != 0)
		return -1;
	l->server = s;
	l->peers = peers_new(ls->per_client, o->head_timeout, s->late_answer, s->late_len);
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
			 MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_OptionItem opts[] = {
		/* First, so the engine's remarks on the options below go to our log. */
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_engine_log, NULL},
		{MHD_OPTION_SOCK_ADDR, 0, &ss},
		{MHD_OPTION_THREAD_POOL_SIZE, ls->threads, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, ls->max_connections, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, o->idle_timeout, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, 2 * HTTP_MAX_HEADER_BYTES, NULL},
		{MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
		{MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, l},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, l},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, l},
		{MHD_OPTION_END, 0, NULL},
	};
	l->daemon = MHD_start_daemon(flags, 0, on_accept, l, on_request, l, MHD_OPTION_ARRAY, opts,
				     MHD_OPTION_END);
	if (!l->daemon) {
		snprintf(err, errlen, "cannot listen on %s (in use, or not allowed)", ls->address);
		return -1;
	}
	return 0;
}

int http_start(const struct http_options *o, struct http_server **out, char *err, size_t errlen)
{
	send_hsts = o->hsts;
	if (unmatched_slot < 0)
		unmatched_slot = metrics_route_slot("-");
	uint64_t seed;
	FILE *ur = fopen("/dev/urandom", "rb");
	if (ur && fread(&seed, sizeof(seed), 1, ur) == 1)
		atomic_store(&next_request_id, seed);
	if (ur)
		fclose(ur);
	struct http_server *s = xcalloc(1, sizeof(*s));
	late_answer_make(s);
	s->metrics.metrics = true;
	s->slow = workers_start(o->slow_workers, o->slow_queue, HTTP_SLOW_NICE);
	s->images = workers_start(o->image_workers, o->image_queue, HTTP_SLOW_NICE);
	struct listen_spec site = {o->listen, o->threads, o->max_connections, o->per_client};
	struct listen_spec metrics = {o->metrics_listen, HTTP_METRICS_THREADS,
				      HTTP_METRICS_MAX_CONNECTIONS, 0};
	if (!s->slow || !s->images) {
		snprintf(err, errlen, "cannot start the password-hashing or image workers");
		goto fail;
	}
	if (listener_start(s, &s->site, &site, o, err, errlen) != 0)
		goto fail;
	if (o->metrics_listen && *o->metrics_listen &&
	    listener_start(s, &s->metrics, &metrics, o, err, errlen) != 0)
		goto fail;
	if (o->head_timeout && !(s->sweeper = ticker_start(HTTP_SWEEP_MS, false, sweep_tick, s))) {
		snprintf(err, errlen, "cannot start the head deadline's sweeper");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	http_stop(s);
	return -1;
}

/*
 * The order matters: the sweeper stops first (it writes to the listeners'
 * sockets); the workers then run what they hold, each resuming its
 * connection (libmicrohttpd refuses to stop with a connection suspended;
 * a request that finds the workers draining is answered busy and resumed
 * at once); then the listeners, whose closing connections leave their
 * peers; the workers' pool is freed last, as the event loops use it until
 * they stop.
 */
void http_stop(struct http_server *s)
{
	if (!s)
		return;
	ticker_stop(s->sweeper);
	if (s->slow)
		workers_drain(s->slow);
	if (s->images)
		workers_drain(s->images);
	struct listener *all[] = {&s->site, &s->metrics};
	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		if (all[i]->daemon)
			MHD_stop_daemon(all[i]->daemon);
		peers_free(all[i]->peers);
	}
	workers_free(s->slow);
	workers_free(s->images);
	free(s->late_answer);
	free(s);
}
