/*
 * store_sqlite: the SQLite engine (the embedded default). WAL journal with
 * synchronous=FULL, so an acknowledged commit survives a crash or kill -9;
 * secure_delete, so erased rows do not linger in free pages. The only file
 * that includes <sqlite3.h>. Statements are prepared once per connection
 * and cached by their text.
 *
 * Where the engines differ in ways callers could come to rely on, this one
 * behaves like PostgreSQL: a failed statement spoils the transaction it ran
 * in (every later statement fails, and the commit rolls back), a string
 * holding two statements is refused instead of half-run, and so is text
 * with a NUL byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"
#include "mem.h"
#include "store_engine.h"

#define BUSY_TIMEOUT_MS	  10000
#define BACKUP_STEP_PAGES 1024 /* pages a backup step copies: 4 MiB of 4 KiB pages */
#define COLS_ON_STACK	  16
#define SCRUB_WAIT_MS	  2000	/* how long store_scrub waits for the log to be free */
#define SCRUB_PAUSE_US	  10000 /* between its tries */

struct engine_conn {
	sqlite3 *db;
	struct store_cache *cache; /* SQL text -> sqlite3_stmt */
	bool failed;		   /* a statement failed in the open transaction */
};

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* A character that continues a word: SQL's identifier characters, and any
 * byte of a UTF-8 sequence (both engines take those in identifiers). */
static bool is_word(char ch)
{
	unsigned char u = (unsigned char)ch;
	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
	       u == '_' || u == '$' || u >= 0x80;
}

/* The length of phrase (upper case, words separated by one space) at p,
 * in any case and with any blanks between its words; 0 if p does not
 * start with it as whole words. */
static size_t phrase_at(const char *p, const char *phrase)
{
	size_t i = 0;
	for (const char *w = phrase; *w; w++) {
		if (*w == ' ') {
			if (!is_blank(p[i]))
				return 0;
			while (is_blank(p[i]))
				i++;
		} else if (p[i] != *w && p[i] != *w - 'A' + 'a') {
			return 0;
		} else {
			i++;
		}
	}
	return is_word(p[i]) ? 0 : i;
}

/* PostgreSQL's row-locking clauses: a strength, then how to wait. */
static const char *const lock_strengths[] = {"FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE",
					     "FOR KEY SHARE"};
static const char *const lock_waits[] = {"SKIP LOCKED", "NOWAIT"};

static size_t phrase_of(const char *p, const char *const *phrases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = phrase_at(p, phrases[i]);
		if (len)
			return len;
	}
	return 0;
}

/*
 * The length of the row-locking clause at p ("FOR UPDATE", "FOR SHARE
 * SKIP LOCKED", ...), or 0. Only one that ends its statement or sub-select
 * (nothing but blanks before the end, a ')' or a ';') counts: any other
 * shape, such as "FOR UPDATE OF t", is left for SQLite to refuse.
 */
static size_t row_lock_at(const char *p)
{
	size_t len =
		phrase_of(p, lock_strengths, sizeof(lock_strengths) / sizeof(lock_strengths[0]));
	if (!len)
		return 0;
	size_t gap = 0;
	while (is_blank(p[len + gap]))
		gap++;
	if (gap) {
		size_t wait = phrase_of(p + len + gap, lock_waits,
					sizeof(lock_waits) / sizeof(lock_waits[0]));
		if (wait)
			len += gap + wait;
	}
	size_t after = len;
	while (is_blank(p[after]))
		after++;
	return p[after] == '\0' || p[after] == ')' || p[after] == ';' ? len : 0;
}

/*
 * The text SQLite is given for one SQL text serving both engines: $N
 * placeholders become ?N, which SQLite binds by number, and PostgreSQL's
 * row-locking clauses are cut out, blanks around them kept. SQLite has no
 * row locks and needs none: BEGIN IMMEDIATE has made the transaction the
 * only writer already. Quoted text ('literal', "name") and comments are
 * copied as they are; a doubled quote inside them closes and reopens,
 * which comes to the same. Allocated.
 */
static char *rewrite_sql(const char *sql)
{
	size_t n = strlen(sql), o = 0;
	char *out = xmalloc(n + 1);
	for (size_t i = 0; i < n;) {
		const char *end = NULL;
		if (sql[i] == '\'' || sql[i] == '"') {
			end = strchr(sql + i + 1, sql[i]);
		} else if (sql[i] == '-' && sql[i + 1] == '-') {
			end = strchr(sql + i, '\n');
		} else if (sql[i] == '/' && sql[i + 1] == '*') {
			end = strstr(sql + i + 2, "*/");
			if (end)
				end++;
		} else {
			size_t cut = i == 0 || !is_word(sql[i - 1]) ? row_lock_at(sql + i) : 0;
			if (cut) {
				i += cut;
				continue;
			}
			bool digit = sql[i + 1] >= '0' && sql[i + 1] <= '9';
			out[o++] = sql[i] == '$' && digit ? '?' : sql[i];
			i++;
			continue;
		}
		/* Up to and with the closing quote or comment mark, or to the end. */
		size_t stop = end ? (size_t)(end - sql) + 1 : n;
		memcpy(out + o, sql + i, stop - i);
		o += stop - i;
		i = stop;
	}
	out[o] = '\0';
	return out;
}

static void finalize_cached(void *stmt, void *arg)
{
	sqlite3_finalize(stmt);
}

static void sqlite_close_conn(struct engine_conn *c)
{
	if (!c)
		return;
	store_cache_free(c->cache);
	sqlite3_close(c->db);
	free(c);
}

static int journal_cb(void *ctx, int ncols, char **values, char **names)
{
	snprintf(ctx, 16, "%s", ncols > 0 && values[0] ? values[0] : "");
	return 0;
}

/* SQLite's memory statistics take one process-wide mutex on every
 * allocation, which all HTTP threads then queue on; glovebox reads none. */
static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void library_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

static struct engine_conn *sqlite_open(const char *path, char *err, size_t errlen)
{
	pthread_once(&library_once, library_setup);
	/* Created here, not by SQLite, so that the mode is 0600 from the start.
	 * Only when missing: closing any descriptor of an open database would
	 * drop the POSIX locks this process's other connections hold on it, and
	 * another process could then take the WAL for unused and reset it. */
	struct stat st;
	if (stat(path, &st) != 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return NULL;
		}
		if (fd >= 0)
			close(fd);
	}
	struct engine_conn *c = xcalloc(1, sizeof(*c));
	c->cache = store_cache_new(finalize_cached, NULL);
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite_close_conn(c);
		return NULL;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	char journal[16] = "";
	if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", journal_cb, journal, NULL) !=
		    SQLITE_OK ||
	    strcmp(journal, "wal") != 0) {
		snprintf(err, errlen, "cannot use a write-ahead log for %s: %s", path,
			 journal[0] ? journal : sqlite3_errmsg(c->db));
		sqlite_close_conn(c);
		return NULL;
	}
	static const char *const pragmas[] = {
		"PRAGMA synchronous=FULL",
		"PRAGMA foreign_keys=ON",
		"PRAGMA secure_delete=ON",
		"PRAGMA temp_store=MEMORY",
	};
	for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
		if (sqlite3_exec(c->db, pragmas[i], NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s failed: %s", pragmas[i], sqlite3_errmsg(c->db));
			sqlite_close_conn(c);
			return NULL;
		}
	return c;
}

static bool sqlite_in_transaction(struct engine_conn *c)
{
	return !sqlite3_get_autocommit(c->db);
}

/* SQLite's messages name tables, columns and constraints, never values. */
static int error_code(struct engine_conn *c, int rc, const char *sql)
{
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_CONFLICT;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		log_warn("sqlite: database busy after %d ms [%.80s]", BUSY_TIMEOUT_MS, sql);
		return STORE_BUSY;
	}
	log_error("sqlite: %s [%.80s]", sqlite3_errmsg(c->db), sql);
	return STORE_ERROR;
}

static bool only_blanks(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != ';')
			return false;
	return true;
}

/* The statement for sql, from the cache or newly prepared; *cached says
 * whether it stays there after use (else the caller finalizes it). */
static int prepare(struct engine_conn *c, const char *sql, bool once, sqlite3_stmt **out,
		   bool *cached)
{
	*cached = false;
	if (!once && (*out = store_cache_get(c->cache, sql)) != NULL) {
		*cached = true;
		return 0;
	}
	char *text = rewrite_sql(sql);
	const char *tail = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v3(c->db, text, -1, once ? 0 : SQLITE_PREPARE_PERSISTENT, &stmt,
				    &tail);
	int result = 0;
	if (rc != SQLITE_OK) {
		result = error_code(c, rc, sql);
	} else if (!stmt) {
		log_error("sqlite: empty statement");
		result = STORE_ERROR;
	} else if (tail && !only_blanks(tail)) {
		/* PostgreSQL refuses these; SQLite would run the first alone. */
		log_error("sqlite: more than one statement in one call [%.80s]", sql);
		sqlite3_finalize(stmt);
		stmt = NULL;
		result = STORE_ERROR;
	}
	free(text);
	if (stmt && !once)
		*cached = store_cache_put(c->cache, sql, stmt);
	*out = stmt;
	return result;
}

static int bind_params(sqlite3_stmt *stmt, const struct store_val *params, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int k = (int)i + 1, rc = SQLITE_MISUSE;
		const struct store_val *v = &params[i];
		switch (v->type) {
		case STORE_NULL:
			rc = sqlite3_bind_null(stmt, k);
			break;
		case STORE_INT:
			rc = sqlite3_bind_int64(stmt, k, v->i);
			break;
		case STORE_TEXT:
			if (v->n && memchr(v->p, '\0', v->n))
				return -1;
			/* A NULL pointer would bind SQL NULL, not the empty text. */
			rc = sqlite3_bind_text64(stmt, k, v->p ? v->p : "", v->n, SQLITE_STATIC,
						 SQLITE_UTF8);
			break;
		case STORE_BLOB:
			rc = sqlite3_bind_blob64(stmt, k, v->p ? v->p : "", v->n, SQLITE_STATIC);
			break;
		}
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

static void column(sqlite3_stmt *stmt, int i, struct store_val *v)
{
	*v = SV_NULL;
	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_INTEGER:
	case SQLITE_FLOAT: /* no REAL columns: aggregates like AVG, truncated */
		v->type = STORE_INT;
		v->i = sqlite3_column_int64(stmt, i);
		break;
	case SQLITE_TEXT:
		v->type = STORE_TEXT;
		v->p = sqlite3_column_text(stmt, i);
		v->n = (size_t)sqlite3_column_bytes(stmt, i);
		break;
	case SQLITE_BLOB:
		v->type = STORE_BLOB;
		v->p = sqlite3_column_blob(stmt, i);
		v->n = (size_t)sqlite3_column_bytes(stmt, i);
		if (!v->p)
			v->p = ""; /* the empty blob is not NULL */
		break;
	}
}

static int sqlite_exec(struct engine_conn *c, const char *sql, const struct store_val *params,
		       size_t nparams, store_row_fn fn, void *ctx, bool once)
{
	if (c->failed && sqlite_in_transaction(c)) {
		log_error("sqlite: statement in a transaction that already failed [%.80s]", sql);
		return STORE_ERROR;
	}
	sqlite3_stmt *stmt;
	bool cached;
	int result = prepare(c, sql, once, &stmt, &cached);
	if (result < 0)
		goto out;
	if ((size_t)sqlite3_bind_parameter_count(stmt) != nparams) {
		log_error("sqlite: statement takes %d parameters, given %zu [%.80s]",
			  sqlite3_bind_parameter_count(stmt), nparams, sql);
		result = STORE_ERROR;
		goto out;
	}
	if (bind_params(stmt, params, nparams) != 0) {
		log_error("sqlite: a parameter cannot be bound (text with a NUL byte?) [%.80s]",
			  sql);
		result = STORE_ERROR;
		goto out;
	}
	int ncols = sqlite3_column_count(stmt);
	struct store_val stack_cols[COLS_ON_STACK];
	struct store_val *cols =
		ncols > COLS_ON_STACK ? xmalloc((size_t)ncols * sizeof(*cols)) : stack_cols;
	sqlite3_int64 changes_before = sqlite3_total_changes64(c->db);
	bool stopped = !fn;
	for (;;) {
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			result = error_code(c, rc, sql);
			break;
		}
		if (result < INT_MAX)
			result++;
		if (stopped)
			continue; /* the statement still runs to its end */
		for (int i = 0; i < ncols; i++)
			column(stmt, i, &cols[i]);
		struct store_row row = {(size_t)ncols, cols};
		stopped = fn(ctx, &row) != 0;
	}
	if (cols != stack_cols)
		free(cols);
	/* sqlite3_changes() keeps the last INSERT, UPDATE or DELETE's count
	 * through other statements (DDL, BEGIN): trust it only if this one
	 * changed something. */
	if (result >= 0 && ncols == 0) {
		sqlite3_int64 n = sqlite3_total_changes64(c->db) == changes_before
					  ? 0
					  : sqlite3_changes64(c->db);
		result = n > INT_MAX ? INT_MAX : (int)n;
	}
out:
	if (stmt && cached) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	} else if (stmt) {
		sqlite3_finalize(stmt);
	}
	if (result < 0 && sqlite_in_transaction(c))
		c->failed = true;
	return result;
}

static int sqlite_begin(struct engine_conn *c)
{
	c->failed = false;
	/* IMMEDIATE: take the write lock now, while waiting for it is still
	 * harmless, instead of failing half-way when a read turns into a write. */
	return sqlite_exec(c, "BEGIN IMMEDIATE", NULL, 0, NULL, NULL, false) < 0 ? -1 : 0;
}

static int sqlite_rollback(struct engine_conn *c)
{
	c->failed = false;
	if (!sqlite_in_transaction(c))
		return 0; /* SQLite ends a transaction itself on some errors */
	return sqlite_exec(c, "ROLLBACK", NULL, 0, NULL, NULL, false) < 0 ? -1 : 0;
}

static int sqlite_commit(struct engine_conn *c)
{
	if (!sqlite_in_transaction(c)) {
		log_warn("sqlite: commit without a transaction");
		return -1;
	}
	if (c->failed) {
		sqlite_rollback(c);
		return -1;
	}
	return sqlite_exec(c, "COMMIT", NULL, 0, NULL, NULL, false) < 0 ? -1 : 0;
}

static int sqlite_acquire(struct engine_conn *c)
{
	return 0;
}

static void sqlite_release(struct engine_conn *c)
{
	sqlite_rollback(c);
}

/* Empties the skipped tables of a fresh copy; secure_delete overwrites the
 * freed content and VACUUM then rewrites the file without those pages. */
static int empty_tables(sqlite3 *db, const char *const *skip)
{
	sqlite3_stmt *exists = NULL;
	int rc = -1;
	if (sqlite3_exec(db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
			       -1, &exists, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; skip[i]; i++) {
		sqlite3_reset(exists);
		sqlite3_bind_text(exists, 1, skip[i], -1, SQLITE_STATIC);
		int step = sqlite3_step(exists);
		if (step == SQLITE_DONE)
			continue;
		if (step != SQLITE_ROW)
			goto out;
		/* A quoted identifier: the name comes from the caller's list in
		 * the code (broker_key_tables), never from input. */
		char *del = sqlite3_mprintf("DELETE FROM \"%w\"", skip[i]);
		int drc = sqlite3_exec(db, del, NULL, NULL, NULL);
		sqlite3_free(del);
		if (drc != SQLITE_OK)
			goto out;
	}
	sqlite3_finalize(exists);
	exists = NULL;
	rc = sqlite3_exec(db, "VACUUM", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
out:
	sqlite3_finalize(exists);
	return rc;
}

static int sqlite_backup(struct engine_conn *c, const char *target, const char *path,
			 const char *const *skip, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	sqlite3 *dst = NULL;
	int rc = -1;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s", path);
		goto out;
	}
	/* A consistent copy under one read transaction, held open on the
	 * source across the steps (a step uses the one it finds rather than
	 * taking its own), copied BACKUP_STEP_PAGES at a time so a terminal
	 * can show how far it has got (progress.h). */
	bool reading = sqlite3_exec(c->db, "BEGIN; SELECT COUNT(*) FROM sqlite_schema", NULL, NULL,
				    NULL) == SQLITE_OK;
	sqlite3_backup *b = reading ? sqlite3_backup_init(dst, "main", c->db, "main") : NULL;
	if (!b) {
		snprintf(err, errlen, "backup failed: %s", sqlite3_errmsg(reading ? dst : c->db));
		if (reading)
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	int step = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
	progress_begin("backup", "pages", sqlite3_backup_pagecount(b));
	while (step == SQLITE_OK) {
		progress_set(sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b));
		step = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
	}
	progress_set(sqlite3_backup_pagecount(b));
	progress_end();
	sqlite3_backup_finish(b);
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	if (step != SQLITE_DONE) {
		snprintf(err, errlen, "backup failed: %s", sqlite3_errstr(step));
		goto out;
	}
	/* The copy is one self-contained file, not a database in WAL mode. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK ||
	    empty_tables(dst, skip) != 0) {
		snprintf(err, errlen, "backup failed: %s", sqlite3_errmsg(dst));
		goto out;
	}
	rc = 0;
out:
	if (sqlite3_close(dst) != SQLITE_OK && rc == 0) {
		snprintf(err, errlen, "backup failed: cannot close %s", path);
		rc = -1;
	}
	if (rc != 0)
		unlink(path);
	return rc;
}

static int64_t elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - since->tv_sec) * 1000 +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

/*
 * A TRUNCATE checkpoint: the newest page images (deleted cells zeroed by
 * secure_delete) go back into the database file, and the write-ahead log,
 * whose older frames still hold the rows as they were, is cut to zero
 * bytes. It needs the writer gone and every reader on the newest snapshot;
 * those are mostly this process's other pool connections, each busy for
 * milliseconds, so it is tried again every 10 ms for up to 2 s rather than
 * through the busy handler, which would wait up to 10 s.
 */
static int sqlite_scrub(struct engine_conn *c, const char *const *tables)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	sqlite3_busy_timeout(c->db, 0);
	int rc;
	for (;;) {
		rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY || elapsed_ms(&start) >= SCRUB_WAIT_MS)
			break;
		usleep(SCRUB_PAUSE_US);
	}
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY)
		log_warn("sqlite: the write-ahead log was still in use after %d ms; it keeps "
			 "erased rows until a later checkpoint",
			 SCRUB_WAIT_MS);
	else
		log_error("sqlite: checkpoint failed: %s", sqlite3_errmsg(c->db));
	return -1;
}

const struct store_ops store_sqlite_ops = {
	.engine = STORE_SQLITE,
	.open = sqlite_open,
	.close = sqlite_close_conn,
	.acquire = sqlite_acquire,
	.release = sqlite_release,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.in_transaction = sqlite_in_transaction,
	.exec = sqlite_exec,
	.backup = sqlite_backup,
	.scrub = sqlite_scrub,
	.lock_migrations = NULL,
	.unlock_migrations = NULL,
};
