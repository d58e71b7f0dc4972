/*
 * postcard_page: the e-postcards' pages, for browsers without JavaScript, a
 * thin adapter over postcard.h like postcard_api.c. The form states the
 * purpose of each person's part and links the notice in force (NAM01), and
 * offers a signed-in member's own name and address; a form that fails comes
 * back with the message next to its field and what was typed kept. The
 * card's page shows the picture, the greeting and the sender's name,
 * escaped, with nothing that counts or tracks whoever opens it, and the
 * report button; a card past its time or reported is a plain 410 (or 404
 * once erased).
 */
#include "postcard_page.h"

#include <stdio.h>

#include "err.h"
#include "members.h"
#include "page.h"
#include "postcard.h"
#include "postcard_api.h"
#include "session.h"

#define SENDER_POINT	"postcard_sender"
#define RECIPIENT_POINT "postcard"

/* A signed-in member's name and address fill in the sender's fields on a
 * first showing: offered, and the member may change or clear them. */
static void member_prefill(struct req *r, json_t *values)
{
	struct session s;
	json_t *record = NULL;
	struct failure f;
	if (!session_of_request(r, SESSION_MEMBER, &s) ||
	    members_own_record(s.account, &record, &f) != 0)
		return;
	if (json_object_get(record, "name"))
		json_object_set(values, "name", json_object_get(record, "name"));
	if (json_object_get(record, "email"))
		json_object_set(values, "email", json_object_get(record, "email"));
	json_decref(record);
}

static void form_page(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Send an e-postcard"));
	json_t *values = json_object_get(data, "values");
	if (status == 200)
		member_prefill(r, values);
	json_object_set_new(
		data, "cards",
		postcard_api_cards_json(json_string_value(json_object_get(values, "card"))));
	json_object_set_new(data, "days", json_integer(POSTCARD_DAYS));
	json_object_set_new(data, "greeting_max", json_integer(POSTCARD_GREETING_MAX));
	page_notice(data, SENDER_POINT);
	/* The recipient's part serves a purpose of its own (NAM03, NAM05). */
	json_t *other = json_object();
	page_notice(other, RECIPIENT_POINT);
	json_object_set(data, "recipient_notice", json_object_get(other, "notice"));
	json_decref(other);
	r->no_store = true;
	page_render(r, status, "postcard", data);
}

void postcard_page_form(struct req *r)
{
	if (postcard_api_offered(r))
		form_page(r, 200);
}

void postcard_page_post(struct req *r)
{
	if (!postcard_api_offered(r))
		return;
	if (r->nerrors) {
		form_page(r, 422);
		return;
	}
	struct postcard_new in;
	int64_t id;
	struct failure f;
	postcard_api_new(r, &in);
	if (postcard_send(&in, &id, &f) != 0) {
		form_page(r, page_form_failure(r, &f, "form"));
		return;
	}
	page_redirect(r, "/postcards/sent");
}

void postcard_page_sent(struct req *r)
{
	if (!postcard_api_offered(r))
		return;
	json_t *data = page_data(r, "Your card is on its way");
	json_object_set_new(data, "days", json_integer(POSTCARD_DAYS));
	page_render(r, 200, "postcard_sent", data);
}

void postcard_page_view(struct req *r)
{
	struct postcard_view v;
	struct failure f;
	if (postcard_open(r->path_params[0], &v, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_data(r, "An e-postcard");
	const struct record_text *t = v.text;
	json_object_set_new(data, "from_name",
			    json_stringn(t[POSTCARD_FROM_NAME].p, t[POSTCARD_FROM_NAME].n));
	if (t[POSTCARD_GREETING].p)
		json_object_set_new(data, "greeting",
				    json_stringn(t[POSTCARD_GREETING].p, t[POSTCARD_GREETING].n));
	if (v.card)
		json_object_set_new(data, "card",
				    json_pack("{s:s,s:s,s:s}", "id", v.card->id, "title",
					      v.card->title, "alt", v.card->alt));
	json_object_set_new(data, "token", json_string(r->path_params[0]));
	json_object_set_new(data, "sent_at", json_integer(v.created_at));
	json_object_set_new(data, "ends_at", json_integer(v.ends_at));
	json_t *times = json_pack("[O]", data);
	page_times(times, "sent_at");
	page_times(times, "ends_at");
	json_decref(times);
	postcard_view_release(&v);
	r->no_store = true;
	page_render(r, 200, "postcard_view", data);
}

void postcard_page_report(struct req *r)
{
	struct failure f;
	if (postcard_report(r->path_params[0], &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_render(r, 200, "postcard_reported", page_data(r, "Card reported"));
}

/* ---- the desk ---- */

void postcard_page_reports(struct req *r)
{
	json_t *list;
	struct failure f;
	if (postcard_reports_list(&list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	page_times(list, "sent_at");
	page_times(list, "reported_at");
	json_t *data = page_data(r, "Reported e-postcards");
	json_object_set_new(data, "reports", list);
	json_object_set_new(data, "limit", json_integer(POSTCARD_REPORTS_MAX));
	r->no_store = true;
	page_render(r, 200, "staff_postcard_reports", data);
}
