/*
 * libFuzzer target: the photo upload's path on arbitrary bytes (issue 16):
 * the sniff, our own header parser for every type, and the whole re-encode
 * with small limits (so a decode stays cheap). A success must be a JPEG of
 * at most the bounded side; a refusal one of image.h's three; nothing may
 * read out of bounds or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "image.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small enough that every input decodes in milliseconds. */
static const struct image_limits limits = {1000 * 1000L, 128, 75};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	if (!started) {
		mem_init();
		if (image_init(1, 0) != 0)
			abort();
		started = 1;
	}
	static const enum image_type types[] = {IMAGE_JPEG, IMAGE_PNG, IMAGE_WEBP, IMAGE_NONE};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint32_t w = 0, h = 0;
		if (image_header_size(types[i], data, size, &w, &h) == 0 && (w == 0 || h == 0))
			abort();
	}
	enum image_type t = image_sniff(data, size);
	struct image_out out;
	struct failure f;
	if (image_reencode(data, size, &limits, &out, &f) == 0) {
		if (t == IMAGE_NONE || out.len < 3 || memcmp(out.data, "\xff\xd8\xff", 3) != 0 ||
		    out.width > limits.max_side || out.height > limits.max_side)
			abort();
		image_out_release(&out);
	} else if (f.err != ERR_PHOTO_TYPE && f.err != ERR_PHOTO_TOO_LARGE &&
		   f.err != ERR_PHOTO_UNREADABLE) {
		abort();
	}
	return 0;
}
