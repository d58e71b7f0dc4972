/*
 * validate: parameter validators (see validate.h). Pure functions, no I/O.
 */
#include "validate.h"

#include <string.h>

bool utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned cp;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static const char *check_controls(const char *s, size_t len, bool multiline)
{
	if (!utf8_valid(s, len))
		return "is not valid UTF-8 text";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x7f ||
		    (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))))
			return multiline ? "contains control characters"
					 : "must be a single line without control characters";
	}
	return NULL;
}

const char *valid_line(const char *s, size_t len)
{
	return check_controls(s, len, false);
}

const char *valid_text(const char *s, size_t len)
{
	return check_controls(s, len, true);
}

static bool is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c >= 0x80 || (c && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

static bool is_label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c >= 0x80;
}

const char *valid_email(const char *s, size_t len)
{
	static const char bad[] = "is not a valid e-mail address";
	if (len < 3 || len > VALIDATE_EMAIL_MAX || !utf8_valid(s, len))
		return bad;
	const char *at = memchr(s, '@', len);
	if (!at || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
		return bad;
	size_t local = (size_t)(at - s), dlen = len - local - 1;
	if (local == 0 || local > 64 || dlen == 0 || s[0] == '.' || at[-1] == '.')
		return bad;
	for (size_t i = 0; i < local; i++)
		if (!is_atext((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] == '.'))
			return bad;
	const char *d = at + 1;
	size_t label = 0, dots = 0;
	for (size_t i = 0; i < dlen; i++) {
		if (d[i] == '.') {
			if (label == 0 || d[i - 1] == '-')
				return bad;
			label = 0;
			dots++;
			continue;
		}
		if (!is_label_char((unsigned char)d[i]) || (label == 0 && d[i] == '-'))
			return bad;
		if (++label > 63)
			return bad;
	}
	if (dots == 0 || label < 2 || d[dlen - 1] == '-')
		return bad;
	return NULL;
}

const char *valid_uint(const char *s, size_t len)
{
	if (len == 0 || len > 18)
		return "must be a whole number";
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return "must be a whole number";
	return NULL;
}

const char *valid_date(const char *s, size_t len)
{
	static const char *const bad = "is not a date (YYYY-MM-DD)";
	static const unsigned days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (len != 10 || s[4] != '-' || s[7] != '-')
		return bad;
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return bad;
	unsigned y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
				(s[3] - '0'));
	unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days[m - 1] || (m == 2 && d == 29 && !leap))
		return bad;
	return NULL;
}

const char *valid_token(const char *s, size_t len)
{
	if (len == 0 || len > 128)
		return "is not a valid token";
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return "is not a valid token";
	}
	return NULL;
}

const char *valid_hex(const char *s, size_t len)
{
	if (len == 0 || len > 128)
		return "is not a valid id";
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return "is not a valid id";
	return NULL;
}
