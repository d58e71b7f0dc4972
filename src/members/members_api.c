/*
 * members_api: the JSON adapter of the members' domain (see members_api.h).
 */
#include "members_api.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "browser.h"
#include "err.h"
#include "gpc.h"
#include "remember.h"
#include "session.h"

#define AGE_COOKIE	   "gb_age_screen"
#define AGE_COOKIE_SECONDS 86400

/* The request's member: the gate found the session before the handler ran. */
static int64_t member_of(const struct req *r)
{
	return session_current(r)->account;
}

static bool is_true(const char *v)
{
	return v && strcmp(v, "true") == 0;
}

void members_api_signup_input(const struct req *r, struct members_signup *in)
{
	*in = (struct members_signup){
		.name = req_param(r, "name"),
		.email = req_param(r, "email"),
		.password = req_param(r, "password"),
		.date_of_birth = req_param(r, "date_of_birth"),
		.postal_address = req_param(r, "postal_address"),
		.phone = req_param(r, "phone"),
		.opt_in = req_param(r, "opt_in"),
		.opt_out = req_param(r, "opt_out"),
		.privacy_signal = gpc_signal(r),
		.remember = is_true(req_param(r, "remember")),
	};
}

bool members_api_age_screened(const struct req *r)
{
	return req_cookie(r, AGE_COOKIE) != NULL;
}

void members_api_age_cookie(struct req *r)
{
	char cookie[128];
	snprintf(cookie, sizeof(cookie), "%s=1; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d",
		 AGE_COOKIE, AGE_COOKIE_SECONDS);
	resp_header(r, "Set-Cookie", cookie);
}

static void device_cookie(struct req *r, const char *value, int64_t max_age)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
		 remember_cookie_name(), value, (long long)max_age,
		 app.cfg.behind_tls ? "; Secure" : "");
	resp_header(r, "Set-Cookie", cookie);
}

void members_api_started(struct req *r, const struct members_started *s)
{
	session_cookie_set(r, SESSION_MEMBER, s->session.token);
	browser_cookie_set(r, SESSION_MEMBER, s->browser);
	if (s->device.token[0])
		device_cookie(r, s->device.token, s->device.max_age);
}

void members_api_device_cookie_clear(struct req *r)
{
	device_cookie(r, "", 0);
}

/* ---- joining, signing in and out ---- */

/* Every sign-up the rules take is answered alike, whether or not the address
 * has an account: 202, check your mail (members_signup). */
void members_api_signup(struct req *r)
{
	struct members_signup in;
	struct failure f;
	if (members_api_age_screened(r)) {
		err_fail(&f, ERR_NOT_ELIGIBLE);
		resp_failure(r, &f);
		return;
	}
	members_api_signup_input(r, &in);
	if (members_signup(&in, &f) != 0) {
		if (f.err == ERR_NOT_ELIGIBLE)
			members_api_age_cookie(r);
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 202, json_pack("{s:b}", "check_mail", 1));
}

void members_api_signin(struct req *r)
{
	struct members_signin in = {req_param(r, "email"), req_param(r, "password"),
				    req_client_address(r), is_true(req_param(r, "remember")),
				    browser_of_request(r, SESSION_MEMBER)};
	struct members_started s;
	struct failure f;
	if (members_signin(&in, &s, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	members_api_started(r, &s);
	resp_json(r, 200,
		  json_pack("{s:I,s:s}", "id", (json_int_t)s.member, "csrf_token", s.session.csrf));
	crypto_wipe(&s, sizeof(s));
}

void members_api_signout(struct req *r)
{
	session_end_request(r, SESSION_MEMBER);
	resp_json(r, 200, json_pack("{s:b}", "signed_out", 1));
}

void members_api_confirm(struct req *r)
{
	struct failure f;
	if (members_email_confirm(req_param(r, "token"), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "confirmed", 1));
}

/* ---- the member's own data ---- */

void members_api_me(struct req *r)
{
	json_t *data;
	struct failure f;
	if (members_own_record(member_of(r), &data, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:I,s:o,s:s}", "id", (json_int_t)member_of(r), "data", data,
			    "csrf_token", session_current(r)->csrf));
}

void members_api_reauth(struct req *r)
{
	unsigned char session[TOKEN_HASH_BYTES];
	bool have = session_request_hash(r, SESSION_MEMBER, session);
	struct failure f;
	if (members_reauth(member_of(r), req_param(r, "password"), have ? session : NULL,
			   req_client_address(r), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	session_reauth(r, SESSION_MEMBER);
	resp_json(r, 200, json_pack("{s:b}", "reauthenticated", 1));
}

void members_api_correct(struct req *r)
{
	struct members_correction in = {req_param(r, "name"), req_param(r, "postal_address"),
					req_param(r, "phone")};
	int changed = 0;
	struct failure f;
	if (members_correct(member_of(r), &in, &changed, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:i}", "changed", changed));
}

void members_api_export(struct req *r)
{
	json_t *doc;
	struct failure f;
	if (members_export(member_of(r), &doc, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_header(r, "Content-Disposition", "attachment; filename=\"my-data.json\"");
	resp_json(r, 200, doc);
}

void members_api_close(struct req *r)
{
	struct failure f;
	if (members_close(member_of(r), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	session_end_request(r, SESSION_MEMBER);
	resp_json(r, 200, json_pack("{s:b}", "closed", 1));
}

void members_api_consents(struct req *r)
{
	resp_json(r, 200, json_pack("{s:o}", "consents", members_consents(member_of(r))));
}

void members_api_consent_set(struct req *r)
{
	const char *purpose = r->path_params[0];
	bool on = is_true(req_param(r, "on"));
	struct failure f;
	if (members_consent_set(member_of(r), purpose, on, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:s,s:b}", "purpose", purpose, "on", on));
}

void members_api_password(struct req *r)
{
	unsigned char keep[TOKEN_HASH_BYTES];
	bool have = session_request_hash(r, SESSION_MEMBER, keep);
	struct failure f;
	if (members_change_password(member_of(r), req_param(r, "password"), have ? keep : NULL,
				    browser_of_request(r, SESSION_MEMBER), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "changed", 1));
}

void members_api_email(struct req *r)
{
	struct failure f;
	if (members_change_email(member_of(r), req_param(r, "email"), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 202, json_pack("{s:b}", "confirmation_sent", 1));
}

/* ---- where the member is signed in and remembered ---- */

void members_api_sessions(struct req *r)
{
	unsigned char current[TOKEN_HASH_BYTES];
	bool have = session_request_hash(r, SESSION_MEMBER, current);
	resp_json(
		r, 200,
		json_pack("{s:o}", "sessions", session_list(member_of(r), have ? current : NULL)));
}

void members_api_session_end(struct req *r)
{
	struct failure f;
	if (session_end_id(member_of(r), r->path_params[0]) != 0) {
		err_fail(&f, ERR_NO_SESSION);
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "ended", 1));
}

void members_api_devices(struct req *r)
{
	json_t *list = remember_devices(member_of(r), req_cookie(r, remember_cookie_name()));
	struct failure f;
	if (!list) {
		err_fail(&f, ERR_STORE);
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:o,s:b}", "devices", list, "offered", remember_purpose() != NULL));
}

void members_api_device_forget(struct req *r)
{
	struct failure f;
	if (remember_forget(member_of(r), r->path_params[0], &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "forgotten", 1));
}

void members_api_devices_forget(struct req *r)
{
	int n = 0;
	struct failure f;
	if (remember_forget_all(member_of(r), &n, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	members_api_device_cookie_clear(r);
	resp_json(r, 200, json_pack("{s:i}", "forgotten", n));
}
