/*
 * contact: the public contact form (NAM07, NAM15, INS03). A message's
 * return address, topic and text are sealed under a data key of their own
 * (the sender is a data subject of kind "requester"), so the address can be
 * erased on its own once answered.
 */
#ifndef GLOVEBOX_CONTACT_H
#define GLOVEBOX_CONTACT_H

#include <stdint.h>

#include "http.h"

/* Stores one message; *id gets its id. 0, or -1 if the store failed. */
int contact_create(const char *email, const char *topic, const char *message, int64_t *id);

void contact_page(struct req *r);
void contact_post(struct req *r);
void contact_thanks(struct req *r);
void contact_api_create(struct req *r);

#endif
