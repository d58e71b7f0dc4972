/*
 * remember: remembered devices and the form prefill (see remember.h).
 */
#include "remember.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "record.h"
#include "policy.h"
#include "session.h"
#include "store.h"

#define CAT_DEVICE	"device_reference"
#define DEFAULT_SECONDS (365 * 86400) /* when the profile sets no duration */
#define TOUCH_SECONDS	3600	      /* last_used is kept to the hour */

static const char SQL_INSERT[] =
	"INSERT INTO remembered_devices (token_hash, member_id, created_at, last_used, expires_at) "
	"VALUES ($1, $2, $3, $3, $4)";
static const char SQL_GET[] = "SELECT member_id, last_used FROM remembered_devices WHERE "
			      "token_hash = $1 AND expires_at > $2";
static const char SQL_TOUCH[] =
	"UPDATE remembered_devices SET last_used = $2 WHERE token_hash = $1";
static const char SQL_OF_MEMBER[] =
	"SELECT token_hash, created_at, last_used, expires_at FROM remembered_devices "
	"WHERE member_id = $1 ORDER BY created_at";
static const char SQL_DELETE[] = "DELETE FROM remembered_devices WHERE token_hash = $1";
static const char SQL_DELETE_MEMBER[] = "DELETE FROM remembered_devices WHERE member_id = $1";

const char *remember_purpose(void)
{
	return policy_category_purpose(app.policy, CAT_DEVICE);
}

const char *remember_cookie_name(void)
{
	return app.cfg.behind_tls ? "__Host-gb_remember" : "gb_remember";
}

/* How long a reference lives: the profile's retention for it. */
static int64_t lifetime(void)
{
	const struct policy *p = app.policy;
	const char *id = remember_purpose();
	int pi = id ? policy_purpose_index(p, id) : -1;
	const struct policy_retention *r =
		pi >= 0 ? policy_retention_for(&p->purposes[pi],
					       policy_category_index(p, CAT_DEVICE))
			: NULL;
	return r && r->kind == RET_DURATION && r->seconds > 0 ? r->seconds : DEFAULT_SECONDS;
}

int remember_device(struct store_conn *c, int64_t member, struct remember_cookie *out)
{
	*out = (struct remember_cookie){"", 0};
	if (!remember_purpose())
		return 0; /* the profile offers none: the choice is ignored */
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t now = (int64_t)time(NULL), life = lifetime();
	token_new(out->token, hash);
	struct store_val row[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(member), SV_INT(now),
				  SV_INT(now + life)};
	if (store_exec(c, SQL_INSERT, row, STORE_NPARAMS(row), NULL, NULL) < 0) {
		crypto_wipe(out->token, sizeof(out->token));
		out->token[0] = '\0';
		return -1;
	}
	out->max_age = life;
	return 0;
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

json_t *remember_prefill(const char *token)
{
	const char *purpose = remember_purpose();
	unsigned char hash[TOKEN_HASH_BYTES];
	if (!purpose || !token_hash(token, hash))
		return NULL;
	int64_t now = (int64_t)time(NULL);
	struct found f = {0};
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(now)};
	if (store_query(app.store, SQL_GET, key, STORE_NPARAMS(key), found_cb, &f) < 0 || !f.ok)
		return NULL;
	if (now - f.last_used >= TOUCH_SECONDS) {
		struct store_val touch[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(now)};
		store_query(app.store, SQL_TOUCH, touch, STORE_NPARAMS(touch), NULL, NULL);
	}
	/* glovebox itself uses the name and address for this purpose, so the
	 * member's choice for it is checked (an opt-out stops it at once). */
	static const char *const fields[] = {"name", "email"};
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system, f.member, purpose, fields, ARRAY_LEN(fields), "read"};
	struct broker_grant *g = NULL;
	struct record_text values[ARRAY_LEN(fields)];
	enum decision_reason why;
	json_t *out = NULL;
	struct store_conn *c = store_acquire(app.store);
	if (broker_open(c, &use, &g, &why) == 0 &&
	    record_read(c, g, "members", f.member, fields, ARRAY_LEN(fields), values) == 1) {
		out = json_object();
		for (size_t i = 0; i < ARRAY_LEN(fields); i++)
			if (values[i].p)
				json_object_set_new(out, fields[i],
						    json_stringn(values[i].p, values[i].n));
		record_texts_release(values, ARRAY_LEN(values));
	}
	store_release(c);
	broker_grant_free(g);
	return out;
}

static json_t *device_row(const struct store_row *row, const char *id, bool current)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:b}", "id", id, "created_at",
			 (json_int_t)row->cols[1].i, "last_used", (json_int_t)row->cols[2].i,
			 "expires_at", (json_int_t)row->cols[3].i, "this_device", current);
}

json_t *remember_devices(int64_t member, const char *current_token)
{
	struct token_rows l = {.list = json_array(), .row_json = device_row};
	l.have_current = token_hash(current_token, l.current);
	struct store_val id[] = {SV_INT(member)};
	if (store_query(app.store, SQL_OF_MEMBER, id, STORE_NPARAMS(id), session_token_rows_cb,
			&l) < 0) {
		json_decref(l.list);
		return NULL;
	}
	return l.list;
}

int remember_forget(int64_t member, const char *id, struct failure *f)
{
	struct token_rows l = {.want = id};
	struct store_val who[] = {SV_INT(member)};
	if (store_query(app.store, SQL_OF_MEMBER, who, STORE_NPARAMS(who), session_token_rows_cb,
			&l) < 0)
		return err_fail(f, ERR_STORE);
	if (!l.matched)
		return err_fail(f, ERR_NO_DEVICE);
	struct store_val key[] = {SV_BLOB(l.found, TOKEN_HASH_BYTES)};
	return store_query(app.store, SQL_DELETE, key, STORE_NPARAMS(key), NULL, NULL) == 1
		       ? 0
		       : err_fail(f, ERR_STORE);
}

int remember_forget_all(int64_t member, int *forgotten, struct failure *f)
{
	struct store_val who[] = {SV_INT(member)};
	int n = store_query(app.store, SQL_DELETE_MEMBER, who, STORE_NPARAMS(who), NULL, NULL);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	*forgotten = n;
	return 0;
}

int remember_forget_member(struct store_conn *c, int64_t member)
{
	struct store_val who[] = {SV_INT(member)};
	return store_exec(c, SQL_DELETE_MEMBER, who, STORE_NPARAMS(who), NULL, NULL) < 0 ? -1 : 0;
}
