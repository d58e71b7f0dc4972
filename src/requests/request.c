/*
 * request: information and material requests, their status link and the
 * fulfilment queue (see request.h).
 */
#include "request.h"

#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "handover.h"
#include "log.h"
#include "members.h"
#include "outbox.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "store_json.h"
#include "token.h"

#define TABLE "requests"

/* The profile's two collection points for requests. */
const char *const request_points[] = {"information_request", "material_registration"};
const size_t request_points_count = ARRAY_LEN(request_points);

const char *const request_part_names[REQUEST_NPARTS] = {
	[REQUEST_NAME] = "name",
	[REQUEST_EMAIL] = "email",
	[REQUEST_POSTAL_ADDRESS] = "postal_address",
	[REQUEST_PHONE] = "phone",
	[REQUEST_DETAILS] = "order_details",
};

/* What the carrier takes of a request (never the e-mail address). */
static const char *const carrier_fields[] = {"name", "postal_address", "phone"};

static const char *const status_name[] = {
	[REQUEST_FULFILLED] = "fulfilled",
	[REQUEST_REFUSED] = "refused",
};
#define STATUS_OPEN "open"

/* Plain columns only: the sealed ones go through the record layer. */
static const char SQL_ITEMS_ALL[] =
	"SELECT id, kind, title, description, active FROM request_items "
	"ORDER BY created_at, id LIMIT $1";
static const char SQL_ITEMS_ACTIVE[] =
	"SELECT id, kind, title, description, active FROM request_items WHERE active = 1 "
	"ORDER BY created_at, id LIMIT $1";
static const char SQL_ITEMS_ACTIVE_COUNT[] = "SELECT COUNT(*) FROM request_items WHERE active = 1";
static const char SQL_ITEM[] =
	"SELECT id, kind, title, description, active FROM request_items WHERE id = $1";
static const char SQL_ITEM_ADD[] = "INSERT INTO request_items (id, kind, title, description, "
				   "active, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_ITEM_SET[] =
	"UPDATE request_items SET title = COALESCE($2, title), description = "
	"COALESCE($3, description), active = COALESCE($4, active) WHERE id = $1";
static const char SQL_BY_TOKEN[] =
	"SELECT r.id, r.subject_id, r.collection, r.status, r.created_at, r.done_at, i.title, "
	"r.item_id FROM requests r JOIN request_items i ON i.id = r.item_id WHERE r.token_hash = "
	"$1";
static const char SQL_STATE[] =
	"SELECT r.id, r.subject_id, r.collection, r.status, r.created_at, r.done_at, i.title, "
	"r.item_id FROM requests r JOIN request_items i ON i.id = r.item_id WHERE r.id = $1";
static const char SQL_STATE_LOCKED[] =
	"SELECT r.id, r.subject_id, r.collection, r.status, r.created_at, r.done_at, i.title, "
	"r.item_id FROM requests r JOIN request_items i ON i.id = r.item_id WHERE r.id = $1 "
	"FOR UPDATE";
static const char SQL_QUEUE_OPEN[] =
	"SELECT r.id, r.item_id, i.title, r.collection, r.status, r.created_at, r.done_at FROM "
	"requests r JOIN request_items i ON i.id = r.item_id WHERE r.status = 'open' ORDER BY "
	"r.created_at, r.id LIMIT $1";
static const char SQL_QUEUE_ALL[] =
	"SELECT r.id, r.item_id, i.title, r.collection, r.status, r.created_at, r.done_at FROM "
	"requests r JOIN request_items i ON i.id = r.item_id ORDER BY r.created_at DESC, r.id "
	"LIMIT $1";

static const struct policy_collection *point(const char *id)
{
	int i = policy_collection_index(app.policy, id);
	return i < 0 ? NULL : &app.policy->collections[i];
}

bool request_offered(void)
{
	for (size_t i = 0; i < request_points_count; i++)
		if (point(request_points[i]))
			return true;
	return false;
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].type == STORE_INT ? row->cols[0].i : 0;
	return 0;
}

bool request_form_offered(void)
{
	int64_t n = 0;
	return request_offered() &&
	       store_query(app.store, SQL_ITEMS_ACTIVE_COUNT, NULL, 0, count_cb, &n) >= 0 && n > 0;
}

bool request_kind_ok(const char *kind)
{
	for (size_t i = 0; kind && i < request_points_count; i++)
		if (strcmp(request_points[i], kind) == 0)
			return point(kind) != NULL;
	return false;
}

static const char *purpose_of(const char *collection)
{
	return policy_collection_purpose(app.policy, collection);
}

static bool empty(const char *s)
{
	return !s || !*s;
}

static json_t *text_of(const struct store_val *v)
{
	return v->type == STORE_TEXT ? json_stringn((const char *)v->p, v->n) : json_string("");
}

/* ---- what can be requested ---- */

static int item_cb(void *ctx, const struct store_row *row)
{
	json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:b}", "id", (json_int_t)row->cols[0].i, "kind",
			      text_of(&row->cols[1]), "title", text_of(&row->cols[2]),
			      "description", text_of(&row->cols[3]), "active",
			      row->cols[4].type == STORE_INT && row->cols[4].i != 0);
	const char *purpose = purpose_of(json_string_value(json_object_get(o, "kind")));
	int pi = purpose ? policy_purpose_index(app.policy, purpose) : -1;
	json_object_set_new(o, "purpose", purpose ? json_string(purpose) : json_null());
	json_object_set_new(o, "purpose_label",
			    pi >= 0 ? json_string(app.policy->purposes[pi].label) : json_null());
	json_t *into = ctx;
	if (json_is_array(into))
		json_array_append_new(into, o);
	else
		json_object_set_new(into, "item", o);
	return 0;
}

int request_items_list(bool active_only, json_t **list, struct failure *f)
{
	*list = NULL;
	if (!request_offered())
		return err_fail(f, ERR_NO_REQUESTS);
	struct store_val limit[] = {SV_INT(REQUEST_LIST_MAX)};
	json_t *l;
	if (store_json_list(active_only ? SQL_ITEMS_ACTIVE : SQL_ITEMS_ALL, limit,
			    STORE_NPARAMS(limit), item_cb, &l, f) != 0)
		return -1;
	/* An item whose kind the profile in force lacks cannot be asked for. */
	size_t i;
	json_t *it;
	json_array_foreach (l, i, it)
		if (active_only && json_is_null(json_object_get(it, "purpose")))
			json_object_set_new(it, "active", json_false());
	*list = l;
	return 0;
}

int request_item_get(int64_t id, bool active_only, json_t **item, struct failure *f)
{
	*item = NULL;
	if (!request_offered())
		return err_fail(f, ERR_NO_REQUESTS);
	json_t *holder = json_object();
	struct store_val key[] = {SV_INT(id)};
	if (store_query(app.store, SQL_ITEM, key, STORE_NPARAMS(key), item_cb, holder) < 0) {
		json_decref(holder);
		return err_fail(f, ERR_STORE);
	}
	json_t *it = json_object_get(holder, "item");
	if (!it || (active_only && (!json_is_true(json_object_get(it, "active")) ||
				    json_is_null(json_object_get(it, "purpose"))))) {
		json_decref(holder);
		return err_fail(f, ERR_NO_SUCH_ITEM);
	}
	*item = json_incref(it);
	json_decref(holder);
	return 0;
}

static int item_field(const char *field, const char *message, struct failure *f)
{
	err_failf(f, ERR_REQUEST_ITEM_FIELD, "%s", message);
	f->field = field;
	return -1;
}

int request_item_add(const struct request_item *in, int64_t *id, struct failure *f)
{
	if (!request_offered())
		return err_fail(f, ERR_NO_REQUESTS);
	if (!request_kind_ok(in->kind))
		return err_fail(f, ERR_REQUEST_KIND);
	if (empty(in->title))
		return item_field("title", "Give the item a title.", f);
	int64_t new_id = crypto_random_id();
	struct store_val row[] = {SV_INT(new_id),
				  SV_TEXT(in->kind),
				  SV_TEXT(in->title),
				  SV_TEXT(in->description ? in->description : ""),
				  SV_INT(in->active ? 1 : 0),
				  SV_INT((int64_t)time(NULL))};
	if (store_query(app.store, SQL_ITEM_ADD, row, STORE_NPARAMS(row), NULL, NULL) < 0)
		return err_fail(f, ERR_STORE);
	log_info("request item %lld added", (long long)new_id);
	*id = new_id;
	return 0;
}

int request_item_update(const struct request_item *in, bool has_active, struct failure *f)
{
	if (!request_offered())
		return err_fail(f, ERR_NO_REQUESTS);
	if (in->title && !*in->title)
		return item_field("title", "Give the item a title.", f);
	struct store_val row[] = {SV_INT(in->id), in->title ? SV_TEXT(in->title) : SV_NULL,
				  in->description ? SV_TEXT(in->description) : SV_NULL,
				  has_active ? SV_INT(in->active ? 1 : 0) : SV_NULL};
	int n = store_query(app.store, SQL_ITEM_SET, row, STORE_NPARAMS(row), NULL, NULL);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	if (n == 0)
		return err_fail(f, ERR_NO_SUCH_ITEM);
	log_info("request item %lld changed", (long long)in->id);
	return 0;
}

/* ---- asking ---- */

/* The values of a request, with a member's known details where they left
 * one out; record holds those while they are used. */
struct asked {
	const char *value[REQUEST_NPARTS];
	json_t *record;
};

static void fill_in(const struct request_new *in, struct asked *a)
{
	memcpy(a->value, in->value, sizeof(a->value));
	a->record = NULL;
	struct failure ignored;
	if (!in->member || members_own_record(in->member, &a->record, &ignored) != 0)
		return;
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		if (empty(a->value[i]))
			a->value[i] = json_string_value(
				json_object_get(a->record, request_part_names[i]));
}

/* The index of a category in request_part_names, or -1. */
static int part_of(const char *category)
{
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		if (strcmp(request_part_names[i], category) == 0)
			return (int)i;
	return -1;
}

/* The "we received your request" mail, with the status link; inside the
 * caller's transaction, under the requester's own subject. */
static int received_mail(struct store_conn *c, const struct broker_grant *g, const char *purpose,
			 const char *to, const char *name, const char *title, const char *token)
{
	struct buf text;
	buf_init(&text, 0);
	buf_printf(&text,
		   "Hello%s%s,\n\nwe received your request for \"%s\" through %s. You can follow "
		   "it, without an account, at this address:\n\n%s/requests/status/%s\n\n"
		   "We use what you gave us only to complete this request, and erase it a while "
		   "after it is done, as our privacy notice says.\n\n-- \n%s\n",
		   empty(name) ? "" : " ", empty(name) ? "" : name, title, app.site_name,
		   app.cfg.site_url, token, app.site_name);
	int rc = outbox_send_text(c, g, purpose, "email", "order_details", to,
				  "We received your request", text.data, NULL, 0);
	crypto_wipe(text.data, text.len);
	buf_release(&text);
	return rc;
}

int request_check(const struct request_new *in, struct failures *fs)
{
	json_t *item = NULL;
	struct failure f;
	if (request_item_get(in->item, true, &item, &f) != 0)
		return failures_add(fs, &f);
	const struct policy_collection *cp =
		point(json_string_value(json_object_get(item, "kind")));
	const struct policy *p = app.policy;
	struct asked a;
	fill_in(in, &a);
	size_t before = fs->n;
	for (size_t i = 0; i < cp->nfields; i++) {
		int part = part_of(p->categories[cp->fields[i].category].id);
		if (part < 0 || !cp->fields[i].required || !empty(a.value[part]))
			continue;
		err_fail(&f, ERR_REQUEST_MISSING);
		f.field = request_part_names[part];
		failures_add(fs, &f);
	}
	json_decref(a.record);
	json_decref(item);
	return fs->n > before ? -1 : 0;
}

int request_create(const struct request_new *in, int64_t *id, struct failure *f)
{
	json_t *item = NULL;
	if (request_item_get(in->item, true, &item, f) != 0)
		return -1;
	const char *kind = json_string_value(json_object_get(item, "kind"));
	const struct policy_collection *cp = point(kind);
	const struct policy *p = app.policy;
	const char *purpose = p->purposes[cp->purpose].id;
	struct asked a;
	fill_in(in, &a);
	/* The point's fields only: what it requires must be there, what it
	 * does not collect is not kept. */
	const char *cats[REQUEST_NPARTS];
	struct record_field row[REQUEST_NPARTS + 6];
	size_t ncats = 0, n = 0;
	int rc = -1;
	for (size_t i = 0; i < cp->nfields; i++) {
		const char *cat = p->categories[cp->fields[i].category].id;
		int part = part_of(cat);
		if (part < 0)
			continue;
		if (cp->fields[i].required && empty(a.value[part])) {
			err_fail(f, ERR_REQUEST_MISSING);
			f->field = request_part_names[part];
			goto done;
		}
		cats[ncats++] = cat;
		if (!empty(a.value[part]))
			row[n++] = (struct record_field){cat, SV_TEXT(a.value[part])};
	}
	int64_t now = (int64_t)time(NULL), req_id = crypto_random_id(), subject;
	char token[TOKEN_CHARS + 1];
	unsigned char hash[TOKEN_HASH_BYTES];
	token_new(token, hash);
	row[n++] = (struct record_field){"item_id", SV_INT(in->item)};
	row[n++] = (struct record_field){"collection", SV_TEXT(kind)};
	row[n++] = (struct record_field){"token_hash", SV_BLOB(hash, sizeof(hash))};
	row[n++] = (struct record_field){"status", SV_TEXT(STATUS_OPEN)};
	row[n++] = (struct record_field){"created_at", SV_INT(now)};
	struct broker_grant *g = NULL;
	enum decision_reason why = DECISION_ALLOWED;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (broker_subject_new(c, p->subjects[cp->subject].id, purpose, cats, ncats, in->member,
			       &subject, &g, &why) != 0) {
		if (why != DECISION_ALLOWED)
			log_warn("request refused: %s", policy_reason_code(why));
		broker_failure(c, 0, why, f);
		goto rollback;
	}
	if (record_insert(c, g, TABLE, req_id, row, n) < 0 ||
	    received_mail(c, g, purpose, a.value[REQUEST_EMAIL], a.value[REQUEST_NAME],
			  json_string_value(json_object_get(item, "title")), token) != 0 ||
	    store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	log_info("request %lld received", (long long)req_id);
	*id = req_id;
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	crypto_wipe(token, sizeof(token));
done:
	json_decref(a.record);
	json_decref(item);
	return rc;
}

/* ---- one request's plain state ---- */

struct state {
	bool found;
	int64_t id, subject, created_at, done_at, item;
	char collection[REQUEST_KIND_MAX + 1], status[16], title[REQUEST_TITLE_MAX + 1];
};

static void copy_text(char *dst, size_t max, const struct store_val *v)
{
	snprintf(dst, max, "%.*s", v->type == STORE_TEXT ? (int)v->n : 0,
		 v->type == STORE_TEXT ? (const char *)v->p : "");
}

static int state_cb(void *ctx, const struct store_row *row)
{
	struct state *s = ctx;
	s->found = true;
	s->id = row->cols[0].i;
	s->subject = row->cols[1].i;
	copy_text(s->collection, sizeof(s->collection), &row->cols[2]);
	copy_text(s->status, sizeof(s->status), &row->cols[3]);
	s->created_at = row->cols[4].i;
	s->done_at = row->cols[5].type == STORE_INT ? row->cols[5].i : 0;
	copy_text(s->title, sizeof(s->title), &row->cols[6]);
	s->item = row->cols[7].i;
	return 0;
}

/* The state and what was handed over, as the status link and the queue
 * show them: no value the requester typed. */
static json_t *state_json(struct store_conn *c, const struct state *s)
{
	json_t *made = handover_made(c, s->subject);
	json_t *o = json_pack("{s:I,s:{s:I,s:s,s:s},s:s,s:I}", "id", (json_int_t)s->id, "item",
			      "id", (json_int_t)s->item, "title", s->title, "kind", s->collection,
			      "status", s->status, "created_at", (json_int_t)s->created_at);
	json_object_set_new(o, "done_at", s->done_at ? json_integer(s->done_at) : json_null());
	json_object_set_new(o, "handovers", made ? made : json_array());
	return o;
}

int request_status(const char *token, json_t **out, struct failure *f)
{
	*out = NULL;
	if (!request_offered())
		return err_fail(f, ERR_NO_REQUESTS);
	unsigned char hash[TOKEN_HASH_BYTES];
	if (!token_hash(token, hash))
		return err_fail(f, ERR_NO_SUCH_REQUEST);
	struct state s = {0};
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash))};
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_exec(c, SQL_BY_TOKEN, key, STORE_NPARAMS(key), state_cb, &s) < 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (!s.found) {
		err_fail(f, ERR_NO_SUCH_REQUEST);
		goto out;
	}
	*out = state_json(c, &s);
	json_object_del(*out, "id");
	rc = 0;
out:
	store_release(c);
	return rc;
}

/* ---- the fulfilment queue ---- */

static int queue_cb(void *ctx, const struct store_row *row)
{
	json_t *o = json_pack("{s:I,s:I,s:o,s:o,s:o,s:I}", "id", (json_int_t)row->cols[0].i, "item",
			      (json_int_t)row->cols[1].i, "title", text_of(&row->cols[2]), "kind",
			      text_of(&row->cols[3]), "status", text_of(&row->cols[4]),
			      "created_at", (json_int_t)row->cols[5].i);
	json_object_set_new(o, "done_at",
			    row->cols[6].type == STORE_INT ? json_integer(row->cols[6].i)
							   : json_null());
	json_array_append_new(ctx, o);
	return 0;
}

int request_queue(bool all, json_t **list, struct failure *f)
{
	*list = NULL;
	if (!request_offered())
		return err_fail(f, ERR_NO_REQUESTS);
	struct store_val limit[] = {SV_INT(REQUEST_LIST_MAX)};
	return store_json_list(all ? SQL_QUEUE_ALL : SQL_QUEUE_OPEN, limit, STORE_NPARAMS(limit),
			       queue_cb, list, f);
}

/* Reads a request's state (locked: for a decision) and opens its requester
 * as actor under the request's purpose, with action for the access log. */
static int requester_open(struct store_conn *c, int64_t id, bool lock,
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
		return err_fail(f, ERR_NO_SUCH_REQUEST);
	if (lock && strcmp(s->status, STATUS_OPEN) != 0)
		return err_fail(f, ERR_REQUEST_DONE);
	const char *purpose = purpose_of(s->collection);
	if (!purpose)
		return err_fail(f, ERR_NO_SUCH_REQUEST); /* its point left the profile */
	struct broker_use use = {actor,		 s->subject, purpose, request_part_names,
				 REQUEST_NPARTS, action};
	enum decision_reason why;
	if (broker_open(c, &use, g, &why) != 0)
		return broker_failure(c, s->subject, why, f);
	return 0;
}

int request_open(int64_t id, const struct broker_actor *actor, json_t **out, struct failure *f)
{
	*out = NULL;
	if (!request_offered())
		return err_fail(f, ERR_NO_REQUESTS);
	struct state s;
	struct broker_grant *g = NULL;
	struct record_text t[REQUEST_NPARTS] = {{0}};
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (requester_open(c, id, false, actor, "read", &s, &g, f) != 0)
		goto out;
	int read = record_read(c, g, TABLE, id, request_part_names, REQUEST_NPARTS, t);
	if (read != 1) {
		err_fail(f, read == 0 ? ERR_NO_SUCH_REQUEST : ERR_STORE);
		goto out;
	}
	json_t *o = state_json(c, &s), *fields = json_object();
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		json_object_set_new(fields, request_part_names[i],
				    t[i].p ? json_stringn(t[i].p, t[i].n) : json_null());
	json_object_set_new(o, "fields", fields);
	*out = o;
	rc = 0;
out:
	record_texts_release(t, REQUEST_NPARTS);
	store_release(c);
	broker_grant_free(g);
	return rc;
}

/* The note to the requester, inside the caller's transaction. */
static int done_mail(struct store_conn *c, const struct broker_grant *g, const char *purpose,
		     int64_t id, const struct state *s, enum request_outcome outcome,
		     const char *note)
{
	static const char *const columns[] = {"email", "name"};
	struct record_text t[ARRAY_LEN(columns)] = {{0}};
	if (record_read(c, g, TABLE, id, columns, ARRAY_LEN(columns), t) != 1 || !t[0].p) {
		record_texts_release(t, ARRAY_LEN(columns));
		return -1;
	}
	struct buf text;
	buf_init(&text, 0);
	buf_printf(&text, "Hello%s%s,\n\nyour request for \"%s\" %s.\n\n", t[1].p ? " " : "",
		   t[1].p ? t[1].p : "", s->title,
		   outcome == REQUEST_FULFILLED ? "has been fulfilled" : "could not be fulfilled");
	if (!empty(note))
		buf_printf(&text, "%s\n\n", note);
	buf_printf(&text,
		   "You can see its status at the address in our first message. We erase your "
		   "details a while after this, as our privacy notice says.\n\n-- \n%s\n",
		   app.site_name);
	int rc = outbox_send_text(c, g, purpose, "email", "order_details", t[0].p,
				  outcome == REQUEST_FULFILLED ? "Your request is fulfilled"
							       : "Your request was refused",
				  text.data, NULL, 0);
	crypto_wipe(text.data, text.len);
	buf_release(&text);
	record_texts_release(t, ARRAY_LEN(columns));
	return rc;
}

int request_decide(int64_t id, const struct broker_actor *actor, enum request_outcome outcome,
		   const char *note, bool by_carrier, int *handed_over, struct failure *f)
{
	*handed_over = 0;
	if (!request_offered())
		return err_fail(f, ERR_NO_REQUESTS);
	int64_t now = (int64_t)time(NULL);
	const struct record_field row[] = {
		{"status", SV_TEXT(status_name[outcome])},
		{"done_at", SV_INT(now)},
		{"done_by", SV_INT(actor->id)},
	};
	struct state s;
	struct broker_grant *g = NULL;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (requester_open(c, id, true, actor, "write", &s, &g, f) != 0)
		goto rollback;
	const char *purpose = purpose_of(s.collection);
	if (record_update(c, g, TABLE, id, row, ARRAY_LEN(row)) != 1 ||
	    done_mail(c, g, purpose, id, &s, outcome, note) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	if (outcome == REQUEST_FULFILLED && by_carrier) {
		/* NAM04: the carrier gets what delivery needs, for this request's
		 * purpose only; the reference names the request, nobody. */
		char reference[64];
		snprintf(reference, sizeof(reference), "{\"request\":%lld}", (long long)id);
		struct handover_order o = {.recipient = REQUEST_CARRIER,
					   .purpose = purpose,
					   .subject = s.subject,
					   .reason = "request_fulfilled",
					   .only = carrier_fields,
					   .n_only = ARRAY_LEN(carrier_fields),
					   .reference = reference,
					   .table = TABLE,
					   .row = id};
		char what[40];
		snprintf(what, sizeof(what), "request %lld", (long long)id);
		if (handover_queue_decided(c, &o, what, handed_over, f) != 0)
			goto rollback;
	}
	if (store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	log_info("request %lld %s", (long long)id, status_name[outcome]);
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	return rc;
}
