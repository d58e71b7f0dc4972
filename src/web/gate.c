/*
 * gate: the access check of every route (see gate.h).
 */
#include "gate.h"

#include <string.h>

#include "app.h"
#include "err.h"
#include "mem.h"
#include "page.h"
#include "policy.h"
#include "session.h"

/* A refusal: the JSON error on API routes; on pages a sign-in redirect for
 * someone not signed in, /me for a stale password (the prompt is there),
 * else the error page. */
static bool refuse(struct req *r, enum err e)
{
	bool api = (r->route->flags & ROUTE_API) != 0;
	if (!api && (e == ERR_NOT_SIGNED_IN || e == ERR_STAFF_NOT_SIGNED_IN || e == ERR_REAUTH)) {
		page_redirect(r, e == ERR_NOT_SIGNED_IN		? "/signin"
				 : e == ERR_STAFF_NOT_SIGNED_IN ? "/staff/signin"
								: "/me");
		return false;
	}
	struct failure f;
	err_fail(&f, e);
	resp_failure(r, &f);
	return false;
}

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

bool gate_pass(struct req *r)
{
	const struct route *rt = r->route;
	if (rt->access == ACCESS_ANYONE)
		return true;
	bool staff = rt->access == ACCESS_STAFF;
	struct session *s = arena_alloc(r->arena, sizeof(*s));
	if (!session_of_request(r, staff ? SESSION_STAFF : SESSION_MEMBER, s))
		return refuse(r, staff ? ERR_STAFF_NOT_SIGNED_IN : ERR_NOT_SIGNED_IN);
	if (route_changes_state(r->method) && !session_csrf_ok(r, s))
		return refuse(r, ERR_CSRF);
	if (rt->access == ACCESS_MEMBER_RECENT && !session_recent(s))
		return refuse(r, ERR_REAUTH);
	if (staff) {
		enum err e = staff_allowed(r, s);
		if (e != ERR_NONE)
			return refuse(r, e);
	}
	r->session = s;
	return true;
}
