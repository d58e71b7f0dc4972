/*
 * staff_api: the staff's JSON API (/api/v1/staff/...; docs/api.md), a thin
 * adapter over staff.h. Who may call each is the route table's (the gate
 * has checked the staff session, its CSRF token and the role's purpose
 * before these run); these read the request, call the domain and write the
 * answer.
 */
#ifndef GLOVEBOX_STAFF_API_H
#define GLOVEBOX_STAFF_API_H

#include "http.h"
#include "staff.h"

void staff_api_enrol(struct req *r);
void staff_api_enrol_confirm(struct req *r);
void staff_api_signin(struct req *r);
void staff_api_signout(struct req *r);
void staff_api_me(struct req *r);
void staff_api_reauth(struct req *r);
void staff_api_member_find(struct req *r);
void staff_api_member(struct req *r);

/* Shared with the pages. */
/* The sign-in as the request gives it (the API's fields or the form's). */
void staff_api_signin_input(const struct req *r, struct staff_signin *in);
/* Checks the password the request gives for its staff session and marks
 * the session's password as entered now (the gate's ROUTE_RECENT). */
int staff_api_reauth_run(struct req *r, struct failure *f);
/* The broker's actor for the request's staff session. */
void staff_api_actor(const struct req *r, struct broker_actor *actor);

#endif
