/*
 * store_engine: the private seam between store.c and the two engines. Each
 * engine fills a struct store_ops; store.c holds the pool and dispatches.
 */
#ifndef GLOVEBOX_STORE_ENGINE_H
#define GLOVEBOX_STORE_ENGINE_H

#include <stdbool.h>

#include "store.h"

struct engine_conn;

struct store_ops {
	enum store_engine engine;
	/* Opens one connection to target (a file path or a libpq URL). */
	struct engine_conn *(*connect)(const char *target, char *err, size_t errlen);
	void (*disconnect)(struct engine_conn *c);
	/* Re-establishes a broken connection; 0 if it is usable. */
	int (*check)(struct engine_conn *c);
	int (*exec)(struct engine_conn *c, const char *sql, const struct store_val *params,
		    size_t nparams, store_row_fn fn, void *ctx);
	const char *begin_sql;
	bool (*in_transaction)(struct engine_conn *c);
	int (*backup)(struct engine_conn *c, const char *target, const char *path, char *err,
		      size_t errlen);
	/* Statement that takes the migration lock for the session (NULL: none needed). */
	const char *lock_sql, *unlock_sql;
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif
