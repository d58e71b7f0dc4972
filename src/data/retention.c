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
#include "progress.h"
#include "mem.h"
#include "policy.h"
#include "ratelimit.h"
#include "record.h"
#include "store.h"
#include "ticker.h"

#define MAX_BATCH 500

static const char SQL_PUBLISHED[] = "SELECT source FROM profile_versions ORDER BY version";

/* The values a due clause compares with: $1, and $2 when there are two
 * cut-offs; under old terms, $3 to $5 too (purge_under_old_terms). */
struct cutoffs {
	struct store_val v[5];
	size_t n;
};

/* Which rows of a target are due: a WHERE clause over declared columns
 * with $1 (and $2) the cut-offs, or false when nothing of the target
 * expires under the profile in force. A row counted from completion that
 * never completes (a message never answered) is due the profile's
 * retention_not_done after collection, when it states one. */
static bool due_clause(const struct policy *p, const struct record_table *t, int64_t now,
		       struct buf *where, struct cutoffs *cut)
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
	if (due_clause(app.policy, t, now, &where, &cut))
		n = t->retention.purge == PURGE_SUBJECT ? purge_subjects(t, where.data, &cut)
							: purge_rows(t, where.data, &cut);
	buf_release(&where);
	if (n > 0)
		log_info("retention: purged %lld %s %s", (long long)n, t->table,
			 t->retention.purge == PURGE_SUBJECT ? "subject(s)" : "row(s)");
	return n;
}

/* ---- a longer retention waits for its notice and window (NAM10) ---- */

struct published {
	struct policy **p;
	size_t n;
};

static int published_cb(void *ctx, const struct store_row *row)
{
	struct published *v = ctx;
	struct policy_diags d;
	struct policy *p = row->cols[0].type == STORE_TEXT
				   ? policy_load(row->cols[0].p, row->cols[0].n, &d)
				   : NULL;
	if (!p)
		return 0; /* a version that no longer loads decides nothing */
	v->p = xrealloc(v->p, (v->n + 1) * sizeof(*v->p));
	v->p[v->n++] = p;
	return 0;
}

/* Whether b keeps category cat of its purpose pi longer than a did. */
static bool kept_longer(const struct policy *a, const struct policy *b, int pi, int cat)
{
	size_t n = policy_new_uses(a, b, NULL, 0);
	struct policy_new_use *u = xcalloc(n ? n : 1, sizeof(*u));
	policy_new_uses(a, b, u, n);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		found = u[i].what == WIDEN_RETENTION && u[i].purpose == pi && u[i].category == cat;
	free(u);
	return found;
}

/*
 * A revision b that keeps a target's data longer than the version a before
 * it is a new use: rows whose subject gave them before b stay under a's
 * rule as well until that subject's notice went out the opt-out window ago
 * (or they said yes under b). Someone who is never sent a notice (a person
 * who wrote to us) stays under it.
 */
static int64_t purge_under_old_terms(const struct record_table *t, const struct policy *a,
				     const struct policy *b, int64_t now)
{
	int ci = policy_collection_index(b, t->retention.collection);
	int cat = policy_category_index(b, t->retention.category);
	if (ci < 0 || cat < 0 || !kept_longer(a, b, b->collections[ci].purpose, cat))
		return 0;
	struct buf where;
	struct cutoffs cut;
	int64_t n = 0;
	buf_init(&where, 0);
	if (!due_clause(a, t, now, &where, &cut))
		goto out;
	if (cut.n == 1) {
		cut.v[1] = SV_INT(0);
		buf_puts(&where, " AND $2 >= 0");
	}
	int64_t window = (int64_t)app.policy->settings.opt_out_window_days * 86400;
	cut.v[2] = SV_INT(b->version);
	cut.v[3] = SV_TEXT(b->purposes[b->collections[ci].purpose].id);
	cut.v[4] = SV_INT(now - window);
	cut.n = 5;
	const char *tab = t->table, *col = t->subject_column;
	struct buf sql;
	buf_init(&sql, 0);
	buf_printf(&sql,
		   "(%s) AND %s.%s IN (SELECT id FROM subjects WHERE COALESCE(profile_version, 0) "
		   "< $3) AND NOT EXISTS (SELECT 1 FROM use_notices u WHERE u.subject_id = %s.%s "
		   "AND u.purpose = $4 AND u.version = $3 AND u.notified_at IS NOT NULL AND "
		   "u.notified_at <= $5) AND NOT EXISTS (SELECT 1 FROM consents c WHERE "
		   "c.subject_id = %s.%s AND c.purpose = $4 AND c.state = 'on' AND "
		   "c.profile_version >= $3)",
		   where.data, tab, col, tab, col, tab, col);
	n = t->retention.purge == PURGE_SUBJECT ? purge_subjects(t, sql.data, &cut)
						: purge_rows(t, sql.data, &cut);
	buf_release(&sql);
	if (n > 0)
		log_info("retention: purged %lld %s %s under the terms before version %d (NAM10)",
			 (long long)n, t->table,
			 t->retention.purge == PURGE_SUBJECT ? "subject(s)" : "row(s)", b->version);
out:
	buf_release(&where);
	return n;
}

static int64_t purge_old_terms(int64_t now)
{
	struct published v = {0};
	int64_t total = 0;
	if (store_query(app.store, SQL_PUBLISHED, NULL, 0, published_cb, &v) < 0)
		total = -1;
	for (size_t i = 1; total >= 0 && i < v.n; i++)
		for (size_t k = 0; total >= 0 && k < record_tables_count; k++) {
			const struct record_table *t = &record_tables[k];
			if (t->retention.expiry != EXPIRE_BY_PROFILE)
				continue;
			int64_t n = purge_under_old_terms(t, v.p[i - 1], v.p[i], now);
			total = n < 0 ? -1 : total + n;
		}
	for (size_t i = 0; i < v.n; i++)
		policy_free(v.p[i]);
	free(v.p);
	return total;
}

int64_t retention_run(int64_t now)
{
	/* The earlier terms' pass, then each declared table. */
	progress_begin("retention", "tables", (int64_t)record_tables_count + 1);
	int64_t total = purge_old_terms(now);
	if (total < 0) {
		progress_end();
		log_error("retention: the pass under earlier terms failed");
		return -1;
	}
	progress_add(1);
	for (size_t i = 0; i < record_tables_count; i++) {
		int64_t n = purge_target(&record_tables[i], now);
		if (n < 0) {
			progress_end();
			log_error("retention: the pass over %s failed", record_tables[i].table);
			return -1;
		}
		total += n;
		progress_add(1);
	}
	progress_end();
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
