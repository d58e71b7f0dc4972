/*
 * members_api: the members' JSON API (/api/v1/signup, /signin, /me, ...;
 * docs/api.md), a thin adapter over members.h and remember.h. Who may call
 * each is the route table's; these read the request, call the domain and
 * write the answer.
 */
#ifndef GLOVEBOX_MEMBERS_API_H
#define GLOVEBOX_MEMBERS_API_H

#include "http.h"
#include "members.h"

void members_api_signup(struct req *r);
void members_api_signin(struct req *r);
void members_api_signout(struct req *r);
void members_api_confirm(struct req *r);
void members_api_me(struct req *r);
void members_api_reauth(struct req *r);
void members_api_correct(struct req *r);
void members_api_export(struct req *r);
void members_api_close(struct req *r);
void members_api_consents(struct req *r);
void members_api_consent_set(struct req *r);
void members_api_password(struct req *r);
void members_api_email(struct req *r);
void members_api_sessions(struct req *r);
void members_api_session_end(struct req *r);
void members_api_devices(struct req *r);
void members_api_devices_forget(struct req *r);
void members_api_device_forget(struct req *r);

/* Shared with the pages. */
/* The sign-up as the request gives it (the API's fields, or the form's once
 * turned into them), with the browser's Global Privacy Control signal. */
void members_api_signup_input(const struct req *r, struct members_signup *in);
/* After the age screen said no: a cookie with no data that stops an
 * immediate retry with another date (NAM12). */
bool members_api_age_screened(const struct req *r);
void members_api_age_cookie(struct req *r);
/* Sets the cookies of a sign-up's or sign-in's session and device. */
void members_api_started(struct req *r, const struct members_started *s);
/* Clears the device cookie (every device forgotten). */
void members_api_device_cookie_clear(struct req *r);

#endif
