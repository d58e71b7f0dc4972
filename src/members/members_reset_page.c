/*
 * members_reset_page: the forgotten password in HTML, a thin adapter over
 * members_reset.c like members_reset_api.c. /forgot asks for the address
 * and says the same whatever it is; the mail's link opens /reset?token=T,
 * which shows a form for the new password and changes nothing; the form
 * posts to /reset, which sets it, or says the link no longer works.
 */
#include "members_reset_page.h"

#include <string.h>

#include "err.h"
#include "members.h"
#include "page.h"

/* ---- asking for a link ---- */

static void forgot_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Forgotten password"));
	json_object_set_new(data, "minutes", json_integer(MEMBERS_RESET_SECONDS / 60));
	page_render(r, status, "forgot", data);
}

void members_reset_page_forgot(struct req *r)
{
	forgot_form(r, 200);
}

void members_reset_page_forgot_post(struct req *r)
{
	if (r->nerrors) {
		forgot_form(r, 422);
		return;
	}
	struct failure f;
	if (members_reset_request(req_param(r, "email"), req_client_address(r), &f) != 0) {
		forgot_form(r, page_form_failure(r, &f, "email"));
		return;
	}
	json_t *data = page_data(r, "Check your mail");
	json_object_set_new(data, "sent", json_string(MEMBERS_RESET_SENT));
	json_object_set_new(data, "minutes", json_integer(MEMBERS_RESET_SECONDS / 60));
	page_render(r, 200, "forgot", data);
}

/* ---- the link ---- */

/* The page of a link that is unknown, used or expired. */
static void link_gone(struct req *r)
{
	json_t *data = page_data(r, "Link no longer valid");
	json_object_set_new(data, "gone", json_true());
	json_object_set_new(data, "minutes", json_integer(MEMBERS_RESET_SECONDS / 60));
	page_render(r, 404, "reset", data);
}

/* The form for the new password; the token travels in a hidden field. */
static void reset_form(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Choose a new password"));
	const char *token = req_param(r, "token");
	json_object_set_new(data, "form", json_true());
	json_object_set_new(data, "token", json_string(token ? token : ""));
	r->no_store = true;
	page_render(r, status, "reset", data);
}

static bool token_refused(const struct req *r)
{
	for (size_t i = 0; i < r->nerrors; i++)
		if (strcmp(r->errors[i].field, "token") == 0)
			return true;
	return !req_param(r, "token");
}

/* A GET only looks: a mail scanner that follows the link spends nothing. */
void members_reset_page_reset(struct req *r)
{
	if (token_refused(r)) {
		link_gone(r);
		return;
	}
	struct failure f;
	if (members_reset_check(req_param(r, "token"), &f) != 0) {
		if (f.err == ERR_BAD_LINK)
			link_gone(r);
		else
			resp_failure(r, &f);
		return;
	}
	reset_form(r, 200);
}

void members_reset_page_reset_post(struct req *r)
{
	if (token_refused(r)) {
		link_gone(r);
		return;
	}
	if (r->nerrors) {
		reset_form(r, 422);
		return;
	}
	struct failure f;
	if (members_reset_confirm(req_param(r, "token"), req_param(r, "password"), &f) != 0) {
		if (f.err == ERR_BAD_LINK) {
			link_gone(r);
			return;
		}
		reset_form(r, page_form_failure(r, &f, "password"));
		return;
	}
	json_t *data = page_data(r, "Password changed");
	json_object_set_new(data, "done", json_true());
	page_render(r, 200, "reset", data);
}
