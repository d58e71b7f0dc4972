/*
 * broker: purpose checks, data keys, sealing, the consent ledger, and the
 * entries of the access log (audit.c keeps the chain) (see broker.h). The
 * only file besides crypto.c that seals or opens personal fields.
 */
#include "broker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "audit.h"
#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "log.h"
#include "progress.h"
#include "mem.h"
#include "store.h"

#define BROKER_MAX_CATEGORIES 32

struct broker_grant {
	int64_t subject;
	struct data_key *dk;
	int categories[BROKER_MAX_CATEGORIES];
	size_t ncategories;
	bool staff;	 /* a staff account's own record: staff categories only */
	bool everything; /* the subject's own access to all of it (the export) */
};

#define STAFF_KIND "staff"

struct subject_row {
	bool found;
	char kind[48];
	unsigned char *sealed_key;
	size_t sealed_len;
	int64_t profile_version;
};

static const char SQL_SUBJECT_GET[] =
	"SELECT s.kind, k.sealed_key, s.profile_version FROM subjects s "
	"LEFT JOIN subject_keys k ON k.subject_id = s.id WHERE s.id = $1";
static const char SQL_SUBJECT_INSERT[] =
	"INSERT INTO subjects (id, kind, created_at, profile_version, owner_id) "
	"VALUES ($1, $2, $3, $4, $5)";
static const char SQL_HAS_KEY[] = "SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1";
static const char SQL_KEY_INSERT[] =
	"INSERT INTO subject_keys (subject_id, sealed_key) VALUES ($1, $2)";
static const char SQL_KEYS_LIVE[] = "SELECT k.subject_id, k.sealed_key FROM subject_keys k JOIN "
				    "subjects s ON s.id = k.subject_id "
				    "WHERE s.erased_at IS NULL";
static const char SQL_KEY_RESTORE[] =
	"INSERT INTO subject_keys (subject_id, sealed_key) SELECT $1, $2 WHERE EXISTS "
	"(SELECT 1 FROM subjects WHERE id = $1 AND erased_at IS NULL) "
	"ON CONFLICT (subject_id) DO NOTHING";
static const char SQL_CONSENT_GET[] =
	"SELECT state FROM consents WHERE subject_id = $1 AND purpose = $2";
static const char SQL_CONSENT_UPSERT[] =
	"INSERT INTO consents (subject_id, purpose, state, profile_version, changed_at, via) "
	"VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (subject_id, purpose) DO UPDATE SET "
	"state = excluded.state, profile_version = excluded.profile_version, "
	"changed_at = excluded.changed_at, via = excluded.via";
static const char SQL_CONSENT_EVENT[] = "INSERT INTO consent_events (id, subject_id, purpose, "
					"state, profile_version, changed_at, via) "
					"VALUES ($1, $2, $3, $4, $5, $6, $7)";
/* The first version whose new use of a purpose is still pending for a
 * subject whose data predates it (NAM10): its notice has not gone out at
 * least the opt-out window ago, and the subject has not said yes since the
 * revision (under it, or after its notice was due). NULL when none is. */
#define PENDING_WHERE(SUBJECT, SINCE, NOTIFIED_BEFORE)                                             \
	"n.purpose = $1 AND n.version > " SINCE " "                                                \
	"AND NOT EXISTS (SELECT 1 FROM use_notices u WHERE u.subject_id = " SUBJECT " "            \
	"AND u.purpose = n.purpose AND u.version = n.version AND u.notified_at IS NOT NULL "       \
	"AND u.notified_at <= " NOTIFIED_BEFORE ") "                                               \
	"AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.subject_id = " SUBJECT " "               \
	"AND c.purpose = n.purpose AND c.state = 'on' AND (c.profile_version >= n.version "        \
	"OR EXISTS (SELECT 1 FROM use_notices w WHERE w.subject_id = " SUBJECT " "                 \
	"AND w.purpose = n.purpose AND w.version = n.version AND c.changed_at > w.due_at)))"
static const char SQL_PENDING[] =
	"SELECT MIN(n.version) FROM new_uses n WHERE " PENDING_WHERE("$3", "$2", "$4");
/* The same condition for every subject of a kind at once (the console's
 * count): one text, so the count and the broker's decision cannot drift. */
static const char SQL_PENDING_COUNT[] =
	"SELECT COUNT(*) FROM subjects s WHERE s.kind = $2 AND s.erased_at IS NULL "
	"AND EXISTS (SELECT 1 FROM new_uses n WHERE " PENDING_WHERE(
		"s.id", "COALESCE(s.profile_version, 0)", "$3") ")";
static const char SQL_CONSENT_COUNTS[] =
	"SELECT state, COUNT(*) FROM consents WHERE purpose = $1 GROUP BY state";
#define SECONDS_PER_DAY 86400

static const char SQL_SUBJECT_VERSION[] = "SELECT profile_version FROM subjects WHERE id = $1";
static const char SQL_NOTIFIED[] = "SELECT notified_at FROM use_notices WHERE subject_id = $1 "
				   "AND purpose = $2 AND version = $3 AND notified_at IS NOT NULL";
/* The terms in force before a version: the latest published below it. */
static const char SQL_TERMS_BEFORE[] =
	"SELECT version, source FROM profile_versions WHERE version < $1 "
	"ORDER BY version DESC LIMIT 1";
/* The data keys, which backups never hold (ALL02). */
const char *const broker_key_tables[] = {"subject_keys", NULL};

static const char *const actor_names[] = {"self", "system", "staff", "recipient"};

static int64_t now_seconds(void)
{
	return (int64_t)time(NULL);
}

static int subject_row_cb(void *ctx, const struct store_row *row)
{
	struct subject_row *s = ctx;
	s->found = true;
	snprintf(s->kind, sizeof(s->kind), "%s", (const char *)row->cols[0].p);
	if (row->cols[1].type == STORE_BLOB) {
		s->sealed_key = xmalloc(row->cols[1].n);
		memcpy(s->sealed_key, row->cols[1].p, row->cols[1].n);
		s->sealed_len = row->cols[1].n;
	}
	s->profile_version = row->cols[2].type == STORE_INT ? row->cols[2].i : 0;
	return 0;
}

static int int_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].type == STORE_INT ? row->cols[0].i : 0;
	return 0;
}

static int text_cb(void *ctx, const struct store_row *row)
{
	char *out = ctx;
	snprintf(out, 16, "%s",
		 row->cols[0].type == STORE_TEXT ? (const char *)row->cols[0].p : "");
	return 0;
}

enum consent_state broker_consent_get(struct store_conn *c, int64_t subject, const char *purpose)
{
	char state[16] = "";
	struct store_val p[] = {SV_INT(subject), SV_TEXT(purpose)};
	if (store_exec(c, SQL_CONSENT_GET, p, STORE_NPARAMS(p), text_cb, state) <= 0)
		return CONSENT_UNSET;
	return strcmp(state, "on") == 0 ? CONSENT_ON : CONSENT_OFF;
}

int broker_consent_set(struct store_conn *c, int64_t subject, const char *purpose, bool on,
		       const char *via)
{
	int64_t now = now_seconds(), version = app.policy->version;
	const char *state = on ? "on" : "off";
	struct store_val cur[] = {SV_INT(subject), SV_TEXT(purpose), SV_TEXT(state),
				  SV_INT(version), SV_INT(now),	     SV_TEXT(via)};
	struct store_val ev[] = {SV_INT(crypto_random_id()),
				 SV_INT(subject),
				 SV_TEXT(purpose),
				 SV_TEXT(state),
				 SV_INT(version),
				 SV_INT(now),
				 SV_TEXT(via)};
	if (store_exec(c, SQL_CONSENT_UPSERT, cur, STORE_NPARAMS(cur), NULL, NULL) < 0 ||
	    store_exec(c, SQL_CONSENT_EVENT, ev, STORE_NPARAMS(ev), NULL, NULL) < 0)
		return -1;
	return 0;
}

/* The version of the first new use of purpose still pending for the
 * subject, 0 when none is, -1 when the store failed. */
static int64_t use_pending(struct store_conn *c, int64_t subject, int64_t subject_version,
			   const char *purpose)
{
	int64_t window = (int64_t)app.policy->settings.opt_out_window_days * SECONDS_PER_DAY;
	int64_t version = 0;
	struct store_val p[] = {SV_TEXT(purpose), SV_INT(subject_version), SV_INT(subject),
				SV_INT(now_seconds() - window)};
	if (store_exec(c, SQL_PENDING, p, STORE_NPARAMS(p), int_cb, &version) < 0)
		return -1;
	return version;
}

static int state_count_cb(void *ctx, const struct store_row *row)
{
	struct broker_consent_counts *out = ctx;
	const char *state = row->cols[0].type == STORE_TEXT ? (const char *)row->cols[0].p : "";
	int64_t n = row->cols[1].type == STORE_INT ? row->cols[1].i : 0;
	if (strcmp(state, "on") == 0)
		out->granted += n;
	else
		out->refused += n;
	return 0;
}

int broker_consent_counts(struct store_conn *c, const char *purpose,
			  struct broker_consent_counts *out)
{
	*out = (struct broker_consent_counts){0};
	int pi = policy_purpose_index(app.policy, purpose);
	struct store_val p[] = {SV_TEXT(purpose)};
	if (pi < 0 ||
	    store_exec(c, SQL_CONSENT_COUNTS, p, STORE_NPARAMS(p), state_count_cb, out) < 0)
		return -1;
	const struct policy_purpose *pu = &app.policy->purposes[pi];
	int64_t window = (int64_t)app.policy->settings.opt_out_window_days * SECONDS_PER_DAY;
	for (size_t i = 0; i < pu->nsubjects; i++) {
		int64_t n = 0;
		struct store_val w[] = {SV_TEXT(purpose),
					SV_TEXT(app.policy->subjects[pu->subjects[i]].id),
					SV_INT(now_seconds() - window)};
		if (store_exec(c, SQL_PENDING_COUNT, w, STORE_NPARAMS(w), int_cb, &n) < 0)
			return -1;
		out->waiting += n;
	}
	return 0;
}

int64_t broker_use_waiting(struct store_conn *c, int64_t subject, const char *purpose,
			   int64_t *starts)
{
	int64_t since = 0, notified = 0;
	struct store_val s[] = {SV_INT(subject)};
	*starts = 0;
	if (store_exec(c, SQL_SUBJECT_VERSION, s, STORE_NPARAMS(s), int_cb, &since) < 0)
		return -1;
	int64_t version = use_pending(c, subject, since, purpose);
	if (version <= 0)
		return version;
	struct store_val n[] = {SV_INT(subject), SV_TEXT(purpose), SV_INT(version)};
	int got = store_exec(c, SQL_NOTIFIED, n, STORE_NPARAMS(n), int_cb, &notified);
	if (got < 0)
		return -1;
	if (got > 0 && notified > 0)
		*starts = notified +
			  (int64_t)app.policy->settings.opt_out_window_days * SECONDS_PER_DAY;
	return version;
}

/* Published versions, parsed once each: a version's text never changes,
 * and only members with a new use pending need one. Kept for the life of
 * the process, keyed by their text as well, so a store opened afresh (the
 * unit tests') never reuses another's. */
#define OLD_TERMS_KEPT 16

static struct {
	int64_t version;
	struct policy *p;
} old_terms[OLD_TERMS_KEPT];
static size_t old_terms_n;
static pthread_mutex_t old_terms_lock = PTHREAD_MUTEX_INITIALIZER;

struct terms_row {
	int64_t version;
	char *source;
	size_t len;
};

static int terms_cb(void *ctx, const struct store_row *row)
{
	struct terms_row *t = ctx;
	if (row->cols[0].type != STORE_INT || row->cols[1].type != STORE_TEXT)
		return 0;
	t->version = row->cols[0].i;
	t->source = xstrndup(row->cols[1].p, row->cols[1].n);
	t->len = row->cols[1].n;
	return 0;
}

/* The terms before version: *owned says whether the caller frees them
 * (the cache was full). NULL when there are none or they do not load. */
static const struct policy *terms_before(struct store_conn *c, int64_t version, bool *owned)
{
	struct terms_row t = {0};
	struct store_val v[] = {SV_INT(version)};
	const struct policy *found = NULL;
	*owned = false;
	if (store_exec(c, SQL_TERMS_BEFORE, v, STORE_NPARAMS(v), terms_cb, &t) <= 0 || !t.source)
		goto out;
	pthread_mutex_lock(&old_terms_lock);
	for (size_t i = 0; i < old_terms_n && !found; i++)
		if (old_terms[i].version == t.version && old_terms[i].p->source_len == t.len &&
		    memcmp(old_terms[i].p->source, t.source, t.len) == 0)
			found = old_terms[i].p;
	pthread_mutex_unlock(&old_terms_lock);
	if (found)
		goto out;
	struct policy_diags d;
	struct policy *p = policy_load(t.source, t.len, &d);
	if (!p) {
		log_error("published version %lld no longer loads", (long long)t.version);
		goto out;
	}
	pthread_mutex_lock(&old_terms_lock);
	if (old_terms_n < OLD_TERMS_KEPT) {
		old_terms[old_terms_n].version = t.version;
		old_terms[old_terms_n++].p = p;
	} else {
		*owned = true;
	}
	pthread_mutex_unlock(&old_terms_lock);
	found = p;
out:
	free(t.source);
	return found;
}

/*
 * A use of a purpose with a new use pending for the subject is decided
 * under the old terms too (NAM10): the terms in force before the first
 * pending version must allow the same use, by the same actor, of the same
 * categories (matched by id), with the subject's own choice, or it is
 * refused as pending. A narrowing since applies at once, since the new
 * terms must allow it as well; a basis that moved from opt_in keeps a
 * member who never said yes at no.
 */
static bool old_terms_allow(const struct policy *old, const struct broker_use *u, const char *kind,
			    enum consent_state consent)
{
	int cats[BROKER_MAX_CATEGORIES];
	for (size_t i = 0; i < u->ncategories; i++)
		cats[i] = policy_category_index(old, u->categories[i]);
	struct decision_input in = {
		.purpose = policy_purpose_index(old, u->purpose),
		.categories = cats,
		.ncategories = u->ncategories,
		.subject = policy_subject_index(old, kind),
		.actor = u->actor->kind,
		.role = u->actor->role ? policy_role_index(old, u->actor->role) : -1,
		.recipient =
			u->actor->recipient ? policy_recipient_index(old, u->actor->recipient) : -1,
		.consent = consent,
	};
	return policy_decide(old, &in) == DECISION_ALLOWED;
}

static enum decision_reason decide_pending(struct store_conn *c, const struct broker_use *u,
					   const struct subject_row *s, enum consent_state consent)
{
	int64_t version = use_pending(c, u->subject, s->profile_version, u->purpose);
	if (version == 0)
		return DECISION_ALLOWED;
	if (version < 0)
		return DENY_PENDING_NOTICE; /* when in doubt, the new use does not apply */
	bool owned;
	const struct policy *old = terms_before(c, version, &owned);
	bool ok = old && old_terms_allow(old, u, s->kind, consent);
	if (owned)
		policy_free((struct policy *)old);
	return ok ? DECISION_ALLOWED : DENY_PENDING_NOTICE;
}

/* The access, appended to the access log (audit.h). */
static int access_append(struct store_conn *c, const struct broker_use *u, const char *categories)
{
	const struct broker_actor *a = u->actor;
	struct audit_entry e = {
		.actor_kind = actor_names[a->kind],
		.actor_id = a->id,
		.role = a->role ? a->role : "",
		.recipient = a->recipient ? a->recipient : "",
		.subject = u->subject,
		.purpose = u->purpose,
		.categories = categories,
		.action = u->action,
	};
	return audit_append(c, &e);
}

static int categories_resolve(const char *const *names, size_t n, int *out, struct buf *joined)
{
	if (n > BROKER_MAX_CATEGORIES)
		return -1;
	for (size_t i = 0; i < n; i++) {
		out[i] = policy_category_index(app.policy, names[i]);
		if (joined)
			buf_printf(joined, "%s%s", i ? "," : "", names[i]);
	}
	return 0;
}

static struct broker_grant *grant_new(int64_t subject, struct data_key *dk, const int *cats,
				      size_t n)
{
	struct broker_grant *g = xcalloc(1, sizeof(*g));
	g->subject = subject;
	g->dk = dk;
	if (n)
		memcpy(g->categories, cats, n * sizeof(int));
	g->ncategories = n;
	return g;
}

/* broker_open, and broker_open_handover when log is false. */
static int open_use(struct store_conn *c, const struct broker_use *u, bool log,
		    struct broker_grant **grant, enum decision_reason *reason)
{
	const struct policy *p = app.policy;
	int cats[BROKER_MAX_CATEGORIES];
	struct subject_row s = {0};
	struct buf joined;
	int rc = -1;
	*grant = NULL;
	*reason = DECISION_ALLOWED;
	buf_init(&joined, 4096);
	if (categories_resolve(u->categories, u->ncategories, cats, &joined) != 0) {
		*reason = DENY_UNKNOWN_CATEGORY;
		goto out;
	}
	struct store_val id[] = {SV_INT(u->subject)};
	if (store_exec(c, SQL_SUBJECT_GET, id, STORE_NPARAMS(id), subject_row_cb, &s) < 0 ||
	    !s.found || !s.sealed_key)
		goto out; /* no such subject, or erased: nothing to open */
	struct decision_input in = {
		.purpose = policy_purpose_index(p, u->purpose),
		.categories = cats,
		.ncategories = u->ncategories,
		.subject = policy_subject_index(p, s.kind),
		.actor = u->actor->kind,
		.role = u->actor->role ? policy_role_index(p, u->actor->role) : -1,
		.recipient =
			u->actor->recipient ? policy_recipient_index(p, u->actor->recipient) : -1,
	};
	/* The subject's own reads and writes never depend on their choices
	 * (policy_decide allows them before looking), so those lookups are
	 * spared on the busiest path. */
	if (in.purpose >= 0 && u->actor->kind != ACTOR_SELF)
		in.consent = broker_consent_get(c, u->subject, u->purpose);
	*reason = policy_decide(p, &in);
	if (*reason == DECISION_ALLOWED && u->actor->kind != ACTOR_SELF)
		*reason = decide_pending(c, u, &s, in.consent);
	if (*reason != DECISION_ALLOWED)
		goto out;
	struct data_key *dk;
	if (crypto_datakey_open(app.keys, u->subject, s.sealed_key, s.sealed_len, &dk) != 0) {
		log_error("data key of a subject does not open");
		goto out;
	}
	if (log && (u->actor->kind == ACTOR_STAFF || u->actor->kind == ACTOR_RECIPIENT) &&
	    access_append(c, u, joined.data ? joined.data : "") != 0) {
		crypto_datakey_free(dk);
		log_error("access log append failed; access refused");
		goto out;
	}
	*grant = grant_new(u->subject, dk, cats, u->ncategories);
	rc = 0;
out:
	free(s.sealed_key);
	buf_release(&joined);
	return rc;
}

int broker_open(struct store_conn *c, const struct broker_use *u, struct broker_grant **grant,
		enum decision_reason *reason)
{
	return open_use(c, u, true, grant, reason);
}

int broker_failure(struct store_conn *c, int64_t subject, enum decision_reason why,
		   struct failure *f)
{
	if (why != DECISION_ALLOWED) {
		err_failf(f, ERR_REFUSED, "%s", policy_reason_message(why));
		f->code = policy_reason_code(why);
		return -1;
	}
	if (subject != 0 && !broker_subject_has_key(c, subject))
		return err_fail(f, ERR_ERASED);
	return err_fail(f, ERR_STORE);
}

int broker_open_handover(struct store_conn *c, const struct broker_use *u,
			 struct broker_grant **grant, enum decision_reason *reason)
{
	if (u->actor->kind != ACTOR_RECIPIENT) {
		*grant = NULL;
		*reason = DENY_RECIPIENT_NOT_ALLOWED;
		return -1;
	}
	return open_use(c, u, false, grant, reason);
}

int broker_disclosed(struct store_conn *c, const struct broker_use *u)
{
	struct buf joined;
	buf_init(&joined, 4096);
	for (size_t i = 0; i < u->ncategories; i++)
		buf_printf(&joined, "%s%s", i ? "," : "", u->categories[i]);
	int rc = u->actor->kind == ACTOR_RECIPIENT
			 ? access_append(c, u, joined.data ? joined.data : "")
			 : -1;
	buf_release(&joined);
	return rc;
}

/* Creates a subject of kind with a fresh data key; returns the opened key. */
static int subject_insert(struct store_conn *c, const char *kind, int64_t owner, int64_t *subject,
			  struct data_key **dk)
{
	int64_t id = crypto_random_id();
	unsigned char *sealed;
	size_t sealed_len;
	if (crypto_datakey_new(app.keys, id, dk, &sealed, &sealed_len) != 0)
		return -1;
	struct store_val row[] = {SV_INT(id), SV_TEXT(kind), SV_INT(now_seconds()),
				  SV_INT(app.policy ? app.policy->version : 0),
				  owner ? SV_INT(owner) : SV_NULL};
	struct store_val key[] = {SV_INT(id), SV_BLOB(sealed, sealed_len)};
	int rc = store_exec(c, SQL_SUBJECT_INSERT, row, STORE_NPARAMS(row), NULL, NULL);
	if (rc >= 0)
		rc = store_exec(c, SQL_KEY_INSERT, key, STORE_NPARAMS(key), NULL, NULL);
	free(sealed);
	if (rc < 0) {
		crypto_datakey_free(*dk);
		*dk = NULL;
		return -1;
	}
	*subject = id;
	return 0;
}

int broker_staff_new(struct store_conn *c, int64_t *staff, struct broker_grant **grant)
{
	struct data_key *dk;
	*grant = NULL;
	if (subject_insert(c, STAFF_KIND, 0, staff, &dk) != 0)
		return -1;
	*grant = grant_new(*staff, dk, NULL, 0);
	(*grant)->staff = true;
	return 0;
}

int broker_staff_open(struct store_conn *c, int64_t staff, struct broker_grant **grant)
{
	struct subject_row s = {0};
	struct data_key *dk;
	struct store_val id[] = {SV_INT(staff)};
	*grant = NULL;
	int rc = -1;
	if (store_exec(c, SQL_SUBJECT_GET, id, STORE_NPARAMS(id), subject_row_cb, &s) < 0 ||
	    !s.found || !s.sealed_key || strcmp(s.kind, STAFF_KIND) != 0)
		goto out;
	if (crypto_datakey_open(app.keys, staff, s.sealed_key, s.sealed_len, &dk) != 0) {
		log_error("data key of a staff account does not open");
		goto out;
	}
	*grant = grant_new(staff, dk, NULL, 0);
	(*grant)->staff = true;
	rc = 0;
out:
	free(s.sealed_key);
	return rc;
}

int broker_subject_new(struct store_conn *c, const char *kind, const char *purpose,
		       const char *const *categories, size_t ncategories, int64_t owner,
		       int64_t *subject, struct broker_grant **grant, enum decision_reason *reason)
{
	const struct policy *p = app.policy;
	int cats[BROKER_MAX_CATEGORIES];
	*grant = NULL;
	*reason = DECISION_ALLOWED;
	if (categories_resolve(categories, ncategories, cats, NULL) != 0) {
		*reason = DENY_UNKNOWN_CATEGORY;
		return -1;
	}
	struct decision_input in = {
		.purpose = policy_purpose_index(p, purpose),
		.categories = cats,
		.ncategories = ncategories,
		.subject = policy_subject_index(p, kind),
		.actor = ACTOR_SELF,
		.role = -1,
		.recipient = -1,
	};
	*reason = policy_decide(p, &in);
	if (*reason != DECISION_ALLOWED)
		return -1;
	struct data_key *dk;
	if (subject_insert(c, kind, owner, subject, &dk) != 0)
		return -1;
	*grant = grant_new(*subject, dk, cats, ncategories);
	return 0;
}

int broker_open_access(struct store_conn *c, int64_t subject, struct broker_grant **grant)
{
	struct subject_row s = {0};
	struct data_key *dk;
	struct store_val id[] = {SV_INT(subject)};
	int rc = -1;
	*grant = NULL;
	if (store_exec(c, SQL_SUBJECT_GET, id, STORE_NPARAMS(id), subject_row_cb, &s) < 0 ||
	    !s.found || !s.sealed_key)
		goto out;
	if (crypto_datakey_open(app.keys, subject, s.sealed_key, s.sealed_len, &dk) != 0) {
		log_error("data key of a subject does not open");
		goto out;
	}
	*grant = grant_new(subject, dk, NULL, 0);
	(*grant)->everything = true;
	rc = 0;
out:
	free(s.sealed_key);
	return rc;
}

bool broker_subject_has_key(struct store_conn *c, int64_t subject)
{
	int64_t n = 0;
	struct store_val id[] = {SV_INT(subject)};
	return store_exec(c, SQL_HAS_KEY, id, STORE_NPARAMS(id), int_cb, &n) >= 0 && n > 0;
}

static bool grant_covers(const struct broker_grant *g, const char *category)
{
	if (g->everything)
		return true;
	if (g->staff)
		return strcmp(category, BROKER_STAFF_EMAIL) == 0 ||
		       strcmp(category, BROKER_STAFF_TOTP) == 0;
	int idx = policy_category_index(app.policy, category);
	for (size_t i = 0; i < g->ncategories; i++)
		if (idx >= 0 && g->categories[i] == idx)
			return true;
	return false;
}

int broker_seal(const struct broker_grant *g, const char *category, const char *table,
		const char *column, int64_t row, const char *value, size_t len, unsigned char **ct,
		size_t *ct_len)
{
	if (!grant_covers(g, category)) {
		log_error("seal of a category outside the grant (%s)", category);
		return -1;
	}
	return crypto_seal(g->dk, table, column, row, value, len, ct, ct_len);
}

int broker_read(const struct broker_grant *g, const char *category, const char *table,
		const char *column, int64_t row, const void *ct, size_t ct_len, char **plain,
		size_t *len)
{
	if (!grant_covers(g, category)) {
		log_error("read of a category outside the grant (%s)", category);
		return -1;
	}
	return crypto_open(g->dk, table, column, row, ct, ct_len, plain, len);
}

void broker_plain_free(char *plain, size_t len)
{
	crypto_plain_free(plain, len);
}

int64_t broker_grant_subject(const struct broker_grant *g)
{
	return g->subject;
}

void broker_grant_free(struct broker_grant *g)
{
	if (!g)
		return;
	crypto_datakey_free(g->dk);
	free(g);
}

struct key_copy {
	struct store_conn *into;
	int64_t copied;
	int failed;
};

static int key_copy_cb(void *ctx, const struct store_row *row)
{
	struct key_copy *k = ctx;
	struct store_val v[] = {SV_INT(row->cols[0].i), SV_BLOB(row->cols[1].p, row->cols[1].n)};
	int rc = store_exec(k->into, SQL_KEY_RESTORE, v, STORE_NPARAMS(v), NULL, NULL);
	if (rc < 0) {
		k->failed = 1;
		return 1;
	}
	k->copied += rc;
	progress_add(1);
	return 0;
}

int64_t broker_keys_restore(struct store *live, struct store *into)
{
	struct key_copy k = {store_acquire(into), 0, 0};
	progress_begin("keys restore", "keys copied", 0);
	int rc = store_begin(k.into);
	if (rc == 0 && store_query(live, SQL_KEYS_LIVE, NULL, 0, key_copy_cb, &k) >= 0 && !k.failed)
		rc = store_commit(k.into);
	else
		rc = -1;
	if (rc != 0)
		store_rollback(k.into);
	store_release(k.into);
	progress_end();
	return rc == 0 ? k.copied : -1;
}
