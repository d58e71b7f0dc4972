/*
 * ratelimit: fixed-window counters in the store, so that every glovebox
 * process sharing a database counts together. Keys (client addresses) are
 * stored only as keyed hashes.
 */
#ifndef GLOVEBOX_RATELIMIT_H
#define GLOVEBOX_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Counts one hit for (scope, key) in the current window of window_seconds;
 * false when that makes more than limit hits. *retry_after gets the seconds
 * until the window ends. A store failure lets the hit through (and logs). */
bool ratelimit_hit(const char *scope, const char *key, int64_t limit, int64_t window_seconds,
		   int64_t *retry_after);
/* Drops the counters of windows that have ended. */
int ratelimit_purge(int64_t now);

#endif
