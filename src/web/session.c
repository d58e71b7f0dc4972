/*
 * session: the sessions of session.h, in the store so that any number of
 * glovebox processes share them. Member and staff sessions work alike.
 */
#include "session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "log.h"
#include "policy.h"
#include "store.h"

/*
 * Members and staff have sessions of the same shape in tables of their own
 * (a staff session is never a member's), with their own cookie and limits.
 */
struct session_kind {
	const char *cookie, *cookie_tls, *same_site;
	int64_t idle, max;
	const char *insert, *get, *touch, *reauth, *of_account, *delete;
};

static const struct session_kind kinds[] = {
	[SESSION_MEMBER] = {
		"gb_session", "__Host-gb_session", "Lax", SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS,
		"INSERT INTO sessions (token_hash, member_id, created_at, last_seen, auth_at, csrf) "
		"VALUES ($1, $2, $3, $4, $5, $6)",
		"SELECT member_id, created_at, last_seen, auth_at, csrf FROM sessions WHERE token_hash = $1",
		"UPDATE sessions SET last_seen = $2 WHERE token_hash = $1",
		"UPDATE sessions SET auth_at = $2 WHERE token_hash = $1",
		"SELECT token_hash, created_at, last_seen FROM sessions WHERE member_id = $1 "
		"ORDER BY created_at",
		"DELETE FROM sessions WHERE token_hash = $1",
	},
	[SESSION_STAFF] = {
		"gb_staff", "__Host-gb_staff", "Strict", STAFF_SESSION_IDLE_SECONDS,
		STAFF_SESSION_MAX_SECONDS,
		"INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen, auth_at, csrf) "
		"VALUES ($1, $2, $3, $4, $5, $6)",
		"SELECT staff_id, created_at, last_seen, auth_at, csrf FROM staff_sessions "
		"WHERE token_hash = $1",
		"UPDATE staff_sessions SET last_seen = $2 WHERE token_hash = $1",
		"UPDATE staff_sessions SET auth_at = $2 WHERE token_hash = $1",
		"SELECT token_hash, created_at, last_seen FROM staff_sessions WHERE staff_id = $1 "
		"ORDER BY created_at",
		"DELETE FROM staff_sessions WHERE token_hash = $1",
	},
};

static const char *cookie_name(const struct session_kind *k)
{
	return app.cfg.behind_tls ? k->cookie_tls : k->cookie;
}

const char *session_cookie_name(void)
{
	return cookie_name(&kinds[SESSION_MEMBER]);
}

static void set_cookie(const struct session_kind *k, struct req *r, const char *value,
		       long max_age)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=%s; Max-Age=%ld%s",
		 cookie_name(k), value, k->same_site, max_age, app.cfg.behind_tls ? "; Secure" : "");
	resp_header(r, "Set-Cookie", cookie);
}

int session_create_as(enum session_kind_id kind, struct store_conn *c, struct req *r,
		      int64_t account, char csrf_out[CRYPTO_TOKEN_CHARS + 1])
{
	const struct session_kind *k = &kinds[kind];
	char token[CRYPTO_TOKEN_CHARS + 1];
	unsigned char hash[32];
	int64_t now = (int64_t)time(NULL);
	crypto_token(token);
	crypto_token(csrf_out);
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct store_val row[] = {SV_BLOB(hash, 32), SV_INT(account), SV_INT(now),
				  SV_INT(now),	      SV_INT(now),     SV_TEXT(csrf_out)};
	if (store_exec(c, k->insert, row, 6, NULL, NULL) < 0)
		return -1;
	set_cookie(k, r, token, (long)k->max);
	crypto_wipe(token, sizeof(token));
	return 0;
}

struct found {
	bool ok;
	int64_t member, created, last_seen, auth_at;
	char csrf[CRYPTO_TOKEN_CHARS + 1];
};

static int found_cb(void *ctx, const struct store_row *row)
{
	struct found *f = ctx;
	f->ok = true;
	f->member = row->cols[0].i;
	f->created = row->cols[1].i;
	f->last_seen = row->cols[2].i;
	f->auth_at = row->cols[3].i;
	snprintf(f->csrf, sizeof(f->csrf), "%s",
		 row->cols[4].type == STORE_TEXT ? (const char *)row->cols[4].p : "");
	return 0;
}

static bool token_hash_of(const struct session_kind *k, const struct req *r,
			  unsigned char hash[32])
{
	const char *token = req_cookie(r, cookie_name(k));
	if (!token || strlen(token) != CRYPTO_TOKEN_CHARS)
		return false;
	crypto_token_hash(app.keys, token, strlen(token), hash);
	return true;
}

bool session_get_as(enum session_kind_id kind, struct req *r, struct session *out)
{
	const struct session_kind *k = &kinds[kind];
	unsigned char hash[32];
	if (!token_hash_of(k, r, hash))
		return false;
	struct found f = {0};
	struct store_val key[] = {SV_BLOB(hash, 32)};
	if (store_query(app.store, k->get, key, 1, found_cb, &f) < 0 || !f.ok)
		return false;
	int64_t now = (int64_t)time(NULL);
	if (now - f.last_seen > k->idle || now - f.created > k->max) {
		store_query(app.store, k->delete, key, 1, NULL, NULL);
		return false;
	}
	/* Touching once a minute is enough for idle limits of many minutes. */
	if (now - f.last_seen >= 60) {
		struct store_val touch[] = {SV_BLOB(hash, 32), SV_INT(now)};
		store_query(app.store, k->touch, touch, 2, NULL, NULL);
	}
	out->member = f.member;
	out->auth_at = f.auth_at;
	memcpy(out->csrf, f.csrf, sizeof(out->csrf));
	return true;
}

int session_reauth(struct req *r)
{
	const struct session_kind *k = &kinds[SESSION_MEMBER];
	unsigned char hash[32];
	if (!token_hash_of(k, r, hash))
		return -1;
	struct store_val v[] = {SV_BLOB(hash, 32), SV_INT(time(NULL))};
	return store_query(app.store, k->reauth, v, 2, NULL, NULL) == 1 ? 0 : -1;
}

bool session_recent(const struct session *s)
{
	return (int64_t)time(NULL) - s->auth_at <= (int64_t)app.policy->settings.reauth_minutes * 60;
}

void session_end_as(enum session_kind_id kind, struct req *r)
{
	const struct session_kind *k = &kinds[kind];
	unsigned char hash[32];
	if (token_hash_of(k, r, hash)) {
		struct store_val key[] = {SV_BLOB(hash, 32)};
		store_query(app.store, k->delete, key, 1, NULL, NULL);
	}
	set_cookie(k, r, "", 0);
}

int session_create(struct store_conn *c, struct req *r, int64_t member,
		   char csrf_out[CRYPTO_TOKEN_CHARS + 1])
{
	return session_create_as(SESSION_MEMBER, c, r, member, csrf_out);
}

bool session_get(struct req *r, struct session *out)
{
	return session_get_as(SESSION_MEMBER, r, out);
}

void session_end(struct req *r)
{
	session_end_as(SESSION_MEMBER, r);
}

bool session_csrf_ok(const struct req *r, const struct session *s)
{
	const char *sent = req_header(r, "X-CSRF-Token");
	if (!sent)
		sent = req_param(r, "csrf_token");     /* HTML forms send it as a field */
	return sent && strlen(sent) == CRYPTO_TOKEN_CHARS && s->csrf[0] &&
	       crypto_equal(sent, s->csrf, CRYPTO_TOKEN_CHARS);
}

static json_t *session_row(const struct store_row *row, const char *id, bool current)
{
	return json_pack("{s:s,s:I,s:I,s:b}", "id", id, "created_at", (json_int_t)row->cols[1].i,
			 "last_seen", (json_int_t)row->cols[2].i, "current", current);
}

int token_rows_cb(void *ctx, const struct store_row *row)
{
	struct token_rows *l = ctx;
	if (row->cols[0].type != STORE_BLOB || row->cols[0].n != 32)
		return 0;
	char id[2 * TOKEN_ID_BYTES + 1];
	crypto_hex(row->cols[0].p, TOKEN_ID_BYTES, id);
	if (l->want) {
		if (strcmp(l->want, id) == 0) {
			memcpy(l->found, row->cols[0].p, 32);
			l->matched = true;
		}
		return 0;
	}
	bool current = l->have_current && memcmp(l->current, row->cols[0].p, 32) == 0;
	json_array_append_new(l->list, l->row_json(row, id, current));
	return 0;
}

json_t *session_list(const struct req *r, int64_t member)
{
	struct token_rows l = {.list = json_array(), .row_json = session_row};
	l.have_current = token_hash_of(&kinds[SESSION_MEMBER], r, l.current);
	struct store_val id[] = {SV_INT(member)};
	store_query(app.store, kinds[SESSION_MEMBER].of_account, id, 1, token_rows_cb, &l);
	return l.list;
}

int session_end_id(int64_t member, const char *want)
{
	struct token_rows l = {.want = want};
	struct store_val id[] = {SV_INT(member)};
	const struct session_kind *k = &kinds[SESSION_MEMBER];
	if (store_query(app.store, k->of_account, id, 1, token_rows_cb, &l) < 0 || !l.matched)
		return -1;
	struct store_val key[] = {SV_BLOB(l.found, 32)};
	return store_query(app.store, k->delete, key, 1, NULL, NULL) == 1 ? 0 : -1;
}

bool session_require(struct req *r, struct session *s, bool need_csrf)
{
	if (!session_get(r, s)) {
		resp_error(r, 401, "not_signed_in", "Sign in first.", NULL);
		return false;
	}
	if (need_csrf && !session_csrf_ok(r, s)) {
		resp_error(r, 403, "csrf", "The request lacks this session's CSRF token.", NULL);
		return false;
	}
	return true;
}

int session_end_others(struct req *r, int64_t member)
{
	unsigned char hash[32];
	if (!token_hash_of(&kinds[SESSION_MEMBER], r, hash))
		return -1;
	struct store_val v[] = {SV_INT(member), SV_BLOB(hash, 32)};
	return store_query(app.store, "DELETE FROM sessions WHERE member_id = $1 AND token_hash <> $2",
			   v, 2, NULL, NULL) < 0
		       ? -1
		       : 0;
}
