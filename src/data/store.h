/*
 * store: one interface over two engines, SQLite (embedded default: WAL,
 * synchronous=FULL) and PostgreSQL (libpq, shared by several glovebox
 * processes). The engine is chosen by URL: "sqlite:PATH" (or a bare path) or
 * "postgres://..." / "postgresql://...".
 *
 * SQL is written once for both engines, with $1..$n placeholders (rewritten
 * to ?1..?n for SQLite). Every statement is prepared once per connection and
 * cached by its text: a statement is a fixed text, written once or composed
 * by the record layer from declared identifiers only, never from a value
 * (values are always parameters). Use only SQL both
 * engines accept: BIGINT, TEXT, BYTEA (SQLite stores it as a blob),
 * INSERT ... ON CONFLICT, RETURNING.
 *
 * Row locks are written in PostgreSQL's form, and only at the end of a
 * SELECT or of a sub-select: FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE or
 * FOR KEY SHARE, perhaps followed by SKIP LOCKED or NOWAIT, with nothing
 * after it but blanks and the ')' or ';' that closes it. SQLite has no row
 * locks, and needs none (BEGIN IMMEDIATE has already made the transaction
 * its only writer), so its engine cuts such a clause out, outside quotes
 * and comments, in any case. A clause of another shape ("FOR UPDATE OF t")
 * is left in, and SQLite refuses the statement.
 *
 * Features do not call this for personal data: they go through the broker.
 */
#ifndef GLOVEBOX_STORE_H
#define GLOVEBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_val.h"

struct store;
struct store_conn;

/* Opens the database and a pool of pool_size connections (0 = 4).
 * Creates the SQLite file (mode 0600) if missing. -1 with a message in err. */
int store_open(const char *url, unsigned pool_size, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);
enum store_engine store_engine_of(const struct store *s);
/* The engine of the store c belongs to, for code that holds only a connection. */
enum store_engine store_conn_engine(const struct store_conn *c);

/* Applies the embedded migrations (migrations/NNN_name.sql, in number
 * order) not yet recorded in schema_migrations, each in its own
 * transaction. *applied = how many ran. Safe to run from two processes at
 * once on PostgreSQL (an advisory lock serialises them). */
int store_migrate(struct store *s, int *applied, char *err, size_t errlen);
int store_schema_version(struct store *s); /* highest applied migration, -1 on error */

/* Connection from the pool; blocks until one is free. */
struct store_conn *store_acquire(struct store *s);
void store_release(struct store_conn *c);

/* BEGIN (IMMEDIATE on SQLite). -1 if a transaction is already open. */
int store_begin(struct store_conn *c);
int store_commit(struct store_conn *c);
int store_rollback(struct store_conn *c);
bool store_in_transaction(struct store_conn *c);

/*
 * Asks for fn(note) right after the transaction open on c commits, and not
 * at all if it rolls back (or the connection goes back to the pool with it
 * open): for what must follow a durable change and never a change undone,
 * like the access log writing its head to the log. note (at most
 * STORE_NOTE_MAX bytes) is copied. A later call with the same fn in the
 * same transaction replaces the note, so fn sees the last one only. Outside
 * a transaction fn runs at once. -1 (nothing asked) for a note longer than
 * STORE_NOTE_MAX or a transaction that has STORE_AFTER_COMMIT_MAX other
 * functions waiting already.
 */
#define STORE_NOTE_MAX	       64
#define STORE_AFTER_COMMIT_MAX 4
int store_after_commit(struct store_conn *c, void (*fn)(const void *note), const void *note,
		       size_t n);

/*
 * Runs one statement. fn (may be NULL) gets each result row. Returns the
 * number of rows returned (for statements with results) or changed, or a
 * negative STORE_* code. Errors are logged without parameter values.
 */
int store_exec(struct store_conn *c, const char *sql, const struct store_val *params,
	       size_t nparams, store_row_fn fn, void *ctx);

/* store_acquire + store_exec + store_release, for one-statement work. */
int store_query(struct store *s, const char *sql, const struct store_val *params, size_t nparams,
		store_row_fn fn, void *ctx);

/* A consistent copy: SQLite's online backup API to a new file at path
 * (mode 0600), or pg_dump (plain SQL) for PostgreSQL. The tables named in
 * skip (NULL-terminated; NULL for none) keep their definition in the copy
 * but none of their rows; a name not in the schema is passed over. The
 * caller names them: the store knows no other module's tables. */
int store_backup(struct store *s, const char *path, const char *const *skip, char *err,
		 size_t errlen);

/*
 * After personal rows were deleted (or overwritten) and committed: has the
 * engine clear what its files still hold of them. Takes a connection of its
 * own from the pool, so call it with none of yours in a transaction.
 *
 * SQLite: secure_delete has zeroed the deleted cells in the database pages,
 * but the write-ahead log still holds the pages as they were; a TRUNCATE
 * checkpoint copies the new pages back and empties the log. It waits about
 * 2 s for other connections' writes and reads to end, then gives up (-1,
 * logged). tables is ignored.
 *
 * PostgreSQL: VACUUM on each table named in tables (NULL-terminated), which
 * makes the space of dead row versions reusable but does not overwrite it,
 * and cannot remove versions a running transaction may still see; old WAL
 * segments keep the data until they are recycled. docs/operations.md
 * ("Erasure") says what remains and what an operator should do.
 *
 * 0, or -1 (logged, without values) if the engine could not do its part.
 */
int store_scrub(struct store *s, const char *const *tables);

#endif
