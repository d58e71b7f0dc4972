/*
 * Unit tests for the profile: every broken profile in tests/profiles/broken
 * fails with the line, column and message its first line expects; the good
 * ones load; the broker's decision table (policy_decide) over purpose basis,
 * consent, actor and pending notice; revisions (diff and new uses).
 * Run from the repository root.
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

#include "../../src/policy_load.c"

#define BROKEN "tests/profiles/broken"
#define GOOD "tests/profiles/good-minimal.yaml"

static void test_every_broken_profile_reports_its_problem(void **state)
{
	DIR *d = opendir(BROKEN);
	assert_non_null(d);
	int checked = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".yaml"))
			continue;
		char path[512], first[512] = "";
		snprintf(path, sizeof(path), "%s/%s", BROKEN, e->d_name);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(first, sizeof(first), f));
		fclose(f);
		first[strcspn(first, "\n")] = '\0';
		int line = 0, col = 0, used = 0;
		assert_int_equal(sscanf(first, "# expect: %d:%d: %n", &line, &col, &used), 2);
		const char *want = first + used;
		struct policy_diags diags;
		struct policy *p = policy_load_file(path, &diags);
		if (p)
			fail_msg("%s loaded but should fail with: %s", e->d_name, want);
		bool found = false;
		for (size_t i = 0; i < diags.count; i++)
			if (diags.items[i].line == line && diags.items[i].col == col &&
			    strstr(diags.items[i].message, want))
				found = true;
		if (!found) {
			policy_diags_print(&diags, path, stderr);
			fail_msg("%s: expected %d:%d: %s", e->d_name, line, col, want);
		}
		checked++;
	}
	closedir(d);
	assert_true(checked >= 20);
}

static void test_good_profiles_load(void **state)
{
	struct policy_diags diags;
	struct policy *p = policy_load_file(GOOD, &diags);
	if (!p)
		policy_diags_print(&diags, GOOD, stderr);
	assert_non_null(p);
	assert_string_equal(p->name, "test-club");
	assert_int_equal(p->version, 1);
	assert_int_equal(p->ncategories, 3);
	assert_int_equal(p->npurposes, 5);
	assert_true(p->categories[policy_category_index(p, "vin")].identifier);
	int offers = policy_purpose_index(p, "offers");
	assert_int_equal(p->purposes[offers].basis, BASIS_OPT_OUT);
	const struct policy_retention *r =
		policy_retention_for(&p->purposes[policy_purpose_index(p, "answering")],
				     policy_category_index(p, "email"));
	assert_non_null(r);
	assert_int_equal(r->kind, RET_DURATION);
	assert_int_equal(r->seconds, 30 * 86400);
	assert_true(r->after_done);
	policy_free(p);
	static const char *const bundled[] = {"north-american-motoring", "mini-insiders"};
	for (size_t i = 0; i < 2; i++) {
		p = policy_load_bundled(bundled[i], &diags);
		if (!p && diags.count)
			policy_diags_print(&diags, bundled[i], stderr);
		if (!p && !diags.count && i == 1)
			continue;   /* not bundled in this build */
		assert_non_null(p);
		assert_string_equal(p->name, bundled[i]);
		policy_free(p);
	}
}

static void test_ins01_sale_words_and_negations(void **state)
{
	assert_true(speaks_of_sale("Your details are sold to partners."));
	assert_true(speaks_of_sale("We may rent the list."));
	assert_true(speaks_of_sale("Trading data with brokers"));
	assert_false(speaks_of_sale("We never sell or rent your data."));
	assert_false(speaks_of_sale("We do not sell your information; we answer you."));
	assert_false(speaks_of_sale("Car dealers and the salesroom.")); /* no whole word */
	assert_true(speaks_of_sale("We never spam. We sell your data."));
}

static struct policy *good(void)
{
	struct policy_diags diags;
	struct policy *p = policy_load_file(GOOD, &diags);
	assert_non_null(p);
	return p;
}

static void test_all05_decision_table(void **state)
{
	struct policy *p = good();
	int name = policy_category_index(p, "name"), email = policy_category_index(p, "email");
	int vin = policy_category_index(p, "vin");
	int member = policy_subject_index(p, "member"), requester = policy_subject_index(p, "requester");
	int account = policy_purpose_index(p, "account"), news = policy_purpose_index(p, "news");
	int offers = policy_purpose_index(p, "offers"), verif = policy_purpose_index(p, "verification");
	int verifier = policy_role_index(p, "verifier"), support = policy_role_index(p, "support");
	int sister = policy_recipient_index(p, "sister");
	int cats_email[] = {email}, cats_both[] = {name, email}, cats_vin[] = {vin}, cats_bad[] = {-1};

	struct {
		int purpose;
		const int *cats;
		size_t ncats;
		int subject;
		enum actor_kind actor;
		int role, recipient;
		enum consent_state consent;
		bool pending;
		enum decision_reason want;
	} rows[] = {
		/* purpose and category checks */
		{-1, cats_email, 1, member, ACTOR_SYSTEM, -1, -1, CONSENT_UNSET, false, DENY_UNKNOWN_PURPOSE},
		{account, cats_bad, 1, member, ACTOR_SYSTEM, -1, -1, CONSENT_UNSET, false, DENY_UNKNOWN_CATEGORY},
		{news, cats_both, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_ON, false, DENY_CATEGORY_NOT_COVERED},
		{account, cats_vin, 1, member, ACTOR_SELF, -1, -1, CONSENT_UNSET, false, DENY_IDENTIFIER_LOCK},
		{account, cats_email, 1, requester, ACTOR_SYSTEM, -1, -1, CONSENT_UNSET, false, DENY_SUBJECT_NOT_COVERED},
		/* required basis */
		{account, cats_both, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_UNSET, false, DECISION_ALLOWED},
		{account, cats_both, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_OFF, false, DECISION_ALLOWED},
		/* opt-in: only with a yes */
		{news, cats_email, 1, member, ACTOR_SYSTEM, -1, -1, CONSENT_UNSET, false, DENY_NO_CONSENT},
		{news, cats_email, 1, member, ACTOR_SYSTEM, -1, -1, CONSENT_OFF, false, DENY_NO_CONSENT},
		{news, cats_email, 1, member, ACTOR_SYSTEM, -1, -1, CONSENT_ON, false, DECISION_ALLOWED},
		/* opt-out: unless a no */
		{offers, cats_both, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_UNSET, false, DECISION_ALLOWED},
		{offers, cats_both, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_ON, false, DECISION_ALLOWED},
		{offers, cats_both, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_OFF, false, DENY_OPTED_OUT},
		/* NAM10: a pending new use is refused unless the member opted in */
		{offers, cats_both, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_UNSET, true, DENY_PENDING_NOTICE},
		{offers, cats_both, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_ON, true, DECISION_ALLOWED},
		/* the member sees their own data whatever the choices */
		{news, cats_email, 1, member, ACTOR_SELF, -1, -1, CONSENT_OFF, true, DECISION_ALLOWED},
		{verif, cats_vin, 1, member, ACTOR_SELF, -1, -1, CONSENT_UNSET, false, DECISION_ALLOWED},
		/* staff: need-to-know by role */
		{verif, cats_vin, 1, member, ACTOR_STAFF, verifier, -1, CONSENT_UNSET, false, DECISION_ALLOWED},
		{verif, cats_vin, 1, member, ACTOR_STAFF, support, -1, CONSENT_UNSET, false, DENY_ROLE_LACKS_PURPOSE},
		{account, cats_email, 1, member, ACTOR_STAFF, verifier, -1, CONSENT_UNSET, false, DENY_ROLE_LACKS_PURPOSE},
		{account, cats_email, 1, member, ACTOR_STAFF, -1, -1, CONSENT_UNSET, false, DENY_ROLE_LACKS_PURPOSE},
		/* recipients: only their purposes and fields, and the member's choice */
		{offers, cats_both, 2, member, ACTOR_RECIPIENT, -1, sister, CONSENT_UNSET, false, DECISION_ALLOWED},
		{offers, cats_both, 2, member, ACTOR_RECIPIENT, -1, sister, CONSENT_OFF, false, DENY_OPTED_OUT},
		{account, cats_both, 2, member, ACTOR_RECIPIENT, -1, sister, CONSENT_UNSET, false, DENY_RECIPIENT_NOT_ALLOWED},
		{offers, cats_both, 2, member, ACTOR_RECIPIENT, -1, -1, CONSENT_UNSET, false, DENY_RECIPIENT_NOT_ALLOWED},
		{verif, cats_vin, 1, member, ACTOR_RECIPIENT, -1, sister, CONSENT_UNSET, false, DENY_RECIPIENT_NOT_ALLOWED},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct decision_input in = {rows[i].purpose, rows[i].cats, rows[i].ncats, rows[i].subject,
					    rows[i].actor, rows[i].role, rows[i].recipient,
					    rows[i].consent, rows[i].pending};
		enum decision_reason got = policy_decide(p, &in);
		if (got != rows[i].want)
			fail_msg("row %zu: got %s, want %s", i, policy_reason_code(got),
				 policy_reason_code(rows[i].want));
	}
	assert_string_equal(policy_reason_code(DENY_NO_CONSENT), "no_consent");
	policy_free(p);
}

static void test_nam13_member_sees_own_data_under_any_covering_purpose(void **state)
{
	struct policy *p = good();
	int email = policy_category_index(p, "email"), name = policy_category_index(p, "name");
	int member = policy_subject_index(p, "member");
	int cats[] = {name, email};
	/* Whatever the member chose, and even during a notice period, a member
	 * reading their own data under a purpose that uses it is allowed. */
	for (size_t pi = 0; pi < p->npurposes; pi++) {
		const struct policy_purpose *pu = &p->purposes[pi];
		if (!policy_purpose_covers(pu, email) || !policy_purpose_covers(pu, name))
			continue;
		for (int consent = CONSENT_UNSET; consent <= CONSENT_OFF; consent++) {
			struct decision_input in = {(int)pi, cats, 2, member, ACTOR_SELF, -1, -1,
						    (enum consent_state)consent, true};
			assert_int_equal(policy_decide(p, &in), DECISION_ALLOWED);
		}
	}
	/* But not data a purpose does not use. */
	int vin[] = {policy_category_index(p, "vin")};
	struct decision_input in = {policy_purpose_index(p, "news"), vin, 1, member, ACTOR_SELF, -1,
				    -1, CONSENT_ON, false};
	assert_int_equal(policy_decide(p, &in), DENY_IDENTIFIER_LOCK);
	policy_free(p);
}

static void test_ins14_nam10_diff_and_new_uses(void **state)
{
	struct policy *old_p = good();
	FILE *f = fopen(GOOD, "r");
	char *text = calloc(1, 65536);
	size_t n = fread(text, 1, 65535, f);
	fclose(f);
	/* Version 2: a new opt-out use of e-mail, and offers now keep e-mail 1y. */
	char *v2 = calloc(1, 70000);
	const char *add = "  - id: surveys\n    label: Surveys\n    description: Asking members for their opinion.\n"
			  "    kind: communication\n    basis: opt_out\n    subjects: [member]\n"
			  "    categories: [email]\n    retention:\n      email: account\n";
	const char *at = strstr(text, "recipients:");
	assert_non_null(at);
	snprintf(v2, 70000, "%.*s%s%s", (int)(at - text), text, add, at);
	char *ver = strstr(v2, "version: 1");
	ver[9] = '2';
	char *ret = strstr(v2, "      email: 2y");
	ret[13] = '1';
	struct policy_diags diags;
	struct policy *new_p = policy_load(v2, strlen(v2), &diags);
	if (!new_p)
		policy_diags_print(&diags, "v2", stderr);
	assert_non_null(new_p);
	size_t nlines;
	char **lines = policy_diff(old_p, new_p, &nlines);
	bool saw_new = false, saw_retention = false;
	for (size_t i = 0; i < nlines; i++) {
		saw_new |= strstr(lines[i], "New purpose: Surveys (opt_out)") != NULL;
		saw_retention |= strstr(lines[i], "Partner offers: how long data is kept changed") != NULL;
	}
	assert_true(saw_new);
	assert_true(saw_retention);
	policy_diff_free(lines, nlines);
	int uses[8];
	size_t k = policy_new_uses(old_p, new_p, uses, 8);
	assert_int_equal(k, 1);
	assert_string_equal(new_p->purposes[uses[0]].id, "surveys");
	/* The same version twice: wording only. */
	lines = policy_diff(old_p, old_p, &nlines);
	assert_int_equal(nlines, 1);
	assert_non_null(strstr(lines[0], "Wording only"));
	policy_diff_free(lines, nlines);
	assert_int_equal(policy_new_uses(old_p, old_p, uses, 8), 0);
	policy_free(new_p);
	policy_free(old_p);
	free(v2);
	free(text);
	(void)n;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_broken_profile_reports_its_problem),
		cmocka_unit_test(test_good_profiles_load),
		cmocka_unit_test(test_ins01_sale_words_and_negations),
		cmocka_unit_test(test_all05_decision_table),
		cmocka_unit_test(test_nam13_member_sees_own_data_under_any_covering_purpose),
		cmocka_unit_test(test_ins14_nam10_diff_and_new_uses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
