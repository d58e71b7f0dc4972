/*
 * campaign: news by e-mail under a communication purpose of the profile
 * (member news, NAM08; product and service communications, INS05), and the
 * one-click way out of it (ALL06), as domain logic that knows nothing of
 * HTTP (campaign_api.c and campaign_page.c are its JSON and HTML adapters;
 * campaign_cli() is the command line's).
 *
 * The audience is computed when the campaign is sent: members whose address
 * is confirmed and deliverable, and for whom the broker allows the purpose
 * (the consent ledger: an opt-in said yes, an opt-out did not say no, no
 * pending notice). Every message carries List-Unsubscribe (a link with an
 * opaque token, and mailto) and List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click (RFC 8058); a POST to the link, without
 * cookies, switches the purpose off at once, and since delivery asks the
 * broker again, even messages already queued to that member are dropped.
 * A link works for UNSUBSCRIBE_DAYS days, and only until the member
 * switches the purpose on again (a link from an older message must not
 * undo that choice). The footer carries the profile's contact address.
 *
 * INS07: with campaign-mailing-house set, glovebox mails no campaign
 * itself: each addressee is handed over to that service provider
 * (handover_queue_order) for the campaign's purpose, with only the fields
 * an e-mail needs (name and e-mail address), under the member's choice for
 * the purpose as the broker decides it (as for mail), and the campaign as a
 * non-personal reference in the payload: {"campaign": {"id", "purpose",
 * "subject", "text"}, "unsubscribe": {"url", "mailto", "post"}} (the text
 * the same for every addressee; the member's own one-click link, ALL06).
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_CAMPAIGN_H
#define GLOVEBOX_CAMPAIGN_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "err.h"
#include "policy.h"

/* How long an unsubscribe link works, in days from the day it was mailed. */
#define UNSUBSCRIBE_DAYS 60
/* The campaigns a listing shows, newest first. */
#define CAMPAIGN_LIST_MAX 100
/* The longest text the command line reads. */
#define CAMPAIGN_TEXT_MAX (1 << 20)

/*
 * The unsubscribe token. Its body is the member's subject id, the day it
 * was issued, a tag of the purpose and how many times the member had
 * switched the purpose on by then (the consent ledger's "on" events); it is
 * sealed so that nothing of it can be read without the key: a keyed tag of
 * the body (token_tag) comes first, and the body follows, XORed with a
 * keyed stream drawn from that tag (a synthetic-IV construction: the tag
 * authenticates the body and seeds its encryption, under labels of their
 * own). Nothing is stored: checking it needs no table that grows with each
 * campaign. A token issued before the member last switched the purpose on
 * does nothing: the count in it is no longer the ledger's.
 */
#define UNSUBSCRIBE_SUBJECT_BYTES 8
#define UNSUBSCRIBE_DAY_BYTES	  4
#define UNSUBSCRIBE_PURPOSE_BYTES 4
#define UNSUBSCRIBE_ONS_BYTES	  4
#define UNSUBSCRIBE_BODY_BYTES                                                                     \
	(UNSUBSCRIBE_SUBJECT_BYTES + UNSUBSCRIBE_DAY_BYTES + UNSUBSCRIBE_PURPOSE_BYTES +           \
	 UNSUBSCRIBE_ONS_BYTES)
#define UNSUBSCRIBE_MAC_BYTES	16
#define UNSUBSCRIBE_TOKEN_BYTES (UNSUBSCRIBE_MAC_BYTES + UNSUBSCRIBE_BODY_BYTES)
/* base64url without padding */
#define UNSUBSCRIBE_TOKEN_CHARS ((UNSUBSCRIBE_TOKEN_BYTES * 4 + 2) / 3)

/* A campaign to send (or preview). */
struct campaign {
	const char *purpose, *subject, *body;
	/* The staff member's role, which must grant the purpose (ERR_ROLE);
	 * NULL for the operator at the command line. */
	const char *role;
	int64_t staff; /* the staff account, recorded with it; 0: the operator */
};

/*
 * Sends a campaign: records it and queues one message to each member of the
 * audience, in batches. *id gets the campaign, *queued the audience's size.
 * ERR_ROLE (field "purpose"), ERR_INVALID_CAMPAIGN (no such purpose, not a
 * communication by e-mail, no subject or text), ERR_STORE (with how many
 * were queued when some were).
 */
int campaign_send(const struct campaign *in, int64_t *id, int64_t *queued, struct failure *f);

/* The fields a mailing house receives for a campaign: what an e-mail needs. */
#define CAMPAIGN_MAILING_FIELDS                                                                    \
	{                                                                                          \
		"name", "email"                                                                    \
	}

/*
 * Whether recipient may be the campaign-mailing-house under profile p: a
 * service provider that takes every communication purpose (any can be a
 * campaign's) and receives a name and an e-mail address for each. 0 (also
 * for an empty setting), or -1 with a sentence in err. Checked at start and
 * by `glovebox profile check`.
 */
int campaign_mailing_house_check(const struct policy *p, const char *recipient, char *err,
				 size_t errlen);

/* The message as members will get it, with a sample link in the footer:
 * {"subject", "text"}. The same refusals as campaign_send. */
int campaign_preview(const struct campaign *in, json_t **preview, struct failure *f);

/* The last CAMPAIGN_LIST_MAX campaigns, newest first: [{id, purpose,
 * subject, created_at, recipients}]. ERR_STORE. */
int campaign_list(json_t **list, struct failure *f);

/* The communication purposes a role grants: [{id, label}]. */
json_t *campaign_purposes(const char *role);

/* ---- one-click unsubscribe (ALL06) ---- */

/* What an unsubscribe token names. */
struct campaign_link {
	int64_t subject;
	const char *purpose; /* the profile's id */
	uint32_t ons;	     /* the ledger's "on" events for them when it was issued */
};

/* The token for a link, issued at `at` (Unix time). */
void campaign_token(const struct campaign_link *link, int64_t at,
		    char out[UNSUBSCRIBE_TOKEN_CHARS + 1]);
/* What a token names, if it is genuine and at most UNSUBSCRIBE_DAYS old at
 * `now`; false otherwise. Whether it is still the member's latest is the
 * ledger's to say (campaign_unsubscribe_check). */
bool campaign_token_open(const char *token, int64_t now, struct campaign_link *link);

/* The label of the purpose a token would switch off (the page's question).
 * ERR_BAD_UNSUBSCRIBE for a forged or expired token, or one issued before
 * the member last switched the purpose on; ERR_STORE. */
int campaign_unsubscribe_check(const char *token, const char **label, struct failure *f);
/* Switches the purpose off in the ledger (via "link") before returning,
 * unless it is off already; *label as above. The same errors. */
int campaign_unsubscribe(const char *token, const char **label, struct failure *f);

/* glovebox mail campaign --purpose P --subject S FILE ("-": standard input).
 * The exit status: 0, 1 (refused or failed), 2 (usage). */
int campaign_cli(const char *purpose, const char *subject, const char *file, FILE *out);

#endif
