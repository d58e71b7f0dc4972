/*
 * Unit tests of the requests family's domain (src/requests/request.c) on a
 * real SQLite store with the bundled north-american-motoring profile (and
 * mini-insiders for a site that takes no requests): the items staff
 * publish and each refusal of their checks; a request sealed under a
 * requester subject of its own, no value in clear in its row, its status
 * token kept only as its keyed hash; each required field refused with the
 * field named, and a refused or failed request leaving nothing behind (the
 * transaction rolled back); a member's known details filling in what they
 * left out; the queue without personal values; opening and deciding,
 * logged and refused to other roles, once; the carrier's hand-over queued
 * from the request's own row with name, postal address and phone only;
 * the requester erased by the retention pass 90 days after the request is
 * done and not before; and every function's "not offered" answer.
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
#include "record.h"
#include "request.h"
#include "retention.h"
#include "store.h"
#include "token.h"

#include "fixture.h"

#include <cmocka.h>

#define PROFILE		    "north-american-motoring"
#define NO_REQUESTS_PROFILE "mini-insiders"
#define STAFF_ID	    5151
#define DAY		    86400
#define RETENTION_DAYS	    90 /* the profile's "90d after_done" */

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
	char v[6][256];
};

static int texts_cb(void *ctx, const struct store_row *row)
{
	struct texts *t = ctx;
	for (size_t i = 0; i < row->ncols && i < 6; i++)
		snprintf(t->v[i], sizeof(t->v[i]), "%.*s",
			 row->cols[i].type == STORE_TEXT ? (int)row->cols[i].n : 0,
			 row->cols[i].type == STORE_TEXT ? (const char *)row->cols[i].p : "");
	return 0;
}

/* The text columns of the one row a query returns. */
static struct texts sql_texts(const char *sql, int64_t arg)
{
	struct texts t = {0};
	struct store_val p[] = {SV_INT(arg)};
	assert_int_equal(store_query(app.store, sql, p, 1, texts_cb, &t), 1);
	return t;
}

/* Whether any column (text or blob) of the rows a query returns holds needle. */
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

static bool rows_hold(const char *sql, int64_t arg, const void *needle, size_t len)
{
	struct find b = {needle, len, false};
	struct store_val p[] = {SV_INT(arg)};
	assert_true(store_query(app.store, sql, p, 1, find_cb, &b) >= 0);
	return b.found;
}

static const struct broker_actor fulfilment = {ACTOR_STAFF, STAFF_ID, "fulfilment", NULL};
static const struct broker_actor support = {ACTOR_STAFF, STAFF_ID + 1, "support", NULL};

static int64_t item(const char *kind, const char *title, bool active)
{
	struct request_item in = {0, kind, title, "A description.", active};
	int64_t id = 0;
	struct failure f;
	assert_int_equal(request_item_add(&in, &id, &f), 0);
	assert_true(id != 0);
	return id;
}

/* A full information request: every field the point collects. */
static const char *const full[REQUEST_NPARTS] = {
	[REQUEST_NAME] = "Rita Requester",
	[REQUEST_EMAIL] = "rita@example.org",
	[REQUEST_POSTAL_ADDRESS] = "12 Brochure Lane, Springfield",
	[REQUEST_PHONE] = "+1 555 0101",
	[REQUEST_DETAILS] = "The 1968 touring brochure, please.",
};

static int64_t ask(int64_t item_id, const char *const values[REQUEST_NPARTS], int64_t member)
{
	struct request_new in = {.item = item_id, .member = member};
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		in.value[i] = values[i];
	int64_t id = 0;
	struct failure f;
	assert_int_equal(request_create(&in, &id, &f), 0);
	assert_true(id != 0);
	return id;
}

static int64_t requester_of(int64_t request)
{
	return sql_int("SELECT subject_id FROM requests WHERE id = $1", request);
}

/* The nth queued mail of a subject (0: the first), opened under the subject's own key:
 * recipient into to, the message into msg. */
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

/* The status token in a requester's "we received your request" mail (the
 * text is quoted-printable: a soft line break may split the link). */
static void token_of(int64_t subject, char token[TOKEN_CHARS + 1])
{
	char to[256], msg[8192];
	mail_of(subject, 0, to, sizeof(to), msg, sizeof(msg));
	const char *p = strstr(msg, "/requests/status/");
	assert_non_null(p);
	p += strlen("/requests/status/");
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

static int64_t count_rows(const char *table)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return sql_int(sql, 0);
}

/* ---- what can be requested ---- */

static void test_items_checked_and_changed(void **state)
{
	struct failure f;
	int64_t id = 0;
	/* Only the two request points: another point of the profile is not one. */
	static const char *const bad_kinds[] = {"product_order", "contact", "nothing", ""};
	for (size_t i = 0; i < ARRAY_LEN(bad_kinds); i++) {
		struct request_item in = {0, bad_kinds[i], "T", "D", true};
		assert_int_equal(request_item_add(&in, &id, &f), -1);
		assert_int_equal(f.err, ERR_REQUEST_KIND);
		assert_int_equal(err_status(&f), 400);
	}
	struct request_item nokind = {0, NULL, "T", "D", true};
	assert_int_equal(request_item_add(&nokind, &id, &f), -1);
	assert_int_equal(f.err, ERR_REQUEST_KIND);
	struct request_item untitled = {0, "information_request", "", "D", true};
	assert_int_equal(request_item_add(&untitled, &id, &f), -1);
	assert_int_equal(f.err, ERR_REQUEST_ITEM_FIELD);
	assert_string_equal(err_field(&f), "title");
	untitled.title = NULL;
	assert_int_equal(request_item_add(&untitled, &id, &f), -1);
	assert_int_equal(f.err, ERR_REQUEST_ITEM_FIELD);
	assert_int_equal(count_rows("request_items"), 0);
	assert_false(request_form_offered());

	/* Published inactive: listed for staff, not for the public; no form. */
	int64_t a = item("information_request", "Touring brochure", false);
	int64_t b = item("material_registration", "Club run pack", true);
	assert_true(request_form_offered());
	json_t *list, *it;
	assert_int_equal(request_items_list(false, &list, &f), 0);
	assert_int_equal(json_array_size(list), 2);
	it = json_array_get(list, 0);
	if (json_integer_value(json_object_get(it, "id")) != a) /* same second: by id */
		it = json_array_get(list, 1);
	assert_int_equal(json_integer_value(json_object_get(it, "id")), a);
	assert_string_equal(json_string_value(json_object_get(it, "purpose")),
			    "information_requests");
	assert_string_equal(json_string_value(json_object_get(it, "purpose_label")),
			    "Answering information requests");
	assert_true(json_is_false(json_object_get(it, "active")));
	json_decref(list);
	assert_int_equal(request_items_list(true, &list, &f), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), b);
	json_decref(list);
	assert_int_equal(request_item_get(a, true, &it, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_ITEM);
	assert_int_equal(err_status(&f), 404);
	assert_int_equal(request_item_get(a, false, &it, &f), 0);
	assert_string_equal(json_string_value(json_object_get(it, "title")), "Touring brochure");
	json_decref(it);
	assert_int_equal(request_item_get(a + b, false, &it, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_ITEM);

	/* A change touches only what it gives. */
	struct request_item change = {a, NULL, NULL, "New words.", true};
	assert_int_equal(request_item_update(&change, true, &f), 0);
	assert_int_equal(request_item_get(a, true, &it, &f), 0);
	assert_string_equal(json_string_value(json_object_get(it, "title")), "Touring brochure");
	assert_string_equal(json_string_value(json_object_get(it, "description")), "New words.");
	assert_string_equal(json_string_value(json_object_get(it, "kind")), "information_request");
	json_decref(it);
	struct request_item off = {b, NULL, NULL, NULL, false};
	assert_int_equal(request_item_update(&off, false, &f), 0); /* active not given */
	assert_int_equal(sql_int("SELECT active FROM request_items WHERE id = $1", b), 1);
	assert_int_equal(request_item_update(&off, true, &f), 0);
	assert_int_equal(sql_int("SELECT active FROM request_items WHERE id = $1", b), 0);
	struct request_item blank = {a, NULL, "", NULL, false};
	assert_int_equal(request_item_update(&blank, false, &f), -1);
	assert_int_equal(f.err, ERR_REQUEST_ITEM_FIELD);
	assert_string_equal(err_field(&f), "title");
	struct request_item none = {a + b, NULL, "T", NULL, false};
	assert_int_equal(request_item_update(&none, false, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_ITEM);
}

static void test_item_whose_point_left_the_profile_cannot_be_asked_for(void **state)
{
	/* An item kept from a profile that had a point this one lacks. */
	sql_run("INSERT INTO request_items (id, kind, title, description, active, created_at) "
		"VALUES (77, 'old_point', 'Old', '', 1, 1)");
	struct failure f;
	json_t *list, *it;
	assert_int_equal(request_items_list(true, &list, &f), 0);
	assert_int_equal(json_array_size(list), 1);
	it = json_array_get(list, 0);
	assert_true(json_is_false(json_object_get(it, "active")));
	assert_true(json_is_null(json_object_get(it, "purpose")));
	json_decref(list);
	assert_int_equal(request_item_get(77, true, &it, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_ITEM);
	struct request_new in = {.item = 77};
	memcpy(in.value, full, sizeof(in.value));
	int64_t id;
	assert_int_equal(request_create(&in, &id, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_ITEM);
	assert_int_equal(count_rows("subjects"), 0);
}

/* ---- asking ---- */

static void test_request_sealed_under_a_requester_of_its_own(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t a = ask(it, full, 0), b = ask(it, full, 0);
	int64_t sa = requester_of(a), sb = requester_of(b);
	assert_true(sa > 0 && sb > 0 && sa != sb);
	assert_string_equal(sql_texts("SELECT kind FROM subjects WHERE id = $1", sa).v[0],
			    "requester");
	assert_int_equal(sql_int("SELECT owner_id FROM subjects WHERE id = $1", sa), -1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", sa), 1);
	struct texts plain = sql_texts("SELECT collection, status FROM requests WHERE id = $1", a);
	assert_string_equal(plain.v[0], "information_request");
	assert_string_equal(plain.v[1], "open");
	assert_int_equal(sql_int("SELECT done_at FROM requests WHERE id = $1", a), -1);
	/* Nothing typed is in the row, nor in its mail's row, as it was typed. */
	for (size_t i = 0; i < REQUEST_NPARTS; i++) {
		assert_false(rows_hold("SELECT * FROM requests WHERE id = $1", a, full[i],
				       strlen(full[i])));
		assert_false(rows_hold("SELECT * FROM outbox WHERE subject_id = $1", sa, full[i],
				       strlen(full[i])));
	}
	/* The requester's own key opens it again, each field in its column. */
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	assert_int_equal(broker_open_access(c, sa, &g), 0);
	struct record_text t[REQUEST_NPARTS];
	assert_int_equal(record_read(c, g, "requests", a, request_part_names, REQUEST_NPARTS, t),
			 1);
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		assert_string_equal(t[i].p, full[i]);
	record_texts_release(t, REQUEST_NPARTS);
	broker_grant_free(g);
	/* Another requester's key does not open it. */
	assert_int_equal(broker_open_access(c, sb, &g), 0);
	assert_int_equal(record_read(c, g, "requests", a, request_part_names, 1, t), -1);
	broker_grant_free(g);
	store_release(c);
	/* One mail, to the address given, under the point's purpose. */
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", sa), 1);
	struct texts cats = sql_texts("SELECT purpose, address_category, content_category, status "
				      "FROM outbox WHERE subject_id = $1",
				      sa);
	assert_string_equal(cats.v[0], "information_requests");
	assert_string_equal(cats.v[1], "email");
	assert_string_equal(cats.v[2], "order_details");
	assert_string_equal(cats.v[3], "queued");
	char to[256], msg[8192];
	mail_of(sa, 0, to, sizeof(to), msg, sizeof(msg));
	assert_string_equal(to, "rita@example.org");
	assert_non_null(strstr(msg, "\r\nTo: <rita@example.org>\r\n"));
	assert_non_null(strstr(msg, "Touring brochure"));
	assert_null(strstr(msg, "12 Brochure Lane"));
}

static void test_status_token_kept_as_its_keyed_hash(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t a = ask(it, full, 0);
	char token[TOKEN_CHARS + 1];
	token_of(requester_of(a), token);
	unsigned char hash[TOKEN_HASH_BYTES];
	assert_true(token_hash(token, hash));
	/* The row holds the keyed hash and nowhere the token itself. */
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash))};
	assert_int_equal(store_query(app.store, "SELECT id FROM requests WHERE token_hash = $1",
				     key, 1, NULL, NULL),
			 1);
	assert_false(rows_hold("SELECT * FROM requests WHERE id = $1", a, token, TOKEN_CHARS));
	/* The status: the item, the state, the dates; nothing typed, no id. */
	json_t *st;
	struct failure f;
	assert_int_equal(request_status(token, &st, &f), 0);
	assert_null(json_object_get(st, "id"));
	assert_null(json_object_get(st, "fields"));
	assert_string_equal(json_string_value(json_object_get(st, "status")), "open");
	assert_true(json_is_null(json_object_get(st, "done_at")));
	assert_int_equal(json_array_size(json_object_get(st, "handovers")), 0);
	json_t *item_o = json_object_get(st, "item");
	assert_string_equal(json_string_value(json_object_get(item_o, "title")),
			    "Touring brochure");
	assert_string_equal(json_string_value(json_object_get(item_o, "kind")),
			    "information_request");
	char *text = json_dumps(st, 0);
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		assert_null(strstr(text, full[i]));
	free(text);
	json_decref(st);
	/* Opened again: the link is not used up. */
	assert_int_equal(request_status(token, &st, &f), 0);
	json_decref(st);
	/* Another well-formed token, a changed one, a malformed one. */
	char other[TOKEN_CHARS + 1];
	unsigned char other_hash[TOKEN_HASH_BYTES];
	token_new(other, other_hash);
	assert_int_equal(request_status(other, &st, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_REQUEST);
	assert_int_equal(err_status(&f), 404);
	assert_null(st);
	char changed[TOKEN_CHARS + 1];
	memcpy(changed, token, sizeof(changed));
	changed[0] = changed[0] == 'A' ? 'B' : 'A';
	assert_int_equal(request_status(changed, &st, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_REQUEST);
	static const char *const malformed[] = {"", "short", "not a token at all!"};
	for (size_t i = 0; i < ARRAY_LEN(malformed); i++) {
		assert_int_equal(request_status(malformed[i], &st, &f), -1);
		assert_int_equal(f.err, ERR_NO_SUCH_REQUEST);
	}
}

static void test_required_fields_refused_and_nothing_kept(void **state)
{
	int64_t info = item("information_request", "Touring brochure", true);
	int64_t material = item("material_registration", "Club run pack", true);
	struct {
		int64_t item;
		enum request_part left_out;
	} cases[] = {
		{info, REQUEST_NAME},
		{info, REQUEST_EMAIL},
		{info, REQUEST_DETAILS},
		{material, REQUEST_NAME},
		{material, REQUEST_POSTAL_ADDRESS},
		{material, REQUEST_EMAIL},
		{material, REQUEST_DETAILS},
	};
	for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
		for (int empty_string = 0; empty_string < 2; empty_string++) {
			struct request_new in = {.item = cases[k].item};
			memcpy(in.value, full, sizeof(in.value));
			in.value[cases[k].left_out] = empty_string ? "" : NULL;
			int64_t id = 0;
			struct failure f;
			assert_int_equal(request_create(&in, &id, &f), -1);
			assert_int_equal(f.err, ERR_REQUEST_MISSING);
			assert_int_equal(err_status(&f), 400);
			assert_string_equal(err_code(&f), "missing_field");
			assert_string_equal(err_field(&f), request_part_names[cases[k].left_out]);
			assert_int_equal(id, 0);
		}
	}
	assert_int_equal(count_rows("requests"), 0);
	assert_int_equal(count_rows("subjects"), 0);
	assert_int_equal(count_rows("subject_keys"), 0);
	assert_int_equal(count_rows("outbox"), 0);
	/* Optional ones may be left out: an information request needs no
	 * address or phone. */
	const char *values[REQUEST_NPARTS];
	memcpy(values, full, sizeof(values));
	values[REQUEST_POSTAL_ADDRESS] = NULL;
	values[REQUEST_PHONE] = "";
	int64_t a = ask(info, values, 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM requests WHERE id = $1 AND postal_address "
				 "IS NULL AND phone IS NULL",
				 a),
			 1);
	/* No such item, an inactive item. */
	struct request_new in = {.item = info + material};
	memcpy(in.value, full, sizeof(in.value));
	int64_t id;
	struct failure f;
	assert_int_equal(request_create(&in, &id, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_ITEM);
	struct request_item off = {material, NULL, NULL, NULL, false};
	assert_int_equal(request_item_update(&off, true, &f), 0);
	in.item = material;
	assert_int_equal(request_create(&in, &id, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_ITEM);
	assert_int_equal(count_rows("requests"), 1);
}

static void test_failed_request_leaves_nothing_half_written(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	/* The mail cannot be queued: the store refuses the outbox's row after
	 * the subject, its key and the request were written. */
	sql_run("CREATE TRIGGER unit_no_mail BEFORE INSERT ON outbox BEGIN "
		"SELECT RAISE(ABORT, 'unit: no mail'); END");
	struct request_new in = {.item = it};
	memcpy(in.value, full, sizeof(in.value));
	int64_t id = 0;
	struct failure f;
	assert_int_equal(request_create(&in, &id, &f), -1);
	assert_int_equal(f.err, ERR_STORE);
	assert_int_equal(err_status(&f), 503);
	assert_int_equal(id, 0);
	assert_int_equal(count_rows("requests"), 0);
	assert_int_equal(count_rows("subjects"), 0);
	assert_int_equal(count_rows("subject_keys"), 0);
	assert_int_equal(count_rows("outbox"), 0);
	sql_run("DROP TRIGGER unit_no_mail");
	/* The mail cannot be built (an address no relay takes; the route's
	 * check stops it before): the store took every row, none stays. */
	in.value[REQUEST_EMAIL] = "not an address";
	assert_int_equal(request_create(&in, &id, &f), -1);
	assert_int_equal(f.err, ERR_STORE);
	assert_int_equal(id, 0);
	assert_int_equal(count_rows("requests"), 0);
	assert_int_equal(count_rows("subjects"), 0);
	assert_int_equal(count_rows("subject_keys"), 0);
	assert_int_equal(count_rows("outbox"), 0);
	/* And the request goes through once the store takes it. */
	int64_t a = ask(it, full, 0);
	assert_int_equal(count_rows("requests"), 1);
	assert_int_equal(
		sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", requester_of(a)), 1);
}

/* A member with a name, address, postal address and phone on the account. */
static int64_t member(void)
{
	static const char *const cats[] = {"name", "email", "postal_address", "phone",
					   "date_of_birth"};
	struct record_field row[] = {
		{"name", SV_TEXT("Mary Member")},
		{"email", SV_TEXT("mary@example.org")},
		{"postal_address", SV_TEXT("1 Account Road, Shelbyville")},
		{"phone", SV_TEXT("+1 555 0199")},
		{"date_of_birth", SV_TEXT("1970-02-01")},
		{"password_hash", SV_TEXT("not a hash")},
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

static void test_members_known_details_fill_in_what_they_left_out(void **state)
{
	int64_t it = item("material_registration", "Club run pack", true);
	int64_t m = member();
	/* Only the details of the request given; the rest from the account. */
	const char *values[REQUEST_NPARTS] = {
		[REQUEST_POSTAL_ADDRESS] = "9 Other Street", [REQUEST_DETAILS] = "Two packs."};
	int64_t a = ask(it, values, m);
	int64_t s = requester_of(a);
	assert_true(s != m);
	assert_int_equal(sql_int("SELECT owner_id FROM subjects WHERE id = $1", s), m);
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	assert_int_equal(broker_open_access(c, s, &g), 0);
	struct record_text t[REQUEST_NPARTS];
	assert_int_equal(record_read(c, g, "requests", a, request_part_names, REQUEST_NPARTS, t),
			 1);
	assert_string_equal(t[REQUEST_NAME].p, "Mary Member");
	assert_string_equal(t[REQUEST_EMAIL].p, "mary@example.org");
	assert_string_equal(t[REQUEST_POSTAL_ADDRESS].p, "9 Other Street"); /* theirs, as given */
	assert_string_equal(t[REQUEST_PHONE].p, "+1 555 0199");
	assert_string_equal(t[REQUEST_DETAILS].p, "Two packs.");
	record_texts_release(t, REQUEST_NPARTS);
	broker_grant_free(g);
	/* The member's export holds the request they own. */
	json_t *items = record_export(c, m);
	assert_non_null(items);
	char *text = json_dumps(items, 0);
	assert_non_null(strstr(text, "Two packs."));
	free(text);
	json_decref(items);
	store_release(c);
	/* Without a member, the same values are missing fields. */
	struct request_new in = {.item = it};
	memcpy(in.value, values, sizeof(in.value));
	int64_t id;
	struct failure f;
	assert_int_equal(request_create(&in, &id, &f), -1);
	assert_int_equal(f.err, ERR_REQUEST_MISSING);
	assert_string_equal(err_field(&f), "name");
	/* Closing the account erases the request it owns. */
	c = store_acquire(app.store);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(record_erase_subject(c, m), 0);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM requests WHERE id = $1", a), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", s), 0);
}

/* ---- the fulfilment queue ---- */

static bool queued(json_t *list, int64_t id, const char **status)
{
	size_t i;
	json_t *o;
	json_array_foreach (list, i, o) {
		if (json_integer_value(json_object_get(o, "id")) != id)
			continue;
		if (status)
			*status = json_string_value(json_object_get(o, "status"));
		return true;
	}
	return false;
}

static void test_queue_shows_no_personal_value(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t a = ask(it, full, 0), b = ask(it, full, 0);
	json_t *list;
	struct failure f;
	assert_int_equal(request_queue(false, &list, &f), 0);
	assert_int_equal(json_array_size(list), 2);
	char *text = json_dumps(list, 0);
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		assert_null(strstr(text, full[i]));
	free(text);
	size_t i;
	json_t *o;
	json_array_foreach (list, i, o) {
		assert_int_equal(json_object_size(o), 7);
		assert_int_equal(json_integer_value(json_object_get(o, "item")), it);
		assert_string_equal(json_string_value(json_object_get(o, "title")),
				    "Touring brochure");
		assert_string_equal(json_string_value(json_object_get(o, "status")), "open");
		assert_true(json_is_null(json_object_get(o, "done_at")));
	}
	json_decref(list);
	assert_int_equal(count_rows("access_log"), 0);
	/* The open ones oldest first; all of them newest first. */
	struct store_val older[] = {SV_INT(b)};
	assert_int_equal(
		store_query(app.store,
			    "UPDATE requests SET created_at = created_at - 100 WHERE id = $1",
			    older, 1, NULL, NULL),
		1);
	assert_int_equal(request_queue(false, &list, &f), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), b);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 1), "id")), a);
	json_decref(list);
	assert_int_equal(request_queue(true, &list, &f), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), a);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 1), "id")), b);
	json_decref(list);
	int h;
	assert_int_equal(
		request_decide(a, &fulfilment, REQUEST_REFUSED, "Out of print.", false, &h, &f), 0);
	const char *status;
	assert_int_equal(request_queue(false, &list, &f), 0);
	assert_false(queued(list, a, NULL));
	assert_true(queued(list, b, &status));
	json_decref(list);
	assert_int_equal(request_queue(true, &list, &f), 0);
	assert_true(queued(list, a, &status));
	assert_string_equal(status, "refused");
	assert_true(queued(list, b, NULL));
	json_decref(list);
}

static void test_opening_logged_and_refused_to_other_roles(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t a = ask(it, full, 0);
	json_t *o;
	struct failure f;
	assert_int_equal(request_open(a, &fulfilment, &o, &f), 0);
	json_t *fields = json_object_get(o, "fields");
	for (size_t i = 0; i < REQUEST_NPARTS; i++)
		assert_string_equal(
			json_string_value(json_object_get(fields, request_part_names[i])), full[i]);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), a);
	assert_string_equal(json_string_value(json_object_get(o, "status")), "open");
	json_decref(o);
	assert_int_equal(count_rows("access_log"), 1);
	struct texts last = sql_texts("SELECT role, purpose, action FROM access_log WHERE "
				      "subject_id = $1",
				      requester_of(a));
	assert_string_equal(last.v[0], "fulfilment");
	assert_string_equal(last.v[1], "information_requests");
	assert_string_equal(last.v[2], "read");
	/* A role without the request's purpose: refused, not logged. */
	assert_int_equal(request_open(a, &support, &o, &f), -1);
	assert_int_equal(f.err, ERR_REFUSED);
	assert_int_equal(err_status(&f), 403);
	assert_string_equal(err_code(&f), "role_lacks_purpose");
	assert_null(o);
	assert_int_equal(count_rows("access_log"), 1);
	/* Nothing else opens a requester: not the fulfilment role under a
	 * purpose of the account, not an admin under the account's. */
	static const char *const cats[] = {"name", "email"};
	static const struct broker_actor admin = {ACTOR_STAFF, STAFF_ID + 2, "admin", NULL};
	const struct broker_use uses[] = {
		{&fulfilment, requester_of(a), "account", cats, 2, "read"},
		{&admin, requester_of(a), "account", cats, 2, "read"},
		{&admin, requester_of(a), "information_requests", cats, 2, "read"},
	};
	struct store_conn *c = store_acquire(app.store);
	for (size_t i = 0; i < ARRAY_LEN(uses); i++) {
		struct broker_grant *g = NULL;
		enum decision_reason why;
		assert_int_equal(broker_open(c, &uses[i], &g, &why), -1);
		assert_null(g);
	}
	store_release(c);
	assert_int_equal(count_rows("access_log"), 1);
	/* No such request. */
	assert_int_equal(request_open(a + 1, &fulfilment, &o, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_REQUEST);
	assert_int_equal(err_status(&f), 404);
	/* A request whose point has left the profile. */
	struct store_val key[] = {SV_INT(a)};
	assert_int_equal(store_query(app.store,
				     "UPDATE requests SET collection = 'old_point' WHERE id = $1",
				     key, 1, NULL, NULL),
			 1);
	assert_int_equal(request_open(a, &fulfilment, &o, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_REQUEST);
}

static void test_decided_once_with_its_mail_in_the_same_transaction(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t a = ask(it, full, 0);
	int64_t s = requester_of(a);
	int h = -1;
	struct failure f;
	/* Refused to a role without the purpose: nothing changes, no mail. */
	assert_int_equal(request_decide(a, &support, REQUEST_FULFILLED, "No.", false, &h, &f), -1);
	assert_int_equal(f.err, ERR_REFUSED);
	assert_string_equal(err_code(&f), "role_lacks_purpose");
	assert_int_equal(h, 0);
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0], "open");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", s), 1);
	/* The mail cannot be queued: the decision is rolled back with it. */
	sql_run("CREATE TRIGGER unit_no_mail BEFORE INSERT ON outbox BEGIN "
		"SELECT RAISE(ABORT, 'unit: no mail'); END");
	assert_int_equal(request_decide(a, &fulfilment, REQUEST_FULFILLED, "Sent.", true, &h, &f),
			 -1);
	assert_int_equal(f.err, ERR_STORE);
	sql_run("DROP TRIGGER unit_no_mail");
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0], "open");
	assert_int_equal(sql_int("SELECT done_at FROM requests WHERE id = $1", a), -1);
	assert_int_equal(count_rows("handovers"), 0);
	/* The hand-over cannot be queued: neither the decision nor its mail stay. */
	sql_run("CREATE TRIGGER unit_no_handover BEFORE INSERT ON handover_fields BEGIN "
		"SELECT RAISE(ABORT, 'unit: no handover'); END");
	assert_int_equal(request_decide(a, &fulfilment, REQUEST_FULFILLED, "Sent.", true, &h, &f),
			 -1);
	assert_int_equal(f.err, ERR_STORE);
	sql_run("DROP TRIGGER unit_no_handover");
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0], "open");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", s), 1);
	assert_int_equal(count_rows("handovers"), 0);
	/* The mail cannot be built (a request without an address, as a
	 * profile with the address optional would leave it): nothing stays. */
	struct store_val row[] = {SV_INT(a)};
	sql_run("CREATE TABLE unit_keep AS SELECT id, email FROM requests");
	assert_int_equal(store_query(app.store, "UPDATE requests SET email = NULL WHERE id = $1",
				     row, 1, NULL, NULL),
			 1);
	assert_int_equal(request_decide(a, &fulfilment, REQUEST_FULFILLED, "Sent.", true, &h, &f),
			 -1);
	assert_int_equal(f.err, ERR_STORE);
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0], "open");
	assert_int_equal(sql_int("SELECT done_at FROM requests WHERE id = $1", a), -1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", s), 1);
	assert_int_equal(count_rows("handovers"), 0);
	sql_run("UPDATE requests SET email = (SELECT email FROM unit_keep WHERE unit_keep.id = "
		"requests.id)");
	sql_run("DROP TABLE unit_keep");
	/* Decided. */
	int64_t before = (int64_t)time(NULL);
	assert_int_equal(
		request_decide(a, &fulfilment, REQUEST_REFUSED, "Out of print.", false, &h, &f), 0);
	assert_int_equal(h, 0);
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0],
			    "refused");
	assert_true(sql_int("SELECT done_at FROM requests WHERE id = $1", a) >= before);
	assert_int_equal(sql_int("SELECT done_by FROM requests WHERE id = $1", a), STAFF_ID);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", s), 2);
	char to[256], msg[8192];
	mail_of(s, 1, to, sizeof(to), msg, sizeof(msg));
	assert_string_equal(to, "rita@example.org");
	assert_non_null(strstr(msg, "Subject: Your request was refused"));
	assert_non_null(strstr(msg, "Out of print."));
	assert_non_null(strstr(msg, "Hello Rita Requester,"));
	struct texts last = sql_texts("SELECT action FROM access_log WHERE subject_id = $1", s);
	assert_string_equal(last.v[0], "write");
	/* Once. */
	assert_int_equal(request_decide(a, &fulfilment, REQUEST_FULFILLED, "Again.", true, &h, &f),
			 -1);
	assert_int_equal(f.err, ERR_REQUEST_DONE);
	assert_int_equal(err_status(&f), 409);
	assert_string_equal(err_code(&f), "request_done");
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0],
			    "refused");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", s), 2);
	assert_int_equal(count_rows("handovers"), 0);
	/* The status link shows it. */
	char token[TOKEN_CHARS + 1];
	token_of(s, token);
	json_t *st;
	assert_int_equal(request_status(token, &st, &f), 0);
	assert_string_equal(json_string_value(json_object_get(st, "status")), "refused");
	assert_true(json_is_integer(json_object_get(st, "done_at")));
	json_decref(st);
	/* No such request. */
	assert_int_equal(request_decide(a + 1, &fulfilment, REQUEST_FULFILLED, "", false, &h, &f),
			 -1);
	assert_int_equal(f.err, ERR_NO_SUCH_REQUEST);
}

static void test_erased_requester_is_gone(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t a = ask(it, full, 0);
	/* A requester without a data key: what a restored backup leaves before
	 * its keyless rows go. */
	struct store_val who[] = {SV_INT(requester_of(a))};
	assert_int_equal(store_query(app.store, "DELETE FROM subject_keys WHERE subject_id = $1",
				     who, 1, NULL, NULL),
			 1);
	json_t *o;
	struct failure f;
	assert_int_equal(request_open(a, &fulfilment, &o, &f), -1);
	assert_int_equal(f.err, ERR_ERASED);
	assert_int_equal(err_status(&f), 410);
	int h;
	assert_int_equal(request_decide(a, &fulfilment, REQUEST_FULFILLED, "x", true, &h, &f), -1);
	assert_int_equal(f.err, ERR_ERASED);
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0], "open");
	assert_int_equal(count_rows("handovers"), 0);
}

/* ---- NAM04: the carrier ---- */

/* The hand-over's fields, opened under the requester's own key. */
static void handed(int64_t subject, struct texts *cats, struct texts *values, size_t *n)
{
	*n = (size_t)sql_int("SELECT COUNT(*) FROM handover_fields WHERE subject_id = $1", subject);
	assert_true(*n <= 6);
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	assert_int_equal(broker_open_access(c, subject, &g), 0);
	for (size_t i = 0; i < *n; i++) {
		int64_t row = -2;
		struct store_val at[] = {SV_INT(subject), SV_INT((int64_t)i)};
		assert_int_equal(store_query(app.store,
					     "SELECT id FROM handover_fields WHERE subject_id = $1 "
					     "ORDER BY category LIMIT 1 OFFSET $2",
					     at, 2, int_cb, &row),
				 1);
		struct texts cat =
			sql_texts("SELECT category FROM handover_fields WHERE id = $1", row);
		snprintf(cats->v[i], sizeof(cats->v[i]), "%s", cat.v[0]);
		static const char *const col[] = {"field_value"};
		struct record_text t[1];
		assert_int_equal(record_read(c, g, "handover_fields", row, col, 1, t), 1);
		snprintf(values->v[i], sizeof(values->v[i]), "%s", t[0].p);
		record_texts_release(t, 1);
	}
	broker_grant_free(g);
	store_release(c);
}

static void test_nam04_carrier_gets_name_address_phone_from_the_requests_row(void **state)
{
	int64_t it = item("material_registration", "Club run pack", true);
	int64_t m = member();
	/* A member who gives other details for this request than the account's. */
	const char *values[REQUEST_NPARTS] = {
		[REQUEST_NAME] = "Mary M. (for the club)",
		[REQUEST_POSTAL_ADDRESS] = "7 Delivery Drive, Capital City",
		[REQUEST_PHONE] = "+1 555 0777",
		[REQUEST_DETAILS] = "Three packs for the spring run.",
	};
	int64_t a = ask(it, values, m);
	int64_t s = requester_of(a);
	int h = -1;
	struct failure f;
	assert_int_equal(
		request_decide(a, &fulfilment, REQUEST_FULFILLED, "On its way.", true, &h, &f), 0);
	assert_int_equal(h, 1);
	assert_int_equal(count_rows("handovers"), 1);
	struct texts ho = sql_texts("SELECT recipient, purpose, categories, reason, reference FROM "
				    "handovers WHERE subject_id = $1",
				    s);
	assert_string_equal(ho.v[0], REQUEST_CARRIER);
	assert_string_equal(ho.v[1], "material_registration");
	assert_string_equal(ho.v[2], "name,postal_address,phone");
	assert_string_equal(ho.v[3], "request_fulfilled");
	char reference[64];
	snprintf(reference, sizeof(reference), "{\"request\":%lld}", (long long)a);
	assert_string_equal(ho.v[4], reference);
	/* Nothing of the member's own account, nor the e-mail address or the
	 * details, is handed over: only the request's three fields, sealed. */
	assert_int_equal(sql_int("SELECT COUNT(*) FROM handovers WHERE subject_id = $1", m), 0);
	struct texts cats, vals;
	size_t n;
	handed(s, &cats, &vals, &n);
	assert_int_equal(n, 3);
	assert_string_equal(cats.v[0], "name");
	assert_string_equal(vals.v[0], "Mary M. (for the club)");
	assert_string_equal(cats.v[1], "phone");
	assert_string_equal(vals.v[1], "+1 555 0777");
	assert_string_equal(cats.v[2], "postal_address");
	assert_string_equal(vals.v[2], "7 Delivery Drive, Capital City");
	static const char *const never[] = {"mary@example.org", "Three packs", "Mary Member",
					    "1 Account Road", "+1 555 0199"};
	for (size_t i = 0; i < ARRAY_LEN(never); i++) {
		for (size_t k = 0; k < n; k++)
			assert_null(strstr(vals.v[k], never[i]));
	}
	for (size_t i = 0; i < 3; i++)
		assert_false(rows_hold("SELECT * FROM handover_fields WHERE subject_id = $1", s,
				       vals.v[i], strlen(vals.v[i])));
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0],
			    "fulfilled");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", s), 2);
}

static void test_carrier_only_when_fulfilled_by_carrier(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t a = ask(it, full, 0), b = ask(it, full, 0);
	int h = -1;
	struct failure f;
	assert_int_equal(request_decide(a, &fulfilment, REQUEST_REFUSED, "", true, &h, &f), 0);
	assert_int_equal(h, 0);
	assert_int_equal(request_decide(b, &fulfilment, REQUEST_FULFILLED, "", false, &h, &f), 0);
	assert_int_equal(h, 0);
	assert_int_equal(count_rows("handovers"), 0);
	assert_int_equal(count_rows("handover_fields"), 0);
	/* Fulfilled by post without an address or a phone: the name alone. */
	const char *values[REQUEST_NPARTS];
	memcpy(values, full, sizeof(values));
	values[REQUEST_POSTAL_ADDRESS] = values[REQUEST_PHONE] = NULL;
	int64_t c = ask(it, values, 0);
	assert_int_equal(request_decide(c, &fulfilment, REQUEST_FULFILLED, "", true, &h, &f), 0);
	assert_int_equal(h, 1);
	assert_string_equal(
		sql_texts("SELECT categories FROM handovers WHERE subject_id = $1", requester_of(c))
			.v[0],
		"name");
}

/* ---- NAM05: erased after its retention ---- */

static void test_nam05_requester_erased_90_days_after_done_and_not_before(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t done = ask(it, full, 0), open = ask(it, full, 0);
	int64_t sd = requester_of(done), so = requester_of(open);
	char token[TOKEN_CHARS + 1];
	token_of(sd, token);
	int h;
	struct failure f;
	assert_int_equal(
		request_decide(done, &fulfilment, REQUEST_FULFILLED, "Sent.", true, &h, &f), 0);
	int64_t at = sql_int("SELECT done_at FROM requests WHERE id = $1", done);
	/* A day short of it: kept. */
	assert_true(retention_run(at + (RETENTION_DAYS - 1) * DAY) >= 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM requests WHERE id = $1", done), 1);
	json_t *st;
	assert_int_equal(request_status(token, &st, &f), 0);
	json_decref(st);
	/* Past it: the requester, the data key, the mail and the hand-over go;
	 * the open request stays, however old. */
	assert_true(retention_run(at + (RETENTION_DAYS + 1) * DAY) >= 1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM requests WHERE id = $1", done), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subjects WHERE id = $1", sd), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", sd), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", sd), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM handover_fields WHERE subject_id = $1", sd),
			 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM requests WHERE id = $1", open), 1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", so), 1);
	assert_int_equal(request_status(token, &st, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_REQUEST);
	json_t *o;
	assert_int_equal(request_open(done, &fulfilment, &o, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_REQUEST);
	assert_true(retention_run(at + 10 * RETENTION_DAYS * DAY) >= 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM requests WHERE id = $1", open), 1);
	assert_int_equal(request_open(open, &fulfilment, &o, &f), 0);
	json_decref(o);
}

/* ---- not offered ---- */

static void test_not_offered_without_the_points(void **state)
{
	int64_t it = item("information_request", "Touring brochure", true);
	int64_t a = ask(it, full, 0);
	char token[TOKEN_CHARS + 1];
	token_of(requester_of(a), token);
	int64_t subjects = count_rows("subjects"), items = count_rows("request_items");
	struct policy_diags d = {0};
	struct policy *bundled = app.policy;
	app.policy = policy_load_bundled(NO_REQUESTS_PROFILE, &d);
	assert_non_null(app.policy);
	assert_false(request_offered());
	assert_false(request_form_offered());
	for (size_t i = 0; i < request_points_count; i++)
		assert_false(request_kind_ok(request_points[i]));
	struct failure f;
	json_t *j = NULL;
	int64_t id = 0;
	int h = -1;
#define NOT_OFFERED(call)                                                                          \
	do {                                                                                       \
		f = (struct failure){0};                                                           \
		assert_int_equal((call), -1);                                                      \
		assert_int_equal(f.err, ERR_NO_REQUESTS);                                          \
		assert_int_equal(err_status(&f), 404);                                             \
		assert_string_equal(err_code(&f), "not_found");                                    \
	} while (0)
	NOT_OFFERED(request_items_list(false, &j, &f));
	assert_null(j);
	NOT_OFFERED(request_item_get(it, false, &j, &f));
	assert_null(j);
	struct request_item in = {0, "information_request", "T", "D", true};
	NOT_OFFERED(request_item_add(&in, &id, &f));
	in.id = it;
	NOT_OFFERED(request_item_update(&in, true, &f));
	struct request_new rn = {.item = it};
	memcpy(rn.value, full, sizeof(rn.value));
	NOT_OFFERED(request_create(&rn, &id, &f));
	NOT_OFFERED(request_status(token, &j, &f));
	assert_null(j);
	NOT_OFFERED(request_queue(true, &j, &f));
	assert_null(j);
	NOT_OFFERED(request_open(a, &fulfilment, &j, &f));
	assert_null(j);
	NOT_OFFERED(request_decide(a, &fulfilment, REQUEST_FULFILLED, "", true, &h, &f));
	assert_int_equal(h, 0);
#undef NOT_OFFERED
	assert_int_equal(count_rows("subjects"), subjects);
	assert_int_equal(count_rows("request_items"), items);
	assert_string_equal(sql_texts("SELECT status FROM requests WHERE id = $1", a).v[0], "open");
	assert_int_equal(count_rows("access_log"), 0);
	policy_free(app.policy);
	app.policy = bundled;
	assert_true(request_offered());
	assert_true(request_kind_ok("information_request"));
	assert_true(request_kind_ok("material_registration"));
	assert_false(request_kind_ok(NULL));
}

int main(void)
{
	mem_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_items_checked_and_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_item_whose_point_left_the_profile_cannot_be_asked_for, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_request_sealed_under_a_requester_of_its_own,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_token_kept_as_its_keyed_hash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_required_fields_refused_and_nothing_kept,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_request_leaves_nothing_half_written,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_members_known_details_fill_in_what_they_left_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_shows_no_personal_value, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_opening_logged_and_refused_to_other_roles,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_decided_once_with_its_mail_in_the_same_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erased_requester_is_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_nam04_carrier_gets_name_address_phone_from_the_requests_row, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_carrier_only_when_fulfilled_by_carrier, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_nam05_requester_erased_90_days_after_done_and_not_before, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_not_offered_without_the_points, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
