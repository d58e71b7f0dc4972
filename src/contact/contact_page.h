/*
 * contact_page: the contact family's pages in HTML (see contact_page.c).
 */
#ifndef GLOVEBOX_CONTACT_PAGE_H
#define GLOVEBOX_CONTACT_PAGE_H

#include "http.h"

/* The public form (/contact) and its thanks. */
void contact_page_form(struct req *r);
void contact_page_post(struct req *r);
void contact_page_thanks(struct req *r);

/* The support desk (/staff/messages). */
void contact_page_desk(struct req *r);
void contact_page_message(struct req *r);
void contact_page_answer(struct req *r);

#endif
