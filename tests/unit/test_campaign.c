/*
 * Unit tests for campaigns (NAM08, INS05, ALL06) and the policy-change
 * notices (NAM10) on a real SQLite store with the bundled
 * north-american-motoring profile: the unsubscribe token (made and opened,
 * naming no one, a changed byte or an old token refused, the first
 * version's tokens refused, a link from before a re-subscription doing
 * nothing), the audience rule (the broker's
 * decision and a confirmed, deliverable address), the role rule, what a
 * campaign message carries, the one-click withdrawal, and a revision's
 * notice queued once to the member's address.
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

#include "app.h"
#include "boot.h"
#include "broker.h"
#include "buf.h"
#include "campaign.h"
#include "config.h"
#include "crypto.h"
#include "mem.h"
#include "notices.h"
#include "policy.h"
#include "privacy.h"
#include "record.h"
#include "store.h"

#include "fixture.h"

#include <cmocka.h>

#define DAY	86400
#define PROFILE "north-american-motoring"
#define NEWS	"member_news"

static int setup(void **state)
{
	if (fixture_open(PROFILE) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return fixture_close();
}

/* ---- helpers ---- */

static const char *const account_categories[] = {"name", "email", "date_of_birth"};
static const char *const email_category[] = {"email"};
static const char *const message_column[] = {"message"};

/* A member as sign-up leaves one, with the address confirmed or not, and
 * a yes to member news or not. */
static int64_t member(const char *email, bool confirmed, bool news)
{
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	enum decision_reason why;
	int64_t id, now = (int64_t)time(NULL);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(
		broker_subject_new(c, "member", "account", account_categories, 3, 0, &id, &g, &why),
		0);
	const struct record_field fields[] = {
		{"name", SV_TEXT("Ann Driver")},
		{"email", SV_TEXT(email)},
		{"date_of_birth", SV_TEXT("1970-01-01")},
		{"password_hash", SV_TEXT("not a hash")},
		{"created_at", SV_INT(now)},
		{"email_confirmed_at", confirmed ? SV_INT(now) : SV_NULL},
	};
	assert_int_equal(
		record_insert(c, g, "members", id, fields, sizeof(fields) / sizeof(fields[0])), 1);
	broker_grant_free(g);
	if (news)
		assert_int_equal(broker_consent_set(c, id, NEWS, true, "form"), 0);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	return id;
}

struct rows {
	int64_t ids[16];
	size_t n;
};

static int rows_cb(void *ctx, const struct store_row *row)
{
	struct rows *r = ctx;
	if (r->n < sizeof(r->ids) / sizeof(r->ids[0]))
		r->ids[r->n++] = row->cols[0].i;
	return 0;
}

/* The outbox rows of purpose whose subject is member (ids). */
static struct rows outbox_of(int64_t subject, const char *purpose)
{
	struct rows r = {.n = 0};
	struct store_val v[] = {SV_INT(subject), SV_TEXT(purpose)};
	assert_true(
		store_query(
			app.store,
			"SELECT id FROM outbox WHERE subject_id = $1 AND purpose = $2 ORDER BY id",
			v, STORE_NPARAMS(v), rows_cb, &r) >= 0);
	return r;
}

static int64_t count(const char *sql)
{
	struct rows r = {.n = 0};
	assert_true(store_query(app.store, sql, NULL, 0, rows_cb, &r) >= 0);
	assert_int_equal(r.n, 1);
	return r.ids[0];
}

/* A queued message as it will leave, opened as glovebox itself under purpose. */
static char *message_of(int64_t subject, const char *purpose, int64_t row)
{
	struct store_conn *c = store_acquire(app.store);
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system, subject, purpose, email_category, 1, "send"};
	struct broker_grant *g;
	enum decision_reason why;
	struct record_text t = {0};
	assert_int_equal(broker_open(c, &use, &g, &why), 0);
	assert_int_equal(record_read(c, g, "outbox", row, message_column, 1, &t), 1);
	assert_non_null(t.p);
	char *copy = xstrndup(t.p, t.n);
	record_texts_release(&t, 1);
	broker_grant_free(g);
	store_release(c);
	return copy;
}

static int send_news(const char *purpose, const char *role, int64_t *queued, struct failure *f)
{
	struct campaign in = {purpose, "Club news", "We drive to the coast on Sunday.\n", role, 0};
	int64_t id = 0;
	return campaign_send(&in, &id, queued, f);
}

/* ---- the unsubscribe token ---- */

/* The first version's token, computed here as it did: the subject id in
 * clear, the day, 4 bytes of the keyed hash of the purpose, then 16 bytes
 * of the keyed hash of "glovebox-unsubsc" and those 16 bytes. */
static void first_version_token(int64_t subject, const char *purpose, int64_t at, char *out)
{
	unsigned char t[32], in[32], h[32];
	uint64_t day = (uint64_t)(at / DAY);
	for (int i = 7; i >= 0; i--, subject >>= 8)
		t[i] = (unsigned char)(subject & 0xff);
	for (int i = 11; i >= 8; i--, day >>= 8)
		t[i] = (unsigned char)(day & 0xff);
	crypto_token_hash(app.keys, purpose, strlen(purpose), h);
	memcpy(t + 12, h, 4);
	memcpy(in, "glovebox-unsubscribe:", 16);
	memcpy(in + 16, t, 16);
	crypto_token_hash(app.keys, (const char *)in, sizeof(in), h);
	memcpy(t + 16, h, 16);
	crypto_base64url(t, sizeof(t), out, 44);
}

/* A token's bytes. */
static void token_bytes(const char *token, unsigned char out[UNSUBSCRIBE_TOKEN_BYTES])
{
	size_t n = 0;
	assert_int_equal(crypto_unbase64url(token, out, UNSUBSCRIBE_TOKEN_BYTES, &n), 0);
	assert_int_equal(n, UNSUBSCRIBE_TOKEN_BYTES);
}

/* Whether the 8 bytes of id, in either byte order, sit anywhere in b. */
static bool id_inside(const unsigned char *b, size_t n, int64_t id)
{
	unsigned char be[8], le[8];
	for (int i = 0; i < 8; i++) {
		be[7 - i] = (unsigned char)((uint64_t)id >> (8 * i));
		le[i] = be[7 - i];
	}
	return memmem(b, n, be, sizeof(be)) || memmem(b, n, le, sizeof(le));
}

static void test_token_made_and_opened(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct campaign_link in = {4242, NEWS, 3}, out = {0};
	char token[UNSUBSCRIBE_TOKEN_CHARS + 1];
	campaign_token(&in, now, token);
	assert_int_equal(strlen(token), UNSUBSCRIBE_TOKEN_CHARS);
	assert_true(campaign_token_open(token, now, &out));
	assert_int_equal(out.subject, 4242);
	assert_string_equal(out.purpose, NEWS);
	assert_int_equal(out.ons, 3);
}

/* Issue 11: the first 8 bytes were the member's id in clear. */
static void test_token_names_no_one(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct campaign_link one = {4242, NEWS, 0}, next = {4243, NEWS, 0};
	char a[UNSUBSCRIBE_TOKEN_CHARS + 1], b[UNSUBSCRIBE_TOKEN_CHARS + 1];
	unsigned char ab[UNSUBSCRIBE_TOKEN_BYTES], bb[UNSUBSCRIBE_TOKEN_BYTES];
	campaign_token(&one, now, a);
	campaign_token(&next, now, b);
	token_bytes(a, ab);
	token_bytes(b, bb);
	assert_false(id_inside(ab, sizeof(ab), 4242));
	assert_false(id_inside(bb, sizeof(bb), 4243));
	/* Two members' links of one day share nothing readable: about as many
	 * equal bytes as chance gives (1 in 256), where the day, the purpose's
	 * tag and the id's high bytes used to be the same. */
	size_t same = 0;
	for (size_t i = 0; i < sizeof(ab); i++)
		same += ab[i] == bb[i];
	assert_true(same <= 6);
	assert_null(strstr(a, "4242"));
}

static void test_token_with_a_changed_byte_refused(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct campaign_link in = {4242, NEWS, 1}, out;
	char token[UNSUBSCRIBE_TOKEN_CHARS + 1];
	campaign_token(&in, now, token);
	/* Every character carries six whole bits of the token (48 characters
	 * hold its 36 bytes exactly). */
	for (size_t i = 0; i < UNSUBSCRIBE_TOKEN_CHARS; i++) {
		char changed[UNSUBSCRIBE_TOKEN_CHARS + 1];
		memcpy(changed, token, sizeof(changed));
		changed[i] = changed[i] == 'A' ? 'B' : 'A';
		assert_false(campaign_token_open(changed, now, &out));
	}
	assert_false(campaign_token_open("", now, &out));
	assert_false(campaign_token_open(NULL, now, &out));
	char longer[UNSUBSCRIBE_TOKEN_CHARS + 2];
	snprintf(longer, sizeof(longer), "%sA", token);
	assert_false(campaign_token_open(longer, now, &out));
}

static void test_token_too_old_refused(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct campaign_link in = {7, NEWS, 0}, out;
	char token[UNSUBSCRIBE_TOKEN_CHARS + 1];
	campaign_token(&in, now - UNSUBSCRIBE_DAYS * DAY, token);
	assert_true(campaign_token_open(token, now, &out));
	campaign_token(&in, now - (UNSUBSCRIBE_DAYS + 1) * DAY, token);
	assert_false(campaign_token_open(token, now, &out));
	/* Nor is one from a day still to come. */
	campaign_token(&in, now + 2 * DAY, token);
	assert_false(campaign_token_open(token, now, &out));
	struct failure f;
	const char *label;
	campaign_token(&in, now - (UNSUBSCRIBE_DAYS + 1) * DAY, token);
	assert_int_equal(campaign_unsubscribe_check(token, &label, &f), -1);
	assert_int_equal(f.err, ERR_BAD_UNSUBSCRIBE);
	assert_int_equal(err_status(&f), 404);
	char days[16];
	snprintf(days, sizeof(days), "%d days", UNSUBSCRIBE_DAYS);
	assert_non_null(strstr(err_message(&f), days));
}

/* Issue 11 on purpose: the first version's tokens named the member in
 * clear and outlived a re-subscription; links mailed with them stop
 * working (docs/operations.md says so). */
static void test_token_of_the_first_version_refused(void **state)
{
	int64_t now = (int64_t)time(NULL);
	int64_t m = member("old-link@example.org", true, true);
	struct campaign_link out;
	char old[44];
	first_version_token(m, NEWS, now - 3 * DAY, old);
	assert_false(campaign_token_open(old, now, &out));
	struct failure f;
	const char *label;
	assert_int_equal(campaign_unsubscribe(old, &label, &f), -1);
	assert_int_equal(f.err, ERR_BAD_UNSUBSCRIBE);
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(broker_consent_get(c, m, NEWS), CONSENT_ON);
	store_release(c);
}

/* ---- the role rule ---- */

static void test_role_must_grant_the_purpose(void **state)
{
	int64_t queued = -1;
	struct failure f;
	/* The editor's role grants member news; support's does not. */
	assert_int_equal(send_news(NEWS, "support", &queued, &f), -1);
	assert_int_equal(f.err, ERR_ROLE);
	assert_int_equal(err_status(&f), 403);
	assert_string_equal(err_field(&f), "purpose");
	/* Nor a purpose of someone else's role, nor one the profile lacks. */
	assert_int_equal(send_news("account", "editor", &queued, &f), -1);
	assert_int_equal(f.err, ERR_ROLE);
	assert_int_equal(send_news("telemarketing", "editor", &queued, &f), -1);
	assert_int_equal(f.err, ERR_ROLE);
	assert_int_equal(send_news(NEWS, "editor", &queued, &f), 0);
	assert_int_equal(queued, 0);
	/* The preview refuses alike, and says what the text will end with. */
	struct campaign in = {NEWS, "S", "Body.", "support", 0};
	json_t *preview = NULL;
	assert_int_equal(campaign_preview(&in, &preview, &f), -1);
	assert_int_equal(f.err, ERR_ROLE);
	in.role = "editor";
	assert_int_equal(campaign_preview(&in, &preview, &f), 0);
	assert_non_null(strstr(json_string_value(json_object_get(preview, "text")), "To stop it"));
	json_decref(preview);
	/* What each role may send: the page's list. */
	json_t *mine = campaign_purposes("editor");
	assert_int_equal(json_array_size(mine), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(mine, 0), "id")),
			    NEWS);
	json_decref(mine);
	json_t *none = campaign_purposes("support");
	assert_int_equal(json_array_size(none), 0);
	json_decref(none);
}

static void test_what_cannot_be_a_campaign(void **state)
{
	int64_t queued = -1;
	struct failure f;
	/* The operator at the command line has no role; the purpose still rules. */
	assert_int_equal(send_news("account", NULL, &queued, &f), -1);
	assert_int_equal(f.err, ERR_INVALID_CAMPAIGN);
	assert_int_equal(err_status(&f), 400);
	assert_non_null(strstr(err_message(&f), "not one for sending news"));
	assert_int_equal(send_news("telemarketing", NULL, &queued, &f), -1);
	assert_int_equal(f.err, ERR_INVALID_CAMPAIGN);
	struct campaign empty = {NEWS, "", "Body.", NULL, 0};
	int64_t id;
	assert_int_equal(campaign_send(&empty, &id, &queued, &f), -1);
	assert_int_equal(f.err, ERR_INVALID_CAMPAIGN);
	empty = (struct campaign){NEWS, "Subject", "", NULL, 0};
	assert_int_equal(campaign_send(&empty, &id, &queued, &f), -1);
	assert_int_equal(f.err, ERR_INVALID_CAMPAIGN);
}

/* ---- the audience rule ---- */

static void test_audience_is_the_brokers_decision(void **state)
{
	int64_t silent = member("silent@example.org", true, false);
	int64_t yes = member("yes@example.org", true, true);
	int64_t unconfirmed = member("unconfirmed@example.org", false, true);
	int64_t bounced = member("bounced@example.org", true, true);
	struct store_val b[] = {SV_INT(bounced)};
	assert_int_equal(store_query(app.store,
				     "UPDATE members SET email_undeliverable_at = 1 WHERE id = $1",
				     b, STORE_NPARAMS(b), NULL, NULL),
			 1);
	int64_t queued = -1;
	struct failure f;
	assert_int_equal(send_news(NEWS, "editor", &queued, &f), 0);
	assert_int_equal(queued, 1);
	assert_int_equal(outbox_of(silent, NEWS).n, 0);
	assert_int_equal(outbox_of(unconfirmed, NEWS).n, 0);
	assert_int_equal(outbox_of(bounced, NEWS).n, 0);
	struct rows got = outbox_of(yes, NEWS);
	assert_int_equal(got.n, 1);

	/* The message carries the one-click headers, the link and the contact. */
	char *msg = message_of(yes, NEWS, got.ids[0]);
	assert_non_null(strstr(msg, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
	assert_non_null(strstr(msg, "mailto:noreply@glovebox.invalid?subject=unsubscribe"));
	const char *link = strstr(msg, "/unsubscribe?token=");
	assert_non_null(link);
	char token[UNSUBSCRIBE_TOKEN_CHARS + 1];
	snprintf(token, sizeof(token), "%s", link + strlen("/unsubscribe?token="));
	free(msg);

	/* The campaign is listed with its audience's size. */
	json_t *list;
	assert_int_equal(campaign_list(&list, &f), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "recipients")),
			 1);
	json_decref(list);

	/* ALL06: the link's check changes nothing; the withdrawal is in the ledger at once. */
	const char *label = NULL;
	assert_int_equal(campaign_unsubscribe_check(token, &label, &f), 0);
	assert_string_equal(label, "Member news by e-mail");
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(broker_consent_get(c, yes, NEWS), CONSENT_ON);
	store_release(c);
	assert_int_equal(campaign_unsubscribe(token, &label, &f), 0);
	c = store_acquire(app.store);
	assert_int_equal(broker_consent_get(c, yes, NEWS), CONSENT_OFF);
	store_release(c);
	assert_int_equal(count("SELECT COUNT(*) FROM consents WHERE purpose = 'member_news' AND "
			       "via = 'link'"),
			 1);
	assert_int_equal(send_news(NEWS, NULL, &queued, &f), 0);
	assert_int_equal(queued, 0);
	assert_int_equal(outbox_of(yes, NEWS).n, 1);

	/* Posted again (a mail client, then the member): the same answer, and
	 * one withdrawal in the ledger. */
	assert_int_equal(campaign_unsubscribe(token, &label, &f), 0);
	char sql[160];
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM consent_events WHERE subject_id = %lld AND "
		 "purpose = 'member_news' AND state = 'off'",
		 (long long)yes);
	assert_int_equal(count(sql), 1);

	/* Issue 11: the member switches the news on again; the old link does
	 * nothing now (it switched them off again). */
	c = store_acquire(app.store);
	assert_int_equal(broker_consent_set(c, yes, NEWS, true, "api"), 0);
	store_release(c);
	assert_int_equal(campaign_unsubscribe_check(token, &label, &f), -1);
	assert_int_equal(f.err, ERR_BAD_UNSUBSCRIBE);
	assert_int_equal(campaign_unsubscribe(token, &label, &f), -1);
	assert_int_equal(f.err, ERR_BAD_UNSUBSCRIBE);
	c = store_acquire(app.store);
	assert_int_equal(broker_consent_get(c, yes, NEWS), CONSENT_ON);
	store_release(c);
	assert_int_equal(count(sql), 1);

	/* The next campaign's link works. */
	assert_int_equal(send_news(NEWS, NULL, &queued, &f), 0);
	assert_int_equal(queued, 1);
	got = outbox_of(yes, NEWS);
	assert_int_equal(got.n, 2);
	char fresh[UNSUBSCRIBE_TOKEN_CHARS + 1] = "";
	for (size_t i = 0; i < got.n; i++) {
		msg = message_of(yes, NEWS, got.ids[i]);
		link = strstr(msg, "/unsubscribe?token=");
		assert_non_null(link);
		if (strncmp(link + strlen("/unsubscribe?token="), token, strlen(token)) != 0)
			snprintf(fresh, sizeof(fresh), "%s", link + strlen("/unsubscribe?token="));
		free(msg);
	}
	assert_int_equal(strlen(fresh), UNSUBSCRIBE_TOKEN_CHARS);
	assert_int_equal(campaign_unsubscribe(fresh, &label, &f), 0);
	c = store_acquire(app.store);
	assert_int_equal(broker_consent_get(c, yes, NEWS), CONSENT_OFF);
	store_release(c);
}

/* ---- NAM10 notices ---- */

/* The bundled profile's text as version 2, adding an opt-out purpose for
 * data already held (as tests/api/test_profiles.py's revision() does). */
static struct policy *revision(void)
{
	const struct policy *p = app.policy;
	static const char anchor[] = "\n# NAM04: only what a request needs";
	static const char added[] =
		"\n  - id: club_surveys\n    label: Club surveys\n"
		"    description: Asking members what the club should do next.\n"
		"    kind: communication\n    basis: opt_out\n    subjects: [member]\n"
		"    categories: [email]\n    retention:\n      email: account\n"
		"    topics: [surveys]\n";
	const char *version = strstr(p->source, "version: 1\n");
	const char *at = strstr(p->source, anchor);
	assert_non_null(version);
	assert_non_null(at);
	assert_true(version < at);
	struct buf text;
	buf_init(&text, 0);
	buf_append(&text, p->source, (size_t)(version - p->source));
	buf_puts(&text, "version: 2\n");
	const char *rest = version + strlen("version: 1\n");
	buf_append(&text, rest, (size_t)(at - rest));
	buf_puts(&text, added);
	buf_puts(&text, at);
	struct policy_diags d = {0};
	struct policy *v2 = policy_load(text.data, text.len, &d);
	buf_release(&text);
	assert_non_null(v2);
	return v2;
}

static void test_nam10_notice_queued_once_to_the_members_address(void **state)
{
	assert_int_equal(privacy_publish(app.store, app.policy, stderr), 0);
	int64_t m = member("held@example.org", false, false);
	struct policy *v2 = revision();
	assert_int_equal(privacy_publish(app.store, v2, stderr), 0);
	assert_int_equal(privacy_publish(app.store, v2, stderr), 1);
	policy_free(v2);
	assert_int_equal(count("SELECT COUNT(*) FROM use_notices WHERE notified_at IS NULL"), 1);
	assert_int_equal(notices_pass(), 1);
	assert_int_equal(notices_pass(), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM use_notices WHERE notified_at IS NULL"), 0);
	struct rows got = outbox_of(m, "account");
	assert_int_equal(got.n, 1);
	char *msg = message_of(m, "account", got.ids[0]);
	assert_non_null(strstr(msg, "held@example.org"));
	assert_non_null(strstr(msg, "Club surveys"));
	assert_non_null(strstr(msg, "/privacy/v/2"));
	free(msg);
	/* The versions are published, each with what changed. */
	json_t *versions, *changes;
	struct failure f;
	assert_int_equal(privacy_versions(&versions, &f), 0);
	assert_int_equal(json_array_size(versions), 2);
	json_decref(versions);
	struct policy *p2;
	assert_int_equal(privacy_version(2, &p2, &changes, &f), 0);
	assert_int_equal(p2->version, 2);
	assert_true(json_array_size(changes) >= 1);
	policy_free(p2);
	json_decref(changes);
	assert_int_equal(privacy_version(3, &p2, &changes, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_token_made_and_opened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_with_a_changed_byte_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_token_too_old_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_names_no_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_of_the_first_version_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_role_must_grant_the_purpose, setup, teardown),
		cmocka_unit_test_setup_teardown(test_what_cannot_be_a_campaign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audience_is_the_brokers_decision, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_nam10_notice_queued_once_to_the_members_address, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
