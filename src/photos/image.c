/*
 * image: sniff, header limit, decode and re-encode (image.h). libvips is
 * initialised once, its cache and threads bounded, and the loaders it
 * marks untrusted blocked; each type is decoded by its own loader only, so
 * whatever libmagic let through can never reach the SVG, PDF or
 * ImageMagick loaders. libmagic's handle is not thread-safe: one handle
 * behind a lock, fed only the first bytes.
 */
#include "image.h"

#include <magic.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "err.h"
#include "log.h"
#include "mem.h"

/* libmagic needs only the start of an image to name its type. */
#define IMAGE_SNIFF_BYTES 65536
#define IMAGE_WHITE	  255.0
/* JPEG's shrink-on-load factors, the largest first. */
static const int jpeg_shrinks[] = {8, 4, 2};

static pthread_mutex_t magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_db;
static bool vips_started;

int image_init(long threads, long cache_mb)
{
	if (!vips_started) {
		if (VIPS_INIT("glovebox") != 0) {
			log_error("image: libvips cannot start: %s", vips_error_buffer());
			vips_error_clear();
			return -1;
		}
		vips_started = true;
	}
	/* The cache would keep decoded pixels of one member's photo around
	 * for the next call: bounded, and never more than a few operations. */
	vips_cache_set_max_mem((size_t)(cache_mb > 0 ? cache_mb : 0) * 1024 * 1024);
	vips_cache_set_max(cache_mb > 0 ? 100 : 0);
	vips_concurrency_set(threads > 0 ? (int)threads : 1);
	vips_block_untrusted_set(TRUE);
	pthread_mutex_lock(&magic_lock);
	if (!magic_db) {
		magic_db = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS |
				      MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_CDF);
		if (magic_db && magic_load(magic_db, NULL) != 0) {
			log_error("image: libmagic's database cannot be loaded: %s",
				  magic_error(magic_db));
			magic_close(magic_db);
			magic_db = NULL;
		}
	}
	bool ok = magic_db != NULL;
	pthread_mutex_unlock(&magic_lock);
	return ok ? 0 : -1;
}

void image_shutdown(void)
{
	pthread_mutex_lock(&magic_lock);
	if (magic_db)
		magic_close(magic_db);
	magic_db = NULL;
	pthread_mutex_unlock(&magic_lock);
	if (vips_started)
		vips_shutdown();
	vips_started = false;
}

/* ---- the header, by hand ---- */

static uint32_t be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static bool magic_is(enum image_type t, const unsigned char *p, size_t len)
{
	switch (t) {
	case IMAGE_JPEG:
		return len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff;
	case IMAGE_PNG:
		return len >= sizeof(png_sig) && memcmp(p, png_sig, sizeof(png_sig)) == 0;
	case IMAGE_WEBP:
		return len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0;
	case IMAGE_NONE:
		break;
	}
	return false;
}

/* A start-of-frame marker: C0..CF but DHT (C4), JPG (C8) and DAC (CC). */
static bool jpeg_is_sof(unsigned m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

static int jpeg_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h)
{
	size_t i = 2;
	for (;;) {
		/* A marker: one 0xff or more, then its code. */
		if (i >= len || p[i] != 0xff)
			return -1;
		while (i < len && p[i] == 0xff)
			i++;
		if (i >= len)
			return -1;
		unsigned m = p[i++];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue; /* no length */
		if (m == 0xd9 || m == 0xda)
			return -1; /* image end or scan data before any frame */
		if (len - i < 2)
			return -1;
		uint32_t seg = be16(p + i);
		if (seg < 2 || len - i < seg)
			return -1;
		if (jpeg_is_sof(m)) {
			if (seg < 7)
				return -1;
			*h = be16(p + i + 3);
			*w = be16(p + i + 5);
			return *w && *h ? 0 : -1;
		}
		i += seg;
	}
}

static int png_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h)
{
	/* The signature, then IHDR first: length 13, "IHDR", width, height. */
	if (len < 24 || be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0)
		return -1;
	*w = be32(p + 16);
	*h = be32(p + 20);
	return *w && *h ? 0 : -1;
}

static int webp_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h)
{
	if (len < 30)
		return -1;
	const unsigned char *c = p + 12, *d = p + 20;
	if (memcmp(c, "VP8 ", 4) == 0) {
		/* A key frame: 3-byte tag, start code, 14-bit sizes. */
		if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
			return -1;
		*w = le16(d + 6) & 0x3fff;
		*h = le16(d + 8) & 0x3fff;
	} else if (memcmp(c, "VP8L", 4) == 0) {
		if (d[0] != 0x2f)
			return -1;
		uint32_t bits = (uint32_t)d[1] | (uint32_t)d[2] << 8 | (uint32_t)d[3] << 16 |
				(uint32_t)d[4] << 24;
		*w = (bits & 0x3fff) + 1;
		*h = ((bits >> 14) & 0x3fff) + 1;
	} else if (memcmp(c, "VP8X", 4) == 0) {
		*w = le24(d + 4) + 1;
		*h = le24(d + 7) + 1;
	} else {
		return -1;
	}
	return *w && *h ? 0 : -1;
}

int image_header_size(enum image_type t, const void *data, size_t len, uint32_t *w, uint32_t *h)
{
	const unsigned char *p = data;
	if (!magic_is(t, p, len))
		return -1;
	switch (t) {
	case IMAGE_JPEG:
		return jpeg_size(p, len, w, h);
	case IMAGE_PNG:
		return png_size(p, len, w, h);
	case IMAGE_WEBP:
		return webp_size(p, len, w, h);
	case IMAGE_NONE:
		break;
	}
	return -1;
}

/* ---- sniffing ---- */

static const struct {
	const char *mime;
	enum image_type type;
} sniffed[] = {
	{"image/jpeg", IMAGE_JPEG},
	{"image/png", IMAGE_PNG},
	{"image/webp", IMAGE_WEBP},
};

enum image_type image_sniff(const void *data, size_t len)
{
	enum image_type t = IMAGE_NONE;
	pthread_mutex_lock(&magic_lock);
	const char *mime = magic_db
				   ? magic_buffer(magic_db, data,
						  len < IMAGE_SNIFF_BYTES ? len : IMAGE_SNIFF_BYTES)
				   : NULL;
	for (size_t i = 0; mime && i < sizeof(sniffed) / sizeof(sniffed[0]); i++)
		if (strcmp(mime, sniffed[i].mime) == 0)
			t = sniffed[i].type;
	pthread_mutex_unlock(&magic_lock);
	/* Both must agree: libmagic's rules and the bytes our parser reads. */
	return magic_is(t, data, len) ? t : IMAGE_NONE;
}

/* ---- decoding and encoding ---- */

static int jpeg_shrink_for(uint32_t longest, long max_side)
{
	for (size_t i = 0; i < sizeof(jpeg_shrinks) / sizeof(jpeg_shrinks[0]); i++)
		if ((long)(longest / (uint32_t)jpeg_shrinks[i]) >= max_side)
			return jpeg_shrinks[i];
	return 1;
}

/* The type's own loader, reading as it goes and failing on a decoder error. */
static VipsImage *load(enum image_type t, const void *data, size_t len, uint32_t longest,
		       long max_side)
{
	VipsImage *in = NULL;
	int rc = -1;
	switch (t) {
	case IMAGE_JPEG:
		rc = vips_jpegload_buffer((void *)data, len, &in, "access", VIPS_ACCESS_SEQUENTIAL,
					  "fail_on", VIPS_FAIL_ON_ERROR, "shrink",
					  jpeg_shrink_for(longest, max_side), NULL);
		break;
	case IMAGE_PNG:
		rc = vips_pngload_buffer((void *)data, len, &in, "access", VIPS_ACCESS_SEQUENTIAL,
					 "fail_on", VIPS_FAIL_ON_ERROR, NULL);
		break;
	case IMAGE_WEBP:
		rc = vips_webpload_buffer((void *)data, len, &in, "access", VIPS_ACCESS_SEQUENTIAL,
					  "fail_on", VIPS_FAIL_ON_ERROR, NULL);
		break;
	case IMAGE_NONE:
		break;
	}
	return rc == 0 ? in : NULL;
}

/* After an operation that made *next from *img and returned rc: on
 * success *img's reference is dropped and *img becomes *next. 0 or -1.
 * next is read here, after the operation has run: never passed by value
 * in the same call as the operation, whose arguments have no order. */
static int step(VipsImage **img, VipsImage **next, int rc)
{
	if (rc != 0 || !*next)
		return -1;
	g_object_unref(*img);
	*img = *next;
	*next = NULL;
	return 0;
}

/* From the loaded image to sRGB 8-bit without alpha, at most max_side on
 * its longest side, upright, in memory (bounded by max_side). */
static int process(VipsImage **img, long max_side)
{
	VipsImage *next = NULL;
	int longest = VIPS_MAX((*img)->Xsize, (*img)->Ysize);
	if (longest > max_side &&
	    step(img, &next, vips_resize(*img, &next, (double)max_side / longest, NULL)) != 0)
		return -1;
	if ((*img)->Type != VIPS_INTERPRETATION_sRGB &&
	    step(img, &next, vips_colourspace(*img, &next, VIPS_INTERPRETATION_sRGB, NULL)) != 0)
		return -1;
	if ((*img)->BandFmt != VIPS_FORMAT_UCHAR &&
	    step(img, &next, vips_cast(*img, &next, VIPS_FORMAT_UCHAR, NULL)) != 0)
		return -1;
	if (vips_image_hasalpha(*img)) {
		VipsArrayDouble *white = vips_array_double_newv(1, IMAGE_WHITE);
		int rc = vips_flatten(*img, &next, "background", white, NULL);
		vips_area_unref(VIPS_AREA(white));
		if (step(img, &next, rc) != 0)
			return -1;
	}
	/* The whole (bounded) image now, so that the EXIF orientation can be
	 * applied before the metadata goes. */
	next = vips_image_copy_memory(*img);
	if (step(img, &next, 0) != 0)
		return -1;
	return step(img, &next, vips_autorot(*img, &next, NULL));
}

int image_reencode(const void *data, size_t len, const struct image_limits *lim,
		   struct image_out *out, struct failure *f)
{
	*out = (struct image_out){0};
	enum image_type t = image_sniff(data, len);
	if (t == IMAGE_NONE)
		return err_fail(f, ERR_PHOTO_TYPE);
	uint32_t w = 0, h = 0;
	if (image_header_size(t, data, len, &w, &h) != 0)
		return err_fail(f, ERR_PHOTO_UNREADABLE);
	if ((uint64_t)w * h > (uint64_t)lim->max_pixels)
		return err_fail(f, ERR_PHOTO_TOO_LARGE);
	int rc = -1;
	VipsImage *img = load(t, data, len, w > h ? w : h, lim->max_side);
	/* The loader read the header again: its idea of the size counts too. */
	if (img && (uint64_t)img->Xsize * (uint64_t)img->Ysize > (uint64_t)lim->max_pixels) {
		err_fail(f, ERR_PHOTO_TOO_LARGE);
		goto out;
	}
	void *buf = NULL;
	size_t n = 0;
	if (!img || process(&img, lim->max_side) != 0 ||
	    vips_jpegsave_buffer(img, &buf, &n, "Q", (int)lim->quality, "strip", TRUE,
				 "optimize_coding", TRUE, NULL) != 0) {
		err_fail(f, ERR_PHOTO_UNREADABLE);
		goto out;
	}
	/* Copied into our allocator's memory, so the caller frees with free(). */
	out->data = xmalloc(n);
	memcpy(out->data, buf, n);
	g_free(buf);
	out->len = n;
	out->width = (unsigned)img->Xsize;
	out->height = (unsigned)img->Ysize;
	out->content_type = "image/jpeg";
	out->extension = "jpg";
	rc = 0;
out:
	if (rc != 0)
		log_debug("image: not decoded: %s", vips_error_buffer());
	vips_error_clear();
	if (img)
		g_object_unref(img);
	vips_thread_shutdown();
	return rc;
}

void image_out_release(struct image_out *out)
{
	free(out->data);
	*out = (struct image_out){0};
}
