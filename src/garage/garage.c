/*
 * garage: cars, their verification and the verifiers' reviews (garage.h).
 * The SQL here names only the plain columns of vehicles (status, reason,
 * times, the member); the sealed ones and the VIN's blind index are the
 * record layer's.
 */
#include "garage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "crypto.h"
#include "log.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "store_json.h"
#include "vin.h"

#define TABLE	    "vehicles"
#define POINT	    "vehicle_registration"
#define CAT_VIN	    "vin"
#define CAT_SERIALS "serial_numbers"
#define CAT_DETAILS "vehicle_details"
/* The longest status or reason text the table holds, with room to spare. */
#define WORD_MAX 32
/* A VIN issue in words (vin_issue_message). */
#define VIN_MESSAGE_MAX 160

static const char STATUS_VERIFIED[] = "verified";
static const char STATUS_REVIEW[] = "review";
static const char STATUS_REJECTED[] = "rejected";

static const char SQL_CLAIM_OF[] = "SELECT member_id, status FROM vehicles WHERE id = $1";
static const char SQL_COUNT_OF[] = "SELECT COUNT(*) FROM vehicles WHERE member_id = $1";
static const char SQL_OF_MEMBER[] =
	"SELECT id, shown, status, created_at FROM vehicles WHERE member_id = $1 "
	"ORDER BY created_at, id";
static const char SQL_DELETE[] = "DELETE FROM vehicles WHERE id = $1 AND member_id = $2";
static const char SQL_VERIFIED[] =
	"SELECT COUNT(*) FROM vehicles WHERE member_id = $1 AND status = 'verified'";
static const char SQL_REVIEWS[] =
	"SELECT id, reason, created_at FROM vehicles WHERE status = 'review' "
	"ORDER BY created_at, id LIMIT $1";
static const char SQL_ONE[] =
	"SELECT member_id, status, reason, created_at FROM vehicles WHERE id = $1";
static const char SQL_ONE_FOR_DECISION[] =
	"SELECT member_id, status, reason, created_at FROM vehicles WHERE id = $1 FOR UPDATE";
static const char SQL_OTHER[] = "SELECT id, status, created_at FROM vehicles WHERE id = $1";
static const char SQL_DECIDE[] =
	"UPDATE vehicles SET status = $2, decided_at = $3, decided_by = $4 "
	"WHERE id = $1 AND status = 'review'";

/* The details a member may show other members, sealed together as one
 * JSON text (vehicle_details). */
static const char *const detail_keys[] = {"nickname", "model", "year", "colour"};
#define NDETAILS (sizeof(detail_keys) / sizeof(detail_keys[0]))

/* A verifier's decision and the status it gives the claim. */
static const struct {
	const char *decision;
	const char *status;
} decisions[] = {
	{"verify", STATUS_VERIFIED},
	{"reject", STATUS_REJECTED},
};

/* ---- the profile's garage ---- */

bool garage_offered(void)
{
	return policy_collection_index(app.policy, POINT) >= 0;
}

/* The purpose VINs and serial numbers are sealed for, and for nothing else. */
static const char *verification_purpose(void)
{
	return policy_collection_purpose(app.policy, POINT);
}

/* The purpose that covers the car's details (the member's account), or NULL. */
static const char *details_purpose(void)
{
	return policy_category_purpose(app.policy, CAT_DETAILS);
}

static void vin_rules_of_profile(struct vin_rules *rules)
{
	const struct policy_settings *s = &app.policy->settings;
	rules->strict = s->vin_strict;
	rules->accepted_makes = s->naccepted_makes ? (const char *const *)s->accepted_makes : NULL;
	rules->naccepted_makes = s->naccepted_makes;
}

/* ---- validators the routes declare ---- */

#define YEAR_DIGITS	4
#define FIRST_CAR_YEAR	1886 /* the Benz Patent-Motorwagen */
#define LAST_YEAR_TAKEN 2100

const char *valid_vin_input(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return "holds a character no VIN has";
	return NULL;
}

const char *valid_year(const char *s, size_t len)
{
	if (len == 0)
		return NULL; /* left empty on the form */
	if (len != YEAR_DIGITS)
		return "must be a year such as 2006";
	int y = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "must be a year such as 2006";
		y = y * 10 + (s[i] - '0');
	}
	return y >= FIRST_CAR_YEAR && y <= LAST_YEAR_TAKEN ? NULL : "must be a year such as 2006";
}

static const char *status_of_decision(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++)
		if (strlen(decisions[i].decision) == len &&
		    memcmp(s, decisions[i].decision, len) == 0)
			return decisions[i].status;
	return NULL;
}

const char *valid_decision(const char *s, size_t len)
{
	return status_of_decision(s, len) ? NULL : "must be verify or reject";
}

/* ---- shared pieces ---- */

static bool given(const char *s)
{
	return s && *s;
}

static const char *text_of(const struct store_val *v)
{
	return v->type == STORE_TEXT ? (const char *)v->p : "";
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* Opens the member's data for purpose and categories, as the member. */
static int open_as_self(struct store_conn *c, int64_t member, const char *purpose,
			const char *const *cats, size_t n, const char *action,
			struct broker_grant **g, struct failure *f)
{
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	struct broker_use use = {&self, member, purpose, cats, n, action};
	enum decision_reason why;
	if (broker_open(c, &use, g, &why) == 0)
		return 0;
	return broker_failure(c, member, why, f);
}

/* The identifiers (sealed for verification alone) and the details (the
 * account's), each as categories for the broker and columns for the record
 * layer, in the same order. */
#define NIDENTIFIERS 2
static const char *const identifier_cats[NIDENTIFIERS] = {CAT_VIN, CAT_SERIALS};
static const char *const identifier_columns[NIDENTIFIERS] = {"vin", "serial_numbers"};
static const char *const details_cats[] = {CAT_DETAILS};
static const char *const details_columns[] = {"details"};

/* ---- adding a car ---- */

/* The live claims of one VIN (rejected ones count for nothing): the
 * member's own and other members'. */
struct claims {
	int64_t member;
	int mine, others;
};

static int claim_of_cb(void *ctx, const struct store_row *row)
{
	struct claims *cl = ctx;
	if (strcmp(text_of(&row->cols[1]), STATUS_REJECTED) == 0)
		return 0;
	if (row->cols[0].i == cl->member)
		cl->mine++;
	else
		cl->others++;
	return 0;
}

/* Finds the claims of a checked VIN through its blind index. */
static int claims_of(struct store_conn *c, const char *vin, struct claims *cl)
{
	int64_t rows[GARAGE_MAX_CLAIMS_OF_VIN];
	int n = record_find(c, TABLE, "vin", vin, rows, GARAGE_MAX_CLAIMS_OF_VIN);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct store_val key[] = {SV_INT(rows[i])};
		if (store_exec(c, SQL_CLAIM_OF, key, STORE_NPARAMS(key), claim_of_cb, cl) < 0)
			return -1;
	}
	/* More claims than were looked at: surely a duplicate. */
	if (n == GARAGE_MAX_CLAIMS_OF_VIN && cl->others == 0)
		cl->others = 1;
	return 0;
}

/* Why a claim waits for a verifier, or "" when it is verified at once. */
static const char *doubt(const struct vin_result *v, const struct claims *cl)
{
	if (cl->others)
		return "duplicate";
	for (size_t i = 0; i < v->nwarnings; i++)
		if (v->warnings[i].code == VIN_CHECK_DIGIT)
			return "check_digit";
	if (!v->wmi)
		return "unknown_manufacturer";
	return "";
}

/* The details given, as one JSON text (sorted keys), or NULL when none was
 * given. Free with free(). */
static char *details_json(const struct garage_car *in)
{
	const char *values[NDETAILS] = {in->nickname, in->model, in->year, in->colour};
	json_t *o = json_object();
	for (size_t i = 0; i < NDETAILS; i++)
		if (given(values[i]))
			json_object_set_new(o, detail_keys[i], json_string(values[i]));
	char *text = json_object_size(o) ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	return text;
}

static int vin_refused(const struct vin_result *v, struct failure *f)
{
	char msg[VIN_MESSAGE_MAX];
	vin_issue_message(&v->errors[0], v, msg, sizeof(msg));
	err_failf(f, ERR_VIN, "%s", msg);
	f->code = vin_code_name(v->errors[0].code);
	return -1;
}

int garage_add(int64_t member, const struct garage_car *in, struct garage_added *out,
	       struct failure *f)
{
	*out = (struct garage_added){0, ""};
	if (!garage_offered())
		return err_fail(f, ERR_NO_GARAGE);
	struct vin_rules rules;
	struct vin_result v;
	vin_rules_of_profile(&rules);
	vin_check(in->vin, strlen(in->vin), &rules, &v);
	if (!v.valid)
		return vin_refused(&v, f);
	char *details = details_json(in);
	const char *dpurpose = details_purpose();
	struct broker_grant *g = NULL, *gd = NULL;
	struct claims cl = {member, 0, 0};
	int64_t id = crypto_random_id(), now = (int64_t)time(NULL), cars = 0;
	int rc = -1;
	struct store_val who[] = {SV_INT(member)};
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0 || claims_of(c, v.vin, &cl) != 0 ||
	    store_exec(c, SQL_COUNT_OF, who, STORE_NPARAMS(who), count_cb, &cars) < 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (cl.mine) {
		err_fail(f, ERR_VEHICLE_EXISTS);
		goto out;
	}
	if (cars >= GARAGE_MAX_CARS) {
		err_failf(f, ERR_GARAGE_FULL, "A garage holds at most %d cars.", GARAGE_MAX_CARS);
		goto out;
	}
	const char *reason = doubt(&v, &cl);
	const char *status = *reason ? STATUS_REVIEW : STATUS_VERIFIED;
	struct record_field row[] = {
		{"vin", SV_TEXT(v.vin)},
		{"serial_numbers",
		 given(in->serial_numbers) ? SV_TEXT(in->serial_numbers) : SV_NULL},
		{"shown", SV_INT(in->shown)},
		{"status", SV_TEXT(status)},
		{"reason", SV_TEXT(reason)},
		{"created_at", SV_INT(now)},
	};
	if (open_as_self(c, member, verification_purpose(), identifier_cats, NIDENTIFIERS, "write",
			 &g, f) != 0)
		goto out;
	if (record_insert(c, g, TABLE, id, row, sizeof(row) / sizeof(row[0])) < 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	/* The details are the member's account's, under its own purpose: a
	 * second grant, and the same row. */
	if (details && dpurpose) {
		struct record_field more[] = {{"details", SV_TEXT(details)}};
		if (open_as_self(c, member, dpurpose, details_cats, 1, "write", &gd, f) != 0)
			goto out;
		if (record_update(c, gd, TABLE, id, more, 1) != 1) {
			err_fail(f, ERR_STORE);
			goto out;
		}
	}
	if (store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	/* The reason stays with the claim, for the verifiers. */
	*out = (struct garage_added){id, status};
	log_info("a car was added to a garage: %s", status);
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	broker_grant_free(gd);
	free(details);
	return rc;
}

/* ---- the member's cars ---- */

static int car_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:I,s:b,s:s,s:I}", "id", (json_int_t)row->cols[0].i,
					     "public", row->cols[1].i != 0, "status",
					     text_of(&row->cols[2]), "created_at",
					     (json_int_t)row->cols[3].i));
	return 0;
}

static json_t *text_json(const struct record_text *t)
{
	return t->p ? json_stringn(t->p, t->n) : json_null();
}

/* Adds a car's sealed values to it: the identifiers, and the details each
 * under its own key (when the details' grant is there). */
static int car_values(struct store_conn *c, const struct broker_grant *g,
		      const struct broker_grant *gd, json_t *car)
{
	int64_t id = json_integer_value(json_object_get(car, "id"));
	struct record_text ids[NIDENTIFIERS], det[1];
	if (record_read(c, g, TABLE, id, identifier_columns, NIDENTIFIERS, ids) != 1)
		return -1;
	json_object_set_new(car, "vin", text_json(&ids[0]));
	json_object_set_new(car, "serial_numbers", text_json(&ids[1]));
	record_texts_release(ids, NIDENTIFIERS);
	if (!gd)
		return 0;
	if (record_read(c, gd, TABLE, id, details_columns, ARRAY_LEN(details_columns), det) != 1)
		return -1;
	if (det[0].p) {
		json_error_t je;
		json_t *d = json_loadb(det[0].p, det[0].n, 0, &je);
		const char *k;
		json_t *val;
		json_object_foreach (d, k, val) {
			json_object_set(car, k, val);
		}
		json_decref(d);
	}
	record_texts_release(det, 1);
	return 0;
}

int garage_list(int64_t member, json_t **cars, struct failure *f)
{
	*cars = NULL;
	if (!garage_offered())
		return err_fail(f, ERR_NO_GARAGE);
	const char *dpurpose = details_purpose();
	json_t *list = json_array();
	struct broker_grant *g = NULL, *gd = NULL;
	struct store_val who[] = {SV_INT(member)};
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_exec(c, SQL_OF_MEMBER, who, STORE_NPARAMS(who), car_cb, list) < 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (json_array_size(list) == 0) {
		rc = 0;
		goto out;
	}
	if (open_as_self(c, member, verification_purpose(), identifier_cats, NIDENTIFIERS, "read",
			 &g, f) != 0)
		goto out;
	/* A member who withdrew the details' purpose (where the profile lets
	 * them) still sees their cars, without the details. */
	if (dpurpose) {
		struct failure ignored;
		int opened =
			open_as_self(c, member, dpurpose, details_cats, 1, "read", &gd, &ignored);
		if (opened != 0 && ignored.err != ERR_REFUSED) {
			*f = ignored;
			goto out;
		}
	}
	size_t i;
	json_t *car;
	json_array_foreach (list, i, car) {
		if (car_values(c, g, gd, car) != 0) {
			err_fail(f, ERR_STORE);
			goto out;
		}
	}
	rc = 0;
out:
	store_release(c);
	broker_grant_free(g);
	broker_grant_free(gd);
	if (rc == 0)
		*cars = list;
	else
		json_decref(list);
	return rc;
}

bool garage_verified_owner(int64_t member)
{
	int64_t n = 0;
	struct store_val who[] = {SV_INT(member)};
	return garage_offered() &&
	       store_query(app.store, SQL_VERIFIED, who, STORE_NPARAMS(who), count_cb, &n) >= 0 &&
	       n > 0;
}

int garage_remove(int64_t member, int64_t car, struct failure *f)
{
	if (!garage_offered())
		return err_fail(f, ERR_NO_GARAGE);
	struct store_val key[] = {SV_INT(car), SV_INT(member)};
	int n = store_query(app.store, SQL_DELETE, key, STORE_NPARAMS(key), NULL, NULL);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	return n == 0 ? err_fail(f, ERR_NO_SUCH_CAR) : 0;
}

/* ---- verifiers ---- */

static int review_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:I}", "id", (json_int_t)row->cols[0].i,
					     "reason", text_of(&row->cols[1]), "created_at",
					     (json_int_t)row->cols[2].i));
	return 0;
}

int garage_reviews(json_t **list, struct failure *f)
{
	*list = NULL;
	if (!garage_offered())
		return err_fail(f, ERR_NO_GARAGE);
	struct store_val limit[] = {SV_INT(GARAGE_REVIEWS_LISTED)};
	return store_json_list(SQL_REVIEWS, limit, STORE_NPARAMS(limit), review_cb, list, f);
}

/* A claim's plain columns. */
struct claim {
	bool found;
	int64_t member, created_at;
	char status[WORD_MAX], reason[WORD_MAX];
};

static int claim_cb(void *ctx, const struct store_row *row)
{
	struct claim *cl = ctx;
	cl->found = true;
	cl->member = row->cols[0].i;
	snprintf(cl->status, sizeof(cl->status), "%s", text_of(&row->cols[1]));
	snprintf(cl->reason, sizeof(cl->reason), "%s", text_of(&row->cols[2]));
	cl->created_at = row->cols[3].i;
	return 0;
}

/*
 * Loads a claim (sql: SQL_ONE, or SQL_ONE_FOR_DECISION inside a
 * transaction) and opens its member's identifiers as the verifier, for
 * action; the broker refuses a role without the verification purpose and
 * logs the access for the member to see.
 */
static int claim_open(struct store_conn *c, const char *sql, const struct broker_actor *verifier,
		      int64_t id, const char *action, struct claim *cl, struct broker_grant **g,
		      struct failure *f)
{
	*g = NULL;
	if (!garage_offered())
		return err_fail(f, ERR_NO_GARAGE);
	struct store_val key[] = {SV_INT(id)};
	if (store_exec(c, sql, key, STORE_NPARAMS(key), claim_cb, cl) < 0)
		return err_fail(f, ERR_STORE);
	if (!cl->found)
		return err_fail(f, ERR_NO_SUCH_CLAIM);
	struct broker_use use = {verifier,	  cl->member,	verification_purpose(),
				 identifier_cats, NIDENTIFIERS, action};
	enum decision_reason why;
	if (broker_open(c, &use, g, &why) != 0)
		return broker_failure(c, cl->member, why, f);
	return 0;
}

/* The other claims of one VIN, oldest first. */
struct other {
	int64_t id, created_at;
	char status[WORD_MAX];
};

struct others {
	struct other list[GARAGE_MAX_CLAIMS_OF_VIN];
	size_t n;
};

static int other_cb(void *ctx, const struct store_row *row)
{
	struct others *o = ctx;
	if (o->n >= GARAGE_MAX_CLAIMS_OF_VIN)
		return 1;
	struct other *x = &o->list[o->n++];
	x->id = row->cols[0].i;
	snprintf(x->status, sizeof(x->status), "%s", text_of(&row->cols[1]));
	x->created_at = row->cols[2].i;
	return 0;
}

static int other_order(const void *a, const void *b)
{
	const struct other *x = a, *y = b;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static json_t *other_claims(struct store_conn *c, const char *vin, int64_t claim)
{
	int64_t rows[GARAGE_MAX_CLAIMS_OF_VIN];
	struct others o = {.n = 0};
	int n = record_find(c, TABLE, "vin", vin, rows, GARAGE_MAX_CLAIMS_OF_VIN);
	if (n < 0)
		return NULL;
	for (int i = 0; i < n; i++) {
		struct store_val key[] = {SV_INT(rows[i])};
		if (rows[i] != claim &&
		    store_exec(c, SQL_OTHER, key, STORE_NPARAMS(key), other_cb, &o) < 0)
			return NULL;
	}
	qsort(o.list, o.n, sizeof(o.list[0]), other_order);
	json_t *list = json_array();
	for (size_t i = 0; i < o.n; i++)
		json_array_append_new(list,
				      json_pack("{s:I,s:s,s:I}", "id", (json_int_t)o.list[i].id,
						"status", o.list[i].status, "created_at",
						(json_int_t)o.list[i].created_at));
	return list;
}

int garage_review(const struct broker_actor *verifier, int64_t claim, json_t **out,
		  struct failure *f)
{
	*out = NULL;
	struct claim cl = {0};
	struct broker_grant *g = NULL;
	struct record_text ids[NIDENTIFIERS] = {{NULL, 0}, {NULL, 0}};
	json_t *o = NULL;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (claim_open(c, SQL_ONE, verifier, claim, "read", &cl, &g, f) != 0)
		goto out;
	int found = record_read(c, g, TABLE, claim, identifier_columns, NIDENTIFIERS, ids);
	if (found != 1) {
		err_fail(f, found == 0 ? ERR_NO_SUCH_CLAIM : ERR_STORE);
		goto out;
	}
	o = json_pack("{s:I,s:I,s:s,s:s,s:I,s:o,s:o}", "id", (json_int_t)claim, "member",
		      (json_int_t)cl.member, "status", cl.status, "reason", cl.reason, "created_at",
		      (json_int_t)cl.created_at, "vin", text_json(&ids[0]), "serial_numbers",
		      text_json(&ids[1]));
	if (ids[0].p) {
		struct vin_rules rules;
		struct vin_result v;
		vin_rules_of_profile(&rules);
		vin_check(ids[0].p, ids[0].n, &rules, &v);
		json_object_set_new(o, "manufacturer",
				    v.wmi ? json_string(v.wmi->manufacturer) : json_null());
		json_object_set_new(o, "model_year",
				    v.model_year ? json_integer(v.model_year) : json_null());
		json_object_set_new(o, "country", v.country ? json_string(v.country) : json_null());
		json_t *others = other_claims(c, ids[0].p, claim);
		if (!others) {
			err_fail(f, ERR_STORE);
			goto out;
		}
		json_object_set_new(o, "other_claims", others);
	} else {
		json_object_set_new(o, "other_claims", json_array());
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	store_release(c);
	broker_grant_free(g);
	record_texts_release(ids, NIDENTIFIERS);
	json_decref(o);
	return rc;
}

int garage_decide(const struct broker_actor *verifier, int64_t claim, const char *decision,
		  struct garage_decision *out, struct failure *f)
{
	*out = (struct garage_decision){0};
	const char *status = decision ? status_of_decision(decision, strlen(decision)) : NULL;
	if (!status) {
		err_fail(f, ERR_INVALID_FIELD);
		f->field = "decision";
		return -1;
	}
	struct claim cl = {0};
	struct broker_grant *g = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	/* The decision is an access too: logged, with the decision as the action. */
	if (claim_open(c, SQL_ONE_FOR_DECISION, verifier, claim, decision, &cl, &g, f) != 0)
		goto out;
	if (strcmp(cl.status, STATUS_REVIEW) != 0) {
		err_fail(f, ERR_NOT_IN_REVIEW);
		goto out;
	}
	struct store_val v[] = {SV_INT(claim), SV_TEXT(status), SV_INT(now), SV_INT(verifier->id)};
	int n = store_exec(c, SQL_DECIDE, v, STORE_NPARAMS(v), NULL, NULL);
	if (n == 0) {
		err_fail(f, ERR_NOT_IN_REVIEW);
		goto out;
	}
	if (n != 1 || store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	*out = (struct garage_decision){claim, status, now, verifier->id};
	log_info("a garage claim was decided: %s", status);
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	return rc;
}
