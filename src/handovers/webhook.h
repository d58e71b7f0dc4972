/*
 * webhook: one hand-over POSTed to a recipient's HTTPS address, signed per
 * the Standard Webhooks specification (webhook-id, webhook-timestamp,
 * webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>"). The
 * only file of the hand-overs that sees libcurl. HTTPS only, certificates
 * verified (handover-ca-file names extra roots), redirects never followed,
 * each request bounded by handover-timeout.
 */
#ifndef GLOVEBOX_WEBHOOK_H
#define GLOVEBOX_WEBHOOK_H

#include <stddef.h>

struct webhook;

enum webhook_result {
	WEBHOOK_SENT,	 /* 2xx: the recipient has it */
	WEBHOOK_RETRY,	 /* 5xx, 408, 429, no answer in time, no connection, a bad
			  * certificate: try again later */
	WEBHOOK_REFUSED, /* another 4xx, or a redirect: trying again will not help */
};

/* curl_global_init, once, before any thread makes a webhook. 0 or -1. */
int webhook_global_init(void);

/* A connection (kept alive between hand-overs) for one delivery thread. */
struct webhook *webhook_new(void);
void webhook_free(struct webhook *w);

/*
 * POSTs body (application/json) to url under id, signed with secret (the
 * raw bytes of whsec_<base64>). err gets a line for the log, which holds
 * no part of the body.
 */
enum webhook_result webhook_post(struct webhook *w, const char *url, const unsigned char *secret,
				 size_t secret_len, const char *id, const char *body, size_t len,
				 char *err, size_t errlen);

/* The signature header's value for (id, timestamp, body): "v1,<base64>".
 * out needs WEBHOOK_SIGNATURE_MAX bytes. */
#define WEBHOOK_SIGNATURE_MAX 64
void webhook_sign(const unsigned char *secret, size_t secret_len, const char *id,
		  const char *timestamp, const char *body, size_t len, char *out);

#endif
