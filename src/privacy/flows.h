/*
 * flows: the profile drawn as a picture of where data goes, for /privacy and
 * /me. Pure: no HTTP, no store. flows_diagram() lays the picture out and
 * returns it as data; templates/flows.html draws it as inline SVG (the
 * template engine escapes every profile string) with a text alternative
 * that lists the same flows in words.
 *
 * Three columns: the categories on the left, the purposes in the middle,
 * the recipients on the right. A flow is an edge:
 *   category -> purpose    for each category the purpose uses;
 *   purpose -> recipient   for each purpose the recipient takes, carrying
 *                          the recipient's fields that the purpose uses (a
 *                          purpose for which it would receive none of its
 *                          fields draws no edge).
 * Each edge is marked by the purpose's basis (solid for required and
 * notice, dashed for opt-out, dotted for opt-in, with a legend) and has a
 * state: "allowed" on /privacy; on /me "on", or "off" when the member's
 * choice switches the purpose off (grey and dash-dotted). So the picture's
 * flows can be computed from /privacy.json's purposes and recipients alone.
 *
 * The layout is deterministic: fixed columns, each column's nodes spread
 * evenly over the height of the longest one, a node as tall as its label
 * wrapped at a fixed number of characters.
 */
#ifndef GLOVEBOX_FLOWS_H
#define GLOVEBOX_FLOWS_H

#include <jansson.h>

struct policy;

/*
 * The picture of profile p, for the template "flows". choices is NULL for
 * the profile alone (/privacy), or a member's choices in the shape of
 * members_consents(): an array of {"purpose": id, "on": bool}; a purpose
 * listed with "on" false has its flows drawn off, one not listed is on.
 * The caller owns the result.
 */
json_t *flows_diagram(const struct policy *p, const json_t *choices);

#endif
