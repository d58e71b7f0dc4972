/*
 * outbox: queueing and delivery (see outbox.h).
 */
#include "outbox.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "dkim.h"
#include "log.h"
#include "mail_msg.h"
#include "mem.h"
#include "record.h"
#include "smtp.h"
#include "store.h"
#include "ticker.h"

#define CLAIM_BATCH	   50
#define LAST_RETRY_SECONDS 3600

static const char SQL_RECLAIM[] =
	"UPDATE outbox SET status = 'queued', claimed_by = NULL WHERE status = 'sending' "
	"AND claimed_at < $1";
/* Processes claiming at once skip each other's rows (on SQLite, whose
 * engine drops the clause, its one writer at a time does the same). */
static const char SQL_CLAIM[] =
	"UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_at = $2 WHERE id IN "
	"(SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $2 "
	"ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED)";
static const char SQL_CLAIMED[] = "SELECT id, subject_id, purpose, address_category, "
				  "content_category, attempts, campaign_id FROM outbox "
				  "WHERE claimed_by = $1 AND status = 'sending'";
static const char SQL_CAMPAIGN_ADD[] =
	"INSERT INTO campaign_delivery (campaign_id, outcome, n) VALUES ($1, $2, $3) "
	"ON CONFLICT (campaign_id, outcome) DO UPDATE SET n = campaign_delivery.n + excluded.n";
static const char SQL_CAMPAIGN_QUEUED[] = "SELECT COUNT(*) FROM outbox WHERE campaign_id = $1";
static const char SQL_CAMPAIGN_SETTLED[] =
	"SELECT outcome, n FROM campaign_delivery WHERE campaign_id = $1";
static const char SQL_HEARTBEAT[] =
	"UPDATE outbox SET claimed_at = $2 WHERE claimed_by = $1 AND status = 'sending'";
static const char SQL_DONE[] = "DELETE FROM outbox WHERE id = $1 AND claimed_by = $2";
static const char SQL_LATER[] =
	"UPDATE outbox SET status = 'queued', attempts = attempts + 1, next_attempt_at = $2, "
	"claimed_by = NULL, last_error = $3 WHERE id = $1 AND claimed_by = $4";
static const char SQL_BOUNCED[] = "UPDATE members SET email_undeliverable_at = $2 WHERE id = $1";
static const char SQL_COUNTER_ADD[] =
	"INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) "
	"DO UPDATE SET value = counters.value + excluded.value";

/* With a DKIM key configured, the message is signed as it is queued: a
 * repeat after a crash carries the same signature and Message-ID. */
static void sign(struct buf *b, const struct outbox_item *m)
{
	buf_append(b, m->message, m->len);
	if (!app.dkim)
		return;
	const char *domain = app.cfg.dkim_domain;
	const char *at = strchr(app.cfg.mail_from, '@');
	if (!*domain)
		domain = at ? at + 1 : "localhost";
	if (dkim_sign(app.dkim, domain, app.cfg.dkim_selector, (int64_t)time(NULL), b) != 0)
		log_warn("outbox: a message could not be signed; it goes unsigned");
}

int outbox_enqueue(struct store_conn *c, const struct broker_grant *g, const struct outbox_item *m)
{
	int64_t id = crypto_random_id(), now = (int64_t)time(NULL);
	struct buf signed_msg;
	buf_init(&signed_msg, 0);
	sign(&signed_msg, m);
	const struct record_field row[] = {
		{"purpose", SV_TEXT(m->purpose)},
		{"address_category", SV_TEXT(m->address_category)},
		{"content_category", SV_TEXT(m->content_category)},
		{"recipient", SV_TEXT(m->to)},
		{"message", SV_TEXTN(signed_msg.data, signed_msg.len)},
		{"message_id", SV_TEXT(m->message_id)},
		{"status", SV_TEXT("queued")},
		{"attempts", SV_INT(0)},
		{"next_attempt_at", SV_INT(now)},
		{"created_at", SV_INT(now)},
		{"campaign_id", m->campaign ? SV_INT(m->campaign) : SV_NULL},
	};
	int rc = record_insert(c, g, "outbox", id, row, STORE_NPARAMS(row)) < 0 ? -1 : 0;
	crypto_wipe(signed_msg.data, signed_msg.len);
	buf_release(&signed_msg);
	return rc;
}

static int send_text(struct store_conn *c, const struct broker_grant *g, int64_t campaign,
		     const char *purpose, const char *address_category,
		     const char *content_category, const char *to, const char *subject,
		     const char *text, const struct mail_header *extra, size_t nextra)
{
	const char *at = strchr(app.cfg.mail_from, '@');
	struct mail m = {.from_name = app.site_name,
			 .from_addr = app.cfg.mail_from,
			 .to_addr = to,
			 .subject = subject,
			 .text = text,
			 .domain = at ? at + 1 : NULL};
	for (size_t i = 0; i < nextra && i < MAIL_MAX_HEADERS; i++)
		m.extra[m.nextra++] = extra[i];
	struct buf msg;
	char message_id[128];
	buf_init(&msg, 0);
	int rc = -1;
	const char *why = to ? mail_build(&m, &msg, message_id, sizeof(message_id)) : "no address";
	if (why) {
		log_warn("outbox: a message for %s was not queued: %s", purpose, why);
	} else {
		struct outbox_item item = {purpose,  address_category, content_category, to,
					   msg.data, msg.len,	       message_id,	 campaign};
		rc = outbox_enqueue(c, g, &item);
	}
	crypto_wipe(msg.data, msg.len);
	buf_release(&msg);
	return rc;
}

int outbox_send_text(struct store_conn *c, const struct broker_grant *g, const char *purpose,
		     const char *address_category, const char *content_category, const char *to,
		     const char *subject, const char *text, const struct mail_header *extra,
		     size_t nextra)
{
	return send_text(c, g, 0, purpose, address_category, content_category, to, subject, text,
			 extra, nextra);
}

int outbox_send_campaign(struct store_conn *c, const struct broker_grant *g, int64_t campaign,
			 const char *purpose, const char *address_category,
			 const char *content_category, const char *to, const char *subject,
			 const char *text, const struct mail_header *extra, size_t nextra)
{
	return send_text(c, g, campaign, purpose, address_category, content_category, to, subject,
			 text, extra, nextra);
}

/* ---- a campaign's delivery ---- */

static int queued_cb(void *ctx, const struct store_row *row)
{
	((struct outbox_campaign_counts *)ctx)->queued =
		row->cols[0].type == STORE_INT ? row->cols[0].i : 0;
	return 0;
}

static int settled_cb(void *ctx, const struct store_row *row)
{
	struct outbox_campaign_counts *out = ctx;
	const char *o = row->cols[0].type == STORE_TEXT ? (const char *)row->cols[0].p : "";
	int64_t n = row->cols[1].type == STORE_INT ? row->cols[1].i : 0;
	if (strcmp(o, "sent") == 0)
		out->sent = n;
	else if (strcmp(o, "failed") == 0)
		out->failed = n;
	else
		out->dropped = n;
	return 0;
}

int outbox_campaign_counts(int64_t campaign, struct outbox_campaign_counts *out)
{
	*out = (struct outbox_campaign_counts){0};
	struct store_val key[] = {SV_INT(campaign)};
	struct store_conn *c = store_acquire(app.store);
	int rc = store_exec(c, SQL_CAMPAIGN_QUEUED, key, STORE_NPARAMS(key), queued_cb, out) < 0 ||
				 store_exec(c, SQL_CAMPAIGN_SETTLED, key, STORE_NPARAMS(key),
					    settled_cb, out) < 0
			 ? -1
			 : 0;
	store_release(c);
	return rc;
}

/* ---- delivery ---- */

struct due {
	int64_t id, subject, attempts, campaign;
	char purpose[64], address_category[64], content_category[64];
};

struct batch {
	struct due items[CLAIM_BATCH];
	size_t n;
};

static void text_copy(char *out, size_t n, const struct store_val *v)
{
	snprintf(out, n, "%s", v->type == STORE_TEXT ? (const char *)v->p : "");
}

static int due_cb(void *ctx, const struct store_row *row)
{
	struct batch *b = ctx;
	if (b->n >= CLAIM_BATCH)
		return 1;
	struct due *d = &b->items[b->n++];
	d->id = row->cols[0].i;
	d->subject = row->cols[1].i;
	text_copy(d->purpose, sizeof(d->purpose), &row->cols[2]);
	text_copy(d->address_category, sizeof(d->address_category), &row->cols[3]);
	text_copy(d->content_category, sizeof(d->content_category), &row->cols[4]);
	d->attempts = row->cols[5].i;
	d->campaign = row->cols[6].type == STORE_INT ? row->cols[6].i : 0;
	return 0;
}

/* What a pass did, written to the counters once at its end (a counter
 * write per message would double the commits). */
enum tally { SENT, DROPPED, REFUSED, FAILED, NTALLY };
static const char *const tally_names[NTALLY] = {"mail_sent", "mail_dropped", "mail_refused",
						"mail_failed"};
/* How a campaign's messages settled in a pass, by outcome (campaign_delivery). */
enum campaign_outcome { C_SENT, C_FAILED, C_DROPPED, NOUTCOME };
static const char *const outcome_names[NOUTCOME] = {"sent", "failed", "dropped"};
struct campaign_tally {
	int64_t campaign, n[NOUTCOME];
};

/* A delivery worker: its own thread (a ticker), relay connection and tally,
 * with a tally per campaign among the messages of its pass (at most a
 * claim's worth). */
struct worker {
	struct ticker *ticker;
	struct smtp *relay;
	int64_t tallies[NTALLY];
	struct campaign_tally campaigns[CLAIM_BATCH];
	size_t ncampaigns;
};

#define MAX_WORKERS 16
static struct worker workers[MAX_WORKERS];
static size_t nworkers;
static outbox_settled_fn on_settled;

void outbox_on_settled(outbox_settled_fn fn)
{
	on_settled = fn;
}

static void campaign_tally(struct worker *w, int64_t campaign, enum campaign_outcome o)
{
	if (!campaign)
		return;
	size_t i = 0;
	while (i < w->ncampaigns && w->campaigns[i].campaign != campaign)
		i++;
	if (i == w->ncampaigns) {
		if (i == ARRAY_LEN(w->campaigns))
			return; /* never: a pass settles at most a claim's worth */
		w->campaigns[w->ncampaigns++] = (struct campaign_tally){campaign, {0}};
	}
	w->campaigns[i].n[o]++;
}

static void tallies_flush(struct worker *w)
{
	for (size_t i = 0; i < w->ncampaigns; i++)
		for (int o = 0; o < NOUTCOME; o++) {
			if (!w->campaigns[i].n[o])
				continue;
			struct store_val add[] = {SV_INT(w->campaigns[i].campaign),
						  SV_TEXT(outcome_names[o]),
						  SV_INT(w->campaigns[i].n[o])};
			store_query(app.store, SQL_CAMPAIGN_ADD, add, STORE_NPARAMS(add), NULL,
				    NULL);
		}
	w->ncampaigns = 0;
	for (int t = 0; t < NTALLY; t++) {
		if (!w->tallies[t])
			continue;
		struct store_val add[] = {SV_TEXT(tally_names[t]), SV_INT(w->tallies[t])};
		store_query(app.store, SQL_COUNTER_ADD, add, STORE_NPARAMS(add), NULL, NULL);
		w->tallies[t] = 0;
	}
}

static int64_t backoff(int64_t attempts)
{
	int64_t s = app.cfg.mail_retry_seconds > 0 ? app.cfg.mail_retry_seconds : 1;
	for (int64_t i = 0; i < attempts && s < LAST_RETRY_SECONDS; i++)
		s *= 2;
	return s > LAST_RETRY_SECONDS ? LAST_RETRY_SECONDS : s;
}

/* Opens, sends and settles one claimed message. True when delivered. */
static bool deliver(struct worker *w, struct due *d, const char *claim)
{
	const char *cats[] = {d->address_category, d->content_category};
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system, d->subject, d->purpose, cats, ARRAY_LEN(cats), "send"};
	static const char *const columns[] = {"recipient", "message"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	struct record_text opened_values[2] = {{0}};
	char err[160] = "";
	bool sent = false, settled = true;
	struct store_val done[] = {SV_INT(d->id), SV_TEXT(claim)};
	struct store_conn *c = store_acquire(app.store);
	bool opened = broker_open(c, &use, &g, &why) == 0 &&
		      record_read(c, g, "outbox", d->id, columns, ARRAY_LEN(columns),
				  opened_values) == 1 &&
		      opened_values[0].p && opened_values[1].p;
	store_release(c);
	const char *to = opened_values[0].p, *msg = opened_values[1].p;
	size_t msg_len = opened_values[1].n;
	if (!opened) {
		/* Erased since, or the purpose no longer allows it: never sent. */
		store_query(app.store, SQL_DONE, done, STORE_NPARAMS(done), NULL, NULL);
		w->tallies[DROPPED]++;
		campaign_tally(w, d->campaign, C_DROPPED);
		log_info("outbox: a message was dropped: its recipient can no longer be reached");
		goto out;
	}
	enum smtp_result r =
		smtp_send(w->relay, app.cfg.mail_from, to, msg, msg_len, err, sizeof(err));
	if (r == SMTP_SENT) {
		store_query(app.store, SQL_DONE, done, STORE_NPARAMS(done), NULL, NULL);
		w->tallies[SENT]++;
		campaign_tally(w, d->campaign, C_SENT);
		sent = true;
	} else if (r == SMTP_REFUSED || d->attempts + 1 >= app.cfg.mail_max_attempts) {
		store_query(app.store, SQL_DONE, done, STORE_NPARAMS(done), NULL, NULL);
		w->tallies[r == SMTP_REFUSED ? REFUSED : FAILED]++;
		campaign_tally(w, d->campaign, C_FAILED);
		log_warn("outbox: a message failed for good: %s", err);
		/* A member's address refused for good gets no more member mail. */
		if (r == SMTP_REFUSED && strcmp(d->address_category, "email") == 0) {
			struct store_val bounced[] = {SV_INT(d->subject),
						      SV_INT((int64_t)time(NULL))};
			store_query(app.store, SQL_BOUNCED, bounced, STORE_NPARAMS(bounced), NULL,
				    NULL);
		}
	} else {
		int64_t next = (int64_t)time(NULL) + backoff(d->attempts);
		struct store_val later[] = {SV_INT(d->id), SV_INT(next), SV_TEXT(err),
					    SV_TEXT(claim)};
		store_query(app.store, SQL_LATER, later, STORE_NPARAMS(later), NULL, NULL);
		log_info("outbox: delivery postponed: %s", err);
		settled = false;
	}
out:
	if (settled && on_settled)
		on_settled(d->subject, d->purpose, sent);
	broker_grant_free(g);
	record_texts_release(opened_values, 2);
	return sent;
}

static int64_t worker_pass(struct worker *w)
{
	if (!*app.cfg.smtp_url)
		return -1;
	if (!w->relay)
		w->relay = smtp_new(app.cfg.smtp_url, app.cfg.smtp_user, app.cfg.smtp_password);
	if (!w->relay)
		return -1;
	int64_t now = (int64_t)time(NULL), sent = 0;
	unsigned char rnd[12];
	char claim[32];
	crypto_random(rnd, sizeof(rnd));
	crypto_hex(rnd, sizeof(rnd), claim);
	struct store_val stale[] = {SV_INT(now - app.cfg.mail_claim_timeout)};
	struct store_val take[] = {SV_TEXT(claim), SV_INT(now)};
	struct store_val mine[] = {SV_TEXT(claim)};
	struct batch b = {.n = 0};
	if (store_query(app.store, SQL_RECLAIM, stale, STORE_NPARAMS(stale), NULL, NULL) < 0 ||
	    store_query(app.store, SQL_CLAIM, take, STORE_NPARAMS(take), NULL, NULL) < 0 ||
	    store_query(app.store, SQL_CLAIMED, mine, STORE_NPARAMS(mine), due_cb, &b) < 0)
		sent = -1;
	struct timespec beat;
	clock_gettime(CLOCK_MONOTONIC, &beat);
	for (size_t i = 0; i < b.n; i++) {
		/* A live worker renews its claim every half second, so that only
		 * the claims of a dead one grow older than mail-claim-timeout. */
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - beat.tv_sec) * 1000 + (t.tv_nsec - beat.tv_nsec) / 1000000 >= 500) {
			struct store_val hb[] = {SV_TEXT(claim), SV_INT((int64_t)time(NULL))};
			store_query(app.store, SQL_HEARTBEAT, hb, STORE_NPARAMS(hb), NULL, NULL);
			beat = t;
		}
		if (sent >= 0 && deliver(w, &b.items[i], claim))
			sent++;
	}
	tallies_flush(w);
	return sent;
}

int64_t outbox_pass(void)
{
	return worker_pass(&workers[0]);
}

static void outbox_tick(void *arg)
{
	struct worker *w = arg;
	/* Until a pass finds nothing due, so a campaign does not wait a
	 * whole interval between batches. */
	int64_t n;
	do
		n = worker_pass(w);
	while (n > 0);
}

int outbox_start(void)
{
	if (!*app.cfg.smtp_url || app.cfg.mail_interval <= 0)
		return 0;
	if (smtp_global_init() != 0)
		return -1;
	nworkers = app.cfg.mail_workers < 1 ? 1 : (size_t)app.cfg.mail_workers;
	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	for (size_t i = 0; i < nworkers; i++) {
		workers[i].ticker = ticker_start((unsigned)app.cfg.mail_interval * 1000u, true,
						 outbox_tick, &workers[i]);
		if (!workers[i].ticker)
			return -1;
	}
	return 0;
}

void outbox_stop(void)
{
	for (size_t i = 0; i < nworkers; i++) {
		ticker_stop(workers[i].ticker);
		smtp_free(workers[i].relay);
		workers[i] = (struct worker){0};
	}
	nworkers = 0;
}
