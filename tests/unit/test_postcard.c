/*
 * Unit tests of the e-postcards' domain (src/postcards/postcard.c) on a real
 * SQLite store with the bundled north-american-motoring profile (and
 * mini-insiders, and that profile without its recipient's point, for a
 * site that sends none): a card's two people sealed apart under subjects of
 * their own, no value in clear in any row, the link's token kept as its
 * keyed hash; the recipient's one mail (who sent it, the link, how to
 * report; not the greeting); each refusal, with nothing written, and a
 * failed send rolled back whole; the per-sender limit; a member's card
 * under their account, and the recipient out of their reach; NAM05: the
 * recipient erased (rows, key, and the bytes in the database's files) once
 * the mail is delivered or has failed for good, the sender told which, and
 * at start for a mail that left while the hook did not run; a report ending
 * the card at once with a note naming no one; the link gone after 30 days
 * and the sender erased then; and every function's "not offered" answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "boot.h"
#include "broker.h"
#include "config.h"
#include "crypto.h"
#include "mem.h"
#include "policy.h"
#include "postcard.h"
#include "record.h"
#include "retention.h"
#include "store.h"
#include "token.h"

#include "fixture.h"

#include <cmocka.h>

#define PROFILE		     "north-american-motoring"
#define NO_POSTCARDS_PROFILE "mini-insiders"
#define DAY		     86400
#define SENDING		     "postcard_sending"
#define DELIVERY	     "postcard_delivery"

static int setup(void **state)
{
	return fixture_open(PROFILE);
}

static int teardown(void **state)
{
	return fixture_close();
}

/* ---- helpers ---- */

static int int_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].type == STORE_INT ? row->cols[0].i : -1;
	return 0;
}

/* The one integer a query returns (-1 for NULL, -2 for no row). */
static int64_t sql_int(const char *sql, int64_t arg)
{
	int64_t v = -2;
	struct store_val p[] = {SV_INT(arg)};
	assert_true(store_query(app.store, sql, p, strstr(sql, "$1") ? 1 : 0, int_cb, &v) >= 0);
	return v;
}

static void sql_run(const char *sql)
{
	assert_true(store_query(app.store, sql, NULL, 0, NULL, NULL) >= 0);
}

struct texts {
	char v[4][256];
};

static int texts_cb(void *ctx, const struct store_row *row)
{
	struct texts *t = ctx;
	for (size_t i = 0; i < row->ncols && i < 4; i++)
		snprintf(t->v[i], sizeof(t->v[i]), "%.*s",
			 row->cols[i].type == STORE_TEXT ? (int)row->cols[i].n : 0,
			 row->cols[i].type == STORE_TEXT ? (const char *)row->cols[i].p : "");
	return 0;
}

static struct texts sql_texts(const char *sql, int64_t arg)
{
	struct texts t = {0};
	struct store_val p[] = {SV_INT(arg)};
	assert_int_equal(store_query(app.store, sql, p, 1, texts_cb, &t), 1);
	return t;
}

struct find {
	const void *needle;
	size_t len;
	bool found;
};

static int find_cb(void *ctx, const struct store_row *row)
{
	struct find *b = ctx;
	for (size_t i = 0; i < row->ncols; i++)
		if ((row->cols[i].type == STORE_BLOB || row->cols[i].type == STORE_TEXT) &&
		    memmem(row->cols[i].p, row->cols[i].n, b->needle, b->len))
			b->found = true;
	return 0;
}

/* Whether any column of the rows a query returns holds needle. */
static bool rows_hold(const char *sql, int64_t arg, const void *needle, size_t len)
{
	struct find b = {needle, len, false};
	struct store_val p[] = {SV_INT(arg)};
	assert_true(store_query(app.store, sql, p, 1, find_cb, &b) >= 0);
	return b.found;
}

/* A blob column of one row, copied. */
struct blob {
	unsigned char p[1024];
	size_t n;
};

static int blob_cb(void *ctx, const struct store_row *row)
{
	struct blob *b = ctx;
	assert_int_equal(row->cols[0].type, STORE_BLOB);
	assert_true(row->cols[0].n <= sizeof(b->p));
	memcpy(b->p, row->cols[0].p, row->cols[0].n);
	b->n = row->cols[0].n;
	return 0;
}

static struct blob sql_blob(const char *sql, int64_t arg)
{
	struct blob b = {.n = 0};
	struct store_val p[] = {SV_INT(arg)};
	assert_int_equal(store_query(app.store, sql, p, 1, blob_cb, &b), 1);
	assert_true(b.n > 0);
	return b;
}

/* Whether the database's files (the database and its write-ahead log) hold
 * the bytes anywhere. */
static bool files_hold(const struct blob *b)
{
	static const char *const suffixes[] = {"", "-wal"};
	bool found = false;
	for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
		char path[160];
		snprintf(path, sizeof(path), "%s/unit.db%s", fixture_dir, suffixes[i]);
		FILE *fp = fopen(path, "rb");
		if (!fp)
			continue;
		assert_int_equal(fseek(fp, 0, SEEK_END), 0);
		long size = ftell(fp);
		assert_true(size >= 0);
		rewind(fp);
		char *data = malloc((size_t)size + 1);
		assert_non_null(data);
		assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
		fclose(fp);
		found = found || memmem(data, (size_t)size, b->p, b->n);
		free(data);
	}
	return found;
}

static int64_t count_rows(const char *table)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return sql_int(sql, 0);
}

static const struct postcard_new card_in = {
	.card = "roadster",
	.greeting = "Wish you were here, on the coast road!",
	.from_name = "Sandy Sender",
	.from_email = "sandy@example.org",
	.to_name = "Robin Recipient",
	.to_email = "robin@example.net",
};

/* The personal values of card_in, none of which may be in clear. */
static const char *const typed[] = {"Wish you were here", "Sandy Sender", "sandy@example.org",
				    "Robin Recipient", "robin@example.net"};

static int64_t send(const struct postcard_new *in)
{
	int64_t id = 0;
	struct failure f;
	assert_int_equal(postcard_send(in, &id, &f), 0);
	assert_true(id != 0);
	return id;
}

static int64_t sender_of(int64_t card)
{
	return sql_int("SELECT subject_id FROM postcards WHERE id = $1", card);
}

static int64_t recipient_of(int64_t card)
{
	return sql_int("SELECT subject_id FROM postcard_recipients WHERE postcard_id = $1", card);
}

/* Whether nothing of a subject is left: its rows, its key, itself. */
static bool subject_gone(int64_t s)
{
	static const char *const where[] = {
		"SELECT COUNT(*) FROM subjects WHERE id = $1",
		"SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1",
		"SELECT COUNT(*) FROM outbox WHERE subject_id = $1",
		"SELECT COUNT(*) FROM postcards WHERE subject_id = $1",
		"SELECT COUNT(*) FROM postcard_recipients WHERE subject_id = $1",
	};
	for (size_t i = 0; i < ARRAY_LEN(where); i++)
		if (sql_int(where[i], s) != 0)
			return false;
	return true;
}

/* The nth queued mail of a subject (0: the first), opened under its key. */
static void mail_of(int64_t subject, int nth, char *to, size_t to_max, char *msg, size_t msg_max)
{
	int64_t row = -2;
	struct store_val at[] = {SV_INT(subject), SV_INT(nth)};
	assert_int_equal(store_query(app.store,
				     "SELECT id FROM outbox WHERE subject_id = $1 ORDER BY rowid "
				     "LIMIT 1 OFFSET $2",
				     at, 2, int_cb, &row),
			 1);
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	assert_int_equal(broker_open_access(c, subject, &g), 0);
	static const char *const cols[] = {"recipient", "message"};
	struct record_text t[2];
	assert_int_equal(record_read(c, g, "outbox", row, cols, 2, t), 1);
	snprintf(to, to_max, "%s", t[0].p);
	snprintf(msg, msg_max, "%s", t[1].p);
	record_texts_release(t, 2);
	broker_grant_free(g);
	store_release(c);
}

/* The link's token, from the recipient's mail (quoted-printable: a soft
 * line break may split it). */
static void token_of(int64_t card, char token[TOKEN_CHARS + 1])
{
	char to[256], msg[8192];
	mail_of(recipient_of(card), 0, to, sizeof(to), msg, sizeof(msg));
	const char *p = strstr(msg, "/postcards/view/");
	assert_non_null(p);
	p += strlen("/postcards/view/");
	size_t n = 0;
	while (n < TOKEN_CHARS) {
		if (strncmp(p, "=\r\n", 3) == 0) {
			p += 3;
			continue;
		}
		token[n++] = *p++;
	}
	token[n] = '\0';
}

/* The outbox's settle of a recipient's mail, as outbox.c does it: the
 * row leaves the queue, then the hook runs. */
static void settle(int64_t card, bool delivered)
{
	int64_t r = recipient_of(card);
	struct store_val who[] = {SV_INT(r)};
	assert_int_equal(store_query(app.store, "DELETE FROM outbox WHERE subject_id = $1", who, 1,
				     NULL, NULL),
			 1);
	postcard_mail_settled(r, DELIVERY, delivered);
}

/* ---- sending ---- */

static void test_two_people_sealed_apart(void **state)
{
	int64_t before = (int64_t)time(NULL);
	int64_t card = send(&card_in);
	int64_t s = sender_of(card), r = recipient_of(card);
	assert_true(s > 0 && r > 0 && s != r);
	assert_string_equal(sql_texts("SELECT kind FROM subjects WHERE id = $1", s).v[0],
			    "requester");
	assert_string_equal(sql_texts("SELECT kind FROM subjects WHERE id = $1", r).v[0],
			    "postcard_recipient");
	assert_int_equal(sql_int("SELECT owner_id FROM subjects WHERE id = $1", s), -1);
	assert_int_equal(sql_int("SELECT owner_id FROM subjects WHERE id = $1", r), -1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", s), 1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", r), 1);
	assert_string_equal(sql_texts("SELECT card FROM postcards WHERE id = $1", card).v[0],
			    "roadster");
	int64_t created = sql_int("SELECT created_at FROM postcards WHERE id = $1", card);
	int64_t ends = sql_int("SELECT ends_at FROM postcards WHERE id = $1", card);
	assert_true(created >= before);
	assert_int_equal(ends, created + POSTCARD_DAYS * DAY);
	assert_int_equal(
		sql_int("SELECT expires_at FROM postcard_recipients WHERE postcard_id = $1", card),
		ends);
	assert_int_equal(sql_int("SELECT delivered_at FROM postcards WHERE id = $1", card), -1);
	/* Nothing typed is in any row as it was typed. */
	for (size_t i = 0; i < ARRAY_LEN(typed); i++) {
		size_t n = strlen(typed[i]);
		assert_false(rows_hold("SELECT * FROM postcards WHERE id = $1", card, typed[i], n));
		assert_false(rows_hold("SELECT * FROM postcard_recipients WHERE postcard_id = $1",
				       card, typed[i], n));
		assert_false(
			rows_hold("SELECT * FROM outbox WHERE subject_id = $1", r, typed[i], n));
	}
	/* Each part opens under its own subject's key, and not the other's. */
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	static const char *const card_cols[] = {"sender_name", "sender_email", "greeting"};
	static const char *const to_cols[] = {"name", "email"};
	int64_t to_row = sql_int("SELECT id FROM postcard_recipients WHERE postcard_id = $1", card);
	struct record_text t[3];
	assert_int_equal(broker_open_access(c, s, &g), 0);
	assert_int_equal(record_read(c, g, "postcards", card, card_cols, 3, t), 1);
	assert_string_equal(t[0].p, card_in.from_name);
	assert_string_equal(t[1].p, card_in.from_email);
	assert_string_equal(t[2].p, card_in.greeting);
	record_texts_release(t, 3);
	assert_int_equal(record_read(c, g, "postcard_recipients", to_row, to_cols, 2, t), -1);
	broker_grant_free(g);
	assert_int_equal(broker_open_access(c, r, &g), 0);
	assert_int_equal(record_read(c, g, "postcard_recipients", to_row, to_cols, 2, t), 1);
	assert_string_equal(t[0].p, card_in.to_name);
	assert_string_equal(t[1].p, card_in.to_email);
	record_texts_release(t, 2);
	assert_int_equal(record_read(c, g, "postcards", card, card_cols, 3, t), -1);
	broker_grant_free(g);
	store_release(c);
	/* The sender has no mail yet: the only one is the recipient's. */
	assert_int_equal(count_rows("outbox"), 1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", r), 1);
}

static void test_recipients_one_mail(void **state)
{
	int64_t card = send(&card_in);
	int64_t r = recipient_of(card);
	struct texts cats = sql_texts("SELECT purpose, address_category, content_category, status "
				      "FROM outbox WHERE subject_id = $1",
				      r);
	assert_string_equal(cats.v[0], DELIVERY);
	assert_string_equal(cats.v[1], "recipient_email");
	assert_string_equal(cats.v[2], "recipient_name");
	assert_string_equal(cats.v[3], "queued");
	char to[256], msg[8192];
	mail_of(r, 0, to, sizeof(to), msg, sizeof(msg));
	assert_string_equal(to, "robin@example.net");
	assert_non_null(strstr(msg, "\r\nTo: <robin@example.net>\r\n"));
	assert_non_null(strstr(msg, "Subject: An e-postcard from Sandy Sender"));
	assert_non_null(strstr(msg, "Hello Robin Recipient,"));
	assert_non_null(strstr(msg, "/postcards/view/"));
	assert_non_null(strstr(msg, "Report this card"));
	/* The greeting is on the card, the sender's address nowhere; no HTML,
	 * no other address to follow. */
	assert_null(strstr(msg, "Wish you were here"));
	assert_null(strstr(msg, "sandy@example.org"));
	assert_null(strstr(msg, "text/html"));
	assert_null(strstr(msg, "http"));
	assert_null(strstr(msg, "\r\nCc:"));
	assert_null(strstr(msg, "\r\nBcc:"));
	/* Without a name, the mail greets no one. */
	struct postcard_new anon = card_in;
	anon.to_name = "";
	int64_t other = send(&anon);
	mail_of(recipient_of(other), 0, to, sizeof(to), msg, sizeof(msg));
	assert_non_null(strstr(msg, "Hello,"));
	assert_int_equal(sql_int("SELECT COUNT(*) FROM postcard_recipients WHERE postcard_id = $1 "
				 "AND name IS NULL",
				 other),
			 1);
}

static void test_link_token_kept_as_its_keyed_hash(void **state)
{
	int64_t card = send(&card_in);
	char token[TOKEN_CHARS + 1];
	token_of(card, token);
	unsigned char hash[TOKEN_HASH_BYTES];
	assert_true(token_hash(token, hash));
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash))};
	assert_int_equal(store_query(app.store, "SELECT id FROM postcards WHERE token_hash = $1",
				     key, 1, NULL, NULL),
			 1);
	assert_false(rows_hold("SELECT * FROM postcards WHERE id = $1", card, token, TOKEN_CHARS));
	assert_false(rows_hold("SELECT * FROM postcard_recipients WHERE postcard_id = $1", card,
			       token, TOKEN_CHARS));
	/* The link shows the picture, the sender's name and the greeting. */
	struct postcard_view v;
	struct failure f;
	assert_int_equal(postcard_open(token, &v, &f), 0);
	assert_ptr_equal(v.card, postcard_card_find("roadster"));
	assert_string_equal(v.text[POSTCARD_FROM_NAME].p, "Sandy Sender");
	assert_string_equal(v.text[POSTCARD_GREETING].p, card_in.greeting);
	assert_int_equal(v.ends_at, v.created_at + POSTCARD_DAYS * DAY);
	postcard_view_release(&v);
	/* Again: the link is not used up. */
	assert_int_equal(postcard_open(token, &v, &f), 0);
	postcard_view_release(&v);
	/* Other tokens. */
	char other[TOKEN_CHARS + 1];
	unsigned char other_hash[TOKEN_HASH_BYTES];
	token_new(other, other_hash);
	assert_int_equal(postcard_open(other, &v, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_POSTCARD);
	assert_int_equal(err_status(&f), 404);
	assert_null(v.text[POSTCARD_FROM_NAME].p);
	static const char *const malformed[] = {"", "short", "not a token at all!"};
	for (size_t i = 0; i < ARRAY_LEN(malformed); i++) {
		assert_int_equal(postcard_open(malformed[i], &v, &f), -1);
		assert_int_equal(f.err, ERR_NO_SUCH_POSTCARD);
		assert_int_equal(postcard_report(malformed[i], &f), -1);
		assert_int_equal(f.err, ERR_NO_SUCH_POSTCARD);
	}
	/* A card without a greeting shows none. */
	struct postcard_new plain = card_in;
	plain.greeting = "";
	int64_t bare = send(&plain);
	token_of(bare, token);
	assert_int_equal(postcard_open(token, &v, &f), 0);
	assert_null(v.text[POSTCARD_GREETING].p);
	assert_string_equal(v.text[POSTCARD_FROM_NAME].p, "Sandy Sender");
	postcard_view_release(&v);
}

/* Sends in, expects err, and checks nothing was written. */
static void refused(const struct postcard_new *in, enum err err, int status, const char *code)
{
	int64_t subjects = count_rows("subjects"), cards = count_rows("postcards");
	int64_t to = count_rows("postcard_recipients"), outbox = count_rows("outbox");
	int64_t keys = count_rows("subject_keys");
	int64_t id = 0;
	struct failure f;
	assert_int_equal(postcard_send(in, &id, &f), -1);
	assert_int_equal(f.err, err);
	assert_int_equal(err_status(&f), status);
	assert_string_equal(err_code(&f), code);
	assert_int_equal(id, 0);
	assert_int_equal(count_rows("subjects"), subjects);
	assert_int_equal(count_rows("subject_keys"), keys);
	assert_int_equal(count_rows("postcards"), cards);
	assert_int_equal(count_rows("postcard_recipients"), to);
	assert_int_equal(count_rows("outbox"), outbox);
}

static void test_refusals_keep_nothing(void **state)
{
	struct postcard_new in = card_in;
	static const char *const cards[] = {"limousine", "", "ROADSTER", "roadster "};
	for (size_t i = 0; i < ARRAY_LEN(cards); i++) {
		in.card = cards[i];
		refused(&in, ERR_NO_SUCH_CARD, 400, "unknown_card");
	}
	in.card = NULL;
	refused(&in, ERR_NO_SUCH_CARD, 400, "unknown_card");
	in = card_in;
	in.from_name = NULL;
	refused(&in, ERR_POSTCARD_FROM_NAME, 400, "missing_field");
	in.from_name = "";
	refused(&in, ERR_POSTCARD_FROM_NAME, 400, "missing_field");
	in = card_in;
	in.from_email = NULL;
	refused(&in, ERR_POSTCARD_FROM_EMAIL, 400, "missing_field");
	in.from_email = "";
	refused(&in, ERR_POSTCARD_FROM_EMAIL, 400, "missing_field");
	assert_int_equal(count_rows("subjects"), 0);
	/* Every bundled picture can be sent. */
	for (size_t i = 0; i < postcard_cards_count; i++) {
		assert_ptr_equal(postcard_card_find(postcard_cards[i].id), &postcard_cards[i]);
		in = card_in;
		in.card = postcard_cards[i].id;
		send(&in);
	}
	assert_null(postcard_card_find(NULL));
}

static void test_sender_limit_per_address_in_its_normal_form(void **state)
{
	app.cfg.postcards_per_sender_day = 2;
	struct postcard_new in = card_in;
	in.from_email = "Sam@Example.org";
	send(&in);
	in.from_email = "sam@example.org";
	send(&in);
	in.from_email = " SAM@example.ORG";
	refused(&in, ERR_POSTCARD_SENDER_LIMIT, 429, "too_many_requests");
	struct failure f;
	int64_t id;
	assert_int_equal(postcard_send(&in, &id, &f), -1);
	assert_true(err_retry_after(&f) > 0 && err_retry_after(&f) <= DAY);
	/* Another sender is not held back, and the count holds no address. */
	in.from_email = "other@example.org";
	send(&in);
	assert_false(rows_hold("SELECT * FROM rate_limits WHERE $1 = $1", 0, "sam@example.org",
			       strlen("sam@example.org")));
	/* 0 lifts the limit. */
	app.cfg.postcards_per_sender_day = 0;
	in.from_email = "sam@example.org";
	send(&in);
}

static void test_failed_send_leaves_nothing_half_written(void **state)
{
	/* The store refuses the recipient's mail, then the recipient's subject
	 * (after the sender's was written): each time, nothing stays. */
	static const char *const triggers[] = {
		"CREATE TRIGGER unit_fail BEFORE INSERT ON outbox BEGIN "
		"SELECT RAISE(ABORT, 'unit: no mail'); END",
		"CREATE TRIGGER unit_fail BEFORE INSERT ON subjects WHEN NEW.kind = "
		"'postcard_recipient' BEGIN SELECT RAISE(ABORT, 'unit: no recipient'); END",
		"CREATE TRIGGER unit_fail BEFORE INSERT ON postcard_recipients BEGIN "
		"SELECT RAISE(ABORT, 'unit: no recipient row'); END",
	};
	for (size_t i = 0; i < ARRAY_LEN(triggers); i++) {
		sql_run(triggers[i]);
		refused(&card_in, ERR_STORE, 503, "store_unavailable");
		sql_run("DROP TRIGGER unit_fail");
	}
	/* The mail cannot be built (an address no relay takes, a name that
	 * would add a header; the routes' checks stop both before): the store
	 * took the rows, none stays. */
	struct postcard_new in = card_in;
	in.to_email = "not an address";
	refused(&in, ERR_STORE, 503, "store_unavailable");
	in = card_in;
	in.from_name = "Sandy\r\nBcc: victim@example.org";
	refused(&in, ERR_STORE, 503, "store_unavailable");
	assert_int_equal(count_rows("subjects"), 0);
	int64_t card = send(&card_in);
	assert_true(recipient_of(card) > 0);
}

/* A member with a name and an address on the account. */
static int64_t member(void)
{
	static const char *const cats[] = {"name", "email", "date_of_birth"};
	struct record_field row[] = {
		{"name", SV_TEXT("Mel Member")},	  {"email", SV_TEXT("mel@example.org")},
		{"date_of_birth", SV_TEXT("1970-02-01")}, {"password_hash", SV_TEXT("not a hash")},
		{"created_at", SV_INT(time(NULL))},
	};
	int64_t id;
	struct broker_grant *g;
	enum decision_reason why;
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(
		broker_subject_new(c, "member", "account", cats, ARRAY_LEN(cats), 0, &id, &g, &why),
		0);
	assert_true(record_insert(c, g, "members", id, row, ARRAY_LEN(row)) >= 0);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	broker_grant_free(g);
	return id;
}

static void test_members_card_under_their_account_and_the_recipient_out_of_reach(void **state)
{
	int64_t m = member();
	struct postcard_new in = card_in;
	in.from_name = NULL;
	in.from_email = "";
	in.member = m;
	int64_t card = send(&in);
	int64_t s = sender_of(card), r = recipient_of(card);
	assert_int_equal(sql_int("SELECT owner_id FROM subjects WHERE id = $1", s), m);
	assert_int_equal(sql_int("SELECT owner_id FROM subjects WHERE id = $1", r), -1);
	char token[TOKEN_CHARS + 1];
	token_of(card, token);
	struct postcard_view v;
	struct failure f;
	assert_int_equal(postcard_open(token, &v, &f), 0);
	assert_string_equal(v.text[POSTCARD_FROM_NAME].p, "Mel Member");
	postcard_view_release(&v);
	/* The member's export: their card, not its recipient. */
	struct store_conn *c = store_acquire(app.store);
	json_t *items = record_export(c, m);
	assert_non_null(items);
	char *text = json_dumps(items, 0);
	assert_non_null(strstr(text, card_in.greeting));
	assert_null(strstr(text, "Robin Recipient"));
	assert_null(strstr(text, "robin@example.net"));
	free(text);
	json_decref(items);
	/* Closing the account erases the card, not the recipient's mail. */
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(record_erase_subject(c, m), 0);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	assert_true(subject_gone(s));
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", r), 1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", r), 1);
	assert_int_equal(postcard_open(token, &v, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_POSTCARD);
	/* A member whose account is gone and who gave no name: refused. */
	in.member = m;
	refused(&in, ERR_POSTCARD_FROM_NAME, 400, "missing_field");
}

/* ---- NAM05: after the mail ---- */

static void check_recipient_erased_on_settle(bool delivered)
{
	int64_t card = send(&card_in), kept = send(&card_in);
	int64_t s = sender_of(card), r = recipient_of(card);
	char token[TOKEN_CHARS + 1];
	token_of(card, token);
	struct blob sealed =
		sql_blob("SELECT email FROM postcard_recipients WHERE subject_id = $1", r);
	struct blob key = sql_blob("SELECT sealed_key FROM subject_keys WHERE subject_id = $1", r);
	assert_true(files_hold(&sealed) && files_hold(&key)); /* the check can see them */
	settle(card, delivered);
	assert_true(subject_gone(r));
	/* Not a byte of the sealed address or of its key in the files. */
	assert_false(files_hold(&sealed));
	assert_false(files_hold(&key));
	assert_true(sql_int(delivered ? "SELECT delivered_at FROM postcards WHERE id = $1"
				      : "SELECT failed_at FROM postcards WHERE id = $1",
			    card) > 0);
	assert_int_equal(sql_int(delivered ? "SELECT failed_at FROM postcards WHERE id = $1"
					   : "SELECT delivered_at FROM postcards WHERE id = $1",
				 card),
			 -1);
	/* The sender is told which, at their address, under their purpose, with
	 * no word of the recipient. */
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", s), 1);
	assert_string_equal(sql_texts("SELECT purpose FROM outbox WHERE subject_id = $1", s).v[0],
			    SENDING);
	char to[256], msg[8192];
	mail_of(s, 0, to, sizeof(to), msg, sizeof(msg));
	assert_string_equal(to, "sandy@example.org");
	assert_non_null(strstr(msg, delivered ? "Subject: Your e-postcard was delivered"
					      : "Subject: Your e-postcard could not be delivered"));
	assert_null(strstr(msg, "Robin"));
	assert_null(strstr(msg, "robin@example.net"));
	/* The card still shows; the other card's recipient is untouched. */
	struct postcard_view v;
	struct failure f;
	assert_int_equal(postcard_open(token, &v, &f), 0);
	postcard_view_release(&v);
	int64_t other = recipient_of(kept);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", other),
			 1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", other), 1);
}

static void test_nam05_recipient_erased_once_delivered(void **state)
{
	check_recipient_erased_on_settle(true);
}

static void test_nam05_recipient_erased_once_failed_for_good(void **state)
{
	check_recipient_erased_on_settle(false);
}

static void test_settle_hook_only_for_the_recipients_purpose(void **state)
{
	int64_t card = send(&card_in);
	int64_t r = recipient_of(card);
	/* Another feature's mail settling (same subject number or not) touches
	 * no card. */
	static const char *const others[] = {SENDING, "information_requests", "account", ""};
	for (size_t i = 0; i < ARRAY_LEN(others); i++) {
		postcard_mail_settled(r, others[i], true);
		assert_int_equal(
			sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", r), 1);
	}
	postcard_mail_settled(r, NULL, true);
	assert_int_equal(
		sql_int("SELECT COUNT(*) FROM postcard_recipients WHERE subject_id = $1", r), 1);
	assert_int_equal(sql_int("SELECT delivered_at FROM postcards WHERE id = $1", card), -1);
	/* A store that fails leaves the recipient for the next try, whole. */
	sql_run("CREATE TRIGGER unit_fail BEFORE DELETE ON subject_keys BEGIN "
		"SELECT RAISE(ABORT, 'unit: no erasure'); END");
	postcard_mail_settled(r, DELIVERY, true);
	sql_run("DROP TRIGGER unit_fail");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", r), 1);
	assert_int_equal(sql_int("SELECT delivered_at FROM postcards WHERE id = $1", card), -1);
	assert_int_equal(
		sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", sender_of(card)), 0);
	postcard_mail_settled(r, DELIVERY, true);
	assert_true(subject_gone(r));
}

static void test_nam05_orphans_erased_at_start(void **state)
{
	int64_t gone = send(&card_in), waiting = send(&card_in);
	int64_t r = recipient_of(gone), w = recipient_of(waiting);
	struct blob sealed =
		sql_blob("SELECT email FROM postcard_recipients WHERE subject_id = $1", r);
	assert_true(files_hold(&sealed));
	/* The outbox settled the mail, and the process died before the hook. */
	struct store_val who[] = {SV_INT(r)};
	assert_int_equal(store_query(app.store, "DELETE FROM outbox WHERE subject_id = $1", who, 1,
				     NULL, NULL),
			 1);
	assert_int_equal(postcard_settle_orphans(), 0);
	assert_true(subject_gone(r));
	assert_false(files_hold(&sealed));
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", w), 1);
	assert_int_equal(
		sql_int("SELECT COUNT(*) FROM postcard_recipients WHERE subject_id = $1", w), 1);
	/* The sender's part stays: the card lives its 30 days. */
	assert_int_equal(
		sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", sender_of(gone)),
		1);
	assert_int_equal(postcard_settle_orphans(), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", w), 1);
}

/* ---- the link's end ---- */

static void test_report_ends_the_card_and_leaves_a_note_naming_no_one(void **state)
{
	int64_t card = send(&card_in);
	int64_t s = sender_of(card), r = recipient_of(card);
	int64_t sent = sql_int("SELECT created_at FROM postcards WHERE id = $1", card);
	char token[TOKEN_CHARS + 1];
	token_of(card, token);
	struct failure f;
	/* The store fails: the card stays as it was. */
	sql_run("CREATE TRIGGER unit_fail BEFORE INSERT ON postcard_reports BEGIN "
		"SELECT RAISE(ABORT, 'unit: no note'); END");
	assert_int_equal(postcard_report(token, &f), -1);
	assert_int_equal(f.err, ERR_STORE);
	sql_run("DROP TRIGGER unit_fail");
	assert_int_equal(count_rows("postcard_reports"), 0);
	struct postcard_view v;
	assert_int_equal(postcard_open(token, &v, &f), 0);
	postcard_view_release(&v);
	/* Reported while its mail still waits: both people go at once. */
	assert_int_equal(postcard_report(token, &f), 0);
	assert_true(subject_gone(s));
	assert_true(subject_gone(r));
	assert_int_equal(postcard_open(token, &v, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_POSTCARD);
	assert_int_equal(postcard_report(token, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_POSTCARD);
	assert_int_equal(count_rows("postcard_reports"), 1);
	json_t *list;
	assert_int_equal(postcard_reports_list(&list, &f), 0);
	assert_int_equal(json_array_size(list), 1);
	json_t *o = json_array_get(list, 0);
	assert_int_equal(json_object_size(o), 4);
	assert_string_equal(json_string_value(json_object_get(o, "card")), "roadster");
	assert_int_equal(json_integer_value(json_object_get(o, "sent_at")), sent);
	assert_true(json_integer_value(json_object_get(o, "reported_at")) >= sent);
	assert_true(json_is_integer(json_object_get(o, "id")));
	char *text = json_dumps(list, 0);
	for (size_t i = 0; i < ARRAY_LEN(typed); i++)
		assert_null(strstr(text, typed[i]));
	free(text);
	json_decref(list);
	/* Reported after its mail settled: the sender goes. */
	int64_t later = send(&card_in);
	token_of(later, token);
	settle(later, true);
	s = sender_of(later);
	assert_int_equal(postcard_report(token, &f), 0);
	assert_true(subject_gone(s));
	assert_int_equal(count_rows("postcard_reports"), 2);
}

static void test_link_gone_after_30_days_and_its_sender_erased(void **state)
{
	int64_t card = send(&card_in);
	int64_t s = sender_of(card), r = recipient_of(card);
	char token[TOKEN_CHARS + 1];
	token_of(card, token);
	int64_t ends = sql_int("SELECT ends_at FROM postcards WHERE id = $1", card);
	settle(card, true);
	/* Its 30 days over (the clock moved back by the card's life). */
	struct store_val back[] = {SV_INT(card), SV_INT(ends - POSTCARD_DAYS * DAY - 1)};
	assert_int_equal(store_query(app.store,
				     "UPDATE postcards SET ends_at = $2, created_at = $2 - 1 "
				     "WHERE id = $1",
				     back, 2, NULL, NULL),
			 1);
	struct postcard_view v;
	struct failure f;
	assert_int_equal(postcard_open(token, &v, &f), -1);
	assert_int_equal(f.err, ERR_POSTCARD_GONE);
	assert_int_equal(err_status(&f), 410);
	assert_string_equal(err_code(&f), "gone");
	assert_int_equal(postcard_report(token, &f), -1);
	assert_int_equal(f.err, ERR_POSTCARD_GONE);
	assert_int_equal(count_rows("postcard_reports"), 0);
	assert_true(subject_gone(r));
	assert_false(subject_gone(s));
	/* The retention pass then erases the sender. */
	assert_true(retention_run((int64_t)time(NULL)) >= 1);
	assert_true(subject_gone(s));
	assert_int_equal(postcard_open(token, &v, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_POSTCARD);
	/* A card marked reported is gone too. */
	int64_t other = send(&card_in);
	token_of(other, token);
	struct store_val mark[] = {SV_INT(other)};
	assert_int_equal(store_query(app.store,
				     "UPDATE postcards SET reported_at = 1 WHERE id = $1", mark, 1,
				     NULL, NULL),
			 1);
	assert_int_equal(postcard_open(token, &v, &f), -1);
	assert_int_equal(f.err, ERR_POSTCARD_GONE);
}

static void test_erased_sender_no_card(void **state)
{
	int64_t card = send(&card_in);
	char token[TOKEN_CHARS + 1];
	token_of(card, token);
	struct store_val who[] = {SV_INT(sender_of(card))};
	assert_int_equal(store_query(app.store, "DELETE FROM subject_keys WHERE subject_id = $1",
				     who, 1, NULL, NULL),
			 1);
	struct postcard_view v;
	struct failure f;
	assert_int_equal(postcard_open(token, &v, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_POSTCARD);
	assert_int_equal(err_status(&f), 404);
	assert_null(v.text[POSTCARD_FROM_NAME].p);
}

/* ---- not offered ---- */

static void check_not_offered(const char *token, int64_t orphan)
{
	assert_false(postcard_offered());
	struct failure f;
	int64_t id = 0;
	int64_t subjects = count_rows("subjects");
	assert_int_equal(postcard_send(&card_in, &id, &f), -1);
	assert_int_equal(f.err, ERR_NO_POSTCARDS);
	assert_int_equal(err_status(&f), 404);
	assert_string_equal(err_code(&f), "not_found");
	assert_int_equal(count_rows("subjects"), subjects);
	struct postcard_view v;
	assert_int_equal(postcard_open(token, &v, &f), -1);
	assert_int_equal(f.err, ERR_NO_POSTCARDS);
	assert_int_equal(postcard_report(token, &f), -1);
	assert_int_equal(f.err, ERR_NO_POSTCARDS);
	assert_int_equal(count_rows("postcard_reports"), 0);
	json_t *list = NULL;
	assert_int_equal(postcard_reports_list(&list, &f), -1);
	assert_int_equal(f.err, ERR_NO_POSTCARDS);
	assert_null(list);
	/* Nothing to settle under a profile without the points. */
	assert_int_equal(postcard_settle_orphans(), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", orphan),
			 1);
}

/* The bundled profile without one of its two points, written beside the
 * database: the block from "  - id: <point> " up to the next item. */
static const char *profile_without(const char *point, char *path, size_t max)
{
	FILE *in = fopen("profiles/north-american-motoring.yaml", "r");
	assert_non_null(in);
	snprintf(path, max, "%s/without-%s.yaml", fixture_dir, point);
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	char line[1024], head[128];
	snprintf(head, sizeof(head), "  - id: %s ", point);
	bool skipping = false, skipped = false;
	while (fgets(line, sizeof(line), in)) {
		if (skipping &&
		    (strncmp(line, "  - ", 4) == 0 || (line[0] != ' ' && line[0] != '\n')))
			skipping = false;
		if (strncmp(line, head, strlen(head)) == 0)
			skipping = skipped = true;
		if (!skipping)
			fputs(line, out);
	}
	fclose(in);
	fclose(out);
	assert_true(skipped);
	return path;
}

static void test_not_offered_without_both_points(void **state)
{
	int64_t card = send(&card_in);
	char token[TOKEN_CHARS + 1];
	token_of(card, token);
	int64_t r = recipient_of(card);
	struct store_val who[] = {SV_INT(r)};
	assert_int_equal(store_query(app.store, "DELETE FROM outbox WHERE subject_id = $1", who, 1,
				     NULL, NULL),
			 1);
	struct policy *bundled = app.policy;
	struct policy_diags d = {0};
	app.policy = policy_load_bundled(NO_POSTCARDS_PROFILE, &d);
	assert_non_null(app.policy);
	check_not_offered(token, r);
	policy_free(app.policy);
	/* One of the two points is not enough. */
	static const char *const points[] = {"postcard", "postcard_sender"};
	for (size_t i = 0; i < ARRAY_LEN(points); i++) {
		char path[192];
		d = (struct policy_diags){0};
		app.policy = policy_load_file(profile_without(points[i], path, sizeof(path)), &d);
		assert_non_null(app.policy);
		assert_true(policy_collection_index(app.policy, points[1 - i]) >= 0);
		assert_true(policy_collection_index(app.policy, points[i]) < 0);
		check_not_offered(token, r);
		policy_free(app.policy);
	}
	app.policy = bundled;
	assert_true(postcard_offered());
	struct postcard_view v;
	struct failure f;
	assert_int_equal(postcard_open(token, &v, &f), 0);
	postcard_view_release(&v);
}

int main(void)
{
	mem_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_people_sealed_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recipients_one_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_token_kept_as_its_keyed_hash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusals_keep_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_limit_per_address_in_its_normal_form,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_send_leaves_nothing_half_written, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_members_card_under_their_account_and_the_recipient_out_of_reach, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_nam05_recipient_erased_once_delivered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nam05_recipient_erased_once_failed_for_good,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_hook_only_for_the_recipients_purpose,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_nam05_orphans_erased_at_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_report_ends_the_card_and_leaves_a_note_naming_no_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_gone_after_30_days_and_its_sender_erased,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_erased_sender_no_card, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_offered_without_both_points, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
