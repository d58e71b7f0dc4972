/*
 * campaign: campaigns and one-click unsubscribe (see campaign.h).
 *
 * The unsubscribe token is not stored: it is the member's subject id, the
 * purpose and the day it was issued, sealed with a keyed hash (the token
 * sub-key), in base64url. Checking it needs no lookup and no table grows
 * with each campaign; it names no one to whoever reads it.
 */
#include "campaign.h"

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
#include "outbox.h"
#include "page.h"
#include "policy.h"
#include "staff.h"
#include "staff_pages.h"
#include "store.h"

#define CAT_EMAIL "email"
#define BATCH 200
#define TOKEN_BYTES 32                 /* subject 8, day 4, purpose 4, mac 16 */
#define TOKEN_CHARS 43

static const char SQL_CAMPAIGN[] =
	"INSERT INTO campaigns (id, purpose, subject, body, created_by, created_at, sent_at, "
	"recipients) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)";
static const char SQL_AUDIENCE[] =
	"SELECT id, email FROM members WHERE email_confirmed_at IS NOT NULL "
	"AND email_undeliverable_at IS NULL ORDER BY id";
static const char SQL_LIST[] =
	"SELECT id, purpose, subject, created_at, recipients FROM campaigns ORDER BY created_at DESC "
	"LIMIT 100";

/* ---- tokens ---- */

static void be_put(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t be_get(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void purpose_tag(const char *purpose, unsigned char out[4])
{
	unsigned char h[32];
	crypto_token_hash(app.keys, purpose, strlen(purpose), h);
	memcpy(out, h, 4);
}

static void token_mac(const unsigned char body[16], unsigned char mac[16])
{
	unsigned char in[32], h[32];
	memcpy(in, "glovebox-unsubscribe:", 16);
	memcpy(in + 16, body, 16);
	crypto_token_hash(app.keys, (const char *)in, sizeof(in), h);
	memcpy(mac, h, 16);
}

static void token_make(int64_t subject, const char *purpose, char out[TOKEN_CHARS + 1])
{
	unsigned char t[TOKEN_BYTES];
	be_put(t, (uint64_t)subject, 8);
	be_put(t + 8, (uint64_t)(time(NULL) / 86400), 4);
	purpose_tag(purpose, t + 12);
	token_mac(t, t + 16);
	crypto_base64url(t, sizeof(t), out, TOKEN_CHARS + 1);
}

/* The subject and purpose a token names, if it is genuine and not too old. */
static bool token_open(const char *token, int64_t *subject, const char **purpose)
{
	unsigned char t[TOKEN_BYTES], mac[16];
	size_t n = 0;
	if (!token || strlen(token) != TOKEN_CHARS ||
	    crypto_unbase64url(token, t, sizeof(t), &n) != 0 || n != TOKEN_BYTES)
		return false;
	token_mac(t, mac);
	if (!crypto_equal(mac, t + 16, 16))
		return false;
	int64_t day = (int64_t)be_get(t + 8, 4), today = (int64_t)(time(NULL) / 86400);
	if (day > today || today - day > UNSUBSCRIBE_DAYS)
		return false;
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->npurposes; i++) {
		unsigned char tag[4];
		purpose_tag(p->purposes[i].id, tag);
		if (memcmp(tag, t + 12, 4) == 0) {
			*subject = (int64_t)be_get(t, 8);
			*purpose = p->purposes[i].id;
			return true;
		}
	}
	return false;
}

/* ---- sending ---- */

struct recipient {
	int64_t id;
	unsigned char *email;
	size_t len;
};

struct audience {
	struct recipient *list;
	size_t n, cap;
};

static int audience_cb(void *ctx, const struct store_row *row)
{
	struct audience *a = ctx;
	if (row->cols[1].type != STORE_BLOB)
		return 0;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->list = xrealloc(a->list, a->cap * sizeof(*a->list));
	}
	struct recipient *r = &a->list[a->n++];
	r->id = row->cols[0].i;
	r->len = row->cols[1].n;
	r->email = xmalloc(r->len);
	memcpy(r->email, row->cols[1].p, r->len);
	return 0;
}

/* The footer every message carries: why it came, the way out, the contact. */
static void footer(struct buf *text, const struct policy_purpose *pu, const char *url)
{
	const struct policy_contact *ct = &app.policy->contact;
	buf_printf(text, "\n\n-- \nYou receive this because you chose: %s.\n"
			 "To stop it, open: %s\n%s",
		   pu->label, url, app.site_name);
	if (ct->postal && *ct->postal)
		buf_printf(text, ", %s", ct->postal);
	if (ct->email && *ct->email)
		buf_printf(text, ", %s", ct->email);
	buf_puts(text, "\n");
}

/* Builds and queues one member's message; false when the broker refuses
 * (no consent) or the message cannot be built. */
static bool queue_one(struct store_conn *c, const struct recipient *rc, const char *purpose,
		      const struct policy_purpose *pu, const char *subject, const char *body)
{
	static const char *const cats[] = {CAT_EMAIL};
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system, rc->id, purpose, cats, 1, "send"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	char *to = NULL, token[TOKEN_CHARS + 1];
	size_t to_len = 0;
	bool ok = false;
	if (broker_open(c, &use, &g, &why) != 0 ||
	    broker_read(g, CAT_EMAIL, "members", "email", rc->id, rc->email, rc->len, &to, &to_len) !=
		    0)
		goto out;
	token_make(rc->id, purpose, token);
	struct buf url, list, text;
	buf_init(&url, 0);
	buf_init(&list, 0);
	buf_init(&text, 0);
	buf_printf(&url, "%s/unsubscribe?token=%s", app.cfg.site_url, token);
	buf_printf(&list, "<%s>, <mailto:%s?subject=unsubscribe%%20%s>", url.data, app.cfg.mail_from,
		   token);
	buf_puts(&text, body);
	footer(&text, pu, url.data);
	const struct mail_header extra[] = {{"List-Unsubscribe", list.data},
					    {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
	ok = outbox_send_text(c, g, purpose, CAT_EMAIL, CAT_EMAIL, to, subject, text.data, extra, 2) ==
	     0;
	buf_release(&url);
	buf_release(&list);
	buf_release(&text);
out:
	if (to)
		broker_plain_free(to, to_len);
	broker_grant_free(g);
	return ok;
}

const char *campaign_send(const char *purpose, const char *subject, const char *body,
			  int64_t staff, int64_t *id, int64_t *queued)
{
	const struct policy *p = app.policy;
	int pi = policy_purpose_index(p, purpose);
	if (pi < 0)
		return "the profile has no such purpose";
	const struct policy_purpose *pu = &p->purposes[pi];
	if (pu->kind != PK_COMMUNICATION || !policy_purpose_covers(pu, policy_category_index(p, CAT_EMAIL)))
		return "that purpose is not one for sending news by e-mail";
	if (!*subject || !*body)
		return "a campaign needs a subject and a text";
	struct audience a = {0};
	if (store_query(app.store, SQL_AUDIENCE, NULL, 0, audience_cb, &a) < 0)
		return "the store is not available";
	const char *err = NULL;
	*queued = 0;
	for (size_t start = 0; start < a.n && !err; start += BATCH) {
		struct store_conn *c = store_acquire(app.store);
		int64_t in_batch = 0;
		if (store_begin(c) != 0) {
			err = "the store is not available";
		} else {
			for (size_t i = start; i < a.n && i < start + BATCH; i++)
				in_batch += queue_one(c, &a.list[i], purpose, pu, subject, body);
			if (store_commit(c) != 0)
				err = "the store is not available";
		}
		if (err)
			store_rollback(c);
		else
			*queued += in_batch;
		store_release(c);
	}
	for (size_t i = 0; i < a.n; i++)
		free(a.list[i].email);
	free(a.list);
	*id = crypto_random_id();
	struct store_val row[] = {SV_INT(*id),	    SV_TEXT(purpose),
				  SV_TEXT(subject), SV_TEXT(body),
				  staff ? SV_INT(staff) : SV_NULL, SV_INT(time(NULL)),
				  SV_INT(*queued)};
	if (!err && store_query(app.store, SQL_CAMPAIGN, row, 7, NULL, NULL) < 0)
		err = "the campaign was queued but not recorded";
	log_info("campaign for %s: %lld message(s) queued", purpose, (long long)*queued);
	return err;
}

int campaign_cli(const char *purpose, const char *subject, const char *file, FILE *out)
{
	if (!purpose || !subject) {
		fprintf(stderr, "Usage: glovebox mail campaign --purpose PURPOSE --subject TEXT FILE\n");
		return 2;
	}
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (!f) {
		fprintf(stderr, "glovebox: cannot read %s\n", file);
		return 1;
	}
	struct buf body;
	buf_init(&body, 1 << 20);
	char chunk[4096];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&body, chunk, n) != 0)
			rc = 1;
	if (f != stdin)
		fclose(f);
	buf_putc(&body, '\0');
	if (rc) {
		fprintf(stderr, "glovebox: the text is longer than 1 MiB\n");
		buf_release(&body);
		return 1;
	}
	int64_t id = 0, queued = 0;
	const char *err = campaign_send(purpose, subject, body.data, 0, &id, &queued);
	buf_release(&body);
	if (err) {
		fprintf(stderr, "glovebox: %s\n", err);
		return 1;
	}
	fprintf(out, "campaign %lld: %lld message(s) queued\n", (long long)id, (long long)queued);
	return 0;
}

void campaign_api_send(struct req *r)
{
	struct staff_session s;
	const char *purpose = req_param(r, "purpose");
	if (!staff_require(r, purpose, &s))
		return;
	int64_t id = 0, queued = 0;
	const char *err = campaign_send(purpose, req_param(r, "subject"), req_param(r, "body"),
					s.staff, &id, &queued);
	if (err) {
		resp_error(r, 400, "invalid_campaign", err, NULL);
		return;
	}
	resp_json(r, 201, json_pack("{s:I,s:I}", "id", (json_int_t)id, "queued", (json_int_t)queued));
}

static int list_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:I,s:I}", "id",
					     (json_int_t)row->cols[0].i, "purpose",
					     (const char *)row->cols[1].p, "subject",
					     (const char *)row->cols[2].p, "created_at",
					     (json_int_t)row->cols[3].i, "recipients",
					     (json_int_t)row->cols[4].i));
	return 0;
}

void campaign_api_list(struct req *r)
{
	struct staff_session s;
	if (!staff_require(r, NULL, &s))
		return;
	json_t *list = json_array();
	store_query(app.store, SQL_LIST, NULL, 0, list_cb, list);
	resp_json(r, 200, json_pack("{s:o}", "campaigns", list));
}

/* ---- unsubscribe ---- */

void unsubscribe_page(struct req *r)
{
	int64_t subject;
	const char *purpose;
	bool valid = token_open(req_param(r, "token"), &subject, &purpose);
	json_t *data = page_data(r, "Unsubscribe");
	json_object_set_new(data, "valid", json_boolean(valid));
	json_object_set_new(data, "token", json_string(valid ? req_param(r, "token") : ""));
	if (valid) {
		int pi = policy_purpose_index(app.policy, purpose);
		json_object_set_new(data, "label", json_string(app.policy->purposes[pi].label));
	}
	r->no_store = true;
	page_render(r, valid ? 200 : 404, "unsubscribe", data);
}

/* RFC 8058: a POST with no cookies and no CSRF token; the token is the
 * proof. A withdrawal is in the ledger before the answer goes back. */
void unsubscribe_post(struct req *r)
{
	int64_t subject;
	const char *purpose;
	if (!token_open(req_param(r, "token"), &subject, &purpose)) {
		resp_error(r, 404, "bad_token", "That link is unknown or more than 60 days old.", NULL);
		return;
	}
	struct store_conn *c = store_acquire(app.store);
	int rc = broker_consent_set(c, subject, purpose, false, "link");
	store_release(c);
	if (rc != 0) {
		resp_error(r, 503, "store_unavailable", "Please try again.", NULL);
		return;
	}
	json_t *data = page_data(r, "Unsubscribed");
	int pi = policy_purpose_index(app.policy, purpose);
	json_object_set_new(data, "label", json_string(app.policy->purposes[pi].label));
	json_object_set_new(data, "done", json_true());
	page_render(r, 200, "unsubscribe", data);
}

/* ---- the staff page ---- */

/* The communication purposes the staff member's role has. */
static json_t *role_news_purposes(const char *role)
{
	const struct policy *p = app.policy;
	json_t *list = json_array();
	for (size_t i = 0; i < p->npurposes; i++)
		if (p->purposes[i].kind == PK_COMMUNICATION && staff_role_grants(role, p->purposes[i].id))
			json_array_append_new(list, json_pack("{s:s,s:s}", "id", p->purposes[i].id,
							      "label", p->purposes[i].label));
	return list;
}

static void campaigns_render(struct req *r, const struct staff_session *s, int status,
			     json_t *preview)
{
	json_t *data = page_form_values(r, page_data(r, "Campaigns"));
	json_t *list = json_array();
	store_query(app.store, SQL_LIST, NULL, 0, list_cb, list);
	page_times(list, "created_at");
	json_object_set_new(data, "campaigns", list);
	json_object_set_new(data, "purposes", role_news_purposes(s->role));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	const char *sent = req_param(r, "sent");
	if (sent)
		json_object_set_new(data, "sent", json_string(sent));
	if (preview)
		json_object_set_new(data, "preview", preview);
	r->no_store = true;
	page_render(r, status, "staff_campaigns", data);
}

void campaign_page(struct req *r)
{
	struct staff_session s;
	if (staff_page_session(r, &s))
		campaigns_render(r, &s, 200, NULL);
}

/* Preview (the message as members will get it, with a sample link) or send. */
void campaign_post(struct req *r)
{
	struct staff_session s;
	if (!staff_page_session(r, &s))
		return;
	if (r->nerrors) {
		campaigns_render(r, &s, 422, NULL);
		return;
	}
	const char *purpose = req_param(r, "purpose"), *action = req_param(r, "action");
	int pi = policy_purpose_index(app.policy, purpose);
	if (pi < 0 || !staff_role_grants(s.role, purpose)) {
		page_add_error(r, "purpose", "Your role cannot send news for that purpose.");
		campaigns_render(r, &s, 403, NULL);
		return;
	}
	if (!action || strcmp(action, "send") != 0) {
		struct buf text;
		buf_init(&text, 0);
		buf_puts(&text, req_param(r, "body"));
		footer(&text, &app.policy->purposes[pi], "(a personal unsubscribe link)");
		json_t *preview = json_pack("{s:s,s:s%}", "subject", req_param(r, "subject"), "text",
					    text.data, text.len);
		buf_release(&text);
		campaigns_render(r, &s, 200, preview);
		return;
	}
	int64_t id = 0, queued = 0;
	const char *err = campaign_send(purpose, req_param(r, "subject"), req_param(r, "body"),
					s.staff, &id, &queued);
	if (err) {
		page_add_error(r, "form", err);
		campaigns_render(r, &s, 400, NULL);
		return;
	}
	char to[64];
	snprintf(to, sizeof(to), "/staff/campaigns?sent=%lld", (long long)queued);
	page_redirect(r, to);
}
