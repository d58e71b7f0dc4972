/*
 * deliver: hand-overs leaving for their recipients, in the outbox pattern
 * of the mail (outbox.h). Each recipient's channel is the operator's,
 * outside the profile: the INI file named by handover-config has a section
 * per recipient id with either
 *
 *     webhook = https://partner.example/hooks/glovebox
 *     secret = whsec_<base64 of 24 to 64 random bytes>
 *
 * (webhook.h: Standard Webhooks signatures, libcurl, certificates
 * verified) or
 *
 *     directory = /var/lib/glovebox/handovers
 *
 * (drop.h: JSON Lines per recipient per day, mode 0600). A dealer
 * recipient's lead (INS08) goes on that dealer's own section,
 * [mini_dealers.CODE] (the dealer's code), never on the plain [mini_dealers]
 * one, which serves only a hand-over naming no dealer (the operator's). A
 * section whose name is not a recipient of the profile (or, with .CODE,
 * not a dealer recipient and a dealer's code), an http:// address, a
 * webhook without a secret, or a file others can read refuses the start.
 *
 * Delivery passes claim due hand-overs (FOR UPDATE SKIP LOCKED on
 * PostgreSQL, so several processes deliver each once), ask the broker again
 * as the recipient (a choice switched off since, or an erasure, drops the
 * hand-over unsent), send, and settle in one transaction: the disclosure
 * appended to the access log, the rows deleted, a counter per recipient
 * and outcome (counters: handovers_delivered:RECIPIENT, _dropped, _failed).
 * The settles of all delivery threads are committed together (a group
 * commit), and each thread sends its next hand-over only once its last one
 * is committed, so a kill -9 repeats at most one hand-over per thread.
 * A retryable failure waits handover-retry-seconds, doubling, up to an
 * hour; after handover-max-attempts, or at once for a refusal, the
 * hand-over fails for good: kept (status 'failed') for
 * handover-failed-days, sealed, for an administrator. A claim older than
 * handover-claim-timeout (its process died mid-delivery) is taken back and
 * the hand-over goes again under the same webhook-id.
 */
#ifndef GLOVEBOX_DELIVER_H
#define GLOVEBOX_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the channels from app.cfg.handover_config (nothing when empty).
 * 0, or -1 with a line in err. */
int deliver_channels_load(char *err, size_t errlen);
void deliver_channels_free(void);

/* Whether this process has a channel for [recipient] (dealer NULL) or for
 * [recipient.dealer]: a dealer without one is not offered to members. */
bool deliver_has_channel(const char *recipient, const char *dealer);

/* One delivery pass in the calling thread: the number delivered, or -1. */
int64_t deliver_pass(void);

/* Delivery threads (handover-workers), a pass every handover-interval
 * seconds, when a channel is configured. 0 or -1. */
int deliver_start(void);
void deliver_stop(void);

/* The channel this process has for recipient, for an administrator's page:
 * DELIVER_NONE, DELIVER_WEBHOOK (*where: its address as configured, which
 * may carry credentials: show only its host) or DELIVER_DROP (*where: the
 * directory). The secret never leaves deliver.c. */
enum deliver_channel { DELIVER_NONE, DELIVER_WEBHOOK, DELIVER_DROP };
enum deliver_channel deliver_channel_of(const char *recipient, const char **where);

#endif
