/*
 * members_reset_api: the forgotten password in JSON
 * (POST /api/v1/password-reset, POST /api/v1/password-reset/confirm;
 * docs/api.md), a thin adapter over members_reset.c. Anyone may call both:
 * the address, or the link's token, is the only authority.
 */
#ifndef GLOVEBOX_MEMBERS_RESET_API_H
#define GLOVEBOX_MEMBERS_RESET_API_H

#include "http.h"

void members_reset_api_request(struct req *r);
void members_reset_api_confirm(struct req *r);

#endif
