/*
 * staff: the operator's staff accounts, as domain logic that knows nothing
 * of HTTP (staff_api.c and staff_page.c are its JSON and HTML adapters,
 * staff_cli.c its command line).
 *
 * An account is created from the command line with one role of the
 * profile (`glovebox staff add EMAIL --role ROLE`), which prints a one-time
 * enrolment token; with it the staff member chooses a password and gets a
 * new TOTP secret, shown once, which a code from their authenticator then
 * confirms. Sign-in takes all three (e-mail, password, code); each code
 * works once. Staff accounts are data subjects of kind "staff": their
 * e-mail address and TOTP secret are sealed under a key of their own
 * (record layer, `staff` table), and removing an account erases its rows
 * and its key; its entries in the access log stay.
 *
 * A staff member reaches a member's data only through the broker, as
 * ACTOR_STAFF with their role, under a purpose of that role, and every such
 * access is in the access log the member sees (NAM11, INS09).
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_STAFF_H
#define GLOVEBOX_STAFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "session.h"
#include "token.h"
#include "totp.h"

#define STAFF_ENROL_SECONDS (72 * 3600) /* an enrolment token's life */

struct broker_actor;

/* The route table's validator of a TOTP code: TOTP_DIGITS digits. */
const char *valid_totp_code(const char *s, size_t len);

/* ---- accounts (the command line's) ---- */

/* A new enrolment token, shown once, for the account staff. */
struct staff_token {
	int64_t staff;
	char token[TOKEN_CHARS + 1];
};

/* Creates an account with a role of the profile and an enrolment token
 * valid STAFF_ENROL_SECONDS. ERR_NO_SUCH_ROLE, ERR_INVALID_FIELD (not an
 * e-mail address; field "email"), ERR_STAFF_EXISTS (the address, in any
 * case, has an account), ERR_STORE. */
int staff_account_add(const char *email, const char *role, struct staff_token *out,
		      struct failure *f);
/* Removes the password and the authenticator, ends the account's sessions,
 * forgets its browsers and the lock on its address, and gives it a new
 * enrolment token. ERR_NO_SUCH_STAFF, ERR_STORE. */
int staff_account_reset(const char *email, struct staff_token *out, struct failure *f);
/* Erases the account: its sessions, its row and its data key (ALL02 by the
 * record layer's declaration); its entries in the access log stay.
 * *staff: the account's id. ERR_NO_SUCH_STAFF, ERR_STORE. */
int staff_account_remove(const char *email, int64_t *staff, struct failure *f);
/* Every account, oldest first: [{id, role, enrolled, created_at,
 * last_signin_at (null before the first), email}]
 * (email null when it does not open). NULL when the store failed. */
json_t *staff_account_list(void);

/* ---- the admin console (staff_admin.c, staff_admin_page.c) ---- */

/* The console is for roles with a purpose of this kind (routes.c, ADMIN). */
#define STAFF_ADMIN_KIND "security"

/* The admin who acts, as the session gives it. */
struct staff_admin {
	int64_t account;
	const char *role;
};

/* The role's purpose of STAFF_ADMIN_KIND, under which its console actions
 * are logged; NULL when it has none. */
const char *staff_admin_purpose(const char *role);

/* As the command line's, by id, each with the admin's entry in the access
 * log (action staff_added, staff_reset, staff_removed; the subject is the
 * account) in the same transaction: what cannot be logged is not done.
 * Reset and remove refuse the admin's own account (ERR_STAFF_SELF), remove
 * the last enrolled account whose role can manage staff (ERR_LAST_ADMIN,
 * checked first); an unknown id is ERR_NO_SUCH_STAFF_ID. */
int staff_admin_add(const struct staff_admin *who, const char *email, const char *role,
		    struct staff_token *out, struct failure *f);
int staff_admin_reset(const struct staff_admin *who, int64_t staff, struct staff_token *out,
		      struct failure *f);
int staff_admin_remove(const struct staff_admin *who, int64_t staff, struct failure *f);

/* ---- enrolment ---- */

/* What the first step of enrolment shows, once. Release with
 * staff_enrolment_release(), which wipes it. */
struct staff_enrolment {
	char totp_secret[TOTP_BASE32_CHARS + 1]; /* base32, for typing in */
	struct buf otpauth_uri;			 /* for the QR code */
	char role[SESSION_ROLE_MAX];
};
void staff_enrolment_release(struct staff_enrolment *e);

/* Step one: with a valid enrolment token, sets the password and makes a
 * new TOTP secret (again before step two: a new one replaces it). The
 * account is not usable until step two. ERR_BAD_ENROL_TOKEN (unknown,
 * spent or expired), ERR_WEAK_PASSWORD, ERR_BUSY, ERR_STORE. */
int staff_enrol(const char *token, const char *password, struct staff_enrolment *out,
		struct failure *f);
/* Step two: a code from the authenticator proves it holds the secret; the
 * token is then spent. ERR_ENROL_NOT_STARTED, ERR_BAD_CODE, ERR_CODE_USED,
 * ERR_STORE. */
int staff_enrol_confirm(const char *token, const char *code, struct failure *f);

/* ---- signing in ---- */

struct staff_signin {
	const char *email, *password, *code;
	const char *client;  /* the client's address, for its own limit (never stored) */
	const char *browser; /* the browser's known-browser cookie (browser.h), or NULL */
};

/* What a sign-in started: the account, its role, its session and the
 * cookie of the browser known for the account from now on. */
struct staff_started {
	int64_t staff;
	char role[SESSION_ROLE_MAX];
	struct session_tokens session;
	char browser[TOKEN_CHARS + 1];
};

/* ERR_TOO_MANY_FROM_HERE (the members' per-client limit),
 * ERR_ACCOUNT_LOCKED (with Retry-After; the members' lock: failures against
 * an address lock it alike whether or not it has an account, and a browser
 * that signed in to the account before counts only its own failures),
 * ERR_STAFF_BAD_CREDENTIALS (any part wrong, an unknown or unenrolled
 * address at the same cost, a code used before), ERR_BUSY, ERR_STORE. */
int staff_signin(const struct staff_signin *in, struct staff_started *out, struct failure *f);

/* ---- entering the password again ---- */

/* The gate's recent-password level for staff (ROUTE_RECENT: the console's
 * changes): checks the account's password for the session whose token
 * hashes to session (TOKEN_HASH_BYTES), which the caller then marks
 * (session_reauth). The members' per-client limit and a lock on the
 * session's failures in a row apply. ERR_WRONG_PASSWORD,
 * ERR_TOO_MANY_FROM_HERE, ERR_ACCOUNT_LOCKED, ERR_BUSY, ERR_STORE. */
int staff_reauth(int64_t staff, const char *password, const unsigned char *session,
		 const char *client, struct failure *f);

/* ---- the staff member's own view ---- */

/* The role's description in the profile ("" when none). */
const char *staff_role_description(const char *role);
/* The purposes the role grants, in the role's order: [{id, label}]. */
json_t *staff_role_purposes(const char *role);
/* {id, role, role_description, purposes: [ids], csrf_token} of a staff session. */
json_t *staff_me(const struct session *s);

/* ---- a member's record, for staff ---- */

/*
 * A member's record under purpose, read as actor (ACTOR_STAFF with the
 * role): the broker checks the role and the purpose and logs the access
 * for the member (NAM11); *data is {field: value} of the fields whose
 * categories the purpose covers. A purpose the role lacks is refused
 * before anything is looked up (ERR_ROLE), so the lookup tells such a
 * caller nothing, not even whether the member exists.
 *
 * staff_member_find looks the member up by e-mail address (its blind
 * index, in the record layer) and sets *member. ERR_ROLE,
 * ERR_NO_MEMBER_WITH_EMAIL / ERR_NO_SUCH_MEMBER, ERR_REFUSED (code and
 * message from the broker's reason, field "purpose"), ERR_STORE.
 */
int staff_member_find(const struct broker_actor *actor, const char *email, const char *purpose,
		      int64_t *member, json_t **data, struct failure *f);
int staff_member_read(const struct broker_actor *actor, int64_t member, const char *purpose,
		      json_t **data, struct failure *f);

/* ---- command line (staff_cli.c), called from main.c ----
 * Each prints what it did to out (errors to stderr) and returns the exit
 * code: 0, 1 (it could not be done), 2 (bad arguments). */
int staff_cli_add(const char *email, const char *role, FILE *out);
int staff_cli_reset(const char *email, FILE *out);
int staff_cli_remove(const char *email, FILE *out);
int staff_cli_list(FILE *out);

#endif
