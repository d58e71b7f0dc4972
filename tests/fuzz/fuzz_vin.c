/*
 * libFuzzer target: the VIN checker and the `glovebox vin` output on
 * arbitrary bytes, strict and lenient, with and without a make list. The
 * output must always be one line of JSON that jansson accepts.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vin.h"
#include "vin_cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const makes[] = {"MINI", "BMW"};
	struct vin_rules rules[] = {{true, NULL, 0}, {false, makes, 2}};
	struct vin_result r;
	for (size_t i = 0; i < 2; i++) {
		vin_check((const char *)data, size, &rules[i], &r);
		if (r.valid && strlen(r.vin) != VIN_LEN)
			abort();
		for (size_t k = 0; k < r.nerrors; k++) {
			char msg[160];
			vin_issue_message(&r.errors[k], &r, msg, sizeof(msg));
		}
	}
	/* The command's line: NUL-free input, as a line of standard input. */
	char *line = malloc(size + 1);
	size_t n = 0;
	for (size_t i = 0; i < size; i++)
		if (data[i] != '\0' && data[i] != '\n')
			line[n++] = (char)data[i];
	line[n] = '\0';
	char *outbuf = NULL;
	size_t outlen = 0;
	FILE *out = open_memstream(&outbuf, &outlen);
	char *argv[] = {line};
	vin_cli(1, argv, size % 2, stdin, out);
	fclose(out);
	json_error_t je;
	json_t *doc = json_loadb(outbuf, outlen, 0, &je);
	if (!doc || outlen == 0 || outbuf[outlen - 1] != '\n')
		abort();
	json_decref(doc);
	free(outbuf);
	free(line);
	return 0;
}
