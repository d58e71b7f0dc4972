/*
 * request_page: the requests' pages, for browsers without JavaScript (see
 * request_page.c).
 */
#ifndef GLOVEBOX_REQUEST_PAGE_H
#define GLOVEBOX_REQUEST_PAGE_H

#include "http.h"

void request_page_list(struct req *r);
void request_page_form(struct req *r);
void request_page_post(struct req *r);
void request_page_sent(struct req *r);
void request_page_status(struct req *r);
void request_page_queue(struct req *r);
void request_page_item_add(struct req *r);
void request_page_item_update(struct req *r);
void request_page_open(struct req *r);
void request_page_decide(struct req *r);

#endif
