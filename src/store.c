/*
 * store: the engine-independent half of the storage layer (see store.h):
 * URL dispatch, the connection pool, timing, and the migration runner.
 */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assets.h"
#include "buf.h"
#include "http.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "store_engine.h"

struct store_conn {
	struct store *store;
	struct engine_conn *ec;
	bool busy;
};

struct store {
	const struct store_ops *ops;
	char *target;
	struct store_conn *conns;
	unsigned n;
	pthread_mutex_t lock;
	pthread_cond_t freed;
};

/* "sqlite:PATH", "sqlite://PATH", "PATH.db", "postgres://...", "postgresql://..." */
static int parse_url(const char *url, const struct store_ops **ops, char **target)
{
	static const struct {
		const char *prefix;
		const struct store_ops *ops;
		bool keep_prefix;
	} schemes[] = {
		{"sqlite://", &store_sqlite_ops, false},
		{"sqlite:", &store_sqlite_ops, false},
		{"postgres://", &store_pg_ops, true},
		{"postgresql://", &store_pg_ops, true},
	};
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].prefix);
		if (strncmp(url, schemes[i].prefix, n) == 0) {
			const char *rest = schemes[i].keep_prefix ? url : url + n;
			if (!*rest || (!schemes[i].keep_prefix && !*(url + n)))
				return -1;
			*ops = schemes[i].ops;
			*target = xstrdup(rest);
			return 0;
		}
	}
	size_t len = strlen(url);
	if (len > 3 && strcmp(url + len - 3, ".db") == 0 && !strstr(url, "://")) {
		*ops = &store_sqlite_ops;
		*target = xstrdup(url);
		return 0;
	}
	return -1;
}

int store_open(const char *url, unsigned pool_size, struct store **out, char *err, size_t errlen)
{
	const struct store_ops *ops;
	char *target;
	if (parse_url(url, &ops, &target) != 0) {
		snprintf(err, errlen, "unsupported database URL (use sqlite:PATH or postgres://...)");
		return -1;
	}
	struct store *s = xcalloc(1, sizeof(*s));
	s->ops = ops;
	s->target = target;
	s->n = pool_size ? pool_size : 4;
	s->conns = xcalloc(s->n, sizeof(*s->conns));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->freed, NULL);
	for (unsigned i = 0; i < s->n; i++) {
		s->conns[i].store = s;
		s->conns[i].ec = ops->connect(target, err, errlen);
		if (!s->conns[i].ec) {
			store_close(s);
			return -1;
		}
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		if (s->conns[i].ec)
			s->ops->disconnect(s->conns[i].ec);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->freed);
	free(s->conns);
	free(s->target);
	free(s);
}

enum store_engine store_engine_of(const struct store *s)
{
	return s->ops->engine;
}

struct store_conn *store_acquire(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	for (;;) {
		for (unsigned i = 0; i < s->n; i++)
			if (!s->conns[i].busy) {
				s->conns[i].busy = true;
				pthread_mutex_unlock(&s->lock);
				s->ops->check(s->conns[i].ec);
				return &s->conns[i];
			}
		pthread_cond_wait(&s->freed, &s->lock);
	}
}

void store_release(struct store_conn *c)
{
	struct store *s = c->store;
	/* A connection goes back clean: a transaction left open is rolled back. */
	if (s->ops->in_transaction(c->ec))
		s->ops->exec(c->ec, "ROLLBACK", NULL, 0, NULL, NULL);
	pthread_mutex_lock(&s->lock);
	c->busy = false;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

int store_exec(struct store_conn *c, const char *sql, const struct store_val *params,
	       size_t nparams, store_row_fn fn, void *ctx)
{
	uint64_t t0 = http_now_us();
	int rc = c->store->ops->exec(c->ec, sql, params, nparams, fn, ctx);
	metrics_observe_store(http_now_us() - t0);
	return rc;
}

int store_begin(struct store_conn *c)
{
	if (c->store->ops->in_transaction(c->ec))
		return -1;
	return store_exec(c, c->store->ops->begin_sql, NULL, 0, NULL, NULL) < 0 ? -1 : 0;
}

int store_commit(struct store_conn *c)
{
	return store_exec(c, "COMMIT", NULL, 0, NULL, NULL) < 0 ? -1 : 0;
}

int store_rollback(struct store_conn *c)
{
	return store_exec(c, "ROLLBACK", NULL, 0, NULL, NULL) < 0 ? -1 : 0;
}

bool store_in_transaction(struct store_conn *c)
{
	return c->store->ops->in_transaction(c->ec);
}

int store_query(struct store *s, const char *sql, const struct store_val *params,
		size_t nparams, store_row_fn fn, void *ctx)
{
	struct store_conn *c = store_acquire(s);
	int rc = store_exec(c, sql, params, nparams, fn, ctx);
	store_release(c);
	return rc;
}

int store_backup(struct store *s, const char *path, char *err, size_t errlen)
{
	struct store_conn *c = store_acquire(s);
	int rc = s->ops->backup(c->ec, s->target, path, err, errlen);
	store_release(c);
	return rc;
}

/* ---- migrations ---- */

static const char SQL_MIGRATIONS_TABLE[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
	"name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
static const char SQL_MIGRATION_APPLIED[] = "SELECT 1 FROM schema_migrations WHERE version = $1";
static const char SQL_MIGRATION_RECORD[] =
	"INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
static const char SQL_SCHEMA_VERSION[] = "SELECT MAX(version) FROM schema_migrations";

struct migration {
	long version;
	const struct asset *asset;
};

static int migration_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

static int found_cb(void *ctx, const struct store_row *row)
{
	*(int *)ctx = 1;
	return 0;
}

/*
 * Runs each statement of a migration file. Statements end with a ';' at
 * the end of a line; migrations therefore never put a ';' at a line end
 * inside a string literal. Lines starting with "--" are comments.
 */
static int run_script(struct store_conn *c, const char *text, char *err, size_t errlen,
		      const char *name)
{
	struct buf stmt;
	buf_init(&stmt, 0);
	const char *line = text;
	int rc = 0;
	while (*line && rc == 0) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *p = line;
		while (p < line + len && (*p == ' ' || *p == '\t'))
			p++;
		if (!(p + 1 < line + len && p[0] == '-' && p[1] == '-')) {
			buf_append(&stmt, line, len);
			buf_putc(&stmt, '\n');
			size_t e = len;
			while (e > 0 && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r'))
				e--;
			if (e > 0 && line[e - 1] == ';') {
				if (store_exec(c, stmt.data, NULL, 0, NULL, NULL) < 0) {
					snprintf(err, errlen, "%s: a statement failed", name);
					rc = -1;
				}
				buf_reset(&stmt);
			}
		}
		line = nl ? nl + 1 : line + len;
	}
	buf_release(&stmt);
	return rc;
}

int store_migrate(struct store *s, int *applied, char *err, size_t errlen)
{
	struct migration list[256];
	size_t n = 0;
	*applied = 0;
	for (size_t i = 0; i < assets_count && n < 256; i++) {
		const char *name = assets[i].name;
		if (strncmp(name, "migrations/", 11) != 0)
			continue;
		char *end;
		long v = strtol(name + 11, &end, 10);
		if (v <= 0 || *end != '_')
			continue;
		list[n].version = v;
		list[n].asset = &assets[i];
		n++;
	}
	qsort(list, n, sizeof(list[0]), migration_cmp);
	struct store_conn *c = store_acquire(s);
	int rc = -1;
	bool locked = false;
	if (s->ops->lock_sql) {
		if (store_exec(c, s->ops->lock_sql, NULL, 0, NULL, NULL) < 0) {
			snprintf(err, errlen, "cannot take the migration lock");
			goto out;
		}
		locked = true;
	}
	if (store_exec(c, SQL_MIGRATIONS_TABLE, NULL, 0, NULL, NULL) < 0) {
		snprintf(err, errlen, "cannot create schema_migrations");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int done = 0;
		struct store_val v[] = {SV_INT(list[i].version)};
		if (store_exec(c, SQL_MIGRATION_APPLIED, v, 1, found_cb, &done) < 0) {
			snprintf(err, errlen, "cannot read schema_migrations");
			goto out;
		}
		if (done)
			continue;
		const char *name = list[i].asset->name + 11;
		if (store_begin(c) != 0 ||
		    run_script(c, (const char *)list[i].asset->data, err, errlen, name) != 0) {
			store_rollback(c);
			goto out;
		}
		struct store_val rec[] = {SV_INT(list[i].version), SV_TEXT(name), SV_INT(time(NULL))};
		if (store_exec(c, SQL_MIGRATION_RECORD, rec, 3, NULL, NULL) < 0 || store_commit(c) != 0) {
			store_rollback(c);
			snprintf(err, errlen, "%s: cannot record the migration", name);
			goto out;
		}
		(*applied)++;
	}
	rc = 0;
out:
	if (locked)
		store_exec(c, s->ops->unlock_sql, NULL, 0, NULL, NULL);
	store_release(c);
	return rc;
}

static int version_cb(void *ctx, const struct store_row *row)
{
	*(int *)ctx = row->cols[0].type == STORE_INT ? (int)row->cols[0].i : 0;
	return 0;
}

int store_schema_version(struct store *s)
{
	int v = -1;
	if (store_query(s, SQL_SCHEMA_VERSION, NULL, 0, version_cb, &v) < 0)
		return -1;
	return v;
}
