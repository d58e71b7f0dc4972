/*
 * members: sign-up with the neutral age screen (NAM12), sign-in with
 * throttling, sign-out, and the member's own record (/api/v1/me). Every
 * personal field goes through the broker under the purpose of the profile's
 * registration collection point.
 */
#ifndef GLOVEBOX_MEMBERS_H
#define GLOVEBOX_MEMBERS_H

#include "http.h"

void members_api_signup(struct req *r);
void members_api_signin(struct req *r);
void members_api_signout(struct req *r);
void members_api_me(struct req *r);
void members_api_reauth(struct req *r);
void members_api_correct(struct req *r);
void members_api_export(struct req *r);
void members_api_close(struct req *r);
void members_api_consents(struct req *r);
void members_api_sessions(struct req *r);
void members_api_session_end(struct req *r);
void members_api_consent_set(struct req *r);

/* A comma-separated list of ids ("member_news,club_surveys"). */
const char *valid_id_list(const char *s, size_t len);

/* What staff sign-in shares with members' (staff.c). */
struct store_conn;
struct broker_actor;
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "crypto.h"
#include "policy.h"
#define MEMBER_EMAIL_DOMAIN "member-email"
/* The purpose the member registration point serves (the member's own
 * account: "account", "insider_account"), or NULL when the profile has none. */
const char *members_account_purpose(void);
/* The blind index of an e-mail address (lower-cased, without spaces) under domain. */
void email_blind_index(const char *domain, const char *email, unsigned char out[CRYPTO_INDEX_BYTES]);
/* Per client address sign-in limits; false after answering 429. */
bool signin_address_allowed(struct req *r);
/* How long an account stays locked after `failures` failures in a row. */
int64_t signin_lock_seconds(int64_t failures);
/* A member's record as {field: value}, opened through the broker by actor under purpose: only
 * the fields whose categories the purpose covers. NULL when there is no such member or the
 * broker refused (*reason, if given, says why). */
json_t *members_record(struct store_conn *c, int64_t member, const struct broker_actor *actor,
		       const char *purpose, enum decision_reason *reason);

/* "YYYY-MM-DD": NULL if a real date in the past, else a message. */
const char *valid_birth_date(const char *s, size_t len);

#endif
