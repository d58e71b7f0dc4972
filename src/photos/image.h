/*
 * image: what a photo upload goes through before anything keeps it. The
 * bytes are sniffed by content (libmagic: JPEG, PNG or WebP only; the
 * name and the declared type are never asked), the header's dimensions are
 * read by our own parser and refused over the pixel limit before any
 * decoding, then libvips decodes with that type's loader alone (sequential
 * access, failing on the first decoder error), shrinks to the bounded side
 * and encodes a fresh JPEG without any metadata. The original is never
 * kept: only image_reencode's output leaves this module.
 *
 * The only file that includes <vips/vips.h> and <magic.h>.
 */
#ifndef GLOVEBOX_IMAGE_H
#define GLOVEBOX_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct failure;

enum image_type { IMAGE_NONE = 0, IMAGE_JPEG, IMAGE_PNG, IMAGE_WEBP };

struct image_limits {
	long max_pixels; /* width x height of the header, at most */
	long max_side;	 /* the encoded image's longest side, at most */
	long quality;	 /* JPEG quality of the encode, 1..100 */
};

/* What image_reencode made: a JPEG of width x height in data (malloc'd;
 * image_out_release frees it). */
struct image_out {
	unsigned char *data;
	size_t len;
	unsigned width, height;
	const char *content_type; /* "image/jpeg" */
	const char *extension;	  /* "jpg" */
};

/* Once at start, before any other call: libvips (VIPS_INIT) with at most
 * threads threads per image and cache_mb megabytes of operation cache, its
 * untrusted loaders blocked, and libmagic's database. 0, or -1 (logged). */
int image_init(long threads, long cache_mb);
/* At exit: frees libmagic and shuts libvips down. */
void image_shutdown(void);

/* The type the content says (libmagic, cross-checked with the magic bytes
 * of our own parser), IMAGE_NONE for anything else. Thread-safe. */
enum image_type image_sniff(const void *data, size_t len);

/* The dimensions the header of an image of type t declares, without
 * decoding it: JPEG's first SOF, PNG's IHDR, WebP's VP8/VP8L/VP8X. 0, or -1
 * when the header cannot be read. Pure: no libraries (fuzzed). */
int image_header_size(enum image_type t, const void *data, size_t len, uint32_t *w, uint32_t *h);

/* Sniffs, checks the header against lim, decodes and re-encodes. 0 with
 * *out filled, or -1 with *f: ERR_PHOTO_TYPE (not JPEG, PNG or WebP),
 * ERR_PHOTO_TOO_LARGE (over the pixel limit), ERR_PHOTO_UNREADABLE (the
 * decoder failed: truncated, corrupt). Runs on a worker, never on an event
 * loop. */
int image_reencode(const void *data, size_t len, const struct image_limits *lim,
		   struct image_out *out, struct failure *f);
void image_out_release(struct image_out *out);

#endif
