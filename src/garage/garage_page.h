/*
 * garage_page: the garage in HTML, for browsers without JavaScript: the
 * member's /me/garage (cars, the add form, the "verified owner" badge) and
 * the verifiers' /staff/reviews, a thin adapter over garage.h like
 * garage_api.c. Each form's handler calls the domain and redirects back,
 * or shows the form again with the message next to the field.
 */
#ifndef GLOVEBOX_GARAGE_PAGE_H
#define GLOVEBOX_GARAGE_PAGE_H

#include "http.h"

/* Members: GET /me/garage, POST /me/garage, POST /me/garage/remove */
void garage_page_show(struct req *r);
void garage_page_add(struct req *r);
void garage_page_remove(struct req *r);

/* Verifiers: GET /staff/reviews[/:id], POST /staff/reviews/:id/decide */
void garage_page_reviews(struct req *r);
void garage_page_review(struct req *r);
void garage_page_decide(struct req *r);

#endif
