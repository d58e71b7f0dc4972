/*
 * deliver: the channels and the delivery passes of the hand-overs (see
 * deliver.h).
 */
#include "deliver.h"

#include <ini.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "crypto.h"
#include "drop.h"
#include "handover.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "text.h"
#include "ticker.h"
#include "webhook.h"

#define CLAIM_BATCH	   50
#define LAST_RETRY_SECONDS 3600
#define SECRET_PREFIX	   "whsec_"
#define SECRET_MIN_BYTES   24
#define SECRET_MAX_BYTES   64
#define MAX_WORKERS	   16
#define HEARTBEAT_MS	   500
#define CATEGORIES_MAX	   512
#define ERROR_MAX	   160
#define COUNTER_NAME_MAX   128
#define DAY_SECONDS	   86400

/* ---- channels ---- */

struct channel {
	char *recipient;
	char *dealer;	       /* [recipient.CODE]: that dealer's code; NULL for [recipient] */
	char *url;	       /* webhook, or NULL */
	unsigned char *secret; /* its key, in secret memory */
	size_t secret_len;
	char *dir; /* file drop, or NULL */
};

static struct channel *channels;
static size_t nchannels;

/* The channel of [recipient] (dealer NULL) or [recipient.dealer]. */
static struct channel *channel_find(const char *recipient, const char *dealer)
{
	for (size_t i = 0; i < nchannels; i++)
		if (strcmp(channels[i].recipient, recipient) == 0 &&
		    (dealer ? channels[i].dealer && strcmp(channels[i].dealer, dealer) == 0
			    : !channels[i].dealer))
			return &channels[i];
	return NULL;
}

bool deliver_has_channel(const char *recipient, const char *dealer)
{
	return channel_find(recipient, dealer) != NULL;
}

static const char SQL_LEAD_DEALER[] =
	"SELECT h.dealer_id, d.code FROM handovers h LEFT JOIN dealers d ON d.id = h.dealer_id "
	"WHERE h.id = $1";

struct lead {
	int64_t dealer;
	char code[HANDOVER_DEALER_CODE_MAX + 1];
};

static int lead_cb(void *ctx, const struct store_row *row)
{
	struct lead *l = ctx;
	l->dealer = row->cols[0].i;
	snprintf(l->code, sizeof(l->code), "%s",
		 row->cols[1].type == STORE_TEXT ? (const char *)row->cols[1].p : "");
	return 0;
}

/* The channel a hand-over goes on: its recipient's; for a dealer's lead
 * (INS08), that dealer's own [recipient.CODE] and never the recipient's
 * plain section (*dealer: the lead's dealer, 0 for none). NULL when this
 * process has none. */
static const struct channel *channel_of(const char *recipient, int64_t handover, int64_t *dealer)
{
	*dealer = 0;
	int ri = policy_recipient_index(app.policy, recipient);
	if (ri < 0 || app.policy->recipients[ri].kind != RK_DEALER)
		return channel_find(recipient, NULL);
	struct lead l = {0, ""};
	struct store_val id[] = {SV_INT(handover)};
	if (store_query(app.store, SQL_LEAD_DEALER, id, STORE_NPARAMS(id), lead_cb, &l) < 0)
		return NULL;
	*dealer = l.dealer;
	if (l.dealer == 0)
		return channel_find(recipient, NULL);
	return l.code[0] ? channel_find(recipient, l.code) : NULL;
}

struct load_ctx {
	char problem[ERROR_MAX];
};

static int set_secret(struct channel *ch, const char *value, char *problem, size_t n)
{
	const char *b64 = text_after(value, SECRET_PREFIX);
	unsigned char *key = crypto_secret_alloc(SECRET_MAX_BYTES);
	size_t len = 0;
	if (!b64 || crypto_unbase64(b64, strlen(b64), key, SECRET_MAX_BYTES, &len) != 0 ||
	    len < SECRET_MIN_BYTES) {
		crypto_secret_free(key);
		snprintf(problem, n, "[%s%s%s] secret must be whsec_ and base64 of %d to %d bytes",
			 ch->recipient, ch->dealer ? "." : "", ch->dealer ? ch->dealer : "",
			 SECRET_MIN_BYTES, SECRET_MAX_BYTES);
		return 0;
	}
	crypto_secret_free(ch->secret);
	ch->secret = key;
	ch->secret_len = len;
	return 1;
}

static int ini_entry(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *ctx = user;
	if (!*section) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "'%.40s' outside a [recipient] section", name);
		return 0;
	}
	/* [recipient] or, for a dealer recipient, [recipient.CODE]: one dealer's. */
	char recipient[64];
	const char *dot = strchr(section, '.'), *dealer = dot ? dot + 1 : NULL;
	snprintf(recipient, sizeof(recipient), "%.*s", (int)(dot ? dot - section : 63), section);
	int ri = policy_recipient_index(app.policy, recipient);
	if (ri < 0) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[%.60s] is not a recipient of the profile in force", section);
		return 0;
	}
	if (dealer &&
	    (app.policy->recipients[ri].kind != RK_DEALER || !handover_dealer_code_ok(dealer))) {
		snprintf(ctx->problem, sizeof(ctx->problem),
			 "[%.60s]: only a dealer recipient takes a .CODE, a dealer's code "
			 "([a-z0-9-], 1 to %d)",
			 section, HANDOVER_DEALER_CODE_MAX);
		return 0;
	}
	struct channel *ch = channel_find(recipient, dealer);
	if (!ch) {
		channels = xrealloc(channels, (nchannels + 1) * sizeof(*channels));
		ch = &channels[nchannels++];
		*ch = (struct channel){.recipient = xstrdup(recipient),
				       .dealer = dealer ? xstrdup(dealer) : NULL};
	}
	if (strcmp(name, "webhook") == 0) {
		if (!text_after(value, "https://") || !*text_after(value, "https://")) {
			snprintf(ctx->problem, sizeof(ctx->problem),
				 "[%s] webhook must be an https:// address", section);
			return 0;
		}
		free(ch->url);
		ch->url = xstrdup(value);
		return 1;
	}
	if (strcmp(name, "secret") == 0)
		return set_secret(ch, value, ctx->problem, sizeof(ctx->problem));
	if (strcmp(name, "directory") == 0 && *value) {
		free(ch->dir);
		ch->dir = xstrdup(value);
		return 1;
	}
	snprintf(ctx->problem, sizeof(ctx->problem), "[%s] unknown key '%.40s'", section, name);
	return 0;
}

void deliver_channels_free(void)
{
	for (size_t i = 0; i < nchannels; i++) {
		free(channels[i].recipient);
		free(channels[i].dealer);
		free(channels[i].url);
		free(channels[i].dir);
		crypto_secret_free(channels[i].secret);
	}
	free(channels);
	channels = NULL;
	nchannels = 0;
}

int deliver_channels_load(char *err, size_t errlen)
{
	const char *path = app.cfg.handover_config;
	deliver_channels_free();
	if (!*path)
		return 0;
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: cannot read the hand-over channels", path);
		return -1;
	}
	if (st.st_mode & 0077) {
		snprintf(err, errlen, "%s: holds secrets and is readable by others (chmod 600)",
			 path);
		return -1;
	}
	struct load_ctx ctx = {""};
	int rc = ini_parse(path, ini_entry, &ctx);
	if (rc != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, rc,
			 ctx.problem[0] ? ctx.problem : "cannot read or parse");
		deliver_channels_free();
		return -1;
	}
	for (size_t i = 0; i < nchannels; i++) {
		struct channel *ch = &channels[i];
		if (!ch->url == !ch->dir) {
			snprintf(err, errlen, "%s: [%s%s%s] needs either webhook or directory",
				 path, ch->recipient, ch->dealer ? "." : "",
				 ch->dealer ? ch->dealer : "");
		} else if (ch->url && !ch->secret) {
			snprintf(err, errlen, "%s: [%s%s%s] webhook needs a secret", path,
				 ch->recipient, ch->dealer ? "." : "",
				 ch->dealer ? ch->dealer : "");
		} else {
			continue;
		}
		deliver_channels_free();
		return -1;
	}
	return 0;
}

/* ---- delivery ---- */

static const char SQL_RECLAIM[] =
	"UPDATE handovers SET status = 'queued', claimed_by = NULL WHERE status = 'sending' "
	"AND claimed_at < $1";
static const char SQL_CLAIM[] =
	"UPDATE handovers SET status = 'sending', claimed_by = $1, claimed_at = $2 WHERE id IN "
	"(SELECT id FROM handovers WHERE status = 'queued' AND next_attempt_at <= $2 "
	"ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED)";
static const char SQL_CLAIMED[] =
	"SELECT id, subject_id, recipient, purpose, categories, reason, webhook_id, attempts, "
	"created_at FROM handovers WHERE claimed_by = $1 AND status = 'sending'";
static const char SQL_HEARTBEAT[] =
	"UPDATE handovers SET claimed_at = $2 WHERE claimed_by = $1 AND status = 'sending'";
static const char SQL_FIELDS[] =
	"SELECT id, category FROM handover_fields WHERE handover_id = $1 ORDER BY id";
static const char SQL_FIELDS_DELETE[] = "DELETE FROM handover_fields WHERE handover_id = $1";
static const char SQL_DONE[] = "DELETE FROM handovers WHERE id = $1 AND claimed_by = $2";
static const char SQL_LATER[] =
	"UPDATE handovers SET status = 'queued', attempts = attempts + $5, next_attempt_at = $2, "
	"claimed_by = NULL, last_error = $3 WHERE id = $1 AND claimed_by = $4";
static const char SQL_FAILED[] =
	"UPDATE handovers SET status = 'failed', attempts = attempts + 1, claimed_by = NULL, "
	"last_error = $2, expires_at = $3 WHERE id = $1 AND claimed_by = $4";
static const char SQL_FIELDS_EXPIRE[] =
	"UPDATE handover_fields SET expires_at = $2 WHERE handover_id = $1";
static const char SQL_COUNTER_ADD[] =
	"INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) "
	"DO UPDATE SET value = counters.value + excluded.value";

struct due {
	int64_t id, subject, attempts, created_at;
	char recipient[64], purpose[64], reason[64], webhook_id[64];
	char categories[CATEGORIES_MAX];
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
	text_copy(d->recipient, sizeof(d->recipient), &row->cols[2]);
	text_copy(d->purpose, sizeof(d->purpose), &row->cols[3]);
	text_copy(d->categories, sizeof(d->categories), &row->cols[4]);
	text_copy(d->reason, sizeof(d->reason), &row->cols[5]);
	text_copy(d->webhook_id, sizeof(d->webhook_id), &row->cols[6]);
	d->attempts = row->cols[7].i;
	d->created_at = row->cols[8].i;
	return 0;
}

struct field_row {
	int64_t id;
	char category[64];
};

struct field_rows {
	struct field_row v[HANDOVER_MAX_FIELDS];
	size_t n;
};

static int field_cb(void *ctx, const struct store_row *row)
{
	struct field_rows *f = ctx;
	if (f->n >= HANDOVER_MAX_FIELDS)
		return 1;
	f->v[f->n].id = row->cols[0].i;
	text_copy(f->v[f->n].category, sizeof(f->v[f->n].category), &row->cols[1]);
	f->n++;
	return 0;
}

/* Splits "a,b,c" in place into names. The count. */
static size_t split(char *s, const char **names, size_t max)
{
	size_t n = 0;
	while (*s && n < max) {
		names[n++] = s;
		char *comma = strchr(s, ',');
		if (!comma)
			break;
		*comma = '\0';
		s = comma + 1;
	}
	return n;
}

static void iso_time(int64_t t, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What a hand-over names besides its fields: its reference, and a lead's
 * dealer while it is active. */
static const char SQL_NAMES[] =
	"SELECT h.reference, d.code, d.name FROM handovers h LEFT JOIN dealers d ON "
	"h.dealer_id <> 0 AND d.id = h.dealer_id AND d.active = 1 WHERE h.id = $1";

struct names {
	json_t *reference, *dealer;
};

static int names_cb(void *ctx, const struct store_row *row)
{
	struct names *n = ctx;
	if (row->cols[0].type == STORE_TEXT) {
		const char *text = (const char *)row->cols[0].p;
		n->reference = json_loads(text, JSON_DECODE_ANY, NULL);
		if (!n->reference)
			n->reference = json_string(text);
	}
	if (row->cols[1].type == STORE_TEXT)
		n->dealer = json_pack("{s:s,s:s}", "code", (const char *)row->cols[1].p, "name",
				      (const char *)row->cols[2].p);
	return 0;
}

/* Opens the hand-over's fields as the recipient and makes the payload:
 * *body is the JSON text (wipe and free it). A lead names its dealer
 * (use->actor->id: code and name); a reference is carried as "reference"
 * (an affiliate's hand-over has none). 1 when made, 0 when the broker
 * refuses now (or the subject is gone, or the lead's dealer was
 * deactivated), -1 when the store failed. */
static int payload(struct due *d, const struct broker_use *use, char **body, size_t *len)
{
	struct field_rows rows = {.n = 0};
	struct names names = {NULL, NULL};
	int ri = policy_recipient_index(app.policy, d->recipient);
	struct store_val id[] = {SV_INT(d->id)};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	int rc = 0;
	struct store_conn *c = store_acquire(app.store);
	if (broker_open_handover(c, use, &g, &why) != 0)
		goto out; /* refused, or erased since */
	if (ri >= 0 && app.policy->recipients[ri].kind != RK_AFFILIATE) {
		if (store_exec(c, SQL_NAMES, id, STORE_NPARAMS(id), names_cb, &names) < 0) {
			rc = -1;
			goto out;
		}
		if (use->actor->id != 0 && !names.dealer)
			goto out; /* the lead's dealer was deactivated since: never sent */
	}
	if (store_exec(c, SQL_FIELDS, id, STORE_NPARAMS(id), field_cb, &rows) < 0) {
		rc = -1;
		goto out;
	}
	json_t *fields = json_object();
	static const char *const column[] = {"field_value"};
	for (size_t i = 0; i < rows.n && rc == 0; i++) {
		struct record_text v = {0};
		if (record_read(c, g, "handover_fields", rows.v[i].id, column, 1, &v) != 1)
			rc = -1;
		else if (v.p)
			json_object_set_new(fields, rows.v[i].category, json_stringn(v.p, v.n));
		record_texts_release(&v, 1);
	}
	if (rc != 0) {
		json_decref(fields);
		goto out;
	}
	char now[32], queued[32];
	iso_time((int64_t)time(NULL), now, sizeof(now));
	iso_time(d->created_at, queued, sizeof(queued));
	json_t *doc =
		json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:o}}", "type", "handover", "timestamp",
			  now, "data", "id", d->webhook_id, "recipient", d->recipient, "purpose",
			  d->purpose, "reason", d->reason, "queued_at", queued, "fields", fields);
	json_t *data = json_object_get(doc, "data");
	if (names.dealer)
		json_object_set(data, "dealer", names.dealer);
	if (names.reference)
		json_object_set(data, "reference", names.reference);
	*body = json_dumps(doc, JSON_COMPACT);
	*len = strlen(*body);
	json_decref(doc);
	rc = 1;
out:
	json_decref(names.dealer);
	json_decref(names.reference);
	store_release(c);
	broker_grant_free(g);
	return rc;
}

/*
 * Settling, as a group commit. A worker hands its settle to settle() and
 * waits until it is committed; the first worker to arrive while no commit
 * is under way becomes the committer and writes every settle waiting at
 * that moment, its own included, in one transaction (one fsync for the
 * lot; on SQLite also one writer at a time instead of workers sleeping in
 * the busy handler). Since a worker sends its next hand-over only once its
 * last one is settled, a kill -9 repeats at most one hand-over per worker,
 * and an acknowledged delivery is settled durably before its worker moves
 * on.
 */
enum settle_kind {
	SETTLE_DELIVERED, /* sent: rows deleted, the disclosure logged */
	SETTLE_DROPPED,	  /* the broker no longer allows it: rows deleted */
	SETTLE_FAILED,	  /* failed for good: kept for an administrator */
	SETTLE_LATER,	  /* back in the queue until next_at */
	SETTLE_NKINDS
};

static const char *const settle_counter[SETTLE_NKINDS] = {"delivered", "dropped", "failed", NULL};

struct settle {
	enum settle_kind kind;
	const struct due *d;
	const char *claim;
	const struct broker_use *disclosure; /* SETTLE_DELIVERED */
	const char *err;		     /* SETTLE_FAILED, SETTLE_LATER */
	int64_t next_at, attempt;	     /* SETTLE_LATER */
	bool ok, committed;
	struct settle *next;
};

static pthread_mutex_t settle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t settle_done_cond = PTHREAD_COND_INITIALIZER;
static struct settle *settle_waiting; /* newest first */
static bool settle_committing;

/* One settle's statements, in the group's transaction. -1 when the store
 * failed (the transaction is spoilt); otherwise s->ok says whether the
 * claim was still this worker's (a claim taken back changes nothing). */
static int settle_apply(struct store_conn *c, struct settle *s)
{
	const struct due *d = s->d;
	struct store_val id[] = {SV_INT(d->id)};
	int rc;
	switch (s->kind) {
	case SETTLE_DELIVERED:
	case SETTLE_DROPPED: {
		struct store_val done[] = {SV_INT(d->id), SV_TEXT(s->claim)};
		rc = store_exec(c, SQL_DONE, done, STORE_NPARAMS(done), NULL, NULL);
		if (rc == 1 &&
		    (store_exec(c, SQL_FIELDS_DELETE, id, STORE_NPARAMS(id), NULL, NULL) < 0 ||
		     (s->disclosure && broker_disclosed(c, s->disclosure) != 0)))
			rc = -1;
		break;
	}
	case SETTLE_FAILED: {
		int64_t expires = (int64_t)time(NULL) + app.cfg.handover_failed_days * DAY_SECONDS;
		struct store_val failed[] = {SV_INT(d->id), SV_TEXT(s->err), SV_INT(expires),
					     SV_TEXT(s->claim)};
		struct store_val fields[] = {SV_INT(d->id), SV_INT(expires)};
		rc = store_exec(c, SQL_FAILED, failed, STORE_NPARAMS(failed), NULL, NULL);
		if (rc == 1 &&
		    store_exec(c, SQL_FIELDS_EXPIRE, fields, STORE_NPARAMS(fields), NULL, NULL) < 0)
			rc = -1;
		break;
	}
	default: {
		struct store_val later[] = {SV_INT(d->id), SV_INT(s->next_at), SV_TEXT(s->err),
					    SV_TEXT(s->claim), SV_INT(s->attempt)};
		rc = store_exec(c, SQL_LATER, later, STORE_NPARAMS(later), NULL, NULL);
		break;
	}
	}
	s->ok = rc == 1;
	return rc < 0 ? -1 : 0;
}

static bool counted_alike(const struct settle *a, const struct settle *b)
{
	return b->ok && b->kind == a->kind && strcmp(b->d->recipient, a->d->recipient) == 0;
}

/* The counters of a group: one write per recipient and outcome, made by
 * the first settle of each. */
static int counters_add(struct store_conn *c, const struct settle *group)
{
	for (const struct settle *s = group; s; s = s->next) {
		if (!s->ok || !settle_counter[s->kind])
			continue;
		const struct settle *t = group;
		while (t != s && !counted_alike(s, t))
			t = t->next;
		if (t != s)
			continue; /* counted already */
		int64_t n = 0;
		for (; t; t = t->next)
			n += counted_alike(s, t);
		char name[COUNTER_NAME_MAX];
		snprintf(name, sizeof(name), "handovers_%s:%s", settle_counter[s->kind],
			 s->d->recipient);
		struct store_val add[] = {SV_TEXT(name), SV_INT(n)};
		if (store_exec(c, SQL_COUNTER_ADD, add, STORE_NPARAMS(add), NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

/* Writes a group in one transaction. -1 (nothing written) when the store
 * failed. */
static int settle_group(struct settle *group)
{
	struct store_conn *c = store_acquire(app.store);
	int rc = store_begin(c);
	for (struct settle *s = group; s && rc == 0; s = s->next)
		rc = settle_apply(c, s);
	if (rc == 0)
		rc = counters_add(c, group);
	if (rc == 0)
		rc = store_commit(c);
	else
		store_rollback(c);
	store_release(c);
	if (rc != 0)
		for (struct settle *s = group; s; s = s->next)
			s->ok = false;
	return rc;
}

/* Commits a group; when the group's transaction fails, each settle on its
 * own, so that one settle the store refuses does not hold back the rest. */
static void settle_commit(struct settle *group)
{
	if (settle_group(group) == 0 || !group->next)
		return;
	for (struct settle *s = group; s;) {
		struct settle *next = s->next;
		s->next = NULL;
		settle_group(s);
		s->next = next; /* the caller walks the group again */
		s = next;
	}
}

/* Hands s to the group commit and returns once it is committed (or has
 * failed): s->ok. */
static bool settle(struct settle *s)
{
	pthread_mutex_lock(&settle_lock);
	s->next = settle_waiting;
	settle_waiting = s;
	while (!s->committed) {
		if (settle_committing) {
			pthread_cond_wait(&settle_done_cond, &settle_lock);
			continue;
		}
		struct settle *group = settle_waiting, *oldest = NULL;
		settle_waiting = NULL;
		settle_committing = true;
		pthread_mutex_unlock(&settle_lock);
		/* Oldest first, so the access log follows the order they came. */
		while (group) {
			struct settle *next = group->next;
			group->next = oldest;
			oldest = group;
			group = next;
		}
		settle_commit(oldest);
		pthread_mutex_lock(&settle_lock);
		for (struct settle *t = oldest; t; t = t->next)
			t->committed = true;
		settle_committing = false;
		pthread_cond_broadcast(&settle_done_cond);
	}
	pthread_mutex_unlock(&settle_lock);
	return s->ok;
}

/* Deletes the hand-over and its fields; with disclosure, the access log
 * entry and the delivered counter in the same transaction. */
static bool settle_done(const struct due *d, const char *claim, const struct broker_use *disclosure)
{
	struct settle s = {.kind = disclosure ? SETTLE_DELIVERED : SETTLE_DROPPED,
			   .d = d,
			   .claim = claim,
			   .disclosure = disclosure};
	return settle(&s);
}

static void settle_failed(const struct due *d, const char *claim, const char *err)
{
	struct settle s = {.kind = SETTLE_FAILED, .d = d, .claim = claim, .err = err};
	settle(&s);
	log_warn("handover: a hand-over to %s failed for good: %s", d->recipient, err);
}

static void settle_later(const struct due *d, const char *claim, const char *err, int64_t pause,
			 int64_t attempt)
{
	struct settle s = {.kind = SETTLE_LATER,
			   .d = d,
			   .claim = claim,
			   .err = err,
			   .next_at = (int64_t)time(NULL) + pause,
			   .attempt = attempt};
	settle(&s);
}

static int64_t backoff(int64_t attempts)
{
	int64_t s = app.cfg.handover_retry_seconds > 0 ? app.cfg.handover_retry_seconds : 1;
	for (int64_t i = 0; i < attempts && s < LAST_RETRY_SECONDS; i++)
		s *= 2;
	return s > LAST_RETRY_SECONDS ? LAST_RETRY_SECONDS : s;
}

/* A delivery thread: its ticker, its connection, its claimed batch. */
struct worker {
	struct ticker *ticker;
	struct webhook *hook;
	struct batch batch;
};

static struct worker workers[MAX_WORKERS];
static size_t nworkers;

/* Opens, sends and settles one claimed hand-over. True when delivered. */
static bool deliver_one(struct worker *w, struct due *d, const char *claim)
{
	int64_t dealer = 0;
	const struct channel *ch = channel_of(d->recipient, d->id, &dealer);
	char err[ERROR_MAX] = "";
	if (!ch) {
		/* Not this process's to deliver (no channel here): it waits. */
		settle_later(d, claim, "no channel configured for this recipient",
			     app.cfg.handover_claim_timeout, 0);
		return false;
	}
	char cats_text[CATEGORIES_MAX];
	const char *cats[HANDOVER_MAX_FIELDS];
	snprintf(cats_text, sizeof(cats_text), "%s", d->categories);
	size_t ncats = split(cats_text, cats, HANDOVER_MAX_FIELDS);
	struct broker_actor to = {ACTOR_RECIPIENT, dealer, NULL, d->recipient};
	struct broker_use use = {&to, d->subject, d->purpose, cats, ncats, "disclose"};
	char *body = NULL;
	size_t len = 0;
	int made = payload(d, &use, &body, &len);
	if (made < 0) {
		settle_later(d, claim, "store failed", backoff(d->attempts), 0);
		return false;
	}
	if (made == 0) {
		/* INS06: switched off since (or erased): never sent. */
		settle_done(d, claim, NULL);
		log_info("handover: a hand-over to %s was dropped: the broker no longer allows it",
			 d->recipient);
		return false;
	}
	enum webhook_result r;
	if (ch->url) {
		r = webhook_post(w->hook, ch->url, ch->secret, ch->secret_len, d->webhook_id, body,
				 len, err, sizeof(err));
	} else {
		r = drop_append(ch->dir, d->recipient, (int64_t)time(NULL), body, len, err,
				sizeof(err)) == 0
			    ? WEBHOOK_SENT
			    : WEBHOOK_RETRY;
	}
	crypto_wipe(body, len);
	free(body);
	if (r == WEBHOOK_SENT) {
		if (!settle_done(d, claim, &use))
			log_warn("handover: a delivered hand-over to %s could not be settled; it "
				 "goes again under the same webhook-id",
				 d->recipient);
		return true;
	}
	if (r == WEBHOOK_REFUSED || d->attempts + 1 >= app.cfg.handover_max_attempts) {
		settle_failed(d, claim, err);
		return false;
	}
	settle_later(d, claim, err, backoff(d->attempts), 1);
	log_info("handover: delivery to %s postponed: %s", d->recipient, err);
	return false;
}

static int64_t worker_pass(struct worker *w)
{
	if (nchannels == 0)
		return -1;
	if (!w->hook)
		w->hook = webhook_new();
	if (!w->hook)
		return -1;
	int64_t now = (int64_t)time(NULL), sent = 0;
	unsigned char rnd[12];
	char claim[32];
	crypto_random(rnd, sizeof(rnd));
	crypto_hex(rnd, sizeof(rnd), claim);
	struct store_val stale[] = {SV_INT(now - app.cfg.handover_claim_timeout)};
	struct store_val take[] = {SV_TEXT(claim), SV_INT(now)};
	struct store_val mine[] = {SV_TEXT(claim)};
	struct batch *b = &w->batch;
	b->n = 0;
	if (store_query(app.store, SQL_RECLAIM, stale, STORE_NPARAMS(stale), NULL, NULL) < 0 ||
	    store_query(app.store, SQL_CLAIM, take, STORE_NPARAMS(take), NULL, NULL) < 0 ||
	    store_query(app.store, SQL_CLAIMED, mine, STORE_NPARAMS(mine), due_cb, b) < 0)
		return -1;
	struct timespec beat;
	clock_gettime(CLOCK_MONOTONIC, &beat);
	for (size_t i = 0; i < b->n; i++) {
		/* A live worker renews its claim, so that only the claims of a
		 * dead one grow older than handover-claim-timeout. */
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - beat.tv_sec) * 1000 + (t.tv_nsec - beat.tv_nsec) / 1000000 >=
		    HEARTBEAT_MS) {
			struct store_val hb[] = {SV_TEXT(claim), SV_INT((int64_t)time(NULL))};
			store_query(app.store, SQL_HEARTBEAT, hb, STORE_NPARAMS(hb), NULL, NULL);
			beat = t;
		}
		if (deliver_one(w, &b->items[i], claim))
			sent++;
	}
	return sent;
}

int64_t deliver_pass(void)
{
	/* The calling thread's own worker (a command's), apart from the tickers'. */
	static struct worker once;
	static bool curl_ready;
	if (!curl_ready && webhook_global_init() != 0)
		return -1;
	curl_ready = true;
	return worker_pass(&once);
}

static void deliver_tick(void *arg)
{
	struct worker *w = arg;
	int64_t n;
	do
		n = worker_pass(w);
	while (n > 0);
}

int deliver_start(void)
{
	if (nchannels == 0 || app.cfg.handover_interval <= 0)
		return 0;
	if (app.cfg.handover_claim_timeout <= app.cfg.handover_timeout)
		log_warn(
			"handover-claim-timeout is not above handover-timeout: a slow delivery may "
			"be taken for a dead one and repeated");
	if (webhook_global_init() != 0)
		return -1;
	nworkers = app.cfg.handover_workers < 1 ? 1 : (size_t)app.cfg.handover_workers;
	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	for (size_t i = 0; i < nworkers; i++) {
		workers[i].ticker = ticker_start((unsigned)app.cfg.handover_interval * 1000u, true,
						 deliver_tick, &workers[i]);
		if (!workers[i].ticker)
			return -1;
	}
	return 0;
}

void deliver_stop(void)
{
	for (size_t i = 0; i < nworkers; i++) {
		ticker_stop(workers[i].ticker);
		webhook_free(workers[i].hook);
		workers[i] = (struct worker){0};
	}
	nworkers = 0;
}

enum deliver_channel deliver_channel_of(const char *recipient, const char **where)
{
	const struct channel *ch = channel_find(recipient, NULL);
	*where = NULL;
	if (!ch)
		return DELIVER_NONE;
	*where = ch->url ? ch->url : ch->dir;
	return ch->url ? DELIVER_WEBHOOK : DELIVER_DROP;
}
