/*
 * checkout: the Stripe Checkout subset over libcurl (see checkout.h).
 */
#include "checkout.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "app.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "mem.h"

/* An answer from the processor, at most (a session is a few KiB). */
#define ANSWER_MAX (256 * 1024)
#define HEADER_MAX 512
/* "v1=" and 64 hex digits. */
#define SIG_HEX 64

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ok;

static void curl_start(void)
{
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

bool checkout_configured(void)
{
	return *app.cfg.shop_processor_url != '\0';
}

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	return buf_append(ctx, p, size * n) == 0 ? size * n : 0;
}

/* Plain HTTP only to this host itself: a processor stand-in beside it. */
static bool loopback(const char *url)
{
	static const char *const local[] = {"http://127.0.0.1:", "http://127.0.0.1/",
					    "http://localhost:", "http://localhost/",
					    "http://[::1]:"};
	for (size_t i = 0; i < ARRAY_LEN(local); i++)
		if (strncmp(url, local[i], strlen(local[i])) == 0)
			return true;
	return false;
}

/*
 * One call: method POST with a form body (form non-NULL) or GET, to
 * base + path. *answer gets the parsed JSON of a 2xx answer. 0, or -1 with
 * err (the status and the processor's error message, no secret).
 */
static int call(const char *path, const char *form, const char *idempotency, json_t **answer,
		char *err, size_t errlen)
{
	*answer = NULL;
	pthread_once(&curl_once, curl_start);
	if (!curl_ok || !checkout_configured()) {
		snprintf(err, errlen, "no payment processor configured");
		return -1;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	struct buf url, got, auth;
	buf_init(&url, CHECKOUT_URL_MAX * 2);
	buf_init(&got, ANSWER_MAX);
	buf_init(&auth, HEADER_MAX);
	int rc = -1;
	struct curl_slist *headers = NULL;
	const char *base = app.cfg.shop_processor_url;
	size_t bl = strlen(base);
	if (buf_printf(&url, "%.*s%s", (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl), base,
		       path) != 0 ||
	    buf_printf(&auth, "Authorization: Bearer %s", app.cfg.shop_processor_secret) != 0) {
		snprintf(err, errlen, "processor address too long");
		goto out;
	}
	headers = curl_slist_append(headers, auth.data);
	headers = curl_slist_append(headers, "Expect:");
	char h_idem[HEADER_MAX];
	if (idempotency) {
		snprintf(h_idem, sizeof(h_idem), "Idempotency-Key: %s", idempotency);
		headers = curl_slist_append(headers, h_idem);
	}
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, loopback(url.data) ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT,
			 app.cfg.shop_processor_timeout > 0 ? app.cfg.shop_processor_timeout : 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "glovebox-shop");
	if (form)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	CURLcode cr = curl_easy_perform(c);
	long status = 0;
	if (cr != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	json_t *j = got.data ? json_loadb(got.data, got.len, 0, NULL) : NULL;
	if (status < 200 || status >= 300 || !json_is_object(j)) {
		const char *m =
			json_string_value(json_object_get(json_object_get(j, "error"), "message"));
		snprintf(err, errlen, "HTTP status %ld%s%.80s", status, m ? ": " : "", m ? m : "");
		json_decref(j);
		goto out;
	}
	*answer = j;
	rc = 0;
out:
	curl_slist_free_all(headers);
	crypto_wipe(auth.data, auth.len);
	buf_release(&auth);
	buf_release(&url);
	buf_release(&got);
	curl_easy_cleanup(c);
	return rc;
}

/* Appends "&name=value", the value form-encoded. */
static int field(struct buf *b, const char *name, const char *value)
{
	char *v = curl_easy_escape(NULL, value, 0);
	if (!v)
		return -1;
	int rc = buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, v);
	curl_free(v);
	return rc;
}

static void copy(char *dst, size_t max, const char *src)
{
	snprintf(dst, max, "%s", src ? src : "");
}

static void session_of(json_t *j, struct checkout_session *s)
{
	memset(s, 0, sizeof(*s));
	copy(s->id, sizeof(s->id), json_string_value(json_object_get(j, "id")));
	copy(s->url, sizeof(s->url), json_string_value(json_object_get(j, "url")));
	copy(s->reference, sizeof(s->reference),
	     json_string_value(json_object_get(j, "client_reference_id")));
	copy(s->status, sizeof(s->status), json_string_value(json_object_get(j, "status")));
	const char *ps = json_string_value(json_object_get(j, "payment_status"));
	s->paid = ps && strcmp(ps, "paid") == 0;
	json_t *pi = json_object_get(j, "payment_intent");
	if (json_is_string(pi)) {
		copy(s->payment_intent, sizeof(s->payment_intent), json_string_value(pi));
	} else if (json_is_object(pi)) {
		copy(s->payment_intent, sizeof(s->payment_intent),
		     json_string_value(json_object_get(pi, "id")));
		json_t *card = json_object_get(json_object_get(pi, "payment_method"), "card");
		copy(s->brand, sizeof(s->brand), json_string_value(json_object_get(card, "brand")));
		const char *l4 = json_string_value(json_object_get(card, "last4"));
		/* Four digits, nothing more, whatever the processor sends. */
		if (l4 && strlen(l4) == 4 && strspn(l4, "0123456789") == 4)
			copy(s->last4, sizeof(s->last4), l4);
	}
}

int checkout_create(const struct checkout_request *rq, struct checkout_session *out, char *err,
		    size_t errlen)
{
	struct buf form;
	buf_init(&form, 0);
	char name[96], number[24];
	int bad = field(&form, "mode", "payment");
	for (size_t i = 0; i < rq->n && !bad; i++) {
		snprintf(name, sizeof(name), "line_items[%zu][price_data][currency]", i);
		bad |= field(&form, name, rq->currency);
		snprintf(name, sizeof(name), "line_items[%zu][price_data][unit_amount]", i);
		snprintf(number, sizeof(number), "%" PRId64, rq->lines[i].unit_amount);
		bad |= field(&form, name, number);
		snprintf(name, sizeof(name), "line_items[%zu][price_data][product_data][name]", i);
		bad |= field(&form, name, rq->lines[i].name);
		snprintf(name, sizeof(name), "line_items[%zu][quantity]", i);
		snprintf(number, sizeof(number), "%" PRId64, rq->lines[i].quantity);
		bad |= field(&form, name, number);
	}
	snprintf(number, sizeof(number), "%" PRId64, rq->expires_at);
	bad |= field(&form, "success_url", rq->success_url) |
	       field(&form, "cancel_url", rq->cancel_url) |
	       field(&form, "client_reference_id", rq->reference) |
	       field(&form, "expires_at", number);
	if (bad) {
		buf_release(&form);
		snprintf(err, errlen, "could not encode the session");
		return -1;
	}
	char key[CHECKOUT_ID_MAX];
	snprintf(key, sizeof(key), "glovebox-order-%s", rq->reference);
	json_t *j;
	int rc = call("/v1/checkout/sessions", form.data, key, &j, err, errlen);
	buf_release(&form);
	if (rc != 0)
		return -1;
	session_of(j, out);
	json_decref(j);
	if (!*out->id || !*out->url) {
		snprintf(err, errlen, "the processor's session has no id or url");
		return -1;
	}
	return 0;
}

int checkout_get(const char *id, struct checkout_session *out, char *err, size_t errlen)
{
	char *e = curl_easy_escape(NULL, id, 0);
	if (!e) {
		snprintf(err, errlen, "could not encode the session id");
		return -1;
	}
	char path[CHECKOUT_ID_MAX * 3 + 128];
	snprintf(path, sizeof(path),
		 "/v1/checkout/sessions/%s?expand%%5B%%5D=payment_intent.payment_method", e);
	curl_free(e);
	json_t *j;
	if (call(path, NULL, NULL, &j, err, errlen) != 0)
		return -1;
	session_of(j, out);
	json_decref(j);
	return 0;
}

int checkout_refund(const char *payment_intent, const char *key, char *err, size_t errlen)
{
	struct buf form;
	buf_init(&form, 0);
	json_t *j = NULL;
	int rc = field(&form, "payment_intent", payment_intent) == 0
			 ? call("/v1/refunds", form.data, key, &j, err, errlen)
			 : -1;
	json_decref(j);
	buf_release(&form);
	return rc;
}

bool checkout_signature_ok(const char *secret, const char *header, const char *body, size_t len,
			   int64_t now, long tolerance)
{
	if (!secret || !*secret || !header)
		return false;
	/* t=..., then any number of v1=... (a secret being rolled signs twice);
	 * other schemes (v0) are ignored. */
	char ts[24] = "";
	const char *sigs[8];
	size_t nsigs = 0;
	for (const char *p = header; *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && *p == ' ')
			p++, n--;
		if (n > 2 && strncmp(p, "t=", 2) == 0 && n - 2 < sizeof(ts) && !*ts) {
			memcpy(ts, p + 2, n - 2);
			ts[n - 2] = '\0';
		} else if (n == 3 + SIG_HEX && strncmp(p, "v1=", 3) == 0 &&
			   nsigs < ARRAY_LEN(sigs)) {
			sigs[nsigs++] = p + 3;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!*ts || strspn(ts, "0123456789") != strlen(ts) || nsigs == 0)
		return false;
	int64_t t = strtoll(ts, NULL, 10);
	if (t < now - tolerance || t > now + tolerance)
		return false;
	const void *parts[] = {ts, ".", body};
	const size_t lens[] = {strlen(ts), 1, len};
	unsigned char mac[32];
	char hex[2 * sizeof(mac) + 1];
	crypto_hmac_sha256(secret, strlen(secret), parts, lens, ARRAY_LEN(parts), mac);
	crypto_hex(mac, sizeof(mac), hex);
	bool ok = false;
	for (size_t i = 0; i < nsigs; i++) {
		char lower[SIG_HEX];
		for (size_t k = 0; k < SIG_HEX; k++)
			lower[k] = (char)(sigs[i][k] >= 'A' && sigs[i][k] <= 'F' ? sigs[i][k] + 32
										 : sigs[i][k]);
		ok |= crypto_equal(lower, hex, SIG_HEX) == 1;
	}
	crypto_wipe(mac, sizeof(mac));
	return ok;
}
