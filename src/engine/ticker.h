/*
 * ticker: a background thread that calls a function every interval until
 * stopped; stopping wakes it at once. Used for the retention pass and for
 * writing out buffered log lines.
 */
#ifndef GLOVEBOX_TICKER_H
#define GLOVEBOX_TICKER_H

#include <stdbool.h>

struct ticker;

/* Calls fn(arg) every interval_ms (first right away when run_first). NULL if
 * the thread cannot be started. */
struct ticker *ticker_start(unsigned interval_ms, bool run_first, void (*fn)(void *), void *arg);
/* Stops the thread, waiting for a call under way, and frees the ticker. */
void ticker_stop(struct ticker *t);

#endif
