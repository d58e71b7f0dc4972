/*
 * staff_page: the staff side in HTML, for browsers without JavaScript, a
 * thin adapter over staff.h like staff_api.c: enrolment (password, then
 * the authenticator by QR code), sign-in with the second factor, the staff
 * home with the tools of the role, and the member lookup. Each form's
 * handler calls the domain and redirects, or shows the form again with the
 * message next to its field.
 */
#ifndef GLOVEBOX_STAFF_PAGE_H
#define GLOVEBOX_STAFF_PAGE_H

#include "http.h"

void staff_page_home(struct req *r);
void staff_page_signin(struct req *r);
void staff_page_signin_post(struct req *r);
void staff_page_signout(struct req *r);
void staff_page_enrol(struct req *r);
void staff_page_enrol_post(struct req *r);
void staff_page_enrol_confirm(struct req *r);
void staff_page_members(struct req *r);
void staff_page_members_post(struct req *r);
/* The password again, for the console's changes (ROUTE_RECENT). */
void staff_page_reauth(struct req *r);
void staff_page_reauth_post(struct req *r);

#endif
