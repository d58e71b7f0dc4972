/*
 * postcard_page: the e-postcards' pages in HTML (see postcard_page.c).
 */
#ifndef GLOVEBOX_POSTCARD_PAGE_H
#define GLOVEBOX_POSTCARD_PAGE_H

#include "http.h"

/* The form (/postcards), its post and what follows it. */
void postcard_page_form(struct req *r);
void postcard_page_post(struct req *r);
void postcard_page_sent(struct req *r);
/* The card behind its link, and the report form on it. */
void postcard_page_view(struct req *r);
void postcard_page_report(struct req *r);
/* What reported cards left for the support desk: no one's data. */
void postcard_page_reports(struct req *r);

#endif
