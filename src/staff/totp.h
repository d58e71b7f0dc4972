/*
 * totp: time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second
 * steps, 6 digits) for the staff second factor, and the QR code that carries
 * a new secret to an authenticator app. totp.c is the only file that
 * includes liboath and libqrencode.
 */
#ifndef GLOVEBOX_TOTP_H
#define GLOVEBOX_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TOTP_SECRET_BYTES 20 /* 160 bits, RFC 4226's recommendation */
#define TOTP_BASE32_CHARS 32 /* 20 bytes in base32, no padding */
#define TOTP_STEP_SECONDS 30
#define TOTP_DIGITS	  6

int totp_init(void);

/* Base32 (RFC 4648, as authenticator apps expect) of a secret. */
void totp_base32(const unsigned char secret[TOTP_SECRET_BYTES], char out[TOTP_BASE32_CHARS + 1]);

/*
 * Checks a 6-digit code at time now, allowing one step of clock drift either
 * way. A code is accepted once: it must belong to a step later than
 * last_step. On success returns true and sets *step to the code's step,
 * which the caller stores as the new last_step.
 */
bool totp_check(const unsigned char secret[TOTP_SECRET_BYTES], const char *code, int64_t now,
		int64_t last_step, int64_t *step);

/* The code for time now (tests and the staff CLI's self-check). */
int totp_code(const unsigned char secret[TOTP_SECRET_BYTES], int64_t now,
	      char out[TOTP_DIGITS + 1]);

/* The otpauth:// URI an authenticator app reads: issuer and account label. */
void totp_uri(struct buf *out, const char *issuer, const char *account,
	      const unsigned char secret[TOTP_SECRET_BYTES]);

/* Appends an SVG drawing of text as a QR code (error correction M); -1 if
 * the text does not fit a QR code. */
int totp_qr_svg(struct buf *out, const char *text);

#endif
