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

/* The profile every test changes: tests/profiles/good-minimal.yaml, so
 * that what every profile must declare comes with it. */
#define GOOD_PATH "tests/profiles/good-minimal.yaml"

static char *base;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *text = xmalloc(1 << 16);
	size_t n = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

/* text with each (from, to) pair of edits replaced once. */
static char *edit(const char *text, const char *const *edits, size_t n)
{
	size_t cap = strlen(text) + 8192;
	char *t = xmalloc(cap), *tmp = xmalloc(cap);
	snprintf(t, cap, "%s", text);
	for (size_t i = 0; i + 1 < n; i += 2) {
		char *at = strstr(t, edits[i]);
		if (!at)
			fail_msg("edit: '%s' is not in the profile", edits[i]);
		int k = snprintf(tmp, cap, "%.*s%s%s", (int)(at - t), t, edits[i + 1],
				 at + strlen(edits[i]));
		assert_true(k > 0 && (size_t)k < cap);
		memcpy(t, tmp, (size_t)k + 1);
	}
	free(tmp);
	return t;
}

/* The base, edited, as version 2. */
static char *variant(const char *const *edits, size_t n)
{
	char *v2 = edit(base, (const char *const[]){"version: 1\n", "version: 2\n"}, 2);
	char *t = edit(v2, edits, n);
	free(v2);
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

/* From old to old-with-edits: exactly one new use, of kind what, widening
 * purpose, with a line containing text. Undoing most widenings is a
 * narrowing; a change of kind, or between a fixed time and the account's
 * life, widens both ways (symmetric). */
static void expect_from(const char *old, const char *const *edits, size_t n,
			enum policy_widening what, const char *purpose, const char *text,
			bool symmetric)
{
	char *t = edit(old, edits, n);
	struct policy *o = load(old), *p = load(t);
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

/* From the base: undoing it is a narrowing (one), or widens too (both). */
static void expect_one(const char *const *edits, size_t n, enum policy_widening what,
		       const char *purpose, const char *text)
{
	expect_from(base, edits, n, what, purpose, text, false);
}

static void expect_both(const char *const *edits, size_t n, enum policy_widening what,
			const char *purpose, const char *text)
{
	expect_from(base, edits, n, what, purpose, text, true);
}

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

/* An array of (from, to) pairs and its length (sizeof, not ARRAY_LEN: its
 * check is a constant expression, where clang wants constant elements). */
#define EDITS(...)                                                                                 \
	(const char *const[]){__VA_ARGS__},                                                        \
		sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

/* Lines of good-minimal.yaml the tests change. */
#define NEWS_BASIS   "    kind: communication\n    basis: opt_in\n"
#define NEWS_CATS    "    categories: [email]\n    retention:\n      email: account\n    topics"
#define ANSWERING    "    subjects: [requester]\n    categories: [email]\n"
#define CARRIER_PURP "    purposes: [delivery]\n    fields: [name, postal_address]\n"
#define DELIVERY                                                                                   \
	"    categories: [name, postal_address]\n    retention:\n      name: until_done\n"         \
	"      postal_address: 12h\n"

static const char SURVEYS[] =
	"  - id: surveys\n    label: Surveys\n    description: D\n    kind: communication\n"
	"    basis: %s\n    subjects: [member]\n    categories: [email]\n    retention:\n"
	"      email: account\nrecipients:\n";

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
	expect_one(EDITS(NEWS_CATS, "    categories: [email, name]\n    retention:\n      email: "
				    "account\n      name: account\n    topics"),
		   WIDEN_CATEGORY, "news", "News now uses Name.");
}

static void test_nam10_widening_subject(void **state)
{
	(void)state;
	expect_one(EDITS(ANSWERING, "    subjects: [requester, member]\n    categories: [email]\n"),
		   WIDEN_SUBJECT, "answering", "Answering now concerns: member.");
}

static void test_nam10_nam08_widening_basis(void **state)
{
	(void)state;
	expect_one(EDITS(NEWS_BASIS, "    kind: communication\n    basis: opt_out\n"), WIDEN_BASIS,
		   "news", "News: your choice moves from opt_in to opt_out.");
	/* notice and required leave no choice either way: not one. */
	expect_none(EDITS("    kind: aggregate_statistics\n    basis: notice\n",
			  "    kind: aggregate_statistics\n    basis: required\n"));
}

static void test_nam10_widening_kind_topic_aggregate(void **state)
{
	(void)state;
	expect_both(EDITS("    kind: support\n", "    kind: security\n"), WIDEN_KIND, "answering",
		    "Answering is now a use of kind security (was support).");
	expect_one(EDITS("topics: [site_news]", "topics: [site_news, surveys]"), WIDEN_TOPIC,
		   "news", "News: mail may now be about surveys.");
	expect_one(EDITS("aggregate_min_group: 5", "aggregate_min_group: 3"), WIDEN_AGGREGATE,
		   "visit_counts", "groups of 3 people (was 5)");
}

static void test_nam10_widening_retention(void **state)
{
	(void)state;
	expect_one(EDITS("      email: 30d after_done\n", "      email: 60d after_done\n"),
		   WIDEN_RETENTION, "answering",
		   "Answering: E-mail address may be kept longer than before.");
	/* Until the account closes is not "as long as": a fixed time may
	 * outlast it, and it a fixed time. */
	expect_both(EDITS(NEWS_CATS, "    categories: [email]\n    retention:\n      email: 2y\n"
				     "    topics"),
		    WIDEN_RETENTION, "news", "kept longer");
	/* An unanswered request kept longer is kept longer; one kept for ever
	 * before (no retention_not_done) is not. */
	char *o = edit(base, EDITS("      email: 30d after_done\n",
				   "      email: 30d after_done\n    retention_not_done: 90d\n"));
	expect_from(o, EDITS("retention_not_done: 90d", "retention_not_done: 1y"), WIDEN_RETENTION,
		    "answering", "kept longer", false);
	free(o);
	/* 30 days after collection is never longer than 30 days after completion. */
	expect_none(EDITS("      email: 30d after_done\n", "      email: 30d\n"));
}

static void test_nam10_widening_recipients(void **state)
{
	(void)state;
	expect_one(EDITS("collection_points:\n",
			 "  - id: printer\n    name: Printer\n    kind: service_provider\n"
			 "    contract: C-3\n    purposes: [news]\n    fields: [email]\n"
			 "collection_points:\n"),
		   WIDEN_RECIPIENT, "news",
		   "New recipient: Printer (service_provider) receives email");
	expect_one(
		EDITS(CARRIER_PURP,
		      "    purposes: [delivery, answering]\n    fields: [name, postal_address]\n"),
		WIDEN_RECIPIENT_PURPOSE, "answering",
		"Parcel carrier now receives data for Answering.");
	/* A field needs a purpose that uses it: delivery gains the address,
	 * and the carrier then receives it; two new uses. */
	char *t = variant(
		EDITS(DELIVERY,
		      "    categories: [name, postal_address, email]\n    retention:\n"
		      "      name: until_done\n      postal_address: 12h\n      email: 12h\n",
		      CARRIER_PURP,
		      "    purposes: [delivery]\n    fields: [name, postal_address, email]\n"));
	struct policy *o = load(base), *p = load(t);
	struct policy_new_use u[8];
	assert_int_equal(policy_new_uses(o, p, u, ARRAY_LEN(u)), 2);
	assert_int_equal(u[0].what, WIDEN_CATEGORY);
	assert_int_equal(u[1].what, WIDEN_RECIPIENT_FIELD);
	assert_string_equal(p->recipients[u[1].recipient].id, "carrier");
	assert_string_equal(p->categories[u[1].category].id, "email");
	char *line = policy_new_use_text(o, p, &u[1]);
	assert_string_equal(line,
			    "Parcel carrier now receives E-mail address for Delivering orders.");
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
		EDITS("    purposes: [verification]\n", "    purposes: [verification, news]\n"));
	/* Narrowings, all at once: a recipient gone, a shorter retention, more
	 * consent (each widening's own test also undoes it: no new use). */
	expect_none(EDITS("  - id: carrier\n", "  - id: gone\n", CARRIER_PURP, "",
			  "    name: Parcel carrier\n", "",
			  "    description: Delivers parcels. It does not sell or rent the "
			  "addresses it receives.\n",
			  "", "    kind: service_provider\n    contract: C-2\n", "",
			  "  - id: gone\n", "", "      email: 2y\n", "      email: 1y\n",
			  "    kind: affiliate_offers\n    basis: opt_out\n",
			  "    kind: affiliate_offers\n    basis: opt_in\n"));
	/* Wording only. */
	expect_none(EDITS("Checking the VIN.", "Checking the VIN you give us."));
}

/* ---- the broker: a pending purpose decided under the old terms too ---- */

static char profile_path[256];
static struct policy *v1;

/* A service provider that posts news for us, in both versions. */
#define MAILER                                                                                     \
	"  - id: mailer\n    name: Mailer\n    kind: service_provider\n    contract: C-3\n"        \
	"    purposes: [news]\n    fields: [email]\ncollection_points:\n"

static int setup(void **state)
{
	(void)state;
	snprintf(profile_path, sizeof(profile_path), "/tmp/gb-uses-%d.yaml", (int)getpid());
	char *v = edit(base, EDITS("collection_points:\n", MAILER));
	FILE *f = fopen(profile_path, "w");
	int rc = f && fputs(v, f) >= 0 ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	free(v);
	return rc == 0 ? fixture_open(profile_path) : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(profile_path);
	return fixture_close();
}

static const char *const email_only[] = {"email"};
static const char *const name_only[] = {"name"};
static const char *const name_email[] = {"name", "email"};

static int64_t member(struct store_conn *c)
{
	int64_t subject;
	struct broker_grant *g;
	enum decision_reason why;
	assert_int_equal(broker_subject_new(c, "member", "account", name_email,
					    ARRAY_LEN(name_email), 0, &subject, &g, &why),
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
	/* Version 2: news becomes opt-out, and uses the name, which the
	 * mailer now receives too. */
	char *v = edit(base, EDITS("collection_points:\n", MAILER, "version: 1\n", "version: 2\n"));
	char *t = edit(v,
		       EDITS(NEWS_BASIS, "    kind: communication\n    basis: opt_out\n", NEWS_CATS,
			     "    categories: [email, name]\n    retention:\n      email: "
			     "account\n      name: account\n    topics",
			     "    purposes: [news]\n    fields: [email]\n",
			     "    purposes: [news]\n    fields: [email, name]\n"));
	free(v);
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
	 * mailer gets the address, not the name. */
	assert_int_equal(decide(c, &system, yes, email_only, 1), DECISION_ALLOWED);
	assert_int_equal(decide(c, &mailer, yes, email_only, 1), DECISION_ALLOWED);
	assert_int_equal(decide(c, &mailer, yes, name_only, 1), DENY_PENDING_NOTICE);
	assert_int_equal(decide(c, &system, yes, name_only, 1), DENY_PENDING_NOTICE);

	/* Notified ten days ago: still inside the 30-day window. */
	int64_t now = (int64_t)time(NULL);
	exec(c, "UPDATE use_notices SET notified_at = $1 WHERE version = 2 AND $2 = 2",
	     now - 10 * 86400, 2);
	assert_int_equal(decide(c, &system, never, email_only, 1), DENY_PENDING_NOTICE);
	assert_int_equal(decide(c, &mailer, yes, name_only, 1), DENY_PENDING_NOTICE);

	/* Once the window has passed the new terms apply... */
	exec(c, "UPDATE use_notices SET notified_at = $1 WHERE version = 2 AND $2 = 2",
	     now - 31 * 86400, 2);
	assert_int_equal(decide(c, &system, never, email_only, 1), DECISION_ALLOWED);
	assert_int_equal(decide(c, &mailer, yes, name_only, 1), DECISION_ALLOWED);
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
	assert_int_equal(decide(c, &mailer, late, name_only, 1), DECISION_ALLOWED);

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
	mem_init();
	base = read_file(GOOD_PATH);
	int failed = cmocka_run_group_tests_name("policy_new_uses", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("broker", broker, setup, teardown);
	free(base);
	return failed;
}
