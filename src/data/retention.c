/*
 * retention: the purge pass (see retention.h). Each kind of record that
 * holds personal data has a target here: which collection point's purpose
 * governs it, the category whose retention decides, and how to find and
 * purge expired records. Purging erases the record's data subject
 * (crypto-shredding its data key) and deletes the row.
 */
#include "retention.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "log.h"
#include "policy.h"
#include "ratelimit.h"
#include "remember.h"
#include "store.h"
#include "ticker.h"

struct retention_target {
	const char *name;            /* for the log: counts only */
	const char *collection;      /* collection point whose purpose governs */
	const char *category;        /* the category whose retention decides */
	const char *sql_done_before; /* rows done at or before $1: id, subject_id */
	const char *sql_created_before;
	const char *sql_done;        /* rows done at all (retention until_done) */
	const char *sql_delete;      /* $1 = id */
};

static const struct retention_target targets[] = {
	{
		"contact_messages",
		"contact",
		"contact_return_address",
		"SELECT id, subject_id FROM contact_messages WHERE answered_at IS NOT NULL "
		"AND answered_at <= $1",
		"SELECT id, subject_id FROM contact_messages WHERE created_at <= $1",
		"SELECT id, subject_id FROM contact_messages WHERE answered_at IS NOT NULL",
		"DELETE FROM contact_messages WHERE id = $1",
	},
};

#define MAX_BATCH 500

struct victims {
	int64_t id[MAX_BATCH], subject[MAX_BATCH];
	size_t n;
};

static int victim_cb(void *ctx, const struct store_row *row)
{
	struct victims *v = ctx;
	if (v->n >= MAX_BATCH)
		return 1;
	v->id[v->n] = row->cols[0].i;
	v->subject[v->n] = row->cols[1].i;
	v->n++;
	return 0;
}

/* Picks the statement and cut-off for a target under the profile, or
 * NULL when its data is kept as long as the account (or the profile does
 * not collect it). */
static const char *rule_for(const struct retention_target *t, int64_t now, int64_t *cutoff)
{
	const struct policy *p = app.policy;
	int ci = policy_collection_index(p, t->collection);
	int cat = policy_category_index(p, t->category);
	if (ci < 0 || cat < 0)
		return NULL;
	const struct policy_retention *r =
		policy_retention_for(&p->purposes[p->collections[ci].purpose], cat);
	if (!r)
		return NULL;
	*cutoff = now;
	switch (r->kind) {
	case RET_ACCOUNT:
		return NULL;
	case RET_UNTIL_DONE:
		return t->sql_done;
	case RET_DURATION:
		*cutoff = now - r->seconds;
		return r->after_done ? t->sql_done_before : t->sql_created_before;
	}
	return NULL;
}

static int64_t purge_target(const struct retention_target *t, int64_t now)
{
	int64_t cutoff, total = 0;
	const char *sql = rule_for(t, now, &cutoff);
	if (!sql)
		return 0;
	for (;;) {
		struct victims v = {.n = 0};
		struct store_val p[] = {SV_INT(cutoff)};
		if (store_query(app.store, sql, p, 1, victim_cb, &v) < 0)
			return -1;
		if (v.n == 0)
			break;
		struct store_conn *c = store_acquire(app.store);
		int rc = store_begin(c);
		for (size_t i = 0; rc == 0 && i < v.n; i++) {
			struct store_val id[] = {SV_INT(v.id[i])};
			if (store_exec(c, t->sql_delete, id, 1, NULL, NULL) < 0 ||
			    broker_subject_erase(c, v.subject[i]) != 0)
				rc = -1;
		}
		if (rc == 0)
			rc = store_commit(c);
		else
			store_rollback(c);
		store_release(c);
		if (rc != 0)
			return -1;
		total += (int64_t)v.n;
		if (v.n < MAX_BATCH)
			break;
	}
	if (total)
		log_info("retention: purged %lld %s record(s) (category %s)", (long long)total, t->name,
			 t->category);
	return total;
}

int64_t retention_run(int64_t now)
{
	int64_t total = 0;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		int64_t n = purge_target(&targets[i], now);
		if (n < 0) {
			log_error("retention: the pass over %s failed", targets[i].name);
			return -1;
		}
		total += n;
	}
	int64_t devices = remember_purge(now);
	if (devices < 0) {
		log_error("retention: the pass over remembered devices failed");
		return -1;
	}
	return total + devices;
}

int retention_parse_time(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*s && !*end && v >= 0) {
		*out = v;
		return 0;
	}
	struct tm tm = {0};
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || *end)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static struct ticker *worker;

static void retention_tick(void *arg)
{
	int64_t now = (int64_t)time(NULL);
	retention_run(now);
	ratelimit_purge(now);
}

int retention_start(unsigned interval_seconds)
{
	if (interval_seconds == 0)
		return 0;
	worker = ticker_start(interval_seconds * 1000u, true, retention_tick, NULL);
	return worker ? 0 : -1;
}

void retention_stop(void)
{
	ticker_stop(worker);
	worker = NULL;
}
