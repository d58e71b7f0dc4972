/*
 * Unit tests for the profile (src/policy.c, src/policy_load.c): the model
 * loaded from tests/profiles/good-minimal.yaml; every broken profile in
 * tests/profiles/broken fails with exactly the one problem its first line
 * expects; the input limits; the broker's decision table over purpose basis
 * x consent x actor x pending notice; revisions (diff and new uses); the
 * bundled profiles when this build embeds them. Run from the repository
 * root. Includes policy_load.c to reach the INS01 wording check.
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

#include "../../src/data/policy_load.c"

#define BROKEN_DIR "tests/profiles/broken"
#define GOOD_PATH  "tests/profiles/good-minimal.yaml"

/* What every profile states besides its data (rule 6 of issue 12): the
 * scope, the safeguards and the cookies the code always sets. */
#define NOTICE_TAIL                                                                                \
	"scope: {sites: [t.example], statement: S.}\nsecurity: [S.]\ncookies:\n"                   \
	"  - {name: gb_presession, purpose: strictly_necessary, lifetime: session, holds: T.}\n"   \
	"  - {name: gb_staff, purpose: strictly_necessary, lifetime: 8h, holds: T.}\n"             \
	"  - {name: gb_staff_browser, purpose: strictly_necessary, lifetime: 180d, holds: T.}\n"

/* ---- helpers ---- */

static struct policy *load_text(const char *text)
{
	struct policy_diags diags;
	struct policy *p = policy_load(text, strlen(text), &diags);
	if (!p) {
		policy_diags_print(&diags, "(text)", stderr);
		fail_msg("a profile that should load did not");
	}
	return p;
}

static struct policy *good(void)
{
	struct policy_diags diags;
	struct policy *p = policy_load_file(GOOD_PATH, &diags);
	if (!p) {
		policy_diags_print(&diags, GOOD_PATH, stderr);
		fail_msg("%s does not load", GOOD_PATH);
	}
	return p;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *text = calloc(1, 1024 * 1024 + 1);
	assert_non_null(text);
	*len = fread(text, 1, 1024 * 1024, f);
	fclose(f);
	return text;
}

/* The diagnostics of a text that must not load. */
static void load_fails(const char *text, size_t len, struct policy_diags *diags)
{
	struct policy *p = policy_load(text, len, diags);
	if (p)
		policy_free(p);
	assert_null(p);
	assert_true(diags->count > 0);
}

/* ---- broken profiles ---- */

/* Each check of the profile language has at least one broken file; a file
 * renamed or lost is a check left untested. */
static const char *const required_broken[] = {
	"yaml-syntax",
	"not-a-mapping",
	"two-documents",
	"unknown-key",
	"duplicate-key",
	"missing-top-key",
	"missing-purpose-key",
	"wrong-type-list",
	"wrong-type-integer",
	"wrong-type-string",
	"wrong-type-boolean",
	"wrong-type-mapping",
	"bad-date",
	"bad-duration",
	"retention-missing",
	"retention-extra",
	"not-done-bad",
	"not-done-nothing-done",
	"contact-unanswered-forever",
	"bad-id",
	"duplicate-id",
	"undeclared-category",
	"undeclared-subject",
	"recipient-undeclared-purpose",
	"collection-undeclared-subject",
	"collection-undeclared-category",
	"undeclared-role-purpose",
	"collection-no-purpose",
	"collection-category-not-used",
	"recipient-no-contract",
	"recipient-empty-contract",
	"recipient-field-not-covered",
	"purpose-kind-sale",
	"recipient-kind-broker",
	"selling-words",
	"renting-words",
	"negation-elsewhere",
	"recipient-selling-words",
	"identifier-other-purpose",
	"identifier-to-recipient",
	"affiliate-wrong-purpose",
	"provider-wrong-purpose",
	"communication-required",
	"affiliate-offers-notice",
	"topics-not-communication",
	"contact-empty",
	/* issue 12, rule 3 */
	"signup-without-age-screen",
	"signup-age-screen-optional",
	"minimum-age-under-13",
	"vin-not-identifier",
	"bad-policy-url",
	"policy-url-http",
	"policy-url-example-domain",
	"policy-url-reserved-name",
	/* issue 12, rule 6 */
	"cookie-undeclared",
	"cookie-bad-lifetime",
	"cookie-undeclared-purpose",
	"cookie-duplicate",
	"cookie-bad-name",
	"remember-cookie-wrong-purpose",
	"purpose-reserved-id",
	"security-empty",
	"scope-no-sites",
};

static void test_every_broken_profile_reports_its_one_problem(void **state)
{
	(void)state;
	DIR *d = opendir(BROKEN_DIR);
	assert_non_null(d);
	int checked = 0;
	bool seen[sizeof(required_broken) / sizeof(required_broken[0])] = {false};
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (nl < 5 || strcmp(e->d_name + nl - 5, ".yaml") != 0)
			continue;
		for (size_t i = 0; i < sizeof(required_broken) / sizeof(required_broken[0]); i++)
			if (strlen(required_broken[i]) == nl - 5 &&
			    strncmp(e->d_name, required_broken[i], nl - 5) == 0)
				seen[i] = true;
		char path[512], first[512] = "";
		snprintf(path, sizeof(path), "%s/%s", BROKEN_DIR, e->d_name);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(first, sizeof(first), f));
		fclose(f);
		first[strcspn(first, "\n")] = '\0';
		int line = 0, col = 0, used = 0;
		if (sscanf(first, "# expect: %d:%d: %n", &line, &col, &used) != 2 || used == 0)
			fail_msg("%s: first line is not '# expect: LINE:COL: message'", e->d_name);
		const char *want = first + used;
		struct policy_diags diags;
		struct policy *p = policy_load_file(path, &diags);
		if (p) {
			policy_free(p);
			fail_msg("%s loaded but should fail with: %s", e->d_name, want);
		}
		if (diags.count != 1 || diags.items[0].line != line || diags.items[0].col != col ||
		    !strstr(diags.items[0].message, want)) {
			policy_diags_print(&diags, path, stderr);
			fail_msg("%s: expected exactly %d:%d: %s", e->d_name, line, col, want);
		}
		checked++;
	}
	closedir(d);
	for (size_t i = 0; i < sizeof(required_broken) / sizeof(required_broken[0]); i++)
		if (!seen[i])
			fail_msg("missing %s/%s.yaml", BROKEN_DIR, required_broken[i]);
	assert_true(checked >= 20);
}

/* ---- the good profile ---- */

static void test_good_minimal_model(void **state)
{
	(void)state;
	struct policy *p = good();
	assert_string_equal(p->name, "test-club");
	assert_int_equal(p->version, 1);
	assert_string_equal(p->effective, "2024-02-29");
	assert_string_equal(p->site_name, "Test Club");
	assert_string_equal(p->site_url, "https://club.example.org");
	assert_non_null(strstr(p->summary, "We never sell, rent or trade your data."));
	assert_string_equal(p->contact.email, "privacy@example.org");
	assert_string_equal(p->contact.postal, "Test Club, 1 Example Street, Springfield");
	assert_string_equal(p->contact.phone, "+1 555 0100");
	assert_int_equal(p->settings.minimum_age, 13);
	assert_int_equal(p->settings.aggregate_min_group, 5);
	assert_int_equal(p->settings.opt_out_window_days, 30);
	assert_int_equal(p->settings.reauth_minutes, 5);
	assert_false(p->settings.vin_strict);
	assert_int_equal(p->settings.naccepted_makes, 2);
	assert_string_equal(p->settings.accepted_makes[1], "BMW");

	assert_int_equal(p->ncategories, 4);
	int name = policy_category_index(p, "name"), email = policy_category_index(p, "email");
	int vin = policy_category_index(p, "vin"),
	    postal = policy_category_index(p, "postal_address");
	assert_int_equal(name, 0);
	assert_int_equal(postal, 3);
	assert_true(p->categories[vin].identifier);
	assert_false(p->categories[postal].identifier);
	assert_string_equal(p->categories[email].label, "E-mail address");
	assert_string_equal(p->categories[email].description, "The address we write to.");
	assert_null(p->categories[name].description);
	assert_int_equal(p->categories[name].pos.line, 24);
	assert_int_equal(p->categories[name].pos.col, 5);

	assert_int_equal(p->nsubjects, 2);
	assert_int_equal(policy_subject_index(p, "requester"), 1);
	assert_null(p->subjects[1].description);

	assert_int_equal(p->npurposes, 7);
	const struct policy_purpose *news = &p->purposes[policy_purpose_index(p, "news")];
	assert_int_equal(news->kind, PK_COMMUNICATION);
	assert_int_equal(news->basis, BASIS_OPT_IN);
	assert_int_equal(news->ncategories, 1);
	assert_int_equal(news->categories[0], email);
	assert_int_equal(news->ntopics, 1);
	assert_string_equal(news->topics[0], "site_news");
	const struct policy_purpose *offers = &p->purposes[policy_purpose_index(p, "offers")];
	assert_int_equal(offers->basis, BASIS_OPT_OUT);
	assert_int_equal(offers->kind, PK_AFFILIATE_OFFERS);
	const struct policy_retention *r = policy_retention_for(offers, email);
	assert_int_equal(r->kind, RET_DURATION);
	assert_int_equal(r->seconds, 2 * 365 * 86400);
	assert_false(r->after_done);
	r = policy_retention_for(&p->purposes[policy_purpose_index(p, "answering")], email);
	assert_int_equal(r->kind, RET_DURATION);
	assert_int_equal(r->seconds, 30 * 86400);
	assert_true(r->after_done);
	const struct policy_purpose *delivery = &p->purposes[policy_purpose_index(p, "delivery")];
	assert_int_equal(delivery->nsubjects, 2);
	assert_int_equal(policy_retention_for(delivery, name)->kind, RET_UNTIL_DONE);
	assert_int_equal(policy_retention_for(delivery, postal)->seconds, 12 * 3600);
	assert_null(policy_retention_for(delivery, email));
	assert_true(policy_purpose_covers(delivery, postal));
	assert_false(policy_purpose_covers(delivery, email));
	const struct policy_purpose *counts = &p->purposes[policy_purpose_index(p, "visit_counts")];
	assert_int_equal(counts->kind, PK_AGGREGATE_STATISTICS);
	assert_int_equal(counts->basis, BASIS_NOTICE);
	assert_int_equal(counts->ncategories, 0);
	assert_int_equal(counts->nretention, 0);

	assert_int_equal(p->nrecipients, 2);
	const struct policy_recipient *sister = &p->recipients[policy_recipient_index(p, "sister")];
	assert_int_equal(sister->kind, RK_AFFILIATE);
	assert_string_equal(sister->contract, "C-1");
	assert_string_equal(sister->policy_url, "https://www.sister-company.co.uk/privacy");
	assert_int_equal(sister->npurposes, 1);
	assert_int_equal(sister->nfields, 2);
	const struct policy_recipient *carrier =
		&p->recipients[policy_recipient_index(p, "carrier")];
	assert_int_equal(carrier->kind, RK_SERVICE_PROVIDER);
	assert_null(carrier->policy_url);

	assert_int_equal(p->ncollections, 2);
	const struct policy_collection *order =
		&p->collections[policy_collection_index(p, "order")];
	assert_int_equal(order->purpose, policy_purpose_index(p, "delivery"));
	assert_int_equal(order->subject, policy_subject_index(p, "requester"));
	assert_int_equal(order->nfields, 2);
	assert_true(order->fields[0].required);
	assert_false(order->fields[1].required); /* required defaults to false */
	assert_int_equal(order->fields[1].category, postal);

	assert_int_equal(p->nroles, 2);
	const struct policy_role *verifier = &p->roles[policy_role_index(p, "verifier")];
	assert_int_equal(verifier->npurposes, 1);
	assert_int_equal(verifier->purposes[0], policy_purpose_index(p, "verification"));

	/* Unknown ids. */
	assert_int_equal(policy_category_index(p, "shoe_size"), -1);
	assert_int_equal(policy_purpose_index(p, "sale"), -1);
	assert_int_equal(policy_subject_index(p, ""), -1);
	assert_int_equal(policy_recipient_index(p, "broker"), -1);
	assert_int_equal(policy_role_index(p, "admin"), -1);
	assert_int_equal(policy_collection_index(p, "contact"), -1);

	/* What the notice covers, its safeguards and its cookies. */
	assert_int_equal(p->scope.nsites, 1);
	assert_string_equal(p->scope.sites[0], "club.example.org");
	assert_non_null(strstr(p->scope.statement, "Test Club site"));
	assert_int_equal(p->nsecurity, 1);
	assert_false(p->settings.not_directed_at_children);
	assert_int_equal(p->ncookies, 3);
	assert_string_equal(p->cookies[0].name, "gb_presession");
	assert_int_equal(p->cookies[0].purpose, -1);
	assert_int_equal(p->cookies[0].seconds, 0);
	assert_int_equal(p->cookies[2].seconds, 180 * 86400);

	/* The source is kept verbatim for the machine-readable link. */
	size_t len;
	char *text = read_all(GOOD_PATH, &len);
	assert_int_equal(p->source_len, len);
	assert_memory_equal(p->source, text, len);
	assert_int_equal(p->source[len], '\0');
	free(text);
	policy_free(p);
}

static void test_ins01_negated_wording_is_accepted(void **state)
{
	(void)state;
	/* good-minimal says "never sell or rent", "won't trade", "does not sell
	 * or rent", and loads. */
	struct policy *p = good();
	assert_non_null(strstr(p->purposes[policy_purpose_index(p, "account")].description,
			       "never sell or rent"));
	assert_non_null(strstr(p->recipients[policy_recipient_index(p, "carrier")].description,
			       "does not sell or rent"));
	policy_free(p);

	assert_true(speaks_of_sale("Your details are sold to partners."));
	assert_true(speaks_of_sale("We may rent the list."));
	assert_true(speaks_of_sale("Trading data with brokers"));
	assert_true(speaks_of_sale("MONETIZE the audience"));
	assert_true(speaks_of_sale("Lists leased to publishers"));
	assert_true(speaks_of_sale("We never spam. We sell your data."));
	assert_true(speaks_of_sale("Nothing to hide!\nSold to partners"));
	assert_false(speaks_of_sale("We will never\nsell your data.")); /* a wrapped line */
	assert_false(speaks_of_sale("We never sell or rent your data."));
	assert_false(speaks_of_sale("We do not sell your information; we answer you."));
	assert_false(speaks_of_sale("We won't trade your address."));
	assert_false(speaks_of_sale("We won\xe2\x80\x99t rent it out."));
	assert_false(speaks_of_sale("No sale, no rental."));
	assert_false(speaks_of_sale(
		"Car dealers and the salesroom; wholesale prices.")); /* not whole words */
	assert_false(speaks_of_sale("Current events and parental advice."));
	assert_false(speaks_of_sale(""));
	assert_false(speaks_of_sale(NULL));
}

static void test_dates_and_durations(void **state)
{
	(void)state;
	assert_true(date_ok("2024-02-29"));
	assert_true(date_ok("2000-02-29"));
	assert_true(date_ok("2002-04-02"));
	assert_false(date_ok("1900-02-29"));
	assert_false(date_ok("2025-02-29"));
	assert_false(date_ok("2025-04-31"));
	assert_false(date_ok("2025-13-01"));
	assert_false(date_ok("2025-00-10"));
	assert_false(date_ok("2025-1-10"));
	assert_false(date_ok("2025-01-1x"));
	assert_false(date_ok("2025-01-10 "));

	struct policy_retention r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(parse_retention("12h", &r), 0);
	assert_int_equal(r.seconds, 12 * 3600);
	memset(&r, 0, sizeof(r));
	assert_int_equal(parse_retention("90d after_done", &r), 0);
	assert_int_equal(r.seconds, 90 * 86400);
	assert_true(r.after_done);
	static const char *const bad[] = {
		"",	      "d",	  "0d", "-3d",	    "+3d",
		" 3d",	      "3 d",	  "3w", "3d after", "3d  after_done",
		"after_done", "1000000y", "3dd"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0, sizeof(r));
		if (parse_retention(bad[i], &r) == 0)
			fail_msg("retention '%s' accepted", bad[i]);
	}
}

/* ---- limits and the shape of the input ---- */

static void test_limits_and_input_shape(void **state)
{
	(void)state;
	struct policy_diags d;
	/* More than 1 MiB, whatever it holds. */
	size_t big = 1024 * 1024 + 1;
	char *text = malloc(big + 1);
	assert_non_null(text);
	memset(text, '#', big);
	text[big] = '\0';
	load_fails(text, big, &d);
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.items[0].message, "larger than 1 MiB"));
	/* More than 20,000 nodes in well under 1 MiB: refused before libyaml
	 * builds its tree. */
	size_t n = 0;
	n += (size_t)snprintf(text, big, "profile: x\nlist: [");
	for (int i = 0; i < 25000; i++)
		n += (size_t)snprintf(text + n, big - n, "a,");
	n += (size_t)snprintf(text + n, big - n, "a]\n");
	load_fails(text, n, &d);
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.items[0].message, "too many entries (at most 20000)"));
	assert_int_equal(d.items[0].line, 2);
	/* Aliases count too (a "billion laughs" stays bounded). */
	n = (size_t)snprintf(text, big, "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [");
	for (int i = 0; i < 20000; i++)
		n += (size_t)snprintf(text + n, big - n, "*a,");
	n += (size_t)snprintf(text + n, big - n, "*a]\n");
	load_fails(text, n, &d);
	assert_non_null(strstr(d.items[0].message, "too many entries"));
	free(text);

	/* Empty, blank, a scalar, not UTF-8. */
	load_fails("", 0, &d);
	assert_non_null(strstr(d.items[0].message, "the profile is empty"));
	load_fails("# only a comment\n", 17, &d);
	assert_non_null(strstr(d.items[0].message, "the profile is empty"));
	load_fails("hello\n", 6, &d);
	assert_non_null(strstr(d.items[0].message, "must be a mapping"));
	static const char latin1[] = "profile: x\nsite: {name: Caf\xe9}\n";
	load_fails(latin1, sizeof(latin1) - 1, &d);
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.items[0].message, "not UTF-8"));
	/* At the byte that cannot continue the sequence \xe9 starts. */
	assert_int_equal(d.items[0].line, 2);
	assert_int_equal(d.items[0].col, 18);
	/* A NUL byte inside the text. */
	static const char nul[] = "profile: x\0\nversion: 1\n";
	load_fails(nul, sizeof(nul) - 1, &d);

	/* Files: missing, a directory. */
	assert_null(policy_load_file("tests/profiles/no-such-file.yaml", &d));
	assert_int_equal(d.count, 1);
	assert_string_equal(d.items[0].message, "cannot read the file");
	assert_null(policy_load_file("tests/profiles", &d));
	assert_int_equal(d.count, 1);

	/* An unknown bundled name: NULL with no diagnostic (the caller says
	 * "no profile named"). */
	assert_null(policy_load_bundled("no-such-profile", &d));
	assert_int_equal(d.count, 0);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(policy_load_bundled(longname, &d));
}

static void test_bom_and_crlf_load(void **state)
{
	(void)state;
	size_t len;
	char *text = read_all(GOOD_PATH, &len);
	char *v = calloc(1, 2 * len + 4);
	assert_non_null(v);
	size_t n = 0;
	memcpy(v, "\xef\xbb\xbf", 3);
	n = 3;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			v[n++] = '\r';
		v[n++] = text[i];
	}
	struct policy_diags d;
	struct policy *p = policy_load(v, n, &d);
	if (!p)
		policy_diags_print(&d, "(bom+crlf)", stderr);
	assert_non_null(p);
	assert_string_equal(p->site_name, "Test Club");
	assert_int_equal(p->source_len, n);
	policy_free(p);
	free(v);
	free(text);
}

static void test_anchors_and_aliases_resolve(void **state)
{
	(void)state;
	size_t len;
	char *text = read_all(GOOD_PATH, &len);
	char *v = calloc(1, len + 200);
	assert_non_null(v);
	/* The first "subjects: [member]" becomes an anchor, the next an alias. */
	const char *a = strstr(text, "    subjects: [member]\n");
	assert_non_null(a);
	const char *b = strstr(a + 1, "    subjects: [member]\n");
	assert_non_null(b);
	const char *rest = b + strlen("    subjects: [member]\n");
	snprintf(v, len + 200,
		 "%.*s    subjects: &members [member]\n%.*s    subjects: *members\n%s",
		 (int)(a - text), text, (int)(b - (a + 23)), a + 23, rest);
	struct policy *p = load_text(v);
	const struct policy_purpose *news = &p->purposes[policy_purpose_index(p, "news")];
	assert_int_equal(news->nsubjects, 1);
	assert_int_equal(news->subjects[0], policy_subject_index(p, "member"));
	policy_free(p);
	free(v);
	free(text);
}

static void test_several_problems_in_file_order(void **state)
{
	(void)state;
	/* Found in different passes (header, categories, purposes, roles), reported
	 * by position in the file. */
	static const char text[] = "profile: x\n"				    /* 1 */
				   "version: 1\n"				    /* 2 */
				   "effective: 2024-13-01\n"			    /* 3 */
				   "site: {name: X}\n"				    /* 4 */
				   "contact: {email: a@example.org}\n"		    /* 5 */
				   "categories:\n"				    /* 6 */
				   "  - {id: email, label: E-mail, colour: blue}\n" /* 7 */
				   "subjects: [{id: member}]\n"			    /* 8 */
				   "purposes:\n"				    /* 9 */
				   "  - id: news\n"				    /* 10 */
				   "    label: News\n"				    /* 11 */
				   "    description: We sell it.\n"		    /* 12 */
				   "    kind: communication\n"			    /* 13 */
				   "    basis: opt_in\n"			    /* 14 */
				   "    subjects: [member]\n"			    /* 15 */
				   "    categories: [email, phone]\n"		    /* 16 */
				   "    retention: {email: forever}\n"		    /* 17 */
				   "staff_roles:\n"				    /* 18 */
				   "  - {id: mailer, purposes: [news, spam]}\n"	    /* 19 */
				   "settings: {minimum_age: 99}\n"		    /* 20 */
		NOTICE_TAIL;
	struct policy_diags d;
	load_fails(text, sizeof(text) - 1, &d);
	static const struct {
		int line, col;
		const char *msg;
	} want[] = {
		{3, 12, "'effective' must be a date"},
		{7, 32, "unknown key 'colour' in a category"},
		{12, 18, "purpose 'news': the description speaks of selling"},
		{16, 25, "purpose 'news' uses undeclared category 'phone'"},
		{17, 24, "bad retention 'forever'"},
		{19, 35, "staff role 'mailer' uses undeclared purpose 'spam'"},
		{20, 25, "'minimum_age' must be a whole number from 0 to 21"},
	};
	if (d.count != sizeof(want) / sizeof(want[0]))
		policy_diags_print(&d, "(text)", stderr);
	assert_int_equal(d.count, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < d.count; i++) {
		if (d.items[i].line != want[i].line || d.items[i].col != want[i].col ||
		    !strstr(d.items[i].message, want[i].msg)) {
			policy_diags_print(&d, "(text)", stderr);
			fail_msg("diagnostic %zu: want %d:%d: %s", i, want[i].line, want[i].col,
				 want[i].msg);
		}
	}
}

static void test_diagnostics_are_capped(void **state)
{
	(void)state;
	/* 200 categories with a bad id each: the list stops at the cap, in
	 * order, and nothing overflows. */
	size_t cap = 64 * 1024, n = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "categories:\n");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(text + n, cap - n, "  - {id: Bad%d, label: L}\n", i);
	struct policy_diags d;
	load_fails(text, n, &d);
	assert_int_equal(d.count, POLICY_MAX_DIAGS);
	for (size_t i = 1; i < d.count; i++)
		assert_true(d.items[i - 1].line < d.items[i].line ||
			    (d.items[i - 1].line == d.items[i].line &&
			     d.items[i - 1].col <= d.items[i].col));
	free(text);
}

static void test_unknown_kind_message_fits(void **state)
{
	(void)state;
	struct policy_diags d;
	static const char text[] =
		"profile: x\nversion: 1\neffective: 2024-01-01\nsite: {name: X}\n"
		"contact: {email: a@example.org}\ncategories: [{id: email, label: E}]\n"
		"subjects: [{id: member}]\n"
		"purposes:\n  - {id: p, label: P, description: D, kind: "
		"an_extremely_long_purpose_kind_name_that_goes_on_and_on_and_on_and_on, basis: "
		"notice,"
		" subjects: [member], categories: [email], retention: {email: "
		"account}}\n" NOTICE_TAIL;
	load_fails(text, sizeof(text) - 1, &d);
	assert_int_equal(d.count, 1);
	const char *m = d.items[0].message;
	size_t len = strlen(m);
	assert_true(len < sizeof(d.items[0].message));
	/* Ends with a whole name or "...", never a name cut in two. */
	if (strcmp(m + len - 6, ", ...)") != 0 && strcmp(m + len - 16, ", public_content)") != 0)
		fail_msg("ends badly: %s", m);
	assert_non_null(strstr(m, "unknown purpose kind 'an_extremely_long"));
	assert_non_null(strstr(m, "(allowed: account, fulfilment"));
}

/* ---- issue 12: links, lifetimes, the code's features ---- */

static void test_policy_links_and_cookie_lifetimes(void **state)
{
	(void)state;
	static const char *const good_urls[] = {
		"https://www.bmwusa.com/privacy",
		"https://privacy.example.com.au/", /* not the reserved name itself */
		"https://notexample.org/privacy",
		"https://example-org.net/p?q=1#x",
	};
	static const char *const bad_urls[] = {
		"http://www.bmwusa.com/privacy",
		"https://example.org/privacy",
		"https://bmw.EXAMPLE.org/privacy",
		"https://a.b.example.net",
		"https://example.com./x",
		"https://dealer.example/",
		"https://dealer.test/",
		"https://dealer.invalid",
		"https://localhost/",
		"https://intranet.localhost/",
		"https://www.bmwusa.com:8443/privacy", /* a port is refused too */
		"https://user@www.bmwusa.com/",
		"https:///privacy",
		"https://bmw/privacy", /* no dot: not a public name */
		"ftp://www.bmwusa.com/",
	};
	for (size_t i = 0; i < sizeof(good_urls) / sizeof(good_urls[0]); i++)
		if (!policy_url_ok(good_urls[i]))
			fail_msg("refused %s", good_urls[i]);
	for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++)
		if (policy_url_ok(bad_urls[i]))
			fail_msg("accepted %s", bad_urls[i]);

	int64_t s = -1;
	assert_true(parse_lifetime("session", &s));
	assert_int_equal(s, 0);
	assert_true(parse_lifetime("12h", &s));
	assert_int_equal(s, 12 * 3600);
	assert_true(parse_lifetime("1y", &s));
	assert_int_equal(s, 365 * 86400);
	assert_false(parse_lifetime("account", &s));
	assert_false(parse_lifetime("until_done", &s));
	assert_false(parse_lifetime("30d after_done", &s));
	assert_false(parse_lifetime("forever", &s));

	assert_true(policy_is_signup_point("member_registration"));
	assert_true(policy_is_signup_point("insider_signup"));
	assert_false(policy_is_signup_point("signup"));
	assert_true(policy_is_vehicle_identifier("vin"));
	assert_true(policy_is_vehicle_identifier("serial_numbers"));
	assert_false(policy_is_vehicle_identifier("vehicle_details"));

	/* good-minimal has no sign-up point and no remember-me purpose: only
	 * the cookies set everywhere apply to it. */
	struct policy *p = good();
	for (size_t i = 0; i < policy_ncode_cookies; i++)
		assert_int_equal(policy_code_cookie_applies(p, &policy_code_cookies[i]),
				 policy_code_cookies[i].when == COOKIE_ALWAYS);
	policy_free(p);
}

/* ---- bundled profiles ---- */

static void test_bundled_profiles_load_clean(void **state)
{
	(void)state;
	static const char *const bundled[] = {"north-american-motoring", "mini-insiders"};
	int found = 0;
	for (size_t i = 0; i < sizeof(bundled) / sizeof(bundled[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "profiles/%s.yaml", bundled[i]);
		const struct asset *a = asset_find(path);
		if (!a)
			continue;
		found++;
		struct policy_diags d;
		struct policy *p = policy_load_bundled(bundled[i], &d);
		if (!p) {
			policy_diags_print(&d, path, stderr);
			fail_msg("bundled %s does not load", bundled[i]);
		}
		assert_int_equal(d.count, 0);
		assert_string_equal(p->name, bundled[i]);
		assert_int_equal(p->source_len, a->len);
		assert_memory_equal(p->source, a->data, a->len);
		/* A profile compared with itself has only wording to report. */
		size_t n;
		char **lines = policy_diff(p, p, &n);
		assert_int_equal(n, 1);
		assert_non_null(strstr(lines[0], "Wording only"));
		policy_diff_free(lines, n);
		assert_int_equal(policy_new_uses(p, p, NULL, 0), 0);
		policy_free(p);
	}
	if (!found)
		skip();
}

/* ---- the decision table (ALL05, NAM06, NAM10, NAM13, INS09) ---- */

/* Four purposes that differ only in basis, all open to a service provider. */
static const char table_profile[] =
	"profile: table\nversion: 1\neffective: 2024-01-01\n"
	"site: {name: Table}\ncontact: {email: a@example.org}\n"
	"categories:\n"
	"  - {id: name, label: Name}\n"
	"  - {id: email, label: E-mail}\n"
	"  - {id: vin, label: VIN, identifier: true}\n"
	"  - {id: phone, label: Phone}\n"
	"subjects: [{id: member}, {id: visitor}]\n"
	"purposes:\n"
	"  - {id: p_required, label: R, description: R, kind: service, basis: required,"
	" subjects: [member], categories: [name, email], retention: {name: account, email: "
	"account}}\n"
	"  - {id: p_opt_in, label: I, description: I, kind: communication, basis: opt_in,"
	" subjects: [member], categories: [name, email], retention: {name: account, email: "
	"account}}\n"
	"  - {id: p_opt_out, label: O, description: O, kind: communication, basis: opt_out,"
	" subjects: [member], categories: [name, email], retention: {name: account, email: "
	"account}}\n"
	"  - {id: p_notice, label: N, description: N, kind: security, basis: notice,"
	" subjects: [member], categories: [name, email], retention: {name: account, email: "
	"account}}\n"
	"  - {id: verify, label: V, description: V, kind: verification, basis: required,"
	" subjects: [member], categories: [vin, name], retention: {vin: account, name: account}}\n"
	"recipients:\n"
	"  - {id: full, name: Full, kind: service_provider, contract: C1,"
	" purposes: [p_required, p_opt_in, p_opt_out, p_notice], fields: [name, email]}\n"
	"  - {id: partial, name: Partial, kind: service_provider, contract: C2,"
	" purposes: [p_required, p_opt_in, p_opt_out, p_notice], fields: [name]}\n"
	"  - {id: other, name: Other, kind: service_provider, contract: C3,"
	" purposes: [p_required], fields: [name, email]}\n"
	"staff_roles:\n"
	"  - {id: all, purposes: [p_required, p_opt_in, p_opt_out, p_notice, verify]}\n"
	"  - {id: verifier, purposes: [verify]}\n" NOTICE_TAIL;

enum actor_case {
	AC_SELF,
	AC_SYSTEM,
	AC_STAFF_ROLE,
	AC_STAFF_OTHER_ROLE,
	AC_STAFF_NO_ROLE,
	AC_RECIPIENT,
	AC_RECIPIENT_NO_FIELD,
	AC_RECIPIENT_NO_PURPOSE,
	AC_RECIPIENT_NONE,
	AC_COUNT
};

/* The table as the brief states it, for one request of name and email. */
static enum decision_reason expected(enum basis basis, enum consent_state consent,
				     enum actor_case ac, bool pending, bool purpose_is_required)
{
	switch (ac) {
	case AC_SELF:
		return DECISION_ALLOWED;
	case AC_STAFF_OTHER_ROLE:
	case AC_STAFF_NO_ROLE:
		return DENY_ROLE_LACKS_PURPOSE;
	case AC_RECIPIENT_NO_FIELD:
	case AC_RECIPIENT_NONE:
		return DENY_RECIPIENT_NOT_ALLOWED;
	case AC_RECIPIENT_NO_PURPOSE:
		if (!purpose_is_required)
			return DENY_RECIPIENT_NOT_ALLOWED;
		break;
	default:
		break;
	}
	if (pending && consent != CONSENT_ON)
		return DENY_PENDING_NOTICE;
	if (basis == BASIS_OPT_IN)
		return consent == CONSENT_ON ? DECISION_ALLOWED : DENY_NO_CONSENT;
	if (basis == BASIS_OPT_OUT)
		return consent == CONSENT_OFF ? DENY_OPTED_OUT : DECISION_ALLOWED;
	return DECISION_ALLOWED;
}

static void test_all05_full_decision_table(void **state)
{
	(void)state;
	struct policy *p = load_text(table_profile);
	int name = policy_category_index(p, "name"), email = policy_category_index(p, "email");
	int cats[] = {name, email};
	int member = policy_subject_index(p, "member");
	static const char *const purposes[] = {"p_required", "p_opt_in", "p_opt_out", "p_notice"};
	static const enum basis want_basis[] = {BASIS_REQUIRED, BASIS_OPT_IN, BASIS_OPT_OUT,
						BASIS_NOTICE};
	int rows = 0;
	for (size_t pi = 0; pi < 4; pi++) {
		int purpose = policy_purpose_index(p, purposes[pi]);
		assert_int_equal(p->purposes[purpose].basis, want_basis[pi]);
		for (int consent = CONSENT_UNSET; consent <= CONSENT_OFF; consent++)
			for (int ac = 0; ac < AC_COUNT; ac++)
				for (int pending = 0; pending <= 1; pending++) {
					struct decision_input in = {
						.purpose = purpose,
						.categories = cats,
						.ncategories = 2,
						.subject = member,
						.role = -1,
						.recipient = -1,
						.consent = (enum consent_state)consent,
						.pending = pending != 0,
					};
					switch ((enum actor_case)ac) {
					case AC_SELF:
						in.actor = ACTOR_SELF;
						break;
					case AC_SYSTEM:
						in.actor = ACTOR_SYSTEM;
						break;
					case AC_STAFF_ROLE:
						in.actor = ACTOR_STAFF;
						in.role = policy_role_index(p, "all");
						break;
					case AC_STAFF_OTHER_ROLE:
						in.actor = ACTOR_STAFF;
						in.role = policy_role_index(p, "verifier");
						break;
					case AC_STAFF_NO_ROLE:
						in.actor = ACTOR_STAFF;
						break;
					case AC_RECIPIENT:
						in.actor = ACTOR_RECIPIENT;
						in.recipient = policy_recipient_index(p, "full");
						break;
					case AC_RECIPIENT_NO_FIELD:
						in.actor = ACTOR_RECIPIENT;
						in.recipient = policy_recipient_index(p, "partial");
						break;
					case AC_RECIPIENT_NO_PURPOSE:
						in.actor = ACTOR_RECIPIENT;
						in.recipient = policy_recipient_index(p, "other");
						break;
					case AC_RECIPIENT_NONE:
						in.actor = ACTOR_RECIPIENT;
						break;
					case AC_COUNT:
						break;
					}
					enum decision_reason want = expected(
						want_basis[pi], (enum consent_state)consent,
						(enum actor_case)ac, pending != 0, pi == 0);
					enum decision_reason got = policy_decide(p, &in);
					if (got != want)
						fail_msg("%s consent=%d actor=%d pending=%d: got "
							 "%s, want %s",
							 purposes[pi], consent, ac, pending,
							 policy_reason_code(got),
							 policy_reason_code(want));
					rows++;
				}
	}
	assert_int_equal(rows, 4 * 3 * AC_COUNT * 2);
	policy_free(p);
}

/* The checks before the actor, and their order. */
static void test_decision_precedence(void **state)
{
	(void)state;
	struct policy *p = load_text(table_profile);
	int name = policy_category_index(p, "name"), email = policy_category_index(p, "email");
	int vin = policy_category_index(p, "vin"), phone = policy_category_index(p, "phone");
	int member = policy_subject_index(p, "member"),
	    visitor = policy_subject_index(p, "visitor");
	int req = policy_purpose_index(p, "p_required"), in_ = policy_purpose_index(p, "p_opt_in");
	int verify = policy_purpose_index(p, "verify");
	int all = policy_role_index(p, "all"), verifier = policy_role_index(p, "verifier");
	int full = policy_recipient_index(p, "full");
	int c_email[] = {email}, c_bad[] = {email, -1}, c_big[] = {(int)p->ncategories};
	int c_phone[] = {phone}, c_phone_vin[] = {phone, vin}, c_vin_phone[] = {vin, phone};
	int c_vin[] = {vin}, c_vin_name[] = {vin, name}, c_name[] = {name};
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
		/* 1: the purpose */
		{-1, c_email, 1, member, ACTOR_SELF, -1, -1, CONSENT_ON, false,
		 DENY_UNKNOWN_PURPOSE},
		{(int)p->npurposes, c_email, 1, member, ACTOR_SELF, -1, -1, CONSENT_ON, false,
		 DENY_UNKNOWN_PURPOSE},
		/* 2: unknown categories, before coverage */
		{req, c_bad, 2, member, ACTOR_SELF, -1, -1, CONSENT_ON, false,
		 DENY_UNKNOWN_CATEGORY},
		{req, c_big, 1, member, ACTOR_SELF, -1, -1, CONSENT_ON, false,
		 DENY_UNKNOWN_CATEGORY},
		/* 3: coverage; an identifier makes it the NAM06 lock wherever it is */
		{req, c_phone, 1, member, ACTOR_SELF, -1, -1, CONSENT_ON, false,
		 DENY_CATEGORY_NOT_COVERED},
		{req, c_vin, 1, member, ACTOR_SELF, -1, -1, CONSENT_ON, false,
		 DENY_IDENTIFIER_LOCK},
		{req, c_phone_vin, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_ON, false,
		 DENY_IDENTIFIER_LOCK},
		{req, c_vin_phone, 2, member, ACTOR_SYSTEM, -1, -1, CONSENT_ON, false,
		 DENY_IDENTIFIER_LOCK},
		/* ...and comes before the subject */
		{req, c_phone, 1, visitor, ACTOR_SYSTEM, -1, -1, CONSENT_ON, false,
		 DENY_CATEGORY_NOT_COVERED},
		/* 4: the subject, before the actor */
		{req, c_email, 1, visitor, ACTOR_SELF, -1, -1, CONSENT_ON, false,
		 DENY_SUBJECT_NOT_COVERED},
		{req, c_email, 1, visitor, ACTOR_STAFF, -1, -1, CONSENT_ON, false,
		 DENY_SUBJECT_NOT_COVERED},
		/* 5: staff under verification read the VIN; other roles do not */
		{verify, c_vin_name, 2, member, ACTOR_STAFF, verifier, -1, CONSENT_UNSET, false,
		 DECISION_ALLOWED},
		{verify, c_vin, 1, member, ACTOR_STAFF, all, -1, CONSENT_UNSET, false,
		 DECISION_ALLOWED},
		{in_, c_email, 1, member, ACTOR_STAFF, verifier, -1, CONSENT_ON, false,
		 DENY_ROLE_LACKS_PURPOSE},
		{in_, c_email, 1, member, ACTOR_STAFF, (int)p->nroles, -1, CONSENT_ON, false,
		 DENY_ROLE_LACKS_PURPOSE},
		/* a recipient never gets an identifier, even under verification */
		{verify, c_vin, 1, member, ACTOR_RECIPIENT, -1, full, CONSENT_ON, false,
		 DENY_IDENTIFIER_LOCK},
		{verify, c_name, 1, member, ACTOR_RECIPIENT, -1, full, CONSENT_ON, false,
		 DENY_RECIPIENT_NOT_ALLOWED},
		{req, c_email, 1, member, ACTOR_RECIPIENT, -1, (int)p->nrecipients, CONSENT_ON,
		 false, DENY_RECIPIENT_NOT_ALLOWED},
		/* 6: the member sees their own VIN under verification (NAM13) */
		{verify, c_vin, 1, member, ACTOR_SELF, -1, -1, CONSENT_OFF, true, DECISION_ALLOWED},
		/* a request of no category is judged on the rest */
		{in_, NULL, 0, member, ACTOR_SYSTEM, -1, -1, CONSENT_UNSET, false, DENY_NO_CONSENT},
		/* an actor the table does not know */
		{req, c_email, 1, member, (enum actor_kind)42, -1, -1, CONSENT_ON, false,
		 DENY_ROLE_LACKS_PURPOSE},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct decision_input in = {rows[i].purpose,   rows[i].cats,	rows[i].ncats,
					    rows[i].subject,   rows[i].actor,	rows[i].role,
					    rows[i].recipient, rows[i].consent, rows[i].pending};
		enum decision_reason got = policy_decide(p, &in);
		if (got != rows[i].want)
			fail_msg("row %zu: got %s, want %s", i, policy_reason_code(got),
				 policy_reason_code(rows[i].want));
	}
	policy_free(p);
}

static void test_nam13_member_sees_own_data_under_any_covering_purpose(void **state)
{
	(void)state;
	struct policy *p = good();
	int email = policy_category_index(p, "email"), name = policy_category_index(p, "name");
	int member = policy_subject_index(p, "member");
	int cats[] = {name, email};
	/* Whatever the member chose, and even during a notice period. */
	int checked = 0;
	for (size_t pi = 0; pi < p->npurposes; pi++) {
		const struct policy_purpose *pu = &p->purposes[pi];
		if (!policy_purpose_covers(pu, email) || !policy_purpose_covers(pu, name))
			continue;
		for (int consent = CONSENT_UNSET; consent <= CONSENT_OFF; consent++) {
			struct decision_input in = {
				(int)pi,    cats, 2,  member,
				ACTOR_SELF, -1,	  -1, (enum consent_state)consent,
				true};
			assert_int_equal(policy_decide(p, &in), DECISION_ALLOWED);
			checked++;
		}
	}
	assert_true(checked >= 6);
	/* But not data the purpose does not use. */
	int vin[] = {policy_category_index(p, "vin")};
	struct decision_input in = {policy_purpose_index(p, "news"),
				    vin,
				    1,
				    member,
				    ACTOR_SELF,
				    -1,
				    -1,
				    CONSENT_ON,
				    false};
	assert_int_equal(policy_decide(p, &in), DENY_IDENTIFIER_LOCK);
	policy_free(p);
}

static void test_reason_codes(void **state)
{
	(void)state;
	static const char *const codes[DECISION_REASON_COUNT] = {
		"allowed",
		"unknown_purpose",
		"unknown_category",
		"category_not_covered",
		"subject_not_covered",
		"role_lacks_purpose",
		"recipient_not_allowed",
		"no_consent",
		"opted_out",
		"pending_notice",
		"identifier_lock",
	};
	for (int r = 0; r < DECISION_REASON_COUNT; r++) {
		assert_string_equal(policy_reason_code((enum decision_reason)r), codes[r]);
		const char *m = policy_reason_message((enum decision_reason)r);
		assert_true(strlen(m) > 10);
		assert_int_equal(m[strlen(m) - 1], '.');
	}
	assert_string_equal(policy_reason_code(DECISION_REASON_COUNT), "unknown");
	assert_string_equal(policy_purpose_kind_name(PK_PUBLIC_CONTENT), "public_content");
	assert_string_equal(policy_purpose_kind_name(PK_COUNT), "?");
	assert_string_equal(policy_basis_name(BASIS_OPT_OUT), "opt_out");
	assert_string_equal(policy_basis_name(BASIS_COUNT), "?");
	assert_string_equal(policy_recipient_kind_name(RK_SERVICE_PROVIDER), "service_provider");
	assert_string_equal(policy_recipient_kind_name(RK_COUNT), "?");
}

/* ---- revisions (INS14, NAM10) ---- */

#define HEAD(contact, settings)                                                                    \
	"profile: rev\nversion: 1\neffective: 2024-01-01\nsite: {name: Rev}\n"                     \
	"contact: " contact "\nsettings: " settings "\nsubjects: [{id: member}]\n" NOTICE_TAIL

static const char old_profile[] =
	HEAD("{email: a@example.org}",
	     "{minimum_age: 13, vin_check: strict, accepted_makes: "
	     "[MINI]}") "categories:\n"
			"  - {id: name, label: Name}\n"
			"  - {id: email, label: E-mail}\n"
			"  - {id: phone, label: Phone number}\n"
			"  - {id: vin, label: VIN, identifier: true}\n"
			"purposes:\n"
			"  - {id: account, label: Account, description: "
			"D, kind: account, basis: required,"
			" subjects: [member], categories: [name, email], "
			"retention: {name: account, email: account}}\n"
			"  - {id: news, label: News, description: D, "
			"kind: communication, basis: opt_in,"
			" subjects: [member], categories: [email], "
			"retention: {email: account}}\n"
			"  - {id: offers, label: Partner offers, "
			"description: D, kind: affiliate_offers,"
			" basis: opt_out, subjects: [member], "
			"categories: [name], retention: {name: 1y}}\n"
			"  - {id: calls, label: Call-backs, description: "
			"D, kind: support, basis: required,"
			" subjects: [member], categories: [phone], "
			"retention: {phone: 30d}}\n"
			"  - {id: verify, label: Verification, "
			"description: D, kind: verification,"
			" basis: required, subjects: [member], "
			"categories: [vin], retention: {vin: account}}\n"
			"recipients:\n"
			"  - {id: sister, name: Sister Co, kind: "
			"affiliate, contract: C1,"
			" policy_url: https://www.sister-co.co.uk, purposes: "
			"[offers], fields: [name]}\n"
			"  - {id: printer, name: Printer, kind: "
			"service_provider, contract: C2,"
			" purposes: [news], fields: [email]}\n"
			"  - {id: old_partner, name: Old partner, kind: "
			"service_provider, contract: C3,"
			" purposes: [calls], fields: [phone]}\n"
			"collection_points:\n"
			"  - {id: signup, label: Sign-up, purpose: "
			"account, subject: member,"
			" fields: [{category: name, required: true}, "
			"{category: email, required: true}]}\n"
			"  - {id: callback, label: Call-back form, "
			"purpose: calls, subject: member,"
			" fields: [{category: phone}]}\n"
			"staff_roles:\n"
			"  - {id: support, purposes: [calls]}\n"
			"  - {id: verifier, purposes: [verify]}\n";

static const char new_profile[] =
	HEAD("{email: b@example.org}",
	     "{minimum_age: 16, vin_check: lenient, accepted_makes: [MINI, "
	     "BMW]}") "categories:\n"
		      "  - {id: name, label: Name}\n"
		      "  - {id: email, label: E-mail}\n"
		      "  - {id: vin, label: VIN, identifier: true}\n"
		      "  - {id: postal, label: Postal address}\n"
		      "purposes:\n"
		      "  - {id: account, label: Account, description: "
		      "Reworded., kind: account, basis: required,"
		      " subjects: [member], categories: [email, name], "
		      "retention: {email: account, name: account}}\n"
		      "  - {id: news, label: News, description: D, kind: "
		      "communication, basis: opt_out,"
		      " subjects: [member], categories: [email, name], "
		      "retention: {email: account, name: account}}\n"
		      "  - {id: offers, label: Partner offers, description: "
		      "D, kind: affiliate_offers,"
		      " basis: opt_out, subjects: [member], categories: "
		      "[name, email],"
		      " retention: {name: 2y, email: 2y}}\n"
		      "  - {id: verify, label: Verification, description: D, "
		      "kind: verification,"
		      " basis: required, subjects: [member], categories: "
		      "[vin], retention: {vin: account}}\n"
		      "  - {id: delivery, label: Delivery, description: D, "
		      "kind: fulfilment, basis: required,"
		      " subjects: [member], categories: [name, postal], "
		      "retention: {name: until_done, postal: until_done}}\n"
		      "  - {id: surveys, label: Surveys, description: D, "
		      "kind: communication, basis: opt_in,"
		      " subjects: [member], categories: [email], retention: "
		      "{email: account}}\n"
		      "recipients:\n"
		      "  - {id: sister, name: Sister Co, kind: affiliate, "
		      "contract: C1,"
		      " policy_url: https://www.sister-co.co.uk, purposes: "
		      "[offers], fields: [name, email]}\n"
		      "  - {id: printer, name: Printer, kind: "
		      "service_provider, contract: C2,"
		      " purposes: [news, delivery], fields: [email, name, "
		      "postal]}\n"
		      "  - {id: carrier, name: Carrier, kind: "
		      "service_provider, contract: C4,"
		      " purposes: [delivery], fields: [name, postal]}\n"
		      "collection_points:\n"
		      "  - {id: signup, label: Sign-up, purpose: account, "
		      "subject: member,"
		      " fields: [{category: name, required: true}, {category: "
		      "email, required: false}]}\n"
		      "  - {id: order, label: Order form, purpose: delivery, "
		      "subject: member,"
		      " fields: [{category: name}, {category: postal}]}\n"
		      "staff_roles:\n"
		      "  - {id: support, purposes: [account]}\n"
		      "  - {id: verifier, purposes: [verify]}\n"
		      "  - {id: mailer, purposes: [news]}\n";

/* Two versions that differ only in the notice's own statements. */
#define NOTICE_HEAD                                                                                \
	"profile: rev\nversion: 1\neffective: 2024-01-01\nsite: {name: Rev}\n"                     \
	"contact: {email: a@example.org}\nsettings: {minimum_age: 13}\nsubjects: [{id: member}]\n"
#define NOTICE_BODY                                                                                \
	"categories:\n  - {id: name, label: Name}\npurposes:\n"                                    \
	"  - {id: account, label: A, description: D, kind: account, basis: required,"              \
	" subjects: [member], categories: [name], retention: {name: account}}\n"
static const char notice_old[] = NOTICE_HEAD NOTICE_TAIL NOTICE_BODY;
static const char notice_new[] =
	NOTICE_HEAD "scope: {sites: [t.example, u.example], statement: S.}\nsecurity: [S., T.]\n"
		    "cookies:\n"
		    "  - {name: gb_presession, purpose: strictly_necessary, lifetime: session, "
		    "holds: T.}\n"
		    "  - {name: gb_staff, purpose: strictly_necessary, lifetime: 12h, holds: T.}\n"
		    "  - {name: gb_staff_browser, purpose: strictly_necessary, lifetime: 180d, "
		    "holds: T.}\n"
		    "  - {name: gb_extra, purpose: account, lifetime: 1d, holds: U.}\n" NOTICE_BODY;

static void test_diff_lists_scope_safeguards_and_cookies(void **state)
{
	(void)state;
	struct policy *o = load_text(notice_old), *n = load_text(notice_new);
	static const char *const want[] = {
		"What this notice covers changed.",
		"Our security safeguards changed.",
		"Cookie gb_staff: what it holds, what it is for or how long it lives changed.",
		"New cookie: gb_extra.",
	};
	size_t nlines;
	char **lines = policy_diff(o, n, &nlines);
	assert_int_equal(nlines, ARRAY_LEN(want));
	for (size_t i = 0; i < nlines; i++)
		assert_string_equal(lines[i], want[i]);
	policy_diff_free(lines, nlines);
	/* And back: the cookie is no longer set. */
	lines = policy_diff(n, o, &nlines);
	assert_string_equal(lines[nlines - 1], "Cookie no longer set: gb_extra.");
	policy_diff_free(lines, nlines);
	policy_free(o);
	policy_free(n);
}

static void test_ins14_diff_lists_every_change_in_order(void **state)
{
	(void)state;
	struct policy *o = load_text(old_profile), *n = load_text(new_profile);
	static const char *const want[] = {
		"New kind of data collected: Postal address.",
		"No longer collected: Phone number.",
		"News: your choice changed from opt_in to opt_out.",
		"News now uses: email, name.",
		"News: how long data is kept changed.",
		"Partner offers now uses: name, email.",
		"Partner offers: how long data is kept changed.",
		"New purpose: Delivery (required).",
		"New purpose: Surveys (opt_in).",
		"Purpose withdrawn: Call-backs.",
		"Sister Co now receives: name, email.",
		"Printer now receives: email, name, postal.",
		"Printer now receives data for: news, delivery.",
		"New recipient: Carrier (service_provider).",
		"No longer a recipient: Old partner.",
		"Form Sign-up now asks for different information.",
		"New form: Order form.",
		"Form withdrawn: Call-back form.",
		"Staff role support now serves: account.",
		"New staff role: mailer.",
		"Our contact details changed.",
		"Minimum age changed from 13 to 16.",
		("Vehicle identification numbers are now checked leniently (without the check "
		 "digit)."),
		"Cars accepted in the garage: MINI, BMW.",
	};
	size_t nlines;
	char **lines = policy_diff(o, n, &nlines);
	bool same = nlines == sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; same && i < nlines; i++)
		same = strcmp(lines[i], want[i]) == 0;
	if (!same) {
		for (size_t i = 0; i < nlines; i++)
			fprintf(stderr, "  diff: %s\n", lines[i]);
		fail_msg("policy_diff gave other lines than expected");
	}
	assert_null(lines[nlines]);
	policy_diff_free(lines, nlines);

	/* Deterministic: the same call gives the same lines. */
	char **again = policy_diff(o, n, &nlines);
	assert_string_equal(again[0], want[0]);
	assert_string_equal(again[nlines - 1], want[nlines - 1]);
	policy_diff_free(again, nlines);

	/* The account purpose lists its categories in another order and its
	 * description is reworded: no line for it. Unchanged profiles report
	 * wording only. */
	lines = policy_diff(o, o, &nlines);
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0],
			    "Wording only; no change in what is collected or how it is used.");
	assert_null(lines[1]);
	policy_diff_free(lines, nlines);
	policy_free(o);
	policy_free(n);
}

static void test_nam10_new_uses(void **state)
{
	(void)state;
	struct policy *o = load_text(old_profile), *n = load_text(new_profile);
	struct policy_new_use uses[16];
	/* news asks less consent and uses name; offers keeps name longer and
	 * uses email; delivery is new (required); sister and printer receive
	 * more, and carrier is new. Not surveys (new but opt_in), not account
	 * (same categories in another order), not verify. (Issue 12 made a
	 * basis, a retention and a recipient widenings too: the count grew.) */
	static const struct {
		enum policy_widening what;
		const char *purpose;
	} want[] = {
		{WIDEN_BASIS, "news"},		 {WIDEN_CATEGORY, "news"},
		{WIDEN_RETENTION, "offers"},	 {WIDEN_CATEGORY, "offers"},
		{WIDEN_PURPOSE, "delivery"},	 {WIDEN_RECIPIENT_FIELD, "offers"},
		{WIDEN_RECIPIENT_FIELD, "news"}, {WIDEN_RECIPIENT_PURPOSE, "delivery"},
		{WIDEN_RECIPIENT, "delivery"},
	};
	size_t k = policy_new_uses(o, n, uses, 16);
	assert_int_equal(k, ARRAY_LEN(want));
	for (size_t i = 0; i < k; i++) {
		assert_int_equal(uses[i].what, want[i].what);
		assert_string_equal(n->purposes[uses[i].purpose].id, want[i].purpose);
	}
	/* The output is capped; the count is not. */
	assert_int_equal(policy_new_uses(o, n, uses, 2), ARRAY_LEN(want));
	assert_int_equal(policy_new_uses(o, n, NULL, 0), ARRAY_LEN(want));
	/* Backwards: calls is "new" to the newer profile's view, and so is the
	 * old partner that served it; news asks more consent there, offers
	 * keeps less for less time. */
	k = policy_new_uses(n, o, uses, 16);
	assert_int_equal(k, 2);
	assert_int_equal(uses[0].what, WIDEN_PURPOSE);
	assert_string_equal(o->purposes[uses[0].purpose].id, "calls");
	assert_int_equal(uses[1].what, WIDEN_RECIPIENT);
	assert_string_equal(o->recipients[uses[1].recipient].id, "old_partner");
	assert_int_equal(policy_new_uses(o, o, uses, 16), 0);
	policy_free(o);
	policy_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_broken_profile_reports_its_one_problem),
		cmocka_unit_test(test_good_minimal_model),
		cmocka_unit_test(test_ins01_negated_wording_is_accepted),
		cmocka_unit_test(test_dates_and_durations),
		cmocka_unit_test(test_limits_and_input_shape),
		cmocka_unit_test(test_bom_and_crlf_load),
		cmocka_unit_test(test_anchors_and_aliases_resolve),
		cmocka_unit_test(test_several_problems_in_file_order),
		cmocka_unit_test(test_diagnostics_are_capped),
		cmocka_unit_test(test_unknown_kind_message_fits),
		cmocka_unit_test(test_policy_links_and_cookie_lifetimes),
		cmocka_unit_test(test_bundled_profiles_load_clean),
		cmocka_unit_test(test_all05_full_decision_table),
		cmocka_unit_test(test_decision_precedence),
		cmocka_unit_test(test_nam13_member_sees_own_data_under_any_covering_purpose),
		cmocka_unit_test(test_reason_codes),
		cmocka_unit_test(test_ins14_diff_lists_every_change_in_order),
		cmocka_unit_test(test_diff_lists_scope_safeguards_and_cookies),
		cmocka_unit_test(test_nam10_new_uses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
