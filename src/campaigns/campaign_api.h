/*
 * campaign_api: the staff's JSON API for campaigns (POST and GET
 * /api/v1/staff/campaigns; docs/api.md), a thin adapter over campaign.h.
 * Who may call each (a staff role with the purpose named, or with some
 * communication purpose) is the route table's.
 */
#ifndef GLOVEBOX_CAMPAIGN_API_H
#define GLOVEBOX_CAMPAIGN_API_H

#include "http.h"

void campaign_api_send(struct req *r); /* POST /api/v1/staff/campaigns */
void campaign_api_list(struct req *r); /* GET /api/v1/staff/campaigns */

#endif
