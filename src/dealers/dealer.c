/*
 * dealer: the dealer list and the member's ask (see dealer.h).
 */
#include "dealer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "audit.h"
#include "broker.h"
#include "crypto.h"
#include "deliver.h"
#include "handover.h"
#include "log.h"
#include "policy.h"
#include "store.h"

/* The list is short (the dealers of one network); a page shows it whole. */
#define DEALERS_MAX 1000

static const char SQL_LIST[] =
	"SELECT id, code, name, address, policy_url, active, created_at, updated_at FROM dealers "
	"ORDER BY name, code LIMIT 1000";
static const char SQL_GET[] =
	"SELECT id, code, name, address, policy_url, active, created_at, updated_at FROM dealers "
	"WHERE id = $1";
static const char SQL_BY_CODE[] =
	"SELECT id, code, name, address, policy_url, active, created_at, updated_at FROM dealers "
	"WHERE code = $1";
static const char SQL_INSERT[] =
	"INSERT INTO dealers (id, code, name, address, policy_url, active, created_at, "
	"updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)";
static const char SQL_UPDATE[] =
	"UPDATE dealers SET code = $2, name = $3, address = $4, policy_url = $5, active = $6, "
	"updated_at = $7 WHERE id = $1";

/* A dealer's row, as read. */
struct row {
	int64_t id, active, created_at, updated_at;
	char code[HANDOVER_DEALER_CODE_MAX + 1];
	char name[DEALER_NAME_MAX + 1], address[DEALER_ADDRESS_MAX + 1];
	char policy_url[DEALER_URL_MAX + 1];
	bool found;
};

static void text_copy(char *out, size_t n, const struct store_val *v)
{
	snprintf(out, n, "%s", v->type == STORE_TEXT ? (const char *)v->p : "");
}

static int row_cb(void *ctx, const struct store_row *r)
{
	struct row *d = ctx;
	d->id = r->cols[0].i;
	text_copy(d->code, sizeof(d->code), &r->cols[1]);
	text_copy(d->name, sizeof(d->name), &r->cols[2]);
	text_copy(d->address, sizeof(d->address), &r->cols[3]);
	text_copy(d->policy_url, sizeof(d->policy_url), &r->cols[4]);
	d->active = r->cols[5].i;
	d->created_at = r->cols[6].i;
	d->updated_at = r->cols[7].i;
	d->found = true;
	return 0;
}

bool dealer_offered(const char **recipient, const char **purpose)
{
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->nrecipients; i++) {
		const struct policy_recipient *r = &p->recipients[i];
		if (r->kind != RK_DEALER)
			continue;
		for (size_t k = 0; k < r->npurposes; k++) {
			const struct policy_purpose *pu = &p->purposes[r->purposes[k]];
			if (pu->kind != PK_DEALER)
				continue;
			if (recipient)
				*recipient = r->id;
			if (purpose)
				*purpose = pu->id;
			return true;
		}
	}
	return false;
}

static bool has_channel(const char *code)
{
	const char *recipient = NULL;
	return dealer_offered(&recipient, NULL) && deliver_has_channel(recipient, code);
}

static json_t *staff_json(const struct row *d)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:b,s:I,s:I}", "id", (json_int_t)d->id, "code",
			 d->code, "name", d->name, "address", d->address, "policy_url",
			 d->policy_url, "active", d->active != 0, "channel", has_channel(d->code),
			 "created_at", (json_int_t)d->created_at, "updated_at",
			 (json_int_t)d->updated_at);
}

static json_t *member_json(const struct row *d)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "code", d->code, "name", d->name, "address",
			 d->address, "policy_url", d->policy_url);
}

struct list_ctx {
	json_t *list;
	bool offered_only; /* a member's list: active, with a channel */
};

static int list_cb(void *ctx, const struct store_row *r)
{
	struct list_ctx *l = ctx;
	struct row d = {0};
	row_cb(&d, r);
	if (!l->offered_only)
		json_array_append_new(l->list, staff_json(&d));
	else if (d.active && has_channel(d.code))
		json_array_append_new(l->list, member_json(&d));
	return 0;
}

static int list(bool offered_only, json_t **out, struct failure *f)
{
	if (!dealer_offered(NULL, NULL))
		return err_fail(f, ERR_NO_DEALERS);
	struct list_ctx l = {json_array(), offered_only};
	if (store_query(app.store, SQL_LIST, NULL, 0, list_cb, &l) < 0) {
		json_decref(l.list);
		return err_fail(f, ERR_STORE);
	}
	*out = l.list;
	return 0;
}

int dealer_list_all(json_t **out, struct failure *f)
{
	return list(false, out, f);
}

int dealer_list_offered(json_t **out, struct failure *f)
{
	return list(true, out, f);
}

json_t *dealer_fields(void)
{
	const char *recipient, *purpose, *cats[HANDOVER_MAX_FIELDS];
	if (!dealer_offered(&recipient, &purpose))
		return NULL;
	int n = handover_fields(app.policy, recipient, purpose, cats, HANDOVER_MAX_FIELDS);
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		int ci = policy_category_index(app.policy, cats[i]);
		json_array_append_new(list, json_pack("{s:s,s:s}", "id", cats[i], "label",
						      app.policy->categories[ci].label));
	}
	return list;
}

int dealer_get(int64_t id, json_t **out, struct failure *f)
{
	if (!dealer_offered(NULL, NULL))
		return err_fail(f, ERR_NO_DEALERS);
	struct row d = {0};
	struct store_val key[] = {SV_INT(id)};
	if (store_query(app.store, SQL_GET, key, STORE_NPARAMS(key), row_cb, &d) < 0)
		return err_fail(f, ERR_STORE);
	if (!d.found)
		return err_fail(f, ERR_NO_SUCH_DEALER);
	*out = staff_json(&d);
	return 0;
}

/* ---- staff changes ---- */

static int field_fail(struct failure *f, const char *field, const char *message)
{
	err_failf(f, ERR_DEALER_FIELD, "%s", message);
	f->field = field;
	return -1;
}

static bool has_control(const char *s, bool newlines)
{
	for (const unsigned char *u = (const unsigned char *)s; *u; u++)
		if ((*u < 0x20 && !(newlines && (*u == '\n' || *u == '\r' || *u == '\t'))) ||
		    *u == 0x7f)
			return true;
	return false;
}

/* INS15: the link a member follows to the dealer's own policy: an absolute
 * https:// address (no javascript:, data: or relative link), a host, and
 * nothing that could leave an HTML attribute. */
static bool policy_url_ok(const char *url)
{
	size_t len = strlen(url);
	if (len > DEALER_URL_MAX || strncasecmp(url, "https://", 8) != 0)
		return false;
	const char *host = url + 8;
	size_t hn =
		strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
	if (hn == 0 || host[0] == '.' || host[0] == '-')
		return false;
	const char *rest = host + hn;
	if (*rest == ':') {
		size_t pn = strspn(rest + 1, "0123456789");
		if (pn == 0 || pn > 5)
			return false;
		rest += 1 + pn;
	}
	if (*rest && *rest != '/' && *rest != '?' && *rest != '#')
		return false;
	for (const unsigned char *u = (const unsigned char *)rest; *u; u++)
		if (*u <= 0x20 || *u == 0x7f || strchr("\"'<>\\`", *u))
			return false;
	return true;
}

/* Checks the fields given (all of them when adding). 0 or -1 with *f. */
static int check(const struct dealer_in *in, bool adding, struct failure *f)
{
	if ((adding || in->code) && (!in->code || !handover_dealer_code_ok(in->code)))
		return field_fail(f, "code",
				  "A code is 1 to 32 lower-case letters, digits and hyphens.");
	if ((adding || in->name) &&
	    (!in->name || !*in->name || strlen(in->name) > DEALER_NAME_MAX ||
	     has_control(in->name, false)))
		return field_fail(f, "name", "A name is 1 to 200 characters on one line.");
	if ((adding || in->address) &&
	    (!in->address || !*in->address || strlen(in->address) > DEALER_ADDRESS_MAX ||
	     has_control(in->address, true)))
		return field_fail(f, "address", "A postal address is 1 to 500 characters.");
	if ((adding || in->policy_url) && (!in->policy_url || !policy_url_ok(in->policy_url)))
		return field_fail(f, "policy_url",
				  "The privacy-policy link must be a full https:// address.");
	return 0;
}

/* The change in the access log (who, which role, what) and in the log (by
 * dealer id), inside the caller's transaction. */
static int record_change(struct store_conn *c, const struct dealer_staff *who, int64_t id,
			 const char *action)
{
	const char *recipient = "", *purpose = "";
	dealer_offered(&recipient, &purpose);
	struct audit_entry e = {"staff", who->account, who->role, recipient,
				0,	 purpose,      "",	  action};
	if (audit_append(c, &e) != 0)
		return -1;
	log_info("dealers: dealer %lld %s by a %s", (long long)id,
		 strcmp(action, "dealer_added") == 0 ? "added" : "changed", who->role);
	return 0;
}

static int code_taken(struct store_conn *c, const char *code, int64_t except, bool *taken)
{
	struct row d = {0};
	struct store_val key[] = {SV_TEXT(code)};
	if (store_exec(c, SQL_BY_CODE, key, STORE_NPARAMS(key), row_cb, &d) < 0)
		return -1;
	*taken = d.found && d.id != except;
	return 0;
}

int dealer_add(const struct dealer_in *in, const struct dealer_staff *who, int64_t *id,
	       struct failure *f)
{
	if (!dealer_offered(NULL, NULL))
		return err_fail(f, ERR_NO_DEALERS);
	if (check(in, true, f) != 0)
		return -1;
	*id = crypto_random_id();
	int64_t now = (int64_t)time(NULL);
	struct store_val row[] = {SV_INT(*id),		SV_TEXT(in->code),	 SV_TEXT(in->name),
				  SV_TEXT(in->address), SV_TEXT(in->policy_url), SV_INT(now)};
	struct store_conn *c = store_acquire(app.store);
	bool taken = false;
	int rc = -1;
	if (store_begin(c) == 0 && code_taken(c, in->code, 0, &taken) == 0 && !taken &&
	    store_exec(c, SQL_INSERT, row, STORE_NPARAMS(row), NULL, NULL) == 1 &&
	    record_change(c, who, *id, "dealer_added") == 0 && store_commit(c) == 0)
		rc = 0;
	else
		store_rollback(c);
	store_release(c);
	if (rc != 0)
		return err_fail(f, taken ? ERR_DEALER_EXISTS : ERR_STORE);
	return 0;
}

int dealer_update(int64_t id, const struct dealer_in *in, const struct dealer_staff *who,
		  struct failure *f)
{
	if (!dealer_offered(NULL, NULL))
		return err_fail(f, ERR_NO_DEALERS);
	if (check(in, false, f) != 0)
		return -1;
	struct row d = {0};
	struct store_val key[] = {SV_INT(id)};
	struct store_conn *c = store_acquire(app.store);
	bool taken = false;
	enum err e = ERR_STORE;
	if (store_begin(c) != 0 || store_exec(c, SQL_GET, key, STORE_NPARAMS(key), row_cb, &d) < 0)
		goto fail;
	if (!d.found) {
		e = ERR_NO_SUCH_DEALER;
		goto fail;
	}
	const char *code = in->code ? in->code : d.code;
	if (code_taken(c, code, id, &taken) != 0)
		goto fail;
	if (taken) {
		e = ERR_DEALER_EXISTS;
		goto fail;
	}
	struct store_val row[] = {SV_INT(id),
				  SV_TEXT(code),
				  SV_TEXT(in->name ? in->name : d.name),
				  SV_TEXT(in->address ? in->address : d.address),
				  SV_TEXT(in->policy_url ? in->policy_url : d.policy_url),
				  SV_INT(in->active < 0 ? d.active : in->active != 0),
				  SV_INT((int64_t)time(NULL))};
	if (store_exec(c, SQL_UPDATE, row, STORE_NPARAMS(row), NULL, NULL) != 1 ||
	    record_change(c, who, id, "dealer_changed") != 0 || store_commit(c) != 0)
		goto fail;
	store_release(c);
	return 0;
fail:
	store_rollback(c);
	store_release(c);
	return err_fail(f, e);
}

/* ---- the member's ask ---- */

int dealer_request(int64_t member, const char *code, json_t **dealer, struct failure *f)
{
	const char *recipient, *purpose;
	if (!dealer_offered(&recipient, &purpose))
		return err_fail(f, ERR_NO_DEALERS);
	struct row d = {0};
	struct store_val key[] = {SV_TEXT(code ? code : "")};
	if (store_query(app.store, SQL_BY_CODE, key, STORE_NPARAMS(key), row_cb, &d) < 0)
		return err_fail(f, ERR_STORE);
	if (!d.found || !d.active || !has_channel(d.code))
		return err_fail(f, ERR_DEALER_UNAVAILABLE);
	struct handover_order o = {.recipient = recipient,
				   .purpose = purpose,
				   .subject = member,
				   .reason = "dealer_request",
				   .dealer = d.id};
	enum decision_reason why = DECISION_ALLOWED;
	struct store_conn *c = store_acquire(app.store);
	int rc = -1;
	if (store_begin(c) == 0 &&
	    broker_consent_set(c, member, purpose, true, "dealer_request") == 0) {
		rc = handover_queue_order(c, &o, &why);
		if (rc <= 0 || store_commit(c) != 0) {
			store_rollback(c);
			rc = rc == 0 ? 0 : -1;
		}
	}
	store_release(c);
	if (rc < 0)
		return err_fail(f, ERR_STORE);
	if (rc == 0 && why != DECISION_ALLOWED)
		return err_failf(f, ERR_REFUSED, "%s", policy_reason_message(why));
	if (rc == 0)
		return err_fail(f, ERR_DEALER_NOTHING);
	log_info("dealers: a member asked for dealer %lld", (long long)d.id);
	*dealer = json_pack("{s:s,s:s,s:s}", "code", d.code, "name", d.name, "policy_url",
			    d.policy_url);
	return 0;
}
