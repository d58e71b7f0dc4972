/*
 * store: the engine-independent half of the storage layer (see store.h):
 * URL dispatch, the connection pool, the time spent in the store (for
 * /metrics), the migration runner, and the statement cache the engines
 * share. The engines plug in through store_engine.h; this file includes
 * neither <sqlite3.h> nor <libpq-fe.h>.
 */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assets.h"
#include "buf.h"
#include "log.h"
#include "progress.h"
#include "mem.h"
#include "metrics.h"
#include "store_engine.h"
#include "text.h"

/* Work asked for after the transaction under way commits (store_after_commit). */
struct after_commit {
	void (*fn)(const void *note);
	unsigned char note[STORE_NOTE_MAX];
};

struct store_conn {
	struct store *store;
	struct engine_conn *ec;
	bool busy;
	struct after_commit after[STORE_AFTER_COMMIT_MAX];
	size_t nafter;
};

struct store {
	const struct store_ops *ops;
	char *target; /* what the engine opens: a path or a libpq URL */
	struct store_conn *conns;
	unsigned n;
	pthread_mutex_t lock;
	pthread_cond_t freed;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && memcmp(s + n - m, suffix, m) == 0;
}

/* ---- URLs ---- */

static const struct {
	const char *prefix;
	const struct store_ops *ops;
	bool keep_prefix; /* libpq takes the whole URL; SQLite the path after it */
} url_schemes[] = {
	{"sqlite://", &store_sqlite_ops, false},
	{"sqlite:", &store_sqlite_ops, false},
	{"postgres://", &store_pg_ops, true},
	{"postgresql://", &store_pg_ops, true},
};

/* "sqlite:PATH", "sqlite://PATH", "PATH.db", "postgres://...", "postgresql://..." */
static int parse_url(const char *url, const struct store_ops **ops, char **target)
{
	for (size_t i = 0; i < sizeof(url_schemes) / sizeof(url_schemes[0]); i++) {
		size_t n = strlen(url_schemes[i].prefix);
		if (strncmp(url, url_schemes[i].prefix, n) != 0)
			continue;
		if (!url_schemes[i].keep_prefix && url[n] == '\0')
			return -1; /* "sqlite:" names no file */
		*ops = url_schemes[i].ops;
		*target = xstrdup(url_schemes[i].keep_prefix ? url : url + n);
		return 0;
	}
	if (has_suffix(url, ".db") && !strstr(url, "://")) {
		*ops = &store_sqlite_ops;
		*target = xstrdup(url);
		return 0;
	}
	return -1;
}

/*
 * The URL as it may appear in a log line: a password, in the user
 * information ("user:password@") or as a "password=" parameter, becomes
 * "***". Truncated to outlen.
 */
static void url_redact(const char *url, char *out, size_t outlen)
{
	struct buf b;
	buf_init(&b, 4096);
	const char *p = url, *sep = strstr(url, "://");
	if (sep) {
		const char *host = sep + 3, *at = NULL;
		size_t alen = strcspn(host, "/?#");
		for (const char *q = host; q < host + alen; q++)
			if (*q == '@')
				at = q;
		buf_append(&b, url, (size_t)(host - url));
		p = host;
		if (at) {
			const char *colon = memchr(host, ':', (size_t)(at - host));
			if (colon) {
				buf_append(&b, host, (size_t)(colon - host));
				buf_puts(&b, ":***");
				p = at;
			}
		}
	}
	const char *query = strchr(p, '?');
	if (!query) {
		buf_puts(&b, p);
	} else {
		buf_append(&b, p, (size_t)(query - p));
		for (const char *q = query; *q;) {
			size_t plen = 1 + strcspn(q + 1, "&#");
			if (text_after(q + 1, "password=")) {
				buf_append(&b, q, 1 + LITERAL_LEN("password="));
				buf_puts(&b, "***");
			} else {
				buf_append(&b, q, plen);
			}
			q += plen;
		}
	}
	snprintf(out, outlen, "%s", b.data ? b.data : "");
	buf_release(&b);
}

/* ---- statement cache (for the engines) ---- */

/* Open addressing with linear probing, never more than 3/4 full, so a probe
 * always ends. No deletion but of the lot (PostgreSQL forgets its
 * statements when it reconnects). */
#define CACHE_SLOTS 512
_Static_assert(STORE_CACHE_MAX < CACHE_SLOTS, "a probe must always find a free slot");

struct cache_slot {
	uint64_t hash;
	char *sql; /* NULL: a free slot */
	void *value;
};

struct store_cache {
	struct cache_slot slots[CACHE_SLOTS];
	size_t count;
	void (*drop)(void *value, void *arg);
	void *arg;
};

static uint64_t sql_hash(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

struct store_cache *store_cache_new(void (*drop)(void *value, void *arg), void *arg)
{
	struct store_cache *sc = xcalloc(1, sizeof(*sc));
	sc->drop = drop;
	sc->arg = arg;
	return sc;
}

void store_cache_clear(struct store_cache *sc)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (sc->slots[i].sql) {
			sc->drop(sc->slots[i].value, sc->arg);
			free(sc->slots[i].sql);
			sc->slots[i] = (struct cache_slot){0};
		}
	sc->count = 0;
}

void store_cache_free(struct store_cache *sc)
{
	if (!sc)
		return;
	store_cache_clear(sc);
	free(sc);
}

/* The slot holding sql, or the free slot where it would go. */
static struct cache_slot *cache_slot(struct store_cache *sc, const char *sql, uint64_t h)
{
	for (size_t i = h % CACHE_SLOTS;; i = (i + 1) % CACHE_SLOTS) {
		struct cache_slot *e = &sc->slots[i];
		if (!e->sql || (e->hash == h && strcmp(e->sql, sql) == 0))
			return e;
	}
}

void *store_cache_get(struct store_cache *sc, const char *sql)
{
	struct cache_slot *e = cache_slot(sc, sql, sql_hash(sql));
	return e->sql ? e->value : NULL;
}

bool store_cache_full(const struct store_cache *sc)
{
	return sc->count >= STORE_CACHE_MAX;
}

bool store_cache_put(struct store_cache *sc, const char *sql, void *value)
{
	if (store_cache_full(sc))
		return false;
	uint64_t h = sql_hash(sql);
	struct cache_slot *e = cache_slot(sc, sql, h);
	if (e->sql)
		return false;
	*e = (struct cache_slot){h, xstrdup(sql), value};
	sc->count++;
	return true;
}

/* ---- pool ---- */

int store_open(const char *url, unsigned pool_size, struct store **out, char *err, size_t errlen)
{
	const struct store_ops *ops;
	char *target;
	if (parse_url(url, &ops, &target) != 0) {
		snprintf(err, errlen,
			 "unsupported database URL (use sqlite:PATH or postgres://...)");
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
		s->conns[i].ec = ops->open(target, err, errlen);
		if (!s->conns[i].ec) {
			store_close(s);
			return -1;
		}
	}
	char shown[256];
	url_redact(url, shown, sizeof(shown));
	log_info("store: %s, %u connections", shown, s->n);
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		if (s->conns[i].ec)
			s->ops->close(s->conns[i].ec);
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

enum store_engine store_conn_engine(const struct store_conn *c)
{
	return c->store->ops->engine;
}

struct store_conn *store_acquire(struct store *s)
{
	struct store_conn *c = NULL;
	pthread_mutex_lock(&s->lock);
	while (!c) {
		for (unsigned i = 0; i < s->n && !c; i++)
			if (!s->conns[i].busy)
				c = &s->conns[i];
		if (!c)
			pthread_cond_wait(&s->freed, &s->lock);
	}
	c->busy = true;
	pthread_mutex_unlock(&s->lock);
	/* One that cannot be repaired is handed out all the same: its
	 * statements fail with STORE_ERROR, and the next acquire tries again. */
	s->ops->acquire(c->ec);
	return c;
}

void store_release(struct store_conn *c)
{
	struct store *s = c->store;
	s->ops->release(c->ec);
	c->nafter = 0; /* a transaction left open was rolled back */
	pthread_mutex_lock(&s->lock);
	c->busy = false;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

/* ---- statements and transactions, timed for /metrics ---- */

static int exec_timed(struct store_conn *c, const char *sql, const struct store_val *params,
		      size_t nparams, store_row_fn fn, void *ctx, bool once)
{
	uint64_t t0 = now_us();
	int rc = c->store->ops->exec(c->ec, sql, params, nparams, fn, ctx, once);
	metrics_observe_store(now_us() - t0);
	return rc;
}

int store_exec(struct store_conn *c, const char *sql, const struct store_val *params,
	       size_t nparams, store_row_fn fn, void *ctx)
{
	return exec_timed(c, sql, params, nparams, fn, ctx, false);
}

/* Begin, commit and rollback count as store time too: with
 * synchronous=FULL the commit is where the disk is waited for. */
static int tx_timed(struct store_conn *c, int (*op)(struct engine_conn *))
{
	uint64_t t0 = now_us();
	int rc = op(c->ec);
	metrics_observe_store(now_us() - t0);
	return rc;
}

int store_begin(struct store_conn *c)
{
	if (c->store->ops->in_transaction(c->ec))
		return -1;
	c->nafter = 0;
	return tx_timed(c, c->store->ops->begin);
}

int store_commit(struct store_conn *c)
{
	int rc = tx_timed(c, c->store->ops->commit);
	size_t n = c->nafter;
	c->nafter = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		c->after[i].fn(c->after[i].note);
	return rc;
}

int store_rollback(struct store_conn *c)
{
	c->nafter = 0;
	return tx_timed(c, c->store->ops->rollback);
}

int store_after_commit(struct store_conn *c, void (*fn)(const void *note), const void *note,
		       size_t n)
{
	if (n > STORE_NOTE_MAX)
		return -1;
	if (!c->store->ops->in_transaction(c->ec)) {
		fn(note);
		return 0;
	}
	size_t i = 0;
	while (i < c->nafter && c->after[i].fn != fn)
		i++;
	if (i == STORE_AFTER_COMMIT_MAX)
		return -1;
	c->after[i].fn = fn;
	if (n) /* a note may be NULL when it is empty */
		memcpy(c->after[i].note, note, n);
	if (i == c->nafter)
		c->nafter++;
	return 0;
}

bool store_in_transaction(struct store_conn *c)
{
	return c->store->ops->in_transaction(c->ec);
}

int store_query(struct store *s, const char *sql, const struct store_val *params, size_t nparams,
		store_row_fn fn, void *ctx)
{
	struct store_conn *c = store_acquire(s);
	int rc = store_exec(c, sql, params, nparams, fn, ctx);
	store_release(c);
	return rc;
}

int store_backup(struct store *s, const char *path, const char *const *skip, char *err,
		 size_t errlen)
{
	static const char *const none[] = {NULL};
	struct store_conn *c = store_acquire(s);
	int rc = s->ops->backup(c->ec, s->target, path, skip ? skip : none, err, errlen);
	store_release(c);
	return rc;
}

int store_scrub(struct store *s, const char *const *tables)
{
	static const char *const none[] = {NULL};
	struct store_conn *c = store_acquire(s); /* released ones hold no transaction */
	int rc = s->ops->scrub(c->ec, tables ? tables : none);
	store_release(c);
	return rc;
}

/* ---- migrations ---- */

#define MIGRATION_DIR	  "migrations/"
#define MIGRATION_DIR_LEN (sizeof(MIGRATION_DIR) - 1)

static const char SQL_MIGRATIONS_TABLE[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
	"name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
static const char SQL_MIGRATIONS_DONE[] = "SELECT version FROM schema_migrations";
static const char SQL_MIGRATION_APPLIED[] = "SELECT 1 FROM schema_migrations WHERE version = $1";
static const char SQL_MIGRATION_RECORD[] =
	"INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";
static const char SQL_SCHEMA_VERSION[] = "SELECT MAX(version) FROM schema_migrations";

struct migration {
	int64_t version;
	const char *name; /* "001_foundation.sql" */
	const struct asset *asset;
};

static int migration_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

/* The embedded "migrations/NNN_name.sql" files, in number order. */
static int migrations_collect(struct migration **out, size_t *count, char *err, size_t errlen)
{
	struct migration *list = NULL;
	size_t n = 0;
	for (size_t i = 0; i < assets_count && assets[i].name; i++) {
		const char *name = assets[i].name;
		if (strncmp(name, MIGRATION_DIR, MIGRATION_DIR_LEN) != 0)
			continue;
		const char *base = name + MIGRATION_DIR_LEN;
		char *end;
		if (*base < '0' || *base > '9' || !has_suffix(base, ".sql"))
			continue;
		long long v = strtoll(base, &end, 10);
		if (v <= 0 || v > 999999999 || *end != '_')
			continue;
		list = xrealloc(list, (n + 1) * sizeof(*list));
		list[n++] = (struct migration){v, base, &assets[i]};
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), migration_cmp);
	for (size_t i = 1; i < n; i++)
		if (list[i].version == list[i - 1].version) {
			snprintf(err, errlen, "two migrations are numbered %lld: %s and %s",
				 (long long)list[i].version, list[i - 1].name, list[i].name);
			free(list);
			return -1;
		}
	*out = list;
	*count = n;
	return 0;
}

/*
 * Cuts the next statement out of a migration file: the text up to a line
 * whose last non-blank character is ';'. Lines whose first non-blank
 * characters are "--" are comments and left out. That is the whole parser,
 * so the files in migrations/ keep two rules: no string literal holds a ';'
 * (none of ours holds one at all), and no comment follows a ';' on its
 * line. Returns 1 with the statement in out and the number of its first
 * line in *first, 0 when only blanks and comments are left.
 */
static int next_statement(const char **pos, int *lineno, struct buf *out, int *first)
{
	buf_reset(out);
	const char *line = *pos;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *next = nl ? nl + 1 : line + len;
		(*lineno)++;
		size_t b = 0, e = len;
		while (b < len && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r'))
			b++;
		while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r'))
			e--;
		bool comment = e - b >= 2 && line[b] == '-' && line[b + 1] == '-';
		if (e > b && !comment) {
			if (out->len == 0)
				*first = *lineno;
			else
				buf_putc(out, '\n');
			buf_append(out, line, e);
			if (line[e - 1] == ';') {
				*pos = next;
				return 1;
			}
		}
		line = next;
	}
	*pos = line;
	return out->len > 0; /* a last statement without its ';' */
}

static int run_migration(struct store_conn *c, const struct migration *m, char *err, size_t errlen)
{
	const char *pos = (const char *)m->asset->data;
	int lineno = 0, first = 0, rc = 0;
	struct buf stmt;
	buf_init(&stmt, 0);
	while (rc == 0 && next_statement(&pos, &lineno, &stmt, &first))
		if (exec_timed(c, stmt.data, NULL, 0, NULL, NULL, true) < 0) {
			snprintf(err, errlen, "migration %s: the statement at line %d failed",
				 m->name, first);
			rc = -1;
		}
	buf_release(&stmt);
	return rc;
}

struct versions {
	int64_t *v;
	size_t n;
};

static int version_add(void *ctx, const struct store_row *row)
{
	struct versions *vs = ctx;
	if (row->ncols > 0 && row->cols[0].type == STORE_INT) {
		vs->v = xrealloc(vs->v, (vs->n + 1) * sizeof(*vs->v));
		vs->v[vs->n++] = row->cols[0].i;
	}
	return 0;
}

static bool version_in(const struct versions *vs, int64_t v)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i] == v)
			return true;
	return false;
}

static int found_cb(void *ctx, const struct store_row *row)
{
	*(bool *)ctx = true;
	return 0;
}

/*
 * Each migration runs in its own transaction, and whether it is still due
 * is asked again inside that transaction: on SQLite, BEGIN IMMEDIATE is the
 * lock that keeps two processes from applying the same one; on PostgreSQL
 * the advisory lock is (DDL there is transactional too).
 */
int store_migrate(struct store *s, int *applied, char *err, size_t errlen)
{
	struct migration *list = NULL;
	size_t n = 0;
	struct versions done = {0};
	bool locked = false;
	int rc = -1;
	*applied = 0;
	if (migrations_collect(&list, &n, err, errlen) != 0)
		return -1;
	struct store_conn *c = store_acquire(s);
	if (s->ops->lock_migrations) {
		if (s->ops->lock_migrations(c->ec) != 0) {
			snprintf(err, errlen, "cannot take the migration lock");
			goto out;
		}
		locked = true;
	}
	if (exec_timed(c, SQL_MIGRATIONS_TABLE, NULL, 0, NULL, NULL, true) < 0) {
		snprintf(err, errlen, "cannot create schema_migrations");
		goto out;
	}
	if (store_exec(c, SQL_MIGRATIONS_DONE, NULL, 0, version_add, &done) < 0) {
		snprintf(err, errlen, "cannot read schema_migrations");
		goto out;
	}
	size_t pending = 0;
	for (size_t i = 0; i < n; i++)
		pending += !version_in(&done, list[i].version);
	if (pending)
		progress_begin("migrate", "migrations", (int64_t)pending);
	for (size_t i = 0; i < n; i++) {
		if (version_in(&done, list[i].version))
			continue;
		if (store_begin(c) != 0) {
			snprintf(err, errlen, "migration %s: cannot start a transaction",
				 list[i].name);
			goto out;
		}
		bool already = false;
		struct store_val v[] = {SV_INT(list[i].version)};
		if (store_exec(c, SQL_MIGRATION_APPLIED, v, STORE_NPARAMS(v), found_cb, &already) <
		    0) {
			snprintf(err, errlen, "cannot read schema_migrations");
			goto out;
		}
		if (already) { /* another process applied it meanwhile */
			store_rollback(c);
			progress_add(1);
			continue;
		}
		if (run_migration(c, &list[i], err, errlen) != 0)
			goto out;
		struct store_val rec[] = {SV_INT(list[i].version), SV_TEXT(list[i].name),
					  SV_INT(time(NULL))};
		if (store_exec(c, SQL_MIGRATION_RECORD, rec, STORE_NPARAMS(rec), NULL, NULL) < 0 ||
		    store_commit(c) != 0) {
			snprintf(err, errlen, "migration %s: cannot record it", list[i].name);
			goto out;
		}
		log_info("store: applied migration %s", list[i].name);
		(*applied)++;
		progress_add(1);
	}
	rc = 0;
out:
	progress_end();
	if (store_in_transaction(c)) /* a step above failed half-way */
		store_rollback(c);
	if (locked)
		s->ops->unlock_migrations(c->ec);
	store_release(c);
	free(done.v);
	free(list);
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
