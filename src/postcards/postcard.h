/*
 * postcard: e-postcards (NAM03, NAM05; docs/postcards.md), as domain logic
 * that knows nothing of HTTP (postcard_api.c and postcard_page.c are its
 * JSON and HTML adapters).
 *
 * A card holds two people's data, kept apart under the profile's two
 * collection points. The sender's name, address and greeting are sealed
 * under a requester subject of their own ("postcard_sender": a member who
 * sends while signed in owns it), for postcard_sending; the recipient's
 * name and address under a postcard_recipient subject of their own
 * ("postcard"), for postcard_delivery, owned by no one, so no export, list
 * or lookup of anyone else reaches them. The recipient's details serve one
 * mail through the outbox; once that mail is delivered or has failed for
 * good (outbox_on_settled), the recipient's subject is erased: rows, data
 * key, and the bytes in the database's files. The card's link (a token,
 * kept as its keyed hash) shows the picture, the greeting and the sender's
 * name for POSTCARD_DAYS days; a report ends it at once. When the card's
 * life ends the sender's subject goes too (records.c: ends_at).
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_POSTCARD_H
#define GLOVEBOX_POSTCARD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "record.h"

/* How long a card's link shows it. */
#define POSTCARD_DAYS 30
/* The longest greeting, in bytes. */
#define POSTCARD_GREETING_MAX 2000
/* The longest card id ("roadster"). */
#define POSTCARD_CARD_MAX 32
/* The most reports one listing shows. */
#define POSTCARD_REPORTS_MAX 200

/* The bundled pictures: static/card-<id>.svg, each with the words a screen
 * reader says for it. */
struct postcard_card {
	const char *id, *title, *alt;
};
extern const struct postcard_card postcard_cards[];
extern const size_t postcard_cards_count;
const struct postcard_card *postcard_card_find(const char *id);

/* Whether the profile sends e-postcards: both collection points, sender's
 * and recipient's, exist. Everywhere else the routes answer 404. */
bool postcard_offered(void);

struct postcard_new {
	const char *card, *greeting;
	const char *from_name, *from_email; /* NULL or empty: the member's own */
	const char *to_name, *to_email;
	int64_t member; /* the signed-in member sending it, or 0 */
};

/*
 * Stores a card and queues its one mail to the recipient, in one
 * transaction. A member who leaves their name or address out sends under
 * the ones on their account. Per sender address, at most
 * postcards-per-sender-day a day. *id gets the card's id.
 * ERR_NO_POSTCARDS, ERR_NO_SUCH_CARD, ERR_POSTCARD_FROM_NAME,
 * ERR_POSTCARD_FROM_EMAIL, ERR_POSTCARD_SENDER_LIMIT, ERR_REFUSED, ERR_STORE.
 */
int postcard_send(const struct postcard_new *in, int64_t *id, struct failure *f);

/* The sealed parts of a card that its page shows. */
enum postcard_part { POSTCARD_FROM_NAME, POSTCARD_GREETING, POSTCARD_NPARTS };

struct postcard_view {
	int64_t created_at, ends_at;
	const struct postcard_card *card;
	struct record_text text[POSTCARD_NPARTS]; /* the greeting's .p NULL when none */
};

/*
 * Opens the card a link's token names. ERR_NO_SUCH_POSTCARD (no card, or
 * its sender erased), ERR_POSTCARD_GONE (its 30 days are over, or it was
 * reported), ERR_STORE. Release with postcard_view_release().
 */
int postcard_open(const char *token, struct postcard_view *v, struct failure *f);
void postcard_view_release(struct postcard_view *v);

/*
 * A report by whoever holds the link: the card ends at once (its sender's
 * and, if still there, its recipient's subjects are erased) and a note
 * without anyone's data is left for staff (postcard_reports_list).
 * ERR_NO_SUCH_POSTCARD, ERR_POSTCARD_GONE, ERR_STORE.
 */
int postcard_report(const char *token, struct failure *f);

/* The reports as [{id, card, sent_at, reported_at}], newest first, at
 * most POSTCARD_REPORTS_MAX. ERR_NO_POSTCARDS, ERR_STORE. */
int postcard_reports_list(json_t **list, struct failure *f);

/* The outbox's hook (outbox_on_settled): a postcard_delivery mail left the
 * queue for good, so its recipient's subject is erased and scrubbed, the
 * card marked delivered or failed, and its sender told which. */
void postcard_mail_settled(int64_t subject, const char *purpose, bool delivered);

/* At start, before mail delivery: erases every recipient whose mail has
 * left the queue while the hook above did not run (the process died between
 * the two). 0, or -1 when the store failed (tried again at the next start;
 * the recipient's expires_at backs it up). */
int postcard_settle_orphans(void);

#endif
