/*
 * totp: RFC 6238 codes through liboath, and QR codes through libqrencode
 * drawn as SVG (see totp.h).
 */
#include "totp.h"

#include <liboath/oath.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : -1;
}

void totp_base32(const unsigned char secret[TOTP_SECRET_BYTES], char out[TOTP_BASE32_CHARS + 1])
{
	char *b32 = NULL;
	size_t len = 0;
	out[0] = '\0';
	if (oath_base32_encode((const char *)secret, TOTP_SECRET_BYTES, &b32, &len) != OATH_OK)
		return;
	size_t n = 0;
	for (size_t i = 0; i < len && n < TOTP_BASE32_CHARS; i++)
		if (b32[i] != '=')
			out[n++] = b32[i];
	out[n] = '\0';
	memset(b32, 0, len);
	free(b32);
}

static bool six_digits(const char *code)
{
	if (!code || strlen(code) != TOTP_DIGITS)
		return false;
	for (const char *p = code; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

bool totp_check(const unsigned char secret[TOTP_SECRET_BYTES], const char *code, int64_t now,
		int64_t last_step, int64_t *step)
{
	if (!six_digits(code))
		return false;
	int pos = 0;
	int rc = oath_totp_validate2((const char *)secret, TOTP_SECRET_BYTES, (time_t)now,
				     TOTP_STEP_SECONDS, 0, 1, &pos, code);
	if (rc < 0)
		return false;
	int64_t s = now / TOTP_STEP_SECONDS + pos;
	if (s <= last_step)
		return false; /* this code, or a later one, was used already */
	*step = s;
	return true;
}

int totp_code(const unsigned char secret[TOTP_SECRET_BYTES], int64_t now, char out[TOTP_DIGITS + 1])
{
	return oath_totp_generate((const char *)secret, TOTP_SECRET_BYTES, (time_t)now,
				  TOTP_STEP_SECONDS, 0, TOTP_DIGITS, out) == OATH_OK
		       ? 0
		       : -1;
}

/* Percent-encodes the characters an otpauth label or parameter may not hold. */
static void uri_escape(struct buf *out, const char *s)
{
	static const char keep[] = "-._~@";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr(keep, *p))
			buf_append(out, p, 1);
		else
			buf_printf(out, "%%%02X", *p);
	}
}

void totp_uri(struct buf *out, const char *issuer, const char *account,
	      const unsigned char secret[TOTP_SECRET_BYTES])
{
	char b32[TOTP_BASE32_CHARS + 1];
	totp_base32(secret, b32);
	buf_puts(out, "otpauth://totp/");
	uri_escape(out, issuer);
	buf_puts(out, ":");
	uri_escape(out, account);
	buf_printf(out, "?secret=%s&issuer=", b32);
	uri_escape(out, issuer);
	buf_printf(out, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_STEP_SECONDS);
	memset(b32, 0, sizeof(b32));
}

int totp_qr_svg(struct buf *out, const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return -1;
	const int quiet = 4, w = q->width, size = w + 2 * quiet;
	buf_printf(out,
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		   "height=\"%d\" role=\"img\" aria-label=\"QR code of the secret\" "
		   "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		   "<path fill=\"#000\" d=\"",
		   size, size, size * 6, size * 6, size, size);
	/* One horizontal run of dark modules per path segment. */
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			if (!(q->data[y * w + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < w && (q->data[y * w + x + run] & 1))
				run++;
			buf_printf(out, "M%d %dh%dv1h-%dz", x + quiet, y + quiet, run, run);
			x += run;
		}
	}
	buf_puts(out, "\"/></svg>");
	QRcode_free(q);
	return 0;
}
