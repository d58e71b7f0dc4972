/*
 * lockout: the store-backed failure counters of lockout.h.
 */
#include "lockout.h"

#include <ctype.h>
#include <string.h>

#include "app.h"
#include "log.h"
#include "store.h"

#define ADDRESS_MAX 320 /* an e-mail address (254) with its scope */

static const char SQL_WAIT[] =
	"SELECT locked_until FROM lockouts WHERE bucket = $1 AND expires_at > $2";
/* A counter whose time has passed starts again from one. */
static const char SQL_FAIL[] =
	"INSERT INTO lockouts (bucket, failures, locked_until, expires_at) VALUES ($1, 1, 0, $3) "
	"ON CONFLICT (bucket) DO UPDATE SET failures = CASE WHEN lockouts.expires_at <= $2 "
	"THEN 1 ELSE lockouts.failures + 1 END, expires_at = $3 RETURNING failures";
static const char SQL_LOCK[] = "UPDATE lockouts SET locked_until = $2, expires_at = $3 "
			       "WHERE bucket = $1 AND locked_until < $2";
static const char SQL_CLEAR[] = "DELETE FROM lockouts WHERE bucket = $1";

static void bucket_of(struct lockout *l, const char *scope, const void *p, size_t n)
{
	unsigned char text[ADDRESS_MAX + 64];
	size_t len = strnlen(scope, sizeof(text) - 1 - ADDRESS_MAX);
	memcpy(text, scope, len);
	text[len++] = '|';
	memcpy(text + len, p, n);
	crypto_blind_index(app.keys, "lockout", text, len + n, l->bucket);
	crypto_wipe(text, sizeof(text));
}

void lockout_of_address(struct lockout *l, const char *scope, const char *address)
{
	char norm[ADDRESS_MAX];
	size_t n = 0;
	for (const unsigned char *s = (const unsigned char *)address; *s && n < sizeof(norm); s++)
		if (!isspace(*s))
			norm[n++] = (char)tolower(*s);
	bucket_of(l, scope, norm, n);
	crypto_wipe(norm, sizeof(norm));
}

void lockout_of_bytes(struct lockout *l, const char *scope, const void *p, size_t n)
{
	bucket_of(l, scope, p, n < ADDRESS_MAX ? n : ADDRESS_MAX);
}

int64_t lockout_seconds(int64_t failures)
{
	if (failures < LOCKOUT_MAX_FAILURES)
		return 0;
	int64_t s = LOCKOUT_FIRST_SECONDS;
	for (int64_t i = LOCKOUT_MAX_FAILURES; i < failures && s < LOCKOUT_LONGEST_SECONDS; i++)
		s *= 2;
	return s > LOCKOUT_LONGEST_SECONDS ? LOCKOUT_LONGEST_SECONDS : s;
}

static int int_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

int64_t lockout_wait(const struct lockout *l, int64_t now)
{
	int64_t until = 0;
	struct store_val v[] = {SV_BLOB(l->bucket, sizeof(l->bucket)), SV_INT(now)};
	if (store_query(app.store, SQL_WAIT, v, STORE_NPARAMS(v), int_cb, &until) < 0)
		return -1;
	return until > now ? until - now : 0;
}

int lockout_fail(const struct lockout *l, int64_t now)
{
	int64_t failures = 0, forget = now + LOCKOUT_FORGET_SECONDS;
	struct store_val v[] = {SV_BLOB(l->bucket, sizeof(l->bucket)), SV_INT(now), SV_INT(forget)};
	if (store_query(app.store, SQL_FAIL, v, STORE_NPARAMS(v), int_cb, &failures) < 0) {
		log_warn("lockout: the store did not count a failure");
		return -1;
	}
	int64_t wait = lockout_seconds(failures);
	if (wait == 0)
		return 0;
	struct store_val lock[] = {SV_BLOB(l->bucket, sizeof(l->bucket)), SV_INT(now + wait),
				   SV_INT(now + wait + LOCKOUT_FORGET_SECONDS)};
	return store_query(app.store, SQL_LOCK, lock, STORE_NPARAMS(lock), NULL, NULL) < 0 ? -1 : 0;
}

int lockout_clear(const struct lockout *l)
{
	struct store_val v[] = {SV_BLOB(l->bucket, sizeof(l->bucket))};
	return store_query(app.store, SQL_CLEAR, v, STORE_NPARAMS(v), NULL, NULL) < 0 ? -1 : 0;
}

int lockout_open(const struct lockout *l, int64_t now, struct failure *f)
{
	int64_t wait = lockout_wait(l, now);
	if (wait == 0)
		return 0;
	if (wait < 0)
		return err_fail(f, ERR_STORE);
	err_fail(f, ERR_ACCOUNT_LOCKED);
	f->retry_after = wait;
	return -1;
}
