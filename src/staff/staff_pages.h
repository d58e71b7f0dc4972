/*
 * staff_pages: the staff side in HTML, for browsers without JavaScript:
 * enrolment (password, then the authenticator by QR code), sign-in with
 * the second factor, the staff home with the tools of the role, and the
 * member lookup. Each form posts to a page handler that calls the staff API
 * handler and turns its answer into a redirect or the form again.
 */
#ifndef GLOVEBOX_STAFF_PAGES_H
#define GLOVEBOX_STAFF_PAGES_H

#include <stdbool.h>

#include "http.h"

struct staff_session;

/* For staff pages: true with *s filled, or a redirect to the staff sign-in. */
bool staff_page_session(struct req *r, struct staff_session *s);

void staff_home_page(struct req *r);
void staff_signin_page(struct req *r);
void staff_signin_post(struct req *r);
void staff_signout_post(struct req *r);
void staff_enrol_page(struct req *r);
void staff_enrol_post(struct req *r);
void staff_enrol_confirm_post(struct req *r);
void staff_members_page(struct req *r);
void staff_members_post(struct req *r);

#endif
