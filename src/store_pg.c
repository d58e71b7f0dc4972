/*
 * store_pg: the PostgreSQL engine, over libpq. The only file that includes
 * <libpq-fe.h>. Statements are prepared once per connection (named g0,
 * g1, ...) and cached by their text; parameters go as text, blobs as
 * binary; results come back as text and are converted by column type.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "store_engine.h"

#define CACHE_SLOTS 256
#define MAX_PARAMS 32
#define MAX_COLS 32

enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23 };

struct cached {
	char *sql;
	char name[16];
};

struct engine_conn {
	PGconn *pg;
	struct cached cache[CACHE_SLOTS];
	size_t ncache;
	unsigned next_name;
};

static void quiet_notices(void *arg, const char *message)
{
	/* Notices ("relation already exists, skipping") are not errors. */
}

static void cache_clear(struct engine_conn *c)
{
	for (size_t i = 0; i < c->ncache; i++)
		free(c->cache[i].sql);
	c->ncache = 0;
}

static void pg_disconnect(struct engine_conn *c)
{
	if (!c)
		return;
	cache_clear(c);
	PQfinish(c->pg);
	free(c);
}

static struct engine_conn *pg_connect(const char *url, char *err, size_t errlen)
{
	struct engine_conn *c = xcalloc(1, sizeof(*c));
	c->pg = PQconnectdb(url);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password. */
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s", PQerrorMessage(c->pg));
		char *nl = strchr(err, '\n');
		if (nl)
			*nl = '\0';
		pg_disconnect(c);
		return NULL;
	}
	PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
	PGresult *r = PQexec(c->pg, "SET synchronous_commit = on");
	PQclear(r);
	return c;
}

static int pg_check(struct engine_conn *c)
{
	if (PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	log_warn("postgres: connection lost; reconnecting");
	cache_clear(c);
	PQreset(c->pg);
	return PQstatus(c->pg) == CONNECTION_OK ? 0 : -1;
}

static int count_parse(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return (*end || v < 0 || v > 2000000000) ? 0 : (int)v;
}

static int result_code(PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (state && strcmp(state, "23505") == 0)
		return STORE_CONFLICT;
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
		return STORE_BUSY;
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	log_error("postgres: statement failed: %s (%s)", msg ? msg : "?", state ? state : "?");
	return STORE_ERROR;
}

static const char *prepared_name(struct engine_conn *c, const char *sql, int nparams)
{
	for (size_t i = 0; i < c->ncache; i++)
		if (strcmp(c->cache[i].sql, sql) == 0)
			return c->cache[i].name;
	if (c->ncache >= CACHE_SLOTS)
		return NULL;
	struct cached *e = &c->cache[c->ncache];
	snprintf(e->name, sizeof(e->name), "g%u", c->next_name++);
	PGresult *r = PQprepare(c->pg, e->name, sql, nparams, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		result_code(r);
	PQclear(r);
	if (!ok)
		return NULL;
	e->sql = xstrdup(sql);
	c->ncache++;
	return e->name;
}

static int deliver_rows(PGresult *r, store_row_fn fn, void *ctx)
{
	int nrows = PQntuples(r), ncols = PQnfields(r);
	if (!fn)
		return nrows;
	size_t n = ncols > MAX_COLS ? MAX_COLS : (size_t)ncols;
	struct store_val cols[MAX_COLS];
	unsigned char *blobs[MAX_COLS];
	for (int row = 0; row < nrows; row++) {
		memset(blobs, 0, sizeof(blobs));
		for (size_t i = 0; i < n; i++) {
			struct store_val *v = &cols[i];
			memset(v, 0, sizeof(*v));
			if (PQgetisnull(r, row, (int)i)) {
				v->type = STORE_NULL;
				continue;
			}
			const char *text = PQgetvalue(r, row, (int)i);
			switch (PQftype(r, (int)i)) {
			case OID_INT8:
			case OID_INT4:
			case OID_INT2:
				v->type = STORE_INT;
				v->i = strtoll(text, NULL, 10);
				break;
			case OID_BOOL:
				v->type = STORE_INT;
				v->i = text[0] == 't';
				break;
			case OID_BYTEA: {
				size_t len = 0;
				blobs[i] = PQunescapeBytea((const unsigned char *)text, &len);
				v->type = STORE_BLOB;
				v->p = blobs[i];
				v->n = len;
				break;
			}
			default:
				v->type = STORE_TEXT;
				v->p = text;
				v->n = (size_t)PQgetlength(r, row, (int)i);
			}
		}
		struct store_row sr = {n, cols};
		int stop = fn(ctx, &sr);
		for (size_t i = 0; i < n; i++)
			if (blobs[i])
				PQfreemem(blobs[i]);
		if (stop)
			break;
	}
	return nrows;
}

static int pg_exec(struct engine_conn *c, const char *sql, const struct store_val *params,
		   size_t nparams, store_row_fn fn, void *ctx)
{
	if (nparams > MAX_PARAMS)
		return STORE_ERROR;
	const char *values[MAX_PARAMS];
	int lengths[MAX_PARAMS], formats[MAX_PARAMS];
	char ints[MAX_PARAMS][24];
	char *texts[MAX_PARAMS] = {0};
	for (size_t i = 0; i < nparams; i++) {
		const struct store_val *v = &params[i];
		formats[i] = 0;
		lengths[i] = 0;
		switch (v->type) {
		case STORE_NULL:
			values[i] = NULL;
			break;
		case STORE_INT:
			snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)v->i);
			values[i] = ints[i];
			break;
		case STORE_TEXT:
			/* libpq wants text parameters NUL-terminated. */
			texts[i] = xstrndup(v->p, v->n);
			values[i] = texts[i];
			break;
		case STORE_BLOB:
			values[i] = v->p ? v->p : "";
			lengths[i] = (int)v->n;
			formats[i] = 1;
			break;
		}
	}
	PGresult *r;
	if (strchr(sql, '\n')) {
		r = PQexecParams(c->pg, sql, (int)nparams, NULL, values, lengths, formats, 0);
	} else {
		const char *name = prepared_name(c, sql, (int)nparams);
		r = name ? PQexecPrepared(c->pg, name, (int)nparams, values, lengths, formats, 0) : NULL;
	}
	for (size_t i = 0; i < nparams; i++)
		free(texts[i]);
	if (!r)
		return STORE_ERROR;
	int rc;
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		rc = deliver_rows(r, fn, ctx);
		break;
	case PGRES_COMMAND_OK: {
		const char *n = PQcmdTuples(r);
		rc = n && *n ? count_parse(n) : 0;
		break;
	}
	default:
		rc = result_code(r);
	}
	PQclear(r);
	return rc;
}

static bool pg_in_transaction(struct engine_conn *c)
{
	PGTransactionStatusType s = PQtransactionStatus(c->pg);
	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

static int pg_backup(struct engine_conn *c, const char *url, const char *path, char *err,
		     size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	char *file_arg = xmalloc(strlen(path) + 8), *db_arg = xmalloc(strlen(url) + 10);
	snprintf(file_arg, strlen(path) + 8, "--file=%s", path);
	snprintf(db_arg, strlen(url) + 10, "--dbname=%s", url);
	/* Backups hold no data keys (ALL02): see migrations/004_subject_keys.sql. */
	char *argv[] = {"pg_dump",	"--no-owner", "--no-privileges", "--format=plain",
			"--exclude-table-data=subject_keys", file_arg, db_arg, NULL};
	extern char **environ;
	pid_t pid;
	int rc = -1, status = 0;
	if (posix_spawnp(&pid, "pg_dump", NULL, NULL, argv, environ) != 0) {
		snprintf(err, errlen, "cannot run pg_dump (install postgresql-client)");
	} else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "pg_dump failed");
	} else {
		rc = 0;
	}
	if (rc != 0)
		unlink(path);
	free(file_arg);
	free(db_arg);
	return rc;
}

const struct store_ops store_pg_ops = {
	.engine = STORE_POSTGRES,
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.check = pg_check,
	.exec = pg_exec,
	.begin_sql = "BEGIN",
	.in_transaction = pg_in_transaction,
	.backup = pg_backup,
	.lock_sql = "SELECT pg_advisory_lock(7158431)",
	.unlock_sql = "SELECT pg_advisory_unlock(7158431)",
};
