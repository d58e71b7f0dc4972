/*
 * retention: the purge pass (see retention.h) over the targets the record
 * layer declares (records.c): a table whose rows carry their own expiry is
 * cut at that time; a table whose retention the profile sets (a collection
 * point's purpose and a category) is cut by the profile's rule, counted
 * from collection or from completion. Purging deletes the row or erases its
 * data subject (crypto-shredding its data key), and afterwards nothing of
 * it is left in the database's files (record_scrub).
 */
#include "retention.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "buf.h"
#include "log.h"
#include "policy.h"
#include "ratelimit.h"
#include "record.h"
#include "store.h"
#include "ticker.h"

#define MAX_BATCH 500

/* The cut-offs a due clause compares with: $1, and $2 when there are two. */
struct cutoffs {
	struct store_val v[2];
	size_t n;
};

/* Which rows of a target are due: a WHERE clause over declared columns
 * with $1 (and $2) the cut-offs, or false when nothing of the target
 * expires under the profile in force. A row counted from completion that
 * never completes (a message never answered) is due the profile's
 * retention_not_done after collection, when it states one. */
static bool due_clause(const struct record_table *t, int64_t now, struct buf *where,
		       struct cutoffs *cut)
{
	const struct record_retention *ret = &t->retention;
	cut->v[0] = SV_INT(now);
	cut->n = 1;
	if (ret->expiry == EXPIRE_AT_COLUMN) {
		buf_printf(where, "%s <= $1", ret->expires_column);
		return true;
	}
	if (ret->expiry != EXPIRE_BY_PROFILE)
		return false;
	const struct policy *p = app.policy;
	int ci = policy_collection_index(p, ret->collection);
	int cat = policy_category_index(p, ret->category);
	if (ci < 0 || cat < 0)
		return false; /* the profile does not collect it */
	const struct policy_retention *r =
		policy_retention_for(&p->purposes[p->collections[ci].purpose], cat);
	if (!r)
		return false;
	switch (r->kind) {
	case RET_ACCOUNT:
		return false;
	case RET_UNTIL_DONE:
		buf_printf(where, "(%s IS NOT NULL AND $1 >= 0)", ret->done_column);
		break;
	case RET_DURATION:
		if (!r->after_done) {
			cut->v[0] = SV_INT(now - r->seconds);
			buf_printf(where, "%s <= $1", ret->created_column);
			return true;
		}
		cut->v[0] = SV_INT(now - r->seconds);
		buf_printf(where, "(%s IS NOT NULL AND %s <= $1)", ret->done_column,
			   ret->done_column);
		break;
	}
	if (r->not_done_seconds > 0) {
		cut->v[1] = SV_INT(now - r->not_done_seconds);
		cut->n = 2;
		buf_printf(where, " OR (%s IS NULL AND %s <= $2)", ret->done_column,
			   ret->created_column);
	}
	return true;
}

struct victims {
	int64_t subject[MAX_BATCH];
	size_t n;
};

static int victim_cb(void *ctx, const struct store_row *row)
{
	struct victims *v = ctx;
	if (v->n >= MAX_BATCH)
		return 1;
	v->subject[v->n++] = row->cols[0].i;
	return 0;
}

/* Erases the subjects of due rows, a batch per transaction. */
static int64_t purge_subjects(const struct record_table *t, const char *where,
			      const struct cutoffs *cut)
{
	struct buf sql;
	int64_t total = 0;
	buf_init(&sql, 0);
	buf_printf(&sql, "SELECT DISTINCT %s FROM %s WHERE %s", t->subject_column, t->table, where);
	for (;;) {
		struct victims v = {.n = 0};
		if (store_query(app.store, sql.data, cut->v, cut->n, victim_cb, &v) < 0) {
			total = -1;
			break;
		}
		if (v.n == 0)
			break;
		struct store_conn *c = store_acquire(app.store);
		int rc = store_begin(c);
		for (size_t i = 0; rc == 0 && i < v.n; i++)
			rc = record_erase_subject(c, v.subject[i]);
		if (rc == 0)
			rc = store_commit(c);
		else
			store_rollback(c);
		store_release(c);
		if (rc != 0) {
			total = -1;
			break;
		}
		total += (int64_t)v.n;
		if (v.n < MAX_BATCH)
			break;
	}
	buf_release(&sql);
	return total;
}

static int64_t purge_rows(const struct record_table *t, const char *where,
			  const struct cutoffs *cut)
{
	struct buf sql;
	buf_init(&sql, 0);
	buf_printf(&sql, "DELETE FROM %s WHERE %s", t->table, where);
	int n = store_query(app.store, sql.data, cut->v, cut->n, NULL, NULL);
	buf_release(&sql);
	return n < 0 ? -1 : n;
}

static int64_t purge_target(const struct record_table *t, int64_t now)
{
	struct buf where;
	struct cutoffs cut;
	int64_t n = 0;
	buf_init(&where, 0);
	if (due_clause(t, now, &where, &cut))
		n = t->retention.purge == PURGE_SUBJECT ? purge_subjects(t, where.data, &cut)
							: purge_rows(t, where.data, &cut);
	buf_release(&where);
	if (n > 0)
		log_info("retention: purged %lld %s %s", (long long)n, t->table,
			 t->retention.purge == PURGE_SUBJECT ? "subject(s)" : "row(s)");
	return n;
}

int64_t retention_run(int64_t now)
{
	int64_t total = 0;
	for (size_t i = 0; i < record_tables_count; i++) {
		int64_t n = purge_target(&record_tables[i], now);
		if (n < 0) {
			log_error("retention: the pass over %s failed", record_tables[i].table);
			return -1;
		}
		total += n;
	}
	if (total > 0)
		record_scrub();
	return total;
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
