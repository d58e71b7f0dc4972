/*
 * request: information and material requests (NAM02, NAM04, NAM05;
 * docs/requests.md), as domain logic that knows nothing of HTTP
 * (request_api.c and request_page.c are its JSON and HTML adapters).
 *
 * Staff whose role has a fulfilment purpose publish items (a brochure, an
 * event registration, club material), each using one of the profile's two
 * request collection points: information_request or material_registration.
 * Anyone asks for an item with the point's fields; the request is sealed
 * under a requester subject of its own (owned by the member who asked
 * while signed in) for the point's purpose, and nothing else opens it: no
 * campaign, no lookup or export under another purpose. The requester gets
 * one mail with a status link (a token, kept as its keyed hash); the link
 * shows the status and what was handed over to whom, and holds no session.
 * The fulfilment queue opens a request (an access in the access log),
 * marks it fulfilled or refused with a note mailed to the requester, and
 * may hand name, postal address and phone to the shipping carrier through
 * the hand-over path (handover_queue_order). The retention pass erases the
 * requester the profile's time after the request is done (records.c).
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_REQUEST_H
#define GLOVEBOX_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct broker_actor;

/* An item's title and description, in bytes. */
#define REQUEST_TITLE_MAX	200
#define REQUEST_DESCRIPTION_MAX 2000
/* What is asked for, or a note (order_details), in bytes. */
#define REQUEST_DETAILS_MAX 2000
/* The note to the requester when a request is done, in bytes. */
#define REQUEST_NOTE_MAX 2000
/* The most items and requests one listing shows. */
#define REQUEST_LIST_MAX 200
/* The longest collection point id an item's kind names. */
#define REQUEST_KIND_MAX 32

/* The recipient that delivers by post (profiles/north-american-motoring.yaml). */
#define REQUEST_CARRIER "shipping_carrier"

/* The profile's collection points a request may use, in this order. */
extern const char *const request_points[];
extern const size_t request_points_count;

/* Whether the profile takes requests: either collection point exists.
 * Everywhere else the routes answer 404. */
bool request_offered(void);

/* Whether the form can be shown: the profile takes requests and staff have
 * published an active item. No page shows a form before, so its routes
 * answer 404 as a feature the profile lacks does (docs/requests.md). */
bool request_form_offered(void);

/* Whether kind is one of the profile's request collection points. */
bool request_kind_ok(const char *kind);

/* ---- what can be requested ---- */

struct request_item {
	int64_t id;
	const char *kind; /* the collection point: "information_request", "material_registration" */
	const char *title, *description;
	bool active;
};

/*
 * The items as [{id, kind, title, description, active, purpose,
 * purpose_label}], oldest first; active_only for the public list.
 * ERR_NO_REQUESTS, ERR_STORE.
 */
int request_items_list(bool active_only, json_t **list, struct failure *f);

/* One item as above (*item, owned by the caller); ERR_NO_SUCH_ITEM when
 * there is none, or it is inactive and active_only. */
int request_item_get(int64_t id, bool active_only, json_t **item, struct failure *f);

/*
 * Adds an item (in->id ignored; *id gets the new one) or changes one (only
 * the fields given: NULL leaves a text, has_active says whether active is
 * given). ERR_NO_REQUESTS, ERR_REQUEST_KIND, ERR_REQUEST_ITEM_FIELD,
 * ERR_NO_SUCH_ITEM, ERR_STORE.
 */
int request_item_add(const struct request_item *in, int64_t *id, struct failure *f);
int request_item_update(const struct request_item *in, bool has_active, struct failure *f);

/* ---- asking ---- */

/* The fields of a request, named by their profile categories. */
enum request_part {
	REQUEST_NAME,
	REQUEST_EMAIL,
	REQUEST_POSTAL_ADDRESS,
	REQUEST_PHONE,
	REQUEST_DETAILS,
	REQUEST_NPARTS
};
extern const char *const request_part_names[REQUEST_NPARTS];

struct request_new {
	int64_t item;
	const char *value[REQUEST_NPARTS]; /* NULL or empty: not given */
	int64_t member;			   /* the signed-in member asking, or 0 */
};

/*
 * Stores a request and queues its one mail ("we received your request",
 * with the status link), in one transaction. A member's known details fill
 * in what they left out. A field the item's collection point requires and
 * that is still missing is ERR_REQUEST_MISSING with the field named; a
 * field the point does not collect is dropped. *id gets the request's id.
 * ERR_NO_REQUESTS, ERR_NO_SUCH_ITEM, ERR_REQUEST_MISSING, ERR_REFUSED,
 * ERR_STORE.
 */
int request_create(const struct request_new *in, int64_t *id, struct failure *f);
/* request_create's checks without storing, going on past the first: each
 * required field still missing (ERR_REQUEST_MISSING, field named), or the
 * item's failure, added to fs. 0 when nothing is wrong, else -1. */
int request_check(const struct request_new *in, struct failures *fs);

/*
 * What the status link shows: {item: {title, kind}, status, created_at,
 * done_at, handovers: [...] (handover_made: recipient, fields, when)}; no
 * value the requester typed. ERR_NO_SUCH_REQUEST (unknown token, or erased
 * after its retention), ERR_STORE.
 */
int request_status(const char *token, json_t **out, struct failure *f);

/* ---- the fulfilment queue ---- */

/* The requests as [{id, item, title, kind, status, created_at, done_at}]:
 * the open ones oldest first, or all newest first; no personal value. */
int request_queue(bool all, json_t **list, struct failure *f);

/*
 * Opens a request as actor (the broker checks the role's purpose and logs
 * the access): {id, item, title, kind, status, created_at, done_at, fields:
 * {name, email, ...}, handovers}. ERR_NO_SUCH_REQUEST, ERR_REFUSED,
 * ERR_ERASED, ERR_STORE.
 */
int request_open(int64_t id, const struct broker_actor *actor, json_t **out, struct failure *f);

enum request_outcome { REQUEST_FULFILLED, REQUEST_REFUSED };

/*
 * Marks an open request done (fulfilled or refused), sets done_at, mails
 * the note to the requester and, for a fulfilment by_carrier, queues the
 * hand-over of name, postal address and phone to REQUEST_CARRIER for the
 * request's purpose, all in one transaction. *handed_over: 1 when queued,
 * 0 when nothing could be handed over. ERR_NO_SUCH_REQUEST,
 * ERR_REQUEST_DONE, ERR_REFUSED, ERR_ERASED, ERR_STORE.
 */
int request_decide(int64_t id, const struct broker_actor *actor, enum request_outcome outcome,
		   const char *note, bool by_carrier, int *handed_over, struct failure *f);

#endif
