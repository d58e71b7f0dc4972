/*
 * mail_confirm: confirming a member's e-mail address (double opt-in). At
 * sign-up a message with a link goes to the address; the link opens a page
 * with a button that confirms by POST, so a mail scanner that follows links
 * confirms nothing. No member mail (news, product communications) goes to
 * an address before it is confirmed. Nothing un-confirms an address: a
 * confirmation token is used once, and a confirmed address stays so.
 */
#ifndef GLOVEBOX_MAIL_CONFIRM_H
#define GLOVEBOX_MAIL_CONFIRM_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

struct store_conn;
struct broker_grant;

#define CONFIRM_SECONDS (7 * 86400)

/* Queues the confirmation message inside the sign-up transaction; g is the
 * registration grant (it covers the e-mail address). 0, or -1. */
int confirm_queue(struct store_conn *c, const struct broker_grant *g, const char *purpose,
		  int64_t member, const char *email);
/* Deletes the member's pending confirmations (closing the account). */
int confirm_forget_member(struct store_conn *c, int64_t member);

/* The page a confirmation link opens: a button that confirms by POST
 * (change: a new address rather than the first). */
void confirm_button_page(struct req *r, bool change);
/* The answer to the button: rc 1 confirmed, 0 unknown/used/expired, -1 failure. */
void confirm_result_page(struct req *r, int rc, const char *title);

void confirm_page(struct req *r);      /* GET /confirm?token= : the button */
void confirm_post(struct req *r);      /* POST /confirm: token */
void confirm_api(struct req *r);       /* POST /api/v1/confirm {token} */

#endif
