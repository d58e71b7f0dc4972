/*
 * session: member and staff sessions (each kind in its own table, with its
 * own cookie and limits; staff.h). A session token is 256 random bits, sent in an
 * HttpOnly, SameSite=Lax cookie (Secure and "__Host-" when behind TLS) and
 * stored only as its keyed hash. Idle sessions end after 30 minutes, every
 * session after 12 hours. Each session has a CSRF token that every
 * state-changing call must echo in the X-CSRF-Token header.
 */
#ifndef GLOVEBOX_SESSION_H
#define GLOVEBOX_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto.h"
#include "http.h"
#include <jansson.h>

#define SESSION_IDLE_SECONDS (30 * 60)
#define SESSION_MAX_SECONDS (12 * 3600)
/* Staff reach other people's data: their sessions are shorter. */
#define STAFF_SESSION_IDLE_SECONDS (15 * 60)
#define STAFF_SESSION_MAX_SECONDS (8 * 3600)

enum session_kind_id { SESSION_MEMBER, SESSION_STAFF };

struct store_conn;

struct session {
	int64_t member;              /* the account: a member, or a staff member (SESSION_STAFF) */
	int64_t auth_at;             /* last password entry (NAM14) */
	char csrf[CRYPTO_TOKEN_CHARS + 1];
};

/* Starts a session for member inside the caller's transaction and sets the
 * cookie on r. csrf_out gets the session's CSRF token. */
int session_create(struct store_conn *c, struct req *r, int64_t member,
		   char csrf_out[CRYPTO_TOKEN_CHARS + 1]);
/* The request's live session, refreshed; false if none (or expired). */
bool session_get(struct req *r, struct session *out);
/* Records a fresh password entry for the request's session (NAM14). */
int session_reauth(struct req *r);
/* True when the session's last password entry is within the profile's
 * re-authentication window. */
bool session_recent(const struct session *s);
/* The member's sessions as JSON: [{id, created_at, last_seen, current}].
 * An id is a prefix of the token's hash, never the token. */
json_t *session_list(const struct req *r, int64_t member);
/* Ends one of the member's sessions by its id; 0, or -1 if none matched. */
int session_end_id(int64_t member, const char *id);
/* Ends every session of member but the request's own (after a password change). */
int session_end_others(struct req *r, int64_t member);
/* Ends the request's session and clears the cookie. */
void session_end(struct req *r);
/* True when the request carries the session's CSRF token. */
bool session_csrf_ok(const struct req *r, const struct session *s);
const char *session_cookie_name(void);

/*
 * Rows kept by a token's keyed hash (sessions, remembered devices) are shown
 * by a short id, a prefix of the hash in hex, never the token. A query whose
 * first column is the hash fills a token_rows: with want set, the row whose
 * id it is (found, matched); otherwise list gets row_json() of each row,
 * current marking the one whose hash is current.
 */
#define TOKEN_ID_BYTES 12
struct store_row;
struct token_rows {
	json_t *list;
	unsigned char current[32];
	bool have_current;
	const char *want;
	unsigned char found[32];
	bool matched;
	json_t *(*row_json)(const struct store_row *row, const char *id, bool current);
};
int token_rows_cb(void *ctx, const struct store_row *row);

/* For member handlers: the request's session, and with need_csrf its CSRF
 * token; otherwise answers 401 not_signed_in or 403 csrf and returns false. */
bool session_require(struct req *r, struct session *s, bool need_csrf);

/* The same for either kind of account (the functions above are SESSION_MEMBER). */
int session_create_as(enum session_kind_id kind, struct store_conn *c, struct req *r,
		      int64_t account, char csrf_out[CRYPTO_TOKEN_CHARS + 1]);
bool session_get_as(enum session_kind_id kind, struct req *r, struct session *out);
void session_end_as(enum session_kind_id kind, struct req *r);

#endif
