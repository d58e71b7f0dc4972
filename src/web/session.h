/*
 * session: member and staff sessions. Each kind has a table of its own, its
 * own cookie and its own limits (a staff session is never a member's): a
 * member's idles out after 30 minutes and ends after 12 hours, a staff
 * member's after 15 minutes and 8 hours, since staff reach other people's
 * data. The cookie holds a 256-bit random token (HttpOnly, SameSite=Lax for
 * members and Strict for staff, Secure and "__Host-" behind TLS); the store
 * keeps only its keyed hash (token.h), so any number of glovebox processes
 * share sessions. Each session has a CSRF token that every state-changing
 * request must echo (the X-CSRF-Token header, or a csrf_token form field);
 * the gate (gate.h) checks it before any handler runs.
 *
 * The store side (session_open, session_find, listing and ending) takes no
 * request, so a feature's domain part can start a session inside its own
 * transaction; the cookie side (session_cookie_set, session_of_request)
 * belongs to the adapters and the gate.
 */
#ifndef GLOVEBOX_SESSION_H
#define GLOVEBOX_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "http.h"
#include "token.h"

#define SESSION_IDLE_SECONDS	   (30 * 60)
#define SESSION_MAX_SECONDS	   (12 * 3600)
#define STAFF_SESSION_IDLE_SECONDS (15 * 60)
#define STAFF_SESSION_MAX_SECONDS  (8 * 3600)
#define SESSION_ROLE_MAX	   64

enum session_kind { SESSION_MEMBER, SESSION_STAFF };

struct store_conn;

struct session {
	enum session_kind kind;
	int64_t account; /* the member, or the staff account */
	int64_t auth_at; /* the last password entry (NAM14) */
	/* A member's: the browser's privacy signal was applied in this session
	 * (gpc.h); read with the session, so later requests pay nothing. */
	bool signal_applied;
	char csrf[TOKEN_CHARS + 1];
	char role[SESSION_ROLE_MAX]; /* staff: the role, read afresh on every request */
};

/* A session just opened: the cookie's token and the CSRF token. */
struct session_tokens {
	char token[TOKEN_CHARS + 1];
	char csrf[TOKEN_CHARS + 1];
};

/* Starts a session of kind for account inside the caller's transaction. */
int session_open(struct store_conn *c, enum session_kind kind, int64_t account,
		 struct session_tokens *out);
/* Sets the session's cookie on the response (after the commit). */
void session_cookie_set(struct req *r, enum session_kind kind, const char *token);

/* The request's live session of kind, refreshed; false if none or expired.
 * A staff session whose account is gone or whose role is unknown is none. */
bool session_of_request(struct req *r, enum session_kind kind, struct session *out);
/* The session the gate found for this request's route (member and staff
 * routes only; NULL on a route anyone may call). */
const struct session *session_current(const struct req *r);
/* The broker's actor for what this session's account does: the member
 * themselves, or a staff member under their role (whose accesses to a
 * member's data are logged for the member, NAM11). */
struct broker_actor;
void session_actor(const struct session *s, struct broker_actor *a);
/* True when the request carries the session's CSRF token. */
bool session_csrf_ok(const struct req *r, const struct session *s);
/* True when the session's last password entry is within the profile's
 * re-authentication window (NAM14). */
bool session_recent(const struct session *s);
/* Records a fresh password entry for the request's session of kind. */
int session_reauth(struct req *r, enum session_kind kind);
/* Ends the request's session of kind and clears its cookie. */
void session_end_request(struct req *r, enum session_kind kind);
/* The hash of the request's own session token, for listings; false if none. */
bool session_request_hash(const struct req *r, enum session_kind kind,
			  unsigned char hash[TOKEN_HASH_BYTES]);

/* The member whose live session's token hashes to hash (as
 * session_request_hash gives it), read on c: for work done after the
 * request (the visit writer, docs/visits.md). 0 when there is none, -1
 * when the store failed. */
int64_t session_member_of_hash(struct store_conn *c, const unsigned char hash[TOKEN_HASH_BYTES]);

/* A member's sessions as [{id, created_at, last_seen, current}]; an id is a
 * prefix of the token's hash, never the token. current: the hash of the
 * asking request's own token, or NULL. */
json_t *session_list(int64_t member, const unsigned char *current);
/* Ends one of the member's sessions by its id; 0, or -1 if none matched. */
int session_end_id(int64_t member, const char *id);
/* Ends every session of the member but the one whose hash is keep (NULL: all). */
int session_end_others(struct store_conn *c, int64_t member, const unsigned char *keep);

/*
 * Rows kept by a token's keyed hash (sessions, remembered devices) are
 * shown by a short id (token_id). A query whose first column is the hash
 * fills a token_rows: with want set, the row whose id it is (found,
 * matched); otherwise list gets row_json() of each row, current marking the
 * one whose hash is current.
 */
struct store_row;
struct token_rows {
	json_t *list;
	unsigned char current[TOKEN_HASH_BYTES];
	bool have_current;
	const char *want;
	unsigned char found[TOKEN_HASH_BYTES];
	bool matched;
	json_t *(*row_json)(const struct store_row *row, const char *id, bool current);
};
int session_token_rows_cb(void *ctx, const struct store_row *row);

#endif
