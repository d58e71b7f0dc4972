/*
 * store_engine: the private seam between store.c and the two engines
 * (store_sqlite.c, store_pg.c). Each engine fills one struct store_ops;
 * store.c owns the URL dispatch, the pool, the timing and the migration
 * runner, and reaches an engine only through this table. Nothing outside
 * the store includes this header.
 */
#ifndef GLOVEBOX_STORE_ENGINE_H
#define GLOVEBOX_STORE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "store_val.h"

/* One engine connection; each engine defines it. Used by one thread at a
 * time (the pool sees to that). */
struct engine_conn;

struct store_ops {
	enum store_engine engine;
	/* One connection to target (a file path, or a libpq URL). NULL with a
	 * message in err that never holds a password. */
	struct engine_conn *(*open)(const char *target, char *err, size_t errlen);
	void (*close)(struct engine_conn *c);
	/* The pool hands the connection out: repair it if it broke (0 if usable). */
	int (*acquire)(struct engine_conn *c);
	/* It goes back to the pool: a transaction left open is rolled back. */
	void (*release)(struct engine_conn *c);
	int (*begin)(struct engine_conn *c);
	/* -1 (and the transaction rolled back) if any statement in it failed. */
	int (*commit)(struct engine_conn *c);
	int (*rollback)(struct engine_conn *c); /* 0 when none is open */
	bool (*in_transaction)(struct engine_conn *c);
	/* store_exec's contract. once: the statement runs a single time (a
	 * migration step), so it is not kept in the statement cache. */
	int (*exec)(struct engine_conn *c, const char *sql, const struct store_val *params,
		    size_t nparams, store_row_fn fn, void *ctx, bool once);
	/* A new file at path, created 0600; an existing file is never touched.
	 * The tables named in skip (NULL-terminated) keep their definition in
	 * the copy but none of their rows; a name not in the schema is passed
	 * over. */
	int (*backup)(struct engine_conn *c, const char *target, const char *path,
		      const char *const *skip, char *err, size_t errlen);
	/* store_scrub's contract, on a connection outside any transaction;
	 * tables is NULL-terminated. */
	int (*scrub)(struct engine_conn *c, const char *const *tables);
	/* Serialise migration runs between processes, for the engines whose
	 * write lock does not (NULL: the lock taken by begin is enough). */
	int (*lock_migrations)(struct engine_conn *c);
	void (*unlock_migrations)(struct engine_conn *c);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/*
 * The prepared statements of one connection, keyed by their SQL text (the
 * values are the engine's: a sqlite3_stmt, a PostgreSQL statement name).
 * At most STORE_CACHE_MAX of them; past that an engine runs statements
 * unprepared. drop releases one value (at clear and free). In store.c.
 */
#define STORE_CACHE_MAX 384

struct store_cache;

struct store_cache *store_cache_new(void (*drop)(void *value, void *arg), void *arg);
void store_cache_free(struct store_cache *sc);
void *store_cache_get(struct store_cache *sc, const char *sql);
bool store_cache_full(const struct store_cache *sc);
/* Takes ownership of value and keeps its own copy of sql. false (value
 * not taken) if full or sql is there already. */
bool store_cache_put(struct store_cache *sc, const char *sql, void *value);
void store_cache_clear(struct store_cache *sc);

#endif
