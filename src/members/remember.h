/*
 * remember: "remember me on this device" (INS12). Off unless the member
 * ticks it at sign-in or sign-up. The cookie holds a 256-bit random
 * reference whose keyed hash the store keeps, never any detail of the
 * member; on later forms it fills in the name and e-mail address, read
 * through the broker under the profile's purpose for it (the one covering
 * the device_reference category), so a member who opts out of that purpose
 * gets nothing filled in. The member lists and forgets devices on /me;
 * closing the account forgets them all. A profile without such a purpose
 * offers no remember-me at all.
 */
#ifndef GLOVEBOX_REMEMBER_H
#define GLOVEBOX_REMEMBER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "http.h"

struct store_conn;

/* The purpose remembered devices serve, or NULL when the profile has none. */
const char *remember_purpose(void);
/* Remembers the request's device for member, inside the caller's
 * transaction, and sets the cookie. 0, or -1. */
int remember_device(struct store_conn *c, struct req *r, int64_t member);
/* {"name", "email"} of the member remembered on this device, or NULL (no
 * cookie, unknown or expired reference, or the broker refused). */
json_t *remember_prefill(struct req *r);
/* Forgets every device of member, inside the caller's transaction. */
int remember_forget_member(struct store_conn *c, int64_t member);
/* Deletes references whose retention has passed; the number, or -1. */
int64_t remember_purge(int64_t now);

/* API: GET /api/v1/me/devices, DELETE /api/v1/me/devices[/:id] */
void remember_api_list(struct req *r);
void remember_api_forget(struct req *r);
void remember_api_forget_all(struct req *r);

#endif
