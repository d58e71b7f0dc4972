/*
 * ads: the profile's third-party advertising tags on pages (INS11).
 *
 * A tag the profile declares (policy.h, struct policy_ad_tag) is included
 * as a <script src> only on a page anyone may open that takes and shows no
 * personal data (no form, no account or staff page, no error), and only
 * for a visitor who has not said no: no opt-out cookie (set on
 * /privacy/choices), no `Sec-GPC: 1`, no `DNT: 1`, and, for a signed-in
 * member, their choice for the tag's purpose (opt_out: not switched off;
 * opt_in: switched on). Only then is the response's Content-Security-Policy
 * widened to the tag's origin (script-src, img-src, connect-src); otherwise
 * it is the site's own. Wherever the profile declares a tag, every page's
 * footer links the opt-out page; where it declares none, no page does and
 * no tag is ever included.
 */
#ifndef GLOVEBOX_ADS_H
#define GLOVEBOX_ADS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"

struct store_conn;

/* Whether the profile in force declares any ad tag (the opt-out page and
 * the footer link exist only then). */
bool ads_declared(void);

/* For page_render: adds "ad_tags" (each {"name", "script"}) to a page's
 * data and widens the response's CSP for their origins, when this page and
 * this visitor allow them; nothing otherwise. */
void ads_page(struct req *r, int status, json_t *data);

/* How the request's browser says no, for the opt-out page: "choice" (the
 * opt-out cookie), "gpc", "dnt", or NULL. */
const char *ads_refusal(const struct req *r);

/* Sets the opt-out cookie (off true, for the lifetime the profile declares
 * for it) or clears it (off false). */
void ads_cookie_set(struct req *r, bool off);

/* Records a member's choice for every advertising purpose of theirs, inside
 * the caller's transaction, as given `via`, where it differs from what the
 * ledger holds. 0, or -1 when the store failed. */
int ads_member_choice(struct store_conn *c, int64_t member, bool on, const char *via);

#endif
