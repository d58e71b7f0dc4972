/*
 * postcard_api: the e-postcards' JSON API (docs/api.md, docs/postcards.md),
 * a thin adapter over postcard.h: the cards, sending one (open to anyone; a
 * signed-in member may leave their own name and address out), reporting
 * one by its link's token, and the reports for the support desk, whose
 * callers the route table's gate has checked.
 */
#ifndef GLOVEBOX_POSTCARD_API_H
#define GLOVEBOX_POSTCARD_API_H

#include <jansson.h>

#include "http.h"
#include "postcard.h"

void postcard_api_cards(struct req *r);
void postcard_api_send(struct req *r);
void postcard_api_report(struct req *r);
void postcard_api_reports(struct req *r);

/* Shared with the pages. */

/* The card the form or the API call sends, with the member whose session
 * the request carries (the route is open to anyone). */
void postcard_api_new(struct req *r, struct postcard_new *in);
/* The bundled cards as [{id, title, alt, picture}]. */
json_t *postcard_api_cards_json(const char *chosen);
/* Answers 404 and returns false when the profile sends no e-postcards. */
bool postcard_api_offered(struct req *r);

#endif
