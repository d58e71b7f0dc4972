/*
 * garage_api: the garage's JSON API (/api/v1/me/vehicles and, for
 * verifiers, /api/v1/staff/reviews; docs/api.md "Garage"), a thin adapter
 * over garage.h. Who may call each is the route table's (a member, with a
 * recent password to add or remove a car; staff whose role has the
 * verification purpose); these read the request, call the domain and
 * write the answer.
 */
#ifndef GLOVEBOX_GARAGE_API_H
#define GLOVEBOX_GARAGE_API_H

#include <stdint.h>

#include "garage.h"
#include "http.h"

/* Members: GET, POST /api/v1/me/vehicles; DELETE /api/v1/me/vehicles/:id */
void garage_api_list(struct req *r);
void garage_api_add(struct req *r);
void garage_api_remove(struct req *r);

/* Verifiers: GET /api/v1/staff/reviews[/:id]; POST /api/v1/staff/reviews/:id */
void garage_api_reviews(struct req *r);
void garage_api_review(struct req *r);
void garage_api_decide(struct req *r);

/* Shared with the pages. */
/* The car as the request gives it (the API's fields, or the form's). */
void garage_api_car_input(const struct req *r, struct garage_car *in);
/* A row id the route declared (valid_uint); 0 when absent or out of range,
 * which no row has. */
int64_t garage_api_id(const char *text);

#endif
