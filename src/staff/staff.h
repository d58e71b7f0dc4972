/*
 * staff: the operator's staff accounts. An account is created from the
 * command line with one role of the profile (`glovebox staff add EMAIL
 * --role ROLE`), which prints a one-time enrolment token; with it the staff
 * member chooses a password and enrols a TOTP second factor. Sign-in takes
 * all three (e-mail, password, code); staff sessions are shorter than
 * members'. A staff member reaches personal data only through the broker,
 * under a purpose of their role, and every such access is in the access log
 * the member sees on their dashboard (NAM11, INS09).
 */
#ifndef GLOVEBOX_STAFF_H
#define GLOVEBOX_STAFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto.h"
#include "http.h"

#define STAFF_ENROL_SECONDS (72 * 3600)   /* an enrolment token's life */

struct broker_actor;

struct staff_session {
	int64_t staff;
	char role[64];
	char csrf[CRYPTO_TOKEN_CHARS + 1];
};

/* The request's staff session (its own cookie), refreshed; false if none. */
bool staff_session_get(struct req *r, struct staff_session *out);
/* For handlers: true with *s filled when the request carries a staff session
 * whose role grants `purpose` (NULL: any role) and, for a state-changing
 * method, this session's CSRF token; otherwise it has answered 401 or 403
 * and returns false. */
bool staff_require(struct req *r, const char *purpose, struct staff_session *s);
/* True when the role of s grants purpose in the profile in force. */
bool staff_role_grants(const char *role, const char *purpose);
/* The broker actor (ACTOR_STAFF, id, role) for a staff session. */
void staff_actor(const struct staff_session *s, struct broker_actor *a);

/* Command line (glovebox staff ...); each prints to out and returns an exit code. */
int staff_cli_add(const char *email, const char *role, FILE *out);
int staff_cli_reset(const char *email, FILE *out);
int staff_cli_remove(const char *email, FILE *out);
int staff_cli_list(FILE *out);

/* API: /api/v1/staff/... (docs/api.md) */
void staff_api_enrol(struct req *r);
void staff_api_enrol_confirm(struct req *r);
void staff_api_signin(struct req *r);
void staff_api_signout(struct req *r);
void staff_api_me(struct req *r);
void staff_api_member_find(struct req *r);
void staff_api_member(struct req *r);

const char *valid_totp_code(const char *s, size_t len);

#endif
