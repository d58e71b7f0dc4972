/*
 * privacy_page: the privacy notice in HTML (see privacy_page.c).
 */
#ifndef GLOVEBOX_PRIVACY_PAGE_H
#define GLOVEBOX_PRIVACY_PAGE_H

#include "http.h"

void privacy_page_show(struct req *r);	  /* GET /privacy: the version in force */
void privacy_page_version(struct req *r); /* GET /privacy/v/:version: any published one */

/* The opt-out page for third-party advertising (INS11; routes offered only
 * where the profile declares ad tags): GET /privacy/choices shows the tags,
 * what they set, whether this browser has said no and the networks' own
 * opt-out pages; POST /privacy/choices (choice=out or in, with the
 * pre-session token) sets or clears the opt-out cookie and, for a signed-in
 * member, records the choice on their account. No script needed. */
void privacy_page_choices(struct req *r);
void privacy_page_choices_post(struct req *r);

#endif
