/*
 * Unit tests of the members' domain (members.h) on a real SQLite store, with
 * the north-american-motoring profile: the neutral age screen keeps nothing
 * (NAM12), sign-in refuses alike and locks, the record is read and corrected
 * (NAM13), the choices (ALL05), the export holds every value (ALL01), closing
 * leaves nothing and nobody signs in as a subject without a key (ALL02), a
 * change of address waits for its confirmation, a forgotten password is
 * reset from its link once. No HTTP: the domain takes none.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

#include <cmocka.h>

#include "app.h"
#include "boot.h"
#include "broker.h"
#include "config.h"
#include "crypto.h"
#include "mem.h"
#include "members.h"
#include "record.h"
#include "store.h"

#define PASSWORD "blue cooper rides at dawn"
#define CLIENT	 "127.0.0.1"

static int setup(void **state)
{
	if (fixture_open("north-american-motoring") != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return fixture_close();
}

struct one_int {
	int64_t v;
};

static int int_cb(void *ctx, const struct store_row *row)
{
	((struct one_int *)ctx)->v = row->cols[0].i;
	return 0;
}

static int64_t query_int(const char *sql)
{
	struct one_int o = {-1};
	assert_true(store_query(app.store, sql, NULL, 0, int_cb, &o) >= 0);
	return o.v;
}

/* A fresh person's sign-up. */
struct person {
	char name[64], email[96], phone[32], address[96];
};

static void person_new(struct person *p)
{
	unsigned tag = (unsigned)crypto_random_id();
	snprintf(p->name, sizeof(p->name), "Zz Name %08x", tag);
	snprintf(p->email, sizeof(p->email), "zz-%08x@example.org", tag);
	snprintf(p->phone, sizeof(p->phone), "+1 555 %04x", tag & 0xffff);
	snprintf(p->address, sizeof(p->address), "%08x Example Street", tag);
}

static struct members_signup signup_of(const struct person *p, const char *dob)
{
	return (struct members_signup){.name = p->name,
				       .email = p->email,
				       .password = PASSWORD,
				       .date_of_birth = dob,
				       .postal_address = p->address,
				       .phone = p->phone};
}

static int64_t join(struct person *p)
{
	person_new(p);
	struct members_signup in = signup_of(p, "1980-05-17");
	struct members_started s;
	struct failure f;
	assert_int_equal(members_signup(&in, &s, &f), 0);
	assert_true(s.member > 0);
	assert_int_equal(strlen(s.session.token), TOKEN_CHARS);
	return s.member;
}

static void test_nam12_under_the_minimum_age_nothing_is_kept(void **state)
{
	struct person p;
	person_new(&p);
	char dob[16];
	time_t t = time(NULL) - (time_t)12 * 366 * 86400;
	strftime(dob, sizeof(dob), "%Y-%m-%d", gmtime(&t));
	int64_t subjects = query_int("SELECT COUNT(*) FROM subjects");
	struct members_signup in = signup_of(&p, dob);
	struct members_started s;
	struct failure f;
	assert_int_equal(members_signup(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_NOT_ELIGIBLE);
	assert_null(strstr(err_message(&f), "13")); /* no hint of the cut-off */
	assert_int_equal(query_int("SELECT COUNT(*) FROM subjects"), subjects);
	assert_true(query_int("SELECT value FROM counters WHERE name = "
			      "'signup_below_minimum_age'") >= 1);
}

static void test_signup_refusals(void **state)
{
	struct person p;
	int64_t id = join(&p);
	struct members_signup in = signup_of(&p, "1980-05-17");
	struct members_started s;
	struct failure f;
	assert_int_equal(members_signup(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_EMAIL_TAKEN);
	assert_string_equal(err_field(&f), "email");
	/* The same address in another case is the same address. */
	char upper[96];
	for (size_t i = 0; i <= strlen(p.email); i++)
		upper[i] = (char)(p.email[i] >= 'a' && p.email[i] <= 'z' ? p.email[i] - 32
									 : p.email[i]);
	in.email = upper;
	assert_int_equal(members_signup(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_EMAIL_TAKEN);
	struct person q;
	person_new(&q);
	in = signup_of(&q, "1980-05-17");
	in.password = "password123";
	assert_int_equal(members_signup(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_WEAK_PASSWORD);
	assert_non_null(strstr(err_message(&f), "too common"));
	assert_true(id > 0);
}

static void test_signin_refuses_alike_and_locks(void **state)
{
	struct person p;
	int64_t id = join(&p);
	struct members_started s;
	struct failure f;
	struct members_signin in = {p.email, PASSWORD, CLIENT, false};
	assert_int_equal(members_signin(&in, &s, &f), 0);
	assert_int_equal(s.member, id);
	struct members_signin wrong = {p.email, "not the password at all", CLIENT, false};
	struct members_signin unknown = {"nobody-here@example.org", PASSWORD, CLIENT, false};
	assert_int_equal(members_signin(&wrong, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
	assert_int_equal(members_signin(&unknown, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
	/* Ten failures in a row lock the account, the right password too. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(members_signin(&wrong, &s, &f), -1);
	assert_int_equal(members_signin(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	assert_true(err_retry_after(&f) > 0);
	assert_int_equal(members_lock_seconds(9), 0);
	assert_int_equal(members_lock_seconds(10), 30);
	assert_int_equal(members_lock_seconds(1000), 900);
}

static void test_signin_limit_per_address(void **state)
{
	struct failure f;
	long saved = app.cfg.signin_per_minute;
	app.cfg.signin_per_minute = 2;
	const char *client = "192.0.2.77";
	assert_int_equal(members_signin_address_allowed(client, &f), 0);
	assert_int_equal(members_signin_address_allowed(client, &f), 0);
	assert_int_equal(members_signin_address_allowed(client, &f), -1);
	assert_int_equal(f.err, ERR_TOO_MANY_FROM_HERE);
	assert_true(err_retry_after(&f) > 0);
	app.cfg.signin_per_minute = saved;
}

static void test_nam13_record_and_corrections(void **state)
{
	struct person p;
	int64_t id = join(&p);
	json_t *record;
	struct failure f;
	assert_int_equal(members_own_record(id, &record, &f), 0);
	assert_string_equal(json_string_value(json_object_get(record, "email")), p.email);
	assert_string_equal(json_string_value(json_object_get(record, "phone")), p.phone);
	json_decref(record);
	struct members_correction c = {.name = "Zz New Name", .phone = ""};
	int changed = 0;
	assert_int_equal(members_correct(id, &c, &changed, &f), 0);
	assert_int_equal(changed, 2);
	assert_int_equal(members_own_record(id, &record, &f), 0);
	assert_string_equal(json_string_value(json_object_get(record, "name")), "Zz New Name");
	assert_null(json_object_get(record, "phone")); /* cleared */
	json_decref(record);
	struct members_correction empty = {.name = ""};
	assert_int_equal(members_correct(id, &empty, &changed, &f), -1);
	assert_int_equal(f.err, ERR_NAME_EMPTY);
	assert_int_equal(members_own_record(987654321, &record, &f), -1);
	assert_int_equal(f.err, ERR_NO_ACCOUNT);
}

static bool consent_on(int64_t member, const char *purpose)
{
	json_t *list = members_consents(member), *c;
	size_t i;
	bool on = false;
	json_array_foreach (list, i, c)
		if (strcmp(json_string_value(json_object_get(c, "purpose")), purpose) == 0)
			on = json_is_true(json_object_get(c, "on"));
	json_decref(list);
	return on;
}

static void test_all05_choices(void **state)
{
	struct person p;
	int64_t id = join(&p);
	struct failure f;
	assert_false(consent_on(id, "member_news")); /* opt-in: off until chosen */
	assert_int_equal(members_consent_set(id, "member_news", true, &f), 0);
	assert_true(consent_on(id, "member_news"));
	assert_int_equal(members_consent_set(id, "member_news", false, &f), 0);
	assert_false(consent_on(id, "member_news"));
	assert_int_equal(members_consent_set(id, "account", false, &f), -1);
	assert_int_equal(f.err, ERR_NO_CHOICE);
	assert_int_equal(members_consent_set(id, "no_such_purpose", true, &f), -1);
	assert_int_equal(f.err, ERR_NO_CHOICE);
}

static bool export_has(const json_t *doc, const char *category, const char *value)
{
	size_t i;
	json_t *item;
	json_array_foreach (json_object_get(doc, "items"), i, item)
		if (strcmp(json_string_value(json_object_get(item, "category")), category) == 0 &&
		    json_is_string(json_object_get(item, "value")) &&
		    strcmp(json_string_value(json_object_get(item, "value")), value) == 0)
			return true;
	return false;
}

static void test_all01_export_and_all02_close(void **state)
{
	struct person p;
	int64_t id = join(&p);
	json_t *doc;
	struct failure f;
	assert_int_equal(members_export(id, &doc, &f), 0);
	assert_true(export_has(doc, "name", p.name));
	assert_true(export_has(doc, "email", p.email));
	assert_true(export_has(doc, "phone", p.phone));
	assert_true(export_has(doc, "postal_address", p.address));
	assert_true(export_has(doc, "date_of_birth", "1980-05-17"));
	assert_true(json_is_array(json_object_get(doc, "consents")));
	assert_true(json_is_array(json_object_get(doc, "staff_accesses")));
	json_decref(doc);

	assert_int_equal(members_close(id, &f), 0);
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(record_subject_of(c, "members", id), 0);
	store_release(c);
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM subject_keys WHERE subject_id = %lld",
		 (long long)id);
	assert_int_equal(query_int(sql), 0);
	struct members_signin in = {p.email, PASSWORD, CLIENT, false};
	struct members_started s;
	assert_int_equal(members_signin(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
	assert_int_equal(members_export(id, &doc, &f), -1);
}

static void test_all02_no_sign_in_without_a_data_key(void **state)
{
	struct person p;
	int64_t id = join(&p);
	char sql[128];
	snprintf(sql, sizeof(sql), "DELETE FROM subject_keys WHERE subject_id = %lld",
		 (long long)id);
	assert_true(store_query(app.store, sql, NULL, 0, NULL, NULL) == 1);
	struct members_signin in = {p.email, PASSWORD, CLIENT, false};
	struct members_started s;
	struct failure f;
	assert_int_equal(members_signin(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
}

/* The link in the newest message waiting for the member, opened as the member. */
static bool waiting_link(int64_t member, const char *path, char token[TOKEN_CHARS + 1])
{
	/* Messages are withheld from the export; the test reads the outbox as
	 * the member, as only the record layer may. */
	struct broker_grant *g = NULL;
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(broker_open_access(c, member, &g), 0);
	bool found = false;
	char sql[160];
	snprintf(sql, sizeof(sql),
		 "SELECT id FROM outbox WHERE subject_id = %lld ORDER BY created_at",
		 (long long)member);
	struct one_int last = {0};
	store_exec(c, sql, NULL, 0, int_cb, &last);
	static const char *const message[] = {"message"};
	struct record_text t = {0};
	if (last.v > 0 && record_read(c, g, "outbox", last.v, message, 1, &t) == 1 && t.p) {
		/* The text part is quoted-printable: undo it first. */
		char *plain = malloc(t.n + 1);
		size_t k = 0;
		for (size_t i = 0; i < t.n; i++) {
			if (t.p[i] == '=' && i + 2 < t.n && t.p[i + 1] == '\r' &&
			    t.p[i + 2] == '\n') {
				i += 2;
			} else if (t.p[i] == '=' && i + 2 < t.n &&
				   isxdigit((unsigned char)t.p[i + 1]) &&
				   isxdigit((unsigned char)t.p[i + 2])) {
				char hex[3] = {t.p[i + 1], t.p[i + 2], 0};
				plain[k++] = (char)strtol(hex, NULL, 16);
				i += 2;
			} else {
				plain[k++] = t.p[i];
			}
		}
		plain[k] = '\0';
		const char *at = strstr(plain, path);
		if (at) {
			at += strlen(path);
			size_t n = 0;
			while (n < TOKEN_CHARS && at[n] && at[n] != '\r' && at[n] != '\n')
				token[n] = at[n], n++;
			token[n] = '\0';
			found = n == TOKEN_CHARS;
		}
		free(plain);
	}
	record_texts_release(&t, 1);
	broker_grant_free(g);
	store_release(c);
	return found;
}

static void test_change_of_address_waits_for_its_confirmation(void **state)
{
	struct person p, q;
	int64_t id = join(&p);
	join(&q);
	struct failure f;
	assert_int_equal(members_change_email(id, q.email, &f), -1);
	assert_int_equal(f.err, ERR_EMAIL_TAKEN);
	assert_int_equal(members_change_email(id, p.email, &f), -1);
	assert_int_equal(f.err, ERR_EMAIL_UNCHANGED);
	char fresh[128], token[TOKEN_CHARS + 1];
	snprintf(fresh, sizeof(fresh), "moved-%s", p.email);
	assert_int_equal(members_change_email(id, fresh, &f), 0);
	json_t *record;
	assert_int_equal(members_own_record(id, &record, &f), 0);
	assert_string_equal(json_string_value(json_object_get(record, "email")), p.email);
	json_decref(record);
	assert_int_equal(members_change_email_confirm("not-a-token", &f), -1);
	assert_int_equal(f.err, ERR_BAD_LINK);
	assert_true(waiting_link(id, "/confirm-email?token=", token));
	assert_int_equal(members_change_email_confirm(token, &f), 0);
	assert_int_equal(members_own_record(id, &record, &f), 0);
	assert_string_equal(json_string_value(json_object_get(record, "email")), fresh);
	json_decref(record);
	assert_int_equal(members_change_email_confirm(token, &f), -1); /* once */
	assert_int_equal(f.err, ERR_BAD_LINK);
}

static void test_signup_address_confirmed_once(void **state)
{
	struct person p;
	int64_t id = join(&p);
	char token[TOKEN_CHARS + 1], sql[160];
	assert_true(waiting_link(id, "/confirm?token=", token));
	struct failure f;
	assert_int_equal(members_email_confirm(token, &f), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM members WHERE id = %lld AND email_confirmed_at IS NOT NULL",
		 (long long)id);
	assert_int_equal(query_int(sql), 1);
	assert_int_equal(members_email_confirm(token, &f), -1);
	assert_int_equal(f.err, ERR_BAD_LINK);
}

/* A forgotten password (members_reset.c): the same answer for an address
 * without an account, with nothing kept or sent; a link that only looking
 * does not spend, that a refused password does not spend, and that works
 * once; the old password gone, the new one in. */
static void test_forgotten_password_reset_once(void **state)
{
	static const char fresh[] = "seven lanterns over the harbour";
	struct person p, stranger;
	int64_t id = join(&p);
	person_new(&stranger);
	char sql[160], token[TOKEN_CHARS + 1];
	snprintf(sql, sizeof(sql), "DELETE FROM outbox WHERE subject_id = %lld", (long long)id);
	assert_true(store_query(app.store, sql, NULL, 0, NULL, NULL) >= 0);
	int64_t links = query_int("SELECT COUNT(*) FROM password_resets");
	int64_t waiting = query_int("SELECT COUNT(*) FROM outbox");
	struct failure f;
	assert_int_equal(members_reset_request(stranger.email, CLIENT, &f), 0);
	assert_int_equal(query_int("SELECT COUNT(*) FROM password_resets"), links);
	assert_int_equal(query_int("SELECT COUNT(*) FROM outbox"), waiting);
	assert_int_equal(members_reset_request(p.email, CLIENT, &f), 0);
	assert_int_equal(query_int("SELECT COUNT(*) FROM password_resets"), links + 1);
	assert_true(waiting_link(id, "/reset?token=", token));
	assert_int_equal(members_reset_check(token, &f), 0);
	assert_int_equal(members_reset_check(token, &f), 0); /* looking spends nothing */
	assert_int_equal(members_reset_confirm(token, "password", &f), -1);
	assert_int_equal(f.err, ERR_WEAK_PASSWORD);
	assert_int_equal(members_reset_confirm(token, fresh, &f), 0);
	struct members_signin old = {p.email, PASSWORD, CLIENT, false};
	struct members_signin now = {p.email, fresh, CLIENT, false};
	struct members_started s;
	assert_int_equal(members_signin(&old, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
	assert_int_equal(members_signin(&now, &s, &f), 0);
	assert_int_equal(members_reset_confirm(token, PASSWORD, &f), -1); /* once */
	assert_int_equal(f.err, ERR_BAD_LINK);
	assert_int_equal(members_reset_check(token, &f), -1);
	assert_int_equal(f.err, ERR_BAD_LINK);
	assert_int_equal(members_reset_check("not-a-token", &f), -1);
	assert_int_equal(f.err, ERR_BAD_LINK);
}

/* Asking is limited per e-mail address (whatever its case, account or not)
 * and per client address. */
static void test_forgotten_password_throttled(void **state)
{
	long per_client = app.cfg.reset_per_hour, per_email = app.cfg.reset_per_email_hour;
	struct person p, q;
	person_new(&p);
	person_new(&q);
	char upper[sizeof(p.email)];
	for (size_t i = 0; i <= strlen(p.email); i++)
		upper[i] = (char)toupper((unsigned char)p.email[i]);
	struct failure f;
	app.cfg.reset_per_hour = 1000;
	app.cfg.reset_per_email_hour = 2;
	assert_int_equal(members_reset_request(p.email, "192.0.2.80", &f), 0);
	assert_int_equal(members_reset_request(upper, "192.0.2.81", &f), 0);
	assert_int_equal(members_reset_request(p.email, "192.0.2.82", &f), -1);
	assert_int_equal(f.err, ERR_TOO_MANY_RESETS);
	assert_true(err_retry_after(&f) > 0 && err_retry_after(&f) <= 3600);
	app.cfg.reset_per_hour = 2;
	app.cfg.reset_per_email_hour = 1000;
	assert_int_equal(members_reset_request(q.email, "192.0.2.90", &f), 0);
	assert_int_equal(members_reset_request(p.email, "192.0.2.90", &f), 0);
	assert_int_equal(members_reset_request(q.email, "192.0.2.90", &f), -1);
	assert_int_equal(f.err, ERR_TOO_MANY_RESETS);
	app.cfg.reset_per_hour = per_client;
	app.cfg.reset_per_email_hour = per_email;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nam12_under_the_minimum_age_nothing_is_kept),
		cmocka_unit_test(test_signup_refusals),
		cmocka_unit_test(test_signin_refuses_alike_and_locks),
		cmocka_unit_test(test_signin_limit_per_address),
		cmocka_unit_test(test_nam13_record_and_corrections),
		cmocka_unit_test(test_all05_choices),
		cmocka_unit_test(test_all01_export_and_all02_close),
		cmocka_unit_test(test_all02_no_sign_in_without_a_data_key),
		cmocka_unit_test(test_change_of_address_waits_for_its_confirmation),
		cmocka_unit_test(test_signup_address_confirmed_once),
		cmocka_unit_test(test_forgotten_password_reset_once),
		cmocka_unit_test(test_forgotten_password_throttled),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
