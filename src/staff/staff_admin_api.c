/*
 * staff_admin_api: the JSON adapter of the admin console (see
 * staff_admin_api.h).
 */
#include "staff_admin_api.h"

#include <stdio.h>
#include <stdlib.h>

#include "crypto.h"
#include "err.h"
#include "req.h"
#include "session.h"

#define SECONDS_PER_HOUR 3600

void staff_admin_api_who(const struct req *r, struct staff_admin *who)
{
	const struct session *s = session_current(r);
	*who = (struct staff_admin){s->account, s->role};
}

static int64_t number(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

void staff_admin_api_filter(const struct req *r, struct staff_log_filter *q)
{
	*q = (struct staff_log_filter){number(req_param(r, "member")),
				       number(req_param(r, "staff")), number(req_param(r, "page"))};
}

int64_t staff_admin_api_target(const struct req *r)
{
	return number(r->path_params[0]);
}

void staff_admin_api_enrol_link(const struct staff_token *t, char *out, size_t n)
{
	snprintf(out, n, "/staff/enrol?token=%s", t->token);
}

void staff_admin_api_list(struct req *r)
{
	json_t *list = staff_account_list();
	struct failure f;
	if (!list) {
		err_fail(&f, ERR_STORE);
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "staff", list));
}

/* {id, token, enrol_url, valid_hours}: the token shown once, as `glovebox
 * staff add` prints it. */
static json_t *token_answer(const struct staff_token *t)
{
	char link[STAFF_ENROL_LINK_MAX];
	staff_admin_api_enrol_link(t, link, sizeof(link));
	return json_pack("{s:I,s:s,s:s,s:i}", "id", (json_int_t)t->staff, "token", t->token,
			 "enrol_url", link, "valid_hours", STAFF_ENROL_SECONDS / SECONDS_PER_HOUR);
}

void staff_admin_api_add(struct req *r)
{
	struct staff_admin who;
	struct staff_token t;
	struct failure f;
	staff_admin_api_who(r, &who);
	if (staff_admin_add(&who, req_param(r, "email"), req_param(r, "role"), &t, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 201, token_answer(&t));
	crypto_wipe(&t, sizeof(t));
}

void staff_admin_api_reset(struct req *r)
{
	struct staff_admin who;
	struct staff_token t;
	struct failure f;
	staff_admin_api_who(r, &who);
	if (staff_admin_reset(&who, staff_admin_api_target(r), &t, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, token_answer(&t));
	crypto_wipe(&t, sizeof(t));
}

void staff_admin_api_remove(struct req *r)
{
	struct staff_admin who;
	struct failure f;
	int64_t id = staff_admin_api_target(r);
	staff_admin_api_who(r, &who);
	if (staff_admin_remove(&who, id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:I}", "removed", (json_int_t)id));
}

void staff_admin_api_log(struct req *r)
{
	struct staff_admin who;
	struct staff_log_filter q;
	struct failure f;
	json_t *out;
	staff_admin_api_who(r, &who);
	staff_admin_api_filter(r, &q);
	if (staff_admin_log(&who, &q, &out, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, out);
}

void staff_admin_api_consents(struct req *r)
{
	struct staff_admin who;
	struct failure f;
	json_t *out;
	staff_admin_api_who(r, &who);
	if (staff_admin_consents(&who, &out, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, out);
}
