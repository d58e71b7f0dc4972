/*
 * broker: the one way any feature reads or writes personal data.
 *
 * A feature states (subject, purpose, categories, actor). The broker asks
 * policy_decide() with the profile in force and the subject's consent for
 * that purpose; for a purpose a revision widened since the subject's data
 * was collected whose opt-out window has not passed for them (NAM10), it
 * asks again under the version in force before, and both must allow the
 * use (the subject is held to the old terms). If the use is allowed it
 * opens the subject's data key and returns a grant that can seal and open
 * exactly those categories; otherwise it refuses with a reason. Uses by
 * staff and hand-overs to partners are appended to the access log, a chain
 * under a key of its own (audit.h), which the member sees on their
 * dashboard (NAM11); an access that cannot be logged is refused.
 *
 * Feature files never call crypto_seal/crypto_open/crypto_datakey_* or
 * touch sealed columns without a grant: tools/check-broker.sh fails the
 * build's tests if one does.
 */
#ifndef GLOVEBOX_BROKER_H
#define GLOVEBOX_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct failure;

struct store_conn;
struct broker_grant;

struct broker_actor {
	enum actor_kind kind;
	int64_t id;	       /* SELF: the subject; STAFF: the staff account; RECIPIENT:
				* a lead's dealer (dealers.id), else 0 */
	const char *role;      /* STAFF: role id */
	const char *recipient; /* RECIPIENT: recipient id */
};

struct broker_use {
	const struct broker_actor *actor;
	int64_t subject;
	const char *purpose;
	const char *const *categories;
	size_t ncategories;
	const char *action; /* "read", "write", "disclose", "erase": for the access log */
};

/*
 * Decides and, when allowed, opens the subject's data key. Returns 0 with
 * *grant set, or -1 with *reason (a refusal, or DECISION_ALLOWED when the
 * store or the key failed: then nothing was decided against the caller).
 */
int broker_open(struct store_conn *c, const struct broker_use *u, struct broker_grant **grant,
		enum decision_reason *reason);

/*
 * A use the broker did not open (broker_open, broker_subject_new), as a
 * failure: ERR_REFUSED with the reason's code when it decided against the
 * use; otherwise ERR_ERASED when subject (0: none yet) has no data key left,
 * else ERR_STORE. Returns -1.
 */
int broker_failure(struct store_conn *c, int64_t subject, enum decision_reason why,
		   struct failure *f);

/*
 * A hand-over (ACTOR_RECIPIENT only): decides exactly as broker_open does
 * (the recipient's purpose and fields, the subject's consent, never an
 * identifier: NAM06) and opens the grant, but appends nothing to the access
 * log: a hand-over is queued, and asked about again before each delivery
 * attempt, and the disclosure is logged once it is made, with
 * broker_disclosed() in the transaction that settles the delivery.
 */
int broker_open_handover(struct store_conn *c, const struct broker_use *u,
			 struct broker_grant **grant, enum decision_reason *reason);
/* Appends a made hand-over (u->action "disclose") to the access log inside
 * the caller's transaction. 0, or -1: then roll back, and the delivery
 * counts as not settled (it goes again under the same webhook-id). */
int broker_disclosed(struct store_conn *c, const struct broker_use *u);

/*
 * Creates a data subject of kind (a subject id of the profile) with a fresh
 * data key, inside the caller's transaction, and returns a grant for the
 * collection's purpose and categories (the collection point's own fields).
 * owner, when not 0, is the subject the new one belongs to (a message a
 * member wrote while signed in): erasing the owner erases it too.
 */
int broker_subject_new(struct store_conn *c, const char *kind, const char *purpose,
		       const char *const *categories, size_t ncategories, int64_t owner,
		       int64_t *subject, struct broker_grant **grant, enum decision_reason *reason);

/*
 * The data subject's own access to everything held about them (the right
 * of access: their export, ALL01, NAM13): a grant that opens every category
 * of the subject. Only the record layer's export asks for it, on behalf of
 * the signed-in subject; it is not logged (nobody else looked). -1 when the
 * subject has no data key (erased).
 */
int broker_open_access(struct store_conn *c, int64_t subject, struct broker_grant **grant);

/* True when the subject still has its data key: a subject without one
 * (erased, or restored from a backup after its erasure) is unusable, and
 * signing in as it never succeeds. */
bool broker_subject_has_key(struct store_conn *c, int64_t subject);

/* Seals value for category into (table, column, row). The category must be
 * one the grant covers. *ct is malloc'd. */
int broker_seal(const struct broker_grant *g, const char *category, const char *table,
		const char *column, int64_t row, const char *value, size_t len, unsigned char **ct,
		size_t *ct_len);
/* Opens a sealed value; *plain is malloc'd and NUL-terminated: release it
 * with broker_plain_free(). -1 if the category is not covered or the value
 * does not open. */
int broker_read(const struct broker_grant *g, const char *category, const char *table,
		const char *column, int64_t row, const void *ct, size_t ct_len, char **plain,
		size_t *len);
void broker_plain_free(char *plain, size_t len);
int64_t broker_grant_subject(const struct broker_grant *g);
void broker_grant_free(struct broker_grant *g);

/* The tables of the data keys, NULL-terminated: backups never hold their
 * rows, so erasing a subject's key in the live database makes their data
 * unreadable in every backup taken before too (ALL02). For store_backup. */
extern const char *const broker_key_tables[];

/* After a backup is restored into `into` (backups hold no keys), copies the
 * data keys of the subjects that are still live in `live` and not erased in
 * `into`. Erased subjects stay unreadable (record_keys_restore then removes
 * their rows). The number copied, or -1. Erasing a subject's rows and its
 * key is the record layer's (record_erase_subject). */
struct store;
int64_t broker_keys_restore(struct store *live, struct store *into);

/* ---- staff accounts ----
 * Staff are the operator's own people, outside the profile (which governs
 * what the site does with the data of members and the public). Their e-mail
 * address and second-factor secret are sealed all the same, under a data key
 * of their own (a subject of kind "staff"), so that removing a staff account
 * destroys them too. A staff grant covers only the two categories below and
 * never opens a member's data; no profile decision is involved.
 */
#define BROKER_STAFF_EMAIL "staff_email"
#define BROKER_STAFF_TOTP  "staff_totp_secret"
int broker_staff_new(struct store_conn *c, int64_t *staff, struct broker_grant **grant);
int broker_staff_open(struct store_conn *c, int64_t staff, struct broker_grant **grant);

/* ---- the consent ledger ---- */

/* Records a choice: state on/off for purpose, given via "form", "link",
 * "gpc", "api", "staff_letter", "staff_call", "profile_default",
 * "dealer_request" (the member's ask for a dealer is the yes). */
int broker_consent_set(struct store_conn *c, int64_t subject, const char *purpose, bool on,
		       const char *via);
enum consent_state broker_consent_get(struct store_conn *c, int64_t subject, const char *purpose);

/*
 * NAM10: whether a new use of purpose is still waiting for the subject (a
 * revision widened the purpose after their data was collected, and its
 * notice has not yet gone out the opt-out window ago, nor have they said yes
 * since). The waiting version, with *starts the time the new use applies to
 * them (the notice's time plus the window; 0 while the notice has not gone
 * out), or 0 when none waits, or -1 when the store failed.
 */
int64_t broker_use_waiting(struct store_conn *c, int64_t subject, const char *purpose,
			   int64_t *starts);

/* A purpose's choices, counted (the admin console: aggregate only, no
 * subject named). granted and refused: the ledger's current yes and no
 * (a no is a refusal or a withdrawal alike); waiting: subjects of the
 * purpose's kinds, not erased, for whom a new use of it is still waiting
 * (NAM10, as broker_use_waiting decides it for one). */
struct broker_consent_counts {
	int64_t granted, refused, waiting;
};
int broker_consent_counts(struct store_conn *c, const char *purpose,
			  struct broker_consent_counts *out);

#endif
