/*
 * ratelimit: the store-backed counters of ratelimit.h.
 */
#include "ratelimit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "crypto.h"
#include "log.h"
#include "store.h"

static const char SQL_HIT[] =
	"INSERT INTO rate_limits (bucket, window_end, hits) VALUES ($1, $2, 1) "
	"ON CONFLICT (bucket) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits";
static const char SQL_PURGE[] = "DELETE FROM rate_limits WHERE window_end < $1";

static int hits_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

bool ratelimit_hit(const char *scope, const char *key, int64_t limit, int64_t window_seconds,
		   int64_t *retry_after)
{
	int64_t now = (int64_t)time(NULL), window = now / window_seconds;
	int64_t end = (window + 1) * window_seconds;
	/* Room for the scope, a key of up to 254 bytes (an e-mail address)
	 * and the window, so no key is cut; and never more hashed than was
	 * written (a longer text once hashed whatever followed the buffer). */
	char text[512];
	int n = snprintf(text, sizeof(text), "%s|%s|%lld|%lld", scope, key,
			 (long long)window_seconds, (long long)window);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
	unsigned char bucket[CRYPTO_INDEX_BYTES];
	crypto_blind_index(app.keys, "rate-limit", text, len, bucket);
	crypto_wipe(text, sizeof(text));
	int64_t hits = 0;
	struct store_val v[] = {SV_BLOB(bucket, sizeof(bucket)), SV_INT(end)};
	if (store_query(app.store, SQL_HIT, v, STORE_NPARAMS(v), hits_cb, &hits) < 0) {
		log_warn("rate limit %s: the store did not answer", scope);
		return true;
	}
	*retry_after = end - now;
	return hits <= limit;
}

int ratelimit_purge(int64_t now)
{
	struct store_val v[] = {SV_INT(now)};
	return store_query(app.store, SQL_PURGE, v, STORE_NPARAMS(v), NULL, NULL) < 0 ? -1 : 0;
}
