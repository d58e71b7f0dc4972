/*
 * handover: queueing hand-overs and listing those made (see handover.h).
 */
#include "handover.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "record.h"
#include "store.h"

/* "msg_" and 16 random bytes in hex: the Standard Webhooks id. */
#define WEBHOOK_ID_BYTES 16
#define WEBHOOK_ID_CHARS (4 + 2 * WEBHOOK_ID_BYTES)

static const char SQL_CONFIRMED[] =
	"SELECT COUNT(*) FROM members WHERE id = $1 AND email_confirmed_at IS NOT NULL";
static const char SQL_WAITING[] =
	"SELECT COUNT(*) FROM handovers WHERE subject_id = $1 AND recipient = $2 AND "
	"purpose = $3 AND dealer_id = $4 AND COALESCE(reference, '') = $5 AND "
	"status IN ('queued', 'sending')";
static const char SQL_INSERT[] =
	"INSERT INTO handovers (id, subject_id, recipient, purpose, categories, reason, "
	"webhook_id, status, attempts, next_attempt_at, created_at, dealer_id, reference) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8, $9, $10)";
/* A lead's dealer is the recipient's actor id in the disclose entry. */
static const char SQL_MADE[] =
	"SELECT a.at, a.recipient, a.purpose, a.categories, d.code, d.name, d.policy_url "
	"FROM access_log a LEFT JOIN dealers d ON a.actor_id <> 0 AND d.id = a.actor_id "
	"WHERE a.subject_id = $1 AND a.actor_kind = 'recipient' AND a.action = 'disclose' "
	"ORDER BY a.seq";
static const char SQL_MEMBERS[] =
	"SELECT id FROM members WHERE email_confirmed_at IS NOT NULL AND id > $1 ORDER BY id "
	"LIMIT 500";

bool handover_dealer_code_ok(const char *code)
{
	size_t n = strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-");
	return n > 0 && n <= HANDOVER_DEALER_CODE_MAX && code[n] == '\0';
}

int handover_fields(const struct policy *p, const char *recipient, const char *purpose,
		    const char **out, size_t max)
{
	int ri = policy_recipient_index(p, recipient), pi = policy_purpose_index(p, purpose);
	if (ri < 0 || pi < 0)
		return -1;
	const struct policy_recipient *r = &p->recipients[ri];
	bool takes = false;
	for (size_t i = 0; i < r->npurposes; i++)
		takes = takes || r->purposes[i] == pi;
	if (!takes)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < r->nfields && n < max; i++) {
		const struct policy_category *cat = &p->categories[r->fields[i]];
		if (!cat->identifier && policy_purpose_covers(&p->purposes[pi], r->fields[i]))
			out[n++] = cat->id;
	}
	return (int)n;
}

/* The column of table that holds category, or NULL. */
static const char *subject_column(const char *table, const char *category)
{
	for (size_t i = 0; i < record_columns_count; i++) {
		const struct record_column *col = &record_columns[i];
		if (col->hold == HOLD_SEALED && col->category && strcmp(col->table, table) == 0 &&
		    strcmp(col->category, category) == 0)
			return col->column;
	}
	return NULL;
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].type == STORE_INT ? row->cols[0].i : 0;
	return 0;
}

static int64_t count(struct store_conn *c, const char *sql, const struct store_val *p, size_t n)
{
	int64_t k = 0;
	return store_exec(c, sql, p, n, count_cb, &k) < 0 ? -1 : k;
}

/* Inserts the hand-over and its sealed fields. 0 or -1. */
static int insert(struct store_conn *c, const struct broker_grant *g,
		  const struct handover_order *o, const char *const *cats,
		  const struct record_text *values, size_t n)
{
	int64_t id = crypto_random_id(), now = (int64_t)time(NULL);
	unsigned char rnd[WEBHOOK_ID_BYTES];
	char webhook_id[WEBHOOK_ID_CHARS + 1] = "msg_";
	crypto_random(rnd, sizeof(rnd));
	crypto_hex(rnd, sizeof(rnd), webhook_id + 4);
	struct buf joined;
	buf_init(&joined, 4096);
	for (size_t i = 0; i < n; i++)
		if (values[i].p)
			buf_printf(&joined, "%s%s", joined.len ? "," : "", cats[i]);
	struct store_val row[] = {SV_INT(id),
				  SV_INT(o->subject),
				  SV_TEXT(o->recipient),
				  SV_TEXT(o->purpose),
				  SV_TEXT(joined.data ? joined.data : ""),
				  SV_TEXT(o->reason),
				  SV_TEXT(webhook_id),
				  SV_INT(now),
				  SV_INT(o->dealer),
				  o->reference ? SV_TEXT(o->reference) : SV_NULL};
	int rc = store_exec(c, SQL_INSERT, row, STORE_NPARAMS(row), NULL, NULL) < 0 ? -1 : 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!values[i].p)
			continue;
		const struct record_field field[] = {
			{"handover_id", SV_INT(id)},
			{"category", SV_TEXT(cats[i])},
			{"field_value", SV_TEXTN(values[i].p, values[i].n)},
		};
		if (record_insert(c, g, "handover_fields", crypto_random_id(), field,
				  ARRAY_LEN(field)) < 0)
			rc = -1;
	}
	buf_release(&joined);
	return rc;
}

/* Whether name is one of the order's only list (or the order has none). */
static bool wanted(const struct handover_order *o, const char *name)
{
	if (!o->only)
		return true;
	for (size_t i = 0; i < o->n_only; i++)
		if (strcmp(o->only[i], name) == 0)
			return true;
	return false;
}

int handover_queue_order(struct store_conn *c, const struct handover_order *o,
			 enum decision_reason *why)
{
	const char *cats[HANDOVER_MAX_FIELDS], *columns[HANDOVER_MAX_FIELDS];
	struct record_text values[HANDOVER_MAX_FIELDS] = {{0}};
	*why = DECISION_ALLOWED;
	int nf = handover_fields(app.policy, o->recipient, o->purpose, cats, HANDOVER_MAX_FIELDS);
	int ri = policy_recipient_index(app.policy, o->recipient);
	if (nf < 0 || (o->dealer != 0 && app.policy->recipients[ri].kind != RK_DEALER)) {
		*why = DENY_RECIPIENT_NOT_ALLOWED;
		return 0;
	}
	const char *table = o->table ? o->table : HANDOVER_SUBJECT_TABLE;
	int64_t row = o->table ? o->row : o->subject;
	size_t n = 0;
	for (int i = 0; i < nf; i++) {
		const char *col = subject_column(table, cats[i]);
		if (col && wanted(o, cats[i])) {
			cats[n] = cats[i];
			columns[n++] = col;
		}
	}
	if (n == 0) {
		*why = nf == 0 ? DENY_RECIPIENT_NOT_ALLOWED : DECISION_ALLOWED;
		return 0;
	}
	struct store_val who[] = {SV_INT(o->subject)};
	struct store_val same[] = {SV_INT(o->subject), SV_TEXT(o->recipient), SV_TEXT(o->purpose),
				   SV_INT(o->dealer), SV_TEXT(o->reference ? o->reference : "")};
	int64_t confirmed = o->table ? 1 : count(c, SQL_CONFIRMED, who, STORE_NPARAMS(who));
	if (confirmed <= 0)
		return (int)confirmed; /* -1, or 0: no member, or not confirmed */
	struct broker_actor to = {ACTOR_RECIPIENT, o->dealer, NULL, o->recipient};
	struct broker_use use = {&to, o->subject, o->purpose, cats, n, "queue"};
	struct broker_grant *g = NULL;
	int rc = 0;
	if (broker_open_handover(c, &use, &g, why) != 0)
		return *why == DECISION_ALLOWED ? -1 : 0;
	int64_t waiting = count(c, SQL_WAITING, same, STORE_NPARAMS(same));
	if (waiting != 0) {
		rc = waiting > 0 ? 1 : -1;
		goto out;
	}
	if (record_read(c, g, table, row, columns, n, values) != 1) {
		rc = -1;
		goto out;
	}
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any = any || values[i].p;
	if (any)
		rc = insert(c, g, o, cats, values, n) == 0 ? 1 : -1;
out:
	record_texts_release(values, n);
	broker_grant_free(g);
	return rc;
}

int handover_queue_decided(struct store_conn *c, const struct handover_order *o, const char *what,
			   int *queued, struct failure *f)
{
	enum decision_reason why = DECISION_ALLOWED;
	*queued = handover_queue_order(c, o, &why);
	if (*queued < 0) {
		*queued = 0;
		return err_fail(f, ERR_STORE);
	}
	if (!*queued)
		log_warn("%s: nothing was handed to the %s (%s)", what, o->recipient,
			 policy_reason_code(why));
	return 0;
}

int handover_queue(struct store_conn *c, const char *recipient, const char *purpose,
		   int64_t subject, const char *reason, enum decision_reason *why)
{
	struct handover_order o = {
		.recipient = recipient, .purpose = purpose, .subject = subject, .reason = reason};
	return handover_queue_order(c, &o, why);
}

int handover_affiliates(struct store_conn *c, int64_t member, const char *reason)
{
	const struct policy *p = app.policy;
	int queued = 0;
	for (size_t i = 0; i < p->npurposes; i++) {
		if (p->purposes[i].kind != PK_AFFILIATE_OFFERS)
			continue;
		for (size_t k = 0; k < p->nrecipients; k++) {
			const struct policy_recipient *r = &p->recipients[k];
			if (r->kind != RK_AFFILIATE)
				continue;
			enum decision_reason why;
			int rc = handover_queue(c, r->id, p->purposes[i].id, member, reason, &why);
			if (rc < 0)
				return -1;
			queued += rc;
		}
	}
	return queued;
}

int handover_choice_changed(struct store_conn *c, int64_t member, const char *purpose, bool on)
{
	int pi = policy_purpose_index(app.policy, purpose);
	if (!on || pi < 0 || app.policy->purposes[pi].kind != PK_AFFILIATE_OFFERS)
		return 0;
	return handover_affiliates(c, member, "affiliate_offers_on") < 0 ? -1 : 0;
}

static const char *text_of(const struct store_val *v)
{
	return v->type == STORE_TEXT ? (const char *)v->p : "";
}

static int made_cb(void *ctx, const struct store_row *row)
{
	const struct policy *p = app.policy;
	const char *recipient = text_of(&row->cols[1]), *cats = text_of(&row->cols[3]);
	int ri = policy_recipient_index(p, recipient);
	json_t *fields = json_array();
	struct buf text;
	buf_init(&text, 0);
	for (const char *s = cats; *s;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		json_array_append_new(fields, json_stringn(s, len));
		buf_printf(&text, "%s%.*s", text.len ? ", " : "", (int)len, s);
		s = comma ? comma + 1 : s + len;
	}
	const char *name = ri >= 0 ? p->recipients[ri].name : recipient;
	const char *url = ri >= 0 ? p->recipients[ri].policy_url : NULL;
	json_t *dealer = json_null();
	if (row->cols[4].type == STORE_TEXT) {
		/* INS15: a lead names its dealer, and the dealer's own policy. */
		name = text_of(&row->cols[5]);
		url = text_of(&row->cols[6]);
		dealer = json_pack("{s:s,s:s,s:s}", "code", text_of(&row->cols[4]), "name", name,
				   "policy_url", url);
	}
	json_array_append_new(
		ctx, json_pack("{s:I,s:s,s:s,s:s,s:o,s:s,s:o,s:o}", "at",
			       (json_int_t)row->cols[0].i, "recipient", recipient, "recipient_name",
			       name, "purpose", text_of(&row->cols[2]), "fields", fields,
			       "fields_text", text.data ? text.data : "", "policy_url",
			       url ? json_string(url) : json_null(), "dealer", dealer));
	buf_release(&text);
	return 0;
}

json_t *handover_made(struct store_conn *c, int64_t subject)
{
	json_t *list = json_array();
	struct store_val id[] = {SV_INT(subject)};
	if (store_exec(c, SQL_MADE, id, STORE_NPARAMS(id), made_cb, list) < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* Members handed over per transaction by handover_queue_all (SQL_MEMBERS'
 * LIMIT). */
#define BACKFILL_BATCH 500

struct ids {
	int64_t v[BACKFILL_BATCH];
	size_t n;
};

static int ids_cb(void *ctx, const struct store_row *row)
{
	struct ids *ids = ctx;
	if (ids->n < ARRAY_LEN(ids->v))
		ids->v[ids->n++] = row->cols[0].i;
	return 0;
}

int handover_queue_all(const char *recipient, const char *purpose, int64_t *queued,
		       int64_t *refused)
{
	const char *cats[HANDOVER_MAX_FIELDS];
	*queued = *refused = 0;
	int pi = policy_purpose_index(app.policy, purpose);
	if (pi < 0 || app.policy->purposes[pi].kind != PK_AFFILIATE_OFFERS ||
	    handover_fields(app.policy, recipient, purpose, cats, HANDOVER_MAX_FIELDS) <= 0)
		return -1;
	struct store_conn *c = store_acquire(app.store);
	int64_t after = 0;
	int rc = 0;
	for (;;) {
		struct ids ids = {.n = 0};
		struct store_val from[] = {SV_INT(after)};
		if (store_exec(c, SQL_MEMBERS, from, STORE_NPARAMS(from), ids_cb, &ids) < 0) {
			rc = -1;
			break;
		}
		if (ids.n == 0)
			break;
		if (store_begin(c) != 0) {
			rc = -1;
			break;
		}
		for (size_t i = 0; i < ids.n && rc == 0; i++) {
			enum decision_reason why;
			int r = handover_queue(c, recipient, purpose, ids.v[i], "backfill", &why);
			if (r < 0)
				rc = -1;
			else if (r > 0)
				(*queued)++;
			else
				(*refused)++;
		}
		if (rc != 0 || store_commit(c) != 0) {
			store_rollback(c);
			rc = -1;
			break;
		}
		after = ids.v[ids.n - 1];
	}
	store_release(c);
	return rc;
}

int handover_queue_one(const char *recipient, const char *purpose, int64_t subject,
		       enum decision_reason *why)
{
	struct store_conn *c = store_acquire(app.store);
	int rc = -1;
	if (store_begin(c) == 0) {
		rc = handover_queue(c, recipient, purpose, subject, "operator", why);
		if (rc < 0 || store_commit(c) != 0) {
			store_rollback(c);
			rc = -1;
		}
	}
	store_release(c);
	return rc;
}

/* ---- the administrator's view ---- */

static const char SQL_COUNTERS[] =
	"SELECT name, value FROM counters WHERE name LIKE 'handovers\\_%' ESCAPE '\\'";
static const char SQL_WAITING_BY_RECIPIENT[] =
	"SELECT recipient, COUNT(*) FROM handovers WHERE status IN ('queued', 'sending') "
	"GROUP BY recipient";
static const char SQL_FAILED_LIST[] =
	"SELECT id, recipient, purpose, attempts, last_error, created_at, expires_at FROM "
	"handovers WHERE status = 'failed' ORDER BY created_at LIMIT 500";
static const char SQL_RETRY[] =
	"UPDATE handovers SET status = 'queued', attempts = 0, next_attempt_at = $2, "
	"expires_at = NULL, last_error = NULL WHERE id = $1 AND status = 'failed'";
static const char SQL_RETRY_FIELDS[] =
	"UPDATE handover_fields SET expires_at = NULL WHERE handover_id = $1";
static const char SQL_FAILED_RECIPIENT[] =
	"SELECT recipient FROM handovers WHERE id = $1 AND status = 'failed'";
static const char SQL_DROP[] = "DELETE FROM handovers WHERE id = $1 AND status = 'failed'";
static const char SQL_DROP_FIELDS[] = "DELETE FROM handover_fields WHERE handover_id = $1";
static const char SQL_DROPPED[] =
	"INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) "
	"DO UPDATE SET value = counters.value + 1";

/* The recipient's entry of the view, made on first use. */
static json_t *recipient_entry(json_t *by_id, const char *recipient)
{
	json_t *e = json_object_get(by_id, recipient);
	if (!e) {
		int ri = policy_recipient_index(app.policy, recipient);
		e = json_pack("{s:s,s:s,s:i,s:i,s:i,s:i}", "recipient", recipient, "name",
			      ri >= 0 ? app.policy->recipients[ri].name : recipient, "delivered", 0,
			      "failed", 0, "dropped", 0, "waiting", 0);
		json_object_set_new(by_id, recipient, e);
	}
	return e;
}

static int counter_cb(void *ctx, const struct store_row *row)
{
	const char *name = text_of(&row->cols[0]) + strlen("handovers_");
	const char *colon = strchr(name, ':');
	if (!colon)
		return 0;
	char what[16];
	snprintf(what, sizeof(what), "%.*s", (int)(colon - name), name);
	json_t *e = recipient_entry(ctx, colon + 1);
	if (json_object_get(e, what))
		json_object_set_new(e, what, json_integer(row->cols[1].i));
	return 0;
}

static int waiting_cb(void *ctx, const struct store_row *row)
{
	json_object_set_new(recipient_entry(ctx, text_of(&row->cols[0])), "waiting",
			    json_integer(row->cols[1].i));
	return 0;
}

static int failed_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(
		ctx, json_pack("{s:I,s:s,s:s,s:I,s:s,s:I,s:I}", "id", (json_int_t)row->cols[0].i,
			       "recipient", text_of(&row->cols[1]), "purpose",
			       text_of(&row->cols[2]), "attempts", (json_int_t)row->cols[3].i,
			       "last_error", text_of(&row->cols[4]), "created_at",
			       (json_int_t)row->cols[5].i, "expires_at",
			       (json_int_t)(row->cols[6].type == STORE_INT ? row->cols[6].i : 0)));
	return 0;
}

json_t *handover_admin_view(void)
{
	json_t *by_id = json_object(), *failed = json_array();
	for (size_t i = 0; i < app.policy->nrecipients; i++)
		recipient_entry(by_id, app.policy->recipients[i].id);
	struct store_conn *c = store_acquire(app.store);
	bool ok = store_exec(c, SQL_COUNTERS, NULL, 0, counter_cb, by_id) >= 0 &&
		  store_exec(c, SQL_WAITING_BY_RECIPIENT, NULL, 0, waiting_cb, by_id) >= 0 &&
		  store_exec(c, SQL_FAILED_LIST, NULL, 0, failed_cb, failed) >= 0;
	store_release(c);
	if (!ok) {
		json_decref(by_id);
		json_decref(failed);
		return NULL;
	}
	json_t *list = json_array();
	const char *key;
	json_t *v;
	json_object_foreach (by_id, key, v) {
		json_array_append(list, v);
	}
	json_decref(by_id);
	return json_pack("{s:o,s:o}", "recipients", list, "failed", failed);
}

int handover_retry(int64_t id, struct failure *f)
{
	struct store_val v[] = {SV_INT(id), SV_INT((int64_t)time(NULL))};
	struct store_val h[] = {SV_INT(id)};
	struct store_conn *c = store_acquire(app.store);
	int n = -1;
	if (store_begin(c) == 0) {
		n = store_exec(c, SQL_RETRY, v, STORE_NPARAMS(v), NULL, NULL);
		if (n < 0 || store_exec(c, SQL_RETRY_FIELDS, h, STORE_NPARAMS(h), NULL, NULL) < 0 ||
		    store_commit(c) != 0) {
			store_rollback(c);
			n = -1;
		}
	}
	store_release(c);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	return n == 1 ? 0 : err_fail(f, ERR_NOT_FOUND);
}

/* A recipient id, as long as the profile loader allows an id. */
#define RECIPIENT_ID_MAX 64

static int recipient_cb(void *ctx, const struct store_row *row)
{
	snprintf(ctx, RECIPIENT_ID_MAX, "%s", text_of(&row->cols[0]));
	return 0;
}

int handover_drop(int64_t id, struct failure *f)
{
	char recipient[RECIPIENT_ID_MAX] = "", counter[2 * RECIPIENT_ID_MAX];
	struct store_val h[] = {SV_INT(id)};
	struct store_conn *c = store_acquire(app.store);
	int n = -1;
	if (store_begin(c) == 0 && store_exec(c, SQL_FAILED_RECIPIENT, h, STORE_NPARAMS(h),
					      recipient_cb, recipient) >= 0) {
		snprintf(counter, sizeof(counter), "handovers_dropped:%s", recipient);
		struct store_val name[] = {SV_TEXT(counter)};
		n = store_exec(c, SQL_DROP, h, STORE_NPARAMS(h), NULL, NULL);
		if (n == 1 &&
		    (store_exec(c, SQL_DROP_FIELDS, h, STORE_NPARAMS(h), NULL, NULL) < 0 ||
		     store_exec(c, SQL_DROPPED, name, STORE_NPARAMS(name), NULL, NULL) < 0))
			n = -1;
	}
	if (n < 0 || store_commit(c) != 0) {
		store_rollback(c);
		n = n < 0 ? -1 : n;
	}
	store_release(c);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	return n == 1 ? 0 : err_fail(f, ERR_NOT_FOUND);
}
