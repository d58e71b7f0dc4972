/*
 * gate: who may call a route, checked once for every request, before its
 * handler runs (http_set_gate). The route table declares each route's
 * access (route.h): anyone; a member; a member who entered their password
 * within the profile's window (NAM14); or a staff member whose role grants
 * the route's purpose (INS09). A state-changing request on a member or
 * staff route must carry the session's CSRF token, whatever the route.
 * A refusal is the JSON error on API routes; on pages, a redirect to the
 * right sign-in (or to /me, where the password is asked again) or the
 * error page.
 */
#ifndef GLOVEBOX_GATE_H
#define GLOVEBOX_GATE_H

#include <stdbool.h>

#include "http.h"

/* The http_gate_fn the server installs. */
bool gate_pass(struct req *r);

/* The purpose a staff route needs for this request, or NULL (any role, or
 * the profile has no such purpose). */
const char *gate_route_purpose(const struct req *r);

#endif
