/*
 * webhook: signed HTTPS POSTs with libcurl (see webhook.h).
 */
#include "webhook.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "crypto.h"
#include "mem.h"

/* The longest header line sent: name and a value of a bounded size. */
#define HEADER_MAX 160

struct webhook {
	CURL *curl;
};

int webhook_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

struct webhook *webhook_new(void)
{
	struct webhook *w = xcalloc(1, sizeof(*w));
	w->curl = curl_easy_init();
	if (!w->curl) {
		free(w);
		return NULL;
	}
	return w;
}

void webhook_free(struct webhook *w)
{
	if (!w)
		return;
	curl_easy_cleanup(w->curl);
	free(w);
}

void webhook_sign(const unsigned char *secret, size_t secret_len, const char *id,
		  const char *timestamp, const char *body, size_t len, char *out)
{
	const void *parts[] = {id, ".", timestamp, ".", body};
	const size_t lens[] = {strlen(id), 1, strlen(timestamp), 1, len};
	unsigned char mac[32];
	crypto_hmac_sha256(secret, secret_len, parts, lens, ARRAY_LEN(parts), mac);
	memcpy(out, "v1,", 4);
	crypto_base64(mac, sizeof(mac), out + 3, WEBHOOK_SIGNATURE_MAX - 3);
}

/* The answer's body is not wanted: only its status. */
static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	return size * n;
}

enum webhook_result webhook_post(struct webhook *w, const char *url, const unsigned char *secret,
				 size_t secret_len, const char *id, const char *body, size_t len,
				 char *err, size_t errlen)
{
	char timestamp[24], sig[WEBHOOK_SIGNATURE_MAX];
	char h_id[HEADER_MAX], h_ts[HEADER_MAX], h_sig[HEADER_MAX];
	snprintf(timestamp, sizeof(timestamp), "%" PRId64, (int64_t)time(NULL));
	webhook_sign(secret, secret_len, id, timestamp, body, len, sig);
	snprintf(h_id, sizeof(h_id), "webhook-id: %s", id);
	snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %s", timestamp);
	snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
	struct curl_slist *headers = NULL;
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, h_id);
	headers = curl_slist_append(headers, h_ts);
	headers = curl_slist_append(headers, h_sig);
	headers = curl_slist_append(headers, "Expect:");
	CURL *c = w->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (*app.cfg.handover_ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, app.cfg.handover_ca_file);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT,
			 app.cfg.handover_timeout > 0 ? app.cfg.handover_timeout : 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "glovebox-handover");
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	enum webhook_result r;
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		r = WEBHOOK_RETRY;
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		snprintf(err, errlen, "HTTP status %ld", status);
		if (status >= 200 && status < 300)
			r = WEBHOOK_SENT;
		else if (status >= 500 || status == 408 || status == 429)
			r = WEBHOOK_RETRY;
		else
			r = WEBHOOK_REFUSED; /* 3xx (never followed) and other 4xx */
	}
	curl_slist_free_all(headers);
	return r;
}
