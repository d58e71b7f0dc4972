/*
 * libFuzzer target: the input validators (UTF-8, e-mail, lines, tokens) and
 * the template compiler on arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "tpl.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	utf8_valid(s, size);
	valid_email(s, size);
	valid_line(s, size);
	valid_text(s, size);
	valid_uint(s, size);
	valid_token(s, size);
	char *text = xstrndup(s, size);
	const char *names[] = {"t"}, *texts[] = {text};
	struct tpl_set *set;
	char err[256];
	if (tpl_set_from_strings(&set, names, texts, 1, err, sizeof(err)) == 0) {
		json_t *ctx =
			json_pack("{s:s,s:[i,i],s:{s:b}}", "a", "<x>", "list", 1, 2, "o", "b", 1);
		struct buf out;
		buf_init(&out, 1 << 20);
		tpl_render(set, "t", ctx, &out);
		buf_release(&out);
		json_decref(ctx);
		tpl_set_free(set);
	}
	free(text);
	return 0;
}
