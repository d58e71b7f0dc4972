/*
 * account_changes: changing the password and the e-mail address (see
 * account_changes.c).
 */
#ifndef GLOVEBOX_ACCOUNT_CHANGES_H
#define GLOVEBOX_ACCOUNT_CHANGES_H

#include <stdint.h>

#include "http.h"

struct store_conn;

void members_api_password(struct req *r);   /* POST /api/v1/me/password {password} */
void members_api_email(struct req *r);      /* POST /api/v1/me/email {email} */
void email_change_page(struct req *r);      /* GET /confirm-email?token= */
void email_change_post(struct req *r);      /* POST /confirm-email: token */
/* Deletes the member's pending address changes (closing the account). */
int email_changes_forget(struct store_conn *c, int64_t member);

#endif
