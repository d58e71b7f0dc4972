/*
 * privacy_page: the privacy notice in HTML (see privacy_page.c).
 */
#ifndef GLOVEBOX_PRIVACY_PAGE_H
#define GLOVEBOX_PRIVACY_PAGE_H

#include "http.h"

void privacy_page_show(struct req *r);	  /* GET /privacy: the version in force */
void privacy_page_version(struct req *r); /* GET /privacy/v/:version: any published one */

#endif
