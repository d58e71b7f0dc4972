/*
 * handover_api: the member's list of hand-overs made (see handover_api.h).
 */
#include "handover_api.h"

#include "app.h"
#include "err.h"
#include "handover.h"
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
