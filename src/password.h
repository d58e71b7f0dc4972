/*
 * password: the password rule (NIST SP 800-63B): at least 8 and at most 128
 * characters, no composition rules, and not a common or easily guessed
 * password according to cracklib's dictionary. The only file that includes
 * <crack.h>.
 */
#ifndef GLOVEBOX_PASSWORD_H
#define GLOVEBOX_PASSWORD_H

#include <stddef.h>

#define PASSWORD_MIN 8
#define PASSWORD_MAX 128

/* NULL when acceptable, else a message for the user. */
const char *password_check(const char *pw, size_t len);

#endif
