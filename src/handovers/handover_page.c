/*
 * handover_page: the administrator's hand-over page (see handover_page.h).
 * The gate has checked the staff session, the role's security purpose and,
 * on a POST, the CSRF token before these run.
 */
#include "handover_page.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "deliver.h"
#include "err.h"
#include "handover.h"
#include "mem.h"
#include "page.h"
#include "policy.h"
#include "session.h"

/* The notice after a button, by the redirect's done= word. */
static const struct {
	const char *done, *text;
} notices[] = {
	{"retried", "The hand-over is queued again. It goes at the next delivery pass, and the "
		    "recipient's choices are checked again first."},
	{"dropped", "The hand-over was dropped: its data is deleted, and it counts as dropped."},
};

/* A button on a page left open while the hand-over was retried or dropped
 * elsewhere, or removed by retention. */
#define NOT_FAILED                                                                                 \
	"That hand-over is not waiting as failed any more: it was retried or dropped already, or " \
	"its time ran out."

static const char *const kind_labels[RK_COUNT] = {
	[RK_AFFILIATE] = "affiliate",
	[RK_SERVICE_PROVIDER] = "service provider",
	[RK_DEALER] = "dealer",
};

/* An address's scheme and host (with its port): no credentials, path or
 * query, any of which may hold a secret of the partner's. */
static json_t *url_origin(const char *url)
{
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	size_t end = strcspn(host, "/?#");
	const char *at = memchr(host, '@', end);
	while (at) {
		end -= (size_t)(at + 1 - host);
		host = at + 1;
		at = memchr(host, '@', end);
	}
	return json_sprintf("https://%.*s", (int)end, host);
}

/* The channel this process has for the recipient: {"channel": "webhook" or
 * "file drop" (absent: none here), "where"}. */
static void add_channel(json_t *e)
{
	const char *where;
	switch (deliver_channel_of(json_string_value(json_object_get(e, "recipient")), &where)) {
	case DELIVER_WEBHOOK:
		json_object_set_new(e, "channel", json_string("webhook"));
		json_object_set_new(e, "where", url_origin(where));
		break;
	case DELIVER_DROP:
		json_object_set_new(e, "channel", json_string("file drop"));
		json_object_set_new(e, "where", json_string(where));
		break;
	case DELIVER_NONE:
		break;
	}
}

/* The view's lists with what the page shows besides: the recipient's kind
 * and channel, its name on each failed one, the times as text. */
static void dress(json_t *view)
{
	const struct policy *p = app.policy;
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(view, "recipients"), i, e) {
		int ri = policy_recipient_index(p,
						json_string_value(json_object_get(e, "recipient")));
		if (ri >= 0)
			json_object_set_new(e, "kind",
					    json_string(kind_labels[p->recipients[ri].kind]));
		add_channel(e);
	}
	json_t *failed = json_object_get(view, "failed");
	json_array_foreach (failed, i, e) {
		const char *id = json_string_value(json_object_get(e, "recipient"));
		int ri = policy_recipient_index(p, id);
		json_object_set_new(e, "name", json_string(ri >= 0 ? p->recipients[ri].name : id));
	}
	page_times(failed, "created_at");
}

static void render(struct req *r, int status)
{
	json_t *view = handover_admin_view();
	if (!view) {
		struct failure f;
		err_fail(&f, ERR_STORE);
		resp_failure(r, &f);
		return;
	}
	dress(view);
	json_t *data = page_form_values(r, page_data(r, "Hand-overs"));
	json_object_update(data, view);
	json_decref(view);
	const char *done = req_param(r, "done");
	for (size_t i = 0; done && i < ARRAY_LEN(notices); i++)
		if (strcmp(done, notices[i].done) == 0)
			json_object_set_new(data, "notice", json_string(notices[i].text));
	json_object_set_new(data, "csrf_token", json_string(session_current(r)->csrf));
	r->no_store = true;
	page_render(r, status, "staff_handovers", data);
}

void handover_page_show(struct req *r)
{
	render(r, 200);
}

/* Retry or drop the path's hand-over, then back to the page with the
 * notice; on a failure the page again with its message. */
static void act(struct req *r, int (*fn)(int64_t, struct failure *), const char *to)
{
	if (r->nerrors) {
		render(r, 422);
		return;
	}
	struct failure f;
	if (fn(strtoll(r->path_params[0], NULL, 10), &f) != 0) {
		int status = err_status(&f);
		if (status == 404)
			page_add_error(r, "form", NOT_FAILED);
		else
			status = page_form_failure(r, &f, "form");
		render(r, status);
		return;
	}
	page_redirect(r, to);
}

void handover_page_retry(struct req *r)
{
	act(r, handover_retry, "/staff/handovers?done=retried");
}

void handover_page_drop(struct req *r)
{
	act(r, handover_drop, "/staff/handovers?done=dropped");
}
