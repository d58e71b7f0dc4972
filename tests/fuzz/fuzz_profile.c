/*
 * libFuzzer target: the profile loader (YAML parsing and every check) on
 * arbitrary bytes. It must never crash, leak or read out of bounds, and a
 * profile it returns must render and compare with itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags diags;
	struct policy *p = policy_load((const char *)data, size, &diags);
	if (p) {
		size_t n;
		char **lines = policy_diff(p, p, &n);
		policy_diff_free(lines, n);
		struct policy_new_use uses[8];
		size_t nuses = policy_new_uses(p, p, uses, 8);
		for (size_t i = 0; i < nuses && i < 8; i++)
			free(policy_new_use_text(p, p, &uses[i]));
		policy_free(p);
	}
	return 0;
}
