/*
 * Unit tests for the store on SQLite (and on PostgreSQL when
 * GLOVEBOX_TEST_PG_URL names a database): migrations, values of every type,
 * conflicts, transactions, backup, URL parsing, placeholder rewriting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/store_sqlite.c"

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

struct got {
	int rows;
	struct store_val v[4];
	char text[64];
	unsigned char blob[16];
};

static int collect(void *ctx, const struct store_row *row)
{
	struct got *g = ctx;
	g->rows++;
	for (size_t i = 0; i < row->ncols && i < 4; i++) {
		g->v[i] = row->cols[i];
		if (row->cols[i].type == STORE_TEXT)
			snprintf(g->text, sizeof(g->text), "%s", (const char *)row->cols[i].p);
		if (row->cols[i].type == STORE_BLOB && row->cols[i].n <= sizeof(g->blob))
			memcpy(g->blob, row->cols[i].p, row->cols[i].n);
	}
	return 0;
}

static void exercise(struct store *s)
{
	int applied = -1;
	char err[256];
	assert_int_equal(store_migrate(s, &applied, err, sizeof(err)), 0);
	assert_true(applied >= 2);
	assert_int_equal(store_migrate(s, &applied, err, sizeof(err)), 0);
	assert_int_equal(applied, 0);
	assert_true(store_schema_version(s) >= 2);
	/* A table of the test's own, with a column of each type. */
	assert_true(store_query(s, "CREATE TABLE IF NOT EXISTS scratch (id BIGINT PRIMARY KEY, "
				   "kind TEXT NOT NULL, data BYTEA, created_at BIGINT NOT NULL, "
				   "erased_at BIGINT)", NULL, 0, NULL, NULL) >= 0);

	const unsigned char blob[] = {0, 1, 0, 255, 'x'};
	struct store_val ins[] = {SV_INT(7), SV_TEXT("member"), SV_BLOB(blob, sizeof(blob)), SV_INT(100)};
	assert_int_equal(store_query(s, "INSERT INTO scratch (id, kind, data, created_at) "
					"VALUES ($1, $2, $3, $4)", ins, 4, NULL, NULL), 1);
	assert_int_equal(store_query(s, "INSERT INTO scratch (id, kind, data, created_at) "
					"VALUES ($1, $2, $3, $4)", ins, 4, NULL, NULL), STORE_CONFLICT);
	struct got g = {0};
	struct store_val id[] = {SV_INT(7)};
	assert_int_equal(store_query(s, "SELECT id, kind, data, erased_at FROM scratch WHERE id = $1",
				     id, 1, collect, &g), 1);
	assert_int_equal(g.v[0].type, STORE_INT);
	assert_int_equal(g.v[0].i, 7);
	assert_string_equal(g.text, "member");
	assert_int_equal(g.v[2].type, STORE_BLOB);
	assert_int_equal(g.v[2].n, sizeof(blob));
	assert_memory_equal(g.blob, blob, sizeof(blob));
	assert_int_equal(g.v[3].type, STORE_NULL);

	/* A rolled-back transaction leaves nothing. */
	struct store_conn *c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	assert_true(store_in_transaction(c));
	assert_int_equal(store_begin(c), -1);
	struct store_val ins2[] = {SV_INT(8), SV_TEXT("member"), SV_NULL, SV_INT(1)};
	assert_int_equal(store_exec(c, "INSERT INTO scratch (id, kind, data, created_at) "
				       "VALUES ($1, $2, $3, $4)", ins2, 4, NULL, NULL), 1);
	assert_int_equal(store_rollback(c), 0);
	store_release(c);
	memset(&g, 0, sizeof(g));
	struct store_val id8[] = {SV_INT(8)};
	assert_int_equal(store_query(s, "SELECT id FROM scratch WHERE id = $1", id8, 1, collect, &g), 0);
	/* A connection released inside a transaction comes back clean. */
	c = store_acquire(s);
	assert_int_equal(store_begin(c), 0);
	store_release(c);
	c = store_acquire(s);
	assert_false(store_in_transaction(c));
	store_release(c);
	/* An UPDATE reports the rows it changed. */
	struct store_val up[] = {SV_INT(7), SV_INT(5)};
	assert_int_equal(store_query(s, "UPDATE scratch SET erased_at = $2 WHERE id = $1", up, 2, NULL,
				     NULL), 1);
}

static void test_sqlite(void **state)
{
	char url[128], err[256];
	snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
	struct store *s;
	assert_int_equal(store_open(url, 3, &s, err, sizeof(err)), 0);
	assert_int_equal(store_engine_of(s), STORE_SQLITE);
	char path[128];
	snprintf(path, sizeof(path), "%s/t.db", dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	exercise(s);
	/* The backup is a database of its own, holding the rows. */
	char copy[128];
	snprintf(copy, sizeof(copy), "%s/copy.db", dir);
	assert_int_equal(store_backup(s, copy, err, sizeof(err)), 0);
	assert_int_equal(store_backup(s, copy, err, sizeof(err)), -1);   /* never overwrites */
	store_close(s);
	snprintf(url, sizeof(url), "sqlite:%.100s", copy);
	assert_int_equal(store_open(url, 1, &s, err, sizeof(err)), 0);
	struct got g = {0};
	assert_int_equal(store_query(s, "SELECT kind FROM scratch", NULL, 0, collect, &g), 1);
	store_close(s);
}

static void test_postgres(void **state)
{
	const char *url = getenv("GLOVEBOX_TEST_PG_URL");
	if (!url || !*url)
		skip();
	char err[256];
	struct store *s;
	assert_int_equal(store_open(url, 2, &s, err, sizeof(err)), 0);
	assert_int_equal(store_engine_of(s), STORE_POSTGRES);
	exercise(s);
	store_close(s);
}

static void test_bad_urls(void **state)
{
	static const char *const bad[] = {"mysql://x", "", "sqlite:", "file.txt", "http://x.db"};
	char err[256];
	struct store *s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(store_open(bad[i], 1, &s, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "unsupported database URL"));
	}
}

static void test_placeholders_rewritten_outside_quotes(void **state)
{
	char *s = rewrite_placeholders("SELECT $1, '$2', $10 FROM t WHERE a = $2");
	assert_string_equal(s, "SELECT ?1, '$2', ?10 FROM t WHERE a = ?2");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_postgres),
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_placeholders_rewritten_outside_quotes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
