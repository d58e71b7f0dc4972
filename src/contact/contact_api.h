/*
 * contact_api: the contact family's JSON API (docs/api.md), a thin adapter
 * over contact.h: POST /api/v1/contact, open to anyone (a signed-in
 * member's message belongs to the member), and the support desk's
 * /api/v1/staff/messages, whose callers the route table's gate has
 * checked (a staff role with the contact point's purpose).
 */
#ifndef GLOVEBOX_CONTACT_API_H
#define GLOVEBOX_CONTACT_API_H

#include <stdint.h>

#include <jansson.h>

#include "contact.h"
#include "http.h"

void contact_api_create(struct req *r);
void contact_api_list(struct req *r);
void contact_api_get(struct req *r);
void contact_api_answer(struct req *r);

/* Shared with the pages. */
/* The message the form or the API call sends, owned by the member whose
 * session the request carries (the route is open to anyone). */
void contact_api_new(struct req *r, struct contact_new *in);
/* Which messages a listing asks for (?state=all: every one). */
enum contact_listing contact_api_listing(const struct req *r);
/* The id in the path of /staff/messages/:id (declared and checked). */
int64_t contact_api_message_id(const struct req *r);
/* An opened message as {id, created_at, answered_at, email, topic, message,
 * answer}, null for what is not there. */
json_t *contact_api_message_json(const struct contact_message *m);

#endif
