/*
 * Unit tests for the staff domain (staff.c, staff_cli.c) on a real SQLite
 * store with the bundled north-american-motoring profile: an account's
 * life (add prints a token; enrolment with it, once; a wrong code; a code
 * used twice; sign-in with each of its three parts wrong; the lock; reset;
 * removal erases the key and the rows but keeps the access log), and the
 * member lookup: under a purpose of the role it is allowed and logged for
 * the member (NAM11), under one the role lacks it is refused and nothing
 * is logged (INS09).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "app.h"
#include "audit.h"
#include "boot.h"
#include "broker.h"
#include "config.h"
#include "crypto.h"
#include "err.h"
#include "members.h"
#include "mem.h"
#include "policy.h"
#include "record.h"
#include "staff.h"
#include "store.h"
#include "totp.h"

#include "fixture.h"

#include <cmocka.h>

#define CLIENT	   "192.0.2.7"
#define PASSWORD   "quiet harbour lamp 42"
#define TOKEN_LINE "enrolment token (valid 72 hours, shown once): "

static int setup(void **state)
{
	if (fixture_open("north-american-motoring") != 0)
		return -1;
	if (totp_init() != 0)
		return -1;
	app.site_name = "Glovebox test";
	return 0;
}

static int teardown(void **state)
{
	return fixture_close();
}

/* ---- helpers ---- */

/* Runs a staff command into a string; its exit code in *rc. Free the text. */
typedef int (*cli_fn)(const char *email, FILE *out);
static char *cli_output(cli_fn fn, const char *email, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	*rc = fn(email, out);
	fclose(out);
	return text;
}

static int add_admin(const char *email, FILE *out)
{
	return staff_cli_add(email, "admin", out);
}

/* The token a command printed. */
static void token_of(const char *text, char token[TOKEN_CHARS + 1])
{
	const char *at = strstr(text, TOKEN_LINE);
	assert_non_null(at);
	at += strlen(TOKEN_LINE);
	size_t n = strcspn(at, "\n");
	assert_int_equal(n, TOKEN_CHARS);
	memcpy(token, at, n);
	token[n] = '\0';
}

/* The raw secret of a base32 key as an authenticator app reads it. */
static void secret_of(const char *b32, unsigned char secret[TOTP_SECRET_BYTES])
{
	char *raw = NULL;
	size_t len = 0;
	assert_int_equal(oath_base32_decode(b32, strlen(b32), &raw, &len), OATH_OK);
	assert_int_equal(len, TOTP_SECRET_BYTES);
	memcpy(secret, raw, len);
	free(raw);
}

/* The code an authenticator shows `ahead` seconds from now. */
static void code_at(const unsigned char secret[TOTP_SECRET_BYTES], int64_t ahead,
		    char code[TOTP_DIGITS + 1])
{
	assert_int_equal(totp_code(secret, (int64_t)time(NULL) + ahead, code), 0);
}

/* A code no authenticator holding secret shows now (four steps ahead, out
 * of the one-step drift window, and unlike the codes within it). */
static void wrong_code(const unsigned char secret[TOTP_SECRET_BYTES], char code[TOTP_DIGITS + 1])
{
	char near[3][TOTP_DIGITS + 1];
	for (int i = 0; i < 3; i++)
		code_at(secret, (i - 1) * TOTP_STEP_SECONDS, near[i]);
	for (int64_t ahead = 4 * TOTP_STEP_SECONDS;; ahead += TOTP_STEP_SECONDS) {
		code_at(secret, ahead, code);
		if (strcmp(code, near[0]) && strcmp(code, near[1]) && strcmp(code, near[2]))
			return;
	}
}

static int signin(const char *email, const char *password, const char *code,
		  struct staff_started *out, struct failure *f)
{
	struct staff_signin in = {email, password, code, CLIENT, NULL};
	return staff_signin(&in, out, f);
}

/* The same from a browser that holds the known-browser cookie `browser`. */
static int signin_from(const char *browser, const char *email, const char *password,
		       const char *code, struct staff_started *out, struct failure *f)
{
	struct staff_signin in = {email, password, code, CLIENT, browser};
	return staff_signin(&in, out, f);
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

static int64_t rows(const char *sql, int64_t id)
{
	int64_t n = -1;
	struct store_val key[] = {SV_INT(id)};
	assert_int_equal(store_query(app.store, sql, key, STORE_NPARAMS(key), count_cb, &n), 1);
	return n;
}

/* A staff account enrolled through the domain: its id and raw secret. */
static int64_t enrolled(const char *email, const char *role,
			unsigned char secret[TOTP_SECRET_BYTES])
{
	struct staff_token t;
	struct staff_enrolment e;
	struct failure f;
	char code[TOTP_DIGITS + 1];
	assert_int_equal(staff_account_add(email, role, &t, &f), 0);
	assert_int_equal(staff_enrol(t.token, PASSWORD, &e, &f), 0);
	secret_of(e.totp_secret, secret);
	staff_enrolment_release(&e);
	code_at(secret, 0, code);
	assert_int_equal(staff_enrol_confirm(t.token, code, &f), 0);
	return t.staff;
}

/* ---- tests ---- */

static void test_totp_code_validator(void **state)
{
	assert_null(valid_totp_code("123456", 6));
	assert_non_null(valid_totp_code("12345", 5));
	assert_non_null(valid_totp_code("1234567", 7));
	assert_non_null(valid_totp_code("12a456", 6));
	/* The message names the constant's value. */
	char digits[8];
	snprintf(digits, sizeof(digits), "%d", TOTP_DIGITS);
	assert_non_null(strstr(valid_totp_code("1", 1), digits));
}

static void test_add_refuses_bad_input_and_duplicates(void **state)
{
	int rc;
	char *out;
	FILE *null = fopen("/dev/null", "w");
	assert_int_equal(staff_cli_add("x@example.org", "overlord", null), 2);
	assert_int_equal(staff_cli_add("not-an-address", "admin", null), 2);
	out = cli_output(add_admin, "dup@example.org", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "created with role admin"));
	assert_non_null(strstr(out, "/staff/enrol?token="));
	free(out);
	/* The address in another case is the same address. */
	assert_int_equal(staff_cli_add("DUP@Example.org", "support", null), 1);
	struct staff_token t;
	struct failure f;
	assert_int_equal(staff_account_add("Dup@example.org", "support", &t, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_EXISTS);
	assert_int_equal(staff_account_add("y@example.org", "overlord", &t, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_ROLE);
	fclose(null);
	/* Listed, pending, with its address opened from its own key. */
	json_t *list = staff_account_list(), *item;
	size_t i;
	bool seen = false;
	assert_non_null(list);
	json_array_foreach (list, i, item) {
		const char *email = json_string_value(json_object_get(item, "email"));
		if (email && strcmp(email, "dup@example.org") == 0) {
			seen = true;
			assert_false(json_is_true(json_object_get(item, "enrolled")));
			const char *role = json_string_value(json_object_get(item, "role"));
			assert_string_equal(role, "admin");
		}
	}
	json_decref(list);
	assert_true(seen);
}

static void test_account_life(void **state)
{
	const char *email = "life@example.org";
	char token[TOKEN_CHARS + 1], code[TOTP_DIGITS + 1], bad[TOTP_DIGITS + 1];
	unsigned char secret[TOTP_SECRET_BYTES];
	struct staff_enrolment e;
	struct staff_started s;
	struct failure f;
	int rc;

	/* add prints the token, once. */
	char *out = cli_output(add_admin, email, &rc);
	assert_int_equal(rc, 0);
	token_of(out, token);
	free(out);

	/* Enrolment: an unknown token, a weak password, then the secret. */
	char unknown[TOKEN_CHARS + 1];
	memset(unknown, 'A', TOKEN_CHARS);
	unknown[TOKEN_CHARS] = '\0';
	assert_int_equal(staff_enrol(unknown, PASSWORD, &e, &f), -1);
	assert_int_equal(f.err, ERR_BAD_ENROL_TOKEN);
	assert_int_equal(staff_enrol(token, "password", &e, &f), -1);
	assert_int_equal(f.err, ERR_WEAK_PASSWORD);
	assert_string_equal(err_field(&f), "password");
	assert_int_equal(staff_enrol(token, PASSWORD, &e, &f), 0);
	assert_int_equal(strlen(e.totp_secret), TOTP_BASE32_CHARS);
	assert_string_equal(e.role, "admin");
	assert_true(strncmp(e.otpauth_uri.data, "otpauth://totp/", 15) == 0);
	char want[64];
	snprintf(want, sizeof(want), "secret=%s", e.totp_secret);
	assert_non_null(strstr(e.otpauth_uri.data, want));
	secret_of(e.totp_secret, secret);
	staff_enrolment_release(&e);

	/* Not usable before the authenticator is confirmed. */
	code_at(secret, 0, code);
	assert_int_equal(signin(email, PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);

	/* A wrong code, then the right one; the token is then spent. */
	wrong_code(secret, bad);
	assert_int_equal(staff_enrol_confirm(token, bad, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CODE);
	assert_string_equal(err_field(&f), "code");
	assert_int_equal(staff_enrol_confirm(token, code, &f), 0);
	assert_int_equal(staff_enrol_confirm(token, code, &f), -1);
	assert_int_equal(f.err, ERR_ENROL_NOT_STARTED);
	assert_int_equal(staff_enrol(token, PASSWORD, &e, &f), -1);
	assert_int_equal(f.err, ERR_BAD_ENROL_TOKEN);

	/* The code that confirmed enrolment has been used: it does not sign in. */
	assert_int_equal(signin(email, PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);

	/* Each of the three parts wrong: the same answer. */
	code_at(secret, TOTP_STEP_SECONDS, code);
	assert_int_equal(signin("nobody@example.org", PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);
	assert_int_equal(signin(email, PASSWORD "x", code, &s, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);
	assert_int_equal(signin(email, PASSWORD, bad, &s, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);
	assert_int_equal(err_status(&f), 401);

	/* All three right: a session, in any case of the address. */
	assert_int_equal(signin("LIFE@example.org", PASSWORD, code, &s, &f), 0);
	assert_string_equal(s.role, "admin");
	assert_int_equal(strlen(s.session.token), TOKEN_CHARS);
	assert_int_equal(strlen(s.session.csrf), TOKEN_CHARS);
	int64_t id = s.staff;
	assert_int_equal(rows("SELECT COUNT(*) FROM staff_sessions WHERE staff_id = $1", id), 1);
	/* This browser is known for the account from now on. */
	char known[TOKEN_CHARS + 1];
	assert_int_equal(strlen(s.browser), TOKEN_CHARS);
	memcpy(known, s.browser, sizeof(known));
	/* The same code again (a replay): refused. */
	assert_int_equal(signin(email, PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);

	/* The lock: with the replay, ten failures in a row; then the account waits. */
	for (int i = 0; i < 9; i++) {
		assert_int_equal(signin(email, "wrong password", code, &s, &f), -1);
		assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);
	}
	code_at(secret, TOTP_STEP_SECONDS, code);
	assert_int_equal(signin(email, PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	assert_int_equal(err_status(&f), 429);
	int64_t wait = err_retry_after(&f);
	assert_true(wait > 0);

	/* An address without an account earns the same lock the same way, so
	 * the lock tells nobody which addresses have one. */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(signin("nobody-else@example.org", "wrong password", code, &s, &f),
				 -1);
		assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);
	}
	assert_int_equal(signin("nobody-else@example.org", PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	assert_true(err_retry_after(&f) > 0 && err_retry_after(&f) <= wait + 1);

	/* The browser that signed in before is not shut out by the lock (the
	 * step is moved back as if the next code had come). */
	const char *step_back = "UPDATE staff SET totp_last_step = 0 WHERE id = $1";
	struct store_val who[] = {SV_INT(id)};
	assert_int_equal(store_query(app.store, step_back, who, STORE_NPARAMS(who), NULL, NULL), 1);
	assert_int_equal(signin_from(known, email, PASSWORD, code, &s, &f), 0);
	assert_string_equal(s.browser, known);
	assert_int_equal(signin(email, PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	/* ...but its own failures lock it. */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(signin_from(known, email, "wrong password", code, &s, &f), -1);
		assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);
	}
	assert_int_equal(store_query(app.store, step_back, who, STORE_NPARAMS(who), NULL, NULL), 1);
	assert_int_equal(signin_from(known, email, PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);

	/* Reset: no password, no authenticator, no sessions, no lock, no known
	 * browser; a new token. */
	out = cli_output(staff_cli_reset, email, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "sessions ended"));
	token_of(out, token);
	free(out);
	assert_int_equal(rows("SELECT COUNT(*) FROM staff_sessions WHERE staff_id = $1", id), 0);
	assert_int_equal(rows("SELECT COUNT(*) FROM known_browsers WHERE subject_id = $1", id), 0);
	assert_int_equal(signin(email, PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);
	assert_int_equal(staff_enrol(token, PASSWORD, &e, &f), 0);
	secret_of(e.totp_secret, secret);
	staff_enrolment_release(&e);
	code_at(secret, 0, code);
	assert_int_equal(staff_enrol_confirm(token, code, &f), 0);
	code_at(secret, TOTP_STEP_SECONDS, code);
	assert_int_equal(signin(email, PASSWORD, code, &s, &f), 0);
	assert_int_equal(s.staff, id);

	/* A reset of an address without an account. */
	out = cli_output(staff_cli_reset, "nobody@example.org", &rc);
	assert_int_equal(rc, 1);
	free(out);
}

static void test_remove_erases_key_and_rows_keeps_access_log(void **state)
{
	unsigned char secret[TOTP_SECRET_BYTES];
	int64_t id = enrolled("gone@example.org", "admin", secret);
	char code[TOTP_DIGITS + 1];
	struct staff_started s;
	struct failure f;
	code_at(secret, TOTP_STEP_SECONDS, code);
	assert_int_equal(signin("gone@example.org", PASSWORD, code, &s, &f), 0);

	/* An access the log keeps: this staff member reads a member's record. */
	struct members_signup in = {.name = "Gail Member",
				    .email = "gail@example.org",
				    .password = "blue cooper rides at dawn",
				    .date_of_birth = "1980-01-02"};
	assert_int_equal(members_signup(&in, &f), 0);
	struct broker_actor actor = {ACTOR_STAFF, id, "admin", NULL};
	int64_t member;
	json_t *data;
	int rc = staff_member_find(&actor, "gail@example.org", "account", &member, &data, &f);
	assert_int_equal(rc, 0);
	json_decref(data);
	assert_int_equal(rows("SELECT COUNT(*) FROM access_log WHERE actor_id = $1", id), 1);

	char *out = cli_output(staff_cli_remove, "gone@example.org", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "data key is destroyed"));
	free(out);
	assert_int_equal(rows("SELECT COUNT(*) FROM staff WHERE id = $1", id), 0);
	assert_int_equal(rows("SELECT COUNT(*) FROM staff_sessions WHERE staff_id = $1", id), 0);
	assert_int_equal(rows("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", id), 0);
	assert_int_equal(rows("SELECT COUNT(*) FROM subjects WHERE id = $1", id), 0);
	/* What the staff member did stays, and the chain holds. */
	assert_int_equal(rows("SELECT COUNT(*) FROM access_log WHERE actor_id = $1", id), 1);
	struct audit_report report;
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(audit_verify(c, NULL, &report), 0);
	store_release(c);

	/* Gone from the list; signing in and removing again find nothing. */
	json_t *list = staff_account_list(), *item;
	size_t i;
	json_array_foreach (list, i, item)
		assert_true(json_integer_value(json_object_get(item, "id")) != id);
	json_decref(list);
	code_at(secret, TOTP_STEP_SECONDS, code);
	assert_int_equal(signin("gone@example.org", PASSWORD, code, &s, &f), -1);
	assert_int_equal(f.err, ERR_STAFF_BAD_CREDENTIALS);
	out = cli_output(staff_cli_remove, "gone@example.org", &rc);
	assert_int_equal(rc, 1);
	free(out);
}

static void test_member_lookup_by_purpose_of_the_role(void **state)
{
	struct members_signup in = {.name = "Mona Member",
				    .email = "mona@example.org",
				    .password = "blue cooper rides at dawn",
				    .date_of_birth = "1979-03-04",
				    .phone = "555-0100"};
	struct failure f;
	assert_int_equal(members_signup(&in, &f), 0);
	int64_t joined = 0;
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(record_find(c, "members", "email", in.email, &joined, 1), 1);
	store_release(c);
	const char *accesses = "SELECT COUNT(*) FROM access_log WHERE subject_id = $1";
	struct broker_actor admin = {ACTOR_STAFF, 4242, "admin", NULL};
	int64_t member = 0;
	json_t *data = NULL;

	/* A purpose of the role: allowed, and logged for the member. */
	int rc = staff_member_find(&admin, "MONA@example.org", "account", &member, &data, &f);
	assert_int_equal(rc, 0);
	assert_int_equal(member, joined);
	assert_string_equal(json_string_value(json_object_get(data, "name")), "Mona Member");
	assert_string_equal(json_string_value(json_object_get(data, "phone")), "555-0100");
	json_decref(data);
	assert_int_equal(rows(accesses, member), 1);
	/* By id, under the other purpose: only the fields it covers. */
	assert_int_equal(staff_member_read(&admin, member, "security", &data, &f), 0);
	assert_int_equal(json_object_size(data), 1);
	assert_string_equal(json_string_value(json_object_get(data, "email")), "mona@example.org");
	json_decref(data);
	assert_int_equal(rows(accesses, member), 2);

	/* A purpose the role lacks: refused before anything is looked up, and
	 * nothing logged; an unknown address tells such a caller nothing more. */
	rc = staff_member_find(&admin, "mona@example.org", "member_news", &member, &data, &f);
	assert_int_equal(rc, -1);
	assert_int_equal(f.err, ERR_ROLE);
	assert_string_equal(err_code(&f), "role_lacks_purpose");
	assert_int_equal(err_status(&f), 403);
	assert_null(data);
	rc = staff_member_find(&admin, "nobody@example.org", "member_news", &member, &data, &f);
	assert_int_equal(rc, -1);
	assert_int_equal(f.err, ERR_ROLE);
	struct broker_actor editor = {ACTOR_STAFF, 4343, "editor", NULL};
	assert_int_equal(staff_member_read(&editor, joined, "account", &data, &f), -1);
	assert_int_equal(f.err, ERR_ROLE);
	assert_int_equal(staff_member_read(&editor, joined, "no_such_purpose", &data, &f), -1);
	assert_int_equal(f.err, ERR_ROLE);
	/* A purpose of the role that covers none of the account's fields: the
	 * broker's reason, on the purpose field. */
	struct broker_actor verifier = {ACTOR_STAFF, 4444, "verifier", NULL};
	rc = staff_member_read(&verifier, joined, "ownership_verification", &data, &f);
	assert_int_equal(rc, -1);
	assert_int_equal(f.err, ERR_REFUSED);
	assert_int_equal(err_status(&f), 403);
	assert_string_equal(err_code(&f), "category_not_covered");
	assert_string_equal(err_field(&f), "purpose");
	assert_int_equal(rows(accesses, joined), 2);

	/* No such member. */
	rc = staff_member_find(&admin, "nobody@example.org", "account", &member, &data, &f);
	assert_int_equal(rc, -1);
	assert_int_equal(f.err, ERR_NO_MEMBER_WITH_EMAIL);
	assert_string_equal(err_field(&f), "email");
	assert_int_equal(err_status(&f), 404);
	assert_int_equal(staff_member_read(&admin, 123, "account", &data, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_MEMBER);
}

static void test_me_and_role_view(void **state)
{
	struct session s = {.kind = SESSION_STAFF, .account = 77, .csrf = "csrf", .role = "admin"};
	json_t *me = staff_me(&s);
	assert_int_equal(json_integer_value(json_object_get(me, "id")), 77);
	assert_string_equal(json_string_value(json_object_get(me, "role")), "admin");
	assert_string_equal(json_string_value(json_object_get(me, "csrf_token")), "csrf");
	json_t *purposes = json_object_get(me, "purposes");
	assert_int_equal(json_array_size(purposes), 2);
	assert_string_equal(json_string_value(json_array_get(purposes, 0)), "account");
	assert_string_equal(json_string_value(json_array_get(purposes, 1)), "security");
	assert_true(strlen(json_string_value(json_object_get(me, "role_description"))) > 0);
	json_decref(me);
	json_t *labelled = staff_role_purposes("editor");
	assert_int_equal(json_array_size(labelled), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(labelled, 0), "id")),
			    "member_news");
	assert_non_null(json_object_get(json_array_get(labelled, 0), "label"));
	json_decref(labelled);
	assert_string_equal(staff_role_description("overlord"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totp_code_validator),
		cmocka_unit_test(test_add_refuses_bad_input_and_duplicates),
		cmocka_unit_test(test_account_life),
		cmocka_unit_test(test_remove_erases_key_and_rows_keeps_access_log),
		cmocka_unit_test(test_member_lookup_by_purpose_of_the_role),
		cmocka_unit_test(test_me_and_role_view),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
