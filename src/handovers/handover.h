/*
 * handover: the one path by which personal data leaves glovebox for a
 * recipient the profile names (an affiliate, a service provider, a dealer).
 *
 * A hand-over names a recipient, a purpose and a subject. The fields handed
 * over are exactly the recipient's fields that the purpose covers (never an
 * identifier: NAM06); the broker decides as ACTOR_RECIPIENT, under the
 * subject's consent (broker_open_handover), and the values are read through
 * the record layer and sealed again, field by field under the subject's
 * key, into the hand-over queue (handover_fields). Delivery (deliver.h)
 * asks the broker again before each attempt, so a choice switched off or an
 * erasure since stops a waiting hand-over, and appends the disclosure to
 * the access log once the recipient has it (broker_disclosed): the log
 * lists made hand-overs only, and the member sees those (handover_made).
 * Nothing here knows HTTP. docs/handovers.md is the operator's and the
 * partner's guide.
 */
#ifndef GLOVEBOX_HANDOVER_H
#define GLOVEBOX_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "policy.h"

struct store_conn;

/* At most this many fields in one hand-over (a recipient's list). */
#define HANDOVER_MAX_FIELDS 16

/* A dealer's code: [a-z0-9-], 1 to this many characters; it names the
 * dealer's channel ([mini_dealers.CODE], deliver.h) and the dealer in a
 * payload. */
#define HANDOVER_DEALER_CODE_MAX 32

/* Whether code is a dealer's code as above. */
bool handover_dealer_code_ok(const char *code);

/* The table whose row (row id = subject id) holds a member's own fields. */
#define HANDOVER_SUBJECT_TABLE "members"

/*
 * The fields a recipient receives for a purpose: its fields the purpose
 * covers, never an identifier category, in the recipient's order. The
 * count (0 when the recipient does not take the purpose), or -1 for an
 * unknown recipient or purpose.
 */
int handover_fields(const struct policy *p, const char *recipient, const char *purpose,
		    const char **out, size_t max);

/*
 * What to hand over: a recipient, a purpose and a subject, and what the
 * caller narrows. reason says what caused it (a short word:
 * "affiliate_offers_on", "backfill", "dealer_request"); it travels in the
 * payload. dealer: for a recipient of kind dealer, the one dealer
 * (dealers.id) a lead goes to (INS08): delivered on that dealer's own
 * channel only, named in the payload and in the access log's disclose
 * entry; 0 for none (any other recipient, or an operator's hand-over
 * outside the site). only: NULL, or the fields to hand over, narrowing the
 * recipient's fields for the purpose (a name outside them is not handed
 * over, never added). reference: NULL, or a non-personal reference
 * carried in the payload as "reference" (a JSON text, an object or a
 * string).
 */
struct handover_order {
	const char *recipient;
	const char *purpose;
	int64_t subject;
	const char *reason;
	int64_t dealer;
	const char *const *only;
	size_t n_only;
	const char *reference;
	/* Where the subject's fields are: NULL, the member's own row
	 * (HANDOVER_SUBJECT_TABLE, row = subject, and only once their address
	 * is confirmed); or a declared table and its row of the subject (a
	 * request's: its requester gave the fields for it). */
	const char *table;
	int64_t row;
};

/*
 * Queues the hand-over of the order, inside the caller's transaction when
 * one is open. 1 when queued (or the same one, for the same recipient,
 * purpose, dealer and reference, was already waiting), 0 when nothing is
 * handed over (*why says why when the broker refused; DECISION_ALLOWED
 * when the subject has none of the fields, is not a member whose address
 * is confirmed (for their own row), or is gone), -1 when the store failed.
 */
int handover_queue_order(struct store_conn *c, const struct handover_order *o,
			 enum decision_reason *why);

/*
 * handover_queue_order for a decision staff make on one row (a request
 * fulfilled, an order shipped): *queued is 1 or 0, and nothing handed over
 * is logged with what (e.g. "request 12") and the reason; -1 with ERR_STORE
 * when the store failed.
 */
int handover_queue_decided(struct store_conn *c, const struct handover_order *o, const char *what,
			   int *queued, struct failure *f);

/* handover_queue_order of the recipient's fields for the purpose, no
 * dealer, no reference. */
int handover_queue(struct store_conn *c, const char *recipient, const char *purpose,
		   int64_t subject, const char *reason, enum decision_reason *why);

/*
 * INS06: the member's affiliate-offers choice is on (their address was
 * just confirmed with it on, or they switched it on): queues a hand-over to
 * each affiliate recipient of each affiliate-offers purpose the broker
 * allows. The number queued, or -1.
 */
int handover_affiliates(struct store_conn *c, int64_t member, const char *reason);

/* The hook for a change of choice: when purpose is an affiliate-offers
 * purpose switched on, handover_affiliates; otherwise nothing (a switch
 * off needs nothing here: delivery asks the broker again). 0 or -1. */
int handover_choice_changed(struct store_conn *c, int64_t member, const char *purpose, bool on);

/*
 * Every hand-over made to the subject's data, oldest first, from the access
 * log: [{"at", "recipient", "recipient_name", "purpose", "fields": [...],
 * "fields_text" ("name, email"), "policy_url" (the recipient's own policy,
 * INS08/INS15; null when the profile gives none), "dealer" (null, or for a
 * lead {"code", "name", "policy_url"}: then recipient_name is the dealer's
 * name and policy_url the dealer's own policy)}]. A lead's dealer is the
 * disclose entry's actor_id (the recipient's actor id is the dealer).
 * NULL when the store failed.
 */
json_t *handover_made(struct store_conn *c, int64_t subject);

/*
 * For an operator adding an affiliate (INS06): queues a hand-over to
 * recipient for an affiliate-offers purpose of every member the broker
 * allows it for (their choice on), as handover_queue does for one. Only
 * affiliate offers concern every member: a service provider or a dealer
 * receives what one request needs, from the feature handling it (NAM04).
 * *queued and *refused count them. 0, or -1 (not an affiliate-offers
 * purpose the recipient takes, or the store failed).
 */
int handover_queue_all(const char *recipient, const char *purpose, int64_t *queued,
		       int64_t *refused);

/* One hand-over of one subject, in a transaction of its own (the
 * operator's command, for a request handled outside the site): as
 * handover_queue. */
int handover_queue_one(const char *recipient, const char *purpose, int64_t subject,
		       enum decision_reason *why);

/* ---- the administrator's view (no personal value in any of it) ---- */

/*
 * {"recipients": [{"recipient", "name", "delivered", "failed", "dropped",
 * "waiting"}], "failed": [{"id", "recipient", "purpose", "attempts",
 * "last_error", "created_at", "expires_at"}]}: the counters per recipient of
 * the profile, and the hand-overs that failed for good. NULL if the store
 * failed.
 */
json_t *handover_admin_view(void);

/* A hand-over that failed for good goes again now, from its first attempt
 * (the broker is asked again at delivery), or is dropped: removed with its
 * sealed fields, counted as dropped. ERR_NOT_FOUND when no hand-over with
 * that id failed for good. */
int handover_retry(int64_t id, struct failure *f);
int handover_drop(int64_t id, struct failure *f);

#endif
