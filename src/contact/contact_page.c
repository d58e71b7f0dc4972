/*
 * contact_page: the contact family's pages, for browsers without
 * JavaScript, a thin adapter over contact.h like contact_api.c. The public
 * form, with the purpose notice (NAM01) and the address filled in for a
 * remembered device (INS12); and the support desk: the list of messages
 * (no personal field), one message opened (logged by the broker) with the
 * form that answers it once. A form that fails comes back with the message
 * next to its field and what was typed kept.
 */
#include "contact_page.h"

#include <stdio.h>

#include "broker.h"
#include "contact.h"
#include "contact_api.h"
#include "err.h"
#include "page.h"
#include "remember.h"
#include "session.h"

#define CONTACT_POINT "contact"

/* ---- the form ---- */

/* The form; on a first showing a remembered device fills in the address
 * (INS12: remember_prefill asks the broker, so an opt-out stops it). */
static void form_page(struct req *r, int status)
{
	json_t *data = page_form_values(r, page_data(r, "Contact us"));
	json_t *known =
		status == 200 ? remember_prefill(req_cookie(r, remember_cookie_name())) : NULL;
	if (known && json_object_get(known, "email"))
		json_object_set(json_object_get(data, "values"), "email",
				json_object_get(known, "email"));
	json_decref(known);
	page_notice(data, CONTACT_POINT);
	page_render(r, status, "contact", data);
}

/* The form's pages exist only when the profile takes messages. */
static bool offered(struct req *r)
{
	struct failure f;
	if (contact_purpose())
		return true;
	err_fail(&f, ERR_NO_CONTACT);
	resp_failure(r, &f);
	return false;
}

void contact_page_form(struct req *r)
{
	if (offered(r))
		form_page(r, 200);
}

void contact_page_post(struct req *r)
{
	if (!offered(r))
		return;
	if (r->nerrors) {
		form_page(r, 422);
		return;
	}
	struct contact_new in;
	int64_t id;
	struct failure f;
	contact_api_new(r, &in);
	if (contact_create(&in, &id, &f) != 0) {
		form_page(r, page_form_failure(r, &f, "form"));
		return;
	}
	page_redirect(r, "/contact/thanks");
}

void contact_page_thanks(struct req *r)
{
	page_render(r, 200, "contact_thanks", page_data(r, "Thank you"));
}

/* ---- the desk ---- */

void contact_page_desk(struct req *r)
{
	enum contact_listing which = contact_api_listing(r);
	json_t *list;
	struct failure f;
	if (contact_list(which, &list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_data(r, "Messages");
	json_object_set_new(data, "messages", list);
	json_object_set_new(data, "all", json_boolean(which == CONTACT_ALL));
	r->no_store = true;
	page_render(r, 200, "staff_messages", data);
}

/* The message, opened as the staff member (the broker logs it), with the
 * answer form while it waits. */
static void message_page(struct req *r, int status)
{
	const struct session *s = session_current(r);
	struct broker_actor actor;
	struct contact_message m;
	struct failure f;
	session_actor(s, &actor);
	if (contact_open(contact_api_message_id(r), &actor, &m, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_form_values(r, page_data(r, "Message"));
	json_object_set_new(data, "message", contact_api_message_json(&m));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	contact_message_release(&m);
	r->no_store = true;
	page_render(r, status, "staff_message", data);
}

void contact_page_message(struct req *r)
{
	message_page(r, 200);
}

void contact_page_answer(struct req *r)
{
	if (r->nerrors) {
		message_page(r, 422);
		return;
	}
	struct broker_actor actor;
	int64_t id = contact_api_message_id(r), at;
	struct failure f;
	session_actor(session_current(r), &actor);
	if (contact_answer(id, &actor, req_param(r, "answer"), &at, &f) != 0) {
		/* Answered already: the message with its answer, and why this one
		 * was not sent. Anything else is the error page (a 503 with
		 * Retry-After: the message may not open either). */
		if (f.err == ERR_ALREADY_ANSWERED)
			message_page(r, page_form_failure(r, &f, "answer"));
		else
			resp_failure(r, &f);
		return;
	}
	char to[64];
	snprintf(to, sizeof(to), "/staff/messages/%lld", (long long)id);
	page_redirect(r, to);
}
