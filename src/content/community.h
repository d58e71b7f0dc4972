/*
 * community: what members show each other (issue 16, NAM06) as domain
 * logic that knows nothing of HTTP: the community garage (the cars whose
 * owner ticked "other members may see it") and the member's display name.
 *
 * The community garage is offered where the profile has a garage and a
 * purpose of kind public_content that covers the garage's vehicle_details
 * (north-american-motoring's community_garage). Each shown car's details
 * are opened by glovebox itself (ACTOR_SYSTEM) under that purpose, with
 * the owner's display name: never the VIN or the serial numbers, which are
 * sealed for verification alone and which no purpose of that kind may
 * cover (the identifier lock, NAM06). The flag is read in the same query
 * that lists the cars, so unticking it hides the car from the next page.
 *
 * The display name is optional and sealed on the member's row under the
 * display_name category, written by the member under the purpose that
 * covers it (community_garage or public_submissions; docs/content.md).
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_COMMUNITY_H
#define GLOVEBOX_COMMUNITY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct store_conn;
struct broker_grant;

/* The longest display name, in bytes (the route declares the same). */
#define DISPLAY_NAME_MAX 60

/* The purpose of kind public_content that covers category, or NULL. */
const char *content_public_purpose(const char *category);

/* The profile has a community garage. */
bool community_offered(void);
/* The profile has a display_name category a purpose covers. */
bool display_name_offered(void);

/* The cars members chose to show, newest first (at most the
 * community-garage-listed setting): [{id, nickname, model, year, colour,
 * verified_owner, display_name}] (a detail not given is absent).
 * ERR_NO_COMMUNITY, ERR_STORE. */
int community_list(json_t **cars, struct failure *f);

/* Shows or hides one of the member's cars. ERR_NO_COMMUNITY,
 * ERR_NO_SUCH_CAR, ERR_STORE. */
int community_set_shown(int64_t member, int64_t car, bool shown, struct failure *f);

/* The member's display name, as the member (*name NULL when none; free
 * with free()). ERR_NOT_FOUND when the profile has none, ERR_STORE. */
int display_name_get(int64_t member, char **name, struct failure *f);
/* Sets (name given) or clears (NULL or "") it. */
int display_name_set(int64_t member, const char *name, struct failure *f);

/* The member's display name opened by glovebox for showing beside what
 * they share, under purpose (which must cover display_name): a malloc'd
 * text or NULL (none, or not allowed). Inside the caller's connection. */
char *display_name_shown(struct store_conn *c, int64_t member, const char *purpose);

#endif
