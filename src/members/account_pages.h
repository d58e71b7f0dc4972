/*
 * account_pages: sign-up, sign-in and the member's page in HTML.
 */
#ifndef GLOVEBOX_ACCOUNT_PAGES_H
#define GLOVEBOX_ACCOUNT_PAGES_H

#include "http.h"

void account_signup_page(struct req *r);
void account_signup_post(struct req *r);
void account_signin_page(struct req *r);
void account_signin_post(struct req *r);
void account_signout_post(struct req *r);

#endif
