/*
 * browser: the known browsers of browser.h.
 */
#include "browser.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "store.h"

static const char SQL_ACCOUNT[] =
	"SELECT subject_id FROM known_browsers WHERE token_hash = $1 AND expires_at > $2";
static const char SQL_KEEP[] = "UPDATE known_browsers SET last_used = $3, expires_at = $4 "
			       "WHERE token_hash = $1 AND subject_id = $2 AND expires_at > $3";
static const char SQL_DROP[] = "DELETE FROM known_browsers WHERE token_hash = $1";
static const char SQL_INSERT[] = "INSERT INTO known_browsers (token_hash, subject_id, "
				 "created_at, last_used, expires_at) VALUES ($1, $2, $3, $3, $4)";
static const char SQL_FORGET_OTHERS[] =
	"DELETE FROM known_browsers WHERE subject_id = $1 AND token_hash <> $2";

/* Each kind's cookie: its name, its name behind TLS, and SameSite as the
 * kind's session has it. */
static const struct {
	const char *name, *name_tls, *same_site;
} cookies[] = {
	[SESSION_MEMBER] = {"gb_browser", "__Host-gb_browser", "Lax"},
	[SESSION_STAFF] = {"gb_staff_browser", "__Host-gb_staff_browser", "Strict"},
};

static int account_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

int64_t browser_account(struct store_conn *c, const char *token)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t account = 0;
	if (!token_hash(token, hash))
		return 0;
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash)), SV_INT((int64_t)time(NULL))};
	if (store_exec(c, SQL_ACCOUNT, key, STORE_NPARAMS(key), account_cb, &account) < 0)
		return -1;
	return account;
}

bool browser_lockout(const char *token, struct lockout *l)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	if (!token_hash(token, hash))
		return false;
	lockout_of_bytes(l, "browser", hash, sizeof(hash));
	return true;
}

int browser_signed_in(struct store_conn *c, int64_t account, const char *token,
		      char out[TOKEN_CHARS + 1])
{
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t now = (int64_t)time(NULL);
	if (token_hash(token, hash)) {
		struct store_val keep[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(account),
					   SV_INT(now), SV_INT(now + BROWSER_SECONDS)};
		int kept = store_exec(c, SQL_KEEP, keep, STORE_NPARAMS(keep), NULL, NULL);
		if (kept < 0)
			return -1;
		if (kept == 1) {
			snprintf(out, TOKEN_CHARS + 1, "%s", token);
			return 0;
		}
		/* Another account's, or expired: the cookie is replaced below,
		 * so its row would serve nobody. */
		struct store_val old[] = {SV_BLOB(hash, sizeof(hash))};
		if (store_exec(c, SQL_DROP, old, STORE_NPARAMS(old), NULL, NULL) < 0)
			return -1;
	}
	token_new(out, hash);
	struct store_val row[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(account), SV_INT(now),
				  SV_INT(now + BROWSER_SECONDS)};
	if (store_exec(c, SQL_INSERT, row, STORE_NPARAMS(row), NULL, NULL) < 0) {
		crypto_wipe(out, TOKEN_CHARS + 1);
		return -1;
	}
	return 0;
}

int browser_forget_others(struct store_conn *c, int64_t account, const char *keep)
{
	unsigned char hash[TOKEN_HASH_BYTES] = {0};
	if (!keep || !token_hash(keep, hash))
		memset(hash, 0, sizeof(hash)); /* matches no row */
	struct store_val v[] = {SV_INT(account), SV_BLOB(hash, sizeof(hash))};
	return store_exec(c, SQL_FORGET_OTHERS, v, STORE_NPARAMS(v), NULL, NULL) < 0 ? -1 : 0;
}

static const char *cookie_name(enum session_kind kind)
{
	return app.cfg.behind_tls ? cookies[kind].name_tls : cookies[kind].name;
}

const char *browser_of_request(const struct req *r, enum session_kind kind)
{
	return req_cookie(r, cookie_name(kind));
}

void browser_cookie_set(struct req *r, enum session_kind kind, const char *token)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=%s; Max-Age=%d%s",
		 cookie_name(kind), token, cookies[kind].same_site, BROWSER_SECONDS,
		 app.cfg.behind_tls ? "; Secure" : "");
	resp_header(r, "Set-Cookie", cookie);
}
