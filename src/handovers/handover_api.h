/*
 * handover_api: the JSON adapter of the hand-overs (see handover.h).
 */
#ifndef GLOVEBOX_HANDOVER_API_H
#define GLOVEBOX_HANDOVER_API_H

#include "http.h"

/* GET /api/v1/me/handovers: {"handovers": [{"at", "recipient",
 * "recipient_name", "purpose", "fields"}]}, every hand-over made. */
void handover_api_mine(struct req *r);

/* GET /api/v1/staff/handovers (an administrator: a role with a security
 * purpose): handover_admin_view. */
void handover_api_staff_view(struct req *r);
/* POST /api/v1/staff/handovers/:id/retry and .../drop: a hand-over that
 * failed for good. {"id", "retried": true} or {"id", "dropped": true}. */
void handover_api_staff_retry(struct req *r);
void handover_api_staff_drop(struct req *r);

#endif
