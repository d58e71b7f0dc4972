/*
 * remember: remembered devices and the form prefill (see remember.h).
 */
#include "remember.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "crypto.h"
#include "log.h"
#include "members.h"
#include "policy.h"
#include "session.h"
#include "store.h"

#define CAT_DEVICE "device_reference"
#define DEFAULT_SECONDS (365 * 86400)

static const char SQL_INSERT[] =
	"INSERT INTO remembered_devices (token_hash, member_id, created_at, last_used, expires_at) "
	"VALUES ($1, $2, $3, $3, $4)";
static const char SQL_GET[] =
	"SELECT member_id, last_used FROM remembered_devices WHERE token_hash = $1 AND expires_at > $2";
static const char SQL_TOUCH[] = "UPDATE remembered_devices SET last_used = $2 WHERE token_hash = $1";
static const char SQL_OF_MEMBER[] =
	"SELECT token_hash, created_at, last_used, expires_at FROM remembered_devices "
	"WHERE member_id = $1 ORDER BY created_at";
static const char SQL_DELETE[] = "DELETE FROM remembered_devices WHERE token_hash = $1";
static const char SQL_DELETE_MEMBER[] = "DELETE FROM remembered_devices WHERE member_id = $1";
static const char SQL_PURGE[] = "DELETE FROM remembered_devices WHERE expires_at <= $1";

const char *remember_purpose(void)
{
	const struct policy *p = app.policy;
	int cat = policy_category_index(p, CAT_DEVICE);
	for (size_t i = 0; cat >= 0 && i < p->npurposes; i++)
		if (policy_purpose_covers(&p->purposes[i], cat))
			return p->purposes[i].id;
	return NULL;
}

/* How long a reference lives: the profile's retention for it. */
static int64_t lifetime(void)
{
	const struct policy *p = app.policy;
	const char *id = remember_purpose();
	int pi = id ? policy_purpose_index(p, id) : -1;
	const struct policy_retention *r =
		pi >= 0 ? policy_retention_for(&p->purposes[pi], policy_category_index(p, CAT_DEVICE))
			: NULL;
	return r && r->kind == RET_DURATION && r->seconds > 0 ? r->seconds : DEFAULT_SECONDS;
}

static const char *cookie_name(void)
{
	return app.cfg.behind_tls ? "__Host-gb_remember" : "gb_remember";
}

static void set_cookie(struct req *r, const char *value, int64_t max_age)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
		 cookie_name(), value, (long long)max_age, app.cfg.behind_tls ? "; Secure" : "");
	resp_header(r, "Set-Cookie", cookie);
}

int remember_device(struct store_conn *c, struct req *r, int64_t member)
{
	if (!remember_purpose())
		return 0;            /* the profile offers none: the choice is ignored */
	char token[CRYPTO_TOKEN_CHARS + 1];
	unsigned char hash[32];
	int64_t now = (int64_t)time(NULL), life = lifetime();
	crypto_token(token);
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct store_val row[] = {SV_BLOB(hash, 32), SV_INT(member), SV_INT(now), SV_INT(now + life)};
	int rc = store_exec(c, SQL_INSERT, row, 4, NULL, NULL) < 0 ? -1 : 0;
	if (rc == 0)
		set_cookie(r, token, life);
	crypto_wipe(token, sizeof(token));
	return rc;
}

struct found {
	bool ok;
	int64_t member, last_used;
};

static int found_cb(void *ctx, const struct store_row *row)
{
	struct found *f = ctx;
	f->ok = true;
	f->member = row->cols[0].i;
	f->last_used = row->cols[1].i;
	return 0;
}

json_t *remember_prefill(struct req *r)
{
	const char *purpose = remember_purpose();
	const char *token = req_cookie(r, cookie_name());
	if (!purpose || !token || strlen(token) != CRYPTO_TOKEN_CHARS)
		return NULL;
	unsigned char hash[32];
	int64_t now = (int64_t)time(NULL);
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct found f = {0};
	struct store_val key[] = {SV_BLOB(hash, 32), SV_INT(now)};
	if (store_query(app.store, SQL_GET, key, 2, found_cb, &f) < 0 || !f.ok)
		return NULL;
	if (now - f.last_used >= 3600) {
		struct store_val touch[] = {SV_BLOB(hash, 32), SV_INT(now)};
		store_query(app.store, SQL_TOUCH, touch, 2, NULL, NULL);
	}
	/* glovebox itself uses the name and address for this purpose, so the
	 * member's choice for it is checked (an opt-out stops it at once). */
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct store_conn *c = store_acquire(app.store);
	json_t *record = members_record(c, f.member, &system, purpose, NULL);
	store_release(c);
	if (!record)
		return NULL;
	json_t *out = json_object();
	static const char *const keep[] = {"name", "email"};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(record, keep[i]);
		if (v)
			json_object_set(out, keep[i], v);
	}
	json_decref(record);
	return out;
}

int remember_forget_member(struct store_conn *c, int64_t member)
{
	struct store_val id[] = {SV_INT(member)};
	return store_exec(c, SQL_DELETE_MEMBER, id, 1, NULL, NULL) < 0 ? -1 : 0;
}

int64_t remember_purge(int64_t now)
{
	struct store_val v[] = {SV_INT(now)};
	int n = store_query(app.store, SQL_PURGE, v, 1, NULL, NULL);
	return n < 0 ? -1 : n;
}

/* ---- the member's list ---- */

static json_t *device_row(const struct store_row *row, const char *id, bool current)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:b}", "id", id, "created_at", (json_int_t)row->cols[1].i,
			 "last_used", (json_int_t)row->cols[2].i, "expires_at",
			 (json_int_t)row->cols[3].i, "this_device", current);
}

void remember_api_list(struct req *r)
{
	struct session s;
	if (!session_require(r, &s, false))
		return;
	struct token_rows l = {.list = json_array(), .row_json = device_row};
	const char *token = req_cookie(r, cookie_name());
	if (token && strlen(token) == CRYPTO_TOKEN_CHARS) {
		crypto_token_hash(app.keys, token, strlen(token), l.current);
		l.have_current = true;
	}
	struct store_val id[] = {SV_INT(s.member)};
	if (store_query(app.store, SQL_OF_MEMBER, id, 1, token_rows_cb, &l) < 0) {
		json_decref(l.list);
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	const char *purpose = remember_purpose();
	json_t *o = json_pack("{s:o,s:b}", "devices", l.list, "offered", purpose != NULL);
	resp_json(r, 200, o);
}

void remember_api_forget(struct req *r)
{
	struct session s;
	if (!session_require(r, &s, true))
		return;
	struct token_rows l = {.want = r->path_params[0]};
	struct store_val id[] = {SV_INT(s.member)};
	if (store_query(app.store, SQL_OF_MEMBER, id, 1, token_rows_cb, &l) < 0 || !l.matched) {
		resp_error(r, 404, "not_found", "You have no remembered device with that id.", NULL);
		return;
	}
	struct store_val key[] = {SV_BLOB(l.found, 32)};
	if (store_query(app.store, SQL_DELETE, key, 1, NULL, NULL) != 1) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "forgotten", 1));
}

void remember_api_forget_all(struct req *r)
{
	struct session s;
	if (!session_require(r, &s, true))
		return;
	struct store_val id[] = {SV_INT(s.member)};
	int n = store_query(app.store, SQL_DELETE_MEMBER, id, 1, NULL, NULL);
	if (n < 0) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	set_cookie(r, "", 0);
	resp_json(r, 200, json_pack("{s:i}", "forgotten", n));
}
