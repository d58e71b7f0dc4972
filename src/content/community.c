/*
 * community: the community garage and the display name (community.h).
 * The SQL here names only plain columns of vehicles (shown, status, the
 * member); the details and the display name are the record layer's.
 */
#include "community.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "broker.h"
#include "garage.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "record.h"
#include "store.h"

#define CAT_DETAILS "vehicle_details"
#define CAT_NAME    "display_name"

static const char SQL_SHOWN[] = "SELECT id, member_id, status FROM vehicles WHERE shown = 1 "
				"ORDER BY created_at DESC, id DESC LIMIT $1";
static const char SQL_SET_SHOWN[] =
	"UPDATE vehicles SET shown = $3 WHERE id = $1 AND member_id = $2";

static const char *const details_columns[] = {"details"};
static const char *const name_columns[] = {"display_name"};

const char *content_public_purpose(const char *category)
{
	return policy_public_purpose(app.policy, category);
}

static const char *community_purpose(void)
{
	return content_public_purpose(CAT_DETAILS);
}

bool community_offered(void)
{
	return garage_offered() && community_purpose() != NULL;
}

bool display_name_offered(void)
{
	return policy_category_purpose(app.policy, CAT_NAME) != NULL;
}

/* Opens member's categories under purpose as actor kind (SELF or SYSTEM). */
static struct broker_grant *open_grant(struct store_conn *c, enum actor_kind kind, int64_t member,
				       const char *purpose, const char *const *cats, size_t n,
				       const char *action)
{
	struct broker_actor actor = {kind, kind == ACTOR_SELF ? member : 0, NULL, NULL};
	struct broker_use use = {&actor, member, purpose, cats, n, action};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	return purpose && broker_open(c, &use, &g, &why) == 0 ? g : NULL;
}

char *display_name_shown(struct store_conn *c, int64_t member, const char *purpose)
{
	static const char *const cats[] = {CAT_NAME};
	struct broker_grant *g =
		open_grant(c, ACTOR_SYSTEM, member, purpose, cats, ARRAY_LEN(cats), "read");
	if (!g)
		return NULL;
	struct record_text t = {0};
	char *name = NULL;
	if (record_read(c, g, "members", member, name_columns, 1, &t) == 1 && t.p && t.n)
		name = xstrndup(t.p, t.n);
	record_texts_release(&t, 1);
	broker_grant_free(g);
	return name;
}

/* ---- the community garage ---- */

struct shown_car {
	int64_t id, member;
	bool verified;
};

struct shown_cars {
	struct shown_car *list;
	size_t n, max;
};

static int shown_cb(void *ctx, const struct store_row *row)
{
	struct shown_cars *s = ctx;
	if (s->n >= s->max)
		return 1;
	const struct store_val *st = &row->cols[2];
	s->list[s->n++] = (struct shown_car){row->cols[0].i, row->cols[1].i,
					     st->type == STORE_TEXT &&
						     strcmp((const char *)st->p, "verified") == 0};
	return 0;
}

/* One shown car as other members see it, or NULL when its details cannot
 * be opened (the owner erased meanwhile). */
static json_t *car_shown(struct store_conn *c, const struct shown_car *car, const char *purpose)
{
	static const char *const cats[] = {CAT_DETAILS};
	struct broker_grant *g =
		open_grant(c, ACTOR_SYSTEM, car->member, purpose, cats, ARRAY_LEN(cats), "read");
	if (!g)
		return NULL;
	struct record_text det = {0};
	json_t *o = NULL;
	if (record_read(c, g, "vehicles", car->id, details_columns, 1, &det) == 1) {
		o = json_pack("{s:I,s:b}", "id", (json_int_t)car->id, "verified_owner",
			      car->verified);
		json_error_t je;
		json_t *d = det.p ? json_loadb(det.p, det.n, 0, &je) : NULL;
		/* Only the four details a member may show, whatever the text holds. */
		static const char *const keys[] = {"nickname", "model", "year", "colour"};
		for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
			json_t *v = json_object_get(d, keys[i]);
			if (json_is_string(v))
				json_object_set(o, keys[i], v);
		}
		json_decref(d);
		char *name = display_name_shown(c, car->member, purpose);
		if (name)
			json_object_set_new(o, "display_name", json_string(name));
		free(name);
	}
	record_texts_release(&det, 1);
	broker_grant_free(g);
	return o;
}

int community_list(json_t **cars, struct failure *f)
{
	*cars = NULL;
	if (!community_offered())
		return err_fail(f, ERR_NO_COMMUNITY);
	long max = app.cfg.community_garage_listed > 0 ? app.cfg.community_garage_listed : 1;
	struct shown_cars s = {xcalloc((size_t)max, sizeof(struct shown_car)), 0, (size_t)max};
	struct store_val limit[] = {SV_INT(max)};
	const char *purpose = community_purpose();
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_exec(c, SQL_SHOWN, limit, STORE_NPARAMS(limit), shown_cb, &s) < 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < s.n; i++) {
		json_t *o = car_shown(c, &s.list[i], purpose);
		if (o)
			json_array_append_new(list, o);
	}
	*cars = list;
	rc = 0;
out:
	store_release(c);
	free(s.list);
	return rc;
}

int community_set_shown(int64_t member, int64_t car, bool shown, struct failure *f)
{
	if (!community_offered())
		return err_fail(f, ERR_NO_COMMUNITY);
	struct store_val v[] = {SV_INT(car), SV_INT(member), SV_INT(shown ? 1 : 0)};
	int n = store_query(app.store, SQL_SET_SHOWN, v, STORE_NPARAMS(v), NULL, NULL);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	if (n == 0)
		return err_fail(f, ERR_NO_SUCH_CAR);
	log_info("a car was %s the community garage", shown ? "shown on" : "hidden from");
	return 0;
}

/* ---- the display name ---- */

int display_name_get(int64_t member, char **name, struct failure *f)
{
	*name = NULL;
	static const char *const cats[] = {CAT_NAME};
	const char *purpose = policy_category_purpose(app.policy, CAT_NAME);
	if (!purpose)
		return err_fail(f, ERR_NOT_FOUND);
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g =
		open_grant(c, ACTOR_SELF, member, purpose, cats, ARRAY_LEN(cats), "read");
	struct record_text t = {0};
	int rc = -1;
	if (g && record_read(c, g, "members", member, name_columns, 1, &t) == 1) {
		if (t.p && t.n)
			*name = xstrndup(t.p, t.n);
		rc = 0;
	} else {
		err_fail(f, ERR_STORE);
	}
	record_texts_release(&t, 1);
	broker_grant_free(g);
	store_release(c);
	return rc;
}

int display_name_set(int64_t member, const char *name, struct failure *f)
{
	static const char *const cats[] = {CAT_NAME};
	const char *purpose = policy_category_purpose(app.policy, CAT_NAME);
	if (!purpose)
		return err_fail(f, ERR_NOT_FOUND);
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g =
		open_grant(c, ACTOR_SELF, member, purpose, cats, ARRAY_LEN(cats), "write");
	struct record_field set[] = {{"display_name", name && *name ? SV_TEXT(name) : SV_NULL}};
	int rc = g && record_update(c, g, "members", member, set, ARRAY_LEN(set)) == 1
			 ? 0
			 : err_fail(f, ERR_STORE);
	broker_grant_free(g);
	store_release(c);
	return rc;
}
