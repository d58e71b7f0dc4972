/*
 * Unit tests of the members' domain (members.h) on a real SQLite store, with
 * the north-american-motoring profile: the neutral age screen keeps nothing
 * (NAM12), sign-up and a change of address answer alike for an address in
 * use and tell its owner instead, nobody signs in before the address is
 * confirmed, sign-in refuses alike and locks alike for every address but
 * never shuts out a browser that signed in before, re-authentication is
 * throttled, the record is read and corrected (NAM13), the choices (ALL05),
 * the export holds every value (ALL01), closing leaves nothing and nobody
 * signs in as a subject without a key (ALL02), a change of address waits for
 * its confirmation and a password change cancels it, a forgotten password is
 * reset from its link once (and lifts the lock). No HTTP: the domain takes
 * none.
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
#include "browser.h"
#include "crypto.h"
#include "lockout.h"
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

/* The messages waiting for the member, opened as the member, each undone
 * from quoted-printable: fn(ctx, text) for each until it returns true. */
struct id_list {
	int64_t ids[16];
	size_t n;
};

static int id_cb(void *ctx, const struct store_row *row)
{
	struct id_list *l = ctx;
	if (l->n < ARRAY_LEN(l->ids))
		l->ids[l->n++] = row->cols[0].i;
	return 0;
}

static bool waiting_messages(int64_t member, bool (*fn)(void *ctx, const char *text), void *ctx)
{
	/* Messages are withheld from the export; the test reads the outbox as
	 * the member, as only the record layer may. */
	struct broker_grant *g = NULL;
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(broker_open_access(c, member, &g), 0);
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT id FROM outbox WHERE subject_id = %lld",
		 (long long)member);
	struct id_list l = {.n = 0};
	assert_true(store_exec(c, sql, NULL, 0, id_cb, &l) >= 0);
	static const char *const message[] = {"message"};
	bool done = false;
	for (size_t m = 0; m < l.n && !done; m++) {
		struct record_text t = {0};
		if (record_read(c, g, "outbox", l.ids[m], message, 1, &t) != 1 || !t.p)
			continue;
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
		done = fn(ctx, plain);
		free(plain);
		record_texts_release(&t, 1);
	}
	broker_grant_free(g);
	store_release(c);
	return done;
}

struct link_search {
	const char *path;
	char *token;
};

static bool link_in(void *ctx, const char *text)
{
	struct link_search *s = ctx;
	const char *at = strstr(text, s->path);
	if (!at)
		return false;
	at += strlen(s->path);
	size_t n = 0;
	while (n < TOKEN_CHARS && at[n] && at[n] != '\r' && at[n] != '\n')
		s->token[n] = at[n], n++;
	s->token[n] = '\0';
	return n == TOKEN_CHARS;
}

/* A link (after path) in a message waiting for the member. */
static bool waiting_link(int64_t member, const char *path, char token[TOKEN_CHARS + 1])
{
	struct link_search s = {path, token};
	return waiting_messages(member, link_in, &s);
}

static bool text_in(void *ctx, const char *text)
{
	return strstr(text, ctx) != NULL;
}

/* Whether a message waiting for the member says needle. */
static bool waiting_text_has(int64_t member, const char *needle)
{
	return waiting_messages(member, text_in, (void *)needle);
}

/* The account of an address (0 when none). */
static int64_t member_of(const char *email)
{
	int64_t id = 0;
	struct store_conn *c = store_acquire(app.store);
	assert_true(record_find(c, "members", "email", email, &id, 1) >= 0);
	store_release(c);
	return id;
}

/* A fresh person's sign-up, its address not yet confirmed. */
static int64_t join_unconfirmed(struct person *p)
{
	person_new(p);
	struct members_signup in = signup_of(p, "1980-05-17");
	struct failure f;
	assert_int_equal(members_signup(&in, &f), 0);
	int64_t id = member_of(p->email);
	assert_true(id > 0);
	return id;
}

/* ...and confirmed from the link in the message waiting for it. */
static int64_t join(struct person *p)
{
	int64_t id = join_unconfirmed(p);
	char token[TOKEN_CHARS + 1];
	struct failure f;
	assert_true(waiting_link(id, "/confirm?token=", token));
	assert_int_equal(members_email_confirm(token, &f), 0);
	return id;
}

static int64_t outbox_count(int64_t member)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM outbox WHERE subject_id = %lld",
		 (long long)member);
	return query_int(sql);
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
	struct failure f;
	assert_int_equal(members_signup(&in, &f), -1);
	assert_int_equal(f.err, ERR_NOT_ELIGIBLE);
	assert_null(strstr(err_message(&f), "13")); /* no hint of the cut-off */
	assert_int_equal(query_int("SELECT COUNT(*) FROM subjects"), subjects);
	assert_true(query_int("SELECT value FROM counters WHERE name = "
			      "'signup_below_minimum_age'") >= 1);
}

/* Issue 11: a sign-up with an address in use is answered as one with a new
 * address; nothing of it is kept, and the owner is told instead. */
static void test_signup_alike_for_an_address_in_use(void **state)
{
	struct person p;
	int64_t id = join(&p);
	int64_t subjects = query_int("SELECT COUNT(*) FROM subjects");
	int64_t waiting = outbox_count(id);
	struct members_signup in = signup_of(&p, "1980-05-17");
	in.name = "Zz Somebody Else";
	struct failure f;
	assert_int_equal(members_signup(&in, &f), 0);
	/* The same address in another case is the same address. */
	char upper[96];
	for (size_t i = 0; i <= strlen(p.email); i++)
		upper[i] = (char)(p.email[i] >= 'a' && p.email[i] <= 'z' ? p.email[i] - 32
									 : p.email[i]);
	in.email = upper;
	assert_int_equal(members_signup(&in, &f), 0);
	assert_int_equal(query_int("SELECT COUNT(*) FROM subjects"), subjects);
	assert_int_equal(member_of(p.email), id);
	assert_int_equal(outbox_count(id), waiting + 2);
	assert_true(waiting_text_has(id, "tried to join"));
	assert_true(waiting_text_has(id, "/signin"));
	/* The rules still refuse what they refuse. */
	struct person q;
	person_new(&q);
	in = signup_of(&q, "1980-05-17");
	in.password = "password123";
	assert_int_equal(members_signup(&in, &f), -1);
	assert_int_equal(f.err, ERR_WEAK_PASSWORD);
	assert_non_null(strstr(err_message(&f), "too common"));
	assert_int_equal(member_of(q.email), 0);
}

/* Someone who joined and lost the message joins again: the account still
 * waiting gets a new link, and nobody signs in before it is used. */
static void test_signup_again_before_confirming(void **state)
{
	struct person p;
	int64_t id = join_unconfirmed(&p);
	struct failure f;
	struct members_started s;
	struct members_signin in = {p.email, PASSWORD, CLIENT, false, NULL};
	assert_int_equal(members_signin(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS); /* as a wrong password */
	struct members_signup again = signup_of(&p, "1980-05-17");
	assert_int_equal(members_signup(&again, &f), 0);
	assert_int_equal(outbox_count(id), 2);
	assert_true(waiting_text_has(id, "still waiting for this address"));
	char token[TOKEN_CHARS + 1];
	assert_true(waiting_link(id, "/confirm?token=", token));
	assert_int_equal(members_email_confirm(token, &f), 0);
	assert_int_equal(members_signin(&in, &s, &f), 0);
	assert_int_equal(s.member, id);
}

/* Issue 11: failures lock an address alike whether or not it has an
 * account (the same answer, the same wait), and a browser that signed in to
 * the account before is not subject to that lock, only to its own. */
static void test_signin_refuses_alike_and_locks(void **state)
{
	struct person p;
	int64_t id = join(&p);
	struct members_started s;
	struct failure f;
	struct members_signin in = {p.email, PASSWORD, CLIENT, false, NULL};
	assert_int_equal(members_signin(&in, &s, &f), 0);
	assert_int_equal(s.member, id);
	char known[TOKEN_CHARS + 1];
	assert_int_equal(strlen(s.browser), TOKEN_CHARS);
	memcpy(known, s.browser, sizeof(known));
	struct members_signin wrong = {p.email, "not the password at all", CLIENT, false, NULL};
	struct members_signin unknown = {"nobody-here@example.org", PASSWORD, CLIENT, false, NULL};
	assert_int_equal(members_signin(&wrong, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
	assert_int_equal(members_signin(&unknown, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
	/* Ten failures in a row lock the address, for the right password too,
	 * and for an address without an account alike. */
	for (int i = 0; i < 9; i++) {
		assert_int_equal(members_signin(&wrong, &s, &f), -1);
		assert_int_equal(members_signin(&unknown, &s, &f), -1);
		assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
	}
	assert_int_equal(members_signin(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	int64_t wait = err_retry_after(&f);
	assert_true(wait > 0 && wait <= LOCKOUT_FIRST_SECONDS);
	assert_int_equal(members_signin(&unknown, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	assert_true(err_retry_after(&f) > 0 && err_retry_after(&f) <= LOCKOUT_FIRST_SECONDS);
	/* The owner's browser signs in all the same, and keeps its cookie. */
	struct members_signin owner = {p.email, PASSWORD, CLIENT, false, known};
	assert_int_equal(members_signin(&owner, &s, &f), 0);
	assert_string_equal(s.browser, known);
	assert_int_equal(members_signin(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	/* A known browser's own failures lock it. */
	struct members_signin guessing = {p.email, "still not it", CLIENT, false, known};
	for (int i = 0; i < LOCKOUT_MAX_FAILURES; i++) {
		assert_int_equal(members_signin(&guessing, &s, &f), -1);
		assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
	}
	assert_int_equal(members_signin(&owner, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	/* A browser known for another account is no key to this one. */
	struct person q;
	join(&q);
	struct members_signin other = {q.email, PASSWORD, CLIENT, false, NULL};
	assert_int_equal(members_signin(&other, &s, &f), 0);
	char theirs[TOKEN_CHARS + 1];
	memcpy(theirs, s.browser, sizeof(theirs));
	struct store_conn *c = store_acquire(app.store);
	assert_true(browser_account(c, theirs) > 0);
	store_release(c);
	struct members_signin borrowed = {p.email, PASSWORD, CLIENT, false, theirs};
	assert_int_equal(members_signin(&borrowed, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	assert_int_equal(lockout_seconds(9), 0);
	assert_int_equal(lockout_seconds(10), 30);
	assert_int_equal(lockout_seconds(1000), 900);
}

/* Issue 11: re-entering the password is throttled like signing in: the
 * session's own failures lock it, and the client's limit applies. */
static void test_reauth_throttled(void **state)
{
	struct person p;
	int64_t id = join(&p);
	unsigned char session[TOKEN_HASH_BYTES], other[TOKEN_HASH_BYTES];
	memset(session, 1, sizeof(session));
	memset(other, 2, sizeof(other));
	struct failure f;
	assert_int_equal(members_reauth(id, PASSWORD, session, CLIENT, &f), 0);
	for (int i = 0; i < LOCKOUT_MAX_FAILURES; i++) {
		assert_int_equal(members_reauth(id, "not it", session, CLIENT, &f), -1);
		assert_int_equal(f.err, ERR_WRONG_PASSWORD);
	}
	assert_int_equal(members_reauth(id, PASSWORD, session, CLIENT, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	assert_true(err_retry_after(&f) > 0);
	assert_int_equal(members_reauth(id, PASSWORD, other, CLIENT, &f), 0);
	long saved = app.cfg.signin_per_minute;
	app.cfg.signin_per_minute = 1;
	const char *client = "192.0.2.78";
	assert_int_equal(members_reauth(id, "not it", other, client, &f), -1);
	assert_int_equal(f.err, ERR_WRONG_PASSWORD);
	assert_int_equal(members_reauth(id, PASSWORD, other, client, &f), -1);
	assert_int_equal(f.err, ERR_TOO_MANY_FROM_HERE);
	app.cfg.signin_per_minute = saved;
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

/* Issue 12, rule 7: a switch only where a feature is behind it; rule 4: the
 * bundled profile needs no date of birth beyond its age screen. */
static void test_choices_only_for_features_built(void **state)
{
	assert_true(members_feature_on(PK_COMMUNICATION));
	assert_true(members_feature_on(PK_PERSONALISATION));
	assert_true(members_feature_on(PK_AFFILIATE_OFFERS));
	assert_true(members_feature_on(PK_DEALER));
	assert_false(members_feature_on(PK_PUBLIC_CONTENT));
	assert_false(members_feature_on(PK_ADVERTISING));
	struct policy_purpose content = *app.policy->purposes;
	content.kind = PK_PUBLIC_CONTENT;
	content.basis = BASIS_OPT_IN;
	assert_false(members_choice(&content));
	content.kind = PK_DEALER; /* issue 13: asking a dealer is built */
	assert_true(members_choice(&content));
	content.kind = PK_COMMUNICATION;
	assert_true(members_choice(&content));
	assert_false(members_keep_birth_date());
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
	/* Issue 12, rule 4: the age screen's fact, not the date of birth. */
	assert_false(export_has(doc, "date_of_birth", "1980-05-17"));
	json_t *age = json_object_get(doc, "age_screen");
	assert_int_equal(json_integer_value(json_object_get(age, "at_least")), 13);
	assert_true(json_is_string(json_object_get(age, "stated_on")));
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
	struct members_signin in = {p.email, PASSWORD, CLIENT, false, NULL};
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
	struct members_signin in = {p.email, PASSWORD, CLIENT, false, NULL};
	struct members_started s;
	struct failure f;
	assert_int_equal(members_signin(&in, &s, &f), -1);
	assert_int_equal(f.err, ERR_BAD_CREDENTIALS);
}

static void test_change_of_address_waits_for_its_confirmation(void **state)
{
	struct person p, q;
	int64_t id = join(&p);
	int64_t owner = join(&q);
	struct failure f;
	assert_int_equal(members_change_email(id, p.email, &f), -1);
	assert_int_equal(f.err, ERR_EMAIL_UNCHANGED);
	/* Issue 11: another account's address is answered alike; the change
	 * waits alike, the message to the address tells its owner, and no link
	 * can confirm it. */
	char sql[160], token[TOKEN_CHARS + 1];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM email_changes WHERE member_id = %lld",
		 (long long)id);
	int64_t waiting = outbox_count(id);
	assert_int_equal(members_change_email(id, q.email, &f), 0);
	assert_int_equal(query_int(sql), 1);
	assert_int_equal(outbox_count(id), waiting + 1);
	assert_true(waiting_text_has(id, "another account"));
	assert_false(waiting_link(id, "/confirm-email?token=", token));
	assert_int_equal(member_of(q.email), owner);

	char fresh[128];
	snprintf(fresh, sizeof(fresh), "moved-%s", p.email);
	assert_int_equal(members_change_email(id, fresh, &f), 0);
	assert_int_equal(query_int(sql), 1); /* the latest request only */
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

/* Issue 11: a change of address started before a password change does not
 * survive it, and neither do the other browsers known for the account. */
static void test_password_change_cancels_a_waiting_change_of_address(void **state)
{
	struct person p;
	int64_t id = join(&p);
	struct failure f;
	struct members_started s;
	struct members_signin in = {p.email, PASSWORD, CLIENT, false, NULL};
	assert_int_equal(members_signin(&in, &s, &f), 0);
	char elsewhere[TOKEN_CHARS + 1];
	memcpy(elsewhere, s.browser, sizeof(elsewhere));
	assert_int_equal(members_signin(&in, &s, &f), 0);
	char here[TOKEN_CHARS + 1], token[TOKEN_CHARS + 1], fresh[128];
	memcpy(here, s.browser, sizeof(here));
	snprintf(fresh, sizeof(fresh), "elsewhere-%s", p.email);
	assert_int_equal(members_change_email(id, fresh, &f), 0);
	assert_true(waiting_link(id, "/confirm-email?token=", token));
	assert_int_equal(members_change_password(id, "a new password for today", NULL, here, &f),
			 0);
	assert_int_equal(members_change_email_confirm(token, &f), -1);
	assert_int_equal(f.err, ERR_BAD_LINK);
	json_t *record;
	assert_int_equal(members_own_record(id, &record, &f), 0);
	assert_string_equal(json_string_value(json_object_get(record, "email")), p.email);
	json_decref(record);
	char sql[160];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM known_browsers WHERE subject_id = %lld",
		 (long long)id);
	assert_int_equal(query_int(sql), 1);
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(browser_account(c, here), id);
	assert_int_equal(browser_account(c, elsewhere), 0);
	store_release(c);
}

static void test_signup_address_confirmed_once(void **state)
{
	struct person p;
	int64_t id = join_unconfirmed(&p);
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
	struct members_signin old = {p.email, PASSWORD, CLIENT, false, NULL};
	struct members_signin now = {p.email, fresh, CLIENT, false, NULL};
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

/* A reset lifts the address's lock, forgets the browsers known before, and
 * confirms an address nobody had confirmed (the link reached it). */
static void test_forgotten_password_lifts_the_lock_and_confirms(void **state)
{
	static const char fresh[] = "nine gulls above the quay";
	struct person p;
	int64_t id = join_unconfirmed(&p);
	struct failure f;
	struct members_started s;
	struct members_signin wrong = {p.email, "not it at all", CLIENT, false, NULL};
	for (int i = 0; i < LOCKOUT_MAX_FAILURES; i++)
		assert_int_equal(members_signin(&wrong, &s, &f), -1);
	struct members_signin now = {p.email, fresh, CLIENT, false, NULL};
	assert_int_equal(members_signin(&now, &s, &f), -1);
	assert_int_equal(f.err, ERR_ACCOUNT_LOCKED);
	char token[TOKEN_CHARS + 1];
	assert_int_equal(members_reset_request(p.email, CLIENT, &f), 0);
	assert_true(waiting_link(id, "/reset?token=", token));
	assert_int_equal(members_reset_confirm(token, fresh, &f), 0);
	assert_int_equal(members_signin(&now, &s, &f), 0);
	assert_int_equal(s.member, id);
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
		cmocka_unit_test(test_choices_only_for_features_built),
		cmocka_unit_test(test_signup_alike_for_an_address_in_use),
		cmocka_unit_test(test_signup_again_before_confirming),
		cmocka_unit_test(test_signin_refuses_alike_and_locks),
		cmocka_unit_test(test_reauth_throttled),
		cmocka_unit_test(test_signin_limit_per_address),
		cmocka_unit_test(test_nam13_record_and_corrections),
		cmocka_unit_test(test_all05_choices),
		cmocka_unit_test(test_all01_export_and_all02_close),
		cmocka_unit_test(test_all02_no_sign_in_without_a_data_key),
		cmocka_unit_test(test_change_of_address_waits_for_its_confirmation),
		cmocka_unit_test(test_password_change_cancels_a_waiting_change_of_address),
		cmocka_unit_test(test_signup_address_confirmed_once),
		cmocka_unit_test(test_forgotten_password_reset_once),
		cmocka_unit_test(test_forgotten_password_throttled),
		cmocka_unit_test(test_forgotten_password_lifts_the_lock_and_confirms),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
