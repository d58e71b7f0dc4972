/*
 * libFuzzer target: DKIM's relaxed canonicalisation (RFC 6376 3.4.2 and
 * 3.4.4) and signing. dkim.c is included to reach its static functions. The
 * first byte picks what the rest is: a body, one header, or a message to
 * sign (headers as "name: value" lines, a blank line, the body).
 *
 * Properties: on text with CRLF line ends (what mail_build writes), body
 * and header canonicalisation equal a reference written here from the RFC;
 * on any bytes, body canonicalisation is idempotent; a signed message
 * verifies with a verifier of our own (the body hash, the headers h= names,
 * taken bottom-up as RFC 6376 5.4.2 says, the Ed25519 signature over the
 * SHA-256 of the canonical headers, RFC 8463), and h= names every signed
 * kind of header the message has.
 */
#include <sodium.h>

#include "dkim.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "property broken: %s\n", what);
		abort();
	}
}

static bool wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Every line end made CRLF: a lone CR or LF becomes CRLF. */
static void crlf(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			buf_puts(out, "\r\n");
			if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* RFC 6376 3.4.4 on CRLF text: white space at line ends dropped, runs of it
 * one space, empty lines at the end dropped, a last CRLF added. */
static void ref_body(const char *s, size_t n, struct buf *out)
{
	struct buf lines;
	buf_init(&lines, 0);
	size_t keep = 0; /* length of out up to the last non-empty line */
	for (size_t i = 0; i < n;) {
		const char *eol = memmem(s + i, n - i, "\r\n", 2);
		size_t e = eol ? (size_t)(eol - s) : n;
		size_t end = e;
		while (end > i && wsp(s[end - 1]))
			end--;
		for (size_t k = i; k < end; k++) {
			if (wsp(s[k])) {
				while (k + 1 < end && wsp(s[k + 1]))
					k++;
				buf_putc(&lines, ' ');
			} else {
				buf_putc(&lines, s[k]);
			}
		}
		bool empty = end == i;
		buf_puts(&lines, "\r\n");
		if (!empty)
			keep = lines.len;
		i = eol ? e + 2 : n;
	}
	buf_append(out, lines.data ? lines.data : "", keep);
	buf_release(&lines);
}

/* RFC 6376 3.4.2 on one header (its folds CRLF + white space). */
static void ref_header(const char *s, size_t n, struct buf *out)
{
	const char *colon = memchr(s, ':', n);
	size_t nl = (size_t)(colon - s);
	size_t ne = nl;
	while (ne > 0 && wsp(s[ne - 1]))
		ne--;
	for (size_t i = 0; i < ne; i++)
		buf_putc(out, (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]));
	buf_putc(out, ':');
	/* Unfolded value. */
	struct buf v;
	buf_init(&v, 0);
	for (size_t i = nl + 1; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		buf_putc(&v, s[i]);
	}
	size_t a = 0, b = v.len;
	while (a < b && wsp(v.data[a]))
		a++;
	while (b > a && wsp(v.data[b - 1]))
		b--;
	for (size_t i = a; i < b; i++) {
		if (wsp(v.data[i])) {
			while (i + 1 < b && wsp(v.data[i + 1]))
				i++;
			buf_putc(out, ' ');
		} else {
			buf_putc(out, v.data[i]);
		}
	}
	buf_release(&v);
}

static void check_body(const char *s, size_t n)
{
	struct buf got, again, norm, want;
	buf_init(&got, 0);
	buf_init(&again, 0);
	buf_init(&norm, 0);
	buf_init(&want, 0);
	canon_body(s, n, &got);
	canon_body(got.data ? got.data : "", got.len, &again);
	must(same(&got, &again), "body canonicalisation is idempotent");
	crlf(s, n, &norm);
	buf_reset(&got);
	canon_body(norm.data ? norm.data : "", norm.len, &got);
	ref_body(norm.data ? norm.data : "", norm.len, &want);
	must(same(&got, &want), "relaxed body as RFC 6376 3.4.4 says");
	buf_release(&got);
	buf_release(&again);
	buf_release(&norm);
	buf_release(&want);
}

/* Text with every line end a fold: CR, LF or CRLF becomes CRLF and a space,
 * so the text stays within one header. */
static void fold(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n') {
			buf_puts(out, "\r\n ");
			if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* A header as a message holds it: a name, a colon, folds only. */
static void header_text(const char *s, size_t n, struct buf *out)
{
	fold(s, n, out);
	if (!out->len || !memchr(out->data, ':', out->len))
		buf_puts(out, "x:");
}

static void check_header(const char *s, size_t n)
{
	struct buf h, got, want;
	buf_init(&h, 0);
	buf_init(&got, 0);
	buf_init(&want, 0);
	header_text(s, n, &h);
	/* A fold right after the name would make the name span lines. */
	const char *colon = memchr(h.data, ':', h.len);
	if (!memchr(h.data, '\r', (size_t)(colon - h.data))) {
		canon_header(h.data, h.len, &got);
		ref_header(h.data, h.len, &want);
		must(same(&got, &want), "relaxed header as RFC 6376 3.4.2 says");
	}
	buf_release(&h);
	buf_release(&got);
	buf_release(&want);
}

/* ---- signing and verifying ---- */

static const char *const names[] = {
	"From",		"To",
	"Subject",	"Date",
	"Message-ID",	"MIME-Version",
	"Content-Type", "List-Unsubscribe",
	"X-Other",	"subject",
	"FROM",		"Reply-To",
	"To ",		"List-Unsubscribe-Post",
};

/* The tag's value in a DKIM-Signature (white space removed), or false. */
static bool tag(const struct buf *sig, const char *name, struct buf *out)
{
	const char *s = sig->data;
	size_t n = sig->len, nl = strlen(name);
	for (size_t i = 0; i < n;) {
		while (i < n && (wsp(s[i]) || s[i] == '\r' || s[i] == '\n'))
			i++;
		size_t end = i;
		while (end < n && s[end] != ';')
			end++;
		if (end - i > nl && memcmp(s + i, name, nl) == 0 && s[i + nl] == '=') {
			for (size_t k = i + nl + 1; k < end; k++)
				if (!wsp(s[k]) && s[k] != '\r' && s[k] != '\n')
					buf_putc(out, s[k]);
			return true;
		}
		i = end + 1;
	}
	return false;
}

struct field {
	const char *p; /* "Name: value", folds kept */
	size_t n;
	bool used;
};

static size_t fields_of(const char *msg, size_t head_len, struct field *f, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < head_len && k < max;) {
		size_t e = i;
		while (e + 1 < head_len && !(msg[e] == '\r' && msg[e + 1] == '\n' &&
					     !(e + 2 < head_len && wsp(msg[e + 2]))))
			e++;
		f[k++] = (struct field){msg + i, e - i, false};
		i = e + 2;
	}
	return k;
}

static bool name_is(const struct field *f, const char *name, size_t nl)
{
	const char *colon = memchr(f->p, ':', f->n);
	if (!colon)
		return false;
	size_t fl = (size_t)(colon - f->p);
	while (fl > 0 && wsp(f->p[fl - 1]))
		fl--;
	return fl == nl && strncasecmp(f->p, name, nl) == 0;
}

static void verify(const struct buf *msg, const unsigned char pk[32], size_t nfields_in)
{
	const char *s = msg->data;
	const char *sep = memmem(s, msg->len, "\r\n\r\n", 4);
	must(sep != NULL, "a signed message keeps its blank line");
	size_t head_len = (size_t)(sep - s) + 2;
	struct field f[DKIM_MAX_HEADERS + 2];
	size_t nf = fields_of(s, head_len, f, ARRAY_LEN(f));
	must(nf >= 1 && name_is(&f[0], "dkim-signature", 14), "the signature comes first");
	must(nf == nfields_in + 1, "signing adds one header");
	struct buf sig;
	buf_init(&sig, 0);
	const char *colon = memchr(f[0].p, ':', f[0].n);
	buf_append(&sig, colon + 1, f[0].n - (size_t)(colon + 1 - f[0].p));

	struct buf h, bh, b, canon, data;
	buf_init(&h, 0);
	buf_init(&bh, 0);
	buf_init(&b, 0);
	buf_init(&canon, 0);
	buf_init(&data, 0);
	must(tag(&sig, "h", &h) && tag(&sig, "bh", &bh) && tag(&sig, "b", &b),
	     "the signature has h=, bh= and b=");
	/* The body hash. */
	const char *body = sep + 4;
	ref_body(body, msg->len - (size_t)(body - s), &canon);
	unsigned char hash[32];
	crypto_hash_sha256(hash, (const unsigned char *)(canon.data ? canon.data : ""), canon.len);
	char want_bh[64];
	sodium_bin2base64(want_bh, sizeof(want_bh), hash, sizeof(hash),
			  sodium_base64_VARIANT_ORIGINAL);
	must(bh.len == strlen(want_bh) && memcmp(bh.data, want_bh, bh.len) == 0,
	     "bh= is the hash of the relaxed body");
	/* The headers h= names, each the bottom-most not yet used. */
	buf_putc(&h, '\0');
	for (char *name = h.data; *name;) {
		char *end = strchr(name, ':');
		size_t nl = end ? (size_t)(end - name) : strlen(name);
		for (size_t i = nf; i-- > 1;)
			if (!f[i].used && name_is(&f[i], name, nl)) {
				f[i].used = true;
				ref_header(f[i].p, f[i].n, &data);
				buf_puts(&data, "\r\n");
				break;
			}
		name = end ? end + 1 : name + nl;
	}
	/* Every kind of header dkim.c signs and the message has is in h=. */
	for (size_t i = 1; i < nf; i++)
		for (size_t k = 0; k < NSIGNED; k++)
			if (name_is(&f[i], signed_headers[k], strlen(signed_headers[k]))) {
				bool listed = false;
				for (size_t j = 1; j < nf; j++)
					listed = listed ||
						 (f[j].used && name_is(&f[j], signed_headers[k],
								       strlen(signed_headers[k])));
				must(listed, "h= names every signed kind the message has");
			}
	/* The signature header itself, b= empty, no final CRLF. */
	struct buf empty_b;
	buf_init(&empty_b, 0);
	const char *bpos = strstr(f[0].p, "b=");
	while (bpos && bpos > f[0].p && !(bpos[-1] == ' ' || bpos[-1] == '\t' || bpos[-1] == ';'))
		bpos = strstr(bpos + 1, "b=");
	must(bpos && (size_t)(bpos - f[0].p) < f[0].n, "b= in the signature");
	buf_append(&empty_b, f[0].p, (size_t)(bpos - f[0].p) + 2);
	ref_header(empty_b.data, empty_b.len, &data);
	crypto_hash_sha256(hash, (const unsigned char *)data.data, data.len);
	unsigned char signature[64];
	size_t slen = 0;
	must(sodium_base642bin(signature, sizeof(signature), b.data, b.len, NULL, &slen, NULL,
			       sodium_base64_VARIANT_ORIGINAL) == 0 &&
		     slen == sizeof(signature),
	     "b= is a 64-byte signature");
	must(crypto_sign_verify_detached(signature, hash, sizeof(hash), pk) == 0,
	     "the signature verifies");
	buf_release(&empty_b);
	buf_release(&sig);
	buf_release(&h);
	buf_release(&bh);
	buf_release(&b);
	buf_release(&canon);
	buf_release(&data);
}

static void check_signing(const uint8_t *data, size_t size)
{
	static const unsigned char seed[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
	struct dkim_key key;
	memcpy(key.seed, seed, sizeof(seed));
	unsigned char pk[32], sk[64];
	crypto_sign_seed_keypair(pk, sk, seed);

	/* Headers: a byte naming one (1 for the first name), its value up to
	 * a NUL; a NUL of its own ends them; the rest is the body. */
	/* Every message mail_build writes has a From first. */
	struct buf msg;
	buf_init(&msg, 0);
	buf_puts(&msg, "From: <club@example.org>\r\n");
	size_t i = 0, nfields = 1;
	while (i < size && data[i] != '\0' && nfields < DKIM_MAX_HEADERS - 1) {
		const char *name = names[(data[i++] - 1) % ARRAY_LEN(names)];
		const uint8_t *z = memchr(data + i, '\0', size - i);
		size_t len = z ? (size_t)(z - (data + i)) : size - i;
		buf_printf(&msg, "%s:", name);
		fold((const char *)data + i, len, &msg);
		buf_puts(&msg, "\r\n");
		nfields++;
		i += len + (z ? 1 : 0);
	}
	if (i < size)
		i++;
	buf_puts(&msg, "\r\n");
	crlf((const char *)data + i, size - i, &msg);
	must(dkim_sign(&key, "example.org", "sel", 1700000000, &msg) == 0, "a message is signed");
	verify(&msg, pk, nfields);
	buf_release(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *rest = (const char *)data + 1;
	size_t n = size - 1;
	switch (data[0] % 3) {
	case 0:
		check_body(rest, n);
		break;
	case 1:
		check_header(rest, n);
		break;
	default:
		check_signing(data + 1, n);
		break;
	}
	return 0;
}
