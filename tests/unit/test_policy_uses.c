/*
 * Unit tests for new uses (NAM10, NAM08; issue 12, rule 1): every kind of
 * widening policy_new_uses finds, one revision each, with its line; what is
 * not one (a narrowing, a staff role gaining a purpose); and the broker
 * deciding a purpose with a new use pending under the old terms as well as
 * the new, on a real SQLite store, after `profile publish`'s own path
 * (privacy_publish) recorded the revision.
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

#include "broker.h"
#include "privacy.h"

/* A small profile: one purpose of each basis that matters, a recipient, a
 * role; each test below changes one line of it. */
static const char base[] =
	"profile: uses\n"
	"version: 1\n"
	"effective: 2024-01-01\n"
	"site: {name: Uses}\n"
	"contact: {email: a@example.org}\n"
	"settings: {aggregate_min_group: 10, opt_out_window_days: 30}\n"
	"categories:\n"
	"  - {id: name, label: Name}\n"
	"  - {id: email, label: E-mail}\n"
	"  - {id: phone, label: Phone}\n"
	"subjects:\n"
	"  - {id: member}\n"
	"  - {id: requester}\n"
	"purposes:\n"
	"  - {id: account, label: Account, description: D, kind: account, basis: required, "
	"subjects: [member], categories: [name, email, phone], retention: {name: account, "
	"email: account, phone: account}}\n"
	"  - {id: news, label: News, description: D, kind: communication, basis: opt_in, "
	"subjects: [member], categories: [email], retention: {email: account}, topics: "
	"[site_news]}\n"
	"  - {id: answering, label: Answering, description: D, kind: support, basis: required, "
	"subjects: [requester], categories: [email], retention: {email: 30d after_done}, "
	"retention_not_done: 90d}\n"
	"  - {id: counts, label: Counts, description: D, kind: aggregate_statistics, basis: "
	"notice, subjects: [member], categories: [], retention: {}}\n"
	"recipients:\n"
	"  - {id: mailer, name: Mailer, kind: service_provider, contract: C1, purposes: [news], "
	"fields: [email]}\n"
	"staff_roles:\n"
	"  - {id: editor, purposes: [news]}\n";

/* base with each (from, to) pair replaced once, version 2. */
static char *variant(const char *const *edits, size_t n)
{
	size_t cap = sizeof(base) + 4096;
	char *t = xmalloc(cap), *tmp = xmalloc(cap);
	snprintf(t, cap, "%s", base);
	char *v = strstr(t, "version: 1");
	assert_non_null(v);
	v[strlen("version: ")] = '2';
	for (size_t i = 0; i + 1 < n; i += 2) {
		char *at = strstr(t, edits[i]);
		if (!at)
			fail_msg("variant: '%s' is not in the profile", edits[i]);
		int k = snprintf(tmp, cap, "%.*s%s%s", (int)(at - t), t, edits[i + 1],
				 at + strlen(edits[i]));
		assert_true(k > 0 && (size_t)k < cap);
		memcpy(t, tmp, (size_t)k + 1);
	}
	free(tmp);
	return t;
}

static struct policy *load(const char *text)
{
	struct policy_diags d = {0};
	struct policy *p = policy_load(text, strlen(text), &d);
	if (!p) {
		policy_diags_print(&d, "(test)", stderr);
		fail_msg("a test profile does not load");
	}
	return p;
}

/* The new uses from base to base-with-edits: exactly one, of kind what,
 * widening purpose, with a line containing text. Undoing most widenings is
 * a narrowing; a change of kind, or between a fixed time and the account's
 * life, widens both ways (symmetric). */
static void expect_change(const char *const *edits, size_t n, enum policy_widening what,
			  const char *purpose, const char *text, bool symmetric)
{
	char *t = variant(edits, n);
	struct policy *o = load(base), *p = load(t);
	struct policy_new_use u[8];
	size_t k = policy_new_uses(o, p, u, ARRAY_LEN(u));
	if (k != 1 || u[0].what != what) {
		for (size_t i = 0; i < k && i < ARRAY_LEN(u); i++)
			fprintf(stderr, "  got: %s\n", policy_widening_name(u[i].what));
		fail_msg("expected one new use of kind %s", policy_widening_name(what));
	}
	assert_string_equal(p->purposes[u[0].purpose].id, purpose);
	char *line = policy_new_use_text(o, p, &u[0]);
	if (!strstr(line, text))
		fail_msg("line '%s' lacks '%s'", line, text);
	free(line);
	assert_int_equal(policy_new_uses(p, o, u, ARRAY_LEN(u)), symmetric ? 1 : 0);
	policy_free(o);
	policy_free(p);
	free(t);
}

#define expect_one(...) expect_change(__VA_ARGS__, false)

/* No new use at all from base to the variant. */
static void expect_none(const char *const *edits, size_t n)
{
	char *t = variant(edits, n);
	struct policy *o = load(base), *p = load(t);
	struct policy_new_use u[8];
	size_t k = policy_new_uses(o, p, u, ARRAY_LEN(u));
	for (size_t i = 0; i < k && i < ARRAY_LEN(u); i++)
		fprintf(stderr, "  unexpected: %s\n", policy_widening_name(u[i].what));
	assert_int_equal(k, 0);
	policy_free(o);
	policy_free(p);
	free(t);
}

#define EDITS(...)                                                                                 \
	(const char *const[]){__VA_ARGS__}, ARRAY_LEN(((const char *const[]){__VA_ARGS__}))

static const char SURVEYS[] =
	"  - {id: surveys, label: Surveys, description: D, kind: communication, basis: %s, "
	"subjects: [member], categories: [email], retention: {email: account}}\n"
	"recipients:\n";

static void test_nam10_widening_new_purpose(void **state)
{
	(void)state;
	char add[512];
	snprintf(add, sizeof(add), SURVEYS, "opt_out");
	expect_one(EDITS("recipients:\n", add), WIDEN_PURPOSE, "surveys",
		   "New purpose: Surveys (opt_out), using: email.");
	/* A new opt-in purpose needs a fresh yes from everyone: not one. */
	snprintf(add, sizeof(add), SURVEYS, "opt_in");
	expect_none(EDITS("recipients:\n", add));
}

static void test_nam10_widening_category(void **state)
{
	(void)state;
	expect_one(EDITS("categories: [email], retention: {email: account}, topics",
			 "categories: [email, phone], retention: {email: account, phone: account}, "
			 "topics"),
		   WIDEN_CATEGORY, "news", "News now uses Phone.");
}

static void test_nam10_widening_subject(void **state)
{
	(void)state;
	expect_one(EDITS("subjects: [requester], categories: [email], retention: {email: 30d",
			 "subjects: [requester, member], categories: [email], retention: "
			 "{email: 30d"),
		   WIDEN_SUBJECT, "answering", "Answering now concerns: member.");
}

static void test_nam10_nam08_widening_basis(void **state)
{
	(void)state;
	expect_one(
		EDITS("kind: communication, basis: opt_in", "kind: communication, basis: opt_out"),
		WIDEN_BASIS, "news", "News: your choice moves from opt_in to opt_out.");
	/* notice and required leave no choice either way: not one. */
	expect_none(EDITS("kind: aggregate_statistics, basis: notice",
			  "kind: aggregate_statistics, basis: required"));
}

static void test_nam10_widening_kind_topic_aggregate(void **state)
{
	(void)state;
	expect_change(EDITS("kind: support", "kind: security"), WIDEN_KIND, "answering",
		      "is now a use of kind security (was support)", true);
	expect_one(EDITS("topics: [site_news]", "topics: [site_news, surveys]"), WIDEN_TOPIC,
		   "news", "News: mail may now be about surveys.");
	expect_one(EDITS("aggregate_min_group: 10", "aggregate_min_group: 5"), WIDEN_AGGREGATE,
		   "counts", "groups of 5 people (was 10)");
}

static void test_nam10_widening_retention(void **state)
{
	(void)state;
	expect_one(EDITS("{email: 30d after_done}", "{email: 60d after_done}"), WIDEN_RETENTION,
		   "answering", "Answering: E-mail may be kept longer than before.");
	/* An unanswered request kept longer is kept longer. */
	expect_one(EDITS("retention_not_done: 90d", "retention_not_done: 1y"), WIDEN_RETENTION,
		   "answering", "kept longer");
	/* Until the account closes is not "as long as": a fixed time may outlast it. */
	expect_change(EDITS("{email: account}, topics", "{email: 2y}, topics"), WIDEN_RETENTION,
		      "news", "kept longer", true);
	/* 30 days after collection is never longer than 30 days after completion. */
	expect_none(EDITS("{email: 30d after_done}, retention_not_done: 90d", "{email: 30d}"));
}

static void test_nam10_widening_recipients(void **state)
{
	(void)state;
	expect_one(EDITS("staff_roles:\n",
			 "  - {id: printer, name: Printer, kind: service_provider, contract: C2, "
			 "purposes: [news], fields: [email]}\nstaff_roles:\n"),
		   WIDEN_RECIPIENT, "news",
		   "New recipient: Printer (service_provider) receives email");
	expect_one(EDITS("purposes: [news], fields: [email]}",
			 "purposes: [news, answering], fields: [email]}"),
		   WIDEN_RECIPIENT_PURPOSE, "answering", "Mailer now receives data for Answering.");
	/* A field needs a purpose that uses it: news gains phone too, and the
	 * mailer then receives it; two new uses. */
	char *t = variant(EDITS("categories: [email], retention: {email: account}, topics",
				"categories: [email, phone], retention: {email: account, phone: "
				"account}, topics",
				"fields: [email]}", "fields: [email, phone]}"));
	struct policy *o = load(base), *p = load(t);
	struct policy_new_use u[8];
	assert_int_equal(policy_new_uses(o, p, u, ARRAY_LEN(u)), 2);
	assert_int_equal(u[0].what, WIDEN_CATEGORY);
	assert_int_equal(u[1].what, WIDEN_RECIPIENT_FIELD);
	assert_string_equal(p->recipients[u[1].recipient].id, "mailer");
	assert_string_equal(p->categories[u[1].category].id, "phone");
	char *line = policy_new_use_text(o, p, &u[1]);
	assert_string_equal(line, "Mailer now receives Phone for News.");
	free(line);
	policy_free(o);
	policy_free(p);
	free(t);
}

static void test_nam10_not_new_uses(void **state)
{
	(void)state;
	/* A staff role gaining a purpose: who among our own people does a use,
	 * not what the use is (docs/profiles.md). */
	expect_none(
		EDITS("{id: editor, purposes: [news]}", "{id: editor, purposes: [news, account]}"));
	/* Narrowings, all at once: a recipient gone, a category dropped, a
	 * shorter retention, a topic gone, more consent. */
	expect_none(EDITS("recipients:\n  - {id: mailer, name: Mailer, kind: service_provider, "
			  "contract: C1, purposes: [news], fields: [email]}\n",
			  "",
			  "categories: [name, email, phone], retention: {name: account, email: "
			  "account, phone: account}",
			  "categories: [name, email], retention: {name: account, email: account}",
			  "{email: 30d after_done}, retention_not_done: 90d",
			  "{email: 10d after_done}, retention_not_done: 30d"));
	/* Wording only. */
	expect_none(
		EDITS("description: D, kind: support", "description: Reworded., kind: support"));
}

/* ---- the broker: a pending purpose decided under the old terms too ---- */

static char profile_path[256];
static struct policy *v1;

static int setup(void **state)
{
	(void)state;
	snprintf(profile_path, sizeof(profile_path), "/tmp/gb-uses-%d.yaml", (int)getpid());
	FILE *f = fopen(profile_path, "w");
	if (!f || fputs(base, f) < 0 || fclose(f) != 0)
		return -1;
	return fixture_open(profile_path);
}

static int teardown(void **state)
{
	(void)state;
	unlink(profile_path);
	return fixture_close();
}

static const char *const email_only[] = {"email"};
static const char *const phone_only[] = {"phone"};
static const char *const all_three[] = {"name", "email", "phone"};

static int64_t member(struct store_conn *c)
{
	int64_t subject;
	struct broker_grant *g;
	enum decision_reason why;
	assert_int_equal(broker_subject_new(c, "member", "account", all_three, ARRAY_LEN(all_three),
					    0, &subject, &g, &why),
			 0);
	broker_grant_free(g);
	return subject;
}

static enum decision_reason decide(struct store_conn *c, const struct broker_actor *a, int64_t m,
				   const char *const *cats, size_t n)
{
	struct broker_use u = {a, m, "news", cats, n, "send"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	if (broker_open(c, &u, &g, &why) == 0) {
		broker_grant_free(g);
		return DECISION_ALLOWED;
	}
	return why;
}

static void exec(struct store_conn *c, const char *sql, int64_t a, int64_t b)
{
	struct store_val v[] = {SV_INT(a), SV_INT(b)};
	assert_true(store_exec(c, sql, v, STORE_NPARAMS(v), NULL, NULL) >= 0);
}

static void test_nam10_nam08_pending_use_decided_under_old_terms(void **state)
{
	(void)state;
	FILE *quiet = fopen("/dev/null", "w");
	assert_int_equal(privacy_publish(app.store, app.policy, quiet), 0);
	struct store_conn *c = store_acquire(app.store);
	int64_t never = member(c), yes = member(c);
	assert_int_equal(broker_consent_set(c, yes, "news", true, "form"), 0);
	/* The yes was given well before the revision. */
	exec(c, "UPDATE consents SET changed_at = changed_at - $2 WHERE subject_id = $1", yes,
	     3600);
	/* Version 2: news becomes opt-out, and uses phone, which the mailer
	 * now receives too. */
	char *t = variant(EDITS("kind: communication, basis: opt_in",
				"kind: communication, basis: opt_out",
				"categories: [email], retention: {email: account}, topics",
				"categories: [email, phone], retention: {email: account, phone: "
				"account}, topics",
				"fields: [email]}", "fields: [email, phone]}"));
	struct policy *v2 = load(t);
	free(t);
	assert_int_equal(privacy_publish(app.store, v2, quiet), 0);
	fclose(quiet);
	v1 = app.policy;
	app.policy = v2;

	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_actor mailer = {ACTOR_RECIPIENT, 0, NULL, "mailer"};
	/* A member who never said yes stays at no until the window passes:
	 * version 1 asked for a yes. */
	assert_int_equal(decide(c, &system, never, email_only, 1), DENY_PENDING_NOTICE);
	/* A member who said yes keeps what they said yes to, and no more: the
	 * mailer gets the address, not the phone number. */
	assert_int_equal(decide(c, &system, yes, email_only, 1), DECISION_ALLOWED);
	assert_int_equal(decide(c, &mailer, yes, email_only, 1), DECISION_ALLOWED);
	assert_int_equal(decide(c, &mailer, yes, phone_only, 1), DENY_PENDING_NOTICE);
	assert_int_equal(decide(c, &system, yes, phone_only, 1), DENY_PENDING_NOTICE);

	/* Notified ten days ago: still inside the 30-day window. */
	int64_t now = (int64_t)time(NULL);
	exec(c, "UPDATE use_notices SET notified_at = $1 WHERE version = 2 AND $2 = 2",
	     now - 10 * 86400, 2);
	assert_int_equal(decide(c, &system, never, email_only, 1), DENY_PENDING_NOTICE);
	assert_int_equal(decide(c, &mailer, yes, phone_only, 1), DENY_PENDING_NOTICE);

	/* Once the window has passed the new terms apply... */
	exec(c, "UPDATE use_notices SET notified_at = $1 WHERE version = 2 AND $2 = 2",
	     now - 31 * 86400, 2);
	assert_int_equal(decide(c, &system, never, email_only, 1), DECISION_ALLOWED);
	assert_int_equal(decide(c, &mailer, yes, phone_only, 1), DECISION_ALLOWED);
	/* ...unless the member said no. */
	assert_int_equal(broker_consent_set(c, never, "news", false, "link"), 0);
	assert_int_equal(decide(c, &system, never, email_only, 1), DENY_OPTED_OUT);

	/* A yes given under the new version ends the wait at once. */
	int64_t late = member(c);
	exec(c, "UPDATE subjects SET profile_version = 1 WHERE id = $1 AND $2 = 1", late, 1);
	exec(c,
	     "INSERT INTO use_notices (subject_id, purpose, version, due_at) "
	     "VALUES ($1, 'news', 2, $2)",
	     late, now);
	assert_int_equal(decide(c, &system, late, email_only, 1), DENY_PENDING_NOTICE);
	assert_int_equal(broker_consent_set(c, late, "news", true, "form"), 0);
	assert_int_equal(decide(c, &mailer, late, phone_only, 1), DECISION_ALLOWED);

	/* Someone who joined under version 2 read it first: no wait. */
	int64_t joined = member(c);
	assert_int_equal(decide(c, &system, joined, email_only, 1), DECISION_ALLOWED);

	store_release(c);
	app.policy = v1;
	policy_free(v2);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_nam10_widening_new_purpose),
		cmocka_unit_test(test_nam10_widening_category),
		cmocka_unit_test(test_nam10_widening_subject),
		cmocka_unit_test(test_nam10_nam08_widening_basis),
		cmocka_unit_test(test_nam10_widening_kind_topic_aggregate),
		cmocka_unit_test(test_nam10_widening_retention),
		cmocka_unit_test(test_nam10_widening_recipients),
		cmocka_unit_test(test_nam10_not_new_uses),
	};
	const struct CMUnitTest broker[] = {
		cmocka_unit_test(test_nam10_nam08_pending_use_decided_under_old_terms),
	};
	int failed = cmocka_run_group_tests_name("policy_new_uses", pure, NULL, NULL);
	return failed + cmocka_run_group_tests_name("broker", broker, setup, teardown);
}
