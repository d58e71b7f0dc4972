/*
 * session: the sessions of session.h, in the store so that any number of
 * glovebox processes share them. Member and staff sessions work alike.
 */
#include "session.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "log.h"
#include "policy.h"
#include "store.h"

/* Touching once a minute is enough for idle limits of many minutes. */
#define TOUCH_SECONDS 60

/*
 * Members and staff have sessions of the same shape in tables of their own
 * (a staff session is never a member's), with their own cookie and limits.
 */
struct session_kind_def {
	const char *cookie, *cookie_tls, *same_site;
	int64_t idle, max;
	const char *insert, *get, *touch, *reauth, *of_account, *delete, *delete_others;
};

static const struct session_kind_def kinds[] = {
	[SESSION_MEMBER] =
		{
			"gb_session",
			"__Host-gb_session",
			"Lax",
			SESSION_IDLE_SECONDS,
			SESSION_MAX_SECONDS,
			"INSERT INTO sessions (token_hash, member_id, created_at, last_seen, "
			"auth_at, csrf) "
			"VALUES ($1, $2, $3, $4, $5, $6)",
			"SELECT member_id, created_at, last_seen, auth_at, csrf, "
			"privacy_signal_at FROM sessions WHERE token_hash = $1",
			"UPDATE sessions SET last_seen = $2 WHERE token_hash = $1",
			"UPDATE sessions SET auth_at = $2 WHERE token_hash = $1",
			"SELECT token_hash, created_at, last_seen FROM sessions WHERE member_id = "
			"$1 "
			"ORDER BY created_at",
			"DELETE FROM sessions WHERE token_hash = $1",
			"DELETE FROM sessions WHERE member_id = $1 AND token_hash <> $2",
		},
	[SESSION_STAFF] =
		{
			"gb_staff",
			"__Host-gb_staff",
			"Strict",
			STAFF_SESSION_IDLE_SECONDS,
			STAFF_SESSION_MAX_SECONDS,
			"INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen, "
			"auth_at, csrf) "
			"VALUES ($1, $2, $3, $4, $5, $6)",
			"SELECT s.staff_id, s.created_at, s.last_seen, s.auth_at, s.csrf, NULL, "
			"a.role "
			"FROM staff_sessions s JOIN staff a ON a.id = s.staff_id WHERE "
			"s.token_hash = $1",
			"UPDATE staff_sessions SET last_seen = $2 WHERE token_hash = $1",
			"UPDATE staff_sessions SET auth_at = $2 WHERE token_hash = $1",
			"SELECT token_hash, created_at, last_seen FROM staff_sessions WHERE "
			"staff_id = $1 "
			"ORDER BY created_at",
			"DELETE FROM staff_sessions WHERE token_hash = $1",
			"DELETE FROM staff_sessions WHERE staff_id = $1 AND token_hash <> $2",
		},
};

static const char *cookie_name(const struct session_kind_def *k)
{
	return app.cfg.behind_tls ? k->cookie_tls : k->cookie;
}

static void set_cookie(const struct session_kind_def *k, struct req *r, const char *value,
		       long max_age)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=%s; Max-Age=%ld%s",
		 cookie_name(k), value, k->same_site, max_age,
		 app.cfg.behind_tls ? "; Secure" : "");
	resp_header(r, "Set-Cookie", cookie);
}

int session_open(struct store_conn *c, enum session_kind kind, int64_t account,
		 struct session_tokens *out)
{
	const struct session_kind_def *k = &kinds[kind];
	unsigned char hash[TOKEN_HASH_BYTES], unused[TOKEN_HASH_BYTES];
	int64_t now = (int64_t)time(NULL);
	token_new(out->token, hash);
	token_new(out->csrf, unused);
	struct store_val row[] = {
		SV_BLOB(hash, sizeof(hash)), SV_INT(account), SV_INT(now), SV_INT(now), SV_INT(now),
		SV_TEXT(out->csrf)};
	return store_exec(c, k->insert, row, STORE_NPARAMS(row), NULL, NULL) < 0 ? -1 : 0;
}

void session_cookie_set(struct req *r, enum session_kind kind, const char *token)
{
	set_cookie(&kinds[kind], r, token, (long)kinds[kind].max);
}

struct found {
	bool ok;
	int64_t account, created, last_seen, auth_at;
	bool signal_applied;
	char csrf[TOKEN_CHARS + 1];
	char role[SESSION_ROLE_MAX];
};

static void text_copy(char *out, size_t n, const struct store_val *v)
{
	snprintf(out, n, "%s", v->type == STORE_TEXT ? (const char *)v->p : "");
}

static int found_cb(void *ctx, const struct store_row *row)
{
	struct found *f = ctx;
	f->ok = true;
	f->account = row->cols[0].i;
	f->created = row->cols[1].i;
	f->last_seen = row->cols[2].i;
	f->auth_at = row->cols[3].i;
	text_copy(f->csrf, sizeof(f->csrf), &row->cols[4]);
	f->signal_applied = row->cols[5].type != STORE_NULL;
	if (row->ncols > 6)
		text_copy(f->role, sizeof(f->role), &row->cols[6]);
	return 0;
}

bool session_request_hash(const struct req *r, enum session_kind kind,
			  unsigned char hash[TOKEN_HASH_BYTES])
{
	return token_hash(req_cookie(r, cookie_name(&kinds[kind])), hash);
}

bool session_of_request(struct req *r, enum session_kind kind, struct session *out)
{
	const struct session_kind_def *k = &kinds[kind];
	unsigned char hash[TOKEN_HASH_BYTES];
	if (!session_request_hash(r, kind, hash))
		return false;
	struct found f = {0};
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash))};
	if (store_query(app.store, k->get, key, STORE_NPARAMS(key), found_cb, &f) < 0 || !f.ok)
		return false;
	int64_t now = (int64_t)time(NULL);
	if (now - f.last_seen > k->idle || now - f.created > k->max) {
		store_query(app.store, k->delete, key, STORE_NPARAMS(key), NULL, NULL);
		return false;
	}
	/* A staff role the profile in force no longer has grants nothing. */
	if (kind == SESSION_STAFF && policy_role_index(app.policy, f.role) < 0)
		return false;
	if (now - f.last_seen >= TOUCH_SECONDS) {
		struct store_val touch[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(now)};
		store_query(app.store, k->touch, touch, STORE_NPARAMS(touch), NULL, NULL);
	}
	*out = (struct session){.kind = kind,
				.account = f.account,
				.auth_at = f.auth_at,
				.signal_applied = f.signal_applied};
	memcpy(out->csrf, f.csrf, sizeof(out->csrf));
	memcpy(out->role, f.role, sizeof(out->role));
	return true;
}

int64_t session_member_of_hash(struct store_conn *c, const unsigned char hash[TOKEN_HASH_BYTES])
{
	const struct session_kind_def *k = &kinds[SESSION_MEMBER];
	struct found f = {0};
	struct store_val key[] = {SV_BLOB(hash, TOKEN_HASH_BYTES)};
	if (store_exec(c, k->get, key, STORE_NPARAMS(key), found_cb, &f) < 0)
		return -1;
	int64_t now = (int64_t)time(NULL);
	if (!f.ok || now - f.last_seen > k->idle || now - f.created > k->max)
		return 0;
	return f.account;
}

const struct session *session_current(const struct req *r)
{
	return r->session;
}

int session_reauth(struct req *r, enum session_kind kind)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	if (!session_request_hash(r, kind, hash))
		return -1;
	struct store_val v[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(time(NULL))};
	return store_query(app.store, kinds[kind].reauth, v, STORE_NPARAMS(v), NULL, NULL) == 1
		       ? 0
		       : -1;
}

bool session_recent(const struct session *s)
{
	return (int64_t)time(NULL) - s->auth_at <=
	       (int64_t)app.policy->settings.reauth_minutes * 60;
}

void session_end_request(struct req *r, enum session_kind kind)
{
	const struct session_kind_def *k = &kinds[kind];
	unsigned char hash[TOKEN_HASH_BYTES];
	if (session_request_hash(r, kind, hash)) {
		struct store_val key[] = {SV_BLOB(hash, sizeof(hash))};
		store_query(app.store, k->delete, key, STORE_NPARAMS(key), NULL, NULL);
	}
	set_cookie(k, r, "", 0);
}

void session_actor(const struct session *s, struct broker_actor *a)
{
	if (s->kind == SESSION_STAFF)
		*a = (struct broker_actor){ACTOR_STAFF, s->account, s->role, NULL};
	else
		*a = (struct broker_actor){ACTOR_SELF, s->account, NULL, NULL};
}

bool session_csrf_ok(const struct req *r, const struct session *s)
{
	const char *sent = req_header(r, "X-CSRF-Token");
	if (!sent)
		sent = req_param(r, "csrf_token"); /* HTML forms send it as a field */
	return sent && strlen(sent) == TOKEN_CHARS && s->csrf[0] &&
	       crypto_equal(sent, s->csrf, TOKEN_CHARS);
}

static json_t *session_row(const struct store_row *row, const char *id, bool current)
{
	return json_pack("{s:s,s:I,s:I,s:b}", "id", id, "created_at", (json_int_t)row->cols[1].i,
			 "last_seen", (json_int_t)row->cols[2].i, "current", current);
}

int session_token_rows_cb(void *ctx, const struct store_row *row)
{
	struct token_rows *l = ctx;
	if (row->cols[0].type != STORE_BLOB || row->cols[0].n != TOKEN_HASH_BYTES)
		return 0;
	char id[TOKEN_ID_CHARS + 1];
	token_id(row->cols[0].p, id);
	if (l->want) {
		if (strcmp(l->want, id) == 0) {
			memcpy(l->found, row->cols[0].p, TOKEN_HASH_BYTES);
			l->matched = true;
		}
		return 0;
	}
	bool current = l->have_current && memcmp(l->current, row->cols[0].p, TOKEN_HASH_BYTES) == 0;
	json_array_append_new(l->list, l->row_json(row, id, current));
	return 0;
}

json_t *session_list(int64_t member, const unsigned char *current)
{
	struct token_rows l = {.list = json_array(), .row_json = session_row};
	if (current) {
		memcpy(l.current, current, TOKEN_HASH_BYTES);
		l.have_current = true;
	}
	struct store_val id[] = {SV_INT(member)};
	store_query(app.store, kinds[SESSION_MEMBER].of_account, id, STORE_NPARAMS(id),
		    session_token_rows_cb, &l);
	return l.list;
}

int session_end_id(int64_t member, const char *want)
{
	struct token_rows l = {.want = want};
	struct store_val id[] = {SV_INT(member)};
	const struct session_kind_def *k = &kinds[SESSION_MEMBER];
	if (store_query(app.store, k->of_account, id, STORE_NPARAMS(id), session_token_rows_cb,
			&l) < 0 ||
	    !l.matched)
		return -1;
	struct store_val key[] = {SV_BLOB(l.found, TOKEN_HASH_BYTES)};
	return store_query(app.store, k->delete, key, STORE_NPARAMS(key), NULL, NULL) == 1 ? 0 : -1;
}

int session_end_others(struct store_conn *c, int64_t member, const unsigned char *keep)
{
	static const unsigned char none[TOKEN_HASH_BYTES];
	struct store_val v[] = {SV_INT(member), SV_BLOB(keep ? keep : none, TOKEN_HASH_BYTES)};
	return store_exec(c, kinds[SESSION_MEMBER].delete_others, v, STORE_NPARAMS(v), NULL, NULL) <
			       0
		       ? -1
		       : 0;
}
