/*
 * browser: browsers that have signed in to an account before, so that
 * nobody can lock the owner out of it by guessing (issue 11).
 *
 * Failures against an address lock it for every browser (lockout.h),
 * whether or not the address has an account. A browser that has signed in
 * to the account before is not subject to that lock, only to its own
 * failures: at every successful sign-in it receives (or keeps) a cookie holding
 * a 256-bit random token whose keyed hash the store keeps with the account
 * (known_browsers), living BROWSER_SECONDS from the last sign-in. The
 * cookie is HttpOnly, SameSite as the kind's session (Lax for members,
 * Strict for staff), Secure with "__Host-" behind TLS; a member's and a
 * staff member's are separate cookies.
 *
 * These are not INS12's remembered devices (remember.h): nothing is filled
 * in, no detail of the account is kept, the token serves only sign-in, and
 * every browser that signs in gets one. A password change forgets the
 * account's other browsers; closing the account or removing a staff account
 * forgets them all (the record layer's erasure, records.c), and the
 * retention pass drops those whose time has passed.
 */
#ifndef GLOVEBOX_BROWSER_H
#define GLOVEBOX_BROWSER_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "lockout.h"
#include "session.h"
#include "token.h"

#define BROWSER_SECONDS (180 * 86400) /* a known browser's life after its last sign-in */

struct store_conn;

/* The account (a member or a staff account) a browser's token has signed in
 * to; 0 when none (no token, a malformed or unknown one, or expired), -1
 * when the store failed. */
int64_t browser_account(struct store_conn *c, const char *token);
/* The failure counter of the browser whose token this is (lockout.h);
 * false when the token is malformed. */
bool browser_lockout(const char *token, struct lockout *l);
/* After a successful sign-in, inside the caller's transaction: the browser
 * whose token is `token` (or NULL) is known for account from now on. If it
 * was, its life starts again and out is the same token; otherwise out is a
 * new token to set as its cookie. 0, or -1. */
int browser_signed_in(struct store_conn *c, int64_t account, const char *token,
		      char out[TOKEN_CHARS + 1]);
/* Forgets every known browser of account but the one whose token is keep
 * (NULL: all), inside the caller's transaction. 0, or -1. */
int browser_forget_others(struct store_conn *c, int64_t account, const char *keep);

/* The request's browser cookie of kind, or NULL. */
const char *browser_of_request(const struct req *r, enum session_kind kind);
/* Sets the browser cookie of kind on the response (after the commit). */
void browser_cookie_set(struct req *r, enum session_kind kind, const char *token);

#endif
