/*
 * contact_staff: the support desk (see contact_staff.h).
 */
#include "contact_staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "mail_msg.h"
#include "mem.h"
#include "page.h"
#include "policy.h"
#include "staff.h"
#include "staff_pages.h"
#include "outbox.h"
#include "store.h"

#define CONTACT_POINT "contact"
#define CAT_ADDRESS "contact_return_address"
#define CAT_MESSAGE "message"
#define LIST_MAX 200

static const char SQL_LIST_OPEN[] =
	"SELECT id, created_at, answered_at FROM contact_messages WHERE answered_at IS NULL "
	"ORDER BY created_at LIMIT 200";
static const char SQL_LIST_ALL[] =
	"SELECT id, created_at, answered_at FROM contact_messages ORDER BY created_at DESC LIMIT 200";
static const char SQL_GET[] =
	"SELECT subject_id, email, topic, body, created_at, answered_at, answer "
	"FROM contact_messages WHERE id = $1";
static const char SQL_ANSWER[] =
	"UPDATE contact_messages SET answer = $2, answered_at = $3, answered_by = $4 "
	"WHERE id = $1 AND answered_at IS NULL";

/* The purpose staff need: the one the contact collection point serves. */
static const char *desk_purpose(void)
{
	const struct policy *p = app.policy;
	int ci = policy_collection_index(p, CONTACT_POINT);
	return ci < 0 ? NULL : p->purposes[p->collections[ci].purpose].id;
}

static bool desk_staff(struct req *r, struct staff_session *s)
{
	const char *purpose = desk_purpose();
	if (!purpose) {
		resp_error(r, 404, "not_found", "This site takes no messages.", NULL);
		return false;
	}
	return staff_require(r, purpose, s);
}

static int list_cb(void *ctx, const struct store_row *row)
{
	json_t *o = json_pack("{s:I,s:I}", "id", (json_int_t)row->cols[0].i, "created_at",
			      (json_int_t)row->cols[1].i);
	json_object_set_new(o, "answered_at", row->cols[2].type == STORE_INT
						      ? json_integer(row->cols[2].i)
						      : json_null());
	json_array_append_new(ctx, o);
	return 0;
}

/* GET /api/v1/staff/messages[?state=all]: the messages without any personal
 * field (opening one is an access, and is logged). */
void contact_staff_api_list(struct req *r)
{
	struct staff_session s;
	if (!desk_staff(r, &s))
		return;
	const char *state = req_param(r, "state");
	bool all = state && strcmp(state, "all") == 0;
	json_t *list = json_array();
	if (store_query(app.store, all ? SQL_LIST_ALL : SQL_LIST_OPEN, NULL, 0, list_cb, list) < 0) {
		json_decref(list);
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	resp_json(r, 200, json_pack("{s:o,s:i}", "messages", list, "limit", LIST_MAX));
}

struct message {
	bool found;
	int64_t id, subject, created_at, answered_at;
	struct {
		unsigned char *p;
		size_t n;
	} col[4];                    /* email, topic, body, answer */
};

static const char *const columns[] = {"email", "topic", "body", "answer"};
static const char *const column_category[] = {CAT_ADDRESS, CAT_MESSAGE, CAT_MESSAGE, CAT_MESSAGE};
#define NCOLS 4

static int message_cb(void *ctx, const struct store_row *row)
{
	struct message *m = ctx;
	static const size_t at[NCOLS] = {1, 2, 3, 6};
	m->found = true;
	m->subject = row->cols[0].i;
	m->created_at = row->cols[4].i;
	m->answered_at = row->cols[5].type == STORE_INT ? row->cols[5].i : 0;
	for (size_t i = 0; i < NCOLS; i++)
		if (row->cols[at[i]].type == STORE_BLOB) {
			m->col[i].p = xmalloc(row->cols[at[i]].n);
			memcpy(m->col[i].p, row->cols[at[i]].p, row->cols[at[i]].n);
			m->col[i].n = row->cols[at[i]].n;
		}
	return 0;
}

static void message_release(struct message *m)
{
	for (size_t i = 0; i < NCOLS; i++)
		free(m->col[i].p);
}

/* Opens the message's sender as this staff member; the broker logs it. */
static int open_sender(struct store_conn *c, const struct staff_session *s,
		       const struct message *m, const char *action, struct broker_grant **g,
		       enum decision_reason *why)
{
	static const char *const cats[] = {CAT_ADDRESS, CAT_MESSAGE};
	struct broker_actor actor;
	staff_actor(s, &actor);
	struct broker_use use = {&actor, m->subject, desk_purpose(), cats, 2, action};
	return broker_open(c, &use, g, why);
}

static int64_t message_id(const struct req *r)
{
	return strtoll(r->path_params[0], NULL, 10);
}

/* Loads a message; answers 404 or 503 itself and returns false. */
static bool load(struct req *r, struct store_conn *c, struct message *m)
{
	m->id = message_id(r);
	struct store_val id[] = {SV_INT(m->id)};
	if (store_exec(c, SQL_GET, id, 1, message_cb, m) < 0) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return false;
	}
	if (!m->found) {
		resp_error(r, 404, "not_found", "There is no message with that id (it may have been "
						"erased after its retention).", NULL);
		return false;
	}
	return true;
}

static void refused(struct req *r, enum decision_reason why)
{
	if (why == DECISION_ALLOWED)
		resp_error(r, 410, "erased", "The sender's data has been erased.", NULL);
	else
		resp_error(r, 403, policy_reason_code(why), policy_reason_message(why), NULL);
}

/* GET /api/v1/staff/messages/:id: the message with its return address. */
void contact_staff_api_get(struct req *r)
{
	struct staff_session s;
	if (!desk_staff(r, &s))
		return;
	struct message m = {0};
	struct broker_grant *g = NULL;
	enum decision_reason why = DECISION_ALLOWED;
	struct store_conn *c = store_acquire(app.store);
	if (!load(r, c, &m))
		goto out;
	if (open_sender(c, &s, &m, "read", &g, &why) != 0) {
		refused(r, why);
		goto out;
	}
	json_t *o = json_pack("{s:I,s:I}", "id", (json_int_t)m.id, "created_at",
			      (json_int_t)m.created_at);
	json_object_set_new(o, "answered_at", m.answered_at ? json_integer(m.answered_at) : json_null());
	static const char *const names[NCOLS] = {"email", "topic", "message", "answer"};
	for (size_t i = 0; i < NCOLS; i++) {
		char *plain;
		size_t len;
		if (!m.col[i].p) {
			json_object_set_new(o, names[i], json_null());
			continue;
		}
		if (broker_read(g, column_category[i], "contact_messages", columns[i], m.id, m.col[i].p,
				m.col[i].n, &plain, &len) != 0) {
			json_decref(o);
			resp_error(r, 410, "erased", "The message no longer opens.", NULL);
			goto out;
		}
		json_object_set_new(o, names[i], json_stringn(plain, len));
		broker_plain_free(plain, len);
	}
	resp_json(r, 200, o);
out:
	store_release(c);
	broker_grant_free(g);
	message_release(&m);
}

/* Opens one sealed column of the message into a malloc'd string. */
static char *column_text(const struct broker_grant *g, const struct message *m, size_t i)
{
	char *plain, *out = NULL;
	size_t len;
	if (m->col[i].p && broker_read(g, column_category[i], "contact_messages", columns[i], m->id,
				       m->col[i].p, m->col[i].n, &plain, &len) == 0) {
		out = xstrndup(plain, len);
		broker_plain_free(plain, len);
	}
	return out;
}

/* Queues the answer to the return address (NAM07: used for nothing else). */
static int queue_answer(struct store_conn *c, const struct broker_grant *g,
			const struct message *m, const char *answer)
{
	char *to = column_text(g, m, 0), *topic = column_text(g, m, 1);
	struct buf subject, text;
	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_printf(&subject, "Re: %s", topic ? topic : "your message");
	buf_printf(&text, "%s\n\n-- \n%s\n", answer, app.site_name ? app.site_name : "");
	int rc = outbox_send_text(c, g, desk_purpose(), CAT_ADDRESS, CAT_MESSAGE, to, subject.data,
				  text.data, NULL, 0);
	if (to)
		crypto_wipe(to, strlen(to));
	free(to);
	free(topic);
	buf_release(&subject);
	buf_release(&text);
	return rc;
}

/*
 * POST /api/v1/staff/messages/:id/answer {"answer"}: seals the answer with
 * the message and marks it answered, which starts the retention clock.
 * Answered once; a second answer is 409.
 */
void contact_staff_api_answer(struct req *r)
{
	struct staff_session s;
	if (!desk_staff(r, &s))
		return;
	const char *answer = req_param(r, "answer");
	struct message m = {0};
	struct broker_grant *g = NULL;
	enum decision_reason why = DECISION_ALLOWED;
	unsigned char *ct = NULL;
	size_t ct_len = 0;
	int64_t now = (int64_t)time(NULL);
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		goto out;
	}
	if (!load(r, c, &m))
		goto rollback;
	if (m.answered_at) {
		resp_error(r, 409, "already_answered", "This message has been answered.", NULL);
		goto rollback;
	}
	if (open_sender(c, &s, &m, "write", &g, &why) != 0) {
		refused(r, why);
		goto rollback;
	}
	struct store_val v[4] = {SV_INT(m.id), SV_NULL, SV_INT(now), SV_INT(s.staff)};
	if (broker_seal(g, CAT_MESSAGE, "contact_messages", "answer", m.id, answer, strlen(answer),
			&ct, &ct_len) != 0)
		goto fail;
	v[1] = SV_BLOB(ct, ct_len);
	int n = store_exec(c, SQL_ANSWER, v, 4, NULL, NULL);
	if (n == 0) {
		resp_error(r, 409, "already_answered", "This message has been answered.", NULL);
		goto rollback;
	}
	/* The answer leaves with the change, or not at all. */
	if (n != 1 || queue_answer(c, g, &m, answer) != 0 || store_commit(c) != 0)
		goto fail;
	log_info("a contact message was answered");
	resp_json(r, 200, json_pack("{s:I,s:I}", "id", (json_int_t)m.id, "answered_at",
				    (json_int_t)now));
	goto out;
fail:
	resp_error(r, 503, "store_unavailable", "The answer was not saved; try again.", NULL);
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	message_release(&m);
	free(ct);
}

/* ---- pages ---- */

void contact_staff_list_page(struct req *r)
{
	struct staff_session s;
	if (!staff_page_session(r, &s))
		return;
	if (!page_call_api(r, contact_staff_api_list)) {
		page_api_error_page(r);
		return;
	}
	json_error_t je;
	json_t *answer = json_loadb(r->body.data, r->body.len, 0, &je);
	buf_reset(&r->body);
	json_t *data = page_data(r, "Messages");
	json_object_set(data, "messages", json_object_get(answer, "messages"));
	json_object_set_new(data, "all", json_boolean(req_param(r, "state") != NULL));
	json_decref(answer);
	r->no_store = true;
	page_render(r, 200, "staff_messages", data);
}

static void message_page(struct req *r, int status)
{
	int errors = (int)r->nerrors;
	struct http_field_error saved[HTTP_MAX_FIELD_ERRORS];
	memcpy(saved, r->errors, sizeof(saved));
	if (!page_call_api(r, contact_staff_api_get)) {
		page_api_error_page(r);
		return;
	}
	json_error_t je;
	json_t *msg = json_loadb(r->body.data, r->body.len, 0, &je);
	buf_reset(&r->body);
	memcpy(r->errors, saved, sizeof(saved));
	r->nerrors = (size_t)errors;
	struct staff_session s;
	staff_session_get(r, &s);
	json_t *data = page_form_values(r, page_data(r, "Message"));
	json_object_set_new(data, "message", msg);
	json_object_set_new(data, "csrf_token", json_string(s.csrf));
	r->no_store = true;
	page_render(r, status, "staff_message", data);
}

void contact_staff_message_page(struct req *r)
{
	struct staff_session s;
	if (staff_page_session(r, &s))
		message_page(r, 200);
}

void contact_staff_answer_post(struct req *r)
{
	struct staff_session s;
	if (!staff_page_session(r, &s))
		return;
	if (r->nerrors) {
		message_page(r, 422);
		return;
	}
	if (page_call_api(r, contact_staff_api_answer)) {
		char to[64];
		snprintf(to, sizeof(to), "/staff/messages/%s", r->path_params[0]);
		page_redirect(r, to);
		return;
	}
	const char *field, *message;
	if (r->status == 409 && page_api_error(r, &field, &message)) {
		page_add_error(r, "answer", message);
		buf_reset(&r->body);
		message_page(r, 409);
		return;
	}
	page_api_error_page(r);
}
