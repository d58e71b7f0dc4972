/*
 * members_reset_page: the forgotten password in HTML, without JavaScript
 * (see members_reset_page.c).
 */
#ifndef GLOVEBOX_MEMBERS_RESET_PAGE_H
#define GLOVEBOX_MEMBERS_RESET_PAGE_H

#include "http.h"

void members_reset_page_forgot(struct req *r);
void members_reset_page_forgot_post(struct req *r);
void members_reset_page_reset(struct req *r);
void members_reset_page_reset_post(struct req *r);

#endif
