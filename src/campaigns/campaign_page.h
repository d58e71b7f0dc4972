/*
 * campaign_page: the campaigns' pages in HTML (see campaign_page.c).
 */
#ifndef GLOVEBOX_CAMPAIGN_PAGE_H
#define GLOVEBOX_CAMPAIGN_PAGE_H

#include "http.h"

void campaign_page_show(struct req *r);		    /* GET /staff/campaigns */
void campaign_page_post(struct req *r);		    /* POST /staff/campaigns: preview or send */
void campaign_page_unsubscribe(struct req *r);	    /* GET /unsubscribe?token= */
void campaign_page_unsubscribe_post(struct req *r); /* POST /unsubscribe?token= (RFC 8058) */

#endif
