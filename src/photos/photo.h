/*
 * photo: members' photos (issue 16, docs/content.md "Photos"). An upload
 * goes through image.h (sniffed, limited, decoded, re-encoded: the
 * original is never kept); the fresh JPEG is written under DATA/photos in
 * a file named by a random id, encrypted under a random key of its own,
 * and that key is sealed under the member's data key in the photos row
 * (the record layer), so erasing the member leaves any copy of the file,
 * a backup's too, unreadable; the files are removed with the rows.
 *
 * A photo is visible to its owner always and to other members once
 * published. The content family publishes a photo with a submission (the
 * acceptance, INS13, is theirs) and checks ownership with photo_owned_by;
 * photos know nothing of stories.
 */
#ifndef GLOVEBOX_PHOTO_H
#define GLOVEBOX_PHOTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "token.h"

struct failure;
struct store_conn;

/* A photo's id: a fresh token (random, never derived from the member), its
 * file's name and its address (/photos/ID). */
#define PHOTO_ID_CHARS TOKEN_CHARS

/* Whether the profile has a purpose of kind public_content for members
 * covering submitted_content: without it, no photo route exists (404). */
bool photo_offered(void);
/* The profile's collection point for that purpose (its notice goes on the
 * upload form, NAM01), or NULL. */
const char *photo_collection(void);
/* The upload form's file field: named by the category it holds. */
#define PHOTO_FIELD "submitted_content"

/* At start (serve): the photos folder under the data directory, and
 * image_init with the configured threads and cache. 0 or -1 (logged). */
int photo_init(void);
void photo_shutdown(void);

/* What a member's photo is (never its bytes). */
struct photo_info {
	char id[PHOTO_ID_CHARS + 1];
	const char *content_type;
	unsigned width, height;
	size_t bytes;
	int64_t created_at;
	bool published;
};
json_t *photo_info_json(const struct photo_info *pi);

/* Re-encodes, encrypts and stores an upload of len bytes as a photo of
 * member. 0 with *out, or -1 with *f (image.h's refusals, ERR_REFUSED,
 * ERR_STORE). On an image worker: it decodes. */
int photo_upload(int64_t member, const void *data, size_t len, struct photo_info *out,
		 struct failure *f);

/* A photo's stored image for viewer (a member): their own, or another's
 * that is published. 0 with *data (malloc'd, *len bytes; free it) and
 * *content_type, or -1 with *f (ERR_NO_SUCH_PHOTO for anything the viewer
 * may not see, so that a private photo's existence does not show). */
int photo_get(int64_t viewer, const char *id, unsigned char **data, size_t *len,
	      const char **content_type, struct failure *f);

/* The member's photos, newest first: an array of photo_info_json. NULL on
 * a store failure. */
json_t *photo_list(int64_t member);

/* Whether id is a photo of member (the content family's check). */
bool photo_owned_by(int64_t member, const char *id);

/* Makes member's photo id visible to other members, or private again.
 * 0, or -1 with ERR_NO_SUCH_PHOTO. */
int photo_publish(int64_t member, const char *id, struct failure *f);
int photo_unpublish(int64_t member, const char *id, struct failure *f);

/* Deletes member's photo id: the row, then the file. */
int photo_delete(int64_t member, const char *id, struct failure *f);

/* ---- export and erasure (members.c) ---- */

/* ALL01: each of member's photos with its image, base64 ("data"), inside
 * the caller's connection. NULL on a failure. */
json_t *photo_export(struct store_conn *c, int64_t member);

/* ALL02: the names of member's photo files, taken before the member is
 * erased, and removed once the erasure has committed (the rows and the
 * keys are gone with it; removing the files frees the space). */
struct photo_files {
	char (*names)[PHOTO_ID_CHARS + 1];
	size_t n;
};
int photo_files_of(struct store_conn *c, int64_t member, struct photo_files *out);
void photo_files_remove(struct photo_files *pf);

#endif
