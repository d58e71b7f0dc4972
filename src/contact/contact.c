/*
 * contact: messages from the contact form and the desk that answers them
 * (see contact.h).
 */
#include "contact.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "outbox.h"
#include "policy.h"
#include "store.h"
#include "store_json.h"

#define CONTACT_POINT "contact"
#define TABLE	      "contact_messages"
/* The categories records.c declares for the columns of contact_messages:
 * the return address, and everything else the message says. */
#define CAT_ADDRESS "contact_return_address"
#define CAT_MESSAGE "message"

static const char *const categories[] = {CAT_ADDRESS, CAT_MESSAGE};
#define NCATEGORIES (sizeof(categories) / sizeof(categories[0]))

/* The sealed column of each part, in the order of enum contact_part. */
static const char *const part_columns[CONTACT_NPARTS] = {
	[CONTACT_EMAIL] = "email",
	[CONTACT_TOPIC] = "topic",
	[CONTACT_BODY] = "body",
	[CONTACT_ANSWER] = "answer",
};

/* What a reply needs: the first parts, the return address and the topic. */
#define REPLY_PARTS (CONTACT_TOPIC + 1)

/* The desk reads and writes only the plain columns; the sealed ones go
 * through the record layer. The lock keeps two answers from crossing on
 * PostgreSQL (SQLite's write transaction is the lock there). */
static const char SQL_LIST_WAITING[] =
	"SELECT id, created_at, answered_at FROM contact_messages WHERE answered_at IS NULL "
	"ORDER BY created_at LIMIT $1";
static const char SQL_LIST_ALL[] = "SELECT id, created_at, answered_at FROM contact_messages ORDER "
				   "BY created_at DESC LIMIT $1";
static const char SQL_STATE[] =
	"SELECT subject_id, created_at, answered_at FROM contact_messages WHERE id = $1";
static const char SQL_STATE_LOCKED[] =
	"SELECT subject_id, created_at, answered_at FROM contact_messages WHERE id = $1 FOR UPDATE";

static const struct policy_collection *contact_point(void)
{
	int i = policy_collection_index(app.policy, CONTACT_POINT);
	return i < 0 ? NULL : &app.policy->collections[i];
}

const char *contact_purpose(void)
{
	return policy_collection_purpose(app.policy, CONTACT_POINT);
}

/* ---- the form ---- */

int contact_create(const struct contact_new *in, int64_t *id, struct failure *f)
{
	const struct policy_collection *cp = contact_point();
	if (!cp)
		return err_fail(f, ERR_NO_CONTACT);
	const struct policy *p = app.policy;
	int64_t msg = crypto_random_id(), subject;
	const struct record_field row[] = {
		{"email", SV_TEXT(in->email)},
		{"topic", SV_TEXT(in->topic)},
		{"body", SV_TEXT(in->message)},
		{"created_at", SV_INT(time(NULL))},
	};
	struct broker_grant *g = NULL;
	enum decision_reason why = DECISION_ALLOWED;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (broker_subject_new(c, p->subjects[cp->subject].id, p->purposes[cp->purpose].id,
			       categories, NCATEGORIES, in->owner, &subject, &g, &why) != 0) {
		if (why != DECISION_ALLOWED)
			log_warn("contact message refused: %s", policy_reason_code(why));
		broker_failure(c, 0, why, f);
		goto rollback;
	}
	if (record_insert(c, g, TABLE, msg, row, STORE_NPARAMS(row)) < 0 || store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	*id = msg;
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	return rc;
}

/* ---- the desk ---- */

static int list_cb(void *ctx, const struct store_row *row)
{
	json_t *o = json_pack("{s:I,s:I}", "id", (json_int_t)row->cols[0].i, "created_at",
			      (json_int_t)row->cols[1].i);
	json_object_set_new(o, "answered_at",
			    row->cols[2].type == STORE_INT ? json_integer(row->cols[2].i)
							   : json_null());
	json_array_append_new(ctx, o);
	return 0;
}

int contact_list(enum contact_listing which, json_t **list, struct failure *f)
{
	*list = NULL;
	if (!contact_purpose())
		return err_fail(f, ERR_NO_CONTACT);
	struct store_val limit[] = {SV_INT(CONTACT_LIST_MAX)};
	return store_json_list(which == CONTACT_ALL ? SQL_LIST_ALL : SQL_LIST_WAITING, limit,
			       STORE_NPARAMS(limit), list_cb, list, f);
}

/* What the plain columns say of a message. */
struct state {
	bool found;
	int64_t subject, created_at, answered_at;
};

static int state_cb(void *ctx, const struct store_row *row)
{
	struct state *s = ctx;
	s->found = true;
	s->subject = row->cols[0].i;
	s->created_at = row->cols[1].i;
	s->answered_at = row->cols[2].type == STORE_INT ? row->cols[2].i : 0;
	return 0;
}

/* Reads the message's state (locked: for an answer) and opens its sender
 * as actor, with action for the access log. */
static int sender_open(struct store_conn *c, int64_t id, bool lock,
		       const struct broker_actor *actor, const char *action, struct state *s,
		       struct broker_grant **g, struct failure *f)
{
	struct store_val key[] = {SV_INT(id)};
	*s = (struct state){0};
	*g = NULL;
	if (store_exec(c, lock ? SQL_STATE_LOCKED : SQL_STATE, key, STORE_NPARAMS(key), state_cb,
		       s) < 0)
		return err_fail(f, ERR_STORE);
	if (!s->found)
		return err_fail(f, ERR_NO_SUCH_MESSAGE);
	if (lock && s->answered_at)
		return err_fail(f, ERR_ALREADY_ANSWERED);
	struct broker_use use = {actor,	     s->subject,  contact_purpose(),
				 categories, NCATEGORIES, action};
	enum decision_reason why;
	if (broker_open(c, &use, g, &why) != 0)
		return broker_failure(c, s->subject, why, f);
	return 0;
}

int contact_open(int64_t id, const struct broker_actor *actor, struct contact_message *m,
		 struct failure *f)
{
	*m = (struct contact_message){.id = id};
	if (!contact_purpose())
		return err_fail(f, ERR_NO_CONTACT);
	struct state s;
	struct broker_grant *g = NULL;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (sender_open(c, id, false, actor, "read", &s, &g, f) != 0)
		goto out;
	int read = record_read(c, g, TABLE, id, part_columns, CONTACT_NPARTS, m->text);
	if (read == 0) {
		err_fail(f, ERR_NO_SUCH_MESSAGE); /* erased after its retention just now */
		goto out;
	}
	if (read < 0) {
		err_fail(f, broker_subject_has_key(c, s.subject) ? ERR_STORE : ERR_ERASED);
		goto out;
	}
	m->created_at = s.created_at;
	m->answered_at = s.answered_at;
	rc = 0;
out:
	store_release(c);
	broker_grant_free(g);
	return rc;
}

void contact_message_release(struct contact_message *m)
{
	record_texts_release(m->text, CONTACT_NPARTS);
}

/* Queues the answer to the return address (NAM07: it serves nothing else),
 * inside the caller's transaction. */
static int answer_queue(struct store_conn *c, const struct broker_grant *g, int64_t id,
			const char *answer)
{
	struct record_text t[REPLY_PARTS];
	if (record_read(c, g, TABLE, id, part_columns, REPLY_PARTS, t) != 1)
		return -1;
	struct buf subject, text;
	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_printf(&subject, "Re: %s", t[CONTACT_TOPIC].p ? t[CONTACT_TOPIC].p : "your message");
	buf_printf(&text, "%s\n\n-- \n%s\n", answer, app.site_name ? app.site_name : "");
	int rc = outbox_send_text(c, g, contact_purpose(), CAT_ADDRESS, CAT_MESSAGE,
				  t[CONTACT_EMAIL].p, subject.data, text.data, NULL, 0);
	crypto_wipe(subject.data, subject.len);
	crypto_wipe(text.data, text.len);
	buf_release(&subject);
	buf_release(&text);
	record_texts_release(t, REPLY_PARTS);
	return rc;
}

int contact_answer(int64_t id, const struct broker_actor *actor, const char *answer,
		   int64_t *answered_at, struct failure *f)
{
	if (!contact_purpose())
		return err_fail(f, ERR_NO_CONTACT);
	int64_t now = (int64_t)time(NULL);
	const struct record_field row[] = {
		{"answer", SV_TEXT(answer)},
		{"answered_at", SV_INT(now)},
		{"answered_by", SV_INT(actor->id)},
	};
	struct state s;
	struct broker_grant *g = NULL;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (sender_open(c, id, true, actor, "write", &s, &g, f) != 0)
		goto rollback;
	/* The answer leaves with the change, or not at all. */
	if (record_update(c, g, TABLE, id, row, STORE_NPARAMS(row)) != 1 ||
	    answer_queue(c, g, id, answer) != 0 || store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	log_info("a contact message was answered");
	*answered_at = now;
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	return rc;
}
