/*
 * garage: a member's cars and the verification of their ownership (NAM06),
 * as domain logic that knows nothing of HTTP (garage_api.c and
 * garage_page.c are its JSON and HTML adapters).
 *
 * A member adds a car with its VIN, the serial numbers the profile's
 * collection point declares, and a nickname, model, year and colour they
 * may show other members (never the VIN). The VIN is checked (vin.h) under
 * the profile's rules (strict or lenient check digit, accepted makes); a
 * car is verified at once unless there is doubt: another member has
 * claimed the same VIN (found through the record layer's blind index,
 * never by its text), the check digit only passed leniently, or the
 * manufacturer is unknown. Doubtful claims wait for a staff member whose
 * role has the verification purpose; the member is told that the claim
 * waits, never why (else adding a VIN would tell anyone whether another
 * member has registered that car).
 *
 * The purpose lock: VIN and serial numbers are sealed for the verification
 * purpose alone (the purpose of the "vehicle_registration" collection
 * point), so the broker gives them to the member, to a verifier and to the
 * member's own export, and to nothing else (no other role, no partner, no
 * mail, no figure, no log line). The details are sealed as the
 * vehicle_details category under the purpose that covers it (the member's
 * account). Every sealed value goes through the record layer (record.h,
 * the "vehicles" table of records.c): the member's export and erasure
 * cover the garage from that declaration, with no function of its own here.
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_GARAGE_H
#define GLOVEBOX_GARAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

struct broker_actor;

/* The most cars one garage holds (ERR_GARAGE_FULL beyond). */
#define GARAGE_MAX_CARS 20
/* The most claims a verifier's list shows at once, oldest first. */
#define GARAGE_REVIEWS_LISTED 200
/* The most claims of one VIN looked at to decide a new claim's fate and to
 * show a verifier the other claims (far more than any car ever has). */
#define GARAGE_MAX_CLAIMS_OF_VIN 64

/* The profile has a garage (a "vehicle_registration" collection point). */
bool garage_offered(void);
/* True when one of the member's cars is verified: the "Verified owner" badge. */
bool garage_verified_owner(int64_t member);

/* A car as the member gives it. Empty or NULL texts are not given. */
struct garage_car {
	const char *vin; /* as typed: normalised and checked here */
	const char *serial_numbers;
	const char *nickname, *model, *year, *colour;
	bool shown; /* other members may see the details */
};

/* A car just added: its id, and "verified" or "review" (a constant).
 * Why a claim waits (another member's claim of the VIN, a check digit that
 * only passed leniently, an unknown manufacturer) is the verifiers' to
 * know, never the member's: that another member claimed a VIN is no one
 * else's business (garage_reviews and garage_review say it). */
struct garage_added {
	int64_t id;
	const char *status;
};

/* ERR_NO_GARAGE, ERR_VIN (the code and message of the VIN check, field
 * "vin"), ERR_VEHICLE_EXISTS (a live claim of the member's own holds that
 * VIN), ERR_GARAGE_FULL (GARAGE_MAX_CARS), ERR_STORE. */
int garage_add(int64_t member, const struct garage_car *in, struct garage_added *out,
	       struct failure *f);

/* The member's cars, opened as the member, oldest first: [{id, vin,
 * serial_numbers, nickname, model, year, colour, public, status,
 * created_at}] (a detail not given is absent; no reason for a claim in
 * review, as garage_added). ERR_NO_GARAGE, ERR_STORE. */
int garage_list(int64_t member, json_t **cars, struct failure *f);

/* Removes one of the member's cars. ERR_NO_GARAGE, ERR_NO_SUCH_CAR (none
 * of the member's has that id), ERR_STORE. */
int garage_remove(int64_t member, int64_t car, struct failure *f);

/* ---- verifiers ----
 * The route table lets only staff whose role has the verification purpose
 * call these; opening a claim and deciding on it still go through the
 * broker as that staff actor (session_actor), which refuses any other role
 * and writes each access into the access log the member sees (NAM11). */

/* The claims waiting for a decision, oldest first, without any VIN: [{id,
 * reason, created_at}] (at most GARAGE_REVIEWS_LISTED). ERR_NO_GARAGE,
 * ERR_STORE. */
int garage_reviews(json_t **list, struct failure *f);

/* One claim opened by the verifier (logged as a "read"): {id, member,
 * status, reason, created_at, vin, serial_numbers, manufacturer,
 * model_year, country, other_claims: [{id, status, created_at}]}.
 * ERR_NO_GARAGE, ERR_NO_SUCH_CLAIM, ERR_REFUSED (the broker's reason as the
 * code: role_lacks_purpose, ...), ERR_ERASED (the member's data key is
 * gone), ERR_STORE. */
int garage_review(const struct broker_actor *verifier, int64_t claim, json_t **out,
		  struct failure *f);

/* A decision taken: the new status ("verified" or "rejected", constants),
 * when and by which staff account. */
struct garage_decision {
	int64_t id;
	const char *status;
	int64_t decided_at;
	int64_t decided_by;
};

/* Verifies or rejects a claim waiting for review (decision "verify" or
 * "reject"; logged with the decision as the action). The errors of
 * garage_review, ERR_INVALID_FIELD (another decision) and ERR_NOT_IN_REVIEW
 * (decided already, or never doubted). */
int garage_decide(const struct broker_actor *verifier, int64_t claim, const char *decision,
		  struct garage_decision *out, struct failure *f);

/* ---- validators the routes declare ---- */
const char *valid_vin_input(const char *s, size_t len);
const char *valid_decision(const char *s, size_t len);
const char *valid_year(const char *s, size_t len);

#endif
