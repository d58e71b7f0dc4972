/*
 * members: the account's life from sign-up to closing (see members.h).
 */
#include "members.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "outbox.h"
#include "password.h"
#include "ratelimit.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define TABLE		     "members"
#define MAX_FAILURES	     10 /* failures in a row before the account locks */
#define FIRST_LOCK_SECONDS   30
#define LONGEST_LOCK_SECONDS 900
#define MAX_CATEGORIES	     16		 /* categories of one collection point */
#define CONFIRM_SECONDS	     (7 * 86400) /* a sign-up confirmation link's life */

static const char SQL_BY_ID[] =
	"SELECT password_hash, failed_logins, locked_until FROM members WHERE id = $1";
static const char SQL_FAILED[] =
	"UPDATE members SET failed_logins = failed_logins + 1, locked_until = $2 WHERE id = $1";
static const char SQL_SUCCEEDED[] =
	"UPDATE members SET failed_logins = 0, locked_until = 0 WHERE id = $1";
static const char SQL_COUNTER[] =
	"INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) "
	"DO UPDATE SET value = counters.value + 1";
static const char SQL_CONFIRMATION_INSERT[] =
	"INSERT INTO email_confirmations (token_hash, member_id, created_at, expires_at) "
	"VALUES ($1, $2, $3, $4)";
static const char SQL_CONFIRMATION_FIND[] =
	"SELECT member_id FROM email_confirmations WHERE token_hash = $1 AND expires_at > $2";
static const char SQL_CONFIRMATION_USED[] = "DELETE FROM email_confirmations WHERE token_hash = $1";
static const char SQL_CONFIRMED[] =
	"UPDATE members SET email_confirmed_at = $2 WHERE id = $1 AND email_confirmed_at IS NULL";
static const char SQL_CONSENTS[] = "SELECT purpose, state, profile_version, changed_at, via FROM "
				   "consents WHERE subject_id = $1 "
				   "ORDER BY purpose";
static const char SQL_ACCESSES[] =
	"SELECT at, actor_kind, role, recipient, purpose, categories, action FROM access_log "
	"WHERE subject_id = $1 ORDER BY seq";

/* The registration collection point's fields: the parameter, its category
 * and the column of members that keeps it. */
static const struct {
	const char *field, *category, *column;
} fields[] = {
	{"name", "name", "name"},
	{"email", "email", "email"},
	{"postal_address", "postal_address", "postal_address"},
	{"phone", "phone", "phone"},
	{"date_of_birth", "date_of_birth", "date_of_birth"},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* The registration point of either bundled kind of profile. */
static const char *const registration_points[] = {"member_registration", "insider_signup"};

static const struct policy_collection *registration(void)
{
	for (size_t i = 0; i < sizeof(registration_points) / sizeof(registration_points[0]); i++) {
		int ci = policy_collection_index(app.policy, registration_points[i]);
		if (ci >= 0)
			return &app.policy->collections[ci];
	}
	return NULL;
}

const char *members_account_purpose(void)
{
	const struct policy_collection *cp = registration();
	return cp ? app.policy->purposes[cp->purpose].id : NULL;
}

/* The categories the registration point collects, at most max. */
static size_t registration_categories(const char **cats, size_t max)
{
	const struct policy_collection *cp = registration();
	size_t n = 0;
	for (size_t i = 0; cp && i < cp->nfields && n < max; i++)
		cats[n++] = app.policy->categories[cp->fields[i].category].id;
	return n;
}

/* ---- validators the routes declare ---- */

static bool parse_date(const char *s, size_t len, struct tm *tm)
{
	if (len != 10)
		return false;
	memset(tm, 0, sizeof(*tm));
	const char *end = strptime(s, "%Y-%m-%d", tm);
	if (!end || *end)
		return false;
	struct tm check = *tm;
	time_t t = timegm(&check);
	struct tm back;
	gmtime_r(&t, &back);
	return back.tm_mday == tm->tm_mday && back.tm_mon == tm->tm_mon && tm->tm_year > 0;
}

const char *valid_birth_date(const char *s, size_t len)
{
	struct tm tm;
	if (!parse_date(s, len, &tm) || timegm(&tm) > time(NULL))
		return "is not a date in the past (YYYY-MM-DD)";
	return NULL;
}

const char *valid_id_list(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == ','))
			return "must be purpose ids separated by commas";
	}
	return NULL;
}

static int age_in_years(const char *dob)
{
	struct tm b, now;
	parse_date(dob, strlen(dob), &b);
	time_t t = time(NULL);
	gmtime_r(&t, &now);
	int age = now.tm_year - b.tm_year;
	if (now.tm_mon < b.tm_mon || (now.tm_mon == b.tm_mon && now.tm_mday < b.tm_mday))
		age--;
	return age;
}

/* ---- choices ---- */

bool members_choice(const struct policy_purpose *pu)
{
	int member_kind = policy_subject_index(app.policy, "member");
	bool for_members = false;
	for (size_t k = 0; k < pu->nsubjects; k++)
		for_members |= pu->subjects[k] == member_kind;
	return for_members && (pu->basis == BASIS_OPT_IN || pu->basis == BASIS_OPT_OUT);
}

/* Whether the comma-separated list names id. */
static bool list_has(const char *list, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, id, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/*
 * The choices made on the sign-up form: opt-in purposes listed are switched
 * on (every box starts unticked), opt-out purposes listed are switched off.
 * A Global Privacy Control signal switches affiliate offers off (INS06).
 */
static int record_signup_choices(struct store_conn *c, const struct members_signup *in,
				 int64_t member)
{
	const struct policy *p = app.policy;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (!members_choice(pu))
			continue;
		if (pu->kind == PK_AFFILIATE_OFFERS && in->gpc) {
			if (broker_consent_set(c, member, pu->id, false, "gpc") != 0)
				return -1;
			continue;
		}
		if (pu->basis == BASIS_OPT_IN && list_has(in->opt_in, pu->id) &&
		    broker_consent_set(c, member, pu->id, true, "form") != 0)
			return -1;
		if (pu->basis == BASIS_OPT_OUT && list_has(in->opt_out, pu->id) &&
		    broker_consent_set(c, member, pu->id, false, "form") != 0)
			return -1;
	}
	return 0;
}

/* ---- sign-up ---- */

static int member_id_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* The message that asks the new member to confirm the address (double
 * opt-in; members_email_confirm takes the link back), queued in the
 * sign-up's transaction. */
static int confirmation_queue(struct store_conn *c, const struct broker_grant *g, int64_t member,
			      const char *email)
{
	char token[TOKEN_CHARS + 1];
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t now = (int64_t)time(NULL);
	token_new(token, hash);
	struct store_val row[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(member), SV_INT(now),
				  SV_INT(now + CONFIRM_SECONDS)};
	struct buf subject, text;
	buf_init(&subject, 0);
	buf_init(&text, 0);
	buf_printf(&subject, "Please confirm your e-mail address for %s", app.site_name);
	buf_printf(&text,
		   "Hello,\n\nsomeone (we hope you) joined %s with this address. To confirm it, "
		   "open this page and press the button there:\n\n%s/confirm?token=%s\n\n"
		   "Until the address is confirmed we send it nothing else. If it was not you, "
		   "ignore this message.\n\n-- \n%s\n",
		   app.site_name, app.cfg.site_url, token, app.site_name);
	int rc = store_exec(c, SQL_CONFIRMATION_INSERT, row, STORE_NPARAMS(row), NULL, NULL) >= 0 &&
				 outbox_send_text(c, g, members_account_purpose(), "email", "email",
						  email, subject.data, text.data, NULL, 0) == 0
			 ? 0
			 : -1;
	crypto_wipe(token, sizeof(token));
	crypto_wipe(text.data, text.len);
	buf_release(&subject);
	buf_release(&text);
	return rc;
}

int members_email_confirm(const char *token, struct failure *f)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t now = (int64_t)time(NULL), member = 0;
	if (!token_hash(token, hash))
		return err_fail(f, ERR_BAD_LINK);
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(now)};
	struct store_val used[] = {SV_BLOB(hash, sizeof(hash))};
	struct store_conn *c = store_acquire(app.store);
	int rc = err_fail(f, ERR_STORE);
	if (store_begin(c) != 0 || store_exec(c, SQL_CONFIRMATION_FIND, key, STORE_NPARAMS(key),
					      member_id_cb, &member) < 0)
		goto out;
	if (!member) {
		err_fail(f, ERR_BAD_LINK);
		goto out;
	}
	struct store_val v[] = {SV_INT(member), SV_INT(now)};
	if (store_exec(c, SQL_CONFIRMED, v, STORE_NPARAMS(v), NULL, NULL) < 0 ||
	    store_exec(c, SQL_CONFIRMATION_USED, used, STORE_NPARAMS(used), NULL, NULL) < 0 ||
	    store_commit(c) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	return rc;
}

/*
 * NAM12: someone under the minimum age is told, neutrally, that we cannot
 * register them. Nothing they typed is kept or logged; one anonymous
 * counter moves (the adapter sets a cookie with no data that stops an
 * immediate retry with another date).
 */
static int not_eligible(struct failure *f)
{
	struct store_val name[] = {SV_TEXT("signup_below_minimum_age")};
	store_query(app.store, SQL_COUNTER, name, STORE_NPARAMS(name), NULL, NULL);
	return err_fail(f, ERR_NOT_ELIGIBLE);
}

int members_signup(const struct members_signup *in, struct members_started *out, struct failure *f)
{
	const struct policy_collection *cp = registration();
	const struct policy *p = app.policy;
	if (!cp)
		return err_fail(f, ERR_NO_REGISTRATION);
	if (age_in_years(in->date_of_birth) < p->settings.minimum_age)
		return not_eligible(f);
	char hash[CRYPTO_PWHASH_STR_MAX];
	if (password_accept(in->password, hash, f) != 0)
		return -1;
	const char *cats[MAX_CATEGORIES];
	size_t ncats = registration_categories(cats, MAX_CATEGORIES);
	const char *values[NFIELDS] = {in->name, in->email, in->postal_address, in->phone,
				       in->date_of_birth};
	struct record_field row[NFIELDS + 4];
	size_t n = 0;
	for (size_t i = 0; i < NFIELDS; i++)
		if (values[i])
			row[n++] = (struct record_field){fields[i].column, SV_TEXT(values[i])};
	row[n++] = (struct record_field){"password_hash", SV_TEXT(hash)};
	row[n++] = (struct record_field){"created_at", SV_INT(time(NULL))};
	row[n++] = (struct record_field){"failed_logins", SV_INT(0)};
	row[n++] = (struct record_field){"locked_until", SV_INT(0)};
	struct broker_grant *g = NULL;
	enum decision_reason reason;
	int rc = -1;
	*out = (struct members_started){0};
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0 ||
	    broker_subject_new(c, p->subjects[cp->subject].id, p->purposes[cp->purpose].id, cats,
			       ncats, 0, &out->member, &g, &reason) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	int inserted = record_insert(c, g, TABLE, out->member, row, n);
	if (inserted == STORE_CONFLICT) {
		err_fail(f, ERR_EMAIL_TAKEN);
		goto out;
	}
	if (inserted < 0 || record_signup_choices(c, in, out->member) != 0 ||
	    confirmation_queue(c, g, out->member, in->email) != 0 ||
	    session_open(c, SESSION_MEMBER, out->member, &out->session) != 0 ||
	    (in->remember && remember_device(c, out->member, &out->device) != 0) ||
	    store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	crypto_wipe(hash, sizeof(hash));
	return rc;
}

/* ---- sign-in ---- */

/* After MAX_FAILURES in a row, each further failure locks the account for
 * twice as long, from FIRST_LOCK_SECONDS up to LONGEST_LOCK_SECONDS. */
int64_t members_lock_seconds(int64_t failures)
{
	if (failures < MAX_FAILURES)
		return 0;
	int64_t s = FIRST_LOCK_SECONDS;
	for (int64_t i = MAX_FAILURES; i < failures && s < LONGEST_LOCK_SECONDS; i++)
		s *= 2;
	return s > LONGEST_LOCK_SECONDS ? LONGEST_LOCK_SECONDS : s;
}

int members_signin_address_allowed(const char *client, struct failure *f)
{
	int64_t wait = 0;
	if (ratelimit_hit("signin-minute", client, app.cfg.signin_per_minute, 60, &wait) &&
	    ratelimit_hit("signin-hour", client, app.cfg.signin_per_hour, 3600, &wait))
		return 0;
	err_fail(f, ERR_TOO_MANY_FROM_HERE);
	f->retry_after = wait;
	return -1;
}

struct login_row {
	bool found;
	int64_t failures, locked_until;
	char hash[CRYPTO_PWHASH_STR_MAX];
};

static int login_cb(void *ctx, const struct store_row *row)
{
	struct login_row *l = ctx;
	l->found = true;
	snprintf(l->hash, sizeof(l->hash), "%s", (const char *)row->cols[0].p);
	l->failures = row->cols[1].i;
	l->locked_until = row->cols[2].i;
	return 0;
}

int members_signin(const struct members_signin *in, struct members_started *out, struct failure *f)
{
	*out = (struct members_started){0};
	if (members_signin_address_allowed(in->client, f) != 0)
		return -1;
	struct login_row l = {0};
	int64_t id = 0;
	struct store_conn *c = store_acquire(app.store);
	int found = record_find(c, TABLE, "email", in->email, &id, 1);
	struct store_val key[] = {SV_INT(id)};
	/* A member without a data key (restored from a backup after closing)
	 * cannot sign in: nothing of them can be opened. */
	if (found < 0 ||
	    (found == 1 && store_exec(c, SQL_BY_ID, key, STORE_NPARAMS(key), login_cb, &l) < 0)) {
		store_release(c);
		return err_fail(f, ERR_STORE);
	}
	if (l.found && !broker_subject_has_key(c, id))
		l.found = false;
	store_release(c);
	int64_t now = (int64_t)time(NULL);
	if (l.found && l.locked_until > now) {
		err_fail(f, ERR_ACCOUNT_LOCKED);
		f->retry_after = l.locked_until - now;
		return -1;
	}
	int rc = password_verify(l.found ? l.hash : password_dummy_hash(), in->password,
				 ERR_BAD_CREDENTIALS, f);
	crypto_wipe(l.hash, sizeof(l.hash));
	if (rc == 0 && !l.found)
		rc = err_fail(f, ERR_BAD_CREDENTIALS);
	if (rc != 0) {
		if (l.found && f->err == ERR_BAD_CREDENTIALS) {
			struct store_val v[] = {SV_INT(id),
						SV_INT(now + members_lock_seconds(l.failures + 1))};
			store_query(app.store, SQL_FAILED, v, STORE_NPARAMS(v), NULL, NULL);
		}
		return -1;
	}
	out->member = id;
	c = store_acquire(app.store);
	bool ok = store_begin(c) == 0 &&
		  store_exec(c, SQL_SUCCEEDED, key, STORE_NPARAMS(key), NULL, NULL) >= 0 &&
		  session_open(c, SESSION_MEMBER, id, &out->session) == 0 &&
		  (!in->remember || remember_device(c, id, &out->device) == 0) &&
		  store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	return ok ? 0 : err_fail(f, ERR_STORE);
}

static int hash_cb(void *ctx, const struct store_row *row)
{
	snprintf(ctx, CRYPTO_PWHASH_STR_MAX, "%s", (const char *)row->cols[0].p);
	return 0;
}

int members_reauth(int64_t member, const char *password, struct failure *f)
{
	char hash[CRYPTO_PWHASH_STR_MAX] = "";
	struct store_val id[] = {SV_INT(member)};
	if (store_query(app.store, SQL_BY_ID, id, STORE_NPARAMS(id), hash_cb, hash) != 1)
		return err_fail(f, ERR_STORE);
	int rc = password_verify(hash, password, ERR_WRONG_PASSWORD, f);
	crypto_wipe(hash, sizeof(hash));
	return rc;
}

/* ---- the record ---- */

json_t *members_record(struct store_conn *c, int64_t member, const struct broker_actor *actor,
		       const char *purpose, enum decision_reason *reason)
{
	const struct policy *p = app.policy;
	int pi = purpose ? policy_purpose_index(p, purpose) : -1;
	const char *cats[MAX_CATEGORIES], *columns[NFIELDS], *names[NFIELDS];
	size_t ncats = 0, ncols = 0;
	/* Only the fields whose categories the purpose covers are asked for. */
	for (size_t i = 0; pi >= 0 && i < NFIELDS; i++) {
		int cat = policy_category_index(p, fields[i].category);
		if (cat < 0 || !policy_purpose_covers(&p->purposes[pi], cat))
			continue;
		cats[ncats++] = fields[i].category;
		columns[ncols] = fields[i].column;
		names[ncols++] = fields[i].field;
	}
	enum decision_reason why = DECISION_ALLOWED;
	struct broker_grant *g = NULL;
	struct record_text values[NFIELDS];
	json_t *data = NULL;
	/* Someone else's lookup is for a member, before anything is opened or
	 * logged; the member's own id comes from their session, and their
	 * record's read below says whether it is still there. */
	if (actor->kind != ACTOR_SELF && record_subject_of(c, TABLE, member) != member)
		goto out; /* no such member */
	if (pi < 0 || ncats == 0) {
		why = pi < 0 ? DENY_UNKNOWN_PURPOSE : DENY_CATEGORY_NOT_COVERED;
		goto out;
	}
	struct broker_use use = {actor, member, purpose, cats, ncats, "read"};
	if (broker_open(c, &use, &g, &why) != 0)
		goto out;
	if (record_read(c, g, TABLE, member, columns, ncols, values) != 1)
		goto out;
	data = json_object();
	for (size_t i = 0; i < ncols; i++)
		if (values[i].p)
			json_object_set_new(data, names[i], json_stringn(values[i].p, values[i].n));
	record_texts_release(values, ncols);
out:
	if (reason)
		*reason = why;
	broker_grant_free(g);
	return data;
}

int members_own_record(int64_t member, json_t **record, struct failure *f)
{
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	struct store_conn *c = store_acquire(app.store);
	*record = members_record(c, member, &self, members_account_purpose(), NULL);
	store_release(c);
	return *record ? 0 : err_fail(f, ERR_NO_ACCOUNT);
}

/* What a member corrects here; a new e-mail address needs a confirmed change
 * (members_change_email) and the date of birth is not changed. */
static const char *const correctable[] = {"name", "postal_address", "phone"};
#define NCORRECTABLE (sizeof(correctable) / sizeof(correctable[0]))

int members_correct(int64_t member, const struct members_correction *in, int *changed,
		    struct failure *f)
{
	const char *values[NCORRECTABLE] = {in->name, in->postal_address, in->phone};
	struct record_field row[NCORRECTABLE];
	size_t n = 0;
	for (size_t i = 0; i < NCORRECTABLE; i++) {
		if (!values[i])
			continue;
		if (!*values[i] && strcmp(correctable[i], "name") == 0)
			return err_fail(f, ERR_NAME_EMPTY);
		row[n++] = (struct record_field){correctable[i],
						 *values[i] ? SV_TEXT(values[i]) : SV_NULL};
	}
	*changed = (int)n;
	if (n == 0)
		return 0;
	const char *cats[MAX_CATEGORIES];
	size_t ncats = registration_categories(cats, MAX_CATEGORIES);
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	struct broker_use use = {&self, member, members_account_purpose(), cats, ncats, "write"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	struct store_conn *c = store_acquire(app.store);
	bool ok = store_begin(c) == 0 && broker_open(c, &use, &g, &why) == 0 &&
		  record_update(c, g, TABLE, member, row, n) == 1 && store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	return ok ? 0 : err_fail(f, ERR_STORE);
}

/* ---- the export and closing ---- */

static const char *text_of(const struct store_val *v)
{
	return v->type == STORE_TEXT ? (const char *)v->p : "";
}

static int consent_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx,
			      json_pack("{s:s,s:s,s:I,s:I,s:s}", "purpose", text_of(&row->cols[0]),
					"state", text_of(&row->cols[1]), "profile_version",
					(json_int_t)row->cols[2].i, "changed_at",
					(json_int_t)row->cols[3].i, "via", text_of(&row->cols[4])));
	return 0;
}

static int access_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(
		ctx,
		json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "at", (json_int_t)row->cols[0].i,
			  "actor", text_of(&row->cols[1]), "role", text_of(&row->cols[2]),
			  "recipient", text_of(&row->cols[3]), "purpose", text_of(&row->cols[4]),
			  "categories", text_of(&row->cols[5]), "action", text_of(&row->cols[6])));
	return 0;
}

int members_export(int64_t member, json_t **doc, struct failure *f)
{
	const struct policy *p = app.policy;
	json_t *consents = json_array(), *accesses = json_array();
	struct store_val id[] = {SV_INT(member)};
	struct store_conn *c = store_acquire(app.store);
	json_t *items =
		record_subject_of(c, TABLE, member) == member ? record_export(c, member) : NULL;
	bool ok = items &&
		  store_exec(c, SQL_CONSENTS, id, STORE_NPARAMS(id), consent_cb, consents) >= 0 &&
		  store_exec(c, SQL_ACCESSES, id, STORE_NPARAMS(id), access_cb, accesses) >= 0;
	store_release(c);
	if (!ok) {
		json_decref(items);
		json_decref(consents);
		json_decref(accesses);
		*doc = NULL;
		return err_fail(f, items ? ERR_STORE : ERR_NO_ACCOUNT);
	}
	*doc = json_pack("{s:I,s:s,s:i,s:o,s:o,s:o,s:[],s:[]}", "id", (json_int_t)member, "profile",
			 p->name, "profile_version", p->version, "items", items, "consents",
			 consents, "staff_accesses", accesses, "handovers", "visits");
	return 0;
}

int members_close(int64_t member, struct failure *f)
{
	struct store_conn *c = store_acquire(app.store);
	bool ok =
		store_begin(c) == 0 && record_erase_subject(c, member) == 0 && store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	if (!ok)
		return err_fail(f, ERR_STORE);
	record_scrub();
	log_info("an account was closed and its data key destroyed");
	return 0;
}

/* ---- choices ---- */

json_t *members_consents(int64_t member)
{
	const struct policy *p = app.policy;
	json_t *list = json_array();
	struct store_conn *c = store_acquire(app.store);
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (!members_choice(pu))
			continue;
		enum consent_state st = broker_consent_get(c, member, pu->id);
		bool on = pu->basis == BASIS_OPT_IN ? st == CONSENT_ON : st != CONSENT_OFF;
		json_array_append_new(list,
				      json_pack("{s:s,s:s,s:s,s:b,s:b}", "purpose", pu->id, "label",
						pu->label, "basis", policy_basis_name(pu->basis),
						"on", on, "chosen", st != CONSENT_UNSET));
	}
	store_release(c);
	return list;
}

/* A withdrawal takes effect at once: the broker reads the ledger on every use. */
int members_consent_set(int64_t member, const char *purpose, bool on, struct failure *f)
{
	const struct policy *p = app.policy;
	int pi = policy_purpose_index(p, purpose);
	if (pi < 0 || !members_choice(&p->purposes[pi]))
		return err_fail(f, ERR_NO_CHOICE);
	struct store_conn *c = store_acquire(app.store);
	int rc = broker_consent_set(c, member, p->purposes[pi].id, on, "api");
	store_release(c);
	return rc == 0 ? 0 : err_fail(f, ERR_STORE);
}
