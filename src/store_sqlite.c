/*
 * store_sqlite: the SQLite engine. WAL journal with synchronous=FULL, so a
 * committed transaction survives a crash or kill -9. The only file that
 * includes <sqlite3.h>. Statements are prepared once per connection and
 * cached by their text.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "store_engine.h"

#define CACHE_SLOTS 256

struct cached {
	char *sql;               /* our own copy of the statement's text */
	sqlite3_stmt *stmt;
};

struct engine_conn {
	sqlite3 *db;
	struct cached cache[CACHE_SLOTS];
	size_t ncache;
};

/* $N placeholders become ?N, which SQLite binds by number. Text inside
 * single quotes is left alone. */
static char *rewrite_placeholders(const char *sql)
{
	size_t n = strlen(sql);
	char *out = xmalloc(n + 1);
	bool quoted = false;
	for (size_t i = 0; i <= n; i++) {
		char ch = sql[i];
		if (ch == '\'')
			quoted = !quoted;
		out[i] = (!quoted && ch == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') ? '?' : ch;
	}
	return out;
}

static void sqlite_disconnect(struct engine_conn *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncache; i++) {
		sqlite3_finalize(c->cache[i].stmt);
		free(c->cache[i].sql);
	}
	sqlite3_close(c->db);
	free(c);
}

static struct engine_conn *sqlite_connect(const char *path, char *err, size_t errlen)
{
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
	if (sqlite3_open_v2(path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(c->db));
		sqlite_disconnect(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 10000);
	static const char *const pragmas[] = {
		"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
		"PRAGMA secure_delete=ON", "PRAGMA temp_store=MEMORY",
	};
	for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
		if (sqlite3_exec(c->db, pragmas[i], NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s failed: %s", pragmas[i], sqlite3_errmsg(c->db));
			sqlite_disconnect(c);
			return NULL;
		}
	return c;
}

static int sqlite_check(struct engine_conn *c)
{
	return 0;
}

static sqlite3_stmt *prepare(struct engine_conn *c, const char *sql)
{
	for (size_t i = 0; i < c->ncache; i++)
		if (strcmp(c->cache[i].sql, sql) == 0)
			return c->cache[i].stmt;
	char *text = rewrite_placeholders(sql);
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(c->db, text, -1, &stmt, NULL);
	free(text);
	if (rc != SQLITE_OK) {
		log_error("sqlite: cannot prepare a statement: %s", sqlite3_errmsg(c->db));
		return NULL;
	}
	/* Migration statements (the only ones spanning lines) run once: not cached. */
	if (c->ncache < CACHE_SLOTS && strchr(sql, '\n') == NULL) {
		c->cache[c->ncache].sql = xstrdup(sql);
		c->cache[c->ncache].stmt = stmt;
		c->ncache++;
		return stmt;
	}
	return stmt;
}

static bool is_cached(struct engine_conn *c, sqlite3_stmt *stmt)
{
	for (size_t i = 0; i < c->ncache; i++)
		if (c->cache[i].stmt == stmt)
			return true;
	return false;
}

static int bind(sqlite3_stmt *stmt, const struct store_val *params, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int k = (int)i + 1, rc = SQLITE_OK;
		const struct store_val *v = &params[i];
		switch (v->type) {
		case STORE_NULL:
			rc = sqlite3_bind_null(stmt, k);
			break;
		case STORE_INT:
			rc = sqlite3_bind_int64(stmt, k, v->i);
			break;
		case STORE_TEXT:
			rc = sqlite3_bind_text(stmt, k, v->p, (int)v->n, SQLITE_STATIC);
			break;
		case STORE_BLOB:
			rc = sqlite3_bind_blob(stmt, k, v->p ? v->p : "", (int)v->n, SQLITE_STATIC);
			break;
		}
		if (rc != SQLITE_OK)
			return -1;
	}
	return 0;
}

static int sqlite_exec(struct engine_conn *c, const char *sql, const struct store_val *params,
		       size_t nparams, store_row_fn fn, void *ctx)
{
	sqlite3_stmt *stmt = prepare(c, sql);
	if (!stmt)
		return STORE_ERROR;
	int result = 0;
	if (bind(stmt, params, nparams) != 0) {
		result = STORE_ERROR;
		goto out;
	}
	int ncols = sqlite3_column_count(stmt);
	struct store_val cols[32];
	bool stopped = false;
	for (;;) {
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			int ext = sqlite3_extended_errcode(c->db);
			if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
				result = STORE_CONFLICT;
			else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
				result = STORE_BUSY;
			else {
				log_error("sqlite: statement failed: %s", sqlite3_errmsg(c->db));
				result = STORE_ERROR;
			}
			goto out;
		}
		result++;
		if (!fn || stopped)
			continue;
		size_t n = ncols > 32 ? 32 : (size_t)ncols;
		for (size_t i = 0; i < n; i++) {
			struct store_val *v = &cols[i];
			memset(v, 0, sizeof(*v));
			switch (sqlite3_column_type(stmt, (int)i)) {
			case SQLITE_INTEGER:
			case SQLITE_FLOAT:
				v->type = STORE_INT;
				v->i = sqlite3_column_int64(stmt, (int)i);
				break;
			case SQLITE_TEXT:
				v->type = STORE_TEXT;
				v->p = sqlite3_column_text(stmt, (int)i);
				v->n = (size_t)sqlite3_column_bytes(stmt, (int)i);
				break;
			case SQLITE_BLOB:
				v->type = STORE_BLOB;
				v->p = sqlite3_column_blob(stmt, (int)i);
				v->n = (size_t)sqlite3_column_bytes(stmt, (int)i);
				break;
			default:
				v->type = STORE_NULL;
			}
		}
		struct store_row row = {n, cols};
		if (fn(ctx, &row) != 0)
			stopped = true;
	}
	if (ncols == 0)
		result = sqlite3_changes(c->db);
out:
	if (is_cached(c, stmt)) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	} else {
		sqlite3_finalize(stmt);
	}
	return result;
}

static bool sqlite_in_transaction(struct engine_conn *c)
{
	return !sqlite3_get_autocommit(c->db);
}

static int sqlite_backup(struct engine_conn *c, const char *target, const char *path, char *err,
			 size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	sqlite3 *dst = NULL;
	int rc = -1;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s", path);
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->db, "main");
	if (!b) {
		snprintf(err, errlen, "backup failed: %s", sqlite3_errmsg(dst));
		goto out;
	}
	int step = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		snprintf(err, errlen, "backup failed: %s", sqlite3_errstr(step));
		goto out;
	}
	/* The copy is a single self-contained file, not in WAL mode, and holds
	 * no data keys: VACUUM rewrites it so no page keeps their bytes. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE; DELETE FROM subject_keys; VACUUM", NULL,
			 NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "backup failed: %s", sqlite3_errmsg(dst));
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(dst);
	if (rc != 0)
		unlink(path);
	return rc;
}

const struct store_ops store_sqlite_ops = {
	.engine = STORE_SQLITE,
	.connect = sqlite_connect,
	.disconnect = sqlite_disconnect,
	.check = sqlite_check,
	.exec = sqlite_exec,
	.begin_sql = "BEGIN IMMEDIATE",
	.in_transaction = sqlite_in_transaction,
	.backup = sqlite_backup,
	.lock_sql = NULL,
	.unlock_sql = NULL,
};
