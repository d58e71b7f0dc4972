/*
 * photo_page: the member's photos page, with an upload form that needs no
 * script (a multipart form whose file field reaches the domain whole).
 */
#ifndef GLOVEBOX_PHOTO_PAGE_H
#define GLOVEBOX_PHOTO_PAGE_H

#include "http.h"

/* GET /me/photos: the member's photos and the upload form. */
void photo_page_show(struct req *r);
/* POST /me/photos (multipart, field PHOTO_FIELD): on an image worker; back to
 * the page with ?done=added, or the form again with the refusal. */
void photo_page_upload(struct req *r);

#endif
