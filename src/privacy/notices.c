/*
 * notices: policy-change notices by mail (see notices.h).
 *
 * The notices due are read by member id only; each member's address is
 * opened through the record layer under the account's purpose, as glovebox
 * itself, and the message is queued with the notice marked sent in one
 * transaction, so two processes never send the same notice twice.
 */
#include "notices.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "outbox.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "ticker.h"

#define CAT_EMAIL "email"

/* Members only (a notice is due for every member's subject), joined on the
 * id alone. */
static const char SQL_DUE[] =
	"SELECT n.subject_id, n.purpose, n.version, COALESCE(x.changes, '') FROM use_notices n "
	"JOIN members m ON m.id = n.subject_id "
	"LEFT JOIN new_uses x ON x.version = n.version AND x.purpose = n.purpose "
	"WHERE n.notified_at IS NULL ORDER BY n.version, n.subject_id LIMIT $1";
static const char SQL_SOURCE[] = "SELECT source FROM profile_versions WHERE version = $1";
static const char SQL_SENT[] =
	"UPDATE use_notices SET notified_at = $4 WHERE subject_id = $1 AND purpose = $2 "
	"AND version = $3 AND notified_at IS NULL";

static const char *const email_category[] = {CAT_EMAIL};
static const char *const email_column[] = {"email"};

struct due {
	int64_t member, version;
	char *purpose;
	char *changes; /* what widened, one line each (new_uses.changes) */
};

struct batch {
	struct due items[NOTICES_BATCH];
	size_t n;
};

static int due_cb(void *ctx, const struct store_row *row)
{
	struct batch *b = ctx;
	if (b->n >= NOTICES_BATCH || row->cols[1].type != STORE_TEXT)
		return 0;
	struct due *d = &b->items[b->n++];
	d->member = row->cols[0].i;
	d->purpose = xstrndup(row->cols[1].p, row->cols[1].n);
	d->version = row->cols[2].i;
	d->changes = row->cols[3].type == STORE_TEXT ? xstrndup(row->cols[3].p, row->cols[3].n)
						     : xstrdup("");
	return 0;
}

/* Names the purpose and each thing that widened in it (a new purpose, a
 * basis asking less consent, a recipient given more, ...: policy.h's
 * widenings), then when it starts and how to say no. */
static void notice_text(struct buf *t, const struct policy *p, const struct policy_purpose *pu,
			const struct due *d)
{
	buf_printf(t,
		   "Hello,\n\nwe have published version %lld of our privacy notice. It widens a "
		   "use of the data you gave us:\n\n  %s\n  %s\n\n",
		   (long long)d->version, pu->label, pu->description ? pu->description : "");
	if (*d->changes) {
		buf_printf(t, "What changes:\n");
		for (const char *l = d->changes; *l;) {
			size_t n = strcspn(l, "\n");
			buf_printf(t, "  - %.*s\n", (int)n, l);
			l += n + (l[n] == '\n');
		}
		buf_printf(t, "\n");
	}
	if (pu->basis == BASIS_OPT_IN)
		buf_printf(t,
			   "This applies only if you have switched it on; if you have, the change "
			   "starts %d days from this message unless you switch it off before then.",
			   p->settings.opt_out_window_days);
	else
		buf_printf(t,
			   "It starts %d days from this message, unless you switch it off "
			   "before then; you can also switch it off at any time later.",
			   p->settings.opt_out_window_days);
	buf_printf(t, "\n\nYour choices: %s/me\nWhat changed: %s/privacy/v/%lld\n\n-- \n%s\n",
		   app.cfg.site_url, app.cfg.site_url, (long long)d->version, app.site_name);
}

static int source_cb(void *ctx, const struct store_row *row)
{
	struct policy **out = ctx;
	struct policy_diags diags = {0};
	if (row->cols[0].type == STORE_TEXT)
		*out = policy_load((const char *)row->cols[0].p, row->cols[0].n, &diags);
	return 0;
}

/* The published version that added the purpose: this process may still run
 * an older one until it restarts. */
static struct policy *version_policy(int64_t version)
{
	struct policy *p = NULL;
	struct store_val v[] = {SV_INT(version)};
	store_query(app.store, SQL_SOURCE, v, STORE_NPARAMS(v), source_cb, &p);
	return p;
}

/* Queues one member's notice and marks it sent, in one transaction. */
static bool queue_one(const char *account, const struct policy *p, const struct due *d)
{
	int pi = p ? policy_purpose_index(p, d->purpose) : -1;
	if (pi < 0 || !account)
		return false;
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {
		&system, d->member, account, email_category, ARRAY_LEN(email_category), "send"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	struct record_text to = {0};
	bool ok = false;
	struct buf subject, text;
	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_printf(&subject, "A change to how %s uses your data", app.site_name);
	notice_text(&text, p, &p->purposes[pi], d);
	struct store_conn *c = store_acquire(app.store);
	struct store_val sent[] = {SV_INT(d->member), SV_TEXT(d->purpose), SV_INT(d->version),
				   SV_INT((int64_t)time(NULL))};
	if (store_begin(c) != 0)
		goto out;
	/* Marking it sent changes no row when another process has it. */
	ok = store_exec(c, SQL_SENT, sent, STORE_NPARAMS(sent), NULL, NULL) == 1 &&
	     broker_open(c, &use, &g, &why) == 0 &&
	     record_read(c, g, "members", d->member, email_column, ARRAY_LEN(email_column), &to) ==
		     1 &&
	     to.p &&
	     outbox_send_text(c, g, account, CAT_EMAIL, CAT_EMAIL, to.p, subject.data, text.data,
			      NULL, 0) == 0 &&
	     store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	record_texts_release(&to, 1);
	buf_release(&subject);
	buf_release(&text);
	return ok;
}

int64_t notices_pass(void)
{
	struct batch *b = xcalloc(1, sizeof(*b));
	struct store_val limit[] = {SV_INT(NOTICES_BATCH)};
	int64_t queued = -1;
	if (store_query(app.store, SQL_DUE, limit, STORE_NPARAMS(limit), due_cb, b) < 0)
		goto out;
	const char *account = policy_account_purpose(app.policy);
	int64_t loaded_version = 0;
	struct policy *published = NULL;
	queued = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (b->items[i].version != loaded_version) {
			policy_free(published);
			published = version_policy(b->items[i].version);
			loaded_version = b->items[i].version;
		}
		queued += queue_one(account, published, &b->items[i]);
	}
	policy_free(published);
	if (queued)
		log_info("policy-change notices queued: %lld (NAM10)", (long long)queued);
out:
	for (size_t i = 0; i < b->n; i++) {
		free(b->items[i].purpose);
		free(b->items[i].changes);
	}
	free(b);
	return queued;
}

/* ---- the timer ---- */

static struct ticker *timer;

static void notices_tick(void *arg)
{
	notices_pass();
}

int notices_start(unsigned interval_seconds)
{
	if (interval_seconds == 0)
		return 0;
	timer = ticker_start(interval_seconds * 1000u, true, notices_tick, NULL);
	return timer ? 0 : -1;
}

void notices_stop(void)
{
	ticker_stop(timer);
	timer = NULL;
}
