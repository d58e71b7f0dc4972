/*
 * campaign: news by e-mail under a communication purpose of the profile
 * (member news, NAM08; product and service communications, INS05), and the
 * one-click way out of it (ALL06).
 *
 * The audience is computed when the campaign is sent: members whose address
 * is confirmed, and for whom the broker allows the purpose (the consent
 * ledger: an opt-in said yes, an opt-out did not say no, no pending notice).
 * Every message carries List-Unsubscribe (a link with an opaque token, and
 * mailto) and List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058);
 * a POST to the link, without cookies, switches the purpose off at once,
 * and since delivery asks the broker again, even messages already queued
 * to that member are dropped. A link works for 60 days. The footer carries
 * the profile's contact address.
 */
#ifndef GLOVEBOX_CAMPAIGN_H
#define GLOVEBOX_CAMPAIGN_H

#include <stdint.h>
#include <stdio.h>

#include "http.h"

#define UNSUBSCRIBE_DAYS 60

/* Creates and sends a campaign; *queued gets the audience size. NULL, or
 * what is wrong with it (unknown purpose, not a communication, ...). */
const char *campaign_send(const char *purpose, const char *subject, const char *body,
			  int64_t staff, int64_t *id, int64_t *queued);

/* glovebox mail campaign --purpose P --subject S FILE */
int campaign_cli(const char *purpose, const char *subject, const char *file, FILE *out);

void campaign_api_send(struct req *r);     /* POST /api/v1/staff/campaigns */
void campaign_api_list(struct req *r);     /* GET /api/v1/staff/campaigns */
void campaign_page(struct req *r);         /* GET /staff/campaigns */
void campaign_post(struct req *r);         /* POST /staff/campaigns: preview or send */
void unsubscribe_page(struct req *r);      /* GET /unsubscribe?token= */
void unsubscribe_post(struct req *r);      /* POST /unsubscribe?token= (RFC 8058) */

#endif
