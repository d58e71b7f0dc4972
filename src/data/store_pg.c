/*
 * store_pg: the PostgreSQL engine, over libpq, for several glovebox
 * processes sharing one database. The only file that includes <libpq-fe.h>.
 * Statements are prepared once per connection (named g0, g1, ...) and
 * cached by their text; parameters go as text, blobs as binary; results
 * come back as text and are converted by column type so that rows look as
 * SQLite's do (integers, booleans and aggregates as STORE_INT, bytea as
 * STORE_BLOB).
 */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "progress.h"
#include "store_engine.h"
#include "text.h"

#define ON_STACK     16
#define MAX_PARAMS   65535 /* the protocol's limit */
#define KIB	     1024
#define DUMP_POLL_US 100000 /* how often a running pg_dump's output is measured */

/* "glovebox" as a big-endian integer: the advisory lock of migration runs. */
#define MIGRATION_LOCK "7452454037689102200"

enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_OID = 26,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_NUMERIC = 1700,
};

struct engine_conn {
	PGconn *pg;
	struct store_cache *cache; /* SQL text -> statement name */
	unsigned next_name;
};

static void quiet_notices(void *arg, const char *message)
{
	/* Notices ("relation already exists, skipping") are not errors. */
}

static void free_name(void *name, void *arg)
{
	free(name);
}

/* libpq's messages end in a newline and may run on: the first line is enough. */
static void first_line(const char *msg, char *out, size_t outlen)
{
	if (!msg)
		msg = "";
	snprintf(out, outlen, "%.*s", (int)strcspn(msg, "\n"), msg);
}

static void pg_close_conn(struct engine_conn *c)
{
	if (!c)
		return;
	store_cache_free(c->cache);
	PQfinish(c->pg);
	free(c);
}

/* What every session needs, at connect and after a reconnect. */
static int session_setup(struct engine_conn *c)
{
	PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
	if (PQsetClientEncoding(c->pg, "UTF8") != 0)
		return -1;
	/* An acknowledged write is on disk, whatever the server's default. */
	PGresult *r = PQexec(c->pg, "SET synchronous_commit = on");
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

static struct engine_conn *pg_open(const char *url, char *err, size_t errlen)
{
	/* Parsed first and alone, because libpq's parse errors quote the
	 * offending part of the URL, which may be the password. */
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &perr);
	if (!opts) {
		snprintf(err, errlen, "invalid PostgreSQL URL");
		PQfreemem(perr);
		return NULL;
	}
	PQconninfoFree(opts);
	struct engine_conn *c = xcalloc(1, sizeof(*c));
	c->cache = store_cache_new(free_name, NULL);
	c->pg = PQconnectdb(url);
	if (!c->pg)
		abort(); /* out of memory, as xmalloc would */
	char msg[256];
	if (PQstatus(c->pg) != CONNECTION_OK) {
		/* These name host, port, user and database, never the password. */
		first_line(PQerrorMessage(c->pg), msg, sizeof(msg));
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s", msg);
		pg_close_conn(c);
		return NULL;
	}
	if (session_setup(c) != 0) {
		first_line(PQerrorMessage(c->pg), msg, sizeof(msg));
		snprintf(err, errlen, "cannot set up the PostgreSQL session: %s", msg);
		pg_close_conn(c);
		return NULL;
	}
	return c;
}

static int pg_acquire(struct engine_conn *c)
{
	if (PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	log_warn("postgres: connection lost; reconnecting");
	store_cache_clear(c->cache); /* prepared statements die with the session */
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK || session_setup(c) != 0) {
		char msg[256];
		first_line(PQerrorMessage(c->pg), msg, sizeof(msg));
		log_error("postgres: cannot reconnect: %s", msg);
		return -1;
	}
	return 0;
}

/*
 * The STORE_* code of a failed result, logged unless it is an expected
 * outcome. PostgreSQL quotes the offending value in its data-exception
 * messages (class 22: "invalid input syntax for type bigint: ..."), so
 * those are logged by SQLSTATE alone.
 */
static int result_code(struct engine_conn *c, const PGresult *r, const char *sql)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state && strcmp(state, "23505") == 0)
		return STORE_CONFLICT;
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
		log_warn("postgres: serialization failure or deadlock (%s) [%.80s]", state, sql);
		return STORE_BUSY;
	}
	char msg[256];
	if (state && text_after(state, "22"))
		snprintf(msg, sizeof(msg), "invalid data");
	else if (r && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY))
		first_line(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY), msg, sizeof(msg));
	else
		first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg), msg, sizeof(msg));
	log_error("postgres: %s (%s) [%.80s]", msg, state ? state : "no SQLSTATE", sql);
	return STORE_ERROR;
}

static int64_t float_to_int(const char *text)
{
	double d = strtod(text, NULL);
	if (isnan(d))
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d; /* truncated, as SQLite's column_int64 does */
}

static void convert(const PGresult *r, int row, int col, struct store_val *v, unsigned char **blob)
{
	*v = SV_NULL;
	if (PQgetisnull(r, row, col))
		return;
	const char *text = PQgetvalue(r, row, col);
	switch (PQftype(r, col)) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2:
	case OID_OID:
	case OID_NUMERIC: /* SUM(bigint) is numeric; integral in our schema */
		v->type = STORE_INT;
		v->i = strtoll(text, NULL, 10);
		break;
	case OID_FLOAT4:
	case OID_FLOAT8:
		v->type = STORE_INT;
		v->i = float_to_int(text);
		break;
	case OID_BOOL:
		v->type = STORE_INT;
		v->i = text[0] == 't';
		break;
	case OID_BYTEA: {
		size_t len = 0;
		*blob = PQunescapeBytea((const unsigned char *)text, &len);
		if (!*blob)
			abort(); /* out of memory, as xmalloc would */
		v->type = STORE_BLOB;
		v->p = *blob;
		v->n = len;
		break;
	}
	default:
		v->type = STORE_TEXT;
		v->p = text;
		v->n = (size_t)PQgetlength(r, row, col);
	}
}

static int deliver_rows(const PGresult *r, store_row_fn fn, void *ctx)
{
	int nrows = PQntuples(r), ncols = PQnfields(r);
	if (!fn)
		return nrows;
	struct store_val stack_cols[ON_STACK];
	unsigned char *stack_blobs[ON_STACK];
	struct store_val *cols = stack_cols;
	unsigned char **blobs = stack_blobs;
	if (ncols > ON_STACK) {
		cols = xcalloc((size_t)ncols, sizeof(*cols));
		blobs = xcalloc((size_t)ncols, sizeof(*blobs));
	}
	for (int row = 0; row < nrows; row++) {
		for (int i = 0; i < ncols; i++) {
			blobs[i] = NULL;
			convert(r, row, i, &cols[i], &blobs[i]);
		}
		struct store_row sr = {(size_t)ncols, cols};
		int stop = fn(ctx, &sr);
		for (int i = 0; i < ncols; i++)
			if (blobs[i])
				PQfreemem(blobs[i]);
		if (stop)
			break;
	}
	if (cols != stack_cols) {
		free(cols);
		free(blobs);
	}
	return nrows;
}

static int count_parse(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v < 0)
		return 0; /* "" for commands without a count (DDL, SET) */
	return v > INT_MAX ? INT_MAX : (int)v;
}

/* The name of sql's prepared statement, preparing it on first use; NULL
 * when it runs unprepared (a migration step, or the cache is full). */
static int prepared_name(struct engine_conn *c, const char *sql, int nparams, bool once,
			 const char **name)
{
	*name = NULL;
	if (once)
		return 0;
	if ((*name = store_cache_get(c->cache, sql)) != NULL || store_cache_full(c->cache))
		return 0;
	char fresh[16];
	snprintf(fresh, sizeof(fresh), "g%u", c->next_name++);
	PGresult *r = PQprepare(c->pg, fresh, sql, nparams, NULL);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : result_code(c, r, sql);
	PQclear(r);
	if (rc != 0)
		return rc;
	char *copy = xstrdup(fresh);
	store_cache_put(c->cache, sql, copy);
	*name = copy;
	return 0;
}

struct params {
	const char **values;
	int *lengths, *formats;
	char **owned; /* text copies of INT and TEXT values */
	const char *s_values[ON_STACK];
	int s_lengths[ON_STACK], s_formats[ON_STACK];
	char *s_owned[ON_STACK];
};

static void params_init(struct params *p, size_t n)
{
	p->values = p->s_values;
	p->lengths = p->s_lengths;
	p->formats = p->s_formats;
	p->owned = p->s_owned;
	if (n > ON_STACK) {
		p->values = xcalloc(n, sizeof(*p->values));
		p->lengths = xcalloc(n, sizeof(*p->lengths));
		p->formats = xcalloc(n, sizeof(*p->formats));
		p->owned = xcalloc(n, sizeof(*p->owned));
	}
	for (size_t i = 0; i < n; i++) {
		p->values[i] = NULL;
		p->lengths[i] = p->formats[i] = 0;
		p->owned[i] = NULL;
	}
}

static void params_release(struct params *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p->owned[i]);
	if (n > ON_STACK) {
		free(p->values);
		free(p->lengths);
		free(p->formats);
		free(p->owned);
	}
}

static int params_fill(struct params *p, const struct store_val *params, size_t n, const char *sql)
{
	for (size_t i = 0; i < n; i++) {
		const struct store_val *v = &params[i];
		switch (v->type) {
		case STORE_NULL:
			break;
		case STORE_INT:
			p->owned[i] = xmalloc(24);
			snprintf(p->owned[i], 24, "%lld", (long long)v->i);
			p->values[i] = p->owned[i];
			break;
		case STORE_TEXT:
			/* libpq takes text parameters NUL-terminated; PostgreSQL's
			 * text cannot hold a NUL, so one is refused, not cut at. */
			if (v->n && memchr(v->p, '\0', v->n)) {
				log_error("postgres: text parameter %zu holds a NUL byte [%.80s]",
					  i + 1, sql);
				return -1;
			}
			p->owned[i] = xstrndup(v->n ? v->p : "", v->n);
			p->values[i] = p->owned[i];
			break;
		case STORE_BLOB:
			if (v->n > INT_MAX) {
				log_error("postgres: blob parameter %zu too large [%.80s]", i + 1,
					  sql);
				return -1;
			}
			p->values[i] = v->p ? v->p : "";
			p->lengths[i] = (int)v->n;
			p->formats[i] = 1;
			break;
		}
	}
	return 0;
}

static int pg_exec(struct engine_conn *c, const char *sql, const struct store_val *params,
		   size_t nparams, store_row_fn fn, void *ctx, bool once)
{
	if (nparams > MAX_PARAMS) {
		log_error("postgres: too many parameters [%.80s]", sql);
		return STORE_ERROR;
	}
	struct params p;
	params_init(&p, nparams);
	const char *name = NULL;
	int rc = params_fill(&p, params, nparams, sql) != 0 ? STORE_ERROR : 0;
	if (rc == 0)
		rc = prepared_name(c, sql, (int)nparams, once, &name);
	if (rc != 0)
		goto out;
	PGresult *r =
		name ? PQexecPrepared(c->pg, name, (int)nparams, p.values, p.lengths, p.formats, 0)
		     : PQexecParams(c->pg, sql, (int)nparams, NULL, p.values, p.lengths, p.formats,
				    0);
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
		rc = deliver_rows(r, fn, ctx);
		break;
	case PGRES_COMMAND_OK:
		rc = count_parse(PQcmdTuples(r));
		break;
	default:
		rc = result_code(c, r, sql);
	}
	PQclear(r);
out:
	params_release(&p, nparams);
	return rc;
}

/* One transaction-control command; 0 if it answered with tag. */
static int control(struct engine_conn *c, const char *sql, const char *tag)
{
	PGresult *r = PQexec(c->pg, sql);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		result_code(c, r, sql);
		rc = -1;
	} else if (strcmp(PQcmdStatus(r), tag) != 0) {
		rc = -1; /* COMMIT of a failed transaction answers ROLLBACK */
	}
	PQclear(r);
	return rc;
}

static bool pg_in_transaction(struct engine_conn *c)
{
	PGTransactionStatusType s = PQtransactionStatus(c->pg);
	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

static int pg_begin(struct engine_conn *c)
{
	return control(c, "BEGIN", "BEGIN");
}

static int pg_rollback(struct engine_conn *c)
{
	if (!pg_in_transaction(c))
		return 0;
	return control(c, "ROLLBACK", "ROLLBACK");
}

static int pg_commit(struct engine_conn *c)
{
	switch (PQtransactionStatus(c->pg)) {
	case PQTRANS_INTRANS:
		return control(c, "COMMIT", "COMMIT");
	case PQTRANS_INERROR: /* a statement in it failed: nothing to keep */
		pg_rollback(c);
		return -1;
	default:
		log_warn("postgres: commit without a transaction");
		return -1;
	}
}

static void pg_release(struct engine_conn *c)
{
	pg_rollback(c);
}

static int pg_lock_migrations(struct engine_conn *c)
{
	static const char sql[] = "SELECT pg_advisory_lock(" MIGRATION_LOCK ")";
	PGresult *r = PQexec(c->pg, sql);
	int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : -1;
	if (rc != 0)
		result_code(c, r, sql);
	PQclear(r);
	return rc;
}

static void pg_unlock_migrations(struct engine_conn *c)
{
	PQclear(PQexec(c->pg, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")"));
}

/*
 * The live connection's parameters as a conninfo string for pg_dump, less
 * the password and every other secret option: a command line is readable
 * by every user of the machine. The password goes in PGPASSWORD instead,
 * an environment only its owner can read.
 */
static char *dump_conninfo(PGconn *pg)
{
	PQconninfoOption *opts = PQconninfo(pg);
	if (!opts)
		return NULL;
	struct buf b;
	buf_init(&b, 0);
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || !*o->val || strcmp(o->keyword, "password") == 0 ||
		    (o->dispchar && strchr(o->dispchar, '*')) ||
		    (o->compiled && strcmp(o->val, o->compiled) == 0))
			continue;
		buf_printf(&b, "%s%s='", b.len ? " " : "", o->keyword);
		for (const char *q = o->val; *q; q++) {
			if (*q == '\'' || *q == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *q);
		}
		buf_putc(&b, '\'');
	}
	PQconninfoFree(opts);
	return buf_detach(&b, NULL);
}

/* Waits for pg_dump writing to fd, with how much it has written so
 * far on the progress line (progress.h) every DUMP_POLL_US. */
static int wait_dump(pid_t pid, int fd)
{
	int status;
	pid_t got;
	progress_begin("backup", "KiB written", 0);
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 || (got < 0 && errno == EINTR)) {
		struct stat st;
		if (fstat(fd, &st) == 0)
			progress_set((int64_t)st.st_size / KIB);
		usleep(DUMP_POLL_US);
	}
	struct stat st;
	if (fstat(fd, &st) == 0)
		progress_set((int64_t)st.st_size / KIB);
	progress_end();
	if (got < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* "--name=value", allocated. */
static char *option(const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 4;
	char *s = xmalloc(len);
	snprintf(s, len, "--%s=%s", name, value);
	return s;
}

static int pg_backup(struct engine_conn *c, const char *url, const char *path,
		     const char *const *skip, char *err, size_t errlen)
{
	extern char **environ;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	char *conninfo = dump_conninfo(c->pg);
	if (!conninfo) {
		snprintf(err, errlen, "backup failed: cannot read the connection parameters");
		close(fd);
		unlink(path);
		return -1;
	}
	size_t nskip = 0, nenv = 0, a = 0, k = 0;
	while (skip[nskip])
		nskip++;
	while (environ[nenv])
		nenv++;
	char **argv = xcalloc(nskip + 6, sizeof(*argv));
	argv[a++] = xstrdup("pg_dump");
	argv[a++] = xstrdup("--no-owner");
	argv[a++] = xstrdup("--no-privileges");
	argv[a++] = xstrdup("--format=plain");
	argv[a++] = option("dbname", conninfo);
	/* Patterns, but our table names hold no wildcard characters. */
	for (size_t i = 0; i < nskip; i++)
		argv[a++] = option("exclude-table-data", skip[i]);
	char **env = xcalloc(nenv + 2, sizeof(*env)), *password = NULL;
	for (size_t i = 0; i < nenv; i++)
		if (!text_after(environ[i], "PGPASSWORD="))
			env[k++] = environ[i];
	const char *pass = PQpass(c->pg);
	if (pass && *pass) {
		size_t len = strlen(pass) + sizeof("PGPASSWORD=");
		password = xmalloc(len);
		snprintf(password, len, "PGPASSWORD=%s", pass);
		env[k++] = password;
	}
	/* The dump goes to the descriptor opened above (0600, never an
	 * existing file), not to a path pg_dump would open by itself. */
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
	pid_t pid;
	int rc = -1, status;
	if (posix_spawnp(&pid, "pg_dump", &actions, NULL, argv, env) != 0)
		snprintf(err, errlen, "cannot run pg_dump (install postgresql-client)");
	else if ((status = wait_dump(pid, fd)) != 0)
		snprintf(err, errlen, "pg_dump failed (exit status %d)", status);
	else if (fsync(fd) != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	else
		rc = 0;
	posix_spawn_file_actions_destroy(&actions);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	free(env);
	for (size_t i = 0; i < a; i++)
		free(argv[i]);
	free(argv);
	free(conninfo);
	close(fd);
	if (rc != 0)
		unlink(path);
	return rc;
}

/*
 * VACUUM, table by table: it removes the dead row versions a delete or an
 * update left, and their index entries, so that their space is reused. It
 * cannot run in a transaction, nor take its table as a parameter; the names
 * come from the caller's code, quoted as identifiers.
 */
static int pg_scrub(struct engine_conn *c, const char *const *tables)
{
	int rc = 0;
	for (size_t i = 0; tables[i]; i++) {
		char *name = PQescapeIdentifier(c->pg, tables[i], strlen(tables[i]));
		if (!name) {
			log_error("postgres: cannot quote a table name for VACUUM");
			rc = -1;
			continue;
		}
		struct buf sql;
		buf_init(&sql, 0);
		buf_printf(&sql, "VACUUM %s", name);
		PQfreemem(name);
		PGresult *r = PQexec(c->pg, sql.data);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			result_code(c, r, sql.data);
			rc = -1;
		}
		PQclear(r);
		buf_release(&sql);
	}
	return rc;
}

const struct store_ops store_pg_ops = {
	.engine = STORE_POSTGRES,
	.open = pg_open,
	.close = pg_close_conn,
	.acquire = pg_acquire,
	.release = pg_release,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.in_transaction = pg_in_transaction,
	.exec = pg_exec,
	.backup = pg_backup,
	.scrub = pg_scrub,
	.lock_migrations = pg_lock_migrations,
	.unlock_migrations = pg_unlock_migrations,
};
