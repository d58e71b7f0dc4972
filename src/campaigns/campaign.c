/*
 * campaign: campaigns and one-click unsubscribe (see campaign.h).
 *
 * The audience is read by id from the plain columns of members (a
 * confirmed, deliverable address); each member's address is then opened
 * through the record layer under a grant the broker gives glovebox itself
 * for the campaign's purpose, so the broker's decision (consent, a pending
 * notice) is the audience rule, and a member it refuses gets nothing.
 */
#include "campaign.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "handover.h"
#include "log.h"
#include "progress.h"
#include "mail_msg.h"
#include "mem.h"
#include "outbox.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "store_json.h"
#include "token.h"

#define CAT_EMAIL	"email"
#define CAMPAIGN_BATCH	200 /* messages queued per transaction */
#define AUDIENCE_FIRST	256 /* ids the audience list starts with room for */
#define SECONDS_PER_DAY 86400

/* Where each part of an unsubscribe token sits (campaign.h): the tag,
 * then the sealed body; and in the body, each field. */
#define AT_MAC	   0
#define AT_BODY	   UNSUBSCRIBE_MAC_BYTES
#define AT_SUBJECT 0
#define AT_DAY	   (AT_SUBJECT + UNSUBSCRIBE_SUBJECT_BYTES)
#define AT_PURPOSE (AT_DAY + UNSUBSCRIBE_DAY_BYTES)
#define AT_ONS	   (AT_PURPOSE + UNSUBSCRIBE_PURPOSE_BYTES)

/*
 * The labels of the token's keyed hashes (token_tag): the tag over the
 * body, the stream that seals the body, and the purpose's tag. The first
 * two are of one length, so that no label and message of one read as
 * those of the other.
 */
static const char MAC_LABEL[] = "glovebox-unsubscribe-2-tag:";
static const char PAD_LABEL[] = "glovebox-unsubscribe-2-pad:";
static const char PURPOSE_LABEL[] = "glovebox-unsubscribe-purpose:";
_Static_assert(sizeof(MAC_LABEL) == sizeof(PAD_LABEL), "the labels are of one length");
_Static_assert(UNSUBSCRIBE_BODY_BYTES <= TOKEN_HASH_BYTES, "one keyed hash seals the body");

/* How many times the member has switched the purpose on: a new "on" in the
 * ledger makes every older link void. */
static const char SQL_ONS[] = "SELECT COUNT(*) FROM consent_events WHERE subject_id = $1 AND "
			      "purpose = $2 AND state = 'on'";
static const char SQL_CAMPAIGN[] =
	"INSERT INTO campaigns (id, purpose, subject, body, created_by, created_at, sent_at, "
	"recipients) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)";
static const char SQL_AUDIENCE[] = "SELECT id FROM members WHERE email_confirmed_at IS NOT NULL "
				   "AND email_undeliverable_at IS NULL ORDER BY id";
static const char SQL_LIST[] = "SELECT id, purpose, subject, created_at, recipients FROM campaigns "
			       "ORDER BY created_at DESC "
			       "LIMIT $1";

static const char *const email_category[] = {CAT_EMAIL};
static const char *const email_column[] = {"email"};

/* ---- tokens ---- */

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].type == STORE_INT ? row->cols[0].i : 0;
	return 0;
}

static void be_put(unsigned char *p, uint64_t v, size_t n)
{
	for (size_t i = n; i-- > 0; v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t be_get(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void purpose_tag(const char *purpose, unsigned char tag[UNSUBSCRIBE_PURPOSE_BYTES])
{
	token_tag(PURPOSE_LABEL, purpose, strlen(purpose), tag, UNSUBSCRIBE_PURPOSE_BYTES);
}

/* XORs the body with the stream the tag seeds: seals it, or opens it. */
static void body_seal(const unsigned char mac[UNSUBSCRIBE_MAC_BYTES],
		      unsigned char body[UNSUBSCRIBE_BODY_BYTES])
{
	unsigned char pad[UNSUBSCRIBE_BODY_BYTES];
	token_tag(PAD_LABEL, mac, UNSUBSCRIBE_MAC_BYTES, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		body[i] ^= pad[i];
	crypto_wipe(pad, sizeof(pad));
}

void campaign_token(const struct campaign_link *link, int64_t at,
		    char out[UNSUBSCRIBE_TOKEN_CHARS + 1])
{
	unsigned char t[UNSUBSCRIBE_TOKEN_BYTES];
	unsigned char *body = t + AT_BODY;
	be_put(body + AT_SUBJECT, (uint64_t)link->subject, UNSUBSCRIBE_SUBJECT_BYTES);
	be_put(body + AT_DAY, (uint64_t)(at / SECONDS_PER_DAY), UNSUBSCRIBE_DAY_BYTES);
	purpose_tag(link->purpose, body + AT_PURPOSE);
	be_put(body + AT_ONS, link->ons, UNSUBSCRIBE_ONS_BYTES);
	token_tag(MAC_LABEL, body, UNSUBSCRIBE_BODY_BYTES, t + AT_MAC, UNSUBSCRIBE_MAC_BYTES);
	body_seal(t + AT_MAC, body);
	crypto_base64url(t, sizeof(t), out, UNSUBSCRIBE_TOKEN_CHARS + 1);
	crypto_wipe(t, sizeof(t));
}

bool campaign_token_open(const char *token, int64_t now, struct campaign_link *link)
{
	unsigned char t[UNSUBSCRIBE_TOKEN_BYTES], mac[UNSUBSCRIBE_MAC_BYTES];
	unsigned char *body = t + AT_BODY;
	size_t n = 0;
	bool ok = false;
	if (!token || strlen(token) != UNSUBSCRIBE_TOKEN_CHARS ||
	    crypto_unbase64url(token, t, sizeof(t), &n) != 0 || n != sizeof(t))
		return false;
	body_seal(t + AT_MAC, body);
	token_tag(MAC_LABEL, body, UNSUBSCRIBE_BODY_BYTES, mac, sizeof(mac));
	if (!crypto_equal(mac, t + AT_MAC, sizeof(mac)))
		goto out;
	int64_t day = (int64_t)be_get(body + AT_DAY, UNSUBSCRIBE_DAY_BYTES);
	int64_t today = now / SECONDS_PER_DAY;
	if (day > today || today - day > UNSUBSCRIBE_DAYS)
		goto out;
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->npurposes && !ok; i++) {
		unsigned char tag[UNSUBSCRIBE_PURPOSE_BYTES];
		purpose_tag(p->purposes[i].id, tag);
		if (memcmp(tag, body + AT_PURPOSE, sizeof(tag)) != 0)
			continue;
		*link = (struct campaign_link){
			.subject = (int64_t)be_get(body + AT_SUBJECT, UNSUBSCRIBE_SUBJECT_BYTES),
			.purpose = p->purposes[i].id,
			.ons = (uint32_t)be_get(body + AT_ONS, UNSUBSCRIBE_ONS_BYTES)};
		ok = true;
	}
out:
	crypto_wipe(t, sizeof(t));
	return ok;
}

/* The ledger's count of "on" events for the member and purpose; -1 if the
 * store failed. */
static int64_t ons_of(struct store_conn *c, int64_t subject, const char *purpose)
{
	int64_t n = 0;
	struct store_val v[] = {SV_INT(subject), SV_TEXT(purpose)};
	if (store_exec(c, SQL_ONS, v, STORE_NPARAMS(v), count_cb, &n) < 0)
		return -1;
	return n;
}

static int bad_link(struct failure *f)
{
	return err_failf(f, ERR_BAD_UNSUBSCRIBE,
			 "That link is unknown, more than %d days old, or from a message sent "
			 "before you last chose to receive these messages.",
			 UNSUBSCRIBE_DAYS);
}

static const char *purpose_label(const char *purpose)
{
	int pi = policy_purpose_index(app.policy, purpose);
	return pi >= 0 && app.policy->purposes[pi].label ? app.policy->purposes[pi].label : purpose;
}

/* Opens a token and checks it against the ledger: 0 when it is the
 * member's latest, else -1 with *f. */
static int link_live(struct store_conn *c, const char *token, struct campaign_link *link,
		     struct failure *f)
{
	if (!campaign_token_open(token, (int64_t)time(NULL), link))
		return bad_link(f);
	int64_t ons = ons_of(c, link->subject, link->purpose);
	if (ons < 0)
		return err_fail(f, ERR_STORE);
	return ons == (int64_t)link->ons ? 0 : bad_link(f);
}

int campaign_unsubscribe_check(const char *token, const char **label, struct failure *f)
{
	struct campaign_link link;
	struct store_conn *c = store_acquire(app.store);
	int rc = link_live(c, token, &link, f);
	store_release(c);
	if (rc == 0)
		*label = purpose_label(link.purpose);
	return rc;
}

int campaign_unsubscribe(const char *token, const char **label, struct failure *f)
{
	struct campaign_link link;
	struct store_conn *c = store_acquire(app.store);
	int rc = -1;
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (link_live(c, token, &link, f) != 0)
		goto out;
	/* A mail client may post twice, and the member click after it: the
	 * ledger records one withdrawal. */
	if (broker_consent_get(c, link.subject, link.purpose) != CONSENT_OFF &&
	    broker_consent_set(c, link.subject, link.purpose, false, "link") != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	*label = purpose_label(link.purpose);
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	return rc;
}

/* ---- what may be sent ---- */

/* The purpose of a campaign that may be sent as asked, or -1 with *f. */
static int campaign_check(const struct campaign *in, const struct policy_purpose **out,
			  struct failure *f)
{
	const struct policy *p = app.policy;
	if (in->role && !policy_role_grants(p, in->role, in->purpose)) {
		err_fail(f, ERR_ROLE);
		f->field = "purpose";
		return -1;
	}
	int pi = policy_purpose_index(p, in->purpose);
	if (pi < 0)
		return err_failf(f, ERR_INVALID_CAMPAIGN, "the profile has no such purpose");
	const struct policy_purpose *pu = &p->purposes[pi];
	if (pu->kind != PK_COMMUNICATION ||
	    !policy_purpose_covers(pu, policy_category_index(p, CAT_EMAIL)))
		return err_failf(f, ERR_INVALID_CAMPAIGN,
				 "that purpose is not one for sending news by e-mail");
	if (!in->subject || !*in->subject || !in->body || !*in->body)
		return err_failf(f, ERR_INVALID_CAMPAIGN, "a campaign needs a subject and a text");
	const char *house = app.cfg.campaign_mailing_house, *cats[HANDOVER_MAX_FIELDS];
	if (house && *house && handover_fields(p, house, pu->id, cats, HANDOVER_MAX_FIELDS) <= 0)
		return err_failf(f, ERR_INVALID_CAMPAIGN,
				 "the mailing house set for campaigns does not take that purpose");
	*out = pu;
	return 0;
}

int campaign_mailing_house_check(const struct policy *p, const char *recipient, char *err,
				 size_t errlen)
{
	static const char *const needed[] = CAMPAIGN_MAILING_FIELDS;
	if (!recipient || !*recipient)
		return 0;
	int ri = policy_recipient_index(p, recipient);
	if (ri < 0 || p->recipients[ri].kind != RK_SERVICE_PROVIDER) {
		snprintf(err, errlen, "%s is not a service provider of profile %s", recipient,
			 p->name);
		return -1;
	}
	for (size_t i = 0; i < p->npurposes; i++) {
		const char *cats[HANDOVER_MAX_FIELDS];
		if (p->purposes[i].kind != PK_COMMUNICATION)
			continue;
		int n = handover_fields(p, recipient, p->purposes[i].id, cats, HANDOVER_MAX_FIELDS);
		size_t found = 0;
		for (size_t k = 0; k < ARRAY_LEN(needed); k++)
			for (int j = 0; j < n; j++)
				found += strcmp(cats[j], needed[k]) == 0;
		if (found != ARRAY_LEN(needed)) {
			snprintf(err, errlen,
				 "%s does not take the campaign purpose %s with a name and an "
				 "e-mail address",
				 recipient, p->purposes[i].id);
			return -1;
		}
	}
	return 0;
}

/* The footer every message carries: why it came, the way out, the contact. */
static void footer(struct buf *text, const struct policy_purpose *pu, const char *url)
{
	const struct policy_contact *ct = &app.policy->contact;
	buf_printf(text,
		   "\n\n-- \nYou receive this because you chose: %s.\n"
		   "To stop it, open: %s\n%s",
		   pu->label, url, app.site_name);
	if (ct->postal && *ct->postal)
		buf_printf(text, ", %s", ct->postal);
	if (ct->email && *ct->email)
		buf_printf(text, ", %s", ct->email);
	buf_puts(text, "\n");
}

int campaign_preview(const struct campaign *in, json_t **preview, struct failure *f)
{
	const struct policy_purpose *pu;
	if (campaign_check(in, &pu, f) != 0)
		return -1;
	struct buf text;
	buf_init(&text, 0);
	buf_puts(&text, in->body);
	footer(&text, pu, "(a personal unsubscribe link)");
	*preview = json_pack("{s:s,s:s%}", "subject", in->subject, "text", text.data, text.len);
	buf_release(&text);
	return 0;
}

json_t *campaign_purposes(const char *role)
{
	const struct policy *p = app.policy;
	json_t *list = json_array();
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (pu->kind == PK_COMMUNICATION && policy_role_grants(p, role, pu->id))
			json_array_append_new(
				list, json_pack("{s:s,s:s}", "id", pu->id, "label", pu->label));
	}
	return list;
}

/* ---- sending ---- */

struct audience {
	int64_t *ids;
	size_t n, cap;
};

static int audience_cb(void *ctx, const struct store_row *row)
{
	struct audience *a = ctx;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : AUDIENCE_FIRST;
		a->ids = xrealloc(a->ids, a->cap * sizeof(*a->ids));
	}
	a->ids[a->n++] = row->cols[0].i;
	return 0;
}

/*
 * Builds and queues one member's message inside the caller's transaction:
 * true when queued; false when the broker refuses the purpose for the member
 * (no consent, a pending notice), the address does not open (an erased key)
 * or the message cannot be built.
 */
/* The member's one-click way out: the link (with its token) and the
 * List-Unsubscribe header's value. 0, or -1. */
static int unsubscribe_links(struct store_conn *c, int64_t member, const char *purpose,
			     struct buf *url, struct buf *list)
{
	int64_t ons = ons_of(c, member, purpose);
	if (ons < 0)
		return -1;
	char token[UNSUBSCRIBE_TOKEN_CHARS + 1];
	struct campaign_link link = {member, purpose, (uint32_t)ons};
	campaign_token(&link, (int64_t)time(NULL), token);
	buf_printf(url, "%s/unsubscribe?token=%s", app.cfg.site_url, token);
	buf_printf(list, "<%s>, <mailto:%s?subject=unsubscribe%%20%s>", url->data,
		   app.cfg.mail_from, token);
	return 0;
}

/*
 * INS07: the member handed over to the mailing house instead: name and
 * e-mail address only, for the campaign's purpose, the campaign and the
 * member's way out as the reference. True when queued; false when the
 * broker refuses (the member's choice, a pending notice) or nothing can be
 * handed over.
 */
static bool hand_over_one(struct store_conn *c, int64_t member, const struct campaign *in,
			  int64_t campaign)
{
	static const char *const only[] = CAMPAIGN_MAILING_FIELDS;
	struct buf url, list;
	buf_init(&url, 0);
	buf_init(&list, 0);
	bool ok = false;
	if (unsubscribe_links(c, member, in->purpose, &url, &list) == 0) {
		json_t *ref = json_pack("{s:{s:I,s:s,s:s,s:s},s:{s:s,s:s,s:s}}", "campaign", "id",
					(json_int_t)campaign, "purpose", in->purpose, "subject",
					in->subject, "text", in->body, "unsubscribe", "url",
					url.data, "list_unsubscribe", list.data, "post",
					"List-Unsubscribe=One-Click");
		char *text = json_dumps(ref, JSON_COMPACT);
		struct handover_order o = {.recipient = app.cfg.campaign_mailing_house,
					   .purpose = in->purpose,
					   .subject = member,
					   .reason = "campaign",
					   .only = only,
					   .n_only = ARRAY_LEN(only),
					   .reference = text};
		enum decision_reason why;
		ok = handover_queue_order(c, &o, &why) == 1;
		free(text);
		json_decref(ref);
	}
	buf_release(&url);
	buf_release(&list);
	return ok;
}

static bool queue_one(struct store_conn *c, int64_t member, const struct campaign *in,
		      const struct policy_purpose *pu, int64_t campaign)
{
	if (*app.cfg.campaign_mailing_house)
		return hand_over_one(c, member, in, campaign);
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {
		&system, member, in->purpose, email_category, ARRAY_LEN(email_category), "send"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	struct record_text to = {0};
	bool ok = false;
	if (broker_open(c, &use, &g, &why) != 0 ||
	    record_read(c, g, "members", member, email_column, ARRAY_LEN(email_column), &to) != 1 ||
	    !to.p)
		goto out;
	struct buf url, list, text;
	buf_init(&url, 0);
	buf_init(&list, 0);
	buf_init(&text, 0);
	if (unsubscribe_links(c, member, in->purpose, &url, &list) != 0) {
		buf_release(&url);
		buf_release(&list);
		buf_release(&text);
		goto out;
	}
	buf_puts(&text, in->body);
	footer(&text, pu, url.data);
	const struct mail_header extra[] = {
		{"List-Unsubscribe", list.data},
		{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
	ok = outbox_send_campaign(c, g, campaign, in->purpose, CAT_EMAIL, CAT_EMAIL, to.p,
				  in->subject, text.data, extra, ARRAY_LEN(extra)) == 0;
	buf_release(&url);
	buf_release(&list);
	buf_release(&text);
out:
	record_texts_release(&to, 1);
	broker_grant_free(g);
	return ok;
}

/* Queues the audience's messages, CAMPAIGN_BATCH per transaction. 0, or
 * -1 when a batch could not be committed (the ones before it were). */
static int queue_all(const struct audience *a, const struct campaign *in,
		     const struct policy_purpose *pu, int64_t campaign, int64_t *queued)
{
	*queued = 0;
	progress_begin("campaign", "members", (int64_t)a->n);
	for (size_t start = 0; start < a->n; start += CAMPAIGN_BATCH) {
		struct store_conn *c = store_acquire(app.store);
		int64_t in_batch = 0;
		bool ok = store_begin(c) == 0;
		for (size_t i = start; ok && i < a->n && i < start + CAMPAIGN_BATCH; i++)
			in_batch += queue_one(c, a->ids[i], in, pu, campaign);
		ok = ok && store_commit(c) == 0;
		if (!ok)
			store_rollback(c);
		store_release(c);
		if (!ok) {
			progress_end();
			return -1;
		}
		*queued += in_batch;
		progress_add(
			(int64_t)(a->n - start < CAMPAIGN_BATCH ? a->n - start : CAMPAIGN_BATCH));
	}
	progress_end();
	return 0;
}

int campaign_send(const struct campaign *in, int64_t *id, int64_t *queued, struct failure *f)
{
	const struct policy_purpose *pu;
	*queued = 0;
	if (campaign_check(in, &pu, f) != 0)
		return -1;
	struct audience a = {0};
	if (store_query(app.store, SQL_AUDIENCE, NULL, 0, audience_cb, &a) < 0) {
		free(a.ids);
		return err_fail(f, ERR_STORE);
	}
	*id = crypto_random_id(); /* the mailing house's reference names it */
	int rc = queue_all(&a, in, pu, *id, queued);
	free(a.ids);
	log_info("campaign for %s: %lld message(s) queued", in->purpose, (long long)*queued);
	if (rc != 0)
		return *queued ? err_failf(
					 f, ERR_STORE,
					 "The store failed after %lld message(s) were queued; the "
					 "campaign is not recorded.",
					 (long long)*queued)
			       : err_fail(f, ERR_STORE);
	struct store_val row[] = {SV_INT(*id),
				  SV_TEXT(in->purpose),
				  SV_TEXT(in->subject),
				  SV_TEXT(in->body),
				  in->staff ? SV_INT(in->staff) : SV_NULL,
				  SV_INT(time(NULL)),
				  SV_INT(*queued)};
	if (store_query(app.store, SQL_CAMPAIGN, row, STORE_NPARAMS(row), NULL, NULL) < 0)
		return err_failf(f, ERR_STORE, "The campaign was queued but not recorded.");
	return 0;
}

static int list_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx,
			      json_pack("{s:I,s:s,s:s,s:I,s:I}", "id", (json_int_t)row->cols[0].i,
					"purpose", (const char *)row->cols[1].p, "subject",
					(const char *)row->cols[2].p, "created_at",
					(json_int_t)row->cols[3].i, "recipients",
					(json_int_t)row->cols[4].i));
	return 0;
}

int campaign_list(json_t **list, struct failure *f)
{
	struct store_val limit[] = {SV_INT(CAMPAIGN_LIST_MAX)};
	if (store_json_list(SQL_LIST, limit, STORE_NPARAMS(limit), list_cb, list, f) != 0)
		return -1;
	/* How far each one's delivery has got (a mailing house's campaign
	 * leaves through the hand-overs: its messages are not counted here). */
	size_t i;
	json_t *item;
	json_array_foreach (*list, i, item) {
		struct outbox_campaign_counts n;
		if (outbox_campaign_counts(json_integer_value(json_object_get(item, "id")), &n) !=
		    0) {
			json_decref(*list);
			*list = NULL;
			return err_fail(f, ERR_STORE);
		}
		json_object_set_new(item, "delivery",
				    json_pack("{s:I,s:I,s:I,s:I}", "queued", (json_int_t)n.queued,
					      "sent", (json_int_t)n.sent, "failed",
					      (json_int_t)n.failed, "dropped",
					      (json_int_t)n.dropped));
	}
	return 0;
}

/* ---- the command line ---- */

int campaign_cli(const char *purpose, const char *subject, const char *file, FILE *out)
{
	if (!purpose || !subject) {
		fprintf(stderr,
			"Usage: glovebox mail campaign --purpose PURPOSE --subject TEXT FILE\n");
		return 2;
	}
	FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (!in) {
		fprintf(stderr, "glovebox: cannot read %s\n", file);
		return 1;
	}
	struct buf body;
	buf_init(&body, CAMPAIGN_TEXT_MAX);
	char chunk[4096];
	size_t n;
	bool too_long = false;
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (buf_append(&body, chunk, n) != 0)
			too_long = true;
	if (in != stdin)
		fclose(in);
	if (too_long) {
		fprintf(stderr, "glovebox: the text is longer than %d bytes\n", CAMPAIGN_TEXT_MAX);
		buf_release(&body);
		return 1;
	}
	struct campaign c = {purpose, subject, body.data ? body.data : "", NULL, 0};
	int64_t id = 0, queued = 0;
	struct failure f;
	int rc = campaign_send(&c, &id, &queued, &f);
	buf_release(&body);
	if (rc != 0) {
		fprintf(stderr, "glovebox: %s\n", err_message(&f));
		return 1;
	}
	fprintf(out, "campaign %lld: %lld message(s) queued\n", (long long)id, (long long)queued);
	return 0;
}
