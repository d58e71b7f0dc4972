/*
 * dkim: signing outgoing mail (see dkim.h).
 */
#include "dkim.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "crypto.h"
#include "mem.h"

/* The header fields looked at when signing: glovebox's own messages have
 * about a dozen (mail_msg.c), so none is ever past the limit. */
#define DKIM_MAX_HEADERS 64

struct dkim_key {
	unsigned char seed[32];
};

/* PKCS#8 of an Ed25519 key (RFC 8410) is this prefix and the 32-byte seed. */
static const unsigned char pkcs8_prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
					       0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};

static const char *const signed_headers[] = {
	"from",
	"to",
	"subject",
	"date",
	"message-id",
	"mime-version",
	"content-type",
	"list-unsubscribe",
	"list-unsubscribe-post",
};
#define NSIGNED (sizeof(signed_headers) / sizeof(signed_headers[0]))

struct dkim_key *dkim_key_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	char text[1024];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* The base64 between PEM markers, or the whole file. */
	char *b = text, *end;
	if ((b = strstr(text, "-----BEGIN PRIVATE KEY-----"))) {
		b += strlen("-----BEGIN PRIVATE KEY-----");
		end = strstr(b, "-----END");
		if (end)
			*end = '\0';
	} else {
		b = text;
	}
	unsigned char raw[64];
	size_t len = 0;
	struct dkim_key *k = crypto_secret_alloc(sizeof(*k));
	if (crypto_unbase64(b, strlen(b), raw, sizeof(raw), &len) == 0 && len == 48 &&
	    memcmp(raw, pkcs8_prefix, 16) == 0) {
		memcpy(k->seed, raw + 16, 32);
	} else if (len == 32) {
		memcpy(k->seed, raw, 32);
	} else {
		snprintf(err, errlen, "%s holds no Ed25519 key (PEM PKCS#8, or a base64 seed)",
			 path);
		crypto_secret_free(k);
		k = NULL;
	}
	crypto_wipe(raw, sizeof(raw));
	crypto_wipe(text, sizeof(text));
	return k;
}

void dkim_key_free(struct dkim_key *k)
{
	if (k)
		crypto_secret_free(k);
}

void dkim_dns_record(const struct dkim_key *k, struct buf *out)
{
	unsigned char pk[32];
	char b64[64];
	crypto_ed25519_public(k->seed, pk);
	crypto_base64(pk, sizeof(pk), b64, sizeof(b64));
	buf_printf(out, "v=DKIM1; k=ed25519; p=%s", b64);
}

/* Relaxed body canonicalisation (RFC 6376 3.4.4). */
static void canon_body(const char *body, size_t n, struct buf *out)
{
	size_t pending_empty = 0;
	for (size_t i = 0; i < n;) {
		size_t e = i;
		while (e < n && body[e] != '\n')
			e++;
		size_t line_end = e > i && body[e - 1] == '\r' ? e - 1 : e;
		struct buf line;
		buf_init(&line, 0);
		bool ws = false;
		for (size_t k = i; k < line_end; k++) {
			char c = body[k];
			if (c == ' ' || c == '\t') {
				ws = true;
				continue;
			}
			if (ws)
				buf_putc(&line, ' ');
			ws = false;
			buf_putc(&line, c);
		}
		if (line.len == 0) {
			pending_empty++;
		} else {
			for (; pending_empty; pending_empty--)
				buf_puts(out, "\r\n");
			buf_append(out, line.data, line.len);
			buf_puts(out, "\r\n");
		}
		buf_release(&line);
		i = e < n ? e + 1 : e;
	}
}

/* Relaxed header canonicalisation of one header (name and value as in the
 * message, folded lines included), without the final CRLF. */
static void canon_header(const char *h, size_t n, struct buf *out)
{
	size_t colon = 0;
	while (colon < n && h[colon] != ':')
		colon++;
	size_t name_end = colon;
	while (name_end > 0 && (h[name_end - 1] == ' ' || h[name_end - 1] == '\t'))
		name_end--;
	for (size_t i = 0; i < name_end; i++)
		buf_putc(out, (char)tolower((unsigned char)h[i]));
	buf_putc(out, ':');
	bool ws = false, started = false;
	for (size_t i = colon + 1; i < n; i++) {
		char c = h[i];
		if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
			ws = true;
			continue;
		}
		if (ws && started)
			buf_putc(out, ' ');
		ws = false;
		started = true;
		buf_putc(out, c);
	}
}

struct header_span {
	const char *p;
	size_t n; /* without the final CRLF */
};

/* Splits the header block into headers (folded continuation lines kept). */
static size_t split_headers(const char *msg, size_t head_len, struct header_span *out, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < head_len && count < max;) {
		size_t e = i;
		while (e + 1 < head_len &&
		       !(msg[e] == '\r' && msg[e + 1] == '\n' &&
			 !(e + 2 < head_len && (msg[e + 2] == ' ' || msg[e + 2] == '\t'))))
			e++;
		out[count++] = (struct header_span){msg + i, e - i};
		i = e + 2;
	}
	return count;
}

/* Whether the header is named name (nl bytes): case aside, and white space
 * before the colon aside, as relaxed canonicalisation reads it. */
static bool header_named(const struct header_span *h, const char *name, size_t nl)
{
	size_t end = 0;
	while (end < h->n && h->p[end] != ':')
		end++;
	if (end == h->n)
		return false;
	while (end > 0 && (h->p[end - 1] == ' ' || h->p[end - 1] == '\t'))
		end--;
	return end == nl && strncasecmp(h->p, name, nl) == 0;
}

int dkim_sign(const struct dkim_key *k, const char *domain, const char *selector, int64_t now,
	      struct buf *msg)
{
	const char *sep = NULL;
	static const char blank_line[] = "\r\n\r\n"; /* ends the header */
	for (size_t i = 0; i + sizeof(blank_line) - 1 <= msg->len; i++)
		if (memcmp(msg->data + i, blank_line, sizeof(blank_line) - 1) == 0) {
			sep = msg->data + i;
			break;
		}
	if (!sep)
		return -1;
	size_t head_len = (size_t)(sep - msg->data) + 2;
	const char *body = sep + 4;
	size_t body_len = msg->len - (size_t)(body - msg->data);

	struct buf cb, sig_header, data, h_list;
	buf_init(&cb, 0);
	buf_init(&sig_header, 0);
	buf_init(&data, 0);
	buf_init(&h_list, 0);
	canon_body(body, body_len, &cb);
	unsigned char bh[32];
	char bh64[64];
	crypto_sha256(cb.data ? cb.data : "", cb.len, bh);
	crypto_base64(bh, sizeof(bh), bh64, sizeof(bh64));

	struct header_span hs[DKIM_MAX_HEADERS];
	size_t nh = split_headers(msg->data, head_len, hs, ARRAY_LEN(hs));
	/* Of a header the message has twice, the bottom-most is signed: the one
	 * a verifier takes for the name in h= (RFC 6376 5.4.2). */
	for (size_t s = 0; s < NSIGNED; s++) {
		size_t nl = strlen(signed_headers[s]);
		for (size_t i = nh; i-- > 0;)
			if (header_named(&hs[i], signed_headers[s], nl)) {
				canon_header(hs[i].p, hs[i].n, &data);
				buf_puts(&data, "\r\n");
				buf_printf(&h_list, "%s%s", h_list.len ? ":" : "",
					   signed_headers[s]);
				break;
			}
	}
	buf_printf(&sig_header,
		   "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=%s; s=%s;\r\n"
		   "\tt=%lld; h=%s;\r\n\tbh=%s;\r\n\tb=",
		   domain, selector, (long long)now, h_list.data, bh64);
	canon_header(sig_header.data, sig_header.len, &data);
	unsigned char hash[32], sig[64];
	char sig64[128];
	crypto_sha256(data.data, data.len, hash);
	crypto_ed25519_sign(k->seed, hash, sizeof(hash), sig);
	crypto_base64(sig, sizeof(sig), sig64, sizeof(sig64));
	buf_printf(&sig_header, "%s\r\n", sig64);
	/* The signature goes first. */
	struct buf signed_msg;
	buf_init(&signed_msg, 0);
	buf_append(&signed_msg, sig_header.data, sig_header.len);
	buf_append(&signed_msg, msg->data, msg->len);
	buf_reset(msg);
	buf_append(msg, signed_msg.data, signed_msg.len);
	buf_release(&signed_msg);
	buf_release(&cb);
	buf_release(&sig_header);
	buf_release(&data);
	buf_release(&h_list);
	return 0;
}

int dkim_keygen(const char *path, const char *selector, const char *domain, FILE *out)
{
	unsigned char der[48];
	char b64[96];
	memcpy(der, pkcs8_prefix, 16);
	crypto_random(der + 16, 32);
	crypto_base64(der, sizeof(der), b64, sizeof(b64));
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "glovebox: cannot create %s: %s\n", path, strerror(errno));
		crypto_wipe(der, sizeof(der));
		return 1;
	}
	char pem[200];
	int n = snprintf(pem, sizeof(pem),
			 "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", b64);
	bool ok = write(fd, pem, (size_t)n) == n && close(fd) == 0;
	crypto_wipe(pem, sizeof(pem));
	crypto_wipe(b64, sizeof(b64));
	struct dkim_key k;
	memcpy(k.seed, der + 16, 32);
	crypto_wipe(der, sizeof(der));
	if (!ok) {
		fprintf(stderr, "glovebox: cannot write %s\n", path);
		return 1;
	}
	struct buf rec;
	buf_init(&rec, 0);
	dkim_dns_record(&k, &rec);
	crypto_wipe(&k, sizeof(k));
	fprintf(out,
		"DKIM key written to %s (mode 0600).\nPublish this TXT record:\n%s._domainkey.%s. "
		"IN TXT \"%s\"\nThen set dkim-key=%s, dkim-selector=%s, dkim-domain=%s.\n",
		path, selector, domain, rec.data, path, selector, domain);
	buf_release(&rec);
	return 0;
}
