/*
 * postcard_api: the JSON adapter of the e-postcards (see postcard_api.h).
 */
#include "postcard_api.h"

#include <string.h>

#include "err.h"
#include "session.h"

#define PICTURE_MAX 64

void postcard_api_new(struct req *r, struct postcard_new *in)
{
	struct session s;
	*in = (struct postcard_new){
		.card = req_param(r, "card"),
		.greeting = req_param(r, "postcard_text"),
		.from_name = req_param(r, "name"),
		.from_email = req_param(r, "email"),
		.to_name = req_param(r, "recipient_name"),
		.to_email = req_param(r, "recipient_email"),
		.member = session_of_request(r, SESSION_MEMBER, &s) ? s.account : 0,
	};
}

json_t *postcard_api_cards_json(const char *chosen)
{
	json_t *l = json_array();
	for (size_t i = 0; i < postcard_cards_count; i++) {
		const struct postcard_card *c = &postcard_cards[i];
		char picture[PICTURE_MAX];
		snprintf(picture, sizeof(picture), "/static/card-%s.svg", c->id);
		json_array_append_new(l, json_pack("{s:s,s:s,s:s,s:s,s:b}", "id", c->id, "title",
						   c->title, "alt", c->alt, "picture", picture,
						   "chosen",
						   chosen ? strcmp(chosen, c->id) == 0 : i == 0));
	}
	return l;
}

bool postcard_api_offered(struct req *r)
{
	struct failure f;
	if (postcard_offered())
		return true;
	err_fail(&f, ERR_NO_POSTCARDS);
	resp_failure(r, &f);
	return false;
}

void postcard_api_cards(struct req *r)
{
	if (postcard_api_offered(r))
		resp_json(r, 200,
			  json_pack("{s:o,s:i}", "cards", postcard_api_cards_json(NULL), "days",
				    POSTCARD_DAYS));
}

void postcard_api_send(struct req *r)
{
	struct postcard_new in;
	int64_t id;
	struct failure f;
	postcard_api_new(r, &in);
	if (postcard_send(&in, &id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "queued"));
}

void postcard_api_report(struct req *r)
{
	struct failure f;
	if (postcard_report(r->path_params[0], &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:s}", "status", "reported"));
}

void postcard_api_reports(struct req *r)
{
	json_t *list;
	struct failure f;
	if (postcard_reports_list(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o,s:i}", "reports", list, "limit", POSTCARD_REPORTS_MAX));
}
