/*
 * libFuzzer target: building a message (mail_build) from hostile names,
 * subjects, addresses, extra headers and bodies. The first byte says which
 * fields come from the input; the rest is the fields, separated by NUL
 * bytes: sender's name, recipient's name, subject, text, HTML, sender's
 * address, recipient's address, two extra headers (name, value) and the
 * Message-ID's domain.
 *
 * Properties: a field holding a line break or another control character
 * (or, in a header, text that is not UTF-8; in an extra header, anything but
 * printable ASCII) is refused. A message built is read back here, by a
 * reader of its own (RFC 5322 lines and unfolding, RFC 2047 encoded words,
 * quoted strings, RFC 2045 quoted-printable, RFC 2046 multipart), and must
 * say exactly what it was given: CRLF line ends only, no line over 998
 * bytes (76 in a quoted-printable body, none starting with a dot or ending
 * in white space), exactly the headers mail_build writes and the extra ones
 * in their order, each header's value decoding to the name, address or
 * subject given, and each part decoding to its text.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "crypto.h"
#include "mail_msg.h"
#include "mem.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	F_FROM_NAME,
	F_TO_NAME,
	F_SUBJECT,
	F_TEXT,
	F_HTML,
	F_FROM_ADDR,
	F_TO_ADDR,
	F_X1_NAME,
	F_X1_VALUE,
	F_X2_NAME,
	F_X2_VALUE,
	F_DOMAIN,
	NFIELDS
};

/* What a reader must see; a line of the message may not pass it (RFC 5322 2.1.1). */
#define LINE_MAX_MSG 998
#define LINE_MAX_QP  76
#define MAX_HEADERS  32

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "property broken: %s\n", what);
		abort();
	}
}

static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static bool printable_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/* ---- a reader of our own ---- */

struct header {
	char name[LINE_MAX_MSG + 1];
	struct buf value; /* unfolded: CRLF before white space removed */
};

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64 with padding, strictly; false if malformed. */
static bool unbase64(const char *s, size_t n, struct buf *out)
{
	if (n % 4)
		return false;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (size_t k = 0; k < 4; k++)
			v[k] = s[i + k] == '=' && i + 4 == n && k >= 2 ? 0 : b64val(s[i + k]);
		if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
			return false;
		unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
			     (unsigned)v[3];
		buf_putc(out, (char)(x >> 16));
		if (s[i + 2] != '=')
			buf_putc(out, (char)(x >> 8 & 0xff));
		if (s[i + 3] != '=')
			buf_putc(out, (char)(x & 0xff));
	}
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One RFC 2047 encoded word (w, n bytes) decoded into out; false if w is
 * not one. Any charset or encoding a reader would decode counts. */
static bool encoded_word(const char *w, size_t n, struct buf *out)
{
	if (n < 8 || w[0] != '=' || w[1] != '?' || w[n - 2] != '?' || w[n - 1] != '=')
		return false;
	const char *q1 = memchr(w + 2, '?', n - 4);
	if (!q1 || q1 == w + 2 || q1 + 3 > w + n - 2 || q1[2] != '?')
		return false;
	const char *text = q1 + 3;
	size_t tlen = (size_t)(w + n - 2 - text);
	if (memchr(text, '?', tlen))
		return false;
	if (q1[1] == 'B' || q1[1] == 'b')
		return unbase64(text, tlen, out);
	if (q1[1] == 'Q' || q1[1] == 'q') {
		for (size_t i = 0; i < tlen; i++) {
			if (text[i] == '_') {
				buf_putc(out, ' ');
			} else if (text[i] == '=' && i + 2 < tlen && hexval(text[i + 1]) >= 0 &&
				   hexval(text[i + 2]) >= 0) {
				buf_putc(out,
					 (char)(hexval(text[i + 1]) * 16 + hexval(text[i + 2])));
				i += 2;
			} else {
				buf_putc(out, text[i]);
			}
		}
		return true;
	}
	return false;
}

/* Unstructured text as a reader shows it: encoded words decoded, white space
 * between two of them dropped (RFC 2047 6.2). */
static void unstructured(const char *s, size_t n, struct buf *out)
{
	bool prev_word = false;
	size_t i = 0;
	while (i < n) {
		size_t ws = i;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		struct buf word;
		buf_init(&word, 0);
		bool is_word = i > start && encoded_word(s + start, i - start, &word);
		if (!(is_word && prev_word))
			buf_append(out, s + ws, start - ws);
		if (is_word)
			buf_append(out, word.data ? word.data : "", word.len);
		else
			buf_append(out, s + start, i - start);
		buf_release(&word);
		prev_word = is_word;
	}
}

/* An address header: a display name (quoted string, or encoded words), then
 * "<address>". False if it has another shape. */
static bool address(const char *v, size_t n, struct buf *name, struct buf *addr)
{
	size_t lt = n;
	while (lt > 0 && v[lt - 1] != '<')
		lt--;
	if (lt == 0 || v[n - 1] != '>')
		return false;
	lt--;
	buf_append(addr, v + lt + 1, n - lt - 2);
	if (memchr(addr->data ? addr->data : "", '<', addr->len) ||
	    memchr(addr->data ? addr->data : "", '>', addr->len) ||
	    memchr(addr->data ? addr->data : "", '"', addr->len))
		return false;
	if (lt == 0)
		return true;
	if (v[lt - 1] != ' ')
		return false;
	size_t dn = lt - 1;
	if (v[0] == '"') {
		if (dn < 2 || v[dn - 1] != '"')
			return false;
		for (size_t i = 1; i < dn - 1; i++) {
			if (v[i] == '"')
				return false; /* ends the quoted string early */
			if (v[i] == '\\') {
				if (++i >= dn - 1)
					return false;
			}
			buf_putc(name, v[i]);
		}
		return true;
	}
	/* Encoded words only: a bare phrase with specials would read as more. */
	for (size_t i = 0; i < dn;) {
		size_t s = i;
		while (i < dn && v[i] != ' ')
			i++;
		if (!encoded_word(v + s, i - s, name))
			return false;
		if (i < dn)
			i++;
	}
	return true;
}

/* Quoted-printable (RFC 2045 6.7) decoded; false if malformed. Checks line
 * lengths, leading dots and trailing white space on the way. */
static bool quoted_printable(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i <= n;) {
		const char *l = s + i;
		const char *eol = memmem(l, n - i, "\r\n", 2);
		size_t len = eol ? (size_t)(eol - l) : n - i;
		if (memchr(l, '\r', len) || memchr(l, '\n', len))
			return false;
		must(len <= LINE_MAX_QP, "a quoted-printable line is at most 76 characters");
		must(len == 0 || l[0] != '.', "no body line starts with a dot");
		must(len == 0 || (l[len - 1] != ' ' && l[len - 1] != '\t'),
		     "no body line ends in white space");
		bool soft = len > 0 && l[len - 1] == '=';
		size_t data_len = soft ? len - 1 : len;
		for (size_t k = 0; k < data_len; k++) {
			if (l[k] != '=') {
				buf_putc(out, l[k]);
				continue;
			}
			if (k + 2 >= data_len || hexval(l[k + 1]) < 0 || hexval(l[k + 2]) < 0)
				return false;
			buf_putc(out, (char)(hexval(l[k + 1]) * 16 + hexval(l[k + 2])));
			k += 2;
		}
		if (!eol)
			break;
		if (!soft)
			buf_puts(out, "\r\n");
		i += len + 2;
	}
	return true;
}

/* What mail_build promises a body becomes: CR dropped, LF as CRLF. */
static void expected_body(const char *text, struct buf *out)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n')
			buf_puts(out, "\r\n");
		else
			buf_putc(out, *p);
	}
}

static bool same(const struct buf *b, const char *s)
{
	return b->len == strlen(s) && (b->len == 0 || memcmp(b->data, s, b->len) == 0);
}

static void check_part(const char *body, size_t n, const char *text)
{
	struct buf got, want;
	buf_init(&got, 0);
	buf_init(&want, 0);
	must(quoted_printable(body, n, &got), "a part is well-formed quoted-printable");
	expected_body(text, &want);
	must(got.len == want.len && (got.len == 0 || memcmp(got.data, want.data, got.len) == 0),
	     "a part decodes to its text");
	buf_release(&got);
	buf_release(&want);
}

static size_t read_headers(const char *msg, size_t n, struct header *h, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < n;) {
		const char *eol = memmem(msg + i, n - i, "\r\n", 2);
		must(eol != NULL, "the header block's lines end in CRLF");
		size_t len = (size_t)(eol - (msg + i));
		if (msg[i] == ' ' || msg[i] == '\t') {
			must(count > 0, "no continuation line before the first header");
			buf_append(&h[count - 1].value, msg + i, len);
		} else {
			must(count < max, "a message of a few headers");
			const char *colon = memchr(msg + i, ':', len);
			must(colon && colon > msg + i, "a header line has a name and a colon");
			size_t nl = (size_t)(colon - (msg + i));
			must(nl < sizeof(h[count].name), "a header name is short");
			for (size_t k = 0; k < nl; k++)
				must(msg[i + k] > 32 && msg[i + k] < 127,
				     "a header name is printable");
			memcpy(h[count].name, msg + i, nl);
			h[count].name[nl] = '\0';
			buf_init(&h[count].value, 0);
			must(nl + 1 < len && colon[1] == ' ', "a header's value follows \": \"");
			buf_append(&h[count].value, colon + 2, len - nl - 2);
			count++;
		}
		i += len + 2;
	}
	return count;
}

static void check_message(const struct mail *m, const struct buf *out, const char *message_id)
{
	const char *msg = out->data;
	size_t n = out->len;
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		must(msg[i] != '\0', "no NUL in a message");
		if (msg[i] == '\r') {
			must(i + 1 < n && msg[i + 1] == '\n', "CR only before LF");
		} else if (msg[i] == '\n') {
			must(i > 0 && msg[i - 1] == '\r', "LF only after CR");
			col = 0;
		} else {
			must(++col <= LINE_MAX_MSG, "no line over 998 bytes");
		}
	}
	const char *sep = memmem(msg, n, "\r\n\r\n", 4);
	must(sep != NULL, "a blank line ends the header");
	size_t head_len = (size_t)(sep - msg) + 2;
	const char *body = sep + 4;
	size_t body_len = n - (size_t)(body - msg);

	struct header h[MAX_HEADERS];
	size_t nh = read_headers(msg, head_len, h, MAX_HEADERS);
	const char *names[MAX_HEADERS];
	size_t k = 0;
	names[k++] = "Date";
	names[k++] = "From";
	names[k++] = "To";
	names[k++] = "Subject";
	names[k++] = "Message-ID";
	for (size_t i = 0; i < m->nextra; i++)
		names[k++] = m->extra[i].name;
	names[k++] = "MIME-Version";
	names[k++] = "Content-Type";
	if (!m->html)
		names[k++] = "Content-Transfer-Encoding";
	must(nh == k, "exactly the headers given");
	for (size_t i = 0; i < k; i++)
		must(strcmp(h[i].name, names[i]) == 0, "the headers in order");
	for (size_t i = 0; i < nh; i++)
		for (size_t j = 0; j < i; j++)
			must(strcasecmp(h[i].name, h[j].name) != 0, "no header twice");

	struct buf a, b;
	buf_init(&a, 0);
	buf_init(&b, 0);
	const char *people[][2] = {{m->from_name, m->from_addr}, {m->to_name, m->to_addr}};
	for (size_t i = 0; i < 2; i++) {
		buf_reset(&a);
		buf_reset(&b);
		must(address(h[1 + i].value.data, h[1 + i].value.len, &a, &b),
		     "an address header reads as one name and one address");
		must(same(&a, people[i][0] ? people[i][0] : ""), "the name reads as given");
		must(same(&b, people[i][1]), "the address reads as given");
	}
	buf_reset(&a);
	unstructured(h[3].value.data ? h[3].value.data : "", h[3].value.len, &a);
	must(same(&a, m->subject ? m->subject : ""), "the subject reads as given");
	must(same(&h[4].value, message_id), "the Message-ID as returned");
	for (size_t i = 0; i < m->nextra; i++)
		must(same(&h[5 + i].value, m->extra[i].value), "an extra header as given");

	const struct buf *ct = &h[k - (m->html ? 1 : 2)].value;
	if (!m->html) {
		must(same(ct, "text/plain; charset=UTF-8"), "a text message's type");
		must(same(&h[k - 1].value, "quoted-printable"), "its encoding");
		must(body_len >= 2 && memcmp(body + body_len - 2, "\r\n", 2) == 0,
		     "the body ends in CRLF");
		check_part(body, body_len - 2, m->text);
	} else {
		static const char prefix[] = "multipart/alternative; boundary=\"";
		must(ct->len > sizeof(prefix) &&
			     memcmp(ct->data, prefix, sizeof(prefix) - 1) == 0 &&
			     ct->data[ct->len - 1] == '"',
		     "a multipart message's type");
		char boundary[80];
		size_t bl = ct->len - sizeof(prefix);
		must(bl > 0 && bl < sizeof(boundary), "a boundary");
		memcpy(boundary, ct->data + sizeof(prefix) - 1, bl);
		boundary[bl] = '\0';
		char open[100], close[100];
		snprintf(open, sizeof(open), "--%s\r\n", boundary);
		snprintf(close, sizeof(close), "\r\n--%s--\r\n", boundary);
		/* The boundary appears only where it delimits. */
		size_t seen = 0;
		for (const char *p = body;
		     (p = memmem(p, body_len - (size_t)(p - body), boundary, bl)) != NULL; p++)
			seen++;
		must(seen == 3, "the boundary only as a delimiter");
		static const char text_head[] =
			"Content-Type: text/plain; charset=UTF-8\r\n"
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n";
		static const char html_head[] =
			"Content-Type: text/html; charset=UTF-8\r\n"
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n";
		size_t ol = strlen(open), cl = strlen(close);
		must(body_len > ol + cl && memcmp(body, open, ol) == 0 &&
			     memcmp(body + body_len - cl, close, cl) == 0,
		     "the parts open and close");
		const char *p1 = body + ol;
		must(memcmp(p1, text_head, sizeof(text_head) - 1) == 0, "the text part's head");
		p1 += sizeof(text_head) - 1;
		char mid[100];
		snprintf(mid, sizeof(mid), "\r\n--%s\r\n", boundary);
		const char *m1 = memmem(p1, body_len - (size_t)(p1 - body), mid, strlen(mid));
		must(m1 != NULL, "two parts");
		check_part(p1, (size_t)(m1 - p1), m->text);
		const char *p2 = m1 + strlen(mid);
		must(memcmp(p2, html_head, sizeof(html_head) - 1) == 0, "the HTML part's head");
		p2 += sizeof(html_head) - 1;
		check_part(p2, (size_t)(body + body_len - cl - p2), m->html);
	}
	buf_release(&a);
	buf_release(&b);
	for (size_t i = 0; i < nh; i++)
		buf_release(&h[i].value);
}

/* Whether mail_build must refuse m (a field it cannot write safely). */
static bool must_refuse(const struct mail *m)
{
	if (valid_email(m->from_addr, strlen(m->from_addr)) ||
	    valid_email(m->to_addr, strlen(m->to_addr)))
		return true;
	const char *people[] = {m->from_name, m->to_name, m->subject};
	for (size_t i = 0; i < ARRAY_LEN(people); i++)
		if (people[i] &&
		    (has_control(people[i]) || !utf8_valid(people[i], strlen(people[i]))))
			return true;
	if (!utf8_valid(m->text, strlen(m->text)) ||
	    (m->html && !utf8_valid(m->html, strlen(m->html))))
		return true;
	for (size_t i = 0; i < m->nextra; i++)
		if (!printable_ascii(m->extra[i].name) || !printable_ascii(m->extra[i].value) ||
		    strchr(m->extra[i].name, ':'))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	char *fields[NFIELDS];
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t len = z ? (size_t)(z - p) : (size_t)(end - p);
		fields[i] = xstrndup(p, len);
		p = z ? z + 1 : end;
	}
	struct mail m = {
		.from_name = flags & 1 ? fields[F_FROM_NAME] : "North American Motoring",
		.from_addr = flags & 2 ? fields[F_FROM_ADDR] : "club@example.org",
		.to_name = flags & 4 ? fields[F_TO_NAME] : NULL,
		.to_addr = flags & 8 ? fields[F_TO_ADDR] : "ann@example.org",
		.subject = fields[F_SUBJECT],
		.text = fields[F_TEXT],
		.html = flags & 16 ? fields[F_HTML] : NULL,
		.domain = flags & 32 ? fields[F_DOMAIN] : "example.org",
	};
	if (flags & 64)
		m.extra[m.nextra++] = (struct mail_header){fields[F_X1_NAME], fields[F_X1_VALUE]};
	if (flags & 128)
		m.extra[m.nextra++] = (struct mail_header){fields[F_X2_NAME], fields[F_X2_VALUE]};

	struct buf out;
	buf_init(&out, 0);
	char message_id[128];
	const char *why = mail_build(&m, &out, message_id, sizeof(message_id));
	if (must_refuse(&m))
		must(why != NULL, "a field that cannot be written is refused");
	if (!why)
		check_message(&m, &out, message_id);
	buf_release(&out);
	for (size_t i = 0; i < NFIELDS; i++)
		free(fields[i]);
	return 0;
}
