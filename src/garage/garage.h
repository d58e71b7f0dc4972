/*
 * garage: a member's cars and the verification of their ownership (NAM06).
 *
 * A member adds a car with its VIN, the serial numbers the profile's
 * collection point declares, and a nickname, model, year and colour they
 * may show other members (never the VIN). The VIN is checked (vin.h) under
 * the profile's rules (strict or lenient check digit, accepted makes); a
 * car is verified at once unless there is doubt: another member has
 * claimed the same VIN (found by blind index, never by its text), the check
 * digit only passed leniently, or the manufacturer is unknown. Doubtful
 * claims wait for a staff member whose role has the verification purpose.
 *
 * The purpose lock: VIN and serial numbers are sealed for the verification
 * purpose alone, so the broker gives them to the member, to a verifier and
 * to the member's own export, and to nothing else (no other role, no
 * partner, no mail, no figure, no log line).
 */
#ifndef GLOVEBOX_GARAGE_H
#define GLOVEBOX_GARAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "http.h"

struct store_conn;

/* Members: GET, POST /api/v1/me/vehicles; DELETE /api/v1/me/vehicles/:id */
void garage_api_list(struct req *r);
void garage_api_add(struct req *r);
void garage_api_remove(struct req *r);

/* Verifiers: GET /api/v1/staff/reviews[/:id]; POST /api/v1/staff/reviews/:id */
void garage_api_reviews(struct req *r);
void garage_api_review(struct req *r);
void garage_api_decide(struct req *r);

/* The member's cars, opened as the member (for the export, ALL01); an
 * empty array when the profile has no garage. */
json_t *garage_of(struct store_conn *c, int64_t member);
/* Deletes the member's cars inside the caller's transaction (ALL02). */
int garage_forget_member(struct store_conn *c, int64_t member);
/* True when one of the member's cars is verified: the "verified owner" badge. */
bool garage_verified_owner(struct store_conn *c, int64_t member);
/* The profile has a garage (a "vehicle_registration" collection point). */
bool garage_offered(void);

const char *valid_vin_input(const char *s, size_t len);
const char *valid_decision(const char *s, size_t len);
const char *valid_year(const char *s, size_t len);

#endif
