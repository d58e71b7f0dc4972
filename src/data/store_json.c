/* store_json.c: a query's rows as a JSON array (see store_json.h). */
#include "store_json.h"

#include "app.h"
#include "err.h"

int store_json_list(const char *sql, const struct store_val *params, size_t nparams,
		    store_row_fn row_cb, json_t **list, struct failure *f)
{
	*list = json_array();
	if (*list && store_query(app.store, sql, params, nparams, row_cb, *list) >= 0)
		return 0;
	json_decref(*list);
	*list = NULL;
	return err_fail(f, ERR_STORE);
}
