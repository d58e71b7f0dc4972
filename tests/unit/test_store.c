/*
 * Unit tests for the store: URL parsing and redaction, the rewriting of
 * placeholders and row locks for SQLite, STORE_NPARAMS, migration
 * splitting, the statement cache, and one suite of engine tests
 * (migrations, values of every type, NULLs, conflicts, transactions, work
 * after a commit, row locks, backups, scrubbing, concurrent migration runs) run on SQLite in a
 * temporary directory and, when GLOVEBOX_TEST_PG_URL names a PostgreSQL
 * database, on a fresh database created next to it.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* Both included to reach their static functions. */
#include "../../src/data/store.c"
#include "../../src/data/store_sqlite.c"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/gb-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool file_holds(const char *path, const void *needle, size_t len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	struct buf b;
	buf_init(&b, 0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	bool found = b.len && memmem(b.data, b.len, needle, len) != NULL;
	buf_release(&b);
	return found;
}

static bool file_contains(const char *path, const char *needle)
{
	return file_holds(path, needle, strlen(needle));
}

/* Whether any file in directory path holds the bytes; *files counts them. */
static bool dir_holds(const char *path, const void *needle, size_t len, int *files)
{
	DIR *d = opendir(path);
	assert_non_null(d);
	bool found = false;
	*files = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		char file[512];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		(*files)++;
		found = found || file_holds(file, needle, len);
	}
	closedir(d);
	return found;
}

/* ---- pure parts ---- */

static void test_urls(void **state)
{
	static const struct {
		const char *url;
		const struct store_ops *ops;
		const char *target;
	} good[] = {
		{"sqlite:var/x.db", &store_sqlite_ops, "var/x.db"},
		{"sqlite:/abs/x", &store_sqlite_ops, "/abs/x"},
		{"sqlite://var/x.db", &store_sqlite_ops, "var/x.db"},
		{"sqlite:///abs/x.db", &store_sqlite_ops, "/abs/x.db"},
		{"plain.db", &store_sqlite_ops, "plain.db"},
		{"/srv/glovebox/main.db", &store_sqlite_ops, "/srv/glovebox/main.db"},
		{"postgres://u@h/db", &store_pg_ops, "postgres://u@h/db"},
		{"postgresql://u:p@h:5433/db?sslmode=require", &store_pg_ops,
		 "postgresql://u:p@h:5433/db?sslmode=require"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct store_ops *ops = NULL;
		char *target = NULL;
		assert_int_equal(parse_url(good[i].url, &ops, &target), 0);
		assert_ptr_equal(ops, good[i].ops);
		assert_string_equal(target, good[i].target);
		free(target);
	}
	static const char *const bad[] = {"mysql://x",	    "",		"sqlite:",
					  "sqlite://",	    "file.txt", "http://x.db",
					  "postgres:/h/db", ".db",	"pg://u:hunter2@h/db"};
	char err[256];
	struct store *s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(store_open(bad[i], 1, &s, err, sizeof(err)), -1);
		assert_string_equal(err,
				    "unsupported database URL (use sqlite:PATH or postgres://...)");
	}
}

static void test_url_redaction(void **state)
{
	static const char *const cases[][2] = {
		{"postgres://glovebox:s3cret@127.0.0.1:5432/db",
		 "postgres://glovebox:***@127.0.0.1:5432/db"},
		{"postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"},
		{"postgres://u@h/db?sslmode=require&password=s3cret&x=1",
		 "postgres://u@h/db?sslmode=require&password=***&x=1"},
		{"postgres://h/db", "postgres://h/db"},
		{"postgres:///db?password=s3cret", "postgres:///db?password=***"},
		{"sqlite:var/glovebox.db", "sqlite:var/glovebox.db"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[256];
		url_redact(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
		assert_null(strstr(out, "s3cret"));
	}
}

static void test_placeholders(void **state)
{
	static const char *const cases[][2] = {
		{"SELECT $1, '$2', $10 FROM t WHERE a = $2",
		 "SELECT ?1, '$2', ?10 FROM t WHERE a = ?2"},
		{"SELECT 'it''s $1', $1", "SELECT 'it''s $1', ?1"},
		{"SELECT \"odd$1\" FROM t WHERE x = $1", "SELECT \"odd$1\" FROM t WHERE x = ?1"},
		{"SELECT 1 -- $1 in a comment\n, $2", "SELECT 1 -- $1 in a comment\n, ?2"},
		{"SELECT /* $1 */ $2", "SELECT /* $1 */ ?2"},
		{"SELECT $a, $", "SELECT $a, $"},
		{"SELECT '$1", "SELECT '$1"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = rewrite_sql(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

/* PostgreSQL's row-locking clauses are cut out for SQLite; nothing else is. */
static void test_row_locks(void **state)
{
	static const char *const cases[][2] = {
		/* At the end of the statement, in any case, with any blanks. */
		{"SELECT seq FROM h WHERE id = 1 FOR UPDATE", "SELECT seq FROM h WHERE id = 1 "},
		{"SELECT seq FROM h WHERE id = $1 for\n\tupdate ",
		 "SELECT seq FROM h WHERE id = ?1  "},
		{"SELECT a FROM t FOR SHARE;", "SELECT a FROM t ;"},
		{"SELECT a FROM t FOR NO KEY UPDATE NOWAIT", "SELECT a FROM t "},
		{"SELECT a FROM t For Key Share", "SELECT a FROM t "},
		/* Before the parenthesis that closes a sub-select, with SKIP LOCKED. */
		{"UPDATE o SET s = $1 WHERE id IN (SELECT id FROM o WHERE s = 'q' "
		 "ORDER BY at LIMIT 50 FOR UPDATE SKIP LOCKED)",
		 "UPDATE o SET s = ?1 WHERE id IN (SELECT id FROM o WHERE s = 'q' "
		 "ORDER BY at LIMIT 50 )"},
		{"SELECT (SELECT a FROM t LIMIT 1 FOR SHARE), b FROM u FOR UPDATE",
		 "SELECT (SELECT a FROM t LIMIT 1 ), b FROM u "},
		/* Quoted text and comments are left alone. */
		{"SELECT 'FOR UPDATE' FROM t", "SELECT 'FOR UPDATE' FROM t"},
		{"SELECT a FROM t WHERE b = 'x FOR UPDATE'",
		 "SELECT a FROM t WHERE b = 'x FOR UPDATE'"},
		{"SELECT \"FOR UPDATE\" FROM t", "SELECT \"FOR UPDATE\" FROM t"},
		{"SELECT a FROM t /* FOR UPDATE */", "SELECT a FROM t /* FOR UPDATE */"},
		{"SELECT a FROM t -- FOR UPDATE", "SELECT a FROM t -- FOR UPDATE"},
		/* Whole words only. */
		{"SELECT a FROM t WHERE xFOR UPDATE", "SELECT a FROM t WHERE xFOR UPDATE"},
		{"SELECT a FROM t FOR UPDATED", "SELECT a FROM t FOR UPDATED"},
		{"SELECT a FROM t FOR UPDATE SKIP LOCKEDX",
		 "SELECT a FROM t FOR UPDATE SKIP LOCKEDX"},
		{"SELECT a FROM t FORUPDATE", "SELECT a FROM t FORUPDATE"},
		/* Not at the end of a statement or sub-select: left for SQLite to refuse. */
		{"SELECT a FROM t FOR UPDATE OF t", "SELECT a FROM t FOR UPDATE OF t"},
		{"SELECT a FROM t FOR UPDATE LIMIT 1", "SELECT a FROM t FOR UPDATE LIMIT 1"},
		{"CREATE TRIGGER g AFTER UPDATE ON t FOR EACH ROW BEGIN SELECT 1; END",
		 "CREATE TRIGGER g AFTER UPDATE ON t FOR EACH ROW BEGIN SELECT 1; END"},
		{"FOR UPDATE", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = rewrite_sql(cases[i][0]);
		assert_string_equal(s, cases[i][1]);
		free(s);
	}
}

/* Built with -DSTORE_NPARAMS_POINTER, this file must not compile: the
 * macro refuses a pointer (checked by hand with gcc and clang). */
static size_t nparams_of_pointer(const struct store_val *params)
{
#ifdef STORE_NPARAMS_POINTER
	return STORE_NPARAMS(params);
#else
	return 0;
#endif
}

static void test_nparams(void **state)
{
	struct store_val three[] = {SV_INT(1), SV_NULL, SV_TEXT("x")};
	const struct store_val one[] = {SV_BLOB("", 0)};
	_Static_assert(STORE_NPARAMS(three) == 3, "a constant expression");
	assert_int_equal(STORE_NPARAMS(three), 3);
	assert_int_equal(STORE_NPARAMS(one), 1);
	char text[40];
	assert_int_equal(STORE_NPARAMS(text), 40);
	assert_int_equal(nparams_of_pointer(three), 0);
}

static void test_statement_split(void **state)
{
	const char *text = "-- A comment; with a semicolon;\n"
			   "CREATE TABLE a (\n"
			   "\tx BIGINT -- inline, no semicolon here\n"
			   ");\n"
			   "\n"
			   "   -- indented comment;\n"
			   "INSERT INTO a (x) SELECT 1; INSERT INTO a (x) SELECT 2;\r\n"
			   "UPDATE a SET x = 3\n"
			   "  WHERE x = 1 ;  \n"
			   "DROP TABLE b\n";
	static const struct {
		const char *sql;
		int line;
	} want[] = {
		{"CREATE TABLE a (\n\tx BIGINT -- inline, no semicolon here\n);", 2},
		{"INSERT INTO a (x) SELECT 1; INSERT INTO a (x) SELECT 2;", 7},
		{"UPDATE a SET x = 3\n  WHERE x = 1 ;", 8},
		{"DROP TABLE b", 10},
	};
	const char *pos = text;
	int lineno = 0, first = 0;
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(next_statement(&pos, &lineno, &b, &first), 1);
		assert_string_equal(b.data, want[i].sql);
		assert_int_equal(first, want[i].line);
	}
	assert_int_equal(next_statement(&pos, &lineno, &b, &first), 0);
	pos = "\n-- only a comment\n\n";
	assert_int_equal(next_statement(&pos, &lineno, &b, &first), 0);
	buf_release(&b);
}

static void test_migration_list(void **state)
{
	struct migration *list;
	size_t n;
	char err[256];
	assert_int_equal(migrations_collect(&list, &n, err, sizeof(err)), 0);
	assert_true(n >= 1);
	assert_int_equal(list[0].version, 1);
	assert_string_equal(list[0].name, "001_foundation.sql");
	for (size_t i = 1; i < n; i++)
		assert_true(list[i].version > list[i - 1].version);
	free(list);
}

static int drops;

static void count_drop(void *value, void *arg)
{
	drops++;
	free(value);
}

static void test_statement_cache(void **state)
{
	struct store_cache *sc = store_cache_new(count_drop, NULL);
	char sql[64];
	for (int i = 0; i < STORE_CACHE_MAX; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		assert_false(store_cache_full(sc));
		assert_true(store_cache_put(sc, sql, xstrdup(sql)));
	}
	assert_true(store_cache_full(sc));
	assert_false(store_cache_put(sc, "SELECT more", NULL));
	for (int i = 0; i < STORE_CACHE_MAX; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		const char *v = store_cache_get(sc, sql);
		assert_non_null(v);
		assert_string_equal(v, sql);
	}
	assert_null(store_cache_get(sc, "SELECT more"));
	drops = 0;
	store_cache_clear(sc);
	assert_int_equal(drops, STORE_CACHE_MAX);
	assert_null(store_cache_get(sc, "SELECT 1"));
	assert_true(store_cache_put(sc, "SELECT 1", xstrdup("x")));
	store_cache_free(sc);
	assert_int_equal(drops, STORE_CACHE_MAX + 1);
}

/* ---- the engine suite ---- */

struct got {
	int rows, calls;
	size_t ncols;
	struct store_val v[24];
	char text[24][64];
	unsigned char blob[24][16];
	bool terminated[24]; /* TEXT values end with a NUL */
};

static int collect(void *ctx, const struct store_row *row)
{
	struct got *g = ctx;
	g->calls++;
	g->rows++;
	g->ncols = row->ncols;
	for (size_t i = 0; i < row->ncols && i < 24; i++) {
		const struct store_val *v = &row->cols[i];
		g->v[i] = *v;
		g->v[i].p = NULL; /* valid only during the callback */
		if (v->type == STORE_TEXT && v->n < sizeof(g->text[i])) {
			memcpy(g->text[i], v->p, v->n + 1);
			g->terminated[i] = ((const char *)v->p)[v->n] == '\0';
		}
		if (v->type == STORE_BLOB && v->n <= sizeof(g->blob[i]))
			memcpy(g->blob[i], v->p, v->n);
	}
	return 0;
}

static int stop_at_first(void *ctx, const struct store_row *row)
{
	(*(int *)ctx)++;
	return 1;
}

static size_t migration_count(int64_t *highest)
{
	struct migration *list;
	size_t n;
	char err[256];
	assert_int_equal(migrations_collect(&list, &n, err, sizeof(err)), 0);
	*highest = n ? list[n - 1].version : 0;
	free(list);
	return n;
}

static const char SQL_INSERT[] = "INSERT INTO scratch (id, kind, data, n) VALUES ($1, $2, $3, $4)";
static const char SQL_GET[] = "SELECT id, kind, data, n, parent FROM scratch WHERE id = $1";

static int insert(struct store *s, int64_t id, struct store_val kind, struct store_val data,
		  struct store_val n)
{
	struct store_val v[] = {SV_INT(id), kind, data, n};
	return store_query(s, SQL_INSERT, v, 4, NULL, NULL);
}

static int get(struct store *s, int64_t id, struct got *g)
{
	memset(g, 0, sizeof(*g));
	struct store_val v[] = {SV_INT(id)};
	return store_query(s, SQL_GET, v, 1, collect, g);
}

static void migrate_fresh(struct store *s)
{
	int64_t highest;
	size_t count = migration_count(&highest);
	int applied = -1;
	char err[256];
	assert_int_equal(store_migrate(s, &applied, err, sizeof(err)), 0);
	assert_int_equal(applied, (int)count);
	assert_int_equal(store_migrate(s, &applied, err, sizeof(err)), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(store_schema_version(s), (int)highest);
	struct got g = {0};
	assert_int_equal(store_query(s,
				     "SELECT version, name, applied_at FROM schema_migrations "
				     "ORDER BY version",
				     NULL, 0, collect, &g),
			 (int)count);
	assert_int_equal(g.v[0].i, highest);
	assert_true(g.v[2].i > 1700000000);
}

static void values_round_trip(struct store *s)
{
	/* A table of the test's own, with a column of each type. */
	assert_int_equal(store_query(s,
				     "CREATE TABLE scratch (id BIGINT PRIMARY KEY, "
				     "kind TEXT NOT NULL, data BYTEA, n BIGINT, "
				     "parent BIGINT REFERENCES scratch(id))",
				     NULL, 0, NULL, NULL),
			 0);
	const unsigned char blob[] = {0, 1, 0, 255, 'x', 0};
	assert_int_equal(insert(s, 7, SV_TEXT("M\xc3\xbcller \xe2\x80\x93 member"),
				SV_BLOB(blob, sizeof(blob)), SV_INT(INT64_MAX)),
			 1);
	assert_int_equal(insert(s, 8, SV_TEXTN("", 0), SV_BLOB(NULL, 0), SV_INT(INT64_MIN)), 1);
	assert_int_equal(insert(s, 9, SV_TEXTN("abcdef", 3), SV_NULL, SV_NULL), 1);

	struct got g;
	assert_int_equal(get(s, 7, &g), 1);
	assert_int_equal(g.ncols, 5);
	assert_int_equal(g.v[0].type, STORE_INT);
	assert_int_equal(g.v[0].i, 7);
	assert_int_equal(g.v[1].type, STORE_TEXT);
	assert_string_equal(g.text[1], "M\xc3\xbcller \xe2\x80\x93 member");
	assert_true(g.terminated[1]);
	assert_int_equal(g.v[2].type, STORE_BLOB);
	assert_int_equal(g.v[2].n, sizeof(blob));
	assert_memory_equal(g.blob[2], blob, sizeof(blob));
	assert_int_equal(g.v[3].type, STORE_INT);
	assert_true(g.v[3].i == INT64_MAX);
	assert_int_equal(g.v[4].type, STORE_NULL);

	/* The empty text and the empty blob are values, not NULL. */
	assert_int_equal(get(s, 8, &g), 1);
	assert_int_equal(g.v[1].type, STORE_TEXT);
	assert_int_equal(g.v[1].n, 0);
	assert_true(g.terminated[1]);
	assert_int_equal(g.v[2].type, STORE_BLOB);
	assert_int_equal(g.v[2].n, 0);
	assert_true(g.v[3].i == INT64_MIN);

	/* SV_TEXTN takes a length, not up to a NUL; NULLs go in and come out. */
	assert_int_equal(get(s, 9, &g), 1);
	assert_string_equal(g.text[1], "abc");
	assert_int_equal(g.v[2].type, STORE_NULL);
	assert_int_equal(g.v[3].type, STORE_NULL);
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_query(s, "SELECT id FROM scratch WHERE data IS NULL AND n IS NULL",
				     NULL, 0, collect, &g),
			 1);
	assert_int_equal(g.v[0].i, 9);

	/* Text with a NUL byte is refused by both engines alike. */
	assert_int_equal(insert(s, 10, SV_TEXTN("a\0b", 3), SV_NULL, SV_NULL), STORE_ERROR);
	assert_int_equal(get(s, 10, &g), 0);
}

static void results_alike(struct store *s)
{
	struct got g;
	/* Aggregates, booleans and counts come back as integers on both. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_query(s,
				     "SELECT SUM(id), COUNT(*), MAX(id), SUM(id) > 20, "
				     "AVG(id) FROM scratch",
				     NULL, 0, collect, &g),
			 1);
	for (int i = 0; i < 5; i++)
		assert_int_equal(g.v[i].type, STORE_INT);
	assert_int_equal(g.v[0].i, 24);
	assert_int_equal(g.v[1].i, 3);
	assert_int_equal(g.v[2].i, 9);
	assert_int_equal(g.v[3].i, 1);
	assert_int_equal(g.v[4].i, 8);

	/* A callback that stops early: the count is still every row. */
	int calls = 0;
	assert_int_equal(store_query(s, "SELECT id FROM scratch ORDER BY id", NULL, 0,
				     stop_at_first, &calls),
			 3);
	assert_int_equal(calls, 1);

	/* More columns than fit on the stack. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_query(s,
				     "SELECT id, id+1, id+2, id+3, id+4, id+5, id+6, id+7, "
				     "id+8, id+9, id+10, id+11, id+12, id+13, id+14, id+15, "
				     "id+16, id+17, id+18, data, kind FROM scratch WHERE id = 7",
				     NULL, 0, collect, &g),
			 1);
	assert_int_equal(g.ncols, 21);
	assert_int_equal(g.v[18].i, 25);
	assert_int_equal(g.v[19].type, STORE_BLOB);
	assert_int_equal(g.v[20].type, STORE_TEXT);

	/* Changes are counted; DDL counts none, even after an UPDATE. */
	struct store_val up[] = {SV_INT(5), SV_INT(7)};
	assert_int_equal(
		store_query(s, "UPDATE scratch SET n = $1 WHERE id >= $2", up, 2, NULL, NULL), 3);
	assert_int_equal(
		store_query(s, "CREATE INDEX scratch_n ON scratch (n)", NULL, 0, NULL, NULL), 0);
	struct store_val none[] = {SV_INT(-1)};
	assert_int_equal(store_query(s, "DELETE FROM scratch WHERE id = $1", none, 1, NULL, NULL),
			 0);

	/* RETURNING delivers rows; ON CONFLICT DO NOTHING counts none. */
	struct store_val ins[] = {SV_INT(11), SV_TEXT("r"), SV_INT(7)};
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_query(s,
				     "INSERT INTO scratch (id, kind, parent) VALUES ($1, $2, $3) "
				     "RETURNING id, kind",
				     ins, 3, collect, &g),
			 1);
	assert_int_equal(g.v[0].i, 11);
	assert_string_equal(g.text[1], "r");
	assert_int_equal(store_query(s,
				     "INSERT INTO scratch (id, kind, parent) VALUES ($1, $2, $3) "
				     "ON CONFLICT (id) DO NOTHING",
				     ins, 3, NULL, NULL),
			 0);
}

static void errors_alike(struct store *s)
{
	/* A duplicate key is a conflict; a dangling reference is an error. */
	assert_int_equal(insert(s, 7, SV_TEXT("again"), SV_NULL, SV_NULL), STORE_CONFLICT);
	struct store_val orphan[] = {SV_INT(12), SV_TEXT("o"), SV_INT(999)};
	assert_int_equal(store_query(s,
				     "INSERT INTO scratch (id, kind, parent) VALUES ($1, $2, $3)",
				     orphan, 3, NULL, NULL),
			 STORE_ERROR);
	/* The wrong number of parameters, two statements at once, bad SQL. */
	struct store_val two[] = {SV_INT(7), SV_INT(8)};
	assert_int_equal(store_query(s, "SELECT id FROM scratch WHERE id = $1", two, 2, NULL, NULL),
			 STORE_ERROR);
	assert_int_equal(
		store_query(s, "SELECT id FROM scratch WHERE id = $1", NULL, 0, NULL, NULL),
		STORE_ERROR);
	assert_int_equal(store_query(s, "SELECT 1; SELECT 2", NULL, 0, NULL, NULL), STORE_ERROR);
	assert_int_equal(store_query(s, "SELEKT 1", NULL, 0, NULL, NULL), STORE_ERROR);
	/* More distinct statements than the cache holds. */
	for (int i = 0; i < STORE_CACHE_MAX + 20; i++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT id FROM scratch WHERE id = $1 AND %d >= 0", i);
		struct store_val id[] = {SV_INT(7)};
		assert_int_equal(store_query(s, sql, id, 1, NULL, NULL), 1);
	}
}

static void transactions(struct store *s)
{
	struct got g;
	/* Rolled back: nothing stays. */
	struct store_conn *c = store_acquire(s);
	assert_false(store_in_transaction(c));
	assert_int_equal(store_begin(c), 0);
	assert_true(store_in_transaction(c));
	assert_int_equal(store_begin(c), -1);
	struct store_val a[] = {SV_INT(20), SV_TEXT("tx"), SV_NULL, SV_NULL};
	assert_int_equal(store_exec(c, SQL_INSERT, a, 4, NULL, NULL), 1);
	assert_int_equal(store_rollback(c), 0);
	assert_false(store_in_transaction(c));
	store_release(c);
	assert_int_equal(get(s, 20, &g), 0);

	/* Committed: it stays. */
	c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(store_exec(c, SQL_INSERT, a, 4, NULL, NULL), 1);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	assert_int_equal(get(s, 20, &g), 1);

	/* A failed statement spoils the transaction on both engines: what
	 * follows fails, and the commit rolls everything back. */
	c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	struct store_val b[] = {SV_INT(21), SV_TEXT("tx"), SV_NULL, SV_NULL};
	assert_int_equal(store_exec(c, SQL_INSERT, b, 4, NULL, NULL), 1);
	assert_int_equal(store_exec(c, SQL_INSERT, a, 4, NULL, NULL), STORE_CONFLICT);
	struct store_val d[] = {SV_INT(22), SV_TEXT("tx"), SV_NULL, SV_NULL};
	assert_int_equal(store_exec(c, SQL_INSERT, d, 4, NULL, NULL), STORE_ERROR);
	assert_int_equal(store_commit(c), -1);
	assert_false(store_in_transaction(c));
	/* Outside a transaction: commit fails, rollback has nothing to do. */
	assert_int_equal(store_commit(c), -1);
	assert_int_equal(store_rollback(c), 0);
	store_release(c);
	assert_int_equal(get(s, 21, &g), 0);
	assert_int_equal(get(s, 22, &g), 0);

	/* A connection released inside a transaction comes back clean, its
	 * work undone. */
	c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(store_exec(c, SQL_INSERT, b, 4, NULL, NULL), 1);
	store_release(c);
	c = store_acquire(s);
	assert_false(store_in_transaction(c));
	store_release(c);
	assert_int_equal(get(s, 21, &g), 0);
}

/* One SQL text with row locks runs on both engines (SQLite without them). */
static void row_locks_run(struct store *s)
{
	struct got g;
	struct store_conn *c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	struct store_val id[] = {SV_INT(7)};
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_exec(c, "SELECT kind FROM scratch WHERE id = $1 FOR UPDATE", id, 1,
				    collect, &g),
			 1);
	struct store_val set[] = {SV_INT(6), SV_INT(7)};
	assert_int_equal(store_exec(c,
				    "UPDATE scratch SET n = $1 WHERE id IN (SELECT id FROM scratch "
				    "WHERE id >= $2 ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED)",
				    set, 2, NULL, NULL),
			 2);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
}

/* A migration that fails half-way leaves nothing behind: DDL is
 * transactional on both engines. */
static void failed_migration_undone(struct store *s)
{
	static const char text[] = "-- two tables, the second a mistake\n"
				   "CREATE TABLE half (a BIGINT);\n"
				   "INSERT INTO half (a) VALUES (1);\n"
				   "CREATE TABLE half (a BIGINT);\n";
	const struct asset a = {"migrations/999_half.sql", (const unsigned char *)text,
				sizeof(text) - 1};
	const struct migration m = {999, "999_half.sql", &a};
	char err[256] = "";
	struct store_conn *c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(run_migration(c, &m, err, sizeof(err)), -1);
	assert_string_equal(err, "migration 999_half.sql: the statement at line 4 failed");
	assert_int_equal(store_rollback(c), 0);
	store_release(c);
	assert_int_equal(store_query(s, "CREATE TABLE half (b TEXT)", NULL, 0, NULL, NULL), 0);
	assert_int_equal(store_query(s, "DROP TABLE half", NULL, 0, NULL, NULL), 0);
}

/* The suite every engine passes, on a database without tables. */
/* What the after-commit functions saw. */
static int after_runs;
static int64_t after_note;

static void after_a(const void *note)
{
	after_runs++;
	memcpy(&after_note, note, sizeof(after_note));
}

static void after_b(const void *note)
{
	after_runs += 100;
}

static void after_c(const void *note)
{
}

static void after_d(const void *note)
{
}

static void after_e(const void *note)
{
}

/* Work after a commit runs after it only, once, with the last note. */
static void after_commit(struct store *s)
{
	int64_t one = 1, two = 2;
	unsigned char big[STORE_NOTE_MAX + 1] = {0};
	struct store_val a[] = {SV_INT(30), SV_TEXT("after"), SV_NULL, SV_NULL};
	after_runs = 0;
	struct store_conn *c = store_acquire(s);
	/* Outside a transaction: at once. */
	assert_int_equal(store_after_commit(c, after_a, &one, sizeof(one)), 0);
	assert_int_equal(after_runs, 1);
	assert_int_equal(after_note, 1);
	/* Rolled back: never. */
	after_runs = 0;
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(store_after_commit(c, after_a, &one, sizeof(one)), 0);
	assert_int_equal(store_rollback(c), 0);
	assert_int_equal(after_runs, 0);
	/* Given back to the pool with the transaction open: never, nor at the
	 * connection's next commit. */
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(store_after_commit(c, after_a, &one, sizeof(one)), 0);
	store_release(c);
	c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(store_commit(c), 0);
	assert_int_equal(after_runs, 0);
	/* Committed: each function once, after the commit, with its last note. */
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(store_after_commit(c, after_a, &one, sizeof(one)), 0);
	assert_int_equal(store_after_commit(c, after_b, NULL, 0), 0);
	assert_int_equal(store_after_commit(c, after_a, &two, sizeof(two)), 0);
	assert_int_equal(after_runs, 0);
	assert_int_equal(store_commit(c), 0);
	assert_int_equal(after_runs, 101);
	assert_int_equal(after_note, 2);
	/* A commit that fails (a statement spoiled the transaction): never. */
	after_runs = 0;
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(store_exec(c, SQL_INSERT, a, 4, NULL, NULL), 1);
	assert_int_equal(store_exec(c, SQL_INSERT, a, 4, NULL, NULL), STORE_CONFLICT);
	assert_int_equal(store_after_commit(c, after_a, &one, sizeof(one)), 0);
	assert_int_equal(store_commit(c), -1);
	assert_int_equal(after_runs, 0);
	/* Refused: a note too long, more functions than there is room for. */
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(store_after_commit(c, after_a, big, sizeof(big)), -1);
	void (*const fns[])(const void *) = {after_b, after_c, after_d, after_e};
	for (size_t i = 0; i < ARRAY_LEN(fns); i++)
		assert_int_equal(store_after_commit(c, fns[i], NULL, 0),
				 i < STORE_AFTER_COMMIT_MAX ? 0 : -1);
	assert_int_equal(store_after_commit(c, after_a, &one, sizeof(one)), -1);
	assert_int_equal(store_rollback(c), 0);
	store_release(c);
	assert_int_equal(after_runs, 0);
}

static void engine_suite(struct store *s)
{
	migrate_fresh(s);
	values_round_trip(s);
	results_alike(s);
	errors_alike(s);
	transactions(s);
	after_commit(s);
	row_locks_run(s);
	failed_migration_undone(s);
}

struct migrate_run {
	struct store *s;
	int rc, applied;
};

static void *migrate_thread(void *arg)
{
	struct migrate_run *r = arg;
	char err[256];
	r->rc = store_migrate(r->s, &r->applied, err, sizeof(err));
	return NULL;
}

/* Two stores (two processes, as far as locking goes) migrating one
 * database at once: each migration is applied exactly once. */
static void concurrent_migrations(const char *url)
{
	struct migrate_run runs[2];
	pthread_t t[2];
	char err[256];
	for (int i = 0; i < 2; i++) {
		runs[i] = (struct migrate_run){NULL, -1, -1};
		assert_int_equal(store_open(url, 1, &runs[i].s, err, sizeof(err)), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, migrate_thread, &runs[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	int64_t highest;
	size_t count = migration_count(&highest);
	assert_int_equal(runs[0].rc, 0);
	assert_int_equal(runs[1].rc, 0);
	assert_int_equal(runs[0].applied + runs[1].applied, (int)count);
	assert_int_equal(store_schema_version(runs[0].s), (int)highest);
	for (int i = 0; i < 2; i++)
		store_close(runs[i].s);
}

/* The data keys stay out of backups (ALL02); the rest is there. The store
 * knows no module's tables: its caller names them, as main.c does with
 * broker_key_tables. */
static const char *const backup_skip[] = {"subject_keys", "no_such_table", NULL};

static void seed_backup_rows(struct store *s)
{
	struct store_val subj[] = {SV_INT(1), SV_TEXT("member"), SV_INT(1)};
	assert_int_equal(store_query(s,
				     "INSERT INTO subjects (id, kind, created_at) VALUES "
				     "($1, $2, $3)",
				     subj, 3, NULL, NULL),
			 1);
	const unsigned char key[] = "KEYBYTES-do-not-back-up";
	struct store_val k[] = {SV_INT(1), SV_BLOB(key, sizeof(key) - 1)};
	assert_int_equal(store_query(s,
				     "INSERT INTO subject_keys (subject_id, sealed_key) VALUES "
				     "($1, $2)",
				     k, 2, NULL, NULL),
			 1);
}

/* ---- SQLite ---- */

static void test_sqlite_file(void **state)
{
	char url[160], path[128], err[256];
	snprintf(path, sizeof(path), "%s/mode.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	struct store *s;
	assert_int_equal(store_open(url, 2, &s, err, sizeof(err)), 0);
	assert_int_equal(store_engine_of(s), STORE_SQLITE);
	struct store_conn *c = store_acquire(s);
	assert_int_equal(store_conn_engine(c), STORE_SQLITE);
	store_release(c);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct got g = {0};
	assert_int_equal(store_query(s, "PRAGMA journal_mode", NULL, 0, collect, &g), 1);
	assert_string_equal(g.text[0], "wal");
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_query(s, "PRAGMA foreign_keys", NULL, 0, collect, &g), 1);
	assert_int_equal(g.v[0].i, 1);
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_query(s, "PRAGMA synchronous", NULL, 0, collect, &g), 1);
	assert_int_equal(g.v[0].i, 2); /* FULL */
	store_close(s);
	/* A directory that does not exist: a clear error. */
	snprintf(url, sizeof(url), "sqlite:%s/missing/x.db", dir);
	assert_int_equal(store_open(url, 1, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
}

static void test_sqlite_engine(void **state)
{
	char url[128], err[256];
	snprintf(url, sizeof(url), "sqlite://%s/engine.db", dir);
	struct store *s;
	assert_int_equal(store_open(url, 3, &s, err, sizeof(err)), 0);
	engine_suite(s);
	store_close(s);
}

static void test_sqlite_concurrent_migrations(void **state)
{
	char url[128];
	snprintf(url, sizeof(url), "%s/race.db", dir);
	concurrent_migrations(url);
}

static void test_sqlite_backup(void **state)
{
	char url[128], copy[128], err[256];
	snprintf(url, sizeof(url), "sqlite:%s/live.db", dir);
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	struct store *s;
	assert_int_equal(store_open(url, 2, &s, err, sizeof(err)), 0);
	int applied;
	assert_int_equal(store_migrate(s, &applied, err, sizeof(err)), 0);
	seed_backup_rows(s);
	assert_int_equal(store_backup(s, copy, backup_skip, err, sizeof(err)), 0);
	/* Never over an existing file, never into a missing directory. */
	assert_int_equal(store_backup(s, copy, backup_skip, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
	char bad[160];
	snprintf(bad, sizeof(bad), "%s/missing/copy.db", dir);
	assert_int_equal(store_backup(s, bad, backup_skip, err, sizeof(err)), -1);
	/* Without a list nothing is left out: the list is what keeps the keys out. */
	char whole[128];
	snprintf(whole, sizeof(whole), "%s/whole.db", dir);
	assert_int_equal(store_backup(s, whole, NULL, err, sizeof(err)), 0);
	assert_true(file_contains(whole, "KEYBYTES-do-not-back-up"));
	store_close(s);

	struct stat st;
	assert_int_equal(stat(copy, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_false(file_contains(copy, "KEYBYTES-do-not-back-up"));
	snprintf(url, sizeof(url), "sqlite:%.100s", copy);
	assert_int_equal(store_open(url, 1, &s, err, sizeof(err)), 0);
	struct got g = {0};
	assert_int_equal(store_query(s, "SELECT kind FROM subjects", NULL, 0, collect, &g), 1);
	assert_string_equal(g.text[0], "member");
	assert_int_equal(store_query(s, "SELECT subject_id FROM subject_keys", NULL, 0, NULL, NULL),
			 0);
	assert_int_equal(store_migrate(s, &applied, err, sizeof(err)), 0);
	assert_int_equal(applied, 0);
	store_close(s);
}

/*
 * Nothing of an erased row is left in any file of the database's directory
 * once store_scrub has run: secure_delete zeroes it in the database pages,
 * the checkpoint empties the write-ahead log that still held it.
 */
static void test_sqlite_scrub(void **state)
{
	char sub[96], url[160], err[256];
	snprintf(sub, sizeof(sub), "%s/scrub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(url, sizeof(url), "sqlite:%s/scrub.db", sub);
	struct store *s;
	assert_int_equal(store_open(url, 2, &s, err, sizeof(err)), 0);
	assert_int_equal(store_query(s, "CREATE TABLE secrets (id BIGINT PRIMARY KEY, v BYTEA)",
				     NULL, 0, NULL, NULL),
			 0);
	unsigned char blob[32];
	assert_int_equal(getrandom(blob, sizeof(blob), 0), (ssize_t)sizeof(blob));
	struct store_val row[] = {SV_INT(1), SV_BLOB(blob, sizeof(blob))};
	assert_int_equal(
		store_query(s, "INSERT INTO secrets (id, v) VALUES ($1, $2)", row, 2, NULL, NULL),
		1);
	struct store_val id[] = {SV_INT(1)};
	assert_int_equal(store_query(s, "DELETE FROM secrets WHERE id = $1", id, 1, NULL, NULL), 1);
	/* Deleted and committed, and still there: the test can fail. */
	int files;
	assert_true(dir_holds(sub, blob, sizeof(blob), &files));

	/* Another connection's open transaction holds the log: about 2 s of
	 * tries, then -1. */
	struct store_conn *c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_scrub(s, NULL), -1);
	int64_t waited = elapsed_ms(&t0);
	assert_true(waited >= SCRUB_WAIT_MS && waited < SCRUB_WAIT_MS + 1000);
	assert_int_equal(store_rollback(c), 0);
	store_release(c);
	assert_true(dir_holds(sub, blob, sizeof(blob), &files));

	static const char *const tables[] = {"secrets", NULL}; /* ignored on SQLite */
	assert_int_equal(store_scrub(s, tables), 0);
	assert_false(dir_holds(sub, blob, sizeof(blob), &files));
	assert_true(files >= 2); /* the database and its -shm at least */
	char wal[160];
	snprintf(wal, sizeof(wal), "%s/scrub.db-wal", sub);
	struct stat st;
	assert_true(stat(wal, &st) == 0 ? st.st_size == 0 : errno == ENOENT);
	/* The store works on after it. */
	assert_int_equal(store_query(s, "SELECT id FROM secrets", NULL, 0, NULL, NULL), 0);
	store_close(s);
}

struct holder {
	struct store *s;
	_Atomic int done;
	int rc;
};

/* No cmocka assertion here: they cannot leave another thread. */
static void *query_thread(void *arg)
{
	struct holder *h = arg;
	h->rc = store_query(h->s, "SELECT 1", NULL, 0, NULL, NULL);
	h->done = 1;
	return NULL;
}

/* A full pool makes the next caller wait, not fail. */
static void test_pool_waits(void **state)
{
	char url[128], err[256];
	snprintf(url, sizeof(url), "sqlite:%s/pool.db", dir);
	struct holder h = {NULL, 0, -1};
	assert_int_equal(store_open(url, 1, &h.s, err, sizeof(err)), 0);
	struct store_conn *c = store_acquire(h.s);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, query_thread, &h), 0);
	usleep(100 * 1000);
	assert_int_equal(h.done, 0);
	store_release(c);
	pthread_join(t, NULL);
	assert_int_equal(h.done, 1);
	assert_int_equal(h.rc, 1);
	store_close(h.s);
}

/* ---- PostgreSQL, on a fresh database next to GLOVEBOX_TEST_PG_URL ---- */

struct pg_db {
	char name[64];
	char url[512];
};

/* Creates an empty database and a URL for it (the given URL with its
 * database name replaced). */
static void pg_db_create(const char *base, const char *suffix, struct pg_db *db)
{
	snprintf(db->name, sizeof(db->name), "gb_unit_%ld_%s", (long)getpid(), suffix);
	char err[256], sql[128];
	struct store *admin;
	assert_int_equal(store_open(base, 1, &admin, err, sizeof(err)), 0);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db->name);
	assert_true(store_query(admin, sql, NULL, 0, NULL, NULL) >= 0);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db->name);
	assert_true(store_query(admin, sql, NULL, 0, NULL, NULL) >= 0);
	store_close(admin);
	const char *host = strstr(base, "://") + 3;
	size_t head = (size_t)(host - base) + strcspn(host, "/?");
	const char *rest = base + head;
	if (*rest == '/')
		rest += 1 + strcspn(rest + 1, "?");
	snprintf(db->url, sizeof(db->url), "%.*s/%s%s", (int)head, base, db->name, rest);
}

static void pg_db_drop(const char *base, struct pg_db *db)
{
	char err[256], sql[128];
	struct store *admin;
	assert_int_equal(store_open(base, 1, &admin, err, sizeof(err)), 0);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
	assert_true(store_query(admin, sql, NULL, 0, NULL, NULL) >= 0);
	store_close(admin);
}

static const char *pg_url(void)
{
	const char *url = getenv("GLOVEBOX_TEST_PG_URL");
	return url && *url ? url : NULL;
}

static void test_pg_engine(void **state)
{
	const char *base = pg_url();
	if (!base)
		skip();
	struct pg_db db;
	pg_db_create(base, "engine", &db);
	char err[256];
	struct store *s;
	assert_int_equal(store_open(db.url, 3, &s, err, sizeof(err)), 0);
	assert_int_equal(store_engine_of(s), STORE_POSTGRES);
	struct store_conn *c = store_acquire(s);
	assert_int_equal(store_conn_engine(c), STORE_POSTGRES);
	store_release(c);
	engine_suite(s);
	store_close(s);
	pg_db_drop(base, &db);
}

static int int_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* A connection the server dropped fails its statement, and is reconnected
 * (its prepared statements forgotten) when next handed out. */
static void test_pg_reconnect(void **state)
{
	const char *base = pg_url();
	if (!base)
		skip();
	char err[256];
	struct store *s, *admin;
	assert_int_equal(store_open(base, 1, &s, err, sizeof(err)), 0);
	assert_int_equal(store_open(base, 1, &admin, err, sizeof(err)), 0);
	int64_t pid = 0, again = 0;
	assert_int_equal(store_query(s, "SELECT pg_backend_pid()", NULL, 0, int_cb, &pid), 1);
	struct store_val v[] = {SV_INT(pid)};
	assert_int_equal(
		store_query(admin, "SELECT pg_terminate_backend($1::int)", v, 1, NULL, NULL), 1);
	usleep(100 * 1000);
	assert_int_equal(store_query(s, "SELECT pg_backend_pid()", NULL, 0, int_cb, &again),
			 STORE_ERROR);
	assert_int_equal(store_query(s, "SELECT pg_backend_pid()", NULL, 0, int_cb, &again), 1);
	assert_true(again != 0 && again != pid);
	store_close(admin);
	store_close(s);
}

static void test_pg_concurrent_migrations(void **state)
{
	const char *base = pg_url();
	if (!base)
		skip();
	struct pg_db db;
	pg_db_create(base, "race", &db);
	concurrent_migrations(db.url);
	pg_db_drop(base, &db);
}

static void test_pg_backup(void **state)
{
	const char *base = pg_url();
	if (!base)
		skip();
	struct pg_db db;
	pg_db_create(base, "backup", &db);
	char err[256], path[128];
	struct store *s;
	assert_int_equal(store_open(db.url, 2, &s, err, sizeof(err)), 0);
	int applied;
	assert_int_equal(store_migrate(s, &applied, err, sizeof(err)), 0);
	seed_backup_rows(s);
	snprintf(path, sizeof(path), "%s/dump.sql", dir);
	assert_int_equal(store_backup(s, path, backup_skip, err, sizeof(err)), 0);
	assert_int_equal(store_backup(s, path, backup_skip, err, sizeof(err)), -1);
	store_close(s);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(file_contains(path, "CREATE TABLE public.subject_keys"));
	assert_true(file_contains(path, "COPY public.subjects "));
	assert_false(file_contains(path, "COPY public.subject_keys "));
	assert_false(file_contains(path, "4b4559425954")); /* "KEYBYT" in hex */
	pg_db_drop(base, &db);
}

/* VACUUM runs on each table named, quoted as an identifier, outside any
 * transaction; a table that does not exist fails the call. */
static void test_pg_scrub(void **state)
{
	const char *base = pg_url();
	if (!base)
		skip();
	struct pg_db db;
	pg_db_create(base, "scrub", &db);
	char err[256];
	struct store *s;
	assert_int_equal(store_open(db.url, 2, &s, err, sizeof(err)), 0);
	assert_int_equal(store_query(s, "CREATE TABLE secrets (id BIGINT PRIMARY KEY, v BYTEA)",
				     NULL, 0, NULL, NULL),
			 0);
	assert_int_equal(
		store_query(s, "CREATE TABLE \"Odd \"\"name\" (id BIGINT)", NULL, 0, NULL, NULL),
		0);
	unsigned char blob[32];
	assert_int_equal(getrandom(blob, sizeof(blob), 0), (ssize_t)sizeof(blob));
	struct store_val row[] = {SV_INT(1), SV_BLOB(blob, sizeof(blob))};
	assert_int_equal(
		store_query(s, "INSERT INTO secrets (id, v) VALUES ($1, $2)", row, 2, NULL, NULL),
		1);
	assert_int_equal(store_query(s, "DELETE FROM secrets", NULL, 0, NULL, NULL), 1);
	static const char *const tables[] = {"secrets", "Odd \"name", NULL};
	assert_int_equal(store_scrub(s, tables), 0);
	int64_t vacuumed = 0;
	assert_int_equal(
		store_query(s,
			    "SELECT COUNT(*) FROM pg_stat_user_tables WHERE "
			    "relname IN ('secrets', 'Odd \"name') AND last_vacuum IS NOT NULL",
			    NULL, 0, int_cb, &vacuumed),
		1);
	assert_int_equal(vacuumed, 2);
	static const char *const missing[] = {"no_such_table", "secrets", NULL};
	assert_int_equal(store_scrub(s, missing), -1);
	assert_int_equal(store_scrub(s, NULL), 0);
	store_close(s);
	pg_db_drop(base, &db);
}

static void test_pg_bad_url(void **state)
{
	char err[256];
	struct store *s;
	/* libpq's own parse error would quote the password. */
	assert_int_equal(
		store_open("postgres://u:hunter2%zz@127.0.0.1:1/db", 1, &s, err, sizeof(err)), -1);
	assert_null(strstr(err, "hunter2"));
	/* Nothing listens on port 1. */
	assert_int_equal(store_open("postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2", 1, &s,
				    err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
	assert_null(strstr(err, "hunter2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_url_redaction),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_row_locks),
		cmocka_unit_test(test_nparams),
		cmocka_unit_test(test_statement_split),
		cmocka_unit_test(test_migration_list),
		cmocka_unit_test(test_statement_cache),
		cmocka_unit_test(test_sqlite_file),
		cmocka_unit_test(test_sqlite_engine),
		cmocka_unit_test(test_sqlite_concurrent_migrations),
		cmocka_unit_test(test_sqlite_backup),
		cmocka_unit_test(test_sqlite_scrub),
		cmocka_unit_test(test_pool_waits),
		cmocka_unit_test(test_pg_bad_url),
		cmocka_unit_test(test_pg_engine),
		cmocka_unit_test(test_pg_reconnect),
		cmocka_unit_test(test_pg_concurrent_migrations),
		cmocka_unit_test(test_pg_backup),
		cmocka_unit_test(test_pg_scrub),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
