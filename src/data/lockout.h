/*
 * lockout: failures in a row, and the wait they earn, for one thing someone
 * may guess a password against: an address being signed in to (whether or
 * not it has an account, so that a lock tells nothing about who has one), a
 * browser that has signed in to the account before, a session re-entering
 * its password. After LOCKOUT_MAX_FAILURES in a row each further failure
 * makes it wait twice as long, from LOCKOUT_FIRST_SECONDS up to
 * LOCKOUT_LONGEST_SECONDS; a success clears it, and a day without failures
 * forgets it.
 *
 * Counters live in the store (every glovebox process counts together) under
 * a keyed hash of what is guessed at, never the thing itself: an address
 * is hashed in its normal form (lower-cased, without white space), so any
 * spelling of it shares one counter.
 */
#ifndef GLOVEBOX_LOCKOUT_H
#define GLOVEBOX_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "err.h"

#define LOCKOUT_MAX_FAILURES	10 /* failures in a row before the first wait */
#define LOCKOUT_FIRST_SECONDS	30
#define LOCKOUT_LONGEST_SECONDS 900
#define LOCKOUT_FORGET_SECONDS	86400 /* a counter without failures this long is forgotten */

/* The counter of one thing, by its keyed name. */
struct lockout {
	unsigned char bucket[CRYPTO_INDEX_BYTES];
};

/* The counter of an e-mail address under scope ("member", "staff"). */
void lockout_of_address(struct lockout *l, const char *scope, const char *address);
/* The counter of a thing named by bytes (a token's stored hash) under scope. */
void lockout_of_bytes(struct lockout *l, const char *scope, const void *p, size_t n);

/* How long a thing with `failures` failures in a row waits. */
int64_t lockout_seconds(int64_t failures);

/* The seconds until it may be tried again (0: now), or -1 when the store failed. */
int64_t lockout_wait(const struct lockout *l, int64_t now);
/* The same as a failure: 0 when l lets a guess through, else -1 with f set
 * to ERR_ACCOUNT_LOCKED and the wait in retry_after (or ERR_STORE). */
int lockout_open(const struct lockout *l, int64_t now, struct failure *f);
/* Counts one failure, and the wait it earns. 0, or -1 when the store failed. */
int lockout_fail(const struct lockout *l, int64_t now);
/* A success: the counter starts again. 0, or -1. The retention pass drops
 * forgotten counters (records.c declares the table). */
int lockout_clear(const struct lockout *l);

#endif
