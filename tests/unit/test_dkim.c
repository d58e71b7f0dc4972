/*
 * Unit tests for dkim.c (included, for the key's struct): which header
 * instance is signed. What fuzz_dkim found: of a header the message has
 * twice the first was signed while a verifier takes the bottom-most (RFC
 * 6376 5.4.2), and a header with white space before its colon ("To :") was
 * left out of h=. Ed25519 signatures are deterministic, so two messages
 * whose signed parts read the same get the same b=.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/mail/dkim.c"

#define T 1700000000

static const unsigned char seed[32] = {7, 7, 7};

/* The message signed; the DKIM-Signature header is returned in sig. */
static void sign(const char *msg, struct buf *sig)
{
	struct dkim_key k;
	memcpy(k.seed, seed, sizeof(seed));
	struct buf b;
	buf_init(&b, 0);
	buf_puts(&b, msg);
	assert_int_equal(dkim_sign(&k, "example.org", "sel", T, &b), 0);
	const char *end = strstr(b.data, "\r\nFrom:");
	assert_non_null(end);
	buf_reset(sig);
	buf_append(sig, b.data, (size_t)(end - b.data));
	buf_release(&b);
}

static void test_bottom_most_instance_signed(void **state)
{
	struct buf a, b;
	buf_init(&a, 0);
	buf_init(&b, 0);
	sign("From: <a@example.org>\r\nSubject: first\r\nSubject: second\r\n\r\nbody\r\n", &a);
	sign("From: <a@example.org>\r\nSubject: second\r\n\r\nbody\r\n", &b);
	assert_string_equal(a.data, b.data);
	buf_release(&a);
	buf_release(&b);
}

static void test_space_before_colon_still_signed(void **state)
{
	struct buf a;
	buf_init(&a, 0);
	sign("From: <a@example.org>\r\nTo : <b@example.org>\r\n\r\nbody\r\n", &a);
	assert_non_null(strstr(a.data, " h=from:to;"));
	buf_release(&a);
}

int main(void)
{
	crypto_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bottom_most_instance_signed),
		cmocka_unit_test(test_space_before_colon_still_signed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
