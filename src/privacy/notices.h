/*
 * notices: the policy-change notices of NAM10 by mail. When a new profile
 * version widens a purpose for data already held (a new purpose, a basis
 * asking less consent, a recipient given more: policy.h's new uses),
 * `profile publish` records a notice due for every member (privacy.h); a
 * pass of its own, on a timer, sends each member one message per purpose
 * naming it, what it is for, each thing that widened, when it starts and
 * where to say no, and records when it went out. Until the profile's
 * opt-out window has passed since then (or the member says yes under the
 * new version), the broker holds that member to the old terms as well.
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
