/*
 * garage_pages: the garage in HTML, for browsers without JavaScript: the
 * member's /me/garage (cars, the add form, the "verified owner" badge) and
 * the verifiers' /staff/reviews. Forms post to handlers that call the
 * garage API handlers and redirect back, or show the form again with the
 * message next to the field.
 */
#ifndef GLOVEBOX_GARAGE_PAGES_H
#define GLOVEBOX_GARAGE_PAGES_H

#include "http.h"

void garage_page(struct req *r);
void garage_add_post(struct req *r);
void garage_remove_post(struct req *r);
void garage_reviews_page(struct req *r);
void garage_review_page(struct req *r);
void garage_decide_post(struct req *r);

#endif
