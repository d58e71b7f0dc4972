/*
 * staff_admin_page: the admin console's pages (see staff_admin_page.h).
 * A change answers with the list of accounts and what was done; a new
 * enrolment token is on that answer only (no-store), never in a URL.
 */
#include "staff_admin_page.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "crypto.h"
#include "err.h"
#include "page.h"
#include "policy.h"
#include "session.h"
#include "staff.h"
#include "staff_admin.h"
#include "staff_admin_api.h"

#define SECONDS_PER_HOUR 3600
/* The longest link to another page of the log ("?member=N&staff=N&page=N"). */
#define LOG_LINK_MAX 128

/* The profile's roles, for the form's choice. */
static json_t *roles(void)
{
	const struct policy *p = app.policy;
	json_t *list = json_array();
	for (size_t i = 0; i < p->nroles; i++)
		json_array_append_new(
			list, json_pack("{s:s,s:s}", "id", p->roles[i].id, "description",
					p->roles[i].description ? p->roles[i].description : ""));
	return list;
}

/* The accounts page with, after a change, what was done (notice) and a
 * new token (issued: what, token, link, hours). */
static void staff_render(struct req *r, int status, const char *notice, json_t *issued)
{
	const struct session *s = session_current(r);
	/* The form keeps what was typed only when it is shown again to correct. */
	json_t *data = page_data(r, "Staff accounts");
	if (status >= 400 || r->nerrors)
		data = page_form_values(r, data);
	json_t *list = staff_account_list(), *item;
	size_t i;
	if (!list) {
		struct failure f;
		err_fail(&f, ERR_STORE);
		status = page_form_failure(r, &f, "form");
		list = json_array();
	}
	json_array_foreach (list, i, item)
		json_object_set_new(item, "self",
				    json_boolean(json_integer_value(json_object_get(item, "id")) ==
						 s->account));
	page_times(list, "created_at");
	page_times(list, "last_signin_at");
	json_object_set_new(data, "staff", list);
	json_object_set_new(data, "roles", roles());
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	if (notice)
		json_object_set_new(data, "notice", json_string(notice));
	if (issued)
		json_object_set_new(data, "issued", issued);
	r->no_store = true;
	page_render(r, status, "staff_admin_staff", data);
}

void staff_admin_page_staff(struct req *r)
{
	staff_render(r, 200, NULL, NULL);
}

static json_t *issued(const char *what, const struct staff_token *t)
{
	char link[STAFF_ENROL_LINK_MAX];
	staff_admin_api_enrol_link(t, link, sizeof(link));
	return json_pack("{s:s,s:s,s:s,s:i}", "what", what, "token", t->token, "link", link,
			 "hours", STAFF_ENROL_SECONDS / SECONDS_PER_HOUR);
}

/* The status a form is shown again with: 422 for what the admin can
 * correct, 429 and 503 as they are. */
static int form_status(int status)
{
	return status == 429 || status >= 500 ? status : 422;
}

void staff_admin_page_add(struct req *r)
{
	if (r->nerrors) {
		staff_render(r, 422, NULL, NULL);
		return;
	}
	struct staff_admin who;
	struct staff_token t;
	struct failure f;
	staff_admin_api_who(r, &who);
	if (staff_admin_add(&who, req_param(r, "email"), req_param(r, "role"), &t, &f) != 0) {
		staff_render(r, form_status(page_form_failure(r, &f, "form")), NULL, NULL);
		return;
	}
	char what[128];
	snprintf(what, sizeof(what), "Account %lld added with the role %s.", (long long)t.staff,
		 req_param(r, "role"));
	staff_render(r, 201, NULL, issued(what, &t));
	crypto_wipe(&t, sizeof(t));
}

void staff_admin_page_reset(struct req *r)
{
	struct staff_admin who;
	struct staff_token t;
	struct failure f;
	staff_admin_api_who(r, &who);
	if (staff_admin_reset(&who, staff_admin_api_target(r), &t, &f) != 0) {
		staff_render(r, form_status(page_form_failure(r, &f, "form")), NULL, NULL);
		return;
	}
	char what[128];
	snprintf(what, sizeof(what),
		 "Account %lld reset: its password and authenticator are removed and its sessions "
		 "ended.",
		 (long long)t.staff);
	staff_render(r, 200, NULL, issued(what, &t));
	crypto_wipe(&t, sizeof(t));
}

void staff_admin_page_remove(struct req *r)
{
	struct staff_admin who;
	struct failure f;
	staff_admin_api_who(r, &who);
	if (staff_admin_remove(&who, staff_admin_api_target(r), &f) != 0) {
		staff_render(r, form_status(page_form_failure(r, &f, "form")), NULL, NULL);
		return;
	}
	staff_render(r, 200,
		     "The account is removed and signed out; its data key is destroyed. Its "
		     "entries in the access log stay.",
		     NULL);
}

/* "/staff/admin/log?member=M&staff=S&page=P", each only when set. */
static json_t *log_link(const struct staff_log_filter *q, int64_t page)
{
	char link[LOG_LINK_MAX];
	int n = snprintf(link, sizeof(link), "/staff/admin/log?page=%lld", (long long)page);
	if (q->member)
		n += snprintf(link + n, sizeof(link) - (size_t)n, "&member=%lld",
			      (long long)q->member);
	if (q->staff)
		snprintf(link + n, sizeof(link) - (size_t)n, "&staff=%lld", (long long)q->staff);
	return json_string(link);
}

void staff_admin_page_log(struct req *r)
{
	struct staff_admin who;
	struct staff_log_filter q;
	struct failure f;
	json_t *out = NULL;
	staff_admin_api_who(r, &who);
	staff_admin_api_filter(r, &q);
	json_t *data = page_data(r, "Access log");
	int status = 200;
	if (r->nerrors || staff_admin_log(&who, &q, &out, &f) != 0) {
		if (!r->nerrors)
			err_fail(&f, ERR_STORE);
		else
			err_fail(&f, ERR_INVALID_FIELD);
		status = err_status(&f);
		out = json_pack("{s:[],s:i}", "entries", 1);
	}
	json_t *entries = json_object_get(out, "entries"), *e;
	size_t i;
	json_array_foreach (entries, i, e)
		json_object_set_new(
			e, "is_staff",
			json_boolean(strcmp(json_string_value(json_object_get(e, "actor_kind")),
					    "staff") == 0));
	page_times(entries, "at");
	json_object_update(data, out);
	json_decref(out);
	int64_t page = json_integer_value(json_object_get(data, "page"));
	if (page > 1)
		json_object_set_new(data, "prev", log_link(&q, page - 1));
	if (json_is_true(json_object_get(data, "more")))
		json_object_set_new(data, "next", log_link(&q, page + 1));
	json_t *filter = json_object();
	if (q.member)
		json_object_set_new(filter, "member", json_integer(q.member));
	if (q.staff)
		json_object_set_new(filter, "staff", json_integer(q.staff));
	json_object_set_new(data, "filter", filter);
	r->no_store = true;
	page_render(r, status, "staff_admin_log", data);
}

void staff_admin_page_consents(struct req *r)
{
	struct staff_admin who;
	struct failure f;
	json_t *out = NULL;
	staff_admin_api_who(r, &who);
	json_t *data = page_data(r, "Consent counts");
	int status = 200;
	if (staff_admin_consents(&who, &out, &f) != 0) {
		status = err_status(&f);
		out = json_pack("{s:[]}", "purposes");
	}
	json_object_update(data, out);
	json_decref(out);
	r->no_store = true;
	page_render(r, status, "staff_admin_consents", data);
}
