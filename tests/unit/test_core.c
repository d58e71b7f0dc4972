/*
 * Unit tests for the core helpers: arena, capped buffer, validators,
 * router matching and parameter checks, configuration precedence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "mem.h"
#include "route.h"
#include "validate.h"

static void test_arena_alloc_aligned_and_zeroed(void **state)
{
	struct arena *a = arena_new(0);
	for (int i = 1; i < 2000; i++) {
		unsigned char *p = arena_alloc(a, (size_t)i);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (int k = 0; k < i; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0xab, (size_t)i);
	}
	/* A block bigger than a chunk does not lose the head's free space. */
	char *big = arena_alloc(a, 100000);
	big[99999] = 1;
	char *s = arena_printf(a, "%s-%d", "route", 42);
	assert_string_equal(s, "route-42");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_true(arena_used(a) >= 100000);
	arena_free(a);
}

static void test_buf_cap_refuses_without_truncating(void **state)
{
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "12345"), 0);
	assert_int_equal(buf_puts(&b, "67890"), 0);
	assert_int_equal(buf_puts(&b, "x"), -1);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "1234567890");
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%s=%d", "a", 7), 0);
	assert_string_equal(b.data, "a=7");
	buf_release(&b);
}

static void test_buf_html_escape(void **state)
{
	struct buf b;
	buf_init(&b, 0);
	const char *s = "<a href=\"x\">'&'</a>";
	assert_int_equal(buf_put_html(&b, s, strlen(s)), 0);
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	size_t len;
	char *d = buf_detach(&b, &len);
	assert_int_equal(len, strlen(d));
	free(d);
	assert_null(b.data);
}

static void test_utf8_validation(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{"plain", true},
		{"caf\xc3\xa9", true},
		{"\xe2\x82\xac", true},	     /* euro sign */
		{"\xf0\x9f\x9a\x97", true},  /* car emoji */
		{"\xc3", false},	     /* truncated */
		{"\xc0\xaf", false},	     /* overlong '/' */
		{"\xe0\x80\xaf", false},     /* overlong */
		{"\xed\xa0\x80", false},     /* surrogate */
		{"\xf4\x90\x80\x80", false}, /* past U+10FFFF */
		{"\xff", false},
		{"\x80", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok);
}

static void test_email_validation(void **state)
{
	static const char *const good[] = {"a@b.co", "first.last+tag@example.org",
					   "x_y@sub.domain.example", "o'neil@example.ie"};
	static const char *const bad[] = {"",
					  "plain",
					  "@example.org",
					  "a@",
					  "a@b",
					  "a@@b.co",
					  "a b@example.org",
					  ".a@example.org",
					  "a.@example.org",
					  "a..b@example.org",
					  "a@-b.org",
					  "a@b-.org",
					  "a@b..org",
					  "a@b.c",
					  "a@exa mple.org",
					  "a\n@example.org"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_null(valid_email(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(valid_email(bad[i], strlen(bad[i])));
	char longlocal[80];
	memset(longlocal, 'a', 65);
	memcpy(longlocal + 65, "@example.org", 13);
	assert_non_null(valid_email(longlocal, strlen(longlocal)));
}

static void test_line_and_text(void **state)
{
	assert_null(valid_line("Hello, world", 12));
	assert_non_null(valid_line("two\nlines", 9));
	assert_null(valid_text("two\nlines\ttab", 13));
	assert_non_null(valid_text("bell\a", 5));
	assert_non_null(valid_text("nul\0x", 5));
	assert_non_null(valid_line("\xff", 1));
	assert_null(valid_uint("12345", 5));
	assert_non_null(valid_uint("12a", 3));
	assert_non_null(valid_uint("", 0));
	assert_null(valid_token("abc-_XYZ09", 10));
	assert_non_null(valid_token("abc/", 4));
}

static void test_router_matches_methods_and_captures(void **state)
{
	struct arena *a = arena_new(0);
	const struct route *rt = NULL;
	const char *cap[HTTP_MAX_PATH_PARAMS] = {0};
	unsigned allowed = 0;
	assert_int_equal(route_find("/", HTTP_GET, a, &rt, cap, &allowed), ROUTE_FOUND);
	assert_string_equal(rt->pattern, "/");
	assert_int_equal(route_find("/", HTTP_HEAD, a, &rt, cap, &allowed), ROUTE_FOUND);
	assert_int_equal(route_find("/static/style.css", HTTP_GET, a, &rt, cap, &allowed),
			 ROUTE_FOUND);
	assert_string_equal(cap[0], "style.css");
	assert_int_equal(route_find("/static/", HTTP_GET, a, &rt, cap, &allowed), ROUTE_NOT_FOUND);
	assert_int_equal(route_find("/static/a/b", HTTP_GET, a, &rt, cap, &allowed),
			 ROUTE_NOT_FOUND);
	assert_int_equal(route_find("/nowhere", HTTP_GET, a, &rt, cap, &allowed), ROUTE_NOT_FOUND);
	assert_int_equal(route_find("/healthz/", HTTP_GET, a, &rt, cap, &allowed), ROUTE_NOT_FOUND);
	assert_int_equal(route_find("/api/v1/contact", HTTP_GET, a, &rt, cap, &allowed),
			 ROUTE_BAD_METHOD);
	char allow[64];
	route_allow_header(allowed, allow, sizeof(allow));
	assert_string_equal(allow, "POST");
	assert_int_equal(route_find("/contact", HTTP_DELETE, a, &rt, cap, &allowed),
			 ROUTE_BAD_METHOD);
	route_allow_header(allowed, allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD, POST");
	arena_free(a);
}

static void test_route_params_declared_and_checked(void **state)
{
	struct arena *a = arena_new(0);
	const struct route *rt = NULL;
	const char *cap[HTTP_MAX_PATH_PARAMS] = {0};
	unsigned allowed = 0;
	assert_int_equal(route_find("/api/v1/contact", HTTP_POST, a, &rt, cap, &allowed),
			 ROUTE_FOUND);
	const struct param_spec *email = route_param(rt, "email");
	assert_non_null(email);
	assert_null(route_param(rt, "password"));
	assert_null(route_check_param(email, "a@example.org", 13));
	assert_non_null(route_check_param(email, "nope", 4));
	const struct param_spec *topic = route_param(rt, "topic");
	char longer[300];
	memset(longer, 'x', sizeof(longer));
	assert_string_equal(route_check_param(topic, longer, sizeof(longer)), "is too long");
	arena_free(a);
}

static void test_config_precedence(void **state)
{
	char path[] = "/tmp/glovebox-cfg-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char ini[] = "[glovebox]\nlisten = 127.0.0.1:9000\nthreads = 3\nlog-level = warn\n";
	assert_int_equal(write(fd, ini, sizeof(ini) - 1), (ssize_t)(sizeof(ini) - 1));
	close(fd);

	struct config c;
	config_init(&c);
	setenv("GLOVEBOX_THREADS", "5", 1);
	char *argv[] = {"--config", path, "pos1", "--log-level=error", "pos2", NULL};
	int nargs = 0;
	bool help = false;
	assert_int_equal(config_load(&c, 5, argv, &nargs, &help, stderr), 0);
	assert_string_equal(c.listen, "127.0.0.1:9000"); /* file over default */
	assert_int_equal(c.threads, 5);			 /* environment over file */
	assert_string_equal(c.log_level, "error");	 /* flag over file */
	assert_int_equal(nargs, 2);
	assert_string_equal(argv[0], "pos1");
	assert_string_equal(argv[1], "pos2");
	unsetenv("GLOVEBOX_THREADS");
	config_finish(&c);
	assert_string_equal(c.database, "sqlite:./var/glovebox.db");
	config_release(&c);

	/* An unknown key names the file and line. */
	fd = open(path, O_WRONLY | O_TRUNC);
	const char bad[] = "listen = x:1\nbogus = 1\n";
	assert_int_equal(write(fd, bad, sizeof(bad) - 1), (ssize_t)(sizeof(bad) - 1));
	close(fd);
	config_init(&c);
	char *argv2[] = {"--config", path, NULL};
	FILE *err = tmpfile();
	assert_int_equal(config_load(&c, 2, argv2, &nargs, &help, err), -1);
	rewind(err);
	char msg[256] = {0};
	assert_non_null(fgets(msg, sizeof(msg), err));
	assert_non_null(strstr(msg, ":2: unknown key 'bogus'"));
	fclose(err);
	config_release(&c);

	config_init(&c);
	char *argv3[] = {"--threads=many", NULL};
	err = tmpfile();
	assert_int_equal(config_load(&c, 1, argv3, &nargs, &help, err), -1);
	fclose(err);
	config_release(&c);
	unlink(path);

	/* Links in mail have an address when site-url is not given; the origin
	 * check then uses the request's Host (site_url_given is false). */
	config_init(&c);
	assert_int_equal(config_load(&c, 0, argv3, &nargs, &help, stderr), 0);
	config_finish(&c);
	assert_string_equal(c.site_url, CONFIG_SITE_URL_DEFAULT);
	assert_false(c.site_url_given);
	assert_int_equal(c.contact_per_hour, 20);
	assert_int_equal(c.signup_per_hour, 20);
	assert_int_equal(c.email_change_per_hour, 10);
	config_release(&c);
	config_init(&c);
	char *argv4[] = {"--site-url", "https://club.example.org", "--signup-per-hour=3", NULL};
	assert_int_equal(config_load(&c, 3, argv4, &nargs, &help, stderr), 0);
	config_finish(&c);
	assert_string_equal(c.site_url, "https://club.example.org");
	assert_true(c.site_url_given);
	assert_int_equal(c.signup_per_hour, 3);
	config_release(&c);
}

/* Issue 17: a form's check goes on past the first failure; the list keeps
 * each in order, drops what does not fit, and says which fields it holds. */
static void test_failures_collect_every_field(void **state)
{
	(void)state;
	struct failures fs = {.n = 0};
	struct failure f;
	err_fail(&f, ERR_MISSING_FIELD);
	f.field = "name";
	assert_int_equal(failures_add(&fs, &f), -1);
	err_failf(&f, ERR_INVALID_FIELD, "email is not a valid e-mail address");
	f.field = "email";
	failures_add(&fs, &f);
	assert_int_equal(fs.n, 2);
	assert_string_equal(err_field(&fs.list[0]), "name");
	assert_string_equal(err_code(&fs.list[1]), "invalid_field");
	assert_string_equal(err_message(&fs.list[1]), "email is not a valid e-mail address");
	assert_true(failures_has(&fs, "email"));
	assert_false(failures_has(&fs, "phone"));
	for (int i = 0; i < FAILURES_MAX + 3; i++)
		failures_add(&fs, &f);
	assert_int_equal(fs.n, FAILURES_MAX);
	assert_string_equal(err_field(&fs.list[0]), "name");
}

int main(void)
{
	mem_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc_aligned_and_zeroed),
		cmocka_unit_test(test_buf_cap_refuses_without_truncating),
		cmocka_unit_test(test_buf_html_escape),
		cmocka_unit_test(test_utf8_validation),
		cmocka_unit_test(test_email_validation),
		cmocka_unit_test(test_line_and_text),
		cmocka_unit_test(test_router_matches_methods_and_captures),
		cmocka_unit_test(test_route_params_declared_and_checked),
		cmocka_unit_test(test_config_precedence),
		cmocka_unit_test(test_failures_collect_every_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
