/*
 * password: the password rule (NIST SP 800-63B): at least PASSWORD_MIN and
 * at most PASSWORD_MAX characters, no composition rules, and not a common
 * or easily guessed password according to cracklib's dictionary. The only
 * file that includes <crack.h>.
 */
#ifndef GLOVEBOX_PASSWORD_H
#define GLOVEBOX_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto.h"
#include "err.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 128

/* NULL when acceptable, else what is wrong, for the user ("must have ..."). */
const char *password_check(const char *pw, size_t len);

/* Checks a new password against the rule and hashes it into out
 * (Argon2id). 0, or -1 with *f: ERR_WEAK_PASSWORD (the message says why),
 * or ERR_BUSY when every hashing slot is taken. */
int password_accept(const char *pw, char out[CRYPTO_PWHASH_STR_MAX], struct failure *f);

/* A hash to check a password against when there is no account, so that an
 * unknown address costs the same Argon2id work as a known one (no timing
 * tells them apart). Made once, on first use. */
const char *password_dummy_hash(void);

/* Checks a password against a stored hash. 0 when it matches, else -1
 * with *f: wrong (the caller's error, e.g. ERR_BAD_CREDENTIALS) or ERR_BUSY. */
int password_verify(const char *hash, const char *pw, enum err wrong, struct failure *f);

#endif
