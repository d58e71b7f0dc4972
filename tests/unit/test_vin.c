/*
 * Unit tests for vin.c and vin_wmi.c: published check-digit examples, every
 * error code, normalisation, the model-year rule on both sides of its
 * cycle, lenient mode, accepted makes, and the WMI table's order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vin.h"

extern const struct vin_wmi vin_wmi_table[];
extern const size_t vin_wmi_count;

static const struct vin_rules strict = {.strict = true};
static const struct vin_rules lenient = {.strict = false};

static struct vin_result check(const char *s, const struct vin_rules *rules)
{
	struct vin_result r;
	vin_check(s, strlen(s), rules, &r);
	return r;
}

static void test_published_check_digits(void **state)
{
	/* NHTSA's own worked example (49 CFR 565), whose check digit is X. */
	assert_int_equal(vin_check_digit("1M8GDM9AXKP042788"), 'X');
	assert_true(check("1M8GDM9AXKP042788", &strict).valid);
	/* The all-ones VIN checks to 1; two widely published real VINs. */
	assert_int_equal(vin_check_digit("11111111111111111"), '1');
	assert_true(check("1HGCM82633A004352", &strict).valid);
	assert_true(check("JH4KA7561PC008269", &strict).valid);
	assert_int_equal(vin_check_digit("WMWRE33546TJ12345"), '3');
}

static void test_every_error_code(void **state)
{
	struct vin_result r = check("WMWRE3354", &strict);
	assert_false(r.valid);
	assert_int_equal(r.errors[0].code, VIN_LENGTH);
	assert_int_equal(r.errors[0].length, 9);
	r = check("1HGCM82633A0043520", &strict);
	assert_int_equal(r.errors[0].code, VIN_LENGTH);
	assert_int_equal(r.errors[0].length, 18);
	r = check("1HGCM8263IA004352", &strict);
	assert_int_equal(r.errors[0].code, VIN_CHARACTER);
	assert_int_equal(r.errors[0].position, 10);
	assert_int_equal(r.errors[0].found, 'I');
	r = check("1HGCM82633A00435*", &strict);
	assert_int_equal(r.errors[0].code, VIN_CHARACTER);
	assert_int_equal(r.errors[0].position, 17);
	r = check("WMWRE33546TJ12345", &strict);
	assert_int_equal(r.nerrors, 1);
	assert_int_equal(r.errors[0].code, VIN_CHECK_DIGIT);
	assert_int_equal(r.errors[0].expected, '3');
	assert_int_equal(r.errors[0].found, '4');
	const char *const mini[] = {"MINI"};
	struct vin_rules only_mini = {.strict = true, .accepted_makes = mini, .naccepted_makes = 1};
	r = check("1HGCM82633A004352", &only_mini);
	assert_false(r.valid);
	assert_int_equal(r.errors[0].code, VIN_MAKE_NOT_ACCEPTED);
	char msg[160];
	vin_issue_message(&r.errors[0], &r, msg, sizeof(msg));
	assert_string_equal(msg, "Honda cars cannot be added here");
	assert_true(check("WMWRE33536TJ12345", &only_mini).valid);
	/* An unknown manufacturer is no make the site accepts. */
	assert_false(check("11111111111111111", &only_mini).valid);
	assert_string_equal(vin_code_name(VIN_CHECK_DIGIT), "vin_check_digit");
	assert_string_equal(vin_code_name(VIN_MAKE_NOT_ACCEPTED), "vin_make_not_accepted");
}

static void test_lenient_warns(void **state)
{
	struct vin_result r = check("WMWRE33546TJ12345", &lenient);
	assert_true(r.valid);
	assert_int_equal(r.nwarnings, 1);
	assert_int_equal(r.warnings[0].code, VIN_CHECK_DIGIT);
	/* Length and characters are errors in either mode. */
	assert_false(check("WMWRE3354", &lenient).valid);
	assert_false(check("WMWRE33O46TJ12345", &lenient).valid);
}

static void test_normalisation(void **state)
{
	struct vin_result r = check("  wmw-re335 36tj12345\n", &strict);
	assert_true(r.valid);
	assert_string_equal(r.vin, "WMWRE33536TJ12345");
	/* Binary input: answered, nothing kept that is not a VIN character. */
	const char bytes[] = "\xff\x01WMWRE33536TJ1234";
	vin_check(bytes, sizeof(bytes) - 1, &strict, &r);
	assert_false(r.valid);
	for (size_t i = 0; i < strlen(r.vin); i++)
		assert_true((r.vin[i] >= 'A' && r.vin[i] <= 'Z') ||
			    (r.vin[i] >= '0' && r.vin[i] <= '9') || r.vin[i] == '?');
	vin_check("", 0, &strict, &r);
	assert_int_equal(r.errors[0].code, VIN_LENGTH);
}

static void test_model_year_rule(void **state)
{
	/* Position 7 a digit: 1980-2009; a letter: 2010-2039 (49 CFR 565.15(c)). */
	assert_int_equal(check("1M8GDM9AXKP042788", &strict).model_year, 1989);
	assert_int_equal(check("1HGCM82633A004352", &strict).model_year, 2003);
	assert_int_equal(check("5YJ3E1EA2KF317000", &strict).model_year, 2019);
	assert_int_equal(check("11111111111111111", &strict).model_year, 2001);
	struct vin_result r = check("WMWRE33536TJ12345", &strict);
	assert_int_equal(r.model_year, 2006);
	assert_int_equal(r.plant, 'T');
	assert_string_equal(r.wmi->make, "MINI");
	assert_string_equal(r.country, "Germany");
	/* Y is 2000 or 2030; 9 is 2009 or 2039; 0 is no year code. */
	assert_int_equal(vin_check_digit("1M8GDM9A0YP042788") != 0, 1);
	r = check("1M8GDM9A0ZP042788", &lenient);
	assert_int_equal(r.model_year, 0);
	assert_int_equal(r.warnings[r.nwarnings - 1].code, VIN_YEAR_CODE);
}

static void test_wmi_table(void **state)
{
	for (size_t i = 1; i < vin_wmi_count; i++)
		assert_true(strncmp(vin_wmi_table[i - 1].wmi, vin_wmi_table[i].wmi, 3) < 0);
	static const char *const bmw_group[] = {"WBA", "WBS", "WBY", "WMW", "5UX",
						"5YM", "4US", "SCA", "WB1", "LBV"};
	for (size_t i = 0; i < sizeof(bmw_group) / sizeof(bmw_group[0]); i++)
		assert_non_null(vin_wmi_find(bmw_group[i]));
	assert_string_equal(vin_wmi_find("SCA")->make, "Rolls-Royce");
	assert_null(vin_wmi_find("ZZZ"));
	assert_string_equal(vin_region_country("SZ"), "Poland");
	assert_string_equal(vin_region_country("JH"), "Japan");
	assert_string_equal(vin_region_country("3A"), "Mexico");
	assert_null(vin_region_country("3Z"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_check_digits),
		cmocka_unit_test(test_every_error_code),
		cmocka_unit_test(test_lenient_warns),
		cmocka_unit_test(test_normalisation),
		cmocka_unit_test(test_model_year_rule),
		cmocka_unit_test(test_wmi_table),
	};
	return cmocka_run_group_tests_name("vin", tests, NULL, NULL);
}
