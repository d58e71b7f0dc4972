/*
 * handover_api: the JSON adapter of the hand-overs (see handover.h).
 */
#ifndef GLOVEBOX_HANDOVER_API_H
#define GLOVEBOX_HANDOVER_API_H

#include "http.h"

/* GET /api/v1/me/handovers: {"handovers": [{"at", "recipient",
 * "recipient_name", "purpose", "fields"}]}, every hand-over made. */
void handover_api_mine(struct req *r);

#endif
