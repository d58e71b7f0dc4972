/*
 * remember: "remember me on this device" (INS12). Off unless the member
 * ticks it at sign-in or sign-up. The cookie holds a 256-bit random
 * reference whose keyed hash the store keeps, never any detail of the
 * member; on later forms it fills in the name and e-mail address, read
 * through the broker under the profile's purpose for it (the one covering
 * the device_reference category), so a member who opts out of that purpose
 * gets nothing filled in. The member lists and forgets devices on /me;
 * closing the account forgets them all (the record layer's erasure), and
 * the retention pass drops a reference once the profile's time for it has
 * passed (its expires_at). A profile without such a purpose offers no
 * remember-me at all.
 */
#ifndef GLOVEBOX_REMEMBER_H
#define GLOVEBOX_REMEMBER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "token.h"

struct store_conn;

/* A device just remembered: the cookie's value ("" when none) and life. */
struct remember_cookie {
	char token[TOKEN_CHARS + 1];
	int64_t max_age;
};

/* The purpose remembered devices serve, or NULL when the profile has none. */
const char *remember_purpose(void);
/* The cookie's name. */
const char *remember_cookie_name(void);
/* Remembers a device for member inside the caller's transaction (nothing,
 * with an empty token, when the profile offers none). 0, or -1. */
int remember_device(struct store_conn *c, int64_t member, struct remember_cookie *out);
/* {"name", "email"} of the member remembered by this cookie value, or NULL
 * (no such reference, expired, or the broker refused). */
json_t *remember_prefill(const char *token);
/* The member's devices: [{id, created_at, last_used, expires_at, this_device}]. */
json_t *remember_devices(int64_t member, const char *current_token);
/* Forgets one device by its id (ERR_NO_DEVICE), or all of them. */
int remember_forget(int64_t member, const char *id, struct failure *f);
int remember_forget_all(int64_t member, int *forgotten, struct failure *f);
/* Forgets every device of member inside the caller's transaction (a
 * password set from a reset link). 0, or -1. */
int remember_forget_member(struct store_conn *c, int64_t member);

#endif
