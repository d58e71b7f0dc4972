/*
 * mail_msg: message building (see mail_msg.h).
 */
#include "mail_msg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto.h"
#include "mem.h"
#include "validate.h"

#define LINE_MAX_QP 76
/* No line of a message may be longer (RFC 5322 2.1.1). */
#define LINE_MAX_MSG 998

static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static bool plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x7f || *p < 0x20)
			return false;
	return true;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(struct buf *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63],
			     i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
		buf_append(out, q, 4);
	}
}

/* Length of the UTF-8 sequence starting at p (1 for a stray byte). */
static size_t utf8_len(const unsigned char *p)
{
	if (*p < 0x80)
		return 1;
	size_t n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 1;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* Text a reader shows as it is: plain ASCII, short enough for one line,
 * and nothing in it a reader would decode as an encoded word. */
static bool reads_as_is(const char *s)
{
	return plain_ascii(s) && strlen(s) <= LINE_MAX_QP && !strstr(s, "=?");
}

static void encode_words(struct buf *out, const char *text)
{
	/* "=?UTF-8?B?" + base64 + "?=" <= 75: at most 45 bytes per word, never
	 * splitting a character between words. */
	const unsigned char *p = (const unsigned char *)text;
	bool first = true;
	while (*p) {
		size_t n = 0;
		while (p[n]) {
			size_t c = utf8_len(p + n);
			if (n + c > 45)
				break;
			n += c;
		}
		if (!first)
			buf_puts(out, "\r\n ");
		buf_puts(out, "=?UTF-8?B?");
		base64(out, p, n);
		buf_puts(out, "?=");
		p += n;
		first = false;
	}
}

void mail_encode_words(struct buf *out, const char *text)
{
	if (reads_as_is(text))
		buf_puts(out, text);
	else
		encode_words(out, text);
}

void mail_quoted_printable(struct buf *out, const char *text)
{
	size_t col = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		char enc[4];
		size_t n;
		bool line_end_space =
			(*p == ' ' || *p == '\t') && (p[1] == '\n' || p[1] == '\r' || !p[1]);
		bool lone_dot = *p == '.' && col == 0;
		if ((*p >= 33 && *p <= 126 && *p != '=' && !lone_dot) ||
		    ((*p == ' ' || *p == '\t') && !line_end_space)) {
			enc[0] = (char)*p;
			n = 1;
		} else {
			snprintf(enc, sizeof(enc), "=%02X", *p);
			n = 3;
		}
		if (col + n > LINE_MAX_QP - 1) {
			buf_puts(out, "=\r\n"); /* soft line break */
			col = 0;
			if (*p == '.' && n == 1) { /* a dot would now start a line */
				snprintf(enc, sizeof(enc), "=%02X", *p);
				n = 3;
			}
		}
		buf_append(out, enc, n);
		col += n;
	}
}

/* Header "Name: value\r\n" with value encoded when it is not plain ASCII. */
static void header_words(struct buf *out, const char *name, const char *value)
{
	buf_printf(out, "%s: ", name);
	mail_encode_words(out, value);
	buf_puts(out, "\r\n");
}

static void address_header(struct buf *out, const char *name, const char *display, const char *addr)
{
	buf_printf(out, "%s: ", name);
	if (display && *display) {
		/* A quoted string (RFC 5322 3.2.4), so that no special in it
		 * reads as another address; encoded words when it is not short
		 * plain ASCII. */
		if (reads_as_is(display)) {
			buf_putc(out, '"');
			for (const char *p = display; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_putc(out, '\\');
				buf_putc(out, *p);
			}
			buf_puts(out, "\" ");
		} else {
			encode_words(out, display);
			buf_puts(out, " ");
		}
	}
	buf_printf(out, "<%s>\r\n", addr);
}

/* The headers mail_build writes itself: an extra one of these names would
 * make two. */
static const char *const own_headers[] = {
	"Date",	      "From",	      "To",	      "Subject",
	"Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
};

/* An extra header's name: printable ASCII but the colon (RFC 5322 3.6.8),
 * none of ours, none twice. */
static bool extra_name_ok(const struct mail *m, size_t k)
{
	const char *name = m->extra[k].name;
	if (!*name)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':')
			return false;
	for (size_t i = 0; i < ARRAY_LEN(own_headers); i++)
		if (strcasecmp(name, own_headers[i]) == 0)
			return false;
	for (size_t i = 0; i < k; i++)
		if (strcasecmp(name, m->extra[i].name) == 0)
			return false;
	return strlen(name) + 2 + strlen(m->extra[k].value) <= LINE_MAX_MSG;
}

/* A domain for the Message-ID: letters, digits, '-' and '.'. */
static bool domain_ok(const char *d)
{
	for (const char *p = d; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	return true;
}

const char *mail_build(const struct mail *m, struct buf *out, char *message_id, size_t idlen)
{
	if (!m->from_addr || valid_email(m->from_addr, strlen(m->from_addr)))
		return "the sender's address is not an e-mail address";
	if (!m->to_addr || valid_email(m->to_addr, strlen(m->to_addr)))
		return "the recipient's address is not an e-mail address";
	const char *people[] = {m->from_name, m->to_name, m->subject};
	static const char *const refused[] = {
		"the sender's name holds a line break or control character",
		"the recipient's name holds a line break or control character",
		"the subject holds a line break or control character",
	};
	for (size_t i = 0; i < 3; i++)
		if (people[i] &&
		    (has_control(people[i]) || !utf8_valid(people[i], strlen(people[i]))))
			return refused[i];
	if (!m->text || !utf8_valid(m->text, strlen(m->text)) ||
	    (m->html && !utf8_valid(m->html, strlen(m->html))))
		return "the body is not UTF-8 text";
	for (size_t i = 0; i < m->nextra; i++)
		if (!extra_name_ok(m, i) || has_control(m->extra[i].value) ||
		    !plain_ascii(m->extra[i].value))
			return "a header holds a character headers cannot hold";
	const char *domain = m->domain && *m->domain ? m->domain : "localhost";
	if (!domain_ok(domain))
		return "the sender's domain is not a domain name";

	unsigned char rnd[16];
	char hex[33], boundary[40];
	crypto_random(rnd, sizeof(rnd));
	crypto_hex(rnd, sizeof(rnd), hex);
	if ((size_t)snprintf(message_id, idlen, "<%s@%s>", hex, domain) >= idlen)
		return "the sender's domain is too long for a Message-ID";
	crypto_random(rnd, 12);
	crypto_hex(rnd, 12, hex);
	snprintf(boundary, sizeof(boundary), "=_gb_%s", hex);

	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

	buf_reset(out);
	buf_printf(out, "Date: %s\r\n", date);
	address_header(out, "From", m->from_name, m->from_addr);
	address_header(out, "To", m->to_name, m->to_addr);
	header_words(out, "Subject", m->subject ? m->subject : "");
	buf_printf(out, "Message-ID: %s\r\n", message_id);
	for (size_t i = 0; i < m->nextra; i++)
		buf_printf(out, "%s: %s\r\n", m->extra[i].name, m->extra[i].value);
	buf_puts(out, "MIME-Version: 1.0\r\n");
	if (!m->html) {
		buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
			      "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		mail_quoted_printable(out, m->text);
		buf_puts(out, "\r\n");
		return NULL;
	}
	buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	buf_printf(out,
		   "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		   boundary);
	mail_quoted_printable(out, m->text);
	buf_printf(out,
		   "\r\n--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
		   boundary);
	mail_quoted_printable(out, m->html);
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	return NULL;
}
