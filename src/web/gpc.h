/*
 * gpc: the browser's privacy signal, honoured on every request of a
 * signed-in member (INS06, INS11; issue 12, rule 2).
 *
 * A request carrying `Sec-GPC: 1` (Global Privacy Control) or `DNT: 1` (Do
 * Not Track, honoured the same way: docs/profiles.md says why) switches off
 * the member's choices that hand data to affiliates or serve advertising
 * (the purposes of kind affiliate_offers and advertising), each as an event
 * in the consent ledger with how it came ("gpc" or "dnt"), if they are on.
 * A choice already off is left alone: no event per request.
 *
 * The check is cheap: the member's session remembers that the signal was
 * applied (sessions.privacy_signal_at, read with the session itself), so a
 * session pays for it once, on its first request with the signal; its
 * later requests read no choice and write nothing. A yes the member gives
 * after that, in the same session, therefore stands for the rest of the
 * session; a new session (the next sign-in) with the signal still sent
 * switches it off again.
 */
#ifndef GLOVEBOX_GPC_H
#define GLOVEBOX_GPC_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "policy.h"

struct session;
struct store_conn;

/* How the request says no: "gpc" (Sec-GPC: 1), "dnt" (DNT: 1), or NULL. */
const char *gpc_signal(const struct req *r);

/* Whether the signal switches pu off: a member's choice (opt-in or
 * opt-out) of kind affiliate_offers or advertising. */
bool gpc_purpose(const struct policy_purpose *pu);

/* Switches off, inside the caller's transaction, each purpose the signal
 * covers that is on for member, recorded as coming `via` the signal.
 * *switched (may be NULL): how many. 0, or -1 when the store failed. */
int gpc_apply(struct store_conn *c, int64_t member, const char *via, int *switched);

/* For the gate, once the member's session s is found: applies the signal
 * the request carries, unless the session has applied it already, and
 * remembers in the session that it has. A store failure is logged and the
 * request goes on (the next request tries again). */
void gpc_request(struct req *r, struct session *s);

/* For a route anyone may call: when the request carries the signal and a
 * member's session cookie, the same, for that session. */
void gpc_request_anyone(struct req *r);

#endif
