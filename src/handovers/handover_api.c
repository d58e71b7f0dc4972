/*
 * handover_api: the member's list of hand-overs made (see handover_api.h).
 */
#include "handover_api.h"

#include <stdlib.h>

#include "app.h"
#include "err.h"
#include "handover.h"
#include "req.h"
#include "session.h"
#include "store.h"

void handover_api_mine(struct req *r)
{
	struct store_conn *c = store_acquire(app.store);
	json_t *list = handover_made(c, session_current(r)->account);
	store_release(c);
	if (!list) {
		struct failure f;
		err_fail(&f, ERR_STORE);
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "handovers", list));
}

void handover_api_staff_view(struct req *r)
{
	json_t *view = handover_admin_view();
	if (!view) {
		struct failure f;
		err_fail(&f, ERR_STORE);
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, view);
}

/* The path's id: digits only, as the route's validator checked. */
static int64_t path_id(const struct req *r)
{
	return strtoll(r->path_params[0], NULL, 10);
}

void handover_api_staff_retry(struct req *r)
{
	struct failure f;
	int64_t id = path_id(r);
	if (handover_retry(id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "retried", 1));
}

void handover_api_staff_drop(struct req *r)
{
	struct failure f;
	int64_t id = path_id(r);
	if (handover_drop(id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "dropped", 1));
}
