/*
 * members: the member's account, from sign-up to closing, as domain logic
 * that knows nothing of HTTP (members_api.c and members_page.c are its JSON
 * and HTML adapters).
 *
 *   sign-up with the neutral age screen (NAM12): someone under the
 *   profile's minimum age is told, neutrally, that we cannot register them,
 *   and nothing they typed is kept; one anonymous counter moves;
 *   sign-up answers alike whether or not the address has an account (the
 *   account starts only once its address is confirmed; the owner of an
 *   address in use is told instead);
 *   sign-in with a per-client limit and a lock per address that answers
 *   alike for every address and never shuts out a browser that signed in
 *   to the account before (browser.h); re-authentication throttled alike;
 *   the member's record, read and corrected (NAM13) through the broker
 *   under the purpose of the profile's registration point;
 *   the choices (the consent ledger), the export (ALL01) and closing the
 *   account (ALL02), both derived from the record layer's declaration.
 *   a forgotten password, set again from a link mailed to the address
 *   (members_reset.c).
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_MEMBERS_H
#define GLOVEBOX_MEMBERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "policy.h"
#include "remember.h"
#include "session.h"

struct store_conn;
struct broker_actor;

/* The purpose the member registration point serves (the member's own
 * account: "account", "insider_account"), or NULL when the profile has none. */
const char *members_account_purpose(void);

struct members_signup {
	const char *name, *email, *password, *date_of_birth, *postal_address, *phone;
	const char *opt_in;  /* opt-in purposes ticked: "member_news,club_surveys" */
	const char *opt_out; /* opt-out purposes unticked */
	/* The browser's privacy signal (gpc.h: "gpc", "dnt"), or NULL: it
	 * switches affiliate offers and advertising off (INS06, INS11). */
	const char *privacy_signal;
	bool remember; /* "remember me on this device" ticked (INS12) */
};

/*
 * Sign-up answers the same whether or not the address has an account, so
 * that it tells nobody who has one (issue 11): 0 for both. A new address
 * gets an account, unusable until the address is confirmed from the
 * message queued to it (no session starts here; sign-in needs a confirmed
 * address); an address in use gets a notice instead ("someone tried to
 * join with this address"), with a new confirmation link when its account
 * is still waiting for one, and nothing else changes. Both hash the
 * password and queue one message. `remember` has no effect here: a device
 * is remembered at sign-in. ERR_NO_REGISTRATION, ERR_NOT_ELIGIBLE (under
 * the minimum age: nothing kept), ERR_WEAK_PASSWORD, ERR_BUSY, ERR_STORE.
 */
int members_signup(const struct members_signup *in, struct failure *f);

/* What a sign-in started: the account, its session, the cookie of the
 * browser known for the account from now on (browser.h) and, when asked
 * for, the remembered device. */
struct members_started {
	int64_t member;
	struct session_tokens session;
	char browser[TOKEN_CHARS + 1];
	struct remember_cookie device;
};

struct members_signin {
	const char *email, *password;
	const char *client; /* the client's address, for its own limit (never stored) */
	bool remember;
	const char *browser; /* the browser's known-browser cookie, or NULL */
};
/*
 * ERR_TOO_MANY_FROM_HERE (the client's limit), ERR_ACCOUNT_LOCKED (with
 * Retry-After), ERR_BAD_CREDENTIALS, ERR_BUSY, ERR_STORE. An address with
 * no account, or whose address is not confirmed yet, is answered as a wrong
 * password, at the same cost, and its failures count and lock it the same
 * way. A browser that has signed in to the account before counts its own
 * failures and is not subject to the address's lock.
 */
int members_signin(const struct members_signin *in, struct members_started *out, struct failure *f);

/* The per-client limit of password guesses (sign-in and re-authentication,
 * members' and staff's): 0, or -1 with ERR_TOO_MANY_FROM_HERE and the wait. */
int members_signin_address_allowed(const char *client, struct failure *f);

/* Checks the member's password again (NAM14); the caller records the
 * fresh entry on the session. Throttled like sign-in: the client's limit,
 * and the session's own failures in a row (session: the hash of its token)
 * lock it with the sign-in lock's times. ERR_TOO_MANY_FROM_HERE,
 * ERR_ACCOUNT_LOCKED, ERR_WRONG_PASSWORD, ERR_BUSY, ERR_STORE. */
int members_reauth(int64_t member, const char *password, const unsigned char *session,
		   const char *client, struct failure *f);

/*
 * A member's record as {field: value}, opened through the broker by actor
 * under purpose: only the fields whose categories the purpose covers. NULL
 * when there is no such member or the broker refused (*reason, if given,
 * says why; DECISION_ALLOWED when there was no such member).
 */
json_t *members_record(struct store_conn *c, int64_t member, const struct broker_actor *actor,
		       const char *purpose, enum decision_reason *reason);
/* The member's own record (ERR_NO_ACCOUNT). */
int members_own_record(int64_t member, json_t **record, struct failure *f);

/* Corrections (NAM13); NULL fields are left as they are, an empty one is
 * cleared (the name cannot be). *changed: how many fields changed. */
struct members_correction {
	const char *name, *postal_address, *phone;
};
int members_correct(int64_t member, const struct members_correction *in, int *changed,
		    struct failure *f);

/* ALL01: everything held about the member, each item with its category and
 * the purposes it serves, the choices made, every access by staff, the
 * browsers known for signing in (when each signed in first and last) and
 * every hand-over to a partner. */
int members_export(int64_t member, json_t **doc, struct failure *f);

/* ALL02: removes everything of the member (and of what they own) and
 * destroys their data key; afterwards no byte of it is in the files. */
int members_close(int64_t member, struct failure *f);

/* Every purpose with a choice, whether it is on for the member now and how
 * it was last chosen. */
json_t *members_consents(int64_t member);
/* Switches a purpose on or off (ERR_NO_CHOICE when it has no choice). */
int members_consent_set(int64_t member, const char *purpose, bool on, struct failure *f);
/* Whether a purpose is one a member chooses (opt-in or opt-out, for
 * members) and is shown a switch for: its kind has a feature behind it
 * (members_feature_on). A purpose without one has no switch anywhere (on
 * /me, in the API, on the sign-up form) and PUT answers ERR_NO_CHOICE. */
bool members_choice(const struct policy_purpose *pu);
/* Whether glovebox has a working feature behind purposes of kind (issue 12,
 * rule 7: the table in members.c). */
bool members_feature_on(enum purpose_kind kind);

/* Whether the sign-up form offers pu's box: a choice whose yes is given by
 * a plain switch (not one given by doing something, such as asking a
 * dealer: its entry in members_consents() carries "ask_href"). */
bool members_signup_choice(const struct policy_purpose *pu);

/* Whether the profile declares a purpose that needs the date of birth, other
 * than the age screen of the registration point (NAM12, issue 12 rule 4):
 * only then is the date kept (sealed); otherwise sign-up keeps only the
 * fact that the member stated they were old enough, and when. */
bool members_keep_birth_date(void);
/* At start, after the migrations: members from before the age screen kept
 * only its fact get the fact from their stored date, and the date is
 * cleared unless members_keep_birth_date(); the files are then scrubbed.
 * 0, or -1 when a row could not be done (the next start tries again). */
int members_age_screen_upgrade(void);

/* "YYYY-MM-DD": NULL if a real date in the past, else a message. */
const char *valid_birth_date(const char *s, size_t len);
/* A comma-separated list of ids ("member_news,club_surveys"). */
const char *valid_id_list(const char *s, size_t len);

/* ---- changes of password and address, confirmations (members_change.c) ---- */

/* A new password (NAM14 is the gate's): the other sessions end (keep: the
 * hash of the asking session's token), so do the other known browsers
 * (keep_browser: the asking browser's cookie, or NULL) and every pending
 * change of address, and a notice goes to the address. */
int members_change_password(int64_t member, const char *password, const unsigned char *keep,
			    const char *keep_browser, struct failure *f);
/* Starts a change of address: nothing changes until it is confirmed from a
 * message sent to the new address. An address another account has is
 * answered the same (it tells nobody who has one): the change waits alike,
 * but the message to the address is a notice to its owner, and no link
 * exists that could confirm it. ERR_EMAIL_UNCHANGED (the member's own). */
int members_change_email(int64_t member, const char *email, struct failure *f);
/* Confirms a change of address from its link; the old address is told.
 * ERR_BAD_LINK, ERR_EMAIL_TAKEN_SINCE. */
int members_change_email_confirm(const char *token, struct failure *f);
/* Confirms the address given at sign-up (double opt-in); from then on the
 * account can be signed in to. ERR_BAD_LINK. */
int members_email_confirm(const char *token, struct failure *f);

/* Shared by members.c and members_change.c: a grant of the member's own
 * key for their address under the account purpose, for mail about the
 * account (NULL when it does not open). */
struct broker_grant *members_mail_grant(struct store_conn *c, int64_t member);

/* ---- a forgotten password (members_reset.c) ---- */

/* How long a reset link works. */
#define MEMBERS_RESET_SECONDS (30 * 60)
/* What asking for a link answers, account or not. */
#define MEMBERS_RESET_SENT "If that address has an account, a message is on its way."

/*
 * Asks for a reset link for email: when the address has an account, a
 * message to it holds SITE-URL/reset?token=T, single-use and valid
 * MEMBERS_RESET_SECONDS; when it has none, nothing is sent, and the answer
 * is the same 0. Throttled per client address (reset-per-hour) and per
 * e-mail address (reset-per-email-hour, counted under a keyed hash whether
 * or not the address has an account): ERR_TOO_MANY_RESETS with the wait.
 * ERR_STORE. Staff accounts are never reset here.
 */
int members_reset_request(const char *email, const char *client, struct failure *f);
/* Whether token is a live reset link; changes nothing (mail scanners
 * follow links). ERR_BAD_LINK, ERR_STORE. */
int members_reset_check(const char *token, struct failure *f);
/*
 * Sets a new password (the rule of sign-up) from a live link: every link of
 * the member is spent, every session ends, every remembered device and
 * known browser is forgotten, a change of address waiting for confirmation
 * is cancelled, the address counts as confirmed (the link reached it), the
 * address's sign-in lock is lifted, and a notice goes to the address.
 * ERR_BAD_LINK (unknown, used or expired), ERR_WEAK_PASSWORD, ERR_BUSY,
 * ERR_STORE.
 */
int members_reset_confirm(const char *token, const char *password, struct failure *f);

#endif
