/*
 * store_val: the values that cross the store's interface (store.h) and its
 * engines' (store_engine.h): a parameter or column value, a result row, the
 * row callback, the return codes, which engine runs.
 */
#ifndef GLOVEBOX_STORE_VAL_H
#define GLOVEBOX_STORE_VAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"

enum store_engine { STORE_SQLITE, STORE_POSTGRES };

enum store_type { STORE_NULL, STORE_INT, STORE_TEXT, STORE_BLOB };

struct store_val {
	enum store_type type;
	int64_t i;
	const void *p; /* TEXT (not necessarily NUL-terminated) or BLOB */
	size_t n;
};

#define SV_NULL		 ((struct store_val){STORE_NULL, 0, NULL, 0})
#define SV_INT(x)	 ((struct store_val){STORE_INT, (int64_t)(x), NULL, 0})
#define SV_TEXT(s)	 ((struct store_val){STORE_TEXT, 0, (s), strlen(s)})
#define SV_TEXTN(s, len) ((struct store_val){STORE_TEXT, 0, (s), (len)})
#define SV_BLOB(b, len)	 ((struct store_val){STORE_BLOB, 0, (b), (len)})

/* The number of elements of a parameter array, for store_exec's nparams, so
 * that no call site counts them by hand (mem.h's ARRAY_LEN: a pointer does
 * not compile). */
#define STORE_NPARAMS(a) ARRAY_LEN(a)

/* One result row; the values are valid only during the callback. A TEXT
 * value is NUL-terminated. */
struct store_row {
	size_t ncols;
	const struct store_val *cols;
};

/* Called once per row; returning non-zero stops the iteration. */
typedef int (*store_row_fn)(void *ctx, const struct store_row *row);

/* Return codes of store_exec beyond a row count (>= 0). */
#define STORE_ERROR    (-1)
#define STORE_CONFLICT (-2) /* unique or primary-key violation */
#define STORE_BUSY     (-3) /* serialization failure / database locked after retries */

#endif
