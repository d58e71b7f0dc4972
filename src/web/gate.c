/*
 * gate: the checks every route gets before its handler (see gate.h).
 */
#include "gate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "err.h"
#include "gpc.h"
#include "mem.h"
#include "page.h"
#include "policy.h"
#include "ratelimit.h"
#include "session.h"
#include "text.h"
#include "token.h"

/* The pre-session token's cookie (ROUTE_PRESESSION), and the form field
 * that echoes it: the field every form has for its CSRF token. */
#define PRESESSION_COOKIE     "gb_presession"
#define PRESESSION_COOKIE_TLS "__Host-gb_presession"
#define PRESESSION_FIELD      "csrf_token"
/* The longest origin compared ("scheme://host:port"): a DNS name is at
 * most 253 bytes. */
#define ORIGIN_MAX 320
#define COOKIE_MAX 128

/* A refusal: the JSON error on API routes; on pages a sign-in redirect for
 * someone not signed in, /me for a member's stale password (the prompt is
 * there) and /staff/reauth for a staff member's, else the error page. */
static bool refuse_failure(struct req *r, const struct failure *f)
{
	bool api = (r->route->flags & ROUTE_API) != 0;
	enum err e = f->err;
	if (!api && (e == ERR_NOT_SIGNED_IN || e == ERR_STAFF_NOT_SIGNED_IN || e == ERR_REAUTH)) {
		bool staff = r->route->access == ACCESS_STAFF;
		page_redirect(r, e == ERR_NOT_SIGNED_IN		? "/signin"
				 : e == ERR_STAFF_NOT_SIGNED_IN ? "/staff/signin"
				 : staff			? "/staff/reauth"
								: "/me");
		return false;
	}
	resp_failure(r, f);
	return false;
}

static bool refuse(struct req *r, enum err e)
{
	struct failure f;
	err_fail(&f, e);
	return refuse_failure(r, &f);
}

/* ---- requests from another site ---- */

/* The port a scheme means when none is written. */
static const struct {
	const char *scheme, *port;
} default_ports[] = {{"http", "80"}, {"https", "443"}};

static bool is_default_port(const char *scheme, size_t scheme_len, const char *port,
			    size_t port_len)
{
	if (port_len == 0)
		return true;
	for (size_t i = 0; i < ARRAY_LEN(default_ports); i++)
		if (strlen(default_ports[i].scheme) == scheme_len &&
		    strncasecmp(scheme, default_ports[i].scheme, scheme_len) == 0 &&
		    strlen(default_ports[i].port) == port_len &&
		    strncmp(port, default_ports[i].port, port_len) == 0)
			return true;
	return false;
}

/*
 * "scheme://host[:port]" of a URL or of an Origin header into out, lower
 * case, without the scheme's default port; false when text is no such
 * thing (no scheme or host, user information, the Origin "null").
 */
static bool origin_of(const char *text, char *out, size_t n)
{
	const char *sep = strstr(text, "://");
	if (!sep || sep == text)
		return false;
	size_t scheme_len = (size_t)(sep - text);
	const char *host = sep + LITERAL_LEN("://");
	size_t len = strcspn(host, "/?#");
	if (len == 0 || memchr(host, '@', len))
		return false;
	/* The port follows the last ':', outside an IPv6 literal's brackets. */
	const char *end = host + len, *from = host, *colon = NULL;
	if (host[0] == '[' && !(from = memchr(host, ']', len)))
		return false;
	for (const char *p = from; p < end; p++)
		if (*p == ':')
			colon = p;
	size_t host_len = colon ? (size_t)(colon - host) : len;
	const char *port = colon ? colon + 1 : end;
	size_t port_len = (size_t)(end - port);
	if (host_len == 0)
		return false;
	if (is_default_port(text, scheme_len, port, port_len))
		port_len = 0;
	int w = snprintf(out, n, "%.*s://%.*s%s%.*s", (int)scheme_len, text, (int)host_len, host,
			 port_len ? ":" : "", (int)port_len, port);
	if (w < 0 || (size_t)w >= n)
		return false;
	for (char *p = out; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	return true;
}

/* The site's own origin: site-url's when the operator gave one, else the
 * request's Host under the scheme the site is served with. */
static bool own_origin(const struct req *r, char *out, size_t n)
{
	if (app.cfg.site_url_given)
		return origin_of(app.cfg.site_url, out, n);
	const char *host = req_header(r, "Host");
	char url[ORIGIN_MAX];
	if (!host || !*host)
		return false;
	int w = snprintf(url, sizeof(url), "%s://%s", app.cfg.behind_tls ? "https" : "http", host);
	return w > 0 && (size_t)w < sizeof(url) && origin_of(url, out, n);
}

/* A browser says so (Sec-Fetch-Site), or names an origin not the site's
 * own. A request with neither (an API client, curl) is not from a page. */
static bool from_another_site(const struct req *r)
{
	const char *site = req_header(r, "Sec-Fetch-Site");
	if (site && strcasecmp(site, "cross-site") == 0)
		return true;
	const char *origin = req_header(r, "Origin");
	if (!origin)
		return false;
	char theirs[ORIGIN_MAX], ours[ORIGIN_MAX];
	return !origin_of(origin, theirs, sizeof(theirs)) || !own_origin(r, ours, sizeof(ours)) ||
	       strcmp(theirs, ours) != 0;
}

/* ---- the pre-session token (login CSRF) ---- */

static const char *presession_cookie(void)
{
	return app.cfg.behind_tls ? PRESESSION_COOKIE_TLS : PRESESSION_COOKIE;
}

/* The browser's pre-session token, made and set now when it has none. It
 * lives as long as the browser session; SameSite=Lax, so that arriving by
 * a link from elsewhere keeps the one an open form already holds. */
static const char *presession_token(struct req *r)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	const char *have = req_cookie(r, presession_cookie());
	if (have && token_hash(have, hash))
		return have;
	char *fresh = arena_alloc(r->arena, TOKEN_CHARS + 1);
	token_new(fresh, hash);
	char cookie[COOKIE_MAX];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Lax%s",
		 presession_cookie(), fresh, app.cfg.behind_tls ? "; Secure" : "");
	resp_header(r, "Set-Cookie", cookie);
	return fresh;
}

/* The form echoes the browser's pre-session cookie. */
static bool presession_echoed(const struct req *r)
{
	const char *have = req_cookie(r, presession_cookie());
	const char *sent = req_param(r, PRESESSION_FIELD);
	return have && sent && strlen(have) == TOKEN_CHARS && strlen(sent) == TOKEN_CHARS &&
	       crypto_equal(have, sent, TOKEN_CHARS);
}

/* ---- who may call ---- */

const char *gate_route_purpose(const struct req *r)
{
	const struct route *rt = r->route;
	switch (rt->purpose_from) {
	case PURPOSE_OF_COLLECTION:
		return policy_collection_purpose(app.policy, rt->purpose);
	case PURPOSE_IN_PARAM:
		return req_param(r, rt->purpose);
	case PURPOSE_OF_KIND:
	case PURPOSE_ANY_ROLE:
		return NULL;
	}
	return NULL;
}

/* Whether the staff session's role may use this route. */
static enum err staff_allowed(const struct req *r, const struct session *s)
{
	const struct route *rt = r->route;
	switch (rt->purpose_from) {
	case PURPOSE_ANY_ROLE:
		return ERR_NONE;
	case PURPOSE_OF_KIND:
		return policy_role_grants_kind(app.policy, s->role, rt->purpose) ? ERR_NONE
										 : ERR_ROLE;
	case PURPOSE_OF_COLLECTION: {
		const char *purpose = gate_route_purpose(r);
		if (!purpose)
			return ERR_NOT_FOUND; /* the profile has no such feature */
		return policy_role_grants(app.policy, s->role, purpose) ? ERR_NONE : ERR_ROLE;
	}
	case PURPOSE_IN_PARAM: {
		const char *purpose = gate_route_purpose(r);
		return purpose && policy_role_grants(app.policy, s->role, purpose) ? ERR_NONE
										   : ERR_ROLE;
	}
	}
	return ERR_ROLE;
}

/* A member or staff route: the session, its CSRF token on a state change,
 * a recent password, the role's purpose. */
static bool session_pass(struct req *r, bool changes)
{
	const struct route *rt = r->route;
	bool staff = rt->access == ACCESS_STAFF;
	struct session *s = arena_alloc(r->arena, sizeof(*s));
	if (!session_of_request(r, staff ? SESSION_STAFF : SESSION_MEMBER, s))
		return refuse(r, staff ? ERR_STAFF_NOT_SIGNED_IN : ERR_NOT_SIGNED_IN);
	/* INS06, INS11: the browser's privacy signal, on any request of a
	 * member's that reaches here (it only ever switches choices off). */
	gpc_request(r, s);
	if (changes && !session_csrf_ok(r, s))
		return refuse(r, ERR_CSRF);
	if ((rt->access == ACCESS_MEMBER_RECENT || (staff && (rt->flags & ROUTE_RECENT))) &&
	    !session_recent(s))
		return refuse(r, ERR_REAUTH);
	if (staff) {
		enum err e = staff_allowed(r, s);
		if (e != ERR_NONE)
			return refuse(r, e);
	}
	r->session = s;
	return true;
}

/* ---- limits per client address ---- */

/* Counts the request against its route's limit. Past it: 429 with
 * Retry-After, or on a form, the form again with the message (the handler
 * shows it, as for a field it cannot take, and does nothing else). */
static bool within_limit(struct req *r)
{
	const struct route_limit *l = r->route->limit;
	int64_t wait = 0;
	if (!l || *l->per_window <= 0 ||
	    ratelimit_hit(l->name, req_client_address(r), *l->per_window, l->window_seconds, &wait))
		return true;
	struct failure f;
	err_fail(&f, ERR_TOO_MANY_REQUESTS);
	f.retry_after = wait > 0 ? wait : 1;
	if (r->route->flags & ROUTE_FORM_ERRORS) {
		page_form_refused(r, &f);
		return true;
	}
	return refuse_failure(r, &f);
}

bool gate_pass(struct req *r)
{
	const struct route *rt = r->route;
	bool changes = route_changes_state(r->method) != 0;
	/* Another site's state change is refused first, whatever the route
	 * (issue 11), then a route the profile or the data does not offer
	 * answers 404 before any check that would tell it exists. */
	if (changes && !(rt->flags & ROUTE_CROSS_SITE) && from_another_site(r))
		return refuse(r, ERR_CROSS_SITE);
	if (rt->offered && !rt->offered())
		return refuse(r, ERR_NOT_FOUND);
	if (rt->flags & ROUTE_PRESESSION) {
		if (!changes)
			req_param_set(r, PRESESSION_FIELD, presession_token(r));
		else if (!presession_echoed(r))
			return refuse(r, ERR_FORM_TOKEN);
	}
	if (rt->access == ACCESS_ANYONE)
		gpc_request_anyone(r);
	else if (!session_pass(r, changes))
		return false;
	return !changes || within_limit(r);
}
