/*
 * privacy: the privacy notice as domain logic that knows nothing of HTTP
 * (privacy_api.c serves /privacy.json, privacy_page.c renders /privacy and
 * /privacy/v/N). The notice is rendered from the profile in force, so text
 * and behaviour cannot drift apart; every published version stays
 * published with what changed (INS14); publishing a revision records the
 * uses it adds for data already held and a notice due to every member
 * (NAM10; notices.h sends them).
 */
#ifndef GLOVEBOX_PRIVACY_H
#define GLOVEBOX_PRIVACY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "err.h"

struct policy;
struct store;

/* The profile as JSON: what /privacy.json serves and the page renders. */
json_t *privacy_profile_json(const struct policy *p);

/* What the code puts before each cookie name on this deployment: "__Host-"
 * behind TLS (the cookie is then bound to this host), "" otherwise. */
const char *privacy_cookie_prefix(void);

/*
 * Publishes p unless its version is already published: records the
 * version, its source and what changed from the previous one, the uses it
 * adds for data already held (NAM10) and a due notice per existing member.
 * Refuses another profile's name, a version lower than the latest, or the
 * same version with a different text. Messages go to err. 0, 1 if it was
 * already published, -1 on refusal.
 */
int privacy_publish(struct store *s, const struct policy *p, FILE *err);
/* The same, and when it publishes, says so on out with each new use on a
 * line of its own ("  new use: ..."), for `glovebox profile publish`. */
int privacy_publish_listing(struct store *s, const struct policy *p, FILE *out, FILE *err);

/* The latest published version into *version (0 if none). 0 or -1. */
int privacy_latest_version(struct store *s, int *version);

/* Every published version, newest first: [{version, effective,
 * published_at}]. ERR_STORE. */
int privacy_versions(json_t **list, struct failure *f);

/* What changed in a published version, one sentence each.
 * ERR_NO_SUCH_VERSION, ERR_STORE, ERR_INTERNAL (the record is damaged). */
int privacy_changes(int64_t version, json_t **changes, struct failure *f);

/* A published version as it was (*profile: release with policy_free) and
 * what changed in it. The same errors, and ERR_INTERNAL when its text no
 * longer loads. */
int privacy_version(int64_t version, struct policy **profile, json_t **changes, struct failure *f);

/* A member's choice on the opt-out page for the profile's advertising
 * purposes (INS11): recorded in the consent ledger, via "choices", where it
 * differs from what it holds. ERR_STORE. */
int privacy_ads_choice(int64_t member, bool on, struct failure *f);

/* The member's current choice: false when any advertising purpose of
 * theirs is off for them (or an opt_in one was never switched on). */
bool privacy_ads_member_on(int64_t member);

#endif
