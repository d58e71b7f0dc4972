/*
 * garage: cars, their verification and the verifiers' reviews (garage.h).
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
#include "mem.h"
#include "policy.h"
#include "session.h"
#include "staff.h"
#include "store.h"
#include "vin.h"

#define POINT "vehicle_registration"
#define CAT_VIN "vin"
#define CAT_SERIALS "serial_numbers"
#define CAT_DETAILS "vehicle_details"
#define INDEX_DOMAIN "vin"
#define MAX_CARS 20

static const char SQL_INSERT[] =
	"INSERT INTO vehicles (id, member_id, vin, vin_index, serial_numbers, details, shown, status, "
	"reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
static const char SQL_CLAIMS[] =
	"SELECT member_id, status FROM vehicles WHERE vin_index = $1 AND status <> 'rejected'";
static const char SQL_COUNT_OF[] = "SELECT COUNT(*) FROM vehicles WHERE member_id = $1";
static const char SQL_OF_MEMBER[] =
	"SELECT id, vin, serial_numbers, details, shown, status, reason, created_at, decided_at "
	"FROM vehicles WHERE member_id = $1 ORDER BY created_at";
static const char SQL_DELETE[] = "DELETE FROM vehicles WHERE id = $1 AND member_id = $2";
static const char SQL_DELETE_MEMBER[] = "DELETE FROM vehicles WHERE member_id = $1";
static const char SQL_VERIFIED[] =
	"SELECT COUNT(*) FROM vehicles WHERE member_id = $1 AND status = 'verified'";
static const char SQL_REVIEWS[] =
	"SELECT id, reason, created_at FROM vehicles WHERE status = 'review' ORDER BY created_at "
	"LIMIT 200";
static const char SQL_ONE[] =
	"SELECT member_id, vin, serial_numbers, status, reason, created_at, vin_index "
	"FROM vehicles WHERE id = $1";
static const char SQL_OTHERS[] =
	"SELECT id, status, created_at FROM vehicles WHERE vin_index = $1 AND id <> $2 "
	"ORDER BY created_at";
static const char SQL_DECIDE[] =
	"UPDATE vehicles SET status = $2, decided_at = $3, decided_by = $4 "
	"WHERE id = $1 AND status = 'review'";

/* ---- the profile's garage ---- */

static const struct policy_collection *point(void)
{
	int i = policy_collection_index(app.policy, POINT);
	return i < 0 ? NULL : &app.policy->collections[i];
}

bool garage_offered(void)
{
	return point() != NULL;
}

static const char *verification_purpose(void)
{
	const struct policy_collection *cp = point();
	return cp ? app.policy->purposes[cp->purpose].id : NULL;
}

/* The purpose that covers the car's details (the member's account). */
static const char *details_purpose(void)
{
	const struct policy *p = app.policy;
	int cat = policy_category_index(p, CAT_DETAILS);
	for (size_t i = 0; cat >= 0 && i < p->npurposes; i++)
		if (policy_purpose_covers(&p->purposes[i], cat))
			return p->purposes[i].id;
	return NULL;
}

static void vin_rules_of_profile(struct vin_rules *rules)
{
	const struct policy_settings *s = &app.policy->settings;
	rules->strict = s->vin_strict;
	rules->accepted_makes = s->naccepted_makes ? (const char *const *)s->accepted_makes : NULL;
	rules->naccepted_makes = s->naccepted_makes;
}

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
		return NULL;            /* left empty on the form */
	int y = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || len != 4)
			return "must be a year such as 2006";
		y = y * 10 + (s[i] - '0');
	}
	return y >= 1886 && y <= 2100 ? NULL : "must be a year such as 2006";
}

const char *valid_decision(const char *s, size_t len)
{
	return (len == 6 && memcmp(s, "verify", 6) == 0) || (len == 6 && memcmp(s, "reject", 6) == 0)
		       ? NULL
		       : "must be verify or reject";
}

static bool offered(struct req *r)
{
	if (garage_offered())
		return true;
	resp_error(r, 404, "not_found", "This site has no garage.", NULL);
	return false;
}

/* ---- sealing ---- */

struct sealed {
	unsigned char *p;
	size_t n;
};


static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* Opens the member's key for a purpose and categories, as the member. */
static struct broker_grant *open_as_self(struct store_conn *c, int64_t member, const char *purpose,
					 const char *const *cats, size_t n, const char *action)
{
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	struct broker_use use = {&self, member, purpose, cats, n, action};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	return broker_open(c, &use, &g, &why) == 0 ? g : NULL;
}

/* The details as one JSON text: nickname, model, year, colour. */
static char *details_json(struct req *r)
{
	static const char *const keys[] = {"nickname", "model", "year", "colour"};
	json_t *o = json_object();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = req_param(r, keys[i]);
		if (v && *v)
			json_object_set_new(o, keys[i], json_string(v));
	}
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

struct claims {
	int others, mine;
	int64_t member;
};

static int claims_cb(void *ctx, const struct store_row *row)
{
	struct claims *c = ctx;
	if (row->cols[0].i == c->member)
		c->mine++;
	else
		c->others++;
	return 0;
}

static void vin_refused(struct req *r, const struct vin_result *v)
{
	char msg[160];
	vin_issue_message(&v->errors[0], v, msg, sizeof(msg));
	resp_error(r, 400, vin_code_name(v->errors[0].code), msg, "vin");
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

void garage_api_add(struct req *r)
{
	struct session s;
	if (!offered(r) || !session_require(r, &s, true))
		return;
	const char *input = req_param(r, "vin");
	struct vin_rules rules;
	struct vin_result v;
	vin_rules_of_profile(&rules);
	vin_check(input, strlen(input), &rules, &v);
	if (!v.valid) {
		vin_refused(r, &v);
		return;
	}
	unsigned char index[CRYPTO_INDEX_BYTES];
	crypto_blind_index(app.keys, INDEX_DOMAIN, v.vin, VIN_LEN, index);
	static const char *const ids[] = {CAT_VIN, CAT_SERIALS};
	static const char *const details[] = {CAT_DETAILS};
	const char *serials = req_param(r, "serial_numbers");
	char *dj = details_json(r);
	struct sealed f[3] = {{0}};
	struct broker_grant *g = NULL, *gd = NULL;
	struct claims cl = {0, 0, s.member};
	int64_t id = crypto_random_id(), now = (int64_t)time(NULL), cars = 0;
	const char *status = "verified", *reason = "";
	struct store_conn *c = store_acquire(app.store);
	struct store_val key[] = {SV_BLOB(index, sizeof(index))};
	struct store_val who[] = {SV_INT(s.member)};
	if (store_begin(c) != 0 || store_exec(c, SQL_CLAIMS, key, 1, claims_cb, &cl) < 0 ||
	    store_exec(c, SQL_COUNT_OF, who, 1, count_cb, &cars) < 0)
		goto fail;
	if (cl.mine) {
		store_rollback(c);
		resp_error(r, 409, "vehicle_exists", "That car is in your garage already.", "vin");
		goto out;
	}
	if (cars >= MAX_CARS) {
		store_rollback(c);
		resp_error(r, 409, "garage_full", "A garage holds at most 20 cars.", NULL);
		goto out;
	}
	reason = doubt(&v, &cl);
	if (*reason)
		status = "review";
	g = open_as_self(c, s.member, verification_purpose(), ids, 2, "write");
	gd = details_purpose() ? open_as_self(c, s.member, details_purpose(), details, 1, "write")
			       : NULL;
	if (!g || broker_seal(g, CAT_VIN, "vehicles", "vin", id, v.vin, VIN_LEN, &f[0].p, &f[0].n) != 0)
		goto fail;
	if (serials && *serials &&
	    broker_seal(g, CAT_SERIALS, "vehicles", "serial_numbers", id, serials, strlen(serials),
			&f[1].p, &f[1].n) != 0)
		goto fail;
	if (gd && broker_seal(gd, CAT_DETAILS, "vehicles", "details", id, dj, strlen(dj), &f[2].p,
			      &f[2].n) != 0)
		goto fail;
	const char *shown = req_param(r, "public");
	struct store_val row[] = {SV_INT(id),
				  SV_INT(s.member),
				  SV_BLOB(f[0].p, f[0].n),
				  SV_BLOB(index, sizeof(index)),
				  f[1].p ? SV_BLOB(f[1].p, f[1].n) : SV_NULL,
				  f[2].p ? SV_BLOB(f[2].p, f[2].n) : SV_NULL,
				  SV_INT(shown && strcmp(shown, "true") == 0),
				  SV_TEXT(status),
				  SV_TEXT(reason),
				  SV_INT(now)};
	if (store_exec(c, SQL_INSERT, row, 10, NULL, NULL) < 0 || store_commit(c) != 0)
		goto fail;
	log_info("a car was added to a garage: %s", status);
	resp_json(r, 201, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "status", status,
				    "reason", reason));
	goto out;
fail:
	store_rollback(c);
	resp_header(r, "Retry-After", "5");
	resp_error(r, 503, "store_unavailable", "The car was not added; try again.", NULL);
out:
	store_release(c);
	broker_grant_free(g);
	broker_grant_free(gd);
	for (size_t i = 0; i < 3; i++)
		free(f[i].p);
	free(dj);
}

/* ---- the member's cars ---- */

struct listing {
	struct broker_grant *g, *gd;
	json_t *cars;
	bool failed;
};

static json_t *opened(const struct broker_grant *g, const char *cat, const char *column,
		      int64_t id, const struct store_val *v)
{
	char *plain;
	size_t len;
	if (!g || v->type != STORE_BLOB ||
	    broker_read(g, cat, "vehicles", column, id, v->p, v->n, &plain, &len) != 0)
		return json_null();
	json_t *s = json_stringn(plain, len);
	broker_plain_free(plain, len);
	return s ? s : json_null();
}

static int car_cb(void *ctx, const struct store_row *row)
{
	struct listing *l = ctx;
	int64_t id = row->cols[0].i;
	json_t *car = json_pack("{s:I,s:b,s:s,s:s,s:I}", "id", (json_int_t)id, "public",
				row->cols[4].i != 0, "status", (const char *)row->cols[5].p, "reason",
				(const char *)row->cols[6].p, "created_at", (json_int_t)row->cols[7].i);
	json_object_set_new(car, "vin", opened(l->g, CAT_VIN, "vin", id, &row->cols[1]));
	json_object_set_new(car, "serial_numbers",
			    opened(l->g, CAT_SERIALS, "serial_numbers", id, &row->cols[2]));
	json_t *details = opened(l->gd, CAT_DETAILS, "details", id, &row->cols[3]);
	if (json_is_string(details)) {
		json_error_t je;
		json_t *d = json_loads(json_string_value(details), 0, &je);
		const char *k;
		json_t *val;
		json_object_foreach(d, k, val)
			json_object_set(car, k, val);
		json_decref(d);
	}
	json_decref(details);
	json_array_append_new(l->cars, car);
	return 0;
}

json_t *garage_of(struct store_conn *c, int64_t member)
{
	json_t *cars = json_array();
	if (!garage_offered())
		return cars;
	static const char *const ids[] = {CAT_VIN, CAT_SERIALS};
	static const char *const details[] = {CAT_DETAILS};
	struct listing l = {NULL, NULL, cars, false};
	l.g = open_as_self(c, member, verification_purpose(), ids, 2, "read");
	if (details_purpose())
		l.gd = open_as_self(c, member, details_purpose(), details, 1, "read");
	struct store_val who[] = {SV_INT(member)};
	store_exec(c, SQL_OF_MEMBER, who, 1, car_cb, &l);
	broker_grant_free(l.g);
	broker_grant_free(l.gd);
	return cars;
}

bool garage_verified_owner(struct store_conn *c, int64_t member)
{
	int64_t n = 0;
	struct store_val who[] = {SV_INT(member)};
	return garage_offered() && store_exec(c, SQL_VERIFIED, who, 1, count_cb, &n) >= 0 && n > 0;
}

int garage_forget_member(struct store_conn *c, int64_t member)
{
	if (!garage_offered())
		return 0;
	struct store_val who[] = {SV_INT(member)};
	return store_exec(c, SQL_DELETE_MEMBER, who, 1, NULL, NULL) < 0 ? -1 : 0;
}

void garage_api_list(struct req *r)
{
	struct session s;
	if (!offered(r) || !session_require(r, &s, false))
		return;
	struct store_conn *c = store_acquire(app.store);
	json_t *cars = garage_of(c, s.member);
	bool badge = garage_verified_owner(c, s.member);
	store_release(c);
	resp_json(r, 200, json_pack("{s:o,s:b}", "vehicles", cars, "verified_owner", badge));
}

void garage_api_remove(struct req *r)
{
	struct session s;
	if (!offered(r) || !session_require(r, &s, true))
		return;
	struct store_val v[] = {SV_INT(strtoll(r->path_params[0], NULL, 10)), SV_INT(s.member)};
	int n = store_query(app.store, SQL_DELETE, v, 2, NULL, NULL);
	if (n < 0) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	if (n == 0) {
		resp_error(r, 404, "not_found", "There is no such car in your garage.", NULL);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "removed", 1));
}

/* ---- verifiers ---- */

static bool verifier(struct req *r, struct staff_session *s)
{
	return offered(r) && staff_require(r, verification_purpose(), s);
}

static int review_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:I}", "id", (json_int_t)row->cols[0].i,
					     "reason", (const char *)row->cols[1].p, "created_at",
					     (json_int_t)row->cols[2].i));
	return 0;
}

/* The claims waiting for a decision, without any VIN (opening one is an
 * access, and is logged). */
void garage_api_reviews(struct req *r)
{
	struct staff_session s;
	if (!verifier(r, &s))
		return;
	json_t *list = json_array();
	if (store_query(app.store, SQL_REVIEWS, NULL, 0, review_cb, list) < 0) {
		json_decref(list);
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "reviews", list));
}

struct claim {
	bool found;
	int64_t member, created_at;
	char status[16], reason[32];
	struct sealed vin, serials;
	unsigned char index[CRYPTO_INDEX_BYTES];
};

static void copy_blob(const struct store_val *v, struct sealed *out)
{
	if (v->type != STORE_BLOB)
		return;
	out->p = xmalloc(v->n);
	memcpy(out->p, v->p, v->n);
	out->n = v->n;
}

static int claim_cb(void *ctx, const struct store_row *row)
{
	struct claim *c = ctx;
	c->found = true;
	c->member = row->cols[0].i;
	copy_blob(&row->cols[1], &c->vin);
	copy_blob(&row->cols[2], &c->serials);
	snprintf(c->status, sizeof(c->status), "%s", (const char *)row->cols[3].p);
	snprintf(c->reason, sizeof(c->reason), "%s", (const char *)row->cols[4].p);
	c->created_at = row->cols[5].i;
	if (row->cols[6].type == STORE_BLOB && row->cols[6].n == CRYPTO_INDEX_BYTES)
		memcpy(c->index, row->cols[6].p, CRYPTO_INDEX_BYTES);
	return 0;
}

static void claim_release(struct claim *c)
{
	free(c->vin.p);
	free(c->serials.p);
}

static int other_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:I}", "id", (json_int_t)row->cols[0].i,
					     "status", (const char *)row->cols[1].p, "created_at",
					     (json_int_t)row->cols[2].i));
	return 0;
}

/* Loads a claim and opens it as this verifier; the broker logs the access
 * under the verification purpose, for the member to see. */
static struct broker_grant *open_claim(struct req *r, struct store_conn *c,
				       const struct staff_session *s, struct claim *cl,
				       const char *action)
{
	int64_t id = strtoll(r->path_params[0], NULL, 10);
	struct store_val key[] = {SV_INT(id)};
	if (store_exec(c, SQL_ONE, key, 1, claim_cb, cl) < 0) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return NULL;
	}
	if (!cl->found) {
		resp_error(r, 404, "not_found", "There is no such claim.", NULL);
		return NULL;
	}
	static const char *const ids[] = {CAT_VIN, CAT_SERIALS};
	struct broker_actor actor;
	staff_actor(s, &actor);
	struct broker_use use = {&actor, cl->member, verification_purpose(), ids, 2, action};
	struct broker_grant *g = NULL;
	enum decision_reason why = DECISION_ALLOWED;
	if (broker_open(c, &use, &g, &why) != 0) {
		if (why == DECISION_ALLOWED)
			resp_error(r, 410, "erased", "The member's data has been erased.", NULL);
		else
			resp_error(r, 403, policy_reason_code(why), policy_reason_message(why), NULL);
		return NULL;
	}
	return g;
}

void garage_api_review(struct req *r)
{
	struct staff_session s;
	if (!verifier(r, &s))
		return;
	struct claim cl = {0};
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g = open_claim(r, c, &s, &cl, "read");
	if (!g)
		goto out;
	int64_t id = strtoll(r->path_params[0], NULL, 10);
	struct store_val vin_val = SV_BLOB(cl.vin.p, cl.vin.n);
	struct store_val serial_val = cl.serials.p ? SV_BLOB(cl.serials.p, cl.serials.n) : SV_NULL;
	json_t *vin = opened(g, CAT_VIN, "vin", id, &vin_val);
	json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:I,s:o,s:o}", "id", (json_int_t)id, "member",
			      (json_int_t)cl.member, "status", cl.status, "reason", cl.reason,
			      "created_at", (json_int_t)cl.created_at, "vin", vin, "serial_numbers",
			      opened(g, CAT_SERIALS, "serial_numbers", id, &serial_val));
	if (json_is_string(vin)) {
		struct vin_rules rules;
		struct vin_result v;
		vin_rules_of_profile(&rules);
		vin_check(json_string_value(vin), VIN_LEN, &rules, &v);
		json_object_set_new(o, "manufacturer",
				    v.wmi ? json_string(v.wmi->manufacturer) : json_null());
		json_object_set_new(o, "model_year",
				    v.model_year ? json_integer(v.model_year) : json_null());
		json_object_set_new(o, "country", v.country ? json_string(v.country) : json_null());
	}
	json_t *others = json_array();
	struct store_val k[] = {SV_BLOB(cl.index, CRYPTO_INDEX_BYTES), SV_INT(id)};
	store_exec(c, SQL_OTHERS, k, 2, other_cb, others);
	json_object_set_new(o, "other_claims", others);
	resp_json(r, 200, o);
out:
	store_release(c);
	broker_grant_free(g);
	claim_release(&cl);
}

void garage_api_decide(struct req *r)
{
	struct staff_session s;
	if (!verifier(r, &s))
		return;
	const char *decision = req_param(r, "decision");
	const char *status = strcmp(decision, "verify") == 0 ? "verified" : "rejected";
	struct claim cl = {0};
	struct broker_grant *g = NULL;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		goto out;
	}
	g = open_claim(r, c, &s, &cl, decision);
	if (!g) {
		store_rollback(c);
		goto out;
	}
	int64_t id = strtoll(r->path_params[0], NULL, 10), now = (int64_t)time(NULL);
	struct store_val v[] = {SV_INT(id), SV_TEXT(status), SV_INT(now), SV_INT(s.staff)};
	int n = store_exec(c, SQL_DECIDE, v, 4, NULL, NULL);
	if (n == 0) {
		store_rollback(c);
		resp_error(r, 409, "not_in_review", "That claim is not waiting for a decision.", NULL);
		goto out;
	}
	if (n != 1 || store_commit(c) != 0) {
		store_rollback(c);
		resp_error(r, 503, "store_unavailable", "The decision was not saved; try again.", NULL);
		goto out;
	}
	log_info("a garage claim was decided: %s", status);
	resp_json(r, 200, json_pack("{s:I,s:s,s:I,s:I}", "id", (json_int_t)id, "status", status,
				    "decided_at", (json_int_t)now, "decided_by", (json_int_t)s.staff));
out:
	store_release(c);
	broker_grant_free(g);
	claim_release(&cl);
}
