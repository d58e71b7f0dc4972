/*
 * password: the password rule (NIST SP 800-63B): at least 8 and at most 128
 * characters, no composition rules, and not a common or easily guessed
 * password according to cracklib's dictionary. The only file that includes
 * <crack.h>.
 */
#ifndef GLOVEBOX_PASSWORD_H
#define GLOVEBOX_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 128

/* NULL when acceptable, else a message for the user. */
const char *password_check(const char *pw, size_t len);

struct req;
/* Checks the request's "password" against the rule and hashes it into out
 * (Argon2id). False after answering 400 invalid_field (naming the field),
 * or 503 busy with Retry-After when every hashing slot is taken. */
bool password_accept(struct req *r, char out[CRYPTO_PWHASH_STR_MAX]);

#endif
