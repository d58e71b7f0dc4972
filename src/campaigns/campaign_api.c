/*
 * campaign_api: the JSON adapter of the campaigns' domain (see
 * campaign_api.h).
 */
#include "campaign_api.h"

#include "campaign.h"
#include "err.h"
#include "session.h"

void campaign_api_send(struct req *r)
{
	const struct session *s = session_current(r);
	struct campaign in = {req_param(r, "purpose"), req_param(r, "subject"),
			      req_param(r, "body"), s->role, s->account};
	int64_t id = 0, queued = 0;
	struct failure f;
	if (campaign_send(&in, &id, &queued, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 201,
		  json_pack("{s:I,s:I}", "id", (json_int_t)id, "queued", (json_int_t)queued));
}

void campaign_api_list(struct req *r)
{
	json_t *list;
	struct failure f;
	if (campaign_list(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "campaigns", list));
}
