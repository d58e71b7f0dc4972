/*
 * validate: the parameter validators routes declare (route.h). Each returns
 * NULL when the value is acceptable, else a message fit for the user.
 */
#ifndef GLOVEBOX_VALIDATE_H
#define GLOVEBOX_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

const char *valid_line(const char *s, size_t len); /* UTF-8, no control characters */
const char *valid_text(const char *s, size_t len); /* UTF-8, tab/CR/LF allowed */
/* The longest e-mail address taken (RFC 5321 path limit less the brackets). */
#define VALIDATE_EMAIL_MAX 254
const char *valid_email(const char *s, size_t len);
const char *valid_uint(const char *s, size_t len);
const char *valid_token(const char *s, size_t len); /* base64url characters */
const char *valid_hex(const char *s, size_t len);   /* lower-case hexadecimal */
const char *valid_date(const char *s, size_t len);  /* YYYY-MM-DD, a real day */

#endif
