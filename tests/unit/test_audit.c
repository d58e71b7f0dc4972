/*
 * Unit tests for the access log's keyed chain (src/data/audit.c, included
 * for its static functions): each way of tampering with the entries or the
 * head is named with its first broken entry; heads in a log are read and a
 * truncation shows against them; a head is logged only once its
 * transaction commits; a chain hashed the old way is re-keyed, and a
 * broken one is not unless the operator accepts it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/data/audit.c"

#include "fixture.h"

#include <cmocka.h>

static char log_path[128];

static int setup(void **state)
{
	if (fixture_open("tests/profiles/good-minimal.yaml") != 0)
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/test.log", fixture_dir);
	return 0;
}

static int teardown(void **state)
{
	return fixture_close();
}

static void sql(const char *text)
{
	struct store_conn *c = store_acquire(app.store);
	assert_true(store_exec(c, text, NULL, 0, NULL, NULL) >= 0);
	store_release(c);
}

static const struct audit_entry an_access = {"staff", 7,	 "verifier", "",
					     42,      "account", "email",    "read"};

/* An empty log, then n entries appended as the broker appends them. */
static void chain_of(int n)
{
	sql("DELETE FROM access_log");
	sql("DELETE FROM access_log_head");
	struct store_conn *c = store_acquire(app.store);
	for (int i = 0; i < n; i++)
		assert_int_equal(audit_append(c, &an_access), 0);
	store_release(c);
}

static int verify(const struct audit_log_heads *heads, struct audit_report *r)
{
	struct store_conn *c = store_acquire(app.store);
	int rc = audit_verify(c, heads, r);
	store_release(c);
	return rc;
}

static void test_an_intact_chain_ends_at_its_head(void **state)
{
	struct audit_report r;
	chain_of(0);
	assert_int_equal(verify(NULL, &r), 0);
	assert_int_equal(r.entries, 0);
	chain_of(3);
	assert_int_equal(verify(NULL, &r), 0);
	assert_int_equal(r.entries, 3);
	assert_true(r.has_head);
	assert_int_equal(r.head.seq, 3);
}

static void test_each_tampering_names_its_first_broken_entry(void **state)
{
	static const struct {
		const char *sql;
		enum audit_break why;
		int64_t seq;
	} cases[] = {
		{"UPDATE access_log SET role = 'admin' WHERE seq = 2", AUDIT_BAD_MAC, 2},
		{"UPDATE access_log SET at = at + 1 WHERE seq = 3", AUDIT_BAD_MAC, 3},
		{"UPDATE access_log SET prev_mac = (SELECT mac FROM access_log WHERE seq = 2) "
		 "WHERE seq = 2",
		 AUDIT_BAD_LINK, 2},
		{"DELETE FROM access_log WHERE seq = 2", AUDIT_MISSING, 2},
		{"DELETE FROM access_log WHERE seq > 1", AUDIT_MISSING, 2},
		{"DELETE FROM access_log", AUDIT_MISSING, 1},
		{"UPDATE access_log_head SET seq = 1, mac = (SELECT mac FROM access_log WHERE seq "
		 "= "
		 "1)",
		 AUDIT_PAST_HEAD, 2},
		{"UPDATE access_log_head SET mac = (SELECT mac FROM access_log WHERE seq = 2)",
		 AUDIT_HEAD_MAC, 3},
		{"DELETE FROM access_log_head", AUDIT_NO_HEAD, 3},
		/* Said to be under the old hash: checked so, and it is not. */
		{"UPDATE access_log_head SET version = 1", AUDIT_BAD_MAC, 1},
		{"UPDATE access_log_head SET version = 3", AUDIT_UNKNOWN_CHAIN, 1},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct audit_report r;
		char why[256];
		chain_of(3);
		sql(cases[i].sql);
		assert_int_equal(verify(NULL, &r), 1);
		audit_break_describe(&r, NULL, why, sizeof(why));
		printf("# %s: entry %lld, %s\n", cases[i].sql, (long long)r.bad_seq, why);
		assert_int_equal(r.why, cases[i].why);
		assert_int_equal(r.bad_seq, cases[i].seq);
	}
	/* A chain that verifies has a head no one moved. */
	chain_of(3);
	struct audit_report r;
	assert_int_equal(verify(NULL, &r), 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The log line of the chain's head as it stands. */
static void head_line(char *out, size_t n)
{
	struct head_row h;
	char hex[MAC_HEX + 1];
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(head_read(c, SQL_HEAD_READ, &h), 0);
	store_release(c);
	crypto_hex(h.head.mac, AUDIT_MAC_BYTES, hex);
	snprintf(out, n, "2025-01-01T00:00:00.000Z info " HEAD_MARK "%lld" HEAD_MAC_MARK "%s\n",
		 (long long)h.head.seq, hex);
}

static void test_heads_in_a_log_are_read_and_checked(void **state)
{
	char path[160], one[256], three[256], text[2048];
	struct audit_log_heads heads;
	struct audit_report r;
	snprintf(path, sizeof(path), "%s/heads.log", fixture_dir);
	chain_of(3);
	head_line(three, sizeof(three));
	snprintf(one, sizeof(one), "x " HEAD_MARK "1" HEAD_MAC_MARK "%s\n",
		 "abababababababababababababababababababababababababababababababab");
	/* Other lines, a prefix (journald's) and malformed heads are passed over. */
	snprintf(text, sizeof(text),
		 "2025-01-01T00:00:00.000Z info glovebox listening\n"
		 "Jan 01 glovebox[1]: %s"
		 "x access log head seq=2 mac=zz\n"
		 "x access log head seq=2 mac=%064d trailing\n"
		 "x access log head seq=12345678901234567890 mac=%064d\n",
		 three, 0, 0);
	write_file(path, text);
	assert_int_equal(audit_log_heads_read(path, &heads), 0);
	assert_int_equal(heads.n, 1);
	assert_int_equal(heads.v[0].head.seq, 3);
	assert_int_equal(heads.v[0].line, 2);
	assert_int_equal(verify(&heads, &r), 0);
	assert_int_equal(r.log_heads, 1);
	audit_log_heads_release(&heads);

	/* The head of another chain at entry 1 (the chain was rewritten). */
	snprintf(text, sizeof(text), "%s%s", three, one);
	write_file(path, text);
	assert_int_equal(audit_log_heads_read(path, &heads), 0);
	assert_int_equal(heads.n, 2);
	assert_int_equal(heads.v[0].head.seq, 1); /* by entry number */
	assert_int_equal(verify(&heads, &r), 1);
	assert_int_equal(r.why, AUDIT_LOG_DIFFERS);
	assert_int_equal(r.bad_seq, 1);
	assert_int_equal(r.log_head->line, 2);
	audit_log_heads_release(&heads);

	/* Entries taken away and the head moved back: only the log shows it. */
	write_file(path, three);
	sql("DELETE FROM access_log WHERE seq > 1");
	sql("UPDATE access_log_head SET seq = 1, mac = (SELECT mac FROM access_log WHERE seq = 1)");
	assert_int_equal(verify(NULL, &r), 0);
	assert_int_equal(audit_log_heads_read(path, &heads), 0);
	assert_int_equal(verify(&heads, &r), 1);
	assert_int_equal(r.why, AUDIT_LOG_UNREACHED);
	assert_int_equal(r.bad_seq, 2);
	assert_int_equal(r.log_head->head.seq, 3);
	char why[256];
	audit_break_describe(&r, path, why, sizeof(why));
	assert_non_null(strstr(why, "recorded the head at entry 3"));
	audit_log_heads_release(&heads);

	snprintf(path, sizeof(path), "%s/no-such.log", fixture_dir);
	assert_int_equal(audit_log_heads_read(path, &heads), -1);
}

static size_t heads_logged(void)
{
	struct audit_log_heads heads;
	log_close();
	assert_int_equal(audit_log_heads_read(log_path, &heads), 0);
	size_t n = heads.n;
	audit_log_heads_release(&heads);
	assert_int_equal(log_open(log_path, LOG_INFO), 0);
	return n;
}

static void test_a_head_is_logged_only_once_committed(void **state)
{
	chain_of(0);
	unlink(log_path);
	assert_int_equal(log_open(log_path, LOG_INFO), 0);
	struct store_conn *c = store_acquire(app.store);
	/* Undone: no head of it in the log, where it would look truncated. */
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(audit_append(c, &an_access), 0);
	assert_int_equal(heads_logged(), 0);
	assert_int_equal(store_rollback(c), 0);
	assert_int_equal(heads_logged(), 0);
	/* Two appends in one transaction: the last head, after the commit. */
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(audit_append(c, &an_access), 0);
	assert_int_equal(audit_append(c, &an_access), 0);
	assert_int_equal(heads_logged(), 0);
	assert_int_equal(store_commit(c), 0);
	assert_int_equal(heads_logged(), 1);
	/* An append in a transaction of its own. */
	assert_int_equal(audit_append(c, &an_access), 0);
	store_release(c);
	struct audit_log_heads heads;
	log_close();
	assert_int_equal(audit_log_heads_read(log_path, &heads), 0);
	assert_int_equal(heads.n, 2);
	assert_int_equal(heads.v[0].head.seq, 2);
	assert_int_equal(heads.v[1].head.seq, 3);
	struct audit_report r;
	assert_int_equal(verify(&heads, &r), 0);
	assert_int_equal(r.log_heads, 2);
	audit_log_heads_release(&heads);
}

/* n entries hashed as before issue 11 (the token key), the head version 1. */
static void old_chain_of(int n)
{
	unsigned char prev[AUDIT_MAC_BYTES] = {0}, hash[AUDIT_MAC_BYTES];
	chain_of(0);
	struct store_conn *c = store_acquire(app.store);
	for (int i = 1; i <= n; i++) {
		const struct audit_entry *e = &an_access;
		struct fields f = {i,
				   1700000000 + i,
				   e->actor_id,
				   e->subject,
				   text_of(e->actor_kind),
				   text_of(e->role),
				   text_of(e->recipient),
				   text_of(e->purpose),
				   text_of(e->categories),
				   text_of(e->action)};
		entry_old_hash(&f, prev, hash);
		struct store_val row[] = {SV_INT(f.seq),
					  SV_INT(f.at),
					  SV_TEXT(e->actor_kind),
					  SV_INT(e->actor_id),
					  SV_TEXT(e->role),
					  SV_TEXT(e->recipient),
					  SV_INT(e->subject),
					  SV_TEXT(e->purpose),
					  SV_TEXT(e->categories),
					  SV_TEXT(e->action),
					  SV_BLOB(prev, sizeof(prev)),
					  SV_BLOB(hash, sizeof(hash))};
		assert_int_equal(store_exec(c, SQL_LOG_INSERT, row, STORE_NPARAMS(row), NULL, NULL),
				 1);
		memcpy(prev, hash, sizeof(prev));
	}
	struct store_val head[] = {SV_INT(n), SV_BLOB(prev, sizeof(prev)), SV_INT(AUDIT_CHAIN_OLD)};
	assert_int_equal(store_exec(c,
				    "INSERT INTO access_log_head (id, seq, mac, version) VALUES "
				    "(1, $1, $2, $3)",
				    head, STORE_NPARAMS(head), NULL, NULL),
			 1);
	store_release(c);
}

static int upgrade(bool accept, struct audit_report *r, int64_t *rekeyed)
{
	struct store_conn *c = store_acquire(app.store);
	int rc = audit_upgrade(c, accept, r, rekeyed);
	store_release(c);
	return rc;
}

static void test_an_old_chain_is_rekeyed(void **state)
{
	struct audit_report r;
	int64_t n = 0;
	old_chain_of(3);
	/* Nothing is appended to it; it verifies as it is, under the old hash. */
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(audit_append(c, &an_access), -1);
	store_release(c);
	assert_int_equal(verify(NULL, &r), 0);
	assert_true(r.old_chain);
	assert_int_equal(r.entries, 3);
	assert_int_equal(upgrade(false, &r, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(verify(NULL, &r), 0);
	assert_false(r.old_chain);
	assert_int_equal(r.entries, 3);
	/* Once only; then the chain grows as any. */
	assert_int_equal(upgrade(false, &r, &n), 0);
	assert_int_equal(n, 0);
	c = store_acquire(app.store);
	assert_int_equal(audit_append(c, &an_access), 0);
	store_release(c);
	assert_int_equal(verify(NULL, &r), 0);
	assert_int_equal(r.entries, 4);
	/* No entry at all, an old head: keyed as it is. */
	old_chain_of(0);
	assert_int_equal(upgrade(false, &r, &n), 0);
	assert_int_equal(verify(NULL, &r), 0);
}

static void test_a_broken_old_chain_is_not_rekeyed(void **state)
{
	static const struct {
		const char *sql;
		enum audit_break why;
		int64_t seq;
		int after; /* audit_verify once accepted as it stands */
	} cases[] = {
		{"UPDATE access_log SET role = 'admin' WHERE seq = 2", AUDIT_BAD_MAC, 2, 0},
		{"DELETE FROM access_log WHERE seq = 3", AUDIT_MISSING, 3, 0},
		{"UPDATE access_log_head SET seq = 2, mac = (SELECT mac FROM access_log WHERE seq "
		 "= "
		 "2)",
		 AUDIT_PAST_HEAD, 3, 0},
		/* A gap in the middle stays one: re-keying renumbers nothing. */
		{"DELETE FROM access_log WHERE seq = 2", AUDIT_MISSING, 2, 1},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct audit_report r;
		int64_t n = 0;
		old_chain_of(3);
		sql(cases[i].sql);
		assert_int_equal(upgrade(false, &r, &n), 1);
		assert_int_equal(r.why, cases[i].why);
		assert_int_equal(r.bad_seq, cases[i].seq);
		assert_int_equal(n, 0);
		/* Left as it was: still old, still broken there. */
		assert_int_equal(verify(NULL, &r), 1);
		assert_true(r.old_chain);
		assert_int_equal(r.why, cases[i].why);
		assert_int_equal(r.bad_seq, cases[i].seq);
		/* Taken as it stands when the operator says so. */
		assert_int_equal(upgrade(true, &r, &n), 0);
		assert_int_equal(r.why, cases[i].why);
		assert_int_equal(verify(NULL, &r), cases[i].after);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_intact_chain_ends_at_its_head),
		cmocka_unit_test(test_each_tampering_names_its_first_broken_entry),
		cmocka_unit_test(test_heads_in_a_log_are_read_and_checked),
		cmocka_unit_test(test_a_head_is_logged_only_once_committed),
		cmocka_unit_test(test_an_old_chain_is_rekeyed),
		cmocka_unit_test(test_a_broken_old_chain_is_not_rekeyed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
