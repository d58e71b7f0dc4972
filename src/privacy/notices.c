/*
 * notices: policy-change notices by mail (see notices.h).
 */
#include "notices.h"

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
#include "members.h"
#include "outbox.h"
#include "policy.h"
#include "store.h"

#define BATCH 200

static const char SQL_DUE[] =
	"SELECT n.subject_id, n.purpose, n.version, m.email FROM use_notices n "
	"JOIN members m ON m.id = n.subject_id WHERE n.notified_at IS NULL LIMIT 200";
static const char SQL_SOURCE[] = "SELECT source FROM profile_versions WHERE version = $1";
static const char SQL_SENT[] =
	"UPDATE use_notices SET notified_at = $4 WHERE subject_id = $1 AND purpose = $2 "
	"AND version = $3 AND notified_at IS NULL";

struct due {
	int64_t member, version;
	char purpose[64];
	unsigned char *email;
	size_t len;
};

struct batch {
	struct due items[BATCH];
	size_t n;
};

static int due_cb(void *ctx, const struct store_row *row)
{
	struct batch *b = ctx;
	if (b->n >= BATCH || row->cols[3].type != STORE_BLOB)
		return 0;
	struct due *d = &b->items[b->n++];
	d->member = row->cols[0].i;
	snprintf(d->purpose, sizeof(d->purpose), "%s", (const char *)row->cols[1].p);
	d->version = row->cols[2].i;
	d->len = row->cols[3].n;
	d->email = xmalloc(d->len);
	memcpy(d->email, row->cols[3].p, d->len);
	return 0;
}

static void notice_text(struct buf *t, const struct policy *p, const struct policy_purpose *pu,
			int64_t version)
{
	buf_printf(t,
		   "Hello,\n\nwe have published version %lld of our privacy notice. It adds a use "
		   "of the data you gave us:\n\n  %s\n  %s\n\n",
		   (long long)version, pu->label, pu->description ? pu->description : "");
	if (pu->basis == BASIS_OPT_IN)
		buf_printf(t, "We will not do this unless you switch it on.");
	else
		buf_printf(t, "It starts %d days from this message, unless you switch it off "
			      "before then; you can also switch it off at any time later.",
			   p->settings.opt_out_window_days);
	buf_printf(t, "\n\nYour choices: %s/me\nWhat changed: %s/privacy/v/%lld\n\n-- \n%s\n",
		   app.cfg.site_url, app.cfg.site_url, (long long)version, app.site_name);
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
	store_query(app.store, SQL_SOURCE, v, 1, source_cb, &p);
	return p;
}

/* Queues one member's notice and marks it sent, in one transaction. */
static bool queue_one(const char *account, const struct policy *p, const struct due *d)
{
	int pi = p ? policy_purpose_index(p, d->purpose) : -1;
	if (pi < 0 || !account)
		return false;
	static const char *const cats[] = {"email"};
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system, d->member, account, cats, 1, "send"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	char *to = NULL;
	size_t to_len = 0;
	bool ok = false;
	struct buf subject, text;
	buf_init(&subject, 0);
	buf_init(&text, 0);
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0)
		goto out;
	struct store_val sent[] = {SV_INT(d->member), SV_TEXT(d->purpose), SV_INT(d->version),
				   SV_INT((int64_t)time(NULL))};
	if (store_exec(c, SQL_SENT, sent, 4, NULL, NULL) != 1 ||    /* another process has it */
	    broker_open(c, &use, &g, &why) != 0 ||
	    broker_read(g, "email", "members", "email", d->member, d->email, d->len, &to, &to_len) != 0)
		goto rollback;
	buf_printf(&subject, "A change to how %s uses your data", app.site_name);
	notice_text(&text, p, &p->purposes[pi], d->version);
	if (outbox_send_text(c, g, account, "email", "email", to, subject.data, text.data, NULL, 0) !=
		    0 ||
	    store_commit(c) != 0)
		goto rollback;
	ok = true;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	if (to)
		broker_plain_free(to, to_len);
	buf_release(&subject);
	buf_release(&text);
	return ok;
}

int64_t notices_pass(void)
{
	struct batch b = {.n = 0};
	if (store_query(app.store, SQL_DUE, NULL, 0, due_cb, &b) < 0)
		return -1;
	const char *account = members_account_purpose();
	int64_t queued = 0, loaded_version = 0;
	struct policy *published = NULL;
	for (size_t i = 0; i < b.n; i++) {
		if (b.items[i].version != loaded_version) {
			policy_free(published);
			published = version_policy(b.items[i].version);
			loaded_version = b.items[i].version;
		}
		queued += queue_one(account, published, &b.items[i]);
		free(b.items[i].email);
	}
	policy_free(published);
	if (queued)
		log_info("policy-change notices queued: %lld (NAM10)", (long long)queued);
	return queued;
}
