/*
 * test_deliver: the group commit of the hand-overs' settles (deliver.c,
 * included for its static functions). Settles that arrive while a commit
 * is under way wait and are then committed together, each caller let go
 * only once its own is committed; a settle whose claim another process
 * took back is refused without holding back the rest of its group, and
 * one the store refuses spoils only its own transaction: the group is
 * written again one settle at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include "deliver.c"

#include "fixture.h"

#include <cmocka.h>

#define CLAIM "unit-claim"
#define GROUP 4

static int setup(void **state)
{
	return fixture_open("mini-insiders");
}

static int teardown(void **state)
{
	return fixture_close();
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

static int64_t count(const char *sql, const struct store_val *p, size_t n)
{
	int64_t v = -1;
	assert_true(store_query(app.store, sql, p, n, count_cb, &v) >= 0);
	return v;
}

static int64_t delivered_counter(void)
{
	struct store_val name[] = {SV_TEXT("handovers_delivered:bmw_bank")};
	int64_t v = count("SELECT value FROM counters WHERE name = $1", name, 1);
	return v < 0 ? 0 : v;
}

/* A confirmed member with a hand-over to bmw_bank queued, as sign-up and
 * the affiliate-offers choice make them. */
static void member_queued(int i)
{
	static const char *const cats[] = {"name", "email"};
	char email[64];
	snprintf(email, sizeof(email), "settle%d@example.org", i);
	int64_t now = (int64_t)time(NULL), id;
	struct broker_grant *g;
	enum decision_reason why;
	const struct record_field row[] = {
		{"name", SV_TEXT("Settle Member")},
		{"email", SV_TEXT(email)},
		{"password_hash", SV_TEXT("$argon2id$v=19$m=19456,t=2,p=1$unit$unit")},
		{"created_at", SV_INT(now)},
		{"email_confirmed_at", SV_INT(now)},
		{"age_stated_at", SV_INT(now)},
		{"age_stated_min", SV_INT(app.policy->settings.minimum_age)},
	};
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(broker_subject_new(c, "member", "insider_account", cats, ARRAY_LEN(cats),
					    0, &id, &g, &why),
			 0);
	assert_true(record_insert(c, g, "members", id, row, ARRAY_LEN(row)) >= 0);
	assert_int_equal(handover_queue(c, "bmw_bank", "affiliate_offers", id, "unit", &why), 1);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	broker_grant_free(g);
}

/* Claims every due hand-over under CLAIM into b. */
static void claim_all(struct batch *b)
{
	struct store_val take[] = {SV_TEXT(CLAIM), SV_INT((int64_t)time(NULL))};
	struct store_val mine[] = {SV_TEXT(CLAIM)};
	b->n = 0;
	assert_true(store_query(app.store, SQL_CLAIM, take, STORE_NPARAMS(take), NULL, NULL) >= 0);
	assert_true(store_query(app.store, SQL_CLAIMED, mine, STORE_NPARAMS(mine), due_cb, b) >= 0);
}

/* Removes a hand-over a test left in the queue, so the next starts empty. */
static void forget(int64_t id)
{
	struct store_val v[] = {SV_INT(id)};
	assert_true(store_query(app.store, "DELETE FROM handover_fields WHERE handover_id = $1", v,
				1, NULL, NULL) >= 0);
	assert_int_equal(
		store_query(app.store, "DELETE FROM handovers WHERE id = $1", v, 1, NULL, NULL), 1);
}

/* A delivery thread's settle of one delivered hand-over. */
struct settler {
	pthread_t thread;
	struct due *d;
	bool as_system; /* a disclosure the broker refuses to log */
	bool ok;
};

static void *settle_delivered(void *arg)
{
	struct settler *s = arg;
	char cats_text[CATEGORIES_MAX];
	const char *cats[HANDOVER_MAX_FIELDS];
	snprintf(cats_text, sizeof(cats_text), "%s", s->d->categories);
	size_t ncats = split(cats_text, cats, HANDOVER_MAX_FIELDS);
	struct broker_actor to = {s->as_system ? ACTOR_SYSTEM : ACTOR_RECIPIENT, 0, NULL,
				  s->d->recipient};
	struct broker_use use = {&to, s->d->subject, s->d->purpose, cats, ncats, "disclose"};
	s->ok = settle_done(s->d, CLAIM, &use);
	return NULL;
}

static size_t waiting_settles(void)
{
	size_t n = 0;
	pthread_mutex_lock(&settle_lock);
	for (struct settle *s = settle_waiting; s; s = s->next)
		n++;
	pthread_mutex_unlock(&settle_lock);
	return n;
}

/* Holds the group commit as if a commit were under way, starts one settle
 * per hand-over of b, waits until all of them are waiting, lets go. */
static void settle_as_a_group(struct batch *b, struct settler *s, size_t refused)
{
	pthread_mutex_lock(&settle_lock);
	settle_committing = true;
	pthread_mutex_unlock(&settle_lock);
	for (size_t i = 0; i < b->n; i++) {
		s[i] = (struct settler){.d = &b->items[i], .as_system = i == refused};
		assert_int_equal(pthread_create(&s[i].thread, NULL, settle_delivered, &s[i]), 0);
	}
	while (waiting_settles() < b->n)
		usleep(1000);
	/* None is let go while the commit before theirs is under way. */
	for (size_t i = 0; i < b->n; i++)
		assert_false(s[i].ok);
	pthread_mutex_lock(&settle_lock);
	settle_committing = false;
	pthread_cond_broadcast(&settle_done_cond);
	pthread_mutex_unlock(&settle_lock);
	for (size_t i = 0; i < b->n; i++)
		pthread_join(s[i].thread, NULL);
	assert_int_equal(waiting_settles(), 0);
}

static void test_settles_waiting_are_committed_together(void **state)
{
	for (int i = 0; i < GROUP; i++)
		member_queued(i);
	struct batch b;
	claim_all(&b);
	assert_int_equal(b.n, GROUP);
	int64_t logged = count("SELECT COUNT(*) FROM access_log", NULL, 0);
	int64_t counted = delivered_counter();
	struct settler s[GROUP];
	settle_as_a_group(&b, s, GROUP);
	for (int i = 0; i < GROUP; i++)
		assert_true(s[i].ok);
	assert_int_equal(count("SELECT COUNT(*) FROM handovers", NULL, 0), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM handover_fields", NULL, 0), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM access_log", NULL, 0), logged + GROUP);
	assert_int_equal(delivered_counter(), counted + GROUP);
}

static void test_a_claim_taken_back_does_not_hold_back_the_group(void **state)
{
	for (int i = 0; i < GROUP; i++)
		member_queued(100 + i);
	struct batch b;
	claim_all(&b);
	assert_int_equal(b.n, GROUP);
	/* Another process took the first one back (its claim timed out). */
	struct store_val other[] = {SV_INT(b.items[0].id)};
	assert_int_equal(store_query(app.store,
				     "UPDATE handovers SET claimed_by = 'other' WHERE id = $1",
				     other, 1, NULL, NULL),
			 1);
	int64_t logged = count("SELECT COUNT(*) FROM access_log", NULL, 0);
	int64_t counted = delivered_counter();
	struct settler s[GROUP];
	settle_as_a_group(&b, s, GROUP);
	assert_false(s[0].ok);
	for (int i = 1; i < GROUP; i++)
		assert_true(s[i].ok);
	assert_int_equal(count("SELECT COUNT(*) FROM handovers", NULL, 0), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM handovers WHERE id = $1", other, 1), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM access_log", NULL, 0), logged + GROUP - 1);
	assert_int_equal(delivered_counter(), counted + GROUP - 1);
	forget(b.items[0].id);
}

static void test_a_settle_the_store_refuses_spoils_only_its_own(void **state)
{
	for (int i = 0; i < GROUP; i++)
		member_queued(200 + i);
	struct batch b;
	claim_all(&b);
	assert_int_equal(b.n, GROUP);
	int64_t logged = count("SELECT COUNT(*) FROM access_log", NULL, 0);
	int64_t counted = delivered_counter();
	struct settler s[GROUP];
	settle_as_a_group(&b, s, 2);
	for (int i = 0; i < GROUP; i++)
		assert_int_equal(s[i].ok, i != 2);
	struct store_val refused[] = {SV_INT(b.items[2].id)};
	assert_int_equal(count("SELECT COUNT(*) FROM handovers", NULL, 0), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM handovers WHERE id = $1", refused, 1), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM access_log", NULL, 0), logged + GROUP - 1);
	assert_int_equal(delivered_counter(), counted + GROUP - 1);
	forget(b.items[2].id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settles_waiting_are_committed_together),
		cmocka_unit_test(test_a_claim_taken_back_does_not_hold_back_the_group),
		cmocka_unit_test(test_a_settle_the_store_refuses_spoils_only_its_own),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
