/*
 * Unit tests for the photo pipeline (src/photos/image.c): the header
 * parser reads each type's dimensions and refuses what it cannot read;
 * sniffing goes by content, never by what the caller says; the pixel limit
 * refuses a bomb before decoding; a truncated image is refused; the
 * re-encode is a bounded, metadata-free JPEG. Fixtures are made with
 * libvips itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include <cmocka.h>

#include "err.h"
#include "image.h"
#include "mem.h"

static const struct image_limits limits = {50 * 1000 * 1000L, 2048, 85};

struct blob {
	void *data;
	size_t len;
};

/* A w x h image of noise, saved by libvips as suffix (".jpg[Q=90]", ...). */
static struct blob made(int w, int h, const char *suffix)
{
	VipsImage *noise = NULL, *cast = NULL;
	struct blob b = {0};
	assert_int_equal(vips_gaussnoise(&noise, w, h, NULL), 0);
	assert_int_equal(vips_cast(noise, &cast, VIPS_FORMAT_UCHAR, NULL), 0);
	assert_int_equal(vips_image_write_to_buffer(cast, suffix, &b.data, &b.len, NULL), 0);
	g_object_unref(noise);
	g_object_unref(cast);
	return b;
}

static void blob_free(struct blob *b)
{
	g_free(b->data);
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A PNG signature and IHDR declaring w x h, and no pixels worth the name. */
static size_t png_header(unsigned char *out, uint32_t w, uint32_t h)
{
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	memcpy(out, sig, 8);
	put_be32(out + 8, 13);
	memcpy(out + 12, "IHDR", 4);
	put_be32(out + 16, w);
	put_be32(out + 20, h);
	out[24] = 8;
	out[25] = 2;
	out[26] = out[27] = out[28] = 0;
	put_be32(out + 29, 0); /* no CRC: refused before anything reads one */
	return 33;
}

static void test_header_sizes(void **state)
{
	uint32_t w = 0, h = 0;
	struct blob jpeg = made(300, 200, ".jpg"), webp = made(64, 48, ".webp"),
		    lossless = made(65, 33, ".webp[lossless]"), png = made(17, 9, ".png");
	assert_int_equal(image_header_size(IMAGE_JPEG, jpeg.data, jpeg.len, &w, &h), 0);
	assert_true(w == 300 && h == 200);
	assert_int_equal(image_header_size(IMAGE_WEBP, webp.data, webp.len, &w, &h), 0);
	assert_true(w == 64 && h == 48);
	assert_int_equal(image_header_size(IMAGE_WEBP, lossless.data, lossless.len, &w, &h), 0);
	assert_true(w == 65 && h == 33);
	assert_int_equal(image_header_size(IMAGE_PNG, png.data, png.len, &w, &h), 0);
	assert_true(w == 17 && h == 9);
	unsigned char bomb[64];
	size_t n = png_header(bomb, 100000, 100000);
	assert_int_equal(image_header_size(IMAGE_PNG, bomb, n, &w, &h), 0);
	assert_true(w == 100000 && h == 100000);
	/* Every prefix too short to hold the size is refused, never overread. */
	for (size_t cut = 0; cut < 30; cut++) {
		assert_int_equal(
			image_header_size(IMAGE_PNG, png.data, cut < 24 ? cut : 23, &w, &h), -1);
		assert_int_equal(image_header_size(IMAGE_WEBP, webp.data, cut, &w, &h), -1);
	}
	for (size_t cut = 0; cut < 20; cut++)
		assert_int_equal(image_header_size(IMAGE_JPEG, jpeg.data, cut, &w, &h), -1);
	/* The wrong type for the bytes. */
	assert_int_equal(image_header_size(IMAGE_JPEG, png.data, png.len, &w, &h), -1);
	assert_int_equal(image_header_size(IMAGE_NONE, png.data, png.len, &w, &h), -1);
	blob_free(&jpeg);
	blob_free(&webp);
	blob_free(&lossless);
	blob_free(&png);
}

static void test_sniff_by_content(void **state)
{
	static const char html[] = "<!DOCTYPE html><html><script>alert(1)</script></html>";
	static const char svg[] =
		"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\">"
		"<script>alert(1)</script></svg>";
	static const char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
	assert_int_equal(image_sniff(html, sizeof(html) - 1), IMAGE_NONE);
	assert_int_equal(image_sniff(svg, sizeof(svg) - 1), IMAGE_NONE);
	assert_int_equal(image_sniff(gif, sizeof(gif) - 1), IMAGE_NONE);
	assert_int_equal(image_sniff("", 0), IMAGE_NONE);
	struct blob jpeg = made(30, 20, ".jpg"), webp = made(30, 20, ".webp"),
		    png = made(30, 20, ".png");
	assert_int_equal(image_sniff(jpeg.data, jpeg.len), IMAGE_JPEG);
	assert_int_equal(image_sniff(webp.data, webp.len), IMAGE_WEBP);
	assert_int_equal(image_sniff(png.data, png.len), IMAGE_PNG);
	blob_free(&jpeg);
	blob_free(&webp);
	blob_free(&png);
}

static void test_reencode_bounded_fresh_jpeg(void **state)
{
	struct blob big = made(3000, 2000, ".jpg");
	struct image_out out;
	struct failure f;
	assert_int_equal(image_reencode(big.data, big.len, &limits, &out, &f), 0);
	assert_true(out.width == 2048 && out.height == 1365);
	assert_string_equal(out.content_type, "image/jpeg");
	assert_memory_equal(out.data, "\xff\xd8\xff", 3);
	/* No APPn segment: no EXIF, XMP or ICC left. */
	assert_true(out.len > 4 && (out.data[3] < 0xe0 || out.data[3] > 0xef));
	image_out_release(&out);
	blob_free(&big);
	struct blob png = made(40, 30, ".png"), webp = made(40, 30, ".webp");
	assert_int_equal(image_reencode(png.data, png.len, &limits, &out, &f), 0);
	assert_true(out.width == 40 && out.height == 30);
	image_out_release(&out);
	assert_int_equal(image_reencode(webp.data, webp.len, &limits, &out, &f), 0);
	image_out_release(&out);
	blob_free(&png);
	blob_free(&webp);
}

static void test_reencode_refusals(void **state)
{
	struct image_out out;
	struct failure f;
	static const char html[] = "<html><body>not a picture</body></html>";
	assert_int_equal(image_reencode(html, sizeof(html) - 1, &limits, &out, &f), -1);
	assert_int_equal(f.err, ERR_PHOTO_TYPE);
	assert_null(out.data);
	unsigned char bomb[64];
	size_t n = png_header(bomb, 100000, 100000);
	assert_int_equal(image_reencode(bomb, n, &limits, &out, &f), -1);
	assert_int_equal(f.err, ERR_PHOTO_TOO_LARGE);
	struct blob jpeg = made(640, 480, ".jpg");
	assert_int_equal(image_reencode(jpeg.data, jpeg.len / 2, &limits, &out, &f), -1);
	assert_int_equal(f.err, ERR_PHOTO_UNREADABLE);
	struct image_limits tight = limits;
	tight.max_pixels = 640 * 480 - 1;
	assert_int_equal(image_reencode(jpeg.data, jpeg.len, &tight, &out, &f), -1);
	assert_int_equal(f.err, ERR_PHOTO_TOO_LARGE);
	blob_free(&jpeg);
}

static int setup(void **state)
{
	mem_init();
	return image_init(1, 0);
}

static int teardown(void **state)
{
	image_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_sizes),
		cmocka_unit_test(test_sniff_by_content),
		cmocka_unit_test(test_reencode_bounded_fresh_jpeg),
		cmocka_unit_test(test_reencode_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
