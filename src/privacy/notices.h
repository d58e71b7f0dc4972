/*
 * notices: the policy-change notices of NAM10 by mail. When a new profile
 * version adds a purpose for data already held, `profile publish` records a
 * notice due for every member (privacy.h); a pass of its own, on a timer,
 * sends each member one message naming the new purpose, what it is for,
 * whether it is opt-in or opt-out, and where to say no, and records when it
 * went out. The broker allows the new use only once the profile's opt-out
 * window has passed since then (and never, for an opt-in, without a yes).
 */
#ifndef GLOVEBOX_NOTICES_H
#define GLOVEBOX_NOTICES_H

#include <stdint.h>

/* The most notices one pass queues; the next pass takes the rest. */
#define NOTICES_BATCH 200

/* Queues the notices due (at most NOTICES_BATCH); the number queued, or -1. */
int64_t notices_pass(void);

/* Runs notices_pass() every interval_seconds on a thread of its own, the
 * first time at once (the server starts it with the mail interval when a
 * relay is configured); 0 seconds: never. 0, or -1 if the thread cannot be
 * started. */
int notices_start(unsigned interval_seconds);
/* Stops the timer, waiting for a pass under way. */
void notices_stop(void);

#endif
