/*
 * story: stories and questions, drafts, the INS13 acceptance (story.h).
 * The SQL names only plain columns of stories; title and text are the
 * record layer's.
 */
#include "story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "community.h"
#include "crypto.h"
#include "log.h"
#include "markdown.h"
#include "mem.h"
#include "policy.h"
#include "record.h"
#include "store.h"

#define TABLE	       "stories"
#define CAT_SUBMISSION "submitted_content"

static const char *const text_cats[] = {CAT_SUBMISSION};
static const char *const text_columns[] = {"title", "body"};

static const char SQL_APPROVED[] =
	"SELECT COUNT(*) FROM stories WHERE member_id = $1 AND status = 'published'";
static const char SQL_OWNED[] = "SELECT status FROM stories WHERE id = $1 AND member_id = $2";
static const char STATUS_TAKEN_DOWN[] = "taken_down";
static const char SQL_UPDATE[] =
	"UPDATE stories SET kind = $3, status = $4, accepted_version = $5, accepted_at = $6, "
	"updated_at = $7, published_at = $8, reason = '' WHERE id = $1 AND member_id = $2";
static const char SQL_DELETE[] = "DELETE FROM stories WHERE id = $1 AND member_id = $2";
static const char SQL_MINE[] =
	"SELECT id, kind, status, reason, accepted_version, accepted_at, created_at, updated_at, "
	"published_at FROM stories WHERE member_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
static const char SQL_PUBLISHED[] =
	"SELECT id, kind, member_id, published_at FROM stories WHERE status = 'published' "
	"ORDER BY published_at DESC, id DESC LIMIT $1";
static const char SQL_ONE[] =
	"SELECT id, kind, member_id, status, published_at FROM stories WHERE id = $1";
static const char SQL_REPORT[] = "INSERT INTO story_reports (id, story_id, created_at) "
				 "SELECT $1, id, $3 FROM stories WHERE id = $2 AND status = "
				 "'published'";

static const char SQL_KEEP_GET[] = "SELECT keep_submissions FROM members WHERE id = $1";
static const char SQL_KEEP_SET[] = "UPDATE members SET keep_submissions = $2 WHERE id = $1";
static const char SQL_TO_KEEP[] =
	"SELECT id, kind, published_at FROM stories WHERE member_id = $1 AND status = 'published'";
static const char SQL_KEEP_INSERT[] = "INSERT INTO public_stories (id, kind, title, body, "
				      "published_at) VALUES ($1, $2, $3, $4, $5)";
static const char SQL_PUBLIC[] = "SELECT id, kind, title, published_at FROM public_stories "
				 "ORDER BY published_at DESC, id DESC LIMIT $1";
static const char SQL_PUBLIC_ONE[] =
	"SELECT id, kind, title, body, published_at FROM public_stories WHERE id = $1";

static const char STATUS_DRAFT[] = "draft";
static const char STATUS_PENDING[] = "pending";
static const char STATUS_PUBLISHED[] = "published";

static const char *const kinds[] = {"story", "question"};

const char *valid_story_kind(const char *s, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (strlen(kinds[i]) == len && memcmp(s, kinds[i], len) == 0)
			return NULL;
	return "must be story or question";
}

const char *valid_on_close(const char *s, size_t len)
{
	if ((len == 4 && memcmp(s, "keep", 4) == 0) || (len == 6 && memcmp(s, "delete", 6) == 0))
		return NULL;
	return "must be delete or keep";
}

static const char *story_purpose(void)
{
	return content_public_purpose(CAT_SUBMISSION);
}

bool story_offered(void)
{
	return story_purpose() != NULL;
}

json_t *story_notice(void)
{
	const char *purpose = story_purpose();
	if (!purpose)
		return NULL;
	const struct policy_purpose *pu =
		&app.policy->purposes[policy_purpose_index(app.policy, purpose)];
	return json_pack("{s:s,s:s,s:s,s:i}", "purpose", pu->id, "label", pu->label, "text",
			 pu->description, "profile_version", app.policy->version);
}

static const char *text_of(const struct store_val *v)
{
	return v->type == STORE_TEXT ? (const char *)v->p : "";
}

static json_t *int_or_null(const struct store_val *v)
{
	return v->type == STORE_NULL ? json_null() : json_integer(v->i);
}

/* The longest status the table holds, with room to spare. */
#define WORD_MAX 16

static int word_cb(void *ctx, const struct store_row *row)
{
	snprintf(ctx, WORD_MAX, "%s", text_of(&row->cols[0]));
	return 0;
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

static struct broker_grant *open_self(struct store_conn *c, int64_t member, const char *action)
{
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	struct broker_use use = {&self, member, story_purpose(), text_cats, ARRAY_LEN(text_cats),
				 action};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	return broker_open(c, &use, &g, &why) == 0 ? g : NULL;
}

/* Opened by glovebox for showing to other members: refused unless the
 * author accepted (the ledger's yes under the opt_in purpose). */
static struct broker_grant *open_shown(struct store_conn *c, int64_t member)
{
	struct broker_actor sys = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&sys,	member, story_purpose(), text_cats, ARRAY_LEN(text_cats),
				 "read"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	return broker_open(c, &use, &g, &why) == 0 ? g : NULL;
}

static int check_input(const struct story_input *in, struct failure *f)
{
	if (!in->title || !*in->title) {
		err_fail(f, ERR_MISSING_FIELD);
		f->field = "title";
		return -1;
	}
	if ((long)strlen(in->title) > app.cfg.story_title_max) {
		err_failf(f, ERR_STORY_TOO_LONG, "A title has at most %ld bytes.",
			  app.cfg.story_title_max);
		f->field = "title";
		return -1;
	}
	if (!in->body || !*in->body) {
		err_fail(f, ERR_MISSING_FIELD);
		f->field = "submitted_content";
		return -1;
	}
	if ((long)strlen(in->body) > app.cfg.story_body_max) {
		err_failf(f, ERR_STORY_TOO_LONG, "The text has at most %ld bytes.",
			  app.cfg.story_body_max);
		f->field = "submitted_content";
		return -1;
	}
	if (in->publish && !in->accept)
		return err_fail(f, ERR_NOT_ACCEPTED);
	return 0;
}

/* The status a save gives, and for a publication the acceptance: the
 * ledger's yes, in the caller's transaction. */
static int status_of_save(struct store_conn *c, int64_t member, const struct story_input *in,
			  const char **status)
{
	if (!in->publish) {
		*status = STATUS_DRAFT;
		return 0;
	}
	int64_t approved = 0;
	struct store_val who[] = {SV_INT(member)};
	if (store_exec(c, SQL_APPROVED, who, STORE_NPARAMS(who), count_cb, &approved) < 0 ||
	    broker_consent_set(c, member, story_purpose(), true, "form") != 0)
		return -1;
	*status = approved > 0 ? STATUS_PUBLISHED : STATUS_PENDING;
	return 0;
}

/* Saves a new row (id 0) or the member's row id, in one transaction. */
static int save(int64_t member, int64_t id, const struct story_input *in, struct story_saved *out,
		struct failure *f)
{
	*out = (struct story_saved){0, ""};
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	if (check_input(in, f) != 0)
		return -1;
	const char *kind = in->kind && *in->kind ? in->kind : kinds[0];
	int64_t now = (int64_t)time(NULL);
	const char *status = NULL;
	struct broker_grant *g = NULL;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (id) {
		char was[WORD_MAX] = "";
		struct store_val key[] = {SV_INT(id), SV_INT(member)};
		if (store_exec(c, SQL_OWNED, key, STORE_NPARAMS(key), word_cb, was) < 0) {
			err_fail(f, ERR_STORE);
			goto out;
		}
		if (!*was) {
			err_fail(f, ERR_NO_SUCH_STORY);
			goto out;
		}
		/* A moderator took it down: it stays down, whatever its author does. */
		if (strcmp(was, STATUS_TAKEN_DOWN) == 0) {
			err_fail(f, ERR_STORY_STATE);
			goto out;
		}
	}
	if (status_of_save(c, member, in, &status) != 0 || !(g = open_self(c, member, "write"))) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	bool pub = status == STATUS_PUBLISHED;
	struct store_val accepted_v = in->publish ? SV_INT(app.policy->version) : SV_NULL;
	struct store_val accepted_at = in->publish ? SV_INT(now) : SV_NULL;
	struct store_val published_at = pub ? SV_INT(now) : SV_NULL;
	if (!id) {
		id = crypto_random_id();
		struct record_field row[] = {
			{"kind", SV_TEXT(kind)},	  {"title", SV_TEXT(in->title)},
			{"body", SV_TEXT(in->body)},	  {"status", SV_TEXT(status)},
			{"accepted_version", accepted_v}, {"accepted_at", accepted_at},
			{"created_at", SV_INT(now)},	  {"updated_at", SV_INT(now)},
			{"published_at", published_at},	  {"reason", SV_TEXT("")},
		};
		if (record_insert(c, g, TABLE, id, row, ARRAY_LEN(row)) < 0) {
			err_fail(f, ERR_STORE);
			goto out;
		}
	} else {
		struct store_val v[] = {SV_INT(id), SV_INT(member), SV_TEXT(kind), SV_TEXT(status),
					accepted_v, accepted_at,    SV_INT(now),   published_at};
		struct record_field text[] = {{"title", SV_TEXT(in->title)},
					      {"body", SV_TEXT(in->body)}};
		if (store_exec(c, SQL_UPDATE, v, STORE_NPARAMS(v), NULL, NULL) != 1 ||
		    record_update(c, g, TABLE, id, text, ARRAY_LEN(text)) != 1) {
			err_fail(f, ERR_STORE);
			goto out;
		}
	}
	if (store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	*out = (struct story_saved){id, status};
	log_info("a submission was saved: %s", status);
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	return rc;
}

int story_create(int64_t member, const struct story_input *in, struct story_saved *out,
		 struct failure *f)
{
	return save(member, 0, in, out, f);
}

int story_update(int64_t member, int64_t id, const struct story_input *in, struct story_saved *out,
		 struct failure *f)
{
	if (!id)
		return err_fail(f, ERR_NO_SUCH_STORY);
	return save(member, id, in, out, f);
}

int story_delete(int64_t member, int64_t id, struct failure *f)
{
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	struct store_val key[] = {SV_INT(id), SV_INT(member)};
	int n = store_query(app.store, SQL_DELETE, key, STORE_NPARAMS(key), NULL, NULL);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	return n == 0 ? err_fail(f, ERR_NO_SUCH_STORY) : 0;
}

/* Adds the title (and with body, the text and its HTML) to o. */
static int add_text(struct store_conn *c, const struct broker_grant *g, int64_t id, json_t *o,
		    bool body)
{
	struct record_text t[2] = {{0}};
	if (record_read(c, g, TABLE, id, text_columns, body ? 2 : 1, t) != 1)
		return -1;
	json_object_set_new(o, "title", t[0].p ? json_stringn(t[0].p, t[0].n) : json_string(""));
	if (body) {
		const char *md = t[1].p ? t[1].p : "";
		size_t n = t[1].p ? t[1].n : 0;
		char *html = markdown_html(md, n);
		json_object_set_new(o, "body", json_stringn(md, n));
		json_object_set_new(o, "html", json_string(html));
		free(html);
	}
	record_texts_release(t, body ? 2 : 1);
	return 0;
}

static int mine_cb(void *ctx, const struct store_row *row)
{
	const struct store_val *v = row->cols;
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:I,s:I,s:o}", "id",
					     (json_int_t)v[0].i, "kind", text_of(&v[1]), "status",
					     text_of(&v[2]), "reason", text_of(&v[3]),
					     "accepted_version", int_or_null(&v[4]), "accepted_at",
					     int_or_null(&v[5]), "created_at", (json_int_t)v[6].i,
					     "updated_at", (json_int_t)v[7].i, "published_at",
					     int_or_null(&v[8])));
	return 0;
}

int story_mine(int64_t member, json_t **list, struct failure *f)
{
	*list = NULL;
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	json_t *l = json_array();
	struct store_val v[] = {SV_INT(member), SV_INT(STORY_LISTED)};
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g = NULL;
	int rc = -1;
	if (store_exec(c, SQL_MINE, v, STORE_NPARAMS(v), mine_cb, l) < 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (json_array_size(l) && !(g = open_self(c, member, "read"))) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	size_t i;
	json_t *o;
	json_array_foreach (l, i, o) {
		if (add_text(c, g, json_integer_value(json_object_get(o, "id")), o, false) != 0) {
			err_fail(f, ERR_STORE);
			goto out;
		}
	}
	rc = 0;
out:
	store_release(c);
	broker_grant_free(g);
	if (rc == 0)
		*list = l;
	else
		json_decref(l);
	return rc;
}

static int published_cb(void *ctx, const struct store_row *row)
{
	const struct store_val *v = row->cols;
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:I,s:I}", "id", (json_int_t)v[0].i, "kind",
					     text_of(&v[1]), "member", (json_int_t)v[2].i,
					     "published_at", (json_int_t)v[3].i));
	return 0;
}

/* Replaces "member" in o by the author's display name (if any) and adds
 * the text opened for showing; -1 when the author's text does not open. */
static int shown_text(struct store_conn *c, json_t *o, bool body)
{
	int64_t member = json_integer_value(json_object_get(o, "member"));
	int64_t id = json_integer_value(json_object_get(o, "id"));
	json_object_del(o, "member");
	struct broker_grant *g = open_shown(c, member);
	int rc = g ? add_text(c, g, id, o, body) : -1;
	broker_grant_free(g);
	if (rc == 0) {
		char *name = display_name_shown(c, member, story_purpose());
		if (name)
			json_object_set_new(o, "display_name", json_string(name));
		free(name);
	}
	return rc;
}

static int public_cb(void *ctx, const struct store_row *row)
{
	const struct store_val *v = row->cols;
	json_array_append_new(ctx,
			      json_pack("{s:I,s:s,s:s,s:I,s:b}", "id", (json_int_t)v[0].i, "kind",
					text_of(&v[1]), "title", text_of(&v[2]), "published_at",
					(json_int_t)v[3].i, "former_member", 1));
	return 0;
}

/* One kept from a closed account, as story_read shows it. */
static int public_one_cb(void *ctx, const struct store_row *row)
{
	const struct store_val *v = row->cols;
	const char *body = text_of(&v[3]);
	char *html = markdown_html(body, strlen(body));
	*(json_t **)ctx =
		json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:b,s:b}", "id", (json_int_t)v[0].i, "kind",
			  text_of(&v[1]), "title", text_of(&v[2]), "body", body, "html", html,
			  "status", STATUS_PUBLISHED, "published_at", (json_int_t)v[4].i, "mine", 0,
			  "former_member", 1);
	free(html);
	return 0;
}

int story_published(json_t **list, struct failure *f)
{
	*list = NULL;
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	json_t *all = json_array(), *l = json_array();
	struct store_val v[] = {SV_INT(STORY_LISTED)};
	struct store_conn *c = store_acquire(app.store);
	int rc = store_exec(c, SQL_PUBLISHED, v, STORE_NPARAMS(v), published_cb, all);
	size_t i;
	json_t *o;
	json_array_foreach (all, i, o) {
		/* An author erased meanwhile: not shown. */
		if (rc >= 0 && shown_text(c, o, false) == 0)
			json_array_append(l, o);
	}
	/* Then those kept from closed accounts, by nobody. */
	json_t *kept = json_array();
	if (rc >= 0)
		rc = store_exec(c, SQL_PUBLIC, v, STORE_NPARAMS(v), public_cb, kept);
	json_array_extend(l, kept);
	json_decref(kept);
	store_release(c);
	json_decref(all);
	if (rc < 0) {
		json_decref(l);
		return err_fail(f, ERR_STORE);
	}
	*list = l;
	return 0;
}

static int one_cb(void *ctx, const struct store_row *row)
{
	const struct store_val *v = row->cols;
	*(json_t **)ctx = json_pack("{s:I,s:s,s:I,s:s,s:o}", "id", (json_int_t)v[0].i, "kind",
				    text_of(&v[1]), "member", (json_int_t)v[2].i, "status",
				    text_of(&v[3]), "published_at", int_or_null(&v[4]));
	return 0;
}

int story_read(int64_t viewer, int64_t id, json_t **out, struct failure *f)
{
	*out = NULL;
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	json_t *o = NULL;
	struct store_val key[] = {SV_INT(id)};
	struct store_conn *c = store_acquire(app.store);
	int rc = -1;
	if (store_exec(c, SQL_ONE, key, STORE_NPARAMS(key), one_cb, &o) < 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (!o && store_exec(c, SQL_PUBLIC_ONE, key, STORE_NPARAMS(key), public_one_cb, &o) < 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (!o) {
		err_fail(f, ERR_NO_SUCH_STORY);
		goto out;
	}
	if (json_is_true(json_object_get(o, "former_member"))) {
		*out = o;
		o = NULL;
		rc = 0;
		goto out;
	}
	int64_t author = json_integer_value(json_object_get(o, "member"));
	bool mine = author == viewer;
	const char *status = json_string_value(json_object_get(o, "status"));
	if (!mine && strcmp(status, STATUS_PUBLISHED) != 0) {
		err_fail(f, ERR_NO_SUCH_STORY);
		goto out;
	}
	json_object_set_new(o, "mine", json_boolean(mine));
	if (mine) {
		struct broker_grant *g = open_self(c, viewer, "read");
		int ok = g ? add_text(c, g, id, o, true) : -1;
		broker_grant_free(g);
		json_object_del(o, "member");
		char *name = display_name_shown(c, author, story_purpose());
		if (name)
			json_object_set_new(o, "display_name", json_string(name));
		free(name);
		if (ok != 0) {
			err_fail(f, ERR_STORE);
			goto out;
		}
	} else if (shown_text(c, o, true) != 0) {
		err_fail(f, ERR_NO_SUCH_STORY);
		goto out;
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	store_release(c);
	json_decref(o);
	return rc;
}

int story_report(int64_t id, struct failure *f)
{
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	struct store_val v[] = {SV_INT(crypto_random_id()), SV_INT(id),
				SV_INT((int64_t)time(NULL))};
	int n = store_query(app.store, SQL_REPORT, v, STORE_NPARAMS(v), NULL, NULL);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	if (n == 0)
		return err_fail(f, ERR_NO_SUCH_STORY);
	log_info("a submission was reported");
	return 0;
}

/* ---- closing the account ---- */

int story_on_close_get(int64_t member, bool *keep, struct failure *f)
{
	*keep = false;
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	int64_t v = 0;
	struct store_val who[] = {SV_INT(member)};
	if (store_query(app.store, SQL_KEEP_GET, who, STORE_NPARAMS(who), count_cb, &v) < 0)
		return err_fail(f, ERR_STORE);
	*keep = v != 0;
	return 0;
}

int story_on_close_set(int64_t member, bool keep, struct failure *f)
{
	if (!story_offered())
		return err_fail(f, ERR_NO_STORIES);
	struct store_val v[] = {SV_INT(member), SV_INT(keep ? 1 : 0)};
	if (store_query(app.store, SQL_KEEP_SET, v, STORE_NPARAMS(v), NULL, NULL) != 1)
		return err_fail(f, ERR_STORE);
	return 0;
}

const char *story_on_close_text(struct store_conn *c, int64_t member)
{
	if (!story_offered())
		return NULL;
	int64_t v = 0;
	struct store_val who[] = {SV_INT(member)};
	if (store_exec(c, SQL_KEEP_GET, who, STORE_NPARAMS(who), count_cb, &v) < 0)
		return NULL;
	return v ? "kept_without_name" : "deleted";
}

struct to_keep {
	int64_t id, published_at;
	char kind[16];
};

struct to_keep_list {
	struct to_keep list[STORY_LISTED];
	size_t n;
};

static int to_keep_cb(void *ctx, const struct store_row *row)
{
	struct to_keep_list *k = ctx;
	if (k->n >= STORY_LISTED)
		return 1;
	struct to_keep *x = &k->list[k->n++];
	x->id = row->cols[0].i;
	snprintf(x->kind, sizeof(x->kind), "%s", text_of(&row->cols[1]));
	x->published_at = row->cols[2].type == STORE_NULL ? 0 : row->cols[2].i;
	return 0;
}

int story_close(struct store_conn *c, int64_t member)
{
	if (!story_offered() || !story_on_close_text(c, member) ||
	    strcmp(story_on_close_text(c, member), "deleted") == 0)
		return 0;
	struct to_keep_list *k = xcalloc(1, sizeof(*k));
	struct store_val who[] = {SV_INT(member)};
	struct broker_grant *g = NULL;
	int rc = -1;
	if (store_exec(c, SQL_TO_KEEP, who, STORE_NPARAMS(who), to_keep_cb, k) < 0)
		goto out;
	if (k->n && !(g = open_self(c, member, "read")))
		goto out;
	for (size_t i = 0; i < k->n; i++) {
		struct record_text t[2] = {{0}};
		if (record_read(c, g, TABLE, k->list[i].id, text_columns, 2, t) != 1) {
			record_texts_release(t, 2);
			goto out;
		}
		/* A new id: nothing leads back to the author's row. */
		struct store_val v[] = {SV_INT(crypto_random_id()), SV_TEXT(k->list[i].kind),
					SV_TEXTN(t[0].p ? t[0].p : "", t[0].n),
					SV_TEXTN(t[1].p ? t[1].p : "", t[1].n),
					SV_INT(k->list[i].published_at)};
		int n = store_exec(c, SQL_KEEP_INSERT, v, STORE_NPARAMS(v), NULL, NULL);
		record_texts_release(t, 2);
		if (n != 1)
			goto out;
	}
	if (k->n)
		log_info("a closing account left %zu submission(s) published without a name", k->n);
	rc = 0;
out:
	broker_grant_free(g);
	free(k);
	return rc;
}
