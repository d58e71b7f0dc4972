/*
 * flows: the profile drawn as a picture of where data goes, for /privacy and
 * /me. Pure: no HTTP, no store. The picture is inline SVG written here
 * (as totp.c writes its QR code), every profile string HTML-escaped by
 * buf_put_html, followed by a text alternative that lists the same flows in
 * words; the pages place it with {{&flows}}.
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
 * choice leaves the purpose off (grey and dash-dotted, and said so in
 * words). Each edge is a <path> with data-from, data-to ("category:email",
 * "purpose:member_news", "recipient:shipping_carrier"), data-basis,
 * data-state and data-fields (the category ids it carries to a recipient),
 * so the picture's flows can be checked against /privacy.json's purposes
 * and recipients alone.
 *
 * Presentation attributes only: the CSP (style-src 'self') refuses inline
 * style. The layout is deterministic: fixed columns, each column's boxes
 * spread evenly over the height of the longest one, a box as tall as its
 * text wrapped at a fixed number of characters.
 */
#ifndef GLOVEBOX_FLOWS_H
#define GLOVEBOX_FLOWS_H

#include <jansson.h>

struct buf;
struct policy;

/*
 * Appends the picture of profile p to out: a <section id="flows"> holding
 * the SVG and the list of flows. choices is NULL for the profile alone
 * (/privacy), or a member's choices in the shape of members_consents(): an
 * array of {"purpose": id, "on": bool}; a purpose listed with "on" false
 * has its flows drawn off, one not listed is off if it is opt-in (no yes
 * was given) and on otherwise. -1 if out's maximum is
 * reached.
 */
int flows_write(struct buf *out, const struct policy *p, const json_t *choices);

/* The same as a JSON string for a page's data, or JSON null. */
json_t *flows_html(const struct policy *p, const json_t *choices);

#endif
