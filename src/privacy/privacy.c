/*
 * privacy: the profile as JSON, published versions and publishing
 * revisions (see privacy.h).
 */
#include "privacy.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ads.h"
#include "app.h"
#include "broker.h"
#include "buf.h"
#include "gpc.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "store.h"
#include "store_json.h"

#define SECONDS_PER_HOUR 3600
#define SECONDS_PER_DAY	 (24 * SECONDS_PER_HOUR)
#define SECONDS_PER_YEAR (365 * SECONDS_PER_DAY) /* a profile's "y" */

static const char SQL_LATEST[] =
	"SELECT version, name, source FROM profile_versions ORDER BY version DESC LIMIT 1";
static const char SQL_VERSION_GET[] =
	"SELECT version, name, source, changes, effective FROM profile_versions WHERE version = $1";
static const char SQL_VERSIONS[] =
	"SELECT version, effective, published_at FROM profile_versions ORDER BY version DESC";
static const char SQL_VERSION_INSERT[] =
	"INSERT INTO profile_versions (version, name, effective, source, changes, published_at) "
	"VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_NEW_USE_INSERT[] =
	"INSERT INTO new_uses (version, purpose, changes) VALUES ($1, $2, $3)";
static const char SQL_NOTICES_DUE[] =
	"INSERT INTO use_notices (subject_id, purpose, version, due_at) "
	"SELECT id, $1, $2, $3 FROM subjects WHERE kind = 'member' AND erased_at IS NULL";

static const char *const basis_texts[BASIS_COUNT] = {
	[BASIS_REQUIRED] = "Needed to provide what you asked for",
	[BASIS_OPT_IN] = "Only if you say yes; off until you switch it on",
	[BASIS_OPT_OUT] = "On unless you say no; you can switch it off at any time",
	[BASIS_NOTICE] = "We tell you here; it needs no choice",
};

static const char *const recipient_kind_texts[RK_COUNT] = {
	[RK_AFFILIATE] = "Affiliate in our group",
	[RK_SERVICE_PROVIDER] = "Service provider under contract",
	[RK_DEALER] = "Dealer, with its own privacy policy",
};

/* "30 days", "12 hours". */
static void period_words(struct buf *text, int64_t seconds)
{
	bool in_days = seconds % SECONDS_PER_DAY == 0;
	long long n = (long long)(seconds / (in_days ? SECONDS_PER_DAY : SECONDS_PER_HOUR));
	buf_printf(text, "%lld %s%s", n, in_days ? "day" : "hour", n == 1 ? "" : "s");
}

/* A retention period in plain words: "30 days", "12 hours after the
 * request is completed", and for a request never completed, how long
 * after collection it is kept. */
static json_t *retention_json(const struct policy_retention *r)
{
	if (!r)
		return json_string("not stated");
	struct buf text;
	buf_init(&text, 0);
	switch (r->kind) {
	case RET_ACCOUNT:
		buf_puts(&text, "as long as the account exists");
		break;
	case RET_UNTIL_DONE:
		buf_puts(&text, "until the request is completed");
		break;
	case RET_DURATION:
		period_words(&text, r->seconds);
		if (r->after_done)
			buf_puts(&text, " after the request is completed");
		break;
	}
	if (r->not_done_seconds > 0) {
		buf_puts(&text, "; if it never is, ");
		period_words(&text, r->not_done_seconds);
		buf_puts(&text, " after collection");
	}
	json_t *out = json_string(text.data);
	buf_release(&text);
	return out;
}

/* A cookie's lifetime in plain words: "until you close your browser",
 * "12 hours", "180 days", "1 year". */
static json_t *lifetime_json(int64_t seconds)
{
	if (seconds == 0)
		return json_string("until you close your browser");
	static const struct {
		int64_t unit;
		const char *name;
	} units[] = {
		{SECONDS_PER_YEAR, "year"}, {SECONDS_PER_DAY, "day"}, {SECONDS_PER_HOUR, "hour"}};
	size_t u = 0;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && seconds % units[u].unit != 0)
		u++;
	long long n = (long long)(seconds / units[u].unit);
	struct buf text;
	buf_init(&text, 0);
	buf_printf(&text, "%lld %s%s", n, units[u].name, n == 1 ? "" : "s");
	json_t *out = json_string(text.data);
	buf_release(&text);
	return out;
}

static json_t *strs_json(char *const *s, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(s[i]));
	return a;
}

/* What the notice covers: the sites, the operator's statement and the
 * forms, which are the collection points. */
static json_t *scope_json(const struct policy *p)
{
	json_t *forms = json_array();
	for (size_t i = 0; i < p->ncollections; i++) {
		const struct policy_collection *cp = &p->collections[i];
		json_array_append_new(forms, json_pack("{s:s,s:s,s:s}", "id", cp->id, "label",
						       cp->label ? cp->label : cp->id, "purpose",
						       p->purposes[cp->purpose].id));
	}
	return json_pack("{s:o,s:s,s:o}", "sites", strs_json(p->scope.sites, p->scope.nsites),
			 "statement", p->scope.statement ? p->scope.statement : "", "forms", forms);
}

static json_t *cookies_json(const struct policy *p)
{
	json_t *out = json_array();
	for (size_t i = 0; i < p->ncookies; i++) {
		const struct policy_cookie *c = &p->cookies[i];
		const struct policy_purpose *pu = c->purpose >= 0 ? &p->purposes[c->purpose] : NULL;
		/* A cookie an ad tag sets (INS11) names the tag and its origin. */
		const struct policy_ad_tag *t = c->ad_tag >= 0 ? &p->ad_tags[c->ad_tag] : NULL;
		json_array_append_new(
			out, json_pack("{s:s,s:s,s:s,s:b,s:I,s:o,s:s,s:o,s:o}", "name", c->name,
				       "purpose", pu ? pu->id : POLICY_STRICTLY_NECESSARY,
				       "purpose_label",
				       pu ? (pu->label ? pu->label : pu->id) : "Strictly necessary",
				       "strictly_necessary", pu == NULL, "lifetime_seconds",
				       (json_int_t)c->seconds, "lifetime",
				       lifetime_json(c->seconds), "holds", c->holds ? c->holds : "",
				       "set_by", t ? json_string(t->name) : json_null(),
				       "set_by_origin", t ? json_string(t->origin) : json_null()));
	}
	return out;
}

/* How long a purpose keeps a category. The age screen's date of birth is
 * not kept at all unless another purpose needs it (issue 12, rule 4): only
 * the fact that the person said they were old enough, and when. */
static json_t *category_retention_json(const struct policy *p, const struct policy_purpose *pu,
				       int category)
{
	const struct policy_collection *signup = policy_signup_point(p);
	if (signup && signup->purpose >= 0 && &p->purposes[signup->purpose] == pu &&
	    strcmp(p->categories[category].id, POLICY_AGE_CATEGORY) == 0 &&
	    !policy_keeps_birth_date(p)) {
		char text[160];
		snprintf(text, sizeof(text),
			 "not kept: only that you said you were %d or older, and the day you "
			 "said so, as long as the account exists",
			 p->settings.minimum_age);
		return json_string(text);
	}
	return retention_json(policy_retention_for(pu, category));
}

/* The purposes a browser's privacy signal (GPC, DNT) switches off for a
 * signed-in member (src/web/gpc.h; issue 12, rule 2). */
static json_t *browser_signal_json(const struct policy *p)
{
	json_t *out = json_array();
	for (size_t i = 0; i < p->npurposes; i++)
		if (gpc_purpose(&p->purposes[i]))
			json_array_append_new(
				out, json_pack("{s:s,s:s}", "id", p->purposes[i].id, "label",
					       p->purposes[i].label ? p->purposes[i].label
								    : p->purposes[i].id));
	return out;
}

/* The ad tags that serve purpose index pi (INS11). */
static json_t *ad_tags_json(const struct policy *p, int pi)
{
	json_t *out = json_array();
	for (size_t i = 0; i < p->nad_tags; i++) {
		const struct policy_ad_tag *t = &p->ad_tags[i];
		if (pi >= 0 && t->purpose != pi)
			continue;
		json_array_append_new(
			out, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", t->id, "name", t->name,
				       "purpose", p->purposes[t->purpose].id, "origin", t->origin,
				       "script", t->script, "opt_out_url", t->opt_out_url));
	}
	return out;
}

/* The purposes of kind advertising, each with the member's way of saying no
 * and the tags that serve it (INS11). */
static json_t *advertising_json(const struct policy *p)
{
	json_t *out = json_array();
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (pu->kind == PK_ADVERTISING)
			json_array_append_new(out,
					      json_pack("{s:s,s:s,s:s,s:o}", "id", pu->id, "label",
							pu->label ? pu->label : pu->id, "basis",
							policy_basis_name(pu->basis), "tags",
							ad_tags_json(p, (int)i)));
	}
	return out;
}

static json_t *ref_json(const char *id, const char *label)
{
	return json_pack("{s:s,s:s}", "id", id, "label", label ? label : id);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *privacy_profile_json(const struct policy *p)
{
	json_t *cats = json_array(), *subjects = json_array(), *purposes = json_array();
	json_t *recipients = json_array(), *points = json_array(), *roles = json_array();
	for (size_t i = 0; i < p->ncategories; i++) {
		const struct policy_category *c = &p->categories[i];
		json_array_append_new(cats,
				      json_pack("{s:s,s:s,s:o,s:b}", "id", c->id, "label", c->label,
						"description", str_or_null(c->description),
						"identifier", c->identifier));
	}
	for (size_t i = 0; i < p->nsubjects; i++)
		json_array_append_new(subjects,
				      json_pack("{s:s,s:o}", "id", p->subjects[i].id, "description",
						str_or_null(p->subjects[i].description)));
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		json_t *pc = json_array(), *ps = json_array(), *topics = json_array();
		for (size_t k = 0; k < pu->ncategories; k++) {
			const struct policy_category *c = &p->categories[pu->categories[k]];
			json_array_append_new(
				pc, json_pack("{s:s,s:s,s:o}", "id", c->id, "label", c->label,
					      "retention",
					      category_retention_json(p, pu, pu->categories[k])));
		}
		for (size_t k = 0; k < pu->nsubjects; k++)
			json_array_append_new(ps, json_string(p->subjects[pu->subjects[k]].id));
		for (size_t k = 0; k < pu->ntopics; k++)
			json_array_append_new(topics, json_string(pu->topics[k]));
		json_array_append_new(
			purposes, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", pu->id,
					    "label", pu->label ? pu->label : pu->id, "description",
					    pu->description ? pu->description : "", "kind",
					    policy_purpose_kind_name(pu->kind), "basis",
					    policy_basis_name(pu->basis), "basis_text",
					    basis_texts[pu->basis], "subjects", ps, "categories",
					    pc, "topics", topics));
	}
	for (size_t i = 0; i < p->nrecipients; i++) {
		const struct policy_recipient *r = &p->recipients[i];
		json_t *rp = json_array(), *rf = json_array();
		for (size_t k = 0; k < r->npurposes; k++) {
			const struct policy_purpose *pu = &p->purposes[r->purposes[k]];
			json_array_append_new(rp, ref_json(pu->id, pu->label));
		}
		for (size_t k = 0; k < r->nfields; k++) {
			const struct policy_category *c = &p->categories[r->fields[k]];
			json_array_append_new(rf, ref_json(c->id, c->label));
		}
		json_array_append_new(
			recipients,
			json_pack("{s:s,s:s,s:o,s:s,s:s,s:s,s:o,s:o,s:o}", "id", r->id, "name",
				  r->name, "description", str_or_null(r->description), "kind",
				  policy_recipient_kind_name(r->kind), "kind_text",
				  recipient_kind_texts[r->kind], "contract", r->contract,
				  "policy_url", str_or_null(r->policy_url), "purposes", rp,
				  "fields", rf));
	}
	for (size_t i = 0; i < p->ncollections; i++) {
		const struct policy_collection *cp = &p->collections[i];
		json_t *fields = json_array();
		for (size_t k = 0; k < cp->nfields; k++) {
			const struct policy_category *c = &p->categories[cp->fields[k].category];
			json_array_append_new(fields, json_pack("{s:s,s:s,s:b}", "category", c->id,
								"label", c->label, "required",
								cp->fields[k].required));
		}
		json_array_append_new(points,
				      json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", cp->id, "label",
						cp->label ? cp->label : cp->id, "purpose",
						p->purposes[cp->purpose].id, "subject",
						p->subjects[cp->subject].id, "fields", fields));
	}
	for (size_t i = 0; i < p->nroles; i++) {
		const struct policy_role *ro = &p->roles[i];
		json_t *rp = json_array();
		for (size_t k = 0; k < ro->npurposes; k++) {
			const struct policy_purpose *pu = &p->purposes[ro->purposes[k]];
			json_array_append_new(rp, ref_json(pu->id, pu->label));
		}
		json_array_append_new(roles,
				      json_pack("{s:s,s:o,s:o}", "id", ro->id, "description",
						str_or_null(ro->description), "purposes", rp));
	}
	json_t *out = json_pack(
		"{s:s,s:i,s:s,s:{s:s,s:o,s:o},s:{s:o,s:o,s:o},s:{s:i,s:i,s:i,s:i,s:s,s:b},"
		"s:o,s:o,s:o,s:o,s:o,s:o}",
		"profile", p->name, "version", p->version, "effective", p->effective, "site",
		"name", p->site_name, "url", str_or_null(p->site_url), "summary",
		str_or_null(p->summary), "contact", "email", str_or_null(p->contact.email),
		"postal", str_or_null(p->contact.postal), "phone", str_or_null(p->contact.phone),
		"settings", "minimum_age", p->settings.minimum_age, "aggregate_min_group",
		p->settings.aggregate_min_group, "opt_out_window_days",
		p->settings.opt_out_window_days, "reauth_minutes", p->settings.reauth_minutes,
		"vin_check", p->settings.vin_strict ? "strict" : "lenient",
		"not_directed_at_children", p->settings.not_directed_at_children, "categories",
		cats, "subjects", subjects, "purposes", purposes, "recipients", recipients,
		"collection_points", points, "staff_roles", roles);
	json_object_set_new(out, "scope", scope_json(p));
	json_object_set_new(out, "security", strs_json(p->security, p->nsecurity));
	json_object_set_new(out, "cookies", cookies_json(p));
	json_object_set_new(out, "advertising", advertising_json(p));
	json_object_set_new(out, "ad_tags", ad_tags_json(p, -1));
	json_object_set_new(out, "browser_signal", browser_signal_json(p));
	json_object_set_new(out, "age_screen_only",
			    json_boolean(policy_signup_point(p) && !policy_keeps_birth_date(p)));
	return out;
}

const char *privacy_cookie_prefix(void)
{
	return app.cfg.behind_tls ? "__Host-" : "";
}

/* ---- published versions ---- */

static char *xstrdup_val(const struct store_val *v)
{
	return v->type == STORE_TEXT ? xstrndup(v->p, v->n) : xstrdup("");
}

struct version_row {
	int found;
	int64_t version;
	char *name, *source, *changes, *effective;
};

static int version_cb(void *ctx, const struct store_row *row)
{
	struct version_row *v = ctx;
	v->found = 1;
	v->version = row->cols[0].i;
	v->name = xstrdup_val(&row->cols[1]);
	v->source = xstrdup_val(&row->cols[2]);
	if (row->ncols > 3) {
		v->changes = xstrdup_val(&row->cols[3]);
		v->effective = xstrdup_val(&row->cols[4]);
	}
	return 0;
}

static void version_row_release(struct version_row *v)
{
	free(v->name);
	free(v->source);
	free(v->changes);
	free(v->effective);
}

int privacy_latest_version(struct store *s, int *version)
{
	struct version_row v = {0};
	if (store_query(s, SQL_LATEST, NULL, 0, version_cb, &v) < 0)
		return -1;
	*version = v.found ? (int)v.version : 0;
	version_row_release(&v);
	return 0;
}

static char *changes_json(char **lines, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(lines[i]));
	char *text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

/* The new uses of a revision, one line each and grouped by purpose: what
 * publishing records, the notices say and the CLI lists. */
struct use_lines {
	struct policy_new_use *uses;
	char **text;
	size_t n;
};

static void use_lines_make(const struct policy *old, const struct policy *p, struct use_lines *u)
{
	u->n = policy_new_uses(old, p, NULL, 0);
	u->uses = xcalloc(u->n ? u->n : 1, sizeof(*u->uses));
	u->text = xcalloc(u->n ? u->n : 1, sizeof(*u->text));
	policy_new_uses(old, p, u->uses, u->n);
	for (size_t i = 0; i < u->n; i++)
		u->text[i] = policy_new_use_text(old, p, &u->uses[i]);
}

static void use_lines_release(struct use_lines *u)
{
	for (size_t i = 0; u->text && i < u->n; i++)
		free(u->text[i]);
	free(u->text);
	free(u->uses);
}

/* Records each purpose a revision widens once, with every line that widens
 * it, and a notice due to every member. */
static int new_uses_record(struct store_conn *c, const struct policy *p, const struct use_lines *u,
			   int64_t now)
{
	for (size_t i = 0; i < u->n; i++) {
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = u->uses[k].purpose != u->uses[i].purpose;
		if (!first)
			continue;
		const char *purpose = p->purposes[u->uses[i].purpose].id;
		struct buf lines;
		buf_init(&lines, 0);
		for (size_t k = i; k < u->n; k++)
			if (u->uses[k].purpose == u->uses[i].purpose)
				buf_printf(&lines, "%s%s", lines.len ? "\n" : "", u->text[k]);
		struct store_val nu[] = {SV_INT(p->version), SV_TEXT(purpose), SV_TEXT(lines.data)};
		struct store_val due[] = {SV_TEXT(purpose), SV_INT(p->version), SV_INT(now)};
		int rc = store_exec(c, SQL_NEW_USE_INSERT, nu, STORE_NPARAMS(nu), NULL, NULL) < 0 ||
					 store_exec(c, SQL_NOTICES_DUE, due, STORE_NPARAMS(due),
						    NULL, NULL) < 0
				 ? -1
				 : 0;
		buf_release(&lines);
		if (rc != 0)
			return -1;
		log_info("profile version %d widens purpose %s for data already held; "
			 "notices due (NAM10)",
			 p->version, purpose);
	}
	return 0;
}

int privacy_publish(struct store *s, const struct policy *p, FILE *err)
{
	return privacy_publish_listing(s, p, NULL, err);
}

int privacy_publish_listing(struct store *s, const struct policy *p, FILE *out, FILE *err)
{
	struct use_lines uses = {0};
	struct version_row latest = {0};
	struct policy *old = NULL;
	char **lines = NULL;
	size_t nlines = 0;
	char *changes = NULL;
	struct store_conn *c = NULL;
	int rc = -1;

	if (store_query(s, SQL_LATEST, NULL, 0, version_cb, &latest) < 0) {
		fprintf(err, "cannot read the published versions\n");
		goto out;
	}
	if (latest.found) {
		if (strcmp(latest.name, p->name) != 0) {
			fprintf(err, "this database runs profile '%s'; '%s' cannot replace it\n",
				latest.name, p->name);
			goto out;
		}
		if (p->version < latest.version) {
			fprintf(err, "version %d is older than the published version %lld\n",
				p->version, (long long)latest.version);
			goto out;
		}
		if (p->version == latest.version) {
			if (strlen(latest.source) == p->source_len &&
			    memcmp(latest.source, p->source, p->source_len) == 0) {
				rc = 1;
				goto out;
			}
			fprintf(err,
				"version %d is already published with different text; "
				"raise 'version' to publish a revision\n",
				p->version);
			goto out;
		}
		struct policy_diags d = {0};
		old = policy_load(latest.source, strlen(latest.source), &d);
		if (!old) {
			fprintf(err, "the published version %lld no longer loads\n",
				(long long)latest.version);
			goto out;
		}
		lines = policy_diff(old, p, &nlines);
		changes = changes_json(lines, nlines);
	} else {
		char *first[] = {"First published version."};
		changes = changes_json(first, 1);
	}
	int64_t now = (int64_t)time(NULL);
	c = store_acquire(s);
	if (store_begin(c) != 0) {
		fprintf(err, "publishing failed in the database\n");
		goto out;
	}
	struct store_val row[] = {SV_INT(p->version),	 SV_TEXT(p->name),
				  SV_TEXT(p->effective), SV_TEXTN(p->source, p->source_len),
				  SV_TEXT(changes),	 SV_INT(now)};
	if (store_exec(c, SQL_VERSION_INSERT, row, STORE_NPARAMS(row), NULL, NULL) < 0)
		goto rollback;
	if (old) {
		use_lines_make(old, p, &uses);
		if (new_uses_record(c, p, &uses, now) != 0)
			goto rollback;
	}
	if (store_commit(c) != 0)
		goto rollback;
	log_info("published profile %s version %d", p->name, p->version);
	if (out) {
		fprintf(out, "published %s version %d\n", p->name, p->version);
		if (uses.n)
			fprintf(out, "new uses, each waiting for its notice and %d days (NAM10):\n",
				p->settings.opt_out_window_days);
		for (size_t i = 0; i < uses.n; i++)
			fprintf(out, "  new use: %s\n", uses.text[i]);
	}
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
	fprintf(err, "publishing failed in the database\n");
out:
	if (c)
		store_release(c);
	use_lines_release(&uses);
	free(changes);
	policy_diff_free(lines, nlines);
	policy_free(old);
	version_row_release(&latest);
	return rc;
}

/* ---- reading published versions ---- */

static int versions_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:I}", "version", (json_int_t)row->cols[0].i,
					     "effective", (const char *)row->cols[1].p,
					     "published_at", (json_int_t)row->cols[2].i));
	return 0;
}

int privacy_versions(json_t **list, struct failure *f)
{
	return store_json_list(SQL_VERSIONS, NULL, 0, versions_cb, list, f);
}

/* A published version's row and its list of changes. */
static int version_read(int64_t version, struct version_row *v, json_t **changes, struct failure *f)
{
	struct store_val id[] = {SV_INT(version)};
	if (store_query(app.store, SQL_VERSION_GET, id, STORE_NPARAMS(id), version_cb, v) < 0)
		return err_fail(f, ERR_STORE);
	if (!v->found)
		return err_fail(f, ERR_NO_SUCH_VERSION);
	json_error_t jerr;
	*changes = json_loads(v->changes ? v->changes : "[]", 0, &jerr);
	if (!json_is_array(*changes)) {
		json_decref(*changes);
		*changes = NULL;
		log_error("published version %lld: its list of changes does not parse",
			  (long long)version);
		return err_failf(f, ERR_INTERNAL, "That version can no longer be shown.");
	}
	return 0;
}

int privacy_changes(int64_t version, json_t **changes, struct failure *f)
{
	struct version_row v = {0};
	int rc = version_read(version, &v, changes, f);
	version_row_release(&v);
	return rc;
}

int privacy_version(int64_t version, struct policy **profile, json_t **changes, struct failure *f)
{
	struct version_row v = {0};
	*profile = NULL;
	if (version_read(version, &v, changes, f) != 0) {
		version_row_release(&v);
		return -1;
	}
	struct policy_diags d = {0};
	*profile = policy_load(v.source, strlen(v.source), &d);
	version_row_release(&v);
	if (!*profile) {
		json_decref(*changes);
		*changes = NULL;
		log_error("published version %lld no longer loads", (long long)version);
		return err_failf(f, ERR_INTERNAL, "That version can no longer be shown.");
	}
	return 0;
}

int privacy_ads_choice(int64_t member, bool on, struct failure *f)
{
	struct store_conn *c = store_acquire(app.store);
	bool ok = store_begin(c) == 0 && ads_member_choice(c, member, on, "choices") == 0 &&
		  store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	return ok ? 0 : err_fail(f, ERR_STORE);
}

bool privacy_ads_member_on(int64_t member)
{
	const struct policy *p = app.policy;
	struct store_conn *c = store_acquire(app.store);
	bool on = true;
	for (size_t i = 0; i < p->npurposes && on; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (pu->kind != PK_ADVERTISING)
			continue;
		enum consent_state st = broker_consent_get(c, member, pu->id);
		on = pu->basis == BASIS_OPT_IN ? st == CONSENT_ON : st != CONSENT_OFF;
	}
	store_release(c);
	return on;
}
