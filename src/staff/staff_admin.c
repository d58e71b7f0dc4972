/*
 * staff_admin: the admin console's reading side (see staff_admin.h): the
 * access log, read in plain columns (the log names subjects by number and
 * holds no personal value), its chain verified as `glovebox audit verify`
 * does, and the consent ledger counted through the broker.
 */
#include "staff_admin.h"

#include <string.h>

#include "app.h"
#include "audit.h"
#include "broker.h"
#include "policy.h"
#include "store.h"

#define LOG_COLUMNS                                                                                \
	"SELECT seq, at, actor_kind, actor_id, role, recipient, subject_id, purpose, categories, " \
	"action FROM access_log "
#define LOG_PAGE "ORDER BY seq DESC LIMIT $1 OFFSET $2"

/* One text per filter, indexed by (member ? 1 : 0) | (staff ? 2 : 0). */
static const char *const SQL_LOG[] = {
	LOG_COLUMNS LOG_PAGE,
	LOG_COLUMNS "WHERE subject_id = $3 " LOG_PAGE,
	LOG_COLUMNS "WHERE actor_kind = 'staff' AND actor_id = $3 " LOG_PAGE,
	LOG_COLUMNS "WHERE subject_id = $3 AND actor_kind = 'staff' AND actor_id = $4 " LOG_PAGE,
};

/* A page past this one is refused as an offset nobody pages to. */
#define LOG_PAGE_MAX 1000000

static const char *text_of(const struct store_val *v)
{
	return v->type == STORE_TEXT ? (const char *)v->p : "";
}

static int entry_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(
		ctx,
		json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:I,s:s,s:s,s:s}", "seq",
			  (json_int_t)row->cols[0].i, "at", (json_int_t)row->cols[1].i,
			  "actor_kind", text_of(&row->cols[2]), "actor_id",
			  (json_int_t)row->cols[3].i, "role", text_of(&row->cols[4]), "recipient",
			  text_of(&row->cols[5]), "subject", (json_int_t)row->cols[6].i, "purpose",
			  text_of(&row->cols[7]), "categories", text_of(&row->cols[8]), "action",
			  text_of(&row->cols[9])));
	return 0;
}

/* The admin's look, appended on its own (a look changes nothing else). */
static int view_log(struct store_conn *c, const struct staff_admin *who, int64_t subject,
		    const char *action)
{
	const char *purpose = staff_admin_purpose(who->role);
	struct audit_entry e = {"staff", who->account,		 who->role, "",
				subject, purpose ? purpose : "", "",	    action};
	return audit_append(c, &e);
}

static json_t *verification(const struct audit_report *r, int rc)
{
	json_t *v = json_pack("{s:b,s:I,s:I}", "intact", rc == 0, "entries", (json_int_t)r->entries,
			      "head", (json_int_t)(r->has_head ? r->head.seq : 0));
	if (rc > 0) {
		char why[512];
		audit_break_describe(r, NULL, why, sizeof(why));
		json_object_set_new(v, "broken_at", json_integer(r->bad_seq));
		json_object_set_new(v, "why", json_string(why));
	}
	return v;
}

int staff_admin_log(const struct staff_admin *who, const struct staff_log_filter *q, json_t **out,
		    struct failure *f)
{
	*out = NULL;
	int64_t page = q->page > 0 ? q->page : 1;
	if (page > LOG_PAGE_MAX)
		page = LOG_PAGE_MAX;
	struct store_conn *c = store_acquire(app.store);
	struct audit_report r;
	int checked = audit_verify(c, NULL, &r);
	if (checked < 0) {
		store_release(c);
		return err_fail(f, ERR_STORE);
	}
	/* One more than a page, to know whether another follows. */
	struct store_val p[] = {SV_INT(STAFF_LOG_PAGE_SIZE + 1),
				SV_INT((page - 1) * STAFF_LOG_PAGE_SIZE),
				SV_INT(q->member ? q->member : q->staff), SV_INT(q->staff)};
	size_t which = (q->member ? 1u : 0u) | (q->staff ? 2u : 0u);
	size_t np = which == 0 ? 2 : which == 3 ? 4 : 3;
	json_t *entries = json_array();
	if (store_exec(c, SQL_LOG[which], p, np, entry_cb, entries) < 0 ||
	    view_log(c, who, q->member, "access_log_viewed") != 0) {
		store_release(c);
		json_decref(entries);
		return err_fail(f, ERR_STORE);
	}
	store_release(c);
	bool more = json_array_size(entries) > STAFF_LOG_PAGE_SIZE;
	if (more)
		json_array_remove(entries, STAFF_LOG_PAGE_SIZE);
	*out = json_pack("{s:o,s:o,s:I,s:i,s:b}", "verification", verification(&r, checked),
			 "entries", entries, "page", (json_int_t)page, "page_size",
			 STAFF_LOG_PAGE_SIZE, "more", more);
	return 0;
}

int staff_admin_consents(const struct staff_admin *who, json_t **out, struct failure *f)
{
	const struct policy *p = app.policy;
	json_t *list = json_array();
	struct store_conn *c = store_acquire(app.store);
	int rc = 0;
	for (size_t i = 0; i < p->npurposes && rc == 0; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		struct broker_consent_counts n;
		rc = broker_consent_counts(c, pu->id, &n);
		if (rc == 0)
			json_array_append_new(list,
					      json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "id", pu->id,
							"label", pu->label ? pu->label : pu->id,
							"basis", policy_basis_name(pu->basis),
							"granted", (json_int_t)n.granted, "refused",
							(json_int_t)n.refused, "waiting",
							(json_int_t)n.waiting));
	}
	if (rc == 0)
		rc = view_log(c, who, 0, "consent_counts_viewed");
	store_release(c);
	if (rc != 0) {
		json_decref(list);
		return err_fail(f, ERR_STORE);
	}
	*out = json_pack("{s:o,s:i}", "purposes", list, "opt_out_window_days",
			 p->settings.opt_out_window_days);
	return 0;
}
