/*
 * outbox: mail waiting to leave, kept in the store so that every glovebox
 * process sharing a database delivers it, each message once. A feature
 * queues a message inside its own transaction (so a rolled-back change
 * sends nothing); delivery passes in the server hand due messages to the
 * relay (smtp.h), retry a relay that is down or says "later" with growing
 * pauses, and give up after mail-max-attempts or at a permanent refusal.
 * Sealing and opening go through the broker under the message's purpose:
 * a message to someone erased since is dropped unread.
 */
#ifndef GLOVEBOX_OUTBOX_H
#define GLOVEBOX_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;
struct broker_grant;

struct outbox_item {
	const char *purpose;	      /* the purpose the mail serves */
	const char *address_category; /* the category of the address (e.g. email) */
	const char *content_category; /* the category the message's content falls under */
	const char *to;
	const char *message; /* RFC 5322, CRLF (mail_build) */
	size_t len;
	const char *message_id;
	int64_t campaign; /* the campaign it belongs to; 0: none */
};

/* Queues a message to the grant's subject; the grant must cover both
 * categories. Inside the caller's transaction. 0, or -1. */
int outbox_enqueue(struct store_conn *c, const struct broker_grant *g, const struct outbox_item *m);

struct mail_header;

/* A message from the site (site name, mail-from) to `to`: built
 * (mail_build), signed when DKIM is configured, and queued as outbox_enqueue
 * does. 0, or -1 (logged: why it could not be built, without the address). */
int outbox_send_text(struct store_conn *c, const struct broker_grant *g, const char *purpose,
		     const char *address_category, const char *content_category, const char *to,
		     const char *subject, const char *text, const struct mail_header *extra,
		     size_t nextra);

/* The same for a message of campaign (campaign.h), whose delivery the
 * campaign's counts follow (outbox_campaign_counts). */
int outbox_send_campaign(struct store_conn *c, const struct broker_grant *g, int64_t campaign,
			 const char *purpose, const char *address_category,
			 const char *content_category, const char *to, const char *subject,
			 const char *text, const struct mail_header *extra, size_t nextra);

/* How far a campaign's delivery has got: its messages still in the queue
 * (waiting or being sent), and those settled: sent, failed (refused or out
 * of attempts), dropped (their recipient could no longer be reached). The
 * settled counts are written at the end of each delivery pass. */
struct outbox_campaign_counts {
	int64_t queued, sent, failed, dropped;
};
int outbox_campaign_counts(int64_t campaign, struct outbox_campaign_counts *out);

/* Called once a message has left the queue for good, on the delivery
 * worker that settled it: delivered (true), or refused, out of attempts, or
 * dropped unread because its recipient can no longer be reached (false);
 * with the message's subject and purpose. A feature that must act then
 * (postcards erase their recipient, NAM05) is installed by the server at
 * start, before delivery starts; NULL: nothing is called. */
typedef void (*outbox_settled_fn)(int64_t subject, const char *purpose, bool delivered);
void outbox_on_settled(outbox_settled_fn fn);

/* One delivery pass: reclaims stale claims, claims due messages, sends
 * them. The number delivered, or -1 (no relay configured, or the store
 * failed). */
int64_t outbox_pass(void);

/* Delivery passes every mail-interval seconds in the server (when a relay
 * is configured). */
int outbox_start(void);
void outbox_stop(void);

#endif
