/*
 * Unit tests for totp.c: RFC 6238's published SHA-1 vectors (their 8-digit
 * codes cut to our 6), the one-step drift window, single use of a code,
 * base32, the otpauth URI and the QR drawing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "totp.h"

/* RFC 6238 appendix B: the SHA-1 seed is the ASCII "12345678901234567890". */
static const unsigned char seed[TOTP_SECRET_BYTES] = "12345678901234567890";

static void test_rfc6238_vectors(void **state)
{
	static const struct {
		int64_t t;
		const char *code;
	} v[] = {
		{59, "287082"},		{1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	};
	assert_int_equal(totp_init(), 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char code[TOTP_DIGITS + 1];
		assert_int_equal(totp_code(seed, v[i].t, code), 0);
		assert_string_equal(code, v[i].code);
	}
}

static void test_check_window_and_single_use(void **state)
{
	int64_t now = 1234567890, step = 0;
	char prev[7], cur[7], next[7], far[7];
	totp_code(seed, now - 30, prev);
	totp_code(seed, now, cur);
	totp_code(seed, now + 30, next);
	totp_code(seed, now + 90, far);
	assert_true(totp_check(seed, cur, now, 0, &step));
	assert_int_equal(step, now / 30);
	assert_true(totp_check(seed, prev, now, 0, &step));
	assert_int_equal(step, now / 30 - 1);
	assert_true(totp_check(seed, next, now, 0, &step));
	assert_int_equal(step, now / 30 + 1);
	assert_false(totp_check(seed, far, now, 0, &step)); /* three steps away */
	/* Once the current step is used, its code and earlier ones are refused. */
	assert_false(totp_check(seed, cur, now, now / 30, &step));
	assert_false(totp_check(seed, prev, now, now / 30, &step));
	assert_true(totp_check(seed, next, now, now / 30, &step));
	/* Not six digits: refused before any HMAC. */
	assert_false(totp_check(seed, "12345", now, 0, &step));
	assert_false(totp_check(seed, "1234567", now, 0, &step));
	assert_false(totp_check(seed, "12a456", now, 0, &step));
	assert_false(totp_check(seed, "", now, 0, &step));
	assert_false(totp_check(seed, NULL, now, 0, &step));
}

static void test_base32_and_uri(void **state)
{
	char b32[TOTP_BASE32_CHARS + 1];
	totp_base32(seed, b32);
	/* RFC 4648 base32 of "12345678901234567890". */
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	struct buf uri;
	buf_init(&uri, 0);
	totp_uri(&uri, "North American Motoring", "ann+staff@example.org", seed);
	buf_putc(&uri, '\0');
	assert_string_equal(
		uri.data,
		"otpauth://totp/North%20American%20Motoring:ann%2Bstaff@example.org"
		"?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=North%20American%20Motoring"
		"&algorithm=SHA1&digits=6&period=30");
	buf_release(&uri);
}

static void test_qr_svg(void **state)
{
	struct buf svg;
	buf_init(&svg, 0);
	assert_int_equal(totp_qr_svg(&svg, "otpauth://totp/x:y?secret=GEZDGNBVGY3TQOJQ"), 0);
	buf_putc(&svg, '\0');
	assert_non_null(strstr(svg.data, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(svg.data, "<path fill=\"#000\" d=\"M"));
	assert_non_null(strstr(svg.data, "</svg>"));
	buf_release(&svg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_check_window_and_single_use),
		cmocka_unit_test(test_base32_and_uri),
		cmocka_unit_test(test_qr_svg),
	};
	return cmocka_run_group_tests_name("totp", tests, NULL, NULL);
}
