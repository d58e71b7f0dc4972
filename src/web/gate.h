/*
 * gate: who may call a route, checked once for every request, before its
 * handler runs (http_set_gate), from what the route table declares
 * (route.h), in this order:
 *
 *  1. A state-changing request (anything but GET and HEAD) from another
 *     site is refused (403 cross_site): a browser's Sec-Fetch-Site says
 *     cross-site, or its Origin is not the site's own (site-url when the
 *     operator set it, else the request's Host). Only routes flagged
 *     ROUTE_CROSS_SITE take one (one-click unsubscribe).
 *  2. A form that starts a session (ROUTE_PRESESSION: sign-in, sign-up)
 *     must echo, in its csrf_token field, the pre-session token its page
 *     set in a cookie of its own (403 csrf otherwise); the page gets the
 *     token from here (page_data adds it), so no other site can sign a
 *     browser in to an account of its choosing (login CSRF).
 *  3. The route's access: anyone; a member; a member who entered their
 *     password within the profile's window (NAM14); or a staff member whose
 *     role grants the route's purpose (INS09). A state-changing request on
 *     a member or staff route must carry the session's CSRF token.
 *  4. A state-changing request on a route that names a limit (one that
 *     sends mail or stores text) counts against it per client address;
 *     past it: 429 with Retry-After, or the form again with the message
 *     (page_form_refused; the handler, seeing r->nerrors, does nothing).
 *
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
