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

/* "YYYY-MM-DD": NULL if a real date in the past, else a message. */
const char *valid_birth_date(const char *s, size_t len);

#endif
