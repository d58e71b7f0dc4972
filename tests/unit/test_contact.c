/*
 * Unit tests of the contact family's domain (src/contact/contact.c) on a
 * real SQLite store with the bundled north-american-motoring profile:
 * storing a message under a sender subject of its own, sealed; the refusal
 * when the profile has no contact point; the desk's listing without any
 * personal value; opening a message as staff, logged, and refused to a
 * role without the purpose; answering once, with the reply queued to the
 * return address and nowhere else in the same transaction; a sender whose
 * key is gone (410); and a message written by a signed-in member erased
 * with the member (ALL02, from subjects.owner_id).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "boot.h"
#include "broker.h"
#include "config.h"
#include "contact.h"
#include "crypto.h"
#include "mem.h"
#include "policy.h"
#include "record.h"
#include "store.h"

#include "fixture.h"

#include <cmocka.h>

#define PROFILE		   "north-american-motoring"
#define NO_CONTACT_PROFILE "tests/profiles/good-minimal.yaml"
#define STAFF_ID	   4242

static int setup(void **state)
{
	if (fixture_open(PROFILE) != 0)
		return -1;
	return 0;
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

struct texts {
	char v[4][128];
};

static int texts_cb(void *ctx, const struct store_row *row)
{
	struct texts *t = ctx;
	for (size_t i = 0; i < row->ncols && i < 4; i++)
		snprintf(t->v[i], sizeof(t->v[i]), "%s",
			 row->cols[i].type == STORE_TEXT ? (const char *)row->cols[i].p : "");
	return 0;
}

/* Whether a blob column of a row holds needle anywhere. */
struct blob_find {
	const char *needle;
	bool found;
};

static int blob_cb(void *ctx, const struct store_row *row)
{
	struct blob_find *b = ctx;
	for (size_t i = 0; i < row->ncols; i++)
		if (row->cols[i].type == STORE_BLOB &&
		    memmem(row->cols[i].p, row->cols[i].n, b->needle, strlen(b->needle)))
			b->found = true;
	return 0;
}

static int64_t message(const char *email, const char *topic, const char *text, int64_t owner)
{
	struct contact_new in = {email, topic, text, owner};
	int64_t id = 0;
	struct failure f;
	assert_int_equal(contact_create(&in, &id, &f), 0);
	assert_true(id != 0);
	return id;
}

static int64_t sender_of(int64_t id)
{
	return sql_int("SELECT subject_id FROM contact_messages WHERE id = $1", id);
}

static const struct broker_actor support = {ACTOR_STAFF, STAFF_ID, "support", NULL};
static const struct broker_actor editor = {ACTOR_STAFF, STAFF_ID + 1, "editor", NULL};

static int64_t access_entries(void)
{
	return sql_int("SELECT COUNT(*) FROM access_log", 0);
}

/* ---- storing ---- */

static void test_message_stored_sealed_under_a_sender_of_its_own(void **state)
{
	int64_t a = message("ann@example.org", "Club run", "When does it start?", 0);
	int64_t b = message("ann@example.org", "Again", "A second one.", 0);
	int64_t sa = sender_of(a), sb = sender_of(b);
	assert_true(sa > 0 && sb > 0 && sa != sb);
	struct texts kind = {0};
	struct store_val who[] = {SV_INT(sa)};
	assert_int_equal(store_query(app.store, "SELECT kind FROM subjects WHERE id = $1", who, 1,
				     texts_cb, &kind),
			 1);
	assert_string_equal(kind.v[0], "requester");
	assert_int_equal(sql_int("SELECT owner_id FROM subjects WHERE id = $1", sa), -1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", sa), 1);
	/* Nothing typed is in the row as it was typed. */
	static const char *const typed[] = {"ann@example.org", "Club run", "When does it start?"};
	for (size_t i = 0; i < 3; i++) {
		struct blob_find bf = {typed[i], false};
		struct store_val id[] = {SV_INT(a)};
		store_query(app.store, "SELECT * FROM contact_messages WHERE id = $1", id, 1,
			    blob_cb, &bf);
		assert_false(bf.found);
	}
	/* The sender's own grant opens it again. */
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	assert_int_equal(broker_open_access(c, sa, &g), 0);
	static const char *const cols[] = {"email", "topic", "body", "answer"};
	struct record_text t[4];
	assert_int_equal(record_read(c, g, "contact_messages", a, cols, 4, t), 1);
	assert_string_equal(t[0].p, "ann@example.org");
	assert_string_equal(t[1].p, "Club run");
	assert_string_equal(t[2].p, "When does it start?");
	assert_null(t[3].p);
	record_texts_release(t, 4);
	broker_grant_free(g);
	store_release(c);
}

static void test_no_contact_point_no_message(void **state)
{
	struct policy_diags d = {0};
	struct policy *bundled = app.policy;
	app.policy = policy_load_file(NO_CONTACT_PROFILE, &d);
	assert_non_null(app.policy);
	assert_null(contact_purpose());
	int64_t subjects = sql_int("SELECT COUNT(*) FROM subjects", 0);
	struct contact_new in = {"a@example.org", "t", "m", 0};
	int64_t id = 0;
	struct failure f;
	assert_int_equal(contact_create(&in, &id, &f), -1);
	assert_int_equal(f.err, ERR_NO_CONTACT);
	assert_int_equal(err_status(&f), 404);
	assert_string_equal(err_code(&f), "not_found");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM contact_messages", 0), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subjects", 0), subjects);
	json_t *list;
	assert_int_equal(contact_list(CONTACT_ALL, &list, &f), -1);
	assert_int_equal(f.err, ERR_NO_CONTACT);
	struct contact_message m;
	assert_int_equal(contact_open(1, &support, &m, &f), -1);
	assert_int_equal(f.err, ERR_NO_CONTACT);
	int64_t at;
	assert_int_equal(contact_answer(1, &support, "x", &at, &f), -1);
	assert_int_equal(f.err, ERR_NO_CONTACT);
	policy_free(app.policy);
	app.policy = bundled;
}

/* ---- the desk ---- */

static bool listed(json_t *list, int64_t id, bool *answered)
{
	size_t i;
	json_t *o;
	json_array_foreach (list, i, o) {
		if (json_integer_value(json_object_get(o, "id")) != id)
			continue;
		if (answered)
			*answered = !json_is_null(json_object_get(o, "answered_at"));
		return true;
	}
	return false;
}

static void test_listing_shows_no_personal_value(void **state)
{
	int64_t a = message("list-a@example.org", "Topic A", "Text A", 0);
	int64_t b = message("list-b@example.org", "Topic B", "Text B", 0);
	json_t *list;
	struct failure f;
	assert_int_equal(contact_list(CONTACT_WAITING, &list, &f), 0);
	assert_true(listed(list, a, NULL) && listed(list, b, NULL));
	char *text = json_dumps(list, 0);
	static const char *const personal[] = {"list-a@example.org", "Topic A", "Text A",
					       "list-b@example.org", "Topic B", "Text B"};
	for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
		assert_null(strstr(text, personal[i]));
	free(text);
	size_t i;
	json_t *o;
	json_array_foreach (list, i, o) {
		assert_int_equal(json_object_size(o), 3);
		assert_true(json_is_integer(json_object_get(o, "id")));
		assert_true(json_is_integer(json_object_get(o, "created_at")));
		assert_true(json_is_null(json_object_get(o, "answered_at")));
	}
	json_decref(list);
	/* Listing opened nothing: no access was logged. */
	assert_int_equal(access_entries(), 0);
	/* Answered, a message leaves the waiting list and stays in "all". */
	int64_t at;
	assert_int_equal(contact_answer(a, &support, "Done.", &at, &f), 0);
	assert_int_equal(contact_list(CONTACT_WAITING, &list, &f), 0);
	assert_false(listed(list, a, NULL));
	assert_true(listed(list, b, NULL));
	json_decref(list);
	bool answered = false;
	assert_int_equal(contact_list(CONTACT_ALL, &list, &f), 0);
	assert_true(listed(list, a, &answered) && answered);
	assert_true(listed(list, b, &answered) && !answered);
	assert_true(json_array_size(list) <= CONTACT_LIST_MAX);
	json_decref(list);
}

static void test_opening_is_logged_and_refused_to_other_roles(void **state)
{
	int64_t a = message("open@example.org", "Open me", "The text.", 0);
	int64_t before = access_entries();
	struct contact_message m;
	struct failure f;
	assert_int_equal(contact_open(a, &support, &m, &f), 0);
	assert_int_equal(m.id, a);
	assert_true(m.created_at > 0);
	assert_int_equal(m.answered_at, 0);
	assert_string_equal(m.text[CONTACT_EMAIL].p, "open@example.org");
	assert_string_equal(m.text[CONTACT_TOPIC].p, "Open me");
	assert_string_equal(m.text[CONTACT_BODY].p, "The text.");
	assert_null(m.text[CONTACT_ANSWER].p);
	contact_message_release(&m);
	assert_int_equal(access_entries(), before + 1);
	struct texts last = {0};
	assert_true(store_query(app.store,
				"SELECT role, purpose, action, actor_kind FROM access_log "
				"ORDER BY seq DESC LIMIT 1",
				NULL, 0, texts_cb, &last) == 1);
	assert_string_equal(last.v[0], "support");
	assert_string_equal(last.v[1], "answering_messages");
	assert_string_equal(last.v[2], "read");
	assert_int_equal(sql_int("SELECT subject_id FROM access_log ORDER BY seq DESC LIMIT 1", 0),
			 sender_of(a));
	assert_int_equal(sql_int("SELECT actor_id FROM access_log ORDER BY seq DESC LIMIT 1", 0),
			 STAFF_ID);
	/* A role without the purpose: refused with the broker's reason, not logged. */
	assert_int_equal(contact_open(a, &editor, &m, &f), -1);
	assert_int_equal(f.err, ERR_REFUSED);
	assert_int_equal(err_status(&f), 403);
	assert_string_equal(err_code(&f), "role_lacks_purpose");
	assert_int_equal(access_entries(), before + 1);
	/* No such message. */
	assert_int_equal(contact_open(a + 1, &support, &m, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_MESSAGE);
	assert_int_equal(err_status(&f), 404);
}

static void test_answered_once(void **state)
{
	int64_t a = message("once@example.org", "Once", "Answer me once.", 0);
	int64_t at = 0;
	struct failure f;
	/* Refused to a role without the purpose: nothing changes, nothing queued. */
	assert_int_equal(contact_answer(a, &editor, "No.", &at, &f), -1);
	assert_string_equal(err_code(&f), "role_lacks_purpose");
	assert_int_equal(sql_int("SELECT answered_at FROM contact_messages WHERE id = $1", a), -1);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox", 0), 0);
	assert_int_equal(contact_answer(a, &support, "The answer.", &at, &f), 0);
	assert_true(at > 0);
	assert_int_equal(sql_int("SELECT answered_at FROM contact_messages WHERE id = $1", a), at);
	assert_int_equal(sql_int("SELECT answered_by FROM contact_messages WHERE id = $1", a),
			 STAFF_ID);
	/* The answer is sealed with the message. */
	struct blob_find bf = {"The answer.", false};
	struct store_val id[] = {SV_INT(a)};
	store_query(app.store, "SELECT * FROM contact_messages WHERE id = $1", id, 1, blob_cb, &bf);
	assert_false(bf.found);
	int64_t again;
	assert_int_equal(contact_answer(a, &support, "Twice.", &again, &f), -1);
	assert_int_equal(f.err, ERR_ALREADY_ANSWERED);
	assert_int_equal(err_status(&f), 409);
	assert_string_equal(err_code(&f), "already_answered");
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox", 0), 1);
	struct contact_message m;
	assert_int_equal(contact_open(a, &support, &m, &f), 0);
	assert_string_equal(m.text[CONTACT_ANSWER].p, "The answer.");
	assert_int_equal(m.answered_at, at);
	contact_message_release(&m);
	assert_int_equal(contact_answer(a + 1, &support, "x", &again, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_MESSAGE);
}

static void test_answer_queued_to_the_return_address_only(void **state)
{
	int64_t a = message("reply-to@example.org", "Parking", "Where do we park?", 0);
	int64_t other = message("bystander@example.org", "Other", "Not answered.", 0);
	int64_t at;
	struct failure f;
	assert_int_equal(contact_answer(a, &support, "Behind the clubhouse.", &at, &f), 0);
	/* One message, for the sender and nobody else, under the desk's purpose. */
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox", 0), 1);
	int64_t row = sql_int("SELECT id FROM outbox", 0);
	assert_int_equal(sql_int("SELECT subject_id FROM outbox WHERE id = $1", row), sender_of(a));
	assert_int_equal(
		sql_int("SELECT COUNT(*) FROM outbox WHERE subject_id = $1", sender_of(other)), 0);
	struct texts cats = {0};
	struct store_val key[] = {SV_INT(row)};
	assert_int_equal(store_query(app.store,
				     "SELECT purpose, address_category, content_category, status "
				     "FROM outbox WHERE id = $1",
				     key, 1, texts_cb, &cats),
			 1);
	assert_string_equal(cats.v[0], "answering_messages");
	assert_string_equal(cats.v[1], "contact_return_address");
	assert_string_equal(cats.v[2], "message");
	assert_string_equal(cats.v[3], "queued");
	/* Opened as the sender: the address and a message with no other recipient. */
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	assert_int_equal(broker_open_access(c, sender_of(a), &g), 0);
	static const char *const cols[] = {"recipient", "message"};
	struct record_text t[2];
	assert_int_equal(record_read(c, g, "outbox", row, cols, 2, t), 1);
	assert_string_equal(t[0].p, "reply-to@example.org");
	assert_non_null(strstr(t[1].p, "\r\nTo: <reply-to@example.org>\r\n"));
	assert_non_null(strstr(t[1].p, "Subject: Re: Parking"));
	assert_non_null(strstr(t[1].p, "Behind the clubhouse."));
	assert_null(strstr(t[1].p, "\r\nCc:"));
	assert_null(strstr(t[1].p, "\r\nBcc:"));
	assert_null(strstr(t[1].p, "bystander@example.org"));
	record_texts_release(t, 2);
	broker_grant_free(g);
	store_release(c);
}

static void test_erased_sender_is_gone(void **state)
{
	int64_t a = message("gone@example.org", "Gone", "Erased since.", 0);
	/* A sender without a data key: the state a restored backup leaves
	 * before its keyless rows are removed. */
	struct store_val who[] = {SV_INT(sender_of(a))};
	assert_int_equal(store_query(app.store, "DELETE FROM subject_keys WHERE subject_id = $1",
				     who, 1, NULL, NULL),
			 1);
	struct contact_message m;
	struct failure f;
	assert_int_equal(contact_open(a, &support, &m, &f), -1);
	assert_int_equal(f.err, ERR_ERASED);
	assert_int_equal(err_status(&f), 410);
	assert_string_equal(err_code(&f), "erased");
	int64_t at;
	assert_int_equal(contact_answer(a, &support, "Too late.", &at, &f), -1);
	assert_int_equal(f.err, ERR_ERASED);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM outbox", 0), 0);
	assert_int_equal(sql_int("SELECT answered_at FROM contact_messages WHERE id = $1", a), -1);
}

/* ---- ALL02: a signed-in member's message goes with the account ---- */

static int64_t member(void)
{
	static const char *const cats[] = {"name"};
	const char *purpose = policy_collection_purpose(app.policy, "member_registration");
	assert_non_null(purpose);
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g;
	enum decision_reason why;
	int64_t id;
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(broker_subject_new(c, "member", purpose, cats, 1, 0, &id, &g, &why), 0);
	assert_int_equal(store_commit(c), 0);
	broker_grant_free(g);
	store_release(c);
	return id;
}

static void test_owned_message_erased_with_its_owner(void **state)
{
	int64_t m = member();
	int64_t owned = message("member@example.org", "Mine", "Written signed in.", m);
	int64_t kept = message("member@example.org", "Not mine", "Written signed out.", 0);
	int64_t sender = sender_of(owned);
	assert_int_equal(sql_int("SELECT owner_id FROM subjects WHERE id = $1", sender), m);
	/* The member's export holds the message they wrote. */
	struct store_conn *c = store_acquire(app.store);
	json_t *items = record_export(c, m);
	assert_non_null(items);
	char *text = json_dumps(items, 0);
	assert_non_null(strstr(text, "Written signed in."));
	assert_null(strstr(text, "Written signed out."));
	free(text);
	json_decref(items);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(record_erase_subject(c, m), 0);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM contact_messages WHERE id = $1", owned), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subjects WHERE id = $1", sender), 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1", sender),
			 0);
	assert_int_equal(sql_int("SELECT COUNT(*) FROM contact_messages WHERE id = $1", kept), 1);
	struct contact_message msg;
	struct failure f;
	assert_int_equal(contact_open(owned, &support, &msg, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_MESSAGE);
	assert_int_equal(contact_open(kept, &support, &msg, &f), 0);
	assert_string_equal(msg.text[CONTACT_BODY].p, "Written signed out.");
	contact_message_release(&msg);
}

int main(void)
{
	mem_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_message_stored_sealed_under_a_sender_of_its_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_contact_point_no_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_shows_no_personal_value, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_opening_is_logged_and_refused_to_other_roles,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_answered_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_queued_to_the_return_address_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_erased_sender_is_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owned_message_erased_with_its_owner, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
