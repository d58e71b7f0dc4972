/*
 * notices: the policy-change notices of NAM10 by mail. When a new profile
 * version adds a purpose for data already held, `profile publish` records a
 * notice due for every member; the delivery passes send each member one
 * message naming the new purpose, what it is for, whether it is opt-in or
 * opt-out, and where to say no, and record when it went out. The broker
 * allows the new use only once the profile's opt-out window has passed
 * since then (and never, for an opt-in, without a yes).
 */
#ifndef GLOVEBOX_NOTICES_H
#define GLOVEBOX_NOTICES_H

#include <stdint.h>

/* Queues the notices due; the number queued, or -1. */
int64_t notices_pass(void);

#endif
