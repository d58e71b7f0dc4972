/*
 * photo_api: the JSON adapter of members' photos (photo.h), and the one
 * address a photo's image is served from.
 */
#ifndef GLOVEBOX_PHOTO_API_H
#define GLOVEBOX_PHOTO_API_H

#include "http.h"

/* POST /api/v1/me/photos: the body is the image itself (any declared type:
 * the content decides). 201 with the photo; on an image worker. */
void photo_api_upload(struct req *r);
/* GET /api/v1/me/photos: the member's photos. */
void photo_api_list(struct req *r);
/* DELETE /api/v1/me/photos/:id */
void photo_api_delete(struct req *r);
/* GET /photos/:id: the re-encoded image, for its owner or, once published,
 * any member; 404 otherwise. */
void photo_api_serve(struct req *r);

#endif
