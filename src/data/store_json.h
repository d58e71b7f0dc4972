/*
 * store_json.h: a query's rows as a JSON array, the shape of every list a
 * feature answers (staff queues, catalogues, reports). The row callback
 * appends one JSON value per row to the array it is given.
 */
#ifndef GLOVEBOX_STORE_JSON_H
#define GLOVEBOX_STORE_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "store.h"

struct failure;

/*
 * Runs sql on the app's store with params; row_cb gets each row and the new
 * array as its context. 0 with *list set, or -1 with ERR_STORE and *list
 * NULL. A cap on the rows is the statement's own LIMIT parameter.
 */
int store_json_list(const char *sql, const struct store_val *params, size_t nparams,
		    store_row_fn row_cb, json_t **list, struct failure *f);

#endif
