/*
 * Unit tests of the garage's domain (NAM06) on a real SQLite store with the
 * bundled North American Motoring profile: a car verified at once, each
 * doubt sending a claim to review, a second claim of one's own VIN, the
 * full garage (its message built from GARAGE_MAX_CARS), removing a car, the
 * "verified owner" badge, a verifier's look and decision (in the member's
 * access log) and a second decision, a staff role without the verification
 * purpose refused by the broker, an erased member's claim, and the
 * validators the routes declare.
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
#include "crypto.h"
#include "garage.h"
#include "mem.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "vin.h"

#include "fixture.h"

#include <cmocka.h>

#define PROFILE "profiles/north-american-motoring.yaml"

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

/* A member's account, as sign-up leaves it (without the sign-up's mail and
 * session): a subject with its data key and a members row. */
static int64_t new_member(void)
{
	static const char *const cats[] = {"name", "email", "date_of_birth"};
	static int n;
	char email[64];
	snprintf(email, sizeof(email), "member%d@example.org", ++n);
	struct record_field row[] = {
		{"name", SV_TEXT("Ann Driver")},	  {"email", SV_TEXT(email)},
		{"date_of_birth", SV_TEXT("1970-02-01")}, {"password_hash", SV_TEXT("not a hash")},
		{"created_at", SV_INT(time(NULL))},
	};
	int64_t member;
	struct broker_grant *g;
	enum decision_reason why;
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(broker_subject_new(c, "member", "account", cats, 3, 0, &member, &g, &why),
			 0);
	assert_true(record_insert(c, g, "members", member, row, sizeof(row) / sizeof(row[0])) >= 0);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	broker_grant_free(g);
	return member;
}

/* A VIN from wmi (3 characters) and a serial number, with its check digit
 * right (or wrong, when asked). */
static void make_vin(char vin[VIN_LEN + 1], const char *wmi, unsigned serial, bool right)
{
	snprintf(vin, VIN_LEN + 1, "%.3sRE33506T%06u", wmi, serial % 1000000);
	char digit = vin_check_digit(vin);
	vin[8] = right ? digit : (digit == '1' ? '2' : '1');
}

static void mini_vin(char vin[VIN_LEN + 1])
{
	static unsigned serial = 100;
	make_vin(vin, "WMW", serial++, true);
}

static struct garage_added add_ok(int64_t member, const char *vin)
{
	struct garage_car in = {.vin = vin};
	struct garage_added out;
	struct failure f;
	assert_int_equal(garage_add(member, &in, &out, &f), 0);
	return out;
}

static enum err add_fails(int64_t member, const char *vin, struct failure *f)
{
	struct garage_car in = {.vin = vin};
	struct garage_added out;
	assert_int_equal(garage_add(member, &in, &out, f), -1);
	return f->err;
}

static const struct broker_actor verifier = {ACTOR_STAFF, 5, "verifier", NULL};
static const struct broker_actor support = {ACTOR_STAFF, 6, "support", NULL};

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* Entries of the access log about member by a verifier with action. */
static int64_t accesses(int64_t member, const char *action)
{
	int64_t n = -1;
	struct store_val v[] = {SV_INT(member), SV_TEXT(action)};
	assert_int_equal(store_query(app.store,
				     "SELECT COUNT(*) FROM access_log WHERE subject_id = $1 AND "
				     "role = 'verifier' AND purpose = 'ownership_verification' AND "
				     "action = $2",
				     v, STORE_NPARAMS(v), count_cb, &n),
			 1);
	return n;
}

static const char *status_of(int64_t member, int64_t car)
{
	json_t *cars;
	struct failure f;
	static char status[16];
	status[0] = '\0';
	assert_int_equal(garage_list(member, &cars, &f), 0);
	size_t i;
	json_t *x;
	json_array_foreach (cars, i, x) {
		/* The member is never told why a claim waits. */
		assert_null(json_object_get(x, "reason"));
		if (json_integer_value(json_object_get(x, "id")) == car)
			snprintf(status, sizeof(status), "%s",
				 json_string_value(json_object_get(x, "status")));
	}
	json_decref(cars);
	return status;
}

/* Why a claim waits, as the verifiers' list says ("" if it is not there). */
static const char *review_reason(int64_t claim)
{
	json_t *list;
	struct failure f;
	static char reason[32];
	reason[0] = '\0';
	assert_int_equal(garage_reviews(&list, &f), 0);
	size_t i;
	json_t *x;
	json_array_foreach (list, i, x) {
		if (json_integer_value(json_object_get(x, "id")) == claim)
			snprintf(reason, sizeof(reason), "%s",
				 json_string_value(json_object_get(x, "reason")));
	}
	json_decref(list);
	return reason;
}

/* Whether any BYTEA column of a row holds text in the clear. */
struct plain_search {
	const char *text;
	bool found;
	int blobs;
};

static int plain_cb(void *ctx, const struct store_row *row)
{
	struct plain_search *s = ctx;
	for (size_t i = 0; i < row->ncols; i++) {
		if (row->cols[i].type != STORE_BLOB)
			continue;
		s->blobs++;
		s->found |=
			memmem(row->cols[i].p, row->cols[i].n, s->text, strlen(s->text)) != NULL;
	}
	return 0;
}

/* ---- adding ---- */

static void test_valid_car_verified_at_once_with_its_values(void **state)
{
	int64_t m = new_member();
	char vin[VIN_LEN + 1], typed[32];
	mini_vin(vin);
	/* Typed in lower case with a space: normalised before it is checked. */
	snprintf(typed, sizeof(typed), "%.5s %s", vin, vin + 5);
	for (char *p = typed; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	struct garage_car in = {.vin = typed,
				.serial_numbers = "ENG-77812",
				.nickname = "Rosie",
				.model = "Cooper S",
				.year = "2006",
				.colour = "Chili red",
				.shown = true};
	struct garage_added out;
	struct failure f;
	assert_false(garage_verified_owner(m));
	assert_int_equal(garage_add(m, &in, &out, &f), 0);
	assert_string_equal(out.status, "verified");
	assert_true(out.id > 0);
	assert_true(garage_verified_owner(m));

	json_t *cars;
	assert_int_equal(garage_list(m, &cars, &f), 0);
	assert_int_equal(json_array_size(cars), 1);
	json_t *car = json_array_get(cars, 0);
	assert_int_equal(json_integer_value(json_object_get(car, "id")), out.id);
	assert_string_equal(json_string_value(json_object_get(car, "vin")), vin);
	assert_string_equal(json_string_value(json_object_get(car, "serial_numbers")), "ENG-77812");
	assert_string_equal(json_string_value(json_object_get(car, "nickname")), "Rosie");
	assert_string_equal(json_string_value(json_object_get(car, "model")), "Cooper S");
	assert_string_equal(json_string_value(json_object_get(car, "year")), "2006");
	assert_string_equal(json_string_value(json_object_get(car, "colour")), "Chili red");
	assert_true(json_is_true(json_object_get(car, "public")));
	assert_string_equal(json_string_value(json_object_get(car, "status")), "verified");
	json_decref(cars);

	/* The VIN is nowhere in the row as text: sealed, and found by its index. */
	struct store_val id[] = {SV_INT(out.id)};
	struct plain_search s = {vin, false, 0};
	assert_int_equal(store_query(app.store,
				     "SELECT vin, vin_index, serial_numbers, details FROM vehicles "
				     "WHERE id = $1",
				     id, STORE_NPARAMS(id), plain_cb, &s),
			 1);
	assert_int_equal(s.blobs, 4);
	assert_false(s.found);
	int64_t rows[2];
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(record_find(c, "vehicles", "vin", vin, rows, 2), 1);
	assert_int_equal(rows[0], out.id);
	store_release(c);
}

static void test_bad_vins_refused_with_the_check_code(void **state)
{
	int64_t m = new_member();
	static const struct {
		const char *vin, *code;
	} cases[] = {
		{"WMWRE335", "vin_length"},
		{"WMWRE335I6TJ12345", "vin_character"},
		{"WMWRE33546TJ12345", "vin_check_digit"},
		{"1HGCM82633A004352", "vin_make_not_accepted"}, /* a Honda on a MINI site */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct failure f;
		assert_int_equal(add_fails(m, cases[i].vin, &f), ERR_VIN);
		assert_string_equal(err_code(&f), cases[i].code);
		assert_string_equal(err_field(&f), "vin");
		assert_int_equal(err_status(&f), 400);
		assert_true(strlen(err_message(&f)) > 0);
	}
	json_t *cars;
	struct failure f;
	assert_int_equal(garage_list(m, &cars, &f), 0);
	assert_int_equal(json_array_size(cars), 0);
	json_decref(cars);
}

static void test_second_claim_of_the_same_vin_by_another_member_waits(void **state)
{
	int64_t a = new_member(), b = new_member();
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	assert_string_equal(add_ok(a, vin).status, "verified");
	struct garage_added second = add_ok(b, vin);
	assert_string_equal(second.status, "review");
	/* Only the verifiers learn that another member claimed the VIN. */
	assert_string_equal(status_of(b, second.id), "review");
	assert_string_equal(review_reason(second.id), "duplicate");
	assert_false(garage_verified_owner(b));
}

static void test_lenient_check_digit_waits(void **state)
{
	int64_t m = new_member();
	char vin[VIN_LEN + 1];
	make_vin(vin, "WMW", 424242, false);
	struct failure f;
	assert_int_equal(add_fails(m, vin, &f), ERR_VIN); /* strict: refused */
	assert_string_equal(err_code(&f), "vin_check_digit");
	app.policy->settings.vin_strict = false; /* lenient: to review */
	struct garage_added out = add_ok(m, vin);
	app.policy->settings.vin_strict = true;
	assert_string_equal(out.status, "review");
	assert_string_equal(status_of(m, out.id), "review");
	assert_string_equal(review_reason(out.id), "check_digit");
	assert_false(garage_verified_owner(m));
}

static void test_unknown_manufacturer_waits(void **state)
{
	int64_t m = new_member();
	char vin[VIN_LEN + 1];
	make_vin(vin, "ZZZ", 515151, true);
	assert_null(vin_wmi_find(vin));
	struct failure f;
	assert_int_equal(add_fails(m, vin, &f), ERR_VIN); /* only MINI here */
	assert_string_equal(err_code(&f), "vin_make_not_accepted");
	size_t makes = app.policy->settings.naccepted_makes;
	app.policy->settings.naccepted_makes = 0; /* any make */
	struct garage_added out = add_ok(m, vin);
	app.policy->settings.naccepted_makes = makes;
	assert_string_equal(out.status, "review");
	assert_string_equal(status_of(m, out.id), "review");
	assert_string_equal(review_reason(out.id), "unknown_manufacturer");
}

static void test_own_vin_twice_refused(void **state)
{
	int64_t m = new_member();
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	add_ok(m, vin);
	struct failure f;
	assert_int_equal(add_fails(m, vin, &f), ERR_VEHICLE_EXISTS);
	assert_string_equal(err_code(&f), "vehicle_exists");
	assert_int_equal(err_status(&f), 409);
	assert_string_equal(err_field(&f), "vin");
}

static void test_full_garage(void **state)
{
	int64_t m = new_member();
	char vin[VIN_LEN + 1];
	for (int i = 0; i < GARAGE_MAX_CARS; i++) {
		mini_vin(vin);
		add_ok(m, vin);
	}
	mini_vin(vin);
	struct failure f;
	assert_int_equal(add_fails(m, vin, &f), ERR_GARAGE_FULL);
	assert_string_equal(err_code(&f), "garage_full");
	assert_int_equal(err_status(&f), 409);
	char expected[64];
	snprintf(expected, sizeof(expected), "at most %d cars", GARAGE_MAX_CARS);
	assert_non_null(strstr(err_message(&f), expected));
	/* Room again after a removal. */
	json_t *cars;
	assert_int_equal(garage_list(m, &cars, &f), 0);
	assert_int_equal(json_array_size(cars), GARAGE_MAX_CARS);
	int64_t first = json_integer_value(json_object_get(json_array_get(cars, 0), "id"));
	json_decref(cars);
	assert_int_equal(garage_remove(m, first, &f), 0);
	add_ok(m, vin);
}

static void test_remove_only_ones_own_car(void **state)
{
	int64_t m = new_member(), other = new_member();
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	int64_t car = add_ok(m, vin).id;
	struct failure f;
	assert_int_equal(garage_remove(other, car, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_CAR);
	assert_int_equal(err_status(&f), 404);
	assert_true(garage_verified_owner(m));
	assert_int_equal(garage_remove(m, car, &f), 0);
	assert_false(garage_verified_owner(m));
	assert_int_equal(garage_remove(m, car, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_CAR);
	/* Removed, the VIN is free: a new claim is verified at once. */
	assert_string_equal(add_ok(other, vin).status, "verified");
}

/* ---- verifiers ---- */

static bool listed(int64_t claim)
{
	json_t *list;
	struct failure f;
	assert_int_equal(garage_reviews(&list, &f), 0);
	bool found = false;
	size_t i;
	json_t *x;
	json_array_foreach (list, i, x) {
		found |= json_integer_value(json_object_get(x, "id")) == claim;
		assert_null(json_object_get(x, "vin"));
		assert_null(json_object_get(x, "serial_numbers"));
	}
	json_decref(list);
	return found;
}

static void test_verifier_reviews_and_decides_once(void **state)
{
	int64_t a = new_member(), b = new_member();
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	int64_t first = add_ok(a, vin).id;
	struct garage_car in = {.vin = vin, .serial_numbers = "CHASSIS-1"};
	struct garage_added claim;
	struct failure f;
	assert_int_equal(garage_add(b, &in, &claim, &f), 0);
	assert_string_equal(claim.status, "review");
	assert_true(listed(claim.id));
	assert_int_equal(accesses(b, "read"), 0);

	json_t *one;
	assert_int_equal(garage_review(&verifier, claim.id, &one, &f), 0);
	assert_string_equal(json_string_value(json_object_get(one, "vin")), vin);
	assert_string_equal(json_string_value(json_object_get(one, "serial_numbers")), "CHASSIS-1");
	assert_int_equal(json_integer_value(json_object_get(one, "member")), b);
	assert_string_equal(json_string_value(json_object_get(one, "status")), "review");
	assert_string_equal(json_string_value(json_object_get(one, "reason")), "duplicate");
	assert_non_null(strstr(json_string_value(json_object_get(one, "manufacturer")), "BMW"));
	assert_int_equal(json_integer_value(json_object_get(one, "model_year")), 2006);
	json_t *others = json_object_get(one, "other_claims");
	assert_int_equal(json_array_size(others), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(others, 0), "id")),
			 first);
	assert_string_equal(json_string_value(json_object_get(json_array_get(others, 0), "status")),
			    "verified");
	json_decref(one);
	assert_int_equal(accesses(b, "read"), 1); /* the look is logged */

	struct garage_decision d;
	time_t before = time(NULL);
	assert_int_equal(garage_decide(&verifier, claim.id, "verify", &d, &f), 0);
	assert_int_equal(d.id, claim.id);
	assert_string_equal(d.status, "verified");
	assert_int_equal(d.decided_by, verifier.id);
	assert_true(d.decided_at >= before && d.decided_at <= time(NULL));
	assert_int_equal(accesses(b, "verify"), 1); /* and so is the decision */
	assert_string_equal(status_of(b, claim.id), "verified");
	assert_true(garage_verified_owner(b));
	assert_false(listed(claim.id));

	/* A second decision: not in review, nothing changes, nothing logged. */
	assert_int_equal(garage_decide(&verifier, claim.id, "reject", &d, &f), -1);
	assert_int_equal(f.err, ERR_NOT_IN_REVIEW);
	assert_string_equal(err_code(&f), "not_in_review");
	assert_int_equal(err_status(&f), 409);
	assert_string_equal(status_of(b, claim.id), "verified");
	assert_int_equal(accesses(b, "reject"), 0);
	/* A claim verified at once was never in review either. */
	assert_int_equal(garage_decide(&verifier, first, "reject", &d, &f), -1);
	assert_int_equal(f.err, ERR_NOT_IN_REVIEW);
	/* No such claim; no such decision. */
	assert_int_equal(garage_review(&verifier, 0, &one, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_CLAIM);
	assert_int_equal(garage_decide(&verifier, 0, "verify", &d, &f), -1);
	assert_int_equal(f.err, ERR_NO_SUCH_CLAIM);
	assert_int_equal(garage_decide(&verifier, claim.id, "maybe", &d, &f), -1);
	assert_int_equal(f.err, ERR_INVALID_FIELD);
}

static void test_rejected_claim_is_no_longer_a_duplicate(void **state)
{
	int64_t a = new_member(), b = new_member(), c = new_member();
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	int64_t first = add_ok(a, vin).id;
	int64_t claim = add_ok(b, vin).id;
	struct garage_decision d;
	struct failure f;
	assert_int_equal(garage_decide(&verifier, claim, "reject", &d, &f), 0);
	assert_string_equal(d.status, "rejected");
	assert_string_equal(status_of(b, claim), "rejected");
	assert_false(garage_verified_owner(b));
	assert_int_equal(garage_remove(a, first, &f), 0);
	/* Only a rejected claim holds the VIN now: a new one is verified at once. */
	assert_string_equal(add_ok(c, vin).status, "verified");
}

static void test_role_without_the_verification_purpose_refused(void **state)
{
	int64_t a = new_member(), b = new_member();
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	add_ok(a, vin);
	int64_t claim = add_ok(b, vin).id;
	json_t *one = NULL;
	struct failure f;
	assert_int_equal(garage_review(&support, claim, &one, &f), -1);
	assert_null(one);
	assert_int_equal(f.err, ERR_REFUSED);
	assert_string_equal(err_code(&f), "role_lacks_purpose");
	assert_int_equal(err_status(&f), 403);
	struct garage_decision d;
	assert_int_equal(garage_decide(&support, claim, "verify", &d, &f), -1);
	assert_string_equal(err_code(&f), "role_lacks_purpose");
	assert_string_equal(status_of(b, claim), "review");
	assert_int_equal(accesses(b, "read") + accesses(b, "verify"), 0);
}

static void test_erased_members_claim_is_gone(void **state)
{
	int64_t a = new_member(), b = new_member();
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	add_ok(a, vin);
	int64_t claim = add_ok(b, vin).id;
	/* The member's data key is gone (a backup restored after the erasure,
	 * before its rows were removed): the claim cannot be opened. */
	struct store_val who[] = {SV_INT(b)};
	assert_true(store_query(app.store, "DELETE FROM subject_keys WHERE subject_id = $1", who,
				STORE_NPARAMS(who), NULL, NULL) == 1);
	json_t *one = NULL;
	struct failure f;
	assert_int_equal(garage_review(&verifier, claim, &one, &f), -1);
	assert_int_equal(f.err, ERR_ERASED);
	assert_int_equal(err_status(&f), 410);
	/* Closing an account removes its cars through the record layer. */
	struct store_conn *c = store_acquire(app.store);
	assert_int_equal(store_begin(c), 0);
	assert_int_equal(record_erase_subject(c, a), 0);
	assert_int_equal(store_commit(c), 0);
	store_release(c);
	int64_t n = -1;
	struct store_val owner[] = {SV_INT(a)};
	assert_int_equal(store_query(app.store,
				     "SELECT COUNT(*) FROM vehicles WHERE member_id = $1", owner,
				     STORE_NPARAMS(owner), count_cb, &n),
			 1);
	assert_int_equal(n, 0);
}

static void test_export_holds_the_cars_values(void **state)
{
	int64_t m = new_member();
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	struct garage_car in = {.vin = vin, .serial_numbers = "SER-9", .nickname = "Bean"};
	struct garage_added out;
	struct failure f;
	assert_int_equal(garage_add(m, &in, &out, &f), 0);
	struct store_conn *c = store_acquire(app.store);
	json_t *items = record_export(c, m);
	store_release(c);
	assert_non_null(items);
	int seen = 0;
	size_t i;
	json_t *item;
	json_array_foreach (items, i, item) {
		const char *record = json_string_value(json_object_get(item, "record"));
		const char *value = json_string_value(json_object_get(item, "value"));
		if (!record || strcmp(record, "vehicles") != 0)
			continue;
		assert_int_equal(json_integer_value(json_object_get(item, "row")), out.id);
		const char *cat = json_string_value(json_object_get(item, "category"));
		if (strcmp(cat, "vin") == 0 && strcmp(value, vin) == 0)
			seen |= 1;
		if (strcmp(cat, "serial_numbers") == 0 && strcmp(value, "SER-9") == 0)
			seen |= 2;
		if (strcmp(cat, "vehicle_details") == 0 && strstr(value, "Bean"))
			seen |= 4;
	}
	json_decref(items);
	assert_int_equal(seen, 7);
}

static void test_no_garage_in_a_profile_without_one(void **state)
{
	struct policy_diags d;
	struct policy *nam = app.policy;
	app.policy = policy_load_file("profiles/mini-insiders.yaml", &d);
	assert_non_null(app.policy);
	assert_false(garage_offered());
	char vin[VIN_LEN + 1];
	mini_vin(vin);
	struct failure f;
	assert_int_equal(add_fails(1, vin, &f), ERR_NO_GARAGE);
	assert_int_equal(err_status(&f), 404);
	json_t *list;
	assert_int_equal(garage_list(1, &list, &f), -1);
	assert_int_equal(garage_reviews(&list, &f), -1);
	assert_int_equal(f.err, ERR_NO_GARAGE);
	assert_false(garage_verified_owner(1));
	policy_free(app.policy);
	app.policy = nam;
	assert_true(garage_offered());
}

static void test_validators(void **state)
{
	assert_null(valid_year("2006", 4));
	assert_null(valid_year("", 0));
	assert_non_null(valid_year("1885", 4));
	assert_non_null(valid_year("2101", 4));
	assert_non_null(valid_year("206", 3));
	assert_non_null(valid_year("20a6", 4));
	assert_null(valid_decision("verify", 6));
	assert_null(valid_decision("reject", 6));
	assert_non_null(valid_decision("verif", 5));
	assert_non_null(valid_decision("accept", 6));
	assert_null(valid_vin_input("wmw re3-3536TJ12345", 19));
	assert_non_null(valid_vin_input("WMW\x01", 4));
	assert_non_null(valid_vin_input("WMW\xc3\xa9", 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_car_verified_at_once_with_its_values),
		cmocka_unit_test(test_bad_vins_refused_with_the_check_code),
		cmocka_unit_test(test_second_claim_of_the_same_vin_by_another_member_waits),
		cmocka_unit_test(test_lenient_check_digit_waits),
		cmocka_unit_test(test_unknown_manufacturer_waits),
		cmocka_unit_test(test_own_vin_twice_refused),
		cmocka_unit_test(test_full_garage),
		cmocka_unit_test(test_remove_only_ones_own_car),
		cmocka_unit_test(test_verifier_reviews_and_decides_once),
		cmocka_unit_test(test_rejected_claim_is_no_longer_a_duplicate),
		cmocka_unit_test(test_role_without_the_verification_purpose_refused),
		cmocka_unit_test(test_erased_members_claim_is_gone),
		cmocka_unit_test(test_export_holds_the_cars_values),
		cmocka_unit_test(test_no_garage_in_a_profile_without_one),
		cmocka_unit_test(test_validators),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
