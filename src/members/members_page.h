/*
 * members_page: the members' pages in HTML (see members_page.c).
 */
#ifndef GLOVEBOX_MEMBERS_PAGE_H
#define GLOVEBOX_MEMBERS_PAGE_H

#include "http.h"

void members_page_signup(struct req *r);
void members_page_signup_post(struct req *r);
void members_page_signin(struct req *r);
void members_page_signin_post(struct req *r);
void members_page_signout(struct req *r);
void members_page_confirm(struct req *r);
void members_page_confirm_post(struct req *r);
void members_page_email_confirm(struct req *r);
void members_page_email_confirm_post(struct req *r);
void members_page_me(struct req *r);
void members_page_reauth(struct req *r);
void members_page_consent(struct req *r);
void members_page_correct(struct req *r);
void members_page_password(struct req *r);
void members_page_email(struct req *r);
void members_page_session_end(struct req *r);
void members_page_device_forget(struct req *r);
void members_page_close(struct req *r);
void members_page_close_post(struct req *r);

#endif
