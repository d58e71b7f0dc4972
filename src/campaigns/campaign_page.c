/*
 * campaign_page: the campaigns' pages in HTML, a thin adapter over
 * campaign.h like campaign_api.c: the staff page that lists past campaigns
 * and writes, previews (the message as members will get it, with a sample
 * link) and sends one, for a role with a communication purpose; and the
 * unsubscribe page a campaign's link opens, whose button (or a mail
 * client's one-click POST, RFC 8058) switches the purpose off without
 * signing in.
 */
#include "campaign_page.h"

#include <stdio.h>
#include <string.h>

#include "campaign.h"
#include "err.h"
#include "page.h"
#include "session.h"

/* ---- the staff page ---- */

static void campaigns_render(struct req *r, int status, json_t *preview)
{
	const struct session *s = session_current(r);
	json_t *list;
	struct failure f;
	if (campaign_list(&list, &f) != 0) {
		json_decref(preview);
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_form_values(r, page_data(r, "Campaigns"));
	page_times(list, "created_at");
	json_object_set_new(data, "campaigns", list);
	json_object_set_new(data, "purposes", campaign_purposes(s->role));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	const char *sent = req_param(r, "sent");
	if (sent)
		json_object_set_new(data, "sent", json_string(sent));
	if (preview)
		json_object_set_new(data, "preview", preview);
	r->no_store = true;
	page_render(r, status, "staff_campaigns", data);
}

void campaign_page_show(struct req *r)
{
	campaigns_render(r, 200, NULL);
}

/* Preview, or send (action=send) and come back to the list with how many
 * were queued. */
void campaign_page_post(struct req *r)
{
	if (r->nerrors) {
		campaigns_render(r, 422, NULL);
		return;
	}
	const struct session *s = session_current(r);
	struct campaign in = {req_param(r, "purpose"), req_param(r, "subject"),
			      req_param(r, "body"), s->role, s->account};
	const char *action = req_param(r, "action");
	struct failure f;
	if (!action || strcmp(action, "send") != 0) {
		json_t *preview;
		if (campaign_preview(&in, &preview, &f) != 0) {
			campaigns_render(r, page_form_failure(r, &f, "form"), NULL);
			return;
		}
		campaigns_render(r, 200, preview);
		return;
	}
	int64_t id = 0, queued = 0;
	if (campaign_send(&in, &id, &queued, &f) != 0) {
		campaigns_render(r, page_form_failure(r, &f, "form"), NULL);
		return;
	}
	char to[64];
	snprintf(to, sizeof(to), "/staff/campaigns?sent=%lld", (long long)queued);
	page_redirect(r, to);
}

/* ---- unsubscribe ---- */

/* A GET shows a button and changes nothing: mail scanners follow links. */
void campaign_page_unsubscribe(struct req *r)
{
	const char *token = req_param(r, "token"), *label = NULL;
	struct failure f;
	bool valid = campaign_unsubscribe_check(token, &label, &f) == 0;
	json_t *data = page_data(r, "Unsubscribe");
	json_object_set_new(data, "valid", json_boolean(valid));
	json_object_set_new(data, "token", json_string(valid ? token : ""));
	json_object_set_new(data, "days", json_integer(UNSUBSCRIBE_DAYS));
	if (valid)
		json_object_set_new(data, "label", json_string(label));
	r->no_store = true;
	page_render(r, valid ? 200 : err_status(&f), "unsubscribe", data);
}

/* RFC 8058: a POST with no cookies and no CSRF token; the token is the
 * proof. The withdrawal is in the ledger before the answer goes back. */
void campaign_page_unsubscribe_post(struct req *r)
{
	const char *label = NULL;
	struct failure f;
	if (campaign_unsubscribe(req_param(r, "token"), &label, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_data(r, "Unsubscribed");
	json_object_set_new(data, "label", json_string(label));
	json_object_set_new(data, "done", json_true());
	page_render(r, 200, "unsubscribe", data);
}
