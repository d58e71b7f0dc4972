/*
 * dashboard_pages: the member's page /me and its forms in HTML (see
 * dashboard_pages.c).
 */
#ifndef GLOVEBOX_DASHBOARD_PAGES_H
#define GLOVEBOX_DASHBOARD_PAGES_H

#include "http.h"

void account_me_page(struct req *r);
void account_reauth_post(struct req *r);
void dashboard_consent_post(struct req *r);
void dashboard_correct_post(struct req *r);
void dashboard_session_end_post(struct req *r);
void dashboard_password_post(struct req *r);
void dashboard_email_post(struct req *r);
void dashboard_device_forget_post(struct req *r);
void dashboard_close_page(struct req *r);
void dashboard_close_post(struct req *r);

#endif
