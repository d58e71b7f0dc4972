/*
 * request_api: the JSON adapter of the requests' domain (request.h): the
 * public list and request, the status link, the fulfilment queue and the
 * items staff publish. The route table declares each call's parameters and
 * who may call it (docs/api.md).
 */
#ifndef GLOVEBOX_REQUEST_API_H
#define GLOVEBOX_REQUEST_API_H

#include <stdbool.h>

#include "http.h"
#include "request.h"

/* The request's fields from the route's parameters; the member from the
 * session, if one is signed in. */
void request_api_new(struct req *r, int64_t item, struct request_new *in);

/* The item named by the route's path parameter (digits: its validator). */
int64_t request_api_path_id(const struct req *r);

/* Staff's item as the route read it. has_active: "active" was given. */
struct request_item request_api_item_of(const struct req *r, bool *has_active);

/* The decision's outcome ("fulfilled", "refused"); false for anything else. */
bool request_api_outcome(const struct req *r, enum request_outcome *out);

void request_api_items(struct req *r);
void request_api_create(struct req *r);
void request_api_status(struct req *r);
void request_api_queue(struct req *r);
void request_api_open(struct req *r);
void request_api_decide(struct req *r);
void request_api_staff_items(struct req *r);
void request_api_item_add(struct req *r);
void request_api_item_update(struct req *r);

#endif
