/*
 * moderation: the moderators' queue and decisions on stories and
 * questions (story.h). Reading a submission's text is no access to its
 * author's data (it was submitted to be published); the author's name shown
 * to a moderator is, and every decision is too: both go through the broker
 * as the moderator (ACTOR_STAFF), which refuses a role without the
 * purpose and appends the access to the log the member sees on /me.
 */
#include "story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "community.h"
#include "log.h"
#include "markdown.h"
#include "mem.h"
#include "outbox.h"
#include "policy.h"
#include "record.h"
#include "store.h"

#define TABLE "stories"

static const char SQL_PENDING[] =
	"SELECT id, kind, member_id, created_at FROM stories WHERE status = 'pending' "
	"ORDER BY created_at, id LIMIT $1";
static const char SQL_REPORTED[] =
	"SELECT s.id, s.member_id, COUNT(r.id) FROM stories s JOIN story_reports r ON "
	"r.story_id = s.id WHERE s.status = 'published' GROUP BY s.id, s.member_id "
	"ORDER BY COUNT(r.id) DESC, s.id LIMIT $1";
static const char SQL_ONE[] =
	"SELECT member_id, kind, status, (SELECT COUNT(*) FROM story_reports r WHERE r.story_id = "
	"stories.id) FROM stories WHERE id = $1";
static const char SQL_ONE_FOR_DECISION[] =
	"SELECT member_id, kind, status, 0 FROM stories WHERE id = $1 FOR UPDATE";
static const char SQL_DECIDE[] =
	"UPDATE stories SET status = $2, decided_at = $3, decided_by = $4, reason = $5, "
	"published_at = COALESCE($6, published_at) WHERE id = $1 AND status = $7";

static const char *const text_cats[] = {"submitted_content"};
static const char *const text_columns[] = {"title", "body"};
static const char *const name_cats[] = {"name"};
static const char *const name_columns[] = {"name"};
static const char *const email_columns[] = {"email"};

/* A decision: the status it needs, the one it gives, and the mail it sends
 * the author (NULL: none). */
static const struct {
	const char *decision, *from, *to, *mail_subject;
} decisions[] = {
	{"approve", "pending", "published", NULL},
	{"reject", "pending", "rejected", "Your submission was not published"},
	{"take_down", "published", "taken_down", "Your submission was taken down"},
};

const char *valid_moderation_decision(const char *s, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(decisions); i++)
		if (strlen(decisions[i].decision) == len &&
		    memcmp(s, decisions[i].decision, len) == 0)
			return NULL;
	return "must be approve, reject or take_down";
}

static const char *purpose(void)
{
	return content_public_purpose("submitted_content");
}

static const char *text_of(const struct store_val *v)
{
	return v->type == STORE_TEXT ? (const char *)v->p : "";
}

static struct broker_grant *open_as(struct store_conn *c, const struct broker_actor *a,
				    int64_t member, const char *const *cats, size_t n,
				    const char *action)
{
	struct broker_use use = {a, member, purpose(), cats, n, action};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	return broker_open(c, &use, &g, &why) == 0 ? g : NULL;
}

/* As the moderator: a refusal says why (role_lacks_purpose, ...), an
 * author erased meanwhile is ERR_ERASED (broker_failure). */
static struct broker_grant *open_as_moderator(struct store_conn *c,
					      const struct broker_actor *moderator, int64_t member,
					      const char *const *cats, size_t n, const char *action,
					      struct failure *f)
{
	struct broker_use use = {moderator, member, purpose(), cats, n, action};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	if (broker_open(c, &use, &g, &why) == 0)
		return g;
	broker_failure(c, member, why, f);
	return NULL;
}

/* The title (and the text as HTML) opened by glovebox for the queue. */
static void queue_text(struct store_conn *c, int64_t member, int64_t id, json_t *o, bool body)
{
	struct broker_actor sys = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_grant *g = open_as(c, &sys, member, text_cats, 1, "read");
	struct record_text t[2] = {{0}};
	if (g && record_read(c, g, TABLE, id, text_columns, body ? 2 : 1, t) == 1) {
		json_object_set_new(o, "title", json_stringn(t[0].p ? t[0].p : "", t[0].n));
		if (body) {
			char *html = markdown_html(t[1].p ? t[1].p : "", t[1].n);
			json_object_set_new(o, "body", json_stringn(t[1].p ? t[1].p : "", t[1].n));
			json_object_set_new(o, "html", json_string(html));
			free(html);
		}
	}
	record_texts_release(t, body ? 2 : 1);
	broker_grant_free(g);
}

struct rows {
	json_t *list;
	int kind; /* 0: pending, 1: reported */
};

static int rows_cb(void *ctx, const struct store_row *row)
{
	struct rows *r = ctx;
	const struct store_val *v = row->cols;
	if (r->kind == 0)
		json_array_append_new(r->list, json_pack("{s:I,s:s,s:I,s:I}", "id",
							 (json_int_t)v[0].i, "kind", text_of(&v[1]),
							 "member", (json_int_t)v[2].i, "created_at",
							 (json_int_t)v[3].i));
	else
		json_array_append_new(r->list,
				      json_pack("{s:I,s:I,s:I}", "id", (json_int_t)v[0].i, "member",
						(json_int_t)v[1].i, "reports", (json_int_t)v[2].i));
	return 0;
}

int moderation_queue(json_t **out, struct failure *f)
{
	*out = NULL;
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	struct rows pending = {json_array(), 0}, reported = {json_array(), 1};
	struct store_val lim[] = {SV_INT(STORY_LISTED)};
	struct store_conn *c = store_acquire(app.store);
	if (store_exec(c, SQL_PENDING, lim, STORE_NPARAMS(lim), rows_cb, &pending) < 0 ||
	    store_exec(c, SQL_REPORTED, lim, STORE_NPARAMS(lim), rows_cb, &reported) < 0) {
		store_release(c);
		json_decref(pending.list);
		json_decref(reported.list);
		return err_fail(f, ERR_STORE);
	}
	json_t *lists[] = {pending.list, reported.list};
	for (size_t k = 0; k < ARRAY_LEN(lists); k++) {
		size_t i;
		json_t *o;
		json_array_foreach (lists[k], i, o) {
			int64_t member = json_integer_value(json_object_get(o, "member"));
			json_object_del(o, "member");
			queue_text(c, member, json_integer_value(json_object_get(o, "id")), o,
				   k == 0);
		}
	}
	store_release(c);
	*out = json_pack("{s:o,s:o}", "pending", pending.list, "reported", reported.list);
	return 0;
}

struct one {
	bool found;
	int64_t member, reports;
	char kind[16], status[16];
};

static int one_cb(void *ctx, const struct store_row *row)
{
	struct one *o = ctx;
	o->found = true;
	o->member = row->cols[0].i;
	snprintf(o->kind, sizeof(o->kind), "%s", text_of(&row->cols[1]));
	snprintf(o->status, sizeof(o->status), "%s", text_of(&row->cols[2]));
	o->reports = row->cols[3].i;
	return 0;
}

static int load(struct store_conn *c, const char *sql, int64_t id, struct one *o, struct failure *f)
{
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	struct store_val key[] = {SV_INT(id)};
	if (store_exec(c, sql, key, STORE_NPARAMS(key), one_cb, o) < 0)
		return err_fail(f, ERR_STORE);
	return o->found ? 0 : err_fail(f, ERR_NO_SUCH_STORY);
}

int moderation_read(const struct broker_actor *moderator, int64_t id, json_t **out,
		    struct failure *f)
{
	*out = NULL;
	struct one one = {0};
	struct store_conn *c = store_acquire(app.store);
	int rc = -1;
	if (load(c, SQL_ONE, id, &one, f) != 0)
		goto out;
	/* A draft was never sent to anyone: it is no moderator's to read. */
	if (strcmp(one.status, "draft") == 0) {
		err_fail(f, ERR_NO_SUCH_STORY);
		goto out;
	}
	/* The author's name: an access by this moderator, logged. */
	struct broker_grant *g =
		open_as_moderator(c, moderator, one.member, name_cats, 1, "read", f);
	if (!g)
		goto out;
	struct record_text name = {0};
	int found = record_read(c, g, "members", one.member, name_columns, 1, &name);
	json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:{s:I,s:o}}", "id", (json_int_t)id, "kind",
			      one.kind, "status", one.status, "reports", (json_int_t)one.reports,
			      "author", "member", (json_int_t)one.member, "name",
			      found == 1 && name.p ? json_stringn(name.p, name.n) : json_null());
	record_texts_release(&name, 1);
	broker_grant_free(g);
	queue_text(c, one.member, id, o, true);
	*out = o;
	rc = 0;
out:
	store_release(c);
	return rc;
}

/* Queues the reason to the author's own address, in the caller's transaction. */
static int mail_author(struct store_conn *c, int64_t member, const char *subject,
		       const char *reason)
{
	struct broker_actor sys = {ACTOR_SYSTEM, 0, NULL, NULL};
	const char *account = policy_account_purpose(app.policy);
	struct broker_use use = {&sys, member, account, email_columns, 1, "write"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	struct record_text to = {0};
	int rc = -1;
	if (broker_open(c, &use, &g, &why) == 0 &&
	    record_read(c, g, "members", member, email_columns, 1, &to) == 1 && to.p) {
		struct buf text;
		buf_init(&text, STORY_REASON_MAX * 2);
		buf_printf(&text,
			   "A moderator of %s decided about a story or question you sent.\n\n"
			   "Their reason:\n%s\n\nYou can see your submissions at %s/me/stories\n",
			   app.policy->site_name, reason && *reason ? reason : "(none given)",
			   app.cfg.site_url);
		rc = outbox_send_text(c, g, account, "email", "email", to.p, subject, text.data,
				      NULL, 0);
		buf_release(&text);
	}
	record_texts_release(&to, 1);
	broker_grant_free(g);
	return rc;
}

int moderation_decide(const struct broker_actor *moderator, int64_t id, const char *decision,
		      const char *reason, const char **status, struct failure *f)
{
	*status = NULL;
	size_t d = ARRAY_LEN(decisions);
	for (size_t i = 0; decision && i < ARRAY_LEN(decisions); i++)
		if (strcmp(decision, decisions[i].decision) == 0)
			d = i;
	if (d == ARRAY_LEN(decisions)) {
		err_fail(f, ERR_INVALID_FIELD);
		f->field = "decision";
		return -1;
	}
	struct one one = {0};
	int64_t now = (int64_t)time(NULL);
	struct broker_grant *g = NULL;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (load(c, SQL_ONE_FOR_DECISION, id, &one, f) != 0)
		goto out;
	if (strcmp(one.status, decisions[d].from) != 0) {
		err_fail(f, ERR_STORY_STATE);
		goto out;
	}
	/* The decision is logged as an access with the decision as its action. */
	if (!(g = open_as_moderator(c, moderator, one.member, text_cats, 1, decisions[d].decision,
				    f)))
		goto out;
	bool publish = strcmp(decisions[d].to, "published") == 0;
	struct store_val v[] = {SV_INT(id),
				SV_TEXT(decisions[d].to),
				SV_INT(now),
				SV_INT(moderator->id),
				SV_TEXT(reason ? reason : ""),
				publish ? SV_INT(now) : SV_NULL,
				SV_TEXT(decisions[d].from)};
	/* Only an approval sets published_at; a take-down keeps when it went out. */
	if (store_exec(c, SQL_DECIDE, v, STORE_NPARAMS(v), NULL, NULL) != 1) {
		err_fail(f, ERR_STORY_STATE);
		goto out;
	}
	if (decisions[d].mail_subject &&
	    mail_author(c, one.member, decisions[d].mail_subject, reason) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	*status = decisions[d].to;
	log_info("a moderator decided on a submission: %s", decisions[d].to);
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	return rc;
}
