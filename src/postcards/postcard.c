/*
 * postcard: e-postcards, their one mail, their link and its end (see
 * postcard.h).
 */
#include "postcard.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "members.h"
#include "outbox.h"
#include "policy.h"
#include "ratelimit.h"
#include "store.h"
#include "store_json.h"
#include "token.h"

/* The profile's two collection points: the sender's part of the form and
 * the recipient's (profiles/north-american-motoring.yaml). */
#define SENDER_POINT	"postcard_sender"
#define RECIPIENT_POINT "postcard"
#define CARDS		"postcards"
#define RECIPIENTS	"postcard_recipients"
#define DAY_SECONDS	86400
#define EMAIL_MAX	254 /* the route's limit for an address */

/* The categories records.c declares for each part. */
static const char *const sender_categories[] = {"name", "email", "postcard_text"};
static const char *const recipient_categories[] = {"recipient_name", "recipient_email"};
/* What the card's page opens: the sender's name and greeting, never the
 * sender's address. */
static const char *const shown_categories[] = {"name", "postcard_text"};
static const char *const shown_columns[POSTCARD_NPARTS] = {
	[POSTCARD_FROM_NAME] = "sender_name",
	[POSTCARD_GREETING] = "greeting",
};

const struct postcard_card postcard_cards[] = {
	{"roadster", "Red roadster", "A red two-seater with its roof down on a coast road."},
	{"hatch", "Little hatch", "A small green hatchback with a white roof under a yellow sun."},
	{"classic", "Classic saloon", "A blue classic saloon with round headlamps and chrome."},
	{"rally", "Rally car", "A white rally car with a number on its door, kicking up dust."},
};
const size_t postcard_cards_count = ARRAY_LEN(postcard_cards);

/* The plain columns only: the sealed ones go through the record layer. */
static const char SQL_BY_TOKEN[] = "SELECT id, subject_id, card, created_at, ends_at, reported_at "
				   "FROM postcards WHERE token_hash = $1";
static const char SQL_RECIPIENT_OF[] =
	"SELECT postcard_id FROM postcard_recipients WHERE subject_id = $1";
static const char SQL_RECIPIENT_OF_CARD[] =
	"SELECT subject_id FROM postcard_recipients WHERE postcard_id = $1";
static const char SQL_CARD_SENDER[] = "SELECT subject_id FROM postcards WHERE id = $1";
static const char SQL_DELIVERED[] = "UPDATE postcards SET delivered_at = $2 WHERE id = $1";
static const char SQL_FAILED[] = "UPDATE postcards SET failed_at = $2 WHERE id = $1";
static const char SQL_REPORT_NOTE[] =
	"INSERT INTO postcard_reports (id, card, sent_at, reported_at) VALUES ($1, $2, $3, $4)";
/* Recipients whose mail has left the queue without the hook having run:
 * the process died between the outbox's settle and postcard_mail_settled. */
static const char SQL_ORPHANS[] =
	"SELECT r.subject_id FROM postcard_recipients r WHERE NOT EXISTS "
	"(SELECT 1 FROM outbox o WHERE o.subject_id = r.subject_id) LIMIT $1";
static const char SQL_REPORTS[] = "SELECT id, card, sent_at, reported_at FROM postcard_reports "
				  "ORDER BY reported_at DESC LIMIT $1";

const struct postcard_card *postcard_card_find(const char *id)
{
	for (size_t i = 0; id && i < postcard_cards_count; i++)
		if (strcmp(postcard_cards[i].id, id) == 0)
			return &postcard_cards[i];
	return NULL;
}

static const struct policy_collection *point(const char *id)
{
	int i = policy_collection_index(app.policy, id);
	return i < 0 ? NULL : &app.policy->collections[i];
}

bool postcard_offered(void)
{
	return point(SENDER_POINT) && point(RECIPIENT_POINT);
}

static const char *purpose_of(const char *collection)
{
	return policy_collection_purpose(app.policy, collection);
}

static const char *kind_of(const struct policy_collection *cp)
{
	return app.policy->subjects[cp->subject].id;
}

static bool empty(const char *s)
{
	return !s || !*s;
}

/* ---- sending ---- */

/* The member's own name and address, for a member who left them out. */
struct sender {
	const char *name, *email;
	json_t *record; /* holds the member's values while they are used */
};

static int sender_of(const struct postcard_new *in, struct sender *s, struct failure *f)
{
	*s = (struct sender){in->from_name, in->from_email, NULL};
	if (in->member && (empty(s->name) || empty(s->email))) {
		struct failure ignored;
		if (members_own_record(in->member, &s->record, &ignored) == 0) {
			if (empty(s->name))
				s->name = json_string_value(json_object_get(s->record, "name"));
			if (empty(s->email))
				s->email = json_string_value(json_object_get(s->record, "email"));
		}
	}
	if (empty(s->name))
		return err_fail(f, ERR_POSTCARD_FROM_NAME);
	if (empty(s->email))
		return err_fail(f, ERR_POSTCARD_FROM_EMAIL);
	return 0;
}

/* Per sender address, counted in its normal form under the rate limits'
 * keyed hash only (ratelimit.h), from anywhere. */
static int sender_allowed(const char *email, struct failure *f)
{
	char normal[EMAIL_MAX + 1];
	size_t n = 0;
	int64_t wait = 0;
	for (const char *p = email; *p && n < EMAIL_MAX; p++)
		if (!isspace((unsigned char)*p))
			normal[n++] = (char)tolower((unsigned char)*p);
	normal[n] = '\0';
	bool ok = app.cfg.postcards_per_sender_day <= 0 ||
		  ratelimit_hit("postcard-sender", normal, app.cfg.postcards_per_sender_day,
				DAY_SECONDS, &wait);
	crypto_wipe(normal, sizeof(normal));
	if (ok)
		return 0;
	err_fail(f, ERR_POSTCARD_SENDER_LIMIT);
	f->retry_after = wait;
	return -1;
}

/* The recipient's one mail: who sent it, the link, how to report; nothing
 * else (no advertising, no greeting: that is on the card). Queued under the
 * recipient's own subject, inside the caller's transaction. */
static int recipient_mail(struct store_conn *c, const struct broker_grant *g,
			  const struct postcard_new *in, const char *from_name, const char *token)
{
	struct buf subject, text;
	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_printf(&subject, "An e-postcard from %s", from_name);
	buf_printf(&text, "Hello%s%s,\n\n", empty(in->to_name) ? "" : " ",
		   empty(in->to_name) ? "" : in->to_name);
	buf_printf(&text,
		   "%s sent you an e-postcard through %s. You can see it for %d days at this "
		   "address:\n\n%s/postcards/view/%s\n\n"
		   "We send this one message at their request. Your name and address were used "
		   "only for it and are erased as soon as it has gone; we will not write to you "
		   "again.\n\n"
		   "If this card is unwanted or abusive, open it and press \"Report this card\": "
		   "the card stops at once and our staff are told.\n\n-- \n%s\n",
		   from_name, app.site_name, POSTCARD_DAYS, app.cfg.site_url, token, app.site_name);
	int rc = outbox_send_text(c, g, purpose_of(RECIPIENT_POINT), "recipient_email",
				  "recipient_name", in->to_email, subject.data, text.data, NULL, 0);
	crypto_wipe(subject.data, subject.len);
	crypto_wipe(text.data, text.len);
	buf_release(&subject);
	buf_release(&text);
	return rc;
}

/* A new subject of the collection point's kind, for its purpose. */
static int subject_new(struct store_conn *c, const struct policy_collection *cp,
		       const char *const *cats, size_t ncats, int64_t owner, int64_t *subject,
		       struct broker_grant **g, struct failure *f)
{
	enum decision_reason why = DECISION_ALLOWED;
	if (broker_subject_new(c, kind_of(cp), app.policy->purposes[cp->purpose].id, cats, ncats,
			       owner, subject, g, &why) == 0)
		return 0;
	if (why != DECISION_ALLOWED)
		log_warn("postcard refused: %s", policy_reason_code(why));
	return broker_failure(c, 0, why, f);
}

int postcard_send(const struct postcard_new *in, int64_t *id, struct failure *f)
{
	if (!postcard_offered())
		return err_fail(f, ERR_NO_POSTCARDS);
	if (!postcard_card_find(in->card))
		return err_fail(f, ERR_NO_SUCH_CARD);
	struct sender s;
	int rc = -1;
	if (sender_of(in, &s, f) != 0 || sender_allowed(s.email, f) != 0)
		goto done;
	int64_t now = (int64_t)time(NULL), card = crypto_random_id(), sender, recipient;
	int64_t ends = now + (int64_t)POSTCARD_DAYS * DAY_SECONDS;
	char token[TOKEN_CHARS + 1];
	unsigned char hash[TOKEN_HASH_BYTES];
	token_new(token, hash);
	const struct record_field card_row[] = {
		{"card", SV_TEXT(in->card)},
		{"sender_name", SV_TEXT(s.name)},
		{"sender_email", SV_TEXT(s.email)},
		{"greeting", empty(in->greeting) ? SV_NULL : SV_TEXT(in->greeting)},
		{"token_hash", SV_BLOB(hash, sizeof(hash))},
		{"created_at", SV_INT(now)},
		{"ends_at", SV_INT(ends)},
	};
	const struct record_field recipient_row[] = {
		{"postcard_id", SV_INT(card)},
		{"name", empty(in->to_name) ? SV_NULL : SV_TEXT(in->to_name)},
		{"email", SV_TEXT(in->to_email)},
		{"expires_at", SV_INT(ends)},
	};
	struct broker_grant *gs = NULL, *gr = NULL;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	/* The recipient's subject is owned by no one: not the sender's, so the
	 * sender's export, and their erasure, never reach it (NAM05). */
	if (subject_new(c, point(SENDER_POINT), sender_categories, ARRAY_LEN(sender_categories),
			in->member, &sender, &gs, f) != 0 ||
	    subject_new(c, point(RECIPIENT_POINT), recipient_categories,
			ARRAY_LEN(recipient_categories), 0, &recipient, &gr, f) != 0)
		goto rollback;
	if (record_insert(c, gs, CARDS, card, card_row, ARRAY_LEN(card_row)) < 0 ||
	    record_insert(c, gr, RECIPIENTS, crypto_random_id(), recipient_row,
			  ARRAY_LEN(recipient_row)) < 0 ||
	    recipient_mail(c, gr, in, s.name, token) != 0 || store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	log_info("an e-postcard was queued");
	*id = card;
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(gs);
	broker_grant_free(gr);
	crypto_wipe(token, sizeof(token));
done:
	json_decref(s.record);
	return rc;
}

/* ---- the link ---- */

struct card_state {
	bool found;
	int64_t id, subject, created_at, ends_at, reported_at;
	char card[POSTCARD_CARD_MAX + 1];
};

static int card_state_cb(void *ctx, const struct store_row *row)
{
	struct card_state *s = ctx;
	s->found = true;
	s->id = row->cols[0].i;
	s->subject = row->cols[1].i;
	snprintf(s->card, sizeof(s->card), "%.*s", (int)row->cols[2].n,
		 row->cols[2].type == STORE_TEXT ? (const char *)row->cols[2].p : "");
	s->created_at = row->cols[3].i;
	s->ends_at = row->cols[4].i;
	s->reported_at = row->cols[5].type == STORE_INT ? row->cols[5].i : 0;
	return 0;
}

/* The card a token names, and whether its link still shows it. */
static int card_by_token(struct store_conn *c, const char *token, struct card_state *s,
			 struct failure *f)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	*s = (struct card_state){0};
	if (!postcard_offered())
		return err_fail(f, ERR_NO_POSTCARDS);
	if (!token_hash(token, hash))
		return err_fail(f, ERR_NO_SUCH_POSTCARD);
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash))};
	if (store_exec(c, SQL_BY_TOKEN, key, STORE_NPARAMS(key), card_state_cb, s) < 0)
		return err_fail(f, ERR_STORE);
	if (!s->found)
		return err_fail(f, ERR_NO_SUCH_POSTCARD);
	if (s->reported_at || s->ends_at <= (int64_t)time(NULL))
		return err_fail(f, ERR_POSTCARD_GONE);
	return 0;
}

int postcard_open(const char *token, struct postcard_view *v, struct failure *f)
{
	*v = (struct postcard_view){0};
	struct card_state s;
	struct broker_grant *g = NULL;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (card_by_token(c, token, &s, f) != 0)
		goto out;
	/* Shown on the sender's behalf, to whoever holds the link: the
	 * purpose the sender gave them for. */
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system,
				 s.subject,
				 purpose_of(SENDER_POINT),
				 shown_categories,
				 ARRAY_LEN(shown_categories),
				 "show"};
	enum decision_reason why;
	if (broker_open(c, &use, &g, &why) != 0) {
		if (broker_failure(c, s.subject, why, f) && f->err == ERR_ERASED)
			err_fail(f, ERR_NO_SUCH_POSTCARD); /* its sender is gone: so is the card */
		goto out;
	}
	int read = record_read(c, g, CARDS, s.id, shown_columns, POSTCARD_NPARTS, v->text);
	if (read != 1) {
		err_fail(f, read == 0 ? ERR_NO_SUCH_POSTCARD : ERR_STORE);
		goto out;
	}
	v->created_at = s.created_at;
	v->ends_at = s.ends_at;
	v->card = postcard_card_find(s.card);
	rc = 0;
out:
	store_release(c);
	broker_grant_free(g);
	if (rc != 0)
		postcard_view_release(v);
	return rc;
}

void postcard_view_release(struct postcard_view *v)
{
	record_texts_release(v->text, POSTCARD_NPARTS);
}

static int int_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

int postcard_report(const char *token, struct failure *f)
{
	struct card_state s;
	int64_t now = (int64_t)time(NULL), recipient = 0;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (card_by_token(c, token, &s, f) != 0)
		goto rollback;
	struct store_val card[] = {SV_INT(s.id)};
	struct store_val note[] = {SV_INT(crypto_random_id()), SV_TEXT(s.card),
				   SV_INT(s.created_at), SV_INT(now)};
	/* The card's life ends here: its sender goes now, and so does its
	 * recipient if the mail has not settled yet. */
	if (store_exec(c, SQL_RECIPIENT_OF_CARD, card, STORE_NPARAMS(card), int_cb, &recipient) <
		    0 ||
	    store_exec(c, SQL_REPORT_NOTE, note, STORE_NPARAMS(note), NULL, NULL) < 0 ||
	    (recipient && record_erase_subject(c, recipient) != 0) ||
	    record_erase_subject(c, s.subject) != 0 || store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	log_info("an e-postcard was reported; its link is closed");
	record_scrub_erased();
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	return rc;
}

static int report_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(
		ctx, json_pack("{s:I,s:s%,s:I,s:I}", "id", (json_int_t)row->cols[0].i, "card",
			       row->cols[1].type == STORE_TEXT ? (const char *)row->cols[1].p : "",
			       row->cols[1].n, "sent_at", (json_int_t)row->cols[2].i, "reported_at",
			       (json_int_t)row->cols[3].i));
	return 0;
}

int postcard_reports_list(json_t **list, struct failure *f)
{
	*list = NULL;
	if (!postcard_offered())
		return err_fail(f, ERR_NO_POSTCARDS);
	struct store_val limit[] = {SV_INT(POSTCARD_REPORTS_MAX)};
	return store_json_list(SQL_REPORTS, limit, STORE_NPARAMS(limit), report_cb, list, f);
}

/* ---- after the mail ---- */

/* Tells the sender whether the card arrived, from their own subject, inside
 * the caller's transaction; no word of the recipient's details. */
static void sender_told(struct store_conn *c, int64_t card, bool delivered)
{
	int64_t sender = 0;
	struct store_val key[] = {SV_INT(card)};
	if (store_exec(c, SQL_CARD_SENDER, key, STORE_NPARAMS(key), int_cb, &sender) < 0 || !sender)
		return;
	const char *cats[] = {"email", "name"};
	static const char *const columns[] = {"sender_email"};
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system, sender,	   purpose_of(SENDER_POINT),
				 cats,	  ARRAY_LEN(cats), "send"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	struct record_text to[1] = {{0}};
	if (broker_open(c, &use, &g, &why) != 0 ||
	    record_read(c, g, CARDS, card, columns, 1, to) != 1 || !to[0].p)
		goto out;
	struct buf text;
	buf_init(&text, 0);
	if (delivered)
		buf_printf(&text,
			   "Hello,\n\nthe e-postcard you sent through %s has been delivered. Its "
			   "recipient can see it for %d days from when you sent it; then it is "
			   "erased, with your name and greeting. We have already erased the "
			   "recipient's name and address.\n\n-- \n%s\n",
			   app.site_name, POSTCARD_DAYS, app.site_name);
	else
		buf_printf(&text,
			   "Hello,\n\nthe e-postcard you sent through %s could not be delivered: "
			   "the recipient's address did not take it. We have erased the "
			   "recipient's name and address, so we will not try again.\n\n-- \n%s\n",
			   app.site_name, app.site_name);
	outbox_send_text(c, g, purpose_of(SENDER_POINT), "email", "name", to[0].p,
			 delivered ? "Your e-postcard was delivered"
				   : "Your e-postcard could not be delivered",
			 text.data, NULL, 0);
	buf_release(&text);
out:
	record_texts_release(to, 1);
	broker_grant_free(g);
}

void postcard_mail_settled(int64_t subject, const char *purpose, bool delivered)
{
	const char *mine = purpose_of(RECIPIENT_POINT);
	if (!mine || !purpose || strcmp(purpose, mine) != 0)
		return;
	int64_t card = 0;
	struct store_val who[] = {SV_INT(subject)};
	struct store_conn *c = store_acquire(app.store);
	bool ok = store_begin(c) == 0 &&
		  store_exec(c, SQL_RECIPIENT_OF, who, STORE_NPARAMS(who), int_cb, &card) >= 0;
	if (ok && card) {
		struct store_val mark[] = {SV_INT(card), SV_INT((int64_t)time(NULL))};
		ok = store_exec(c, delivered ? SQL_DELIVERED : SQL_FAILED, mark,
				STORE_NPARAMS(mark), NULL, NULL) >= 0;
		if (ok)
			sender_told(c, card, delivered);
	}
	/* NAM05: nothing of the recipient stays, whatever became of the mail. */
	ok = ok && record_erase_subject(c, subject) == 0 && store_commit(c) == 0;
	if (!ok) {
		store_rollback(c);
		log_error("postcard: a recipient could not be erased after delivery; the "
			  "retention pass will");
	}
	store_release(c);
	if (ok) {
		log_info("postcard: its recipient was erased after the mail %s",
			 delivered ? "was delivered" : "failed for good");
		record_scrub_erased();
	}
}

/* One batch of orphans' subjects. */
#define ORPHANS_BATCH 500

struct orphans {
	int64_t id[ORPHANS_BATCH];
	size_t n;
};

static int orphan_cb(void *ctx, const struct store_row *row)
{
	struct orphans *o = ctx;
	if (o->n < ORPHANS_BATCH && row->cols[0].type == STORE_INT)
		o->id[o->n++] = row->cols[0].i;
	return 0;
}

int postcard_settle_orphans(void)
{
	if (!postcard_offered())
		return 0;
	size_t erased = 0;
	int rc = 0;
	struct store_conn *c = store_acquire(app.store);
	for (;;) {
		struct orphans o = {.n = 0};
		struct store_val lim[] = {SV_INT(ORPHANS_BATCH)};
		if (store_exec(c, SQL_ORPHANS, lim, STORE_NPARAMS(lim), orphan_cb, &o) < 0) {
			rc = -1;
			break;
		}
		for (size_t i = 0; i < o.n && rc == 0; i++) {
			bool ok = store_begin(c) == 0 && record_erase_subject(c, o.id[i]) == 0 &&
				  store_commit(c) == 0;
			if (!ok) {
				store_rollback(c);
				rc = -1;
			}
		}
		erased += rc == 0 ? o.n : 0;
		if (rc != 0 || o.n < ORPHANS_BATCH)
			break;
	}
	store_release(c);
	if (erased) {
		record_scrub_erased();
		log_info("postcard: %zu recipient(s) whose mail had already left were erased",
			 erased);
	}
	return rc;
}
