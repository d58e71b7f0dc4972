/*
 * checkout: the payment processor's side of the shop, the subset of the
 * Stripe Checkout protocol glovebox speaks (docs/shop.md), and the only
 * file of the shop that sees libcurl:
 *   - POST {base}/v1/checkout/sessions, form-encoded (mode=payment,
 *     line_items[i][price_data][currency|unit_amount|product_data][name],
 *     line_items[i][quantity], success_url, cancel_url,
 *     client_reference_id, expires_at), with an Idempotency-Key derived
 *     from the order, so a retry never opens a second session;
 *   - GET {base}/v1/checkout/sessions/{id}?expand[]=payment_intent.
 *     payment_method: status, payment status, the payment intent, and the
 *     card's brand and last four;
 *   - POST {base}/v1/refunds (payment_intent);
 *   - the Stripe-Signature header of its webhooks: t=TIMESTAMP and one or
 *     more v1=HEX, each an HMAC-SHA256 of "TIMESTAMP.BODY" under the
 *     endpoint's secret.
 * Every call carries Authorization: Bearer {shop-processor-secret}, is
 * bounded by shop-processor-timeout, follows no redirect, and goes over
 * HTTPS with certificates verified; plain HTTP only to a loopback address
 * (a processor on the same host, as the tests run). No card number ever
 * passes here: the buyer types it on the processor's page.
 */
#ifndef GLOVEBOX_CHECKOUT_H
#define GLOVEBOX_CHECKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest processor id (cs_..., pi_...) and URL glovebox keeps. */
#define CHECKOUT_ID_MAX	 255
#define CHECKOUT_URL_MAX 2048
#define CHECKOUT_ERR_MAX 160

struct checkout_line {
	const char *name;
	int64_t unit_amount, quantity;
};

struct checkout_request {
	const char *reference; /* client_reference_id, and the idempotency key's */
	const char *currency;
	const struct checkout_line *lines;
	size_t n;
	const char *success_url, *cancel_url;
	int64_t expires_at;
};

struct checkout_session {
	char id[CHECKOUT_ID_MAX + 1];
	char url[CHECKOUT_URL_MAX + 1];
	char reference[CHECKOUT_ID_MAX + 1];	  /* client_reference_id */
	char status[16];			  /* open, complete, expired */
	bool paid;				  /* payment_status "paid" */
	char payment_intent[CHECKOUT_ID_MAX + 1]; /* "" when none yet */
	char brand[24], last4[5];		  /* "" when the processor gave none */
};

/* Whether the operator configured a processor (shop-processor-url). */
bool checkout_configured(void);

/* Opens a session. 0, or -1 with err (no secret, no buyer's value). */
int checkout_create(const struct checkout_request *rq, struct checkout_session *out, char *err,
		    size_t errlen);
/* Reads a session back. 0, or -1 with err. */
int checkout_get(const char *id, struct checkout_session *out, char *err, size_t errlen);
/* Asks for a refund of a payment intent; key makes a retry the same
 * request. 0, or -1 with err. */
int checkout_refund(const char *payment_intent, const char *key, char *err, size_t errlen);

/* Whether header is a valid Stripe-Signature for body under secret at now,
 * its timestamp within tolerance seconds either way. */
bool checkout_signature_ok(const char *secret, const char *header, const char *body, size_t len,
			   int64_t now, long tolerance);

#endif
