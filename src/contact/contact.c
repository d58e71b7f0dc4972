/*
 * contact: the public contact form and its API (NAM07, NAM15, INS03).
 * Each message's sender is a data subject of its own (the profile's
 * collection point "contact" names the subject kind, the purpose and the
 * categories), so the return address can be erased on its own once the
 * retention after the answer has passed. Everything goes through the broker.
 */
#include "contact.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "crypto.h"
#include "log.h"
#include "page.h"
#include "policy.h"
#include "remember.h"
#include "store.h"

#define CONTACT_POINT "contact"
#define CAT_ADDRESS "contact_return_address"
#define CAT_MESSAGE "message"

static const char SQL_CONTACT_INSERT[] =
	"INSERT INTO contact_messages (id, subject_id, email, topic, body, created_at) "
	"VALUES ($1, $2, $3, $4, $5, $6)";

struct sealed {
	unsigned char *ct;
	size_t len;
};

/* The profile's contact collection point, or NULL when the profile offers none. */
static const struct policy_collection *contact_point(void)
{
	int i = policy_collection_index(app.policy, CONTACT_POINT);
	return i < 0 ? NULL : &app.policy->collections[i];
}

int contact_create(const char *email, const char *topic, const char *message, int64_t *id)
{
	const struct policy_collection *cp = contact_point();
	if (!cp)
		return -1;
	const struct policy *p = app.policy;
	static const char *const cats[] = {CAT_ADDRESS, CAT_MESSAGE};
	struct sealed f[3] = {{0}};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	int64_t subject, msg = crypto_random_id();
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0)
		goto out;
	if (broker_subject_new(c, p->subjects[cp->subject].id, p->purposes[cp->purpose].id, cats, 2,
			       &subject, &g, &why) != 0) {
		log_warn("contact message refused: %s", policy_reason_code(why));
		goto rollback;
	}
	if (broker_seal(g, CAT_ADDRESS, "contact_messages", "email", msg, email, strlen(email),
			&f[0].ct, &f[0].len) != 0 ||
	    broker_seal(g, CAT_MESSAGE, "contact_messages", "topic", msg, topic, strlen(topic),
			&f[1].ct, &f[1].len) != 0 ||
	    broker_seal(g, CAT_MESSAGE, "contact_messages", "body", msg, message, strlen(message),
			&f[2].ct, &f[2].len) != 0)
		goto rollback;
	struct store_val row[] = {SV_INT(msg),		 SV_INT(subject),
				  SV_BLOB(f[0].ct, f[0].len), SV_BLOB(f[1].ct, f[1].len),
				  SV_BLOB(f[2].ct, f[2].len), SV_INT(time(NULL))};
	if (store_exec(c, SQL_CONTACT_INSERT, row, 6, NULL, NULL) < 0)
		goto rollback;
	if (store_commit(c) != 0)
		goto out;
	*id = msg;
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	for (size_t i = 0; i < 3; i++)
		free(f[i].ct);
	broker_grant_free(g);
	return rc;
}

static void form_page(struct req *r, int status)
{
	json_t *data = page_data(r, "Contact us");
	json_t *errors = json_object(), *values = json_object();
	for (size_t i = 0; i < r->nerrors; i++) {
		json_object_set_new(errors, r->errors[i].field, json_string(r->errors[i].message));
		json_object_set_new(values, r->errors[i].field, json_string(r->errors[i].value));
	}
	for (size_t i = 0; i < r->nparams; i++)
		json_object_set_new(values, r->params[i].name, json_string(r->params[i].value));
	json_object_set_new(data, "errors", errors);
	json_object_set_new(data, "has_errors", json_boolean(r->nerrors > 0));
	json_object_set_new(data, "values", values);
	/* INS12: a remembered member finds their address filled in. */
	json_t *known = status == 200 ? remember_prefill(r) : NULL;
	if (known && json_object_get(known, "email"))
		json_object_set(values, "email", json_object_get(known, "email"));
	json_decref(known);
	page_notice(data, CONTACT_POINT);
	page_render(r, status, "contact", data);
}

static bool offered(struct req *r)
{
	if (contact_point())
		return true;
	resp_error(r, 404, "not_found", "This site takes no messages through a form.", NULL);
	return false;
}

void contact_page(struct req *r)
{
	if (offered(r))
		form_page(r, 200);
}

void contact_post(struct req *r)
{
	if (!offered(r))
		return;
	if (r->nerrors) {
		form_page(r, 422);
		return;
	}
	int64_t id;
	if (contact_create(req_param(r, "email"), req_param(r, "topic"), req_param(r, "message"),
			   &id) != 0) {
		resp_header(r, "Retry-After", "5");
		resp_error(r, 503, "store_unavailable",
			   "Your message could not be stored; please try again.", NULL);
		return;
	}
	page_redirect(r, "/contact/thanks");
}

void contact_thanks(struct req *r)
{
	page_render(r, 200, "contact_thanks", page_data(r, "Thank you"));
}

void contact_api_create(struct req *r)
{
	if (!offered(r))
		return;
	int64_t id;
	if (contact_create(req_param(r, "email"), req_param(r, "topic"), req_param(r, "message"),
			   &id) != 0) {
		resp_header(r, "Retry-After", "5");
		resp_error(r, 503, "store_unavailable", "The message could not be stored; try again.",
			   NULL);
		return;
	}
	resp_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}
