/*
 * Unit tests for the broker on a real SQLite store: subjects and grants,
 * refusals by purpose, consent and role (ALL05, INS09), the consent ledger,
 * crypto-shredding (ALL02), and the access log: every staff access appends
 * an entry, and editing one row makes the walk fail there (the chain's own
 * tests are in test_audit.c).
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

#include "fixture.h"

#include <cmocka.h>

#include "app.h"
#include "audit.h"
#include "boot.h"
#include "broker.h"
#include "crypto.h"
#include "record.h"
#include "store.h"

static int setup(void **state)
{
	if (fixture_open("tests/profiles/good-minimal.yaml") != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return fixture_close();
}

static const char *const name_email[] = {"name", "email"};
static const char *const email_only[] = {"email"};
static const char *const vin_only[] = {"vin"};

/* A member with a sealed e-mail in a scratch table; returns the subject. */
static int64_t member_with_email(struct store_conn *c, const char *email, unsigned char **ct,
				 size_t *ctlen)
{
	int64_t subject;
	struct broker_grant *g;
	enum decision_reason why;
	assert_int_equal(
		broker_subject_new(c, "member", "account", name_email, 2, 0, &subject, &g, &why),
		0);
	assert_int_equal(
		broker_seal(g, "email", "scratch", "email", 1, email, strlen(email), ct, ctlen), 0);
	/* Outside the grant: refused. */
	unsigned char *x;
	size_t xl;
	assert_int_equal(broker_seal(g, "vin", "scratch", "vin", 1, "V", 1, &x, &xl), -1);
	broker_grant_free(g);
	return subject;
}

static void test_all05_purposes_consents_and_roles(void **state)
{
	struct store_conn *c = store_acquire(app.store);
	unsigned char *ct;
	size_t ctlen;
	int64_t m = member_with_email(c, "ann@example.org", &ct, &ctlen);
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use u = {&system, m, "news", email_only, 1, "read"};
	struct broker_grant *g;
	enum decision_reason why;
	/* Opt-in news: refused until the member says yes, then allowed, then refused again. */
	assert_int_equal(broker_open(c, &u, &g, &why), -1);
	assert_int_equal(why, DENY_NO_CONSENT);
	assert_int_equal(broker_consent_get(c, m, "news"), CONSENT_UNSET);
	assert_int_equal(broker_consent_set(c, m, "news", true, "form"), 0);
	assert_int_equal(broker_open(c, &u, &g, &why), 0);
	char *plain;
	size_t len;
	assert_int_equal(broker_read(g, "email", "scratch", "email", 1, ct, ctlen, &plain, &len),
			 0);
	assert_string_equal(plain, "ann@example.org");
	broker_plain_free(plain, len);
	/* The grant covers only what was asked for. */
	assert_int_equal(broker_read(g, "name", "scratch", "email", 1, ct, ctlen, &plain, &len),
			 -1);
	broker_grant_free(g);
	assert_int_equal(broker_consent_set(c, m, "news", false, "link"), 0);
	assert_int_equal(broker_open(c, &u, &g, &why), -1);
	assert_int_equal(why, DENY_NO_CONSENT);
	/* The ledger keeps every choice, with how it was given. */
	store_release(c);
	/* Unknown purpose, and a category the purpose does not use. */
	c = store_acquire(app.store);
	struct broker_use bad = {&system, m, "telemarketing", email_only, 1, "read"};
	assert_int_equal(broker_open(c, &bad, &g, &why), -1);
	assert_int_equal(why, DENY_UNKNOWN_PURPOSE);
	struct broker_use vin = {&system, m, "account", vin_only, 1, "read"};
	assert_int_equal(broker_open(c, &vin, &g, &why), -1);
	assert_int_equal(why, DENY_IDENTIFIER_LOCK);
	/* Staff: only their role's purposes. */
	struct broker_actor support = {ACTOR_STAFF, 77, "support", NULL};
	struct broker_use su = {&support, m, "account", email_only, 1, "read"};
	assert_int_equal(broker_open(c, &su, &g, &why), -1);
	assert_int_equal(why, DENY_ROLE_LACKS_PURPOSE);
	store_release(c);
	free(ct);
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

static void test_access_log_chain_and_tamper(void **state)
{
	struct store_conn *c = store_acquire(app.store);
	unsigned char *ct;
	size_t ctlen;
	int64_t m = member_with_email(c, "bob@example.org", &ct, &ctlen);
	free(ct);
	struct broker_actor verifier = {ACTOR_STAFF, 5, "verifier", NULL};
	struct broker_use u = {&verifier, m, "verification", vin_only, 1, "read"};
	/* The member is of kind member; "verification" covers vin for members. */
	struct broker_grant *g;
	enum decision_reason why;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(broker_open(c, &u, &g, &why), 0);
		broker_grant_free(g);
	}
	/* A refused access is not logged as an access. */
	struct broker_actor support = {ACTOR_STAFF, 6, "support", NULL};
	struct broker_use su = {&support, m, "verification", vin_only, 1, "read"};
	assert_int_equal(broker_open(c, &su, &g, &why), -1);
	int64_t n = 0;
	struct audit_report r;
	assert_int_equal(audit_verify(c, NULL, &r), 0);
	assert_int_equal(r.entries, 3);
	struct store_val s[] = {SV_INT(m)};
	store_exec(c, "SELECT COUNT(*) FROM access_log WHERE subject_id = $1", s, 1, count_cb, &n);
	assert_int_equal(n, 3);
	/* Editing one row breaks the chain at that row. */
	assert_int_equal(store_exec(c, "UPDATE access_log SET role = 'admin' WHERE seq = 2", NULL,
				    0, NULL, NULL),
			 1);
	assert_int_equal(audit_verify(c, NULL, &r), 1);
	assert_int_equal(r.bad_seq, 2);
	assert_int_equal(store_exec(c, "UPDATE access_log SET role = 'verifier' WHERE seq = 2",
				    NULL, 0, NULL, NULL),
			 1);
	assert_int_equal(audit_verify(c, NULL, &r), 0);
	/* Deleting one is found too, and named: the entry that is missing. */
	assert_int_equal(store_exec(c, "DELETE FROM access_log WHERE seq = 2", NULL, 0, NULL, NULL),
			 1);
	assert_int_equal(audit_verify(c, NULL, &r), 1);
	assert_int_equal(r.why, AUDIT_MISSING);
	assert_int_equal(r.bad_seq, 2);
	store_release(c);
}

static void test_all02_erased_subject_cannot_be_opened(void **state)
{
	struct store_conn *c = store_acquire(app.store);
	unsigned char *ct;
	size_t ctlen;
	int64_t m = member_with_email(c, "cid@example.org", &ct, &ctlen);
	struct broker_actor self = {ACTOR_SELF, m, NULL, NULL};
	struct broker_use u = {&self, m, "account", email_only, 1, "read"};
	struct broker_grant *g;
	enum decision_reason why;
	assert_int_equal(broker_open(c, &u, &g, &why), 0);
	broker_grant_free(g);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(record_erase_subject(c, m), 0);
	assert_int_equal(store_commit(c), 0);
	assert_int_equal(broker_open(c, &u, &g, &why), -1);
	assert_null(g);
	store_release(c);
	free(ct);
}

static void test_nam10_new_use_waits_for_notice_and_window(void **state)
{
	struct store_conn *c = store_acquire(app.store);
	unsigned char *ct;
	size_t ctlen;
	int64_t m = member_with_email(c, "dee@example.org", &ct, &ctlen);
	free(ct);
	/* Version 2 of the profile made "offers" (opt-out) a new use; this
	 * member's data was collected under version 1. */
	struct store_val sv[] = {SV_INT(m)};
	assert_int_equal(store_exec(c, "UPDATE subjects SET profile_version = 1 WHERE id = $1", sv,
				    1, NULL, NULL),
			 1);
	assert_int_equal(store_exec(c,
				    "INSERT INTO new_uses (version, purpose) VALUES (2, 'offers')",
				    NULL, 0, NULL, NULL),
			 1);
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use u = {&system, m, "offers", name_email, 2, "read"};
	struct broker_grant *g;
	enum decision_reason why;
	assert_int_equal(broker_open(c, &u, &g, &why), -1);
	assert_int_equal(why, DENY_PENDING_NOTICE);
	/* Notified ten days ago: the 30-day window has not passed. */
	int64_t now = (int64_t)time(NULL);
	struct store_val n10[] = {SV_INT(m), SV_INT(now - 10 * 86400)};
	assert_int_equal(
		store_exec(c,
			   "INSERT INTO use_notices (subject_id, purpose, version, due_at, "
			   "notified_at) VALUES ($1, 'offers', 2, $2, $2)",
			   n10, 2, NULL, NULL),
		1);
	assert_int_equal(broker_open(c, &u, &g, &why), -1);
	assert_int_equal(why, DENY_PENDING_NOTICE);
	/* The member opting in ends the wait at once. */
	assert_int_equal(broker_consent_set(c, m, "offers", true, "form"), 0);
	assert_int_equal(broker_open(c, &u, &g, &why), 0);
	broker_grant_free(g);
	/* Without that yes, the use applies once the window has passed... */
	assert_int_equal(
		store_exec(c, "DELETE FROM consents WHERE subject_id = $1", sv, 1, NULL, NULL), 1);
	struct store_val n31[] = {SV_INT(m), SV_INT(now - 31 * 86400)};
	assert_int_equal(store_exec(c,
				    "UPDATE use_notices SET notified_at = $2 WHERE subject_id = $1",
				    n31, 2, NULL, NULL),
			 1);
	assert_int_equal(broker_open(c, &u, &g, &why), 0);
	broker_grant_free(g);
	/* ...unless the member opted out in it. */
	assert_int_equal(broker_consent_set(c, m, "offers", false, "link"), 0);
	assert_int_equal(broker_open(c, &u, &g, &why), -1);
	assert_int_equal(why, DENY_OPTED_OUT);
	store_release(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all05_purposes_consents_and_roles),
		cmocka_unit_test(test_access_log_chain_and_tamper),
		cmocka_unit_test(test_all02_erased_subject_cannot_be_opened),
		cmocka_unit_test(test_nam10_new_use_waits_for_notice_and_window),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
