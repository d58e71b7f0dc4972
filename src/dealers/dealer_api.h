/*
 * dealer_api: the JSON calls of the dealers (dealer.h). Staff whose role
 * has the dealer purpose: GET/POST /api/v1/staff/dealers, PUT
 * /api/v1/staff/dealers/:id. A member: GET /api/v1/dealers, POST
 * /api/v1/me/dealer-requests. docs/api.md.
 */
#ifndef GLOVEBOX_DEALER_API_H
#define GLOVEBOX_DEALER_API_H

#include "req.h"

void dealer_api_staff_list(struct req *r);
void dealer_api_staff_add(struct req *r);
void dealer_api_staff_update(struct req *r);
void dealer_api_list(struct req *r);
void dealer_api_request(struct req *r);

#endif
