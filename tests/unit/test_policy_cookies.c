/*
 * The cookie inventory, statically (issue 12, rule 6): every cookie name
 * the code writes ("gb_..." string literals in src/, with or without the
 * "__Host-" prefix it takes behind TLS) is one of policy_code_cookies, so
 * the checker knows it; every file that writes a Set-Cookie header is one
 * this test knows, so a cookie set elsewhere under another name cannot slip
 * by; and each bundled profile declares every code cookie its features make
 * the code set. tests/api/test_cookie_inventory.py checks the same against a
 * running server's Set-Cookie headers. Run from the repository root.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assets.h"
#include "policy.h"

#define SRC_DIR	   "src"
#define MAX_SOURCE (1024 * 1024)
#define HOST	   "__Host-"

/* The files that write a Set-Cookie header; each names its cookies in a
 * "gb_" literal (or, for the remember-me cookie, members/remember.c does). */
static const char *const cookie_writers[] = {
	"src/web/session.c",	     "src/web/browser.c", "src/web/gate.c",
	"src/members/members_api.c", "src/web/ads.c",	  "src/shop/shop_api.c",
};

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *text = calloc(1, MAX_SOURCE + 1);
	assert_non_null(text);
	size_t n = fread(text, 1, MAX_SOURCE, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

static bool code_cookie(const char *name, size_t n)
{
	for (size_t i = 0; i < policy_ncode_cookies; i++)
		if (strlen(policy_code_cookies[i].name) == n &&
		    strncmp(policy_code_cookies[i].name, name, n) == 0)
			return true;
	return false;
}

/* Checks one source file; returns the number of cookie names found. */
static int scan(const char *path, int *writers_seen)
{
	char *text = read_file(path);
	int found = 0;
	for (const char *q = strchr(text, '"'); q; q = strchr(q + 1, '"')) {
		const char *name = q + 1;
		if (strncmp(name, HOST, strlen(HOST)) == 0)
			name += strlen(HOST);
		if (strncmp(name, "gb_", 3) != 0)
			continue;
		size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (name[n] != '"' || n == 3)
			continue; /* a prefix in a comment, not a name */
		if (!code_cookie(name, n))
			fail_msg("%s sets cookie '%.*s', which policy_code_cookies "
				 "(src/data/policy.c) "
				 "does not list",
				 path, (int)n, name);
		found++;
	}
	if (strstr(text, "\"Set-Cookie\"")) {
		bool known = false;
		for (size_t i = 0; i < sizeof(cookie_writers) / sizeof(cookie_writers[0]); i++)
			if (strcmp(cookie_writers[i], path) == 0) {
				known = true;
				writers_seen[i] = 1;
			}
		if (!known)
			fail_msg(
				"%s writes a Set-Cookie header: name its cookie gb_..., list it in "
				"policy_code_cookies and this file in cookie_writers",
				path);
	}
	free(text);
	return found;
}

static int scan_dir(const char *dir, int *writers_seen)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[512];
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			found += scan_dir(path, writers_seen);
		else if (n > 2 &&
			 (strcmp(e->d_name + n - 2, ".c") == 0 ||
			  strcmp(e->d_name + n - 2, ".h") == 0) &&
			 strcmp(path, "src/data/policy.c") != 0)
			found += scan(path, writers_seen);
	}
	closedir(d);
	return found;
}

static void test_every_cookie_in_src_is_a_code_cookie(void **state)
{
	(void)state;
	int writers_seen[sizeof(cookie_writers) / sizeof(cookie_writers[0])] = {0};
	int found = scan_dir(SRC_DIR, writers_seen);
	/* Each code cookie is named in the code, too: the table lists no
	 * cookie the code has stopped setting. */
	assert_true(found >= (int)policy_ncode_cookies);
	for (size_t i = 0; i < sizeof(cookie_writers) / sizeof(cookie_writers[0]); i++)
		if (!writers_seen[i])
			fail_msg("%s no longer writes Set-Cookie: take it out of cookie_writers",
				 cookie_writers[i]);
}

static void test_bundled_profiles_declare_the_code_cookies(void **state)
{
	(void)state;
	static const char *const bundled[] = {"north-american-motoring", "mini-insiders"};
	for (size_t b = 0; b < sizeof(bundled) / sizeof(bundled[0]); b++) {
		struct policy_diags d;
		struct policy *p = policy_load_bundled(bundled[b], &d);
		if (!p) {
			policy_diags_print(&d, bundled[b], stderr);
			fail_msg("bundled %s does not load", bundled[b]);
		}
		for (size_t i = 0; i < policy_ncode_cookies; i++) {
			const struct policy_code_cookie *c = &policy_code_cookies[i];
			bool declared = policy_cookie_find(p, c->name) != NULL;
			/* A cookie of a feature the profile switches off is never
			 * set under it (the remember-me cookie without a purpose
			 * for the reference), and is not declared either. */
			if (!declared && policy_code_cookie_applies(p, c))
				fail_msg("%s does not declare cookie %s", bundled[b], c->name);
			if (declared && !policy_code_cookie_applies(p, c))
				fail_msg(
					"%s declares cookie %s, which the code never sets under it",
					bundled[b], c->name);
		}
		policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cookie_in_src_is_a_code_cookie),
		cmocka_unit_test(test_bundled_profiles_declare_the_code_cookies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
