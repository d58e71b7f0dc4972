/*
 * route: the route table and parameter declarations. Each route names its
 * methods, its path pattern (":name" segments capture), its body kind and
 * size limit, the parameters it accepts with a validator each, and who may
 * call it. Undeclared parameters never reach a handler: query and form
 * fields that are not declared are dropped; an undeclared JSON member is
 * refused. Who may call a route is checked once, by the gate the server
 * installs (http_set_gate), before the handler runs.
 */
#ifndef GLOVEBOX_ROUTE_H
#define GLOVEBOX_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_PATH_PARAMS 4

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_PATCH = 1 << 4,
	HTTP_DELETE = 1 << 5,
	HTTP_OTHER = 1 << 6,
};

struct req;
struct arena;

/* A validator returns NULL when the value is acceptable, else a short
 * message for the user ("is not a valid e-mail address"). */
typedef const char *(*param_check_fn)(const char *value, size_t len);

enum param_flags {
	PARAM_REQUIRED = 1 << 0,
	PARAM_QUERY = 1 << 1,	  /* from the query string */
	PARAM_BODY = 1 << 2,	  /* from the form or JSON body */
	PARAM_JSON_BOOL = 1 << 3, /* JSON true/false, seen as "true"/"false" */
	PARAM_JSON_INT = 1 << 4,  /* JSON integer, seen as decimal text */
	PARAM_PATH = 1 << 5,	  /* a ":name" segment of the pattern, in order */
	PARAM_LIST = 1 << 6,	  /* a form field that repeats (checkboxes): values joined by ',' */
	/* A multipart form's file field: its bytes, whatever they are, go
	 * whole to req_upload() (the first occurrence, up to the route's body
	 * limit), never to the parameters; max_len and check are not used. */
	PARAM_FILE = 1 << 7,
};

struct param_spec {
	const char *name;
	unsigned flags;
	size_t max_len;	      /* bytes */
	param_check_fn check; /* NULL: any valid UTF-8 without control characters */
};

/* BODY_RAW: an application/json body the handler reads whole and unparsed
 * (req_body), for a caller that signs the exact bytes (a processor's
 * webhook); it declares no parameters of the body. */
/* BODY_UPLOAD: the body's bytes as sent (an upload), whatever its declared
 * type, for the handler to read with req_upload(); no parameters come
 * from it. A form's file field reaches req_upload() too (PARAM_FILE). */
enum body_kind { BODY_NONE, BODY_FORM, BODY_JSON, BODY_RAW, BODY_UPLOAD };

enum route_flags {
	ROUTE_API = 1 << 0,	    /* JSON errors */
	ROUTE_PERSONAL = 1 << 1,    /* carries personal data: no-store */
	ROUTE_FORM_ERRORS = 1 << 2, /* the handler gets r->errors and re-shows its form */
	/* A state-changing request from another site is taken (one-click
	 * unsubscribe, RFC 8058); every other route refuses it. */
	ROUTE_CROSS_SITE = 1 << 3,
	/* A form that starts a session (sign-in, sign-up): its page sets a
	 * pre-session token (a cookie of its own, and the form's csrf_token
	 * field), and its post must echo it, so no other site can sign a
	 * browser in to an account of its choosing (login CSRF). */
	ROUTE_PRESESSION = 1 << 4,
	/* The handler hashes or checks a password: it runs on the hashing
	 * workers, never on an event loop (http.h). */
	ROUTE_SLOW = 1 << 5,
	/* Served on the metrics listener only; the site's listener answers 404. */
	ROUTE_METRICS = 1 << 6,
	/* A page that may carry the profile's third-party ad tags (INS11,
	 * src/web/ads.h): one anyone may open that takes and shows no personal
	 * data. Listed, not inferred, so no new page gets a third-party script
	 * by default. */
	ROUTE_AD_TAGS = 1 << 7,
	/* A staff route that also needs the password entered within the
	 * profile's reauth_minutes (ACCESS_MEMBER_RECENT's level, for staff):
	 * the admin console's changes to staff accounts. */
	ROUTE_RECENT = 1 << 8,
	/* The handler decodes an image: it runs on the image workers, a pool
	 * of its own, never on an event loop nor on the hashing workers. */
	ROUTE_IMAGE = 1 << 9,
};

/* A limit per client address that routes count against together (a form
 * and the API call it stands for name the same one): at most *per_window
 * hits in each window of window_seconds; past it the gate answers 429 with
 * Retry-After, or the form again with the message. per_window points at a
 * configuration setting; 0 there means no limit. */
struct route_limit {
	const char *name; /* the counters' scope; also `glovebox routes` */
	const long *per_window;
	long window_seconds;
};

/* Who may call a route. A state-changing request (any method but GET and
 * HEAD) on a member or staff route also needs the session's CSRF token;
 * on any route, it must not come from another site (ROUTE_CROSS_SITE). */
enum route_access {
	ACCESS_ANYONE = 0,    /* no session needed */
	ACCESS_MEMBER,	      /* a member's session */
	ACCESS_MEMBER_RECENT, /* ... with a password entered within the profile's window (NAM14) */
	ACCESS_STAFF,	      /* a staff session whose role grants the route's purpose */
};

/* For ACCESS_STAFF: which purpose the role must grant. */
enum route_purpose {
	PURPOSE_ANY_ROLE = 0,  /* none in particular: any staff member */
	PURPOSE_OF_COLLECTION, /* the purpose the profile's collection point `purpose` serves */
	PURPOSE_OF_KIND,       /* some purpose of the kind named `purpose` ("communication") */
	PURPOSE_IN_PARAM,      /* the purpose the request names in its parameter `purpose` */
};

typedef void (*route_handler_fn)(struct req *r);

struct route {
	unsigned methods;    /* enum http_method bits */
	const char *pattern; /* "/api/v1/contact", "/privacy/v/:version" */
	route_handler_fn handler;
	enum body_kind body;
	size_t body_max;
	/* When set, the body's limit is this configuration setting, in KiB,
	 * instead of body_max: an upload's, which the operator sizes. */
	const long *body_max_kib;
	unsigned flags;
	/* The parameters, each list ending with {0}: a list shared with the
	 * route's twin (a form and the API call it stands for declare their
	 * common fields once), and what only this route takes. */
	const struct param_spec *params;
	const struct param_spec *extra;
	enum route_access access;
	enum route_purpose purpose_from;
	const char *purpose; /* a collection point, a purpose kind or a parameter */
	/* Every route that sends mail or stores text counts against one. */
	const struct route_limit *limit;
	/* NULL: the route always exists. Else it exists only while this says
	 * so (a feature the profile in force lacks): the gate answers 404
	 * before any other check. */
	bool (*offered)(void);
	const char *name; /* for logs and metrics; default: pattern */
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

/* The declaration of parameter name on the route, or NULL. A form body's
 * csrf_token is declared on every form route. */
const struct param_spec *route_param(const struct route *rt, const char *name);
/* Calls fn for each declared parameter of the route (both lists). */
void route_params_each(const struct route *rt, void (*fn)(const struct param_spec *p, void *ctx),
		       void *ctx);

/* True for a method that changes state (anything but GET and HEAD). */
int route_changes_state(enum http_method m);

/* Checks one value against its declaration; NULL if fine, else the message. */
const char *route_check_param(const struct param_spec *p, const char *value, size_t len);

/* The most bytes the route's body may hold. */
size_t route_body_max(const struct route *rt);

/* Registers metrics slots; call once at start. */
void route_init(void);

/* "GET, HEAD, POST" for an Allow header. */
void route_allow_header(unsigned methods, char *out, size_t n);
const char *route_method_name(enum http_method m);     /* "OTHER" for an unknown one */
enum http_method route_method_parse(const char *name); /* HTTP_OTHER for an unknown one */
const char *route_access_name(enum route_access a);
const char *route_purpose_name(enum route_purpose p);

#endif
