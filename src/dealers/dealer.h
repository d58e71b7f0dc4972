/*
 * dealer: the MINI dealers a member may ask to be handed to (INS08,
 * INS15), and the member's ask.
 *
 * A profile with a recipient of kind dealer (mini-insiders: mini_dealers,
 * for the purpose dealer_handover) has a dealer list, kept by staff whose
 * role has a dealer purpose (the dealer_liaison): a code ([a-z0-9-], it
 * names the dealer's own delivery channel, [mini_dealers.CODE] in
 * handover-config), a name, a postal address and the dealer's own
 * privacy-policy link (https only). A dealer is not personal data, and is
 * deactivated, never deleted. Each change is appended to the access log
 * (actor: the staff account and role; subject 0, the log's "nobody";
 * action dealer_added or dealer_changed) and logged by dealer id.
 *
 * A member is offered the active dealers that have a channel in this
 * process. Asking one records the member's yes to the dealer purpose (the
 * ask is the opt-in: switching the purpose off on /me stops a lead still
 * waiting, as delivery asks the broker again) and queues a hand-over of the
 * purpose's fields to that dealer only (handover_queue_order), in one
 * transaction. Nothing here knows HTTP.
 */
#ifndef GLOVEBOX_DEALER_H
#define GLOVEBOX_DEALER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* The longest name, postal address and policy link a dealer may have
 * (the routes declare the same). */
#define DEALER_NAME_MAX	   200
#define DEALER_ADDRESS_MAX 500
#define DEALER_URL_MAX	   500

/* A dealer as staff give it; on a change, a NULL text (and active -1)
 * stays as it was. */
struct dealer_in {
	const char *code, *name, *address, *policy_url;
	int active; /* 1, 0, or -1: unchanged (an added dealer is active) */
};

/* Who changes the list: the staff account and its role. */
struct dealer_staff {
	int64_t account;
	const char *role;
};

/* Whether the profile in force hands members to dealers: its recipient of
 * kind dealer and a dealer purpose it takes (NULLs when not). */
bool dealer_offered(const char **recipient, const char **purpose);

/* Staff: every dealer, by name, with "channel" (whether this process can
 * deliver to it): [{"id", "code", "name", "address", "policy_url", "active",
 * "channel", "created_at", "updated_at"}]. */
int dealer_list_all(json_t **out, struct failure *f);
/* One dealer as above; ERR_NO_SUCH_DEALER. */
int dealer_get(int64_t id, json_t **out, struct failure *f);
/* Adds a dealer (every field required, checked: ERR_DEALER_FIELD with the
 * field, ERR_DEALER_EXISTS for a code in use). *id: the new dealer. */
int dealer_add(const struct dealer_in *in, const struct dealer_staff *who, int64_t *id,
	       struct failure *f);
/* Changes the fields given; ERR_NO_SUCH_DEALER, or as dealer_add. */
int dealer_update(int64_t id, const struct dealer_in *in, const struct dealer_staff *who,
		  struct failure *f);

/* Members: the dealers offered, by name: [{"code", "name", "address",
 * "policy_url"}]; ERR_NO_DEALERS when the profile has none. */
int dealer_list_offered(json_t **out, struct failure *f);
/* The fields a dealer receives for the purpose, in the profile's order
 * ([{"id": "name", "label": "Name"}, ...]), or NULL when the profile has
 * no dealers. */
json_t *dealer_fields(void);

/* INS08, INS15: what the member reads before choosing, above the button
 * (with the fields that go). */
#define DEALER_NOTICE                                                                              \
	"The dealer is a company of its own. Once it has your details, its own privacy "           \
	"policy applies to them, not ours: read it from the link beside the dealer's name "        \
	"before you choose."

/*
 * The member asks the dealer with code to contact them: the yes to the
 * dealer purpose and the lead, in one transaction. *dealer: {"code",
 * "name", "policy_url"}. ERR_NO_DEALERS; ERR_DEALER_UNAVAILABLE (field
 * "dealer": unknown, inactive or without a channel), nothing queued;
 * ERR_DEALER_NOTHING when nothing of the member's can be handed over
 * (address not confirmed); ERR_REFUSED when the broker says no.
 */
int dealer_request(int64_t member, const char *code, json_t **dealer, struct failure *f);

#endif
