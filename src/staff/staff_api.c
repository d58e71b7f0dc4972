/*
 * staff_api: the JSON adapter of the staff domain (see staff_api.h).
 */
#include "staff_api.h"

#include <stdlib.h>

#include "broker.h"
#include "browser.h"
#include "err.h"
#include "session.h"

void staff_api_signin_input(const struct req *r, struct staff_signin *in)
{
	*in = (struct staff_signin){req_param(r, "email"), req_param(r, "password"),
				    req_param(r, "code"), req_client_address(r),
				    browser_of_request(r, SESSION_STAFF)};
}

void staff_api_actor(const struct req *r, struct broker_actor *actor)
{
	session_actor(session_current(r), actor);
}

/* ---- enrolment ---- */

void staff_api_enrol(struct req *r)
{
	struct staff_enrolment e;
	struct failure f;
	if (staff_enrol(req_param(r, "token"), req_param(r, "password"), &e, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:s,s:s%,s:s}", "totp_secret", e.totp_secret, "otpauth_uri",
			    e.otpauth_uri.data, e.otpauth_uri.len, "role", e.role));
	staff_enrolment_release(&e);
}

void staff_api_enrol_confirm(struct req *r)
{
	struct failure f;
	if (staff_enrol_confirm(req_param(r, "token"), req_param(r, "code"), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "enrolled", 1));
}

/* ---- signing in and out ---- */

void staff_api_signin(struct req *r)
{
	struct staff_signin in;
	struct staff_started s;
	struct failure f;
	staff_api_signin_input(r, &in);
	if (staff_signin(&in, &s, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	session_cookie_set(r, SESSION_STAFF, s.session.token);
	browser_cookie_set(r, SESSION_STAFF, s.browser);
	resp_json(r, 200,
		  json_pack("{s:I,s:s,s:s}", "id", (json_int_t)s.staff, "role", s.role,
			    "csrf_token", s.session.csrf));
	crypto_wipe(&s, sizeof(s));
}

void staff_api_signout(struct req *r)
{
	session_end_request(r, SESSION_STAFF);
	resp_json(r, 200, json_pack("{s:b}", "signed_out", 1));
}

/* ---- entering the password again ---- */

int staff_api_reauth_run(struct req *r, struct failure *f)
{
	unsigned char session[TOKEN_HASH_BYTES];
	if (!session_request_hash(r, SESSION_STAFF, session))
		return err_fail(f, ERR_STAFF_NOT_SIGNED_IN);
	if (staff_reauth(session_current(r)->account, req_param(r, "password"), session,
			 req_client_address(r), f) != 0)
		return -1;
	return session_reauth(r, SESSION_STAFF) == 0 ? 0 : err_fail(f, ERR_STORE);
}

void staff_api_reauth(struct req *r)
{
	struct failure f;
	if (staff_api_reauth_run(r, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "reauthenticated", 1));
}

void staff_api_me(struct req *r)
{
	resp_json(r, 200, staff_me(session_current(r)));
}

/* ---- a member's record ---- */

static void member_answer(struct req *r, int rc, int64_t member, json_t *data,
			  const struct failure *f)
{
	if (rc != 0) {
		resp_failure(r, f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:I,s:s,s:o}", "id", (json_int_t)member, "purpose",
			    req_param(r, "purpose"), "data", data));
}

/* POST /api/v1/staff/members/find {email, purpose}: the address travels in
 * the body, never in a URL. */
void staff_api_member_find(struct req *r)
{
	struct broker_actor actor;
	int64_t member;
	json_t *data;
	struct failure f;
	staff_api_actor(r, &actor);
	int rc = staff_member_find(&actor, req_param(r, "email"), req_param(r, "purpose"), &member,
				   &data, &f);
	member_answer(r, rc, member, data, &f);
}

void staff_api_member(struct req *r)
{
	struct broker_actor actor;
	json_t *data;
	struct failure f;
	int64_t member = strtoll(r->path_params[0], NULL, 10);
	staff_api_actor(r, &actor);
	int rc = staff_member_read(&actor, member, req_param(r, "purpose"), &data, &f);
	member_answer(r, rc, member, data, &f);
}
