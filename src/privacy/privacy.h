/*
 * privacy: the privacy page and the machine-readable profile, rendered from
 * the profile in force (so text and behaviour cannot drift apart), every
 * published version at /privacy/v/N with what changed (INS14), and
 * publishing a revision with its NAM10 notices.
 */
#ifndef GLOVEBOX_PRIVACY_H
#define GLOVEBOX_PRIVACY_H

#include <jansson.h>
#include <stdio.h>

#include "http.h"

struct policy;
struct store;

/* The profile as JSON: what /privacy.json serves and the page renders. */
json_t *privacy_profile_json(const struct policy *p);

/*
 * Publishes p unless its version is already published: records the
 * version, its source and what changed from the previous one, the uses it
 * adds for data already held (NAM10) and a due notice per existing member.
 * Refuses another profile's name, a version lower than the latest, or the
 * same version with a different text. Messages go to err. 0, 1 if it was
 * already published, -1 on refusal.
 */
int privacy_publish(struct store *s, const struct policy *p, FILE *err);

/* Loads the latest published version from the store into *out (replacing
 * nothing if none). 0 or -1. */
int privacy_latest_version(struct store *s, int *version);

void privacy_page(struct req *r);
void privacy_json(struct req *r);
void privacy_version_page(struct req *r);

#endif
