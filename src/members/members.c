/*
 * members: the account's life from sign-up to sign-out (see members.h).
 */
#include "members.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "crypto.h"
#include "account_changes.h"
#include "garage.h"
#include "mail_confirm.h"
#include "outbox.h"
#include "log.h"
#include "mem.h"
#include "password.h"
#include "policy.h"
#include "ratelimit.h"
#include "remember.h"
#include "session.h"
#include "store.h"

#define AGE_COOKIE "gb_age_screen"
#define MAX_FAILURES 10

static const char SQL_MEMBER_INSERT[] =
	"INSERT INTO members (id, email_index, name, email, postal_address, phone, date_of_birth, "
	"password_hash, created_at, failed_logins, locked_until) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0)";
static const char SQL_MEMBER_BY_INDEX[] =
	"SELECT id, password_hash, failed_logins, locked_until FROM members WHERE email_index = $1";
static const char SQL_MEMBER_GET[] =
	"SELECT name, email, postal_address, phone, date_of_birth FROM members WHERE id = $1";
static const char SQL_HASH_GET[] = "SELECT password_hash FROM members WHERE id = $1";
static const char SQL_CONSENTS[] =
	"SELECT purpose, state, profile_version, changed_at, via FROM consents WHERE subject_id = $1 "
	"ORDER BY purpose";
static const char SQL_ACCESSES[] =
	"SELECT at, actor_kind, role, recipient, purpose, categories, action FROM access_log "
	"WHERE subject_id = $1 ORDER BY seq";
static const char SQL_SESSIONS_END[] = "DELETE FROM sessions WHERE member_id = $1";
static const char SQL_MEMBER_DELETE[] = "DELETE FROM members WHERE id = $1";
static const char SQL_FAILED[] =
	"UPDATE members SET failed_logins = failed_logins + 1, locked_until = $2 WHERE id = $1";
static const char SQL_SUCCEEDED[] =
	"UPDATE members SET failed_logins = 0, locked_until = 0 WHERE id = $1";
static const char SQL_COUNTER[] =
	"INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) "
	"DO UPDATE SET value = counters.value + 1";

/* The registration collection point: its fields map to these columns. */
static const char *const registration_points[] = {"member_registration", "insider_signup"};

struct field_map {
	const char *param, *category, *column;
};

static const struct field_map fields[] = {
	{"name", "name", "name"},
	{"email", "email", "email"},
	{"postal_address", "postal_address", "postal_address"},
	{"phone", "phone", "phone"},
	{"date_of_birth", "date_of_birth", "date_of_birth"},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

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

#define MAX_CATEGORIES 16

/* The categories the registration point collects, at most max. */
static size_t registration_categories(const struct policy_collection *cp, const char **cats,
				      size_t max)
{
	size_t n = 0;
	for (size_t i = 0; cp && i < cp->nfields && n < max; i++)
		cats[n++] = app.policy->categories[cp->fields[i].category].id;
	return n;
}

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

/* Lower-cased, without spaces: the form the blind index is taken over. */
void email_blind_index(const char *domain, const char *email, unsigned char out[CRYPTO_INDEX_BYTES])
{
	char norm[256];
	size_t n = 0;
	for (const char *p = email; *p && n + 1 < sizeof(norm); p++)
		if (!isspace((unsigned char)*p))
			norm[n++] = (char)tolower((unsigned char)*p);
	crypto_blind_index(app.keys, domain, norm, n, out);
	crypto_wipe(norm, sizeof(norm));
}

static void email_index(const char *email, unsigned char out[CRYPTO_INDEX_BYTES])
{
	email_blind_index(MEMBER_EMAIL_DOMAIN, email, out);
}

/*
 * NAM12: someone under the minimum age is told, neutrally, that we cannot
 * register them. Nothing they typed is kept or logged; a cookie with no data
 * stops an immediate retry with another date; one anonymous counter moves.
 */
static void not_eligible(struct req *r)
{
	store_query(app.store, SQL_COUNTER, (struct store_val[]){SV_TEXT("signup_below_minimum_age")},
		    1, NULL, NULL);
	resp_header(r, "Set-Cookie", AGE_COOKIE "=1; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400");
	resp_error(r, 403, "not_eligible", "Thank you for your interest. We cannot register you.",
		   NULL);
}

struct sealed {
	unsigned char *ct;
	size_t len;
};

const char *valid_id_list(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == ','))
			return "must be purpose ids separated by commas";
	}
	return NULL;
}

/* Whether the list (comma-separated) names id. */
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

static bool member_choice(const struct policy_purpose *pu, int member_kind)
{
	bool for_members = false;
	for (size_t k = 0; k < pu->nsubjects; k++)
		for_members |= pu->subjects[k] == member_kind;
	return for_members && (pu->basis == BASIS_OPT_IN || pu->basis == BASIS_OPT_OUT);
}

/*
 * The choices made on the sign-up form: opt-in purposes listed in "opt_in"
 * are switched on (every box starts unticked), opt-out purposes listed in
 * "opt_out" are switched off. A Global Privacy Control signal (Sec-GPC: 1)
 * switches affiliate offers off (INS06).
 */
static int record_signup_choices(struct store_conn *c, struct req *r, int64_t member)
{
	const struct policy *p = app.policy;
	const char *in = req_param(r, "opt_in"), *out = req_param(r, "opt_out");
	const char *gpc = req_header(r, "Sec-GPC");
	int member_kind = policy_subject_index(p, "member");
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (!member_choice(pu, member_kind))
			continue;
		if (pu->kind == PK_AFFILIATE_OFFERS && gpc && strcmp(gpc, "1") == 0) {
			if (broker_consent_set(c, member, pu->id, false, "gpc") != 0)
				return -1;
			continue;
		}
		if (pu->basis == BASIS_OPT_IN && list_has(in, pu->id) &&
		    broker_consent_set(c, member, pu->id, true, "form") != 0)
			return -1;
		if (pu->basis == BASIS_OPT_OUT && list_has(out, pu->id) &&
		    broker_consent_set(c, member, pu->id, false, "form") != 0)
			return -1;
	}
	return 0;
}

/* INS12: only a ticked "remember me" (JSON true) remembers the device. */
static bool wants_remember(const struct req *r)
{
	const char *v = req_param(r, "remember");
	return v && strcmp(v, "true") == 0;
}

void members_api_signup(struct req *r)
{
	const struct policy_collection *cp = registration();
	if (!cp) {
		resp_error(r, 404, "not_found", "This site takes no registrations.", NULL);
		return;
	}
	if (req_cookie(r, AGE_COOKIE)) {
		resp_error(r, 403, "not_eligible", "Thank you for your interest. We cannot register you.",
			   NULL);
		return;
	}
	if (age_in_years(req_param(r, "date_of_birth")) < app.policy->settings.minimum_age) {
		not_eligible(r);
		return;
	}
	char hash[CRYPTO_PWHASH_STR_MAX];
	if (!password_accept(r, hash))
		return;

	const struct policy *p = app.policy;
	const char *cats[MAX_CATEGORIES];
	size_t ncats = registration_categories(cp, cats, MAX_CATEGORIES);
	unsigned char index[CRYPTO_INDEX_BYTES];
	email_index(req_param(r, "email"), index);

	struct sealed s[NFIELDS] = {{0}};
	struct broker_grant *g = NULL;
	enum decision_reason reason;
	int64_t member = 0;
	char csrf[CRYPTO_TOKEN_CHARS + 1];
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0)
		goto fail;
	if (broker_subject_new(c, p->subjects[cp->subject].id, p->purposes[cp->purpose].id, cats,
			       ncats, &member, &g, &reason) != 0)
		goto fail;
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *v = req_param(r, fields[i].param);
		if (!v)
			continue;
		if (broker_seal(g, fields[i].category, "members", fields[i].column, member, v,
				strlen(v), &s[i].ct, &s[i].len) != 0)
			goto fail;
	}
	struct store_val row[11];
	row[0] = SV_INT(member);
	row[1] = SV_BLOB(index, sizeof(index));
	for (size_t i = 0; i < NFIELDS; i++)
		row[2 + i] = s[i].ct ? SV_BLOB(s[i].ct, s[i].len) : SV_NULL;
	row[7] = SV_TEXT(hash);
	row[8] = SV_INT(time(NULL));
	int rc = store_exec(c, SQL_MEMBER_INSERT, row, 9, NULL, NULL);
	if (rc == STORE_CONFLICT) {
		store_rollback(c);
		resp_error(r, 409, "email_taken", "An account with that e-mail address exists; sign in.",
			   "email");
		goto out;
	}
	if (rc < 0 || record_signup_choices(c, r, member) != 0 ||
	    confirm_queue(c, g, p->purposes[cp->purpose].id, member, req_param(r, "email")) != 0 ||
	    session_create(c, r, member, csrf) != 0 ||
	    (wants_remember(r) && remember_device(c, r, member) != 0) || store_commit(c) != 0)
		goto fail;
	resp_json(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)member, "csrf_token", csrf));
	goto out;
fail:
	store_rollback(c);
	resp_header(r, "Retry-After", "5");
	resp_error(r, 503, "store_unavailable", "The account could not be created; try again.", NULL);
out:
	store_release(c);
	broker_grant_free(g);
	for (size_t i = 0; i < NFIELDS; i++)
		free(s[i].ct);
	crypto_wipe(hash, sizeof(hash));
}

struct login_row {
	bool found;
	int64_t id, failures, locked_until;
	char hash[CRYPTO_PWHASH_STR_MAX];
};

static int login_cb(void *ctx, const struct store_row *row)
{
	struct login_row *l = ctx;
	l->found = true;
	l->id = row->cols[0].i;
	snprintf(l->hash, sizeof(l->hash), "%s", (const char *)row->cols[1].p);
	l->failures = row->cols[2].i;
	l->locked_until = row->cols[3].i;
	return 0;
}

/* After MAX_FAILURES in a row, each further failure locks the account for
 * twice as long, from 30 seconds up to 15 minutes. */
int64_t signin_lock_seconds(int64_t failures)
{
	if (failures < MAX_FAILURES)
		return 0;
	int64_t s = 30;
	for (int64_t i = MAX_FAILURES; i < failures && s < 900; i++)
		s *= 2;
	return s > 900 ? 900 : s;
}

/* Per client address: signin-per-minute and signin-per-hour attempts. */
bool signin_address_allowed(struct req *r)
{
	const char *addr = req_client_address(r);
	int64_t wait = 0;
	if (ratelimit_hit("signin-minute", addr, app.cfg.signin_per_minute, 60, &wait) &&
	    ratelimit_hit("signin-hour", addr, app.cfg.signin_per_hour, 3600, &wait))
		return true;
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)wait);
	resp_header(r, "Retry-After", text);
	resp_error(r, 429, "too_many_attempts", "Too many sign-in attempts from here; wait and try again.",
		   NULL);
	return false;
}

void members_api_signin(struct req *r)
{
	static const char denied[] = "The e-mail address or the password is wrong.";
	if (!signin_address_allowed(r))
		return;
	unsigned char index[CRYPTO_INDEX_BYTES];
	const char *pw = req_param(r, "password");
	email_index(req_param(r, "email"), index);
	struct login_row l = {0};
	struct store_val key[] = {SV_BLOB(index, sizeof(index))};
	if (store_query(app.store, SQL_MEMBER_BY_INDEX, key, 1, login_cb, &l) < 0) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	int64_t now = (int64_t)time(NULL);
	if (l.found && l.locked_until > now) {
		char wait[24];
		snprintf(wait, sizeof(wait), "%lld", (long long)(l.locked_until - now));
		resp_header(r, "Retry-After", wait);
		resp_error(r, 429, "too_many_attempts", "Too many failed attempts; wait and try again.",
			   NULL);
		return;
	}
	/* An unknown address costs the same hash as a known one. */
	static char dummy[CRYPTO_PWHASH_STR_MAX];
	if (!dummy[0])
		crypto_password_hash("glovebox-dummy-password", 23, dummy);
	enum crypto_pw_rc rc = crypto_password_verify(l.found ? l.hash : dummy, pw, strlen(pw));
	crypto_wipe(l.hash, sizeof(l.hash));
	if (rc == CRYPTO_PW_BUSY) {
		resp_header(r, "Retry-After", "1");
		resp_error(r, 503, "busy", "Too many sign-ins at once; try again in a second.", NULL);
		return;
	}
	if (!l.found || rc != CRYPTO_PW_OK) {
		if (l.found) {
			struct store_val f[] = {SV_INT(l.id), SV_INT(now + signin_lock_seconds(l.failures + 1))};
			store_query(app.store, SQL_FAILED, f, 2, NULL, NULL);
		}
		resp_error(r, 401, "bad_credentials", denied, NULL);
		return;
	}
	char csrf[CRYPTO_TOKEN_CHARS + 1];
	struct store_conn *c = store_acquire(app.store);
	struct store_val id[] = {SV_INT(l.id)};
	int ok = store_begin(c) == 0 && store_exec(c, SQL_SUCCEEDED, id, 1, NULL, NULL) >= 0 &&
		 session_create(c, r, l.id, csrf) == 0 &&
		 (!wants_remember(r) || remember_device(c, r, l.id) == 0) && store_commit(c) == 0;
	store_release(c);
	if (!ok) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	resp_json(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)l.id, "csrf_token", csrf));
}

static int login_hash_cb(void *ctx, const struct store_row *row)
{
	snprintf(ctx, CRYPTO_PWHASH_STR_MAX, "%s", (const char *)row->cols[0].p);
	return 0;
}

static bool signed_in(struct req *r, struct session *s)
{
	return session_require(r, s, false);
}

void members_api_signout(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s))
		return;
	if (!session_csrf_ok(r, &s)) {
		resp_error(r, 403, "csrf", "The request lacks this session's CSRF token.", NULL);
		return;
	}
	session_end(r);
	resp_json(r, 200, json_pack("{s:b}", "signed_out", 1));
}

struct me_row {
	bool found;
	struct {
		unsigned char *p;
		size_t n;
	} col[NFIELDS];
};

static int me_cb(void *ctx, const struct store_row *row)
{
	struct me_row *m = ctx;
	m->found = true;
	for (size_t i = 0; i < NFIELDS && i < row->ncols; i++)
		if (row->cols[i].type == STORE_BLOB) {
			m->col[i].p = xmalloc(row->cols[i].n);
			memcpy(m->col[i].p, row->cols[i].p, row->cols[i].n);
			m->col[i].n = row->cols[i].n;
		}
	return 0;
}

json_t *members_record(struct store_conn *c, int64_t member, const struct broker_actor *actor,
		       const char *purpose, enum decision_reason *reason)
{
	const struct policy *p = app.policy;
	const struct policy_collection *cp = registration();
	int pi = policy_purpose_index(p, purpose);
	const char *all[MAX_CATEGORIES], *cats[MAX_CATEGORIES];
	size_t nall = registration_categories(cp, all, MAX_CATEGORIES), ncats = 0;
	/* Only the categories the purpose covers are asked for. */
	for (size_t i = 0; pi >= 0 && i < nall; i++)
		if (policy_purpose_covers(&p->purposes[pi], policy_category_index(p, all[i])))
			cats[ncats++] = all[i];
	struct broker_use use = {actor, member, purpose, cats, ncats, "read"};
	struct me_row m = {0};
	struct broker_grant *g = NULL;
	enum decision_reason why = DECISION_ALLOWED;
	json_t *data = NULL;
	struct store_val id[] = {SV_INT(member)};
	if (store_exec(c, SQL_MEMBER_GET, id, 1, me_cb, &m) < 0 || !m.found)
		goto out;
	if (pi < 0 || ncats == 0) {
		why = pi < 0 ? DENY_UNKNOWN_PURPOSE : DENY_CATEGORY_NOT_COVERED;
		goto out;
	}
	if (broker_open(c, &use, &g, &why) != 0)
		goto out;
	data = json_object();
	for (size_t i = 0; i < NFIELDS; i++) {
		char *plain;
		size_t len;
		bool asked = false;
		for (size_t k = 0; k < ncats; k++)
			asked |= strcmp(cats[k], fields[i].category) == 0;
		if (asked && m.col[i].p &&
		    broker_read(g, fields[i].category, "members", fields[i].column, member, m.col[i].p,
				m.col[i].n, &plain, &len) == 0) {
			json_object_set_new(data, fields[i].param, json_stringn(plain, len));
			broker_plain_free(plain, len);
		}
	}
out:
	if (reason)
		*reason = why;
	broker_grant_free(g);
	for (size_t i = 0; i < NFIELDS; i++)
		free(m.col[i].p);
	return data;
}

/* The member's own record, opened through the broker as the member. */
static json_t *load_record(struct store_conn *c, int64_t member)
{
	const struct policy_collection *cp = registration();
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	return members_record(c, member, &self, cp ? app.policy->purposes[cp->purpose].id : "", NULL);
}

/* NAM14: the full record, corrections, export and erasure need a password
 * entered within the profile's window. */
static bool recent(struct req *r, const struct session *s)
{
	if (session_recent(s))
		return true;
	resp_error(r, 403, "reauth_required", "Enter your password again to continue.", NULL);
	return false;
}

static bool csrf(struct req *r, const struct session *s)
{
	if (session_csrf_ok(r, s))
		return true;
	resp_error(r, 403, "csrf", "The request lacks this session's CSRF token.", NULL);
	return false;
}

void members_api_me(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s) || !recent(r, &s))
		return;
	struct store_conn *c = store_acquire(app.store);
	json_t *data = load_record(c, s.member);
	store_release(c);
	if (!data) {
		resp_error(r, 404, "not_found", "No such account.", NULL);
		return;
	}
	resp_json(r, 200, json_pack("{s:I,s:o,s:s}", "id", (json_int_t)s.member, "data", data,
				    "csrf_token", s.csrf));
}

void members_api_reauth(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s) || !csrf(r, &s))
		return;
	struct store_val id[] = {SV_INT(s.member)};
	char hash[CRYPTO_PWHASH_STR_MAX] = "";
	if (store_query(app.store, SQL_HASH_GET, id, 1, login_hash_cb, hash) != 1) {
		resp_error(r, 401, "not_signed_in", "Sign in first.", NULL);
		return;
	}
	const char *pw = req_param(r, "password");
	enum crypto_pw_rc rc = crypto_password_verify(hash, pw, strlen(pw));
	crypto_wipe(hash, sizeof(hash));
	if (rc == CRYPTO_PW_BUSY) {
		resp_header(r, "Retry-After", "1");
		resp_error(r, 503, "busy", "Try again in a second.", NULL);
		return;
	}
	if (rc != CRYPTO_PW_OK) {
		resp_error(r, 401, "bad_credentials", "That password is wrong.", "password");
		return;
	}
	session_reauth(r);
	resp_json(r, 200, json_pack("{s:b}", "reauthenticated", 1));
}

/* Fields a member corrects here; a new e-mail address needs a confirmed
 * change (the mail issue), and the date of birth is not changed. */
static const struct {
	const char *field, *sql;
} correctable[] = {
	{"name", "UPDATE members SET name = $2 WHERE id = $1"},
	{"postal_address", "UPDATE members SET postal_address = $2 WHERE id = $1"},
	{"phone", "UPDATE members SET phone = $2 WHERE id = $1"},
};

void members_api_correct(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s) || !csrf(r, &s) || !recent(r, &s))
		return;
	const struct policy_collection *cp = registration();
	const struct policy *p = app.policy;
	const char *cats[MAX_CATEGORIES];
	size_t ncats = registration_categories(cp, cats, MAX_CATEGORIES);
	struct broker_actor self = {ACTOR_SELF, s.member, NULL, NULL};
	struct broker_use use = {&self, s.member, cp ? p->purposes[cp->purpose].id : "", cats, ncats,
				 "write"};
	struct broker_grant *g = NULL;
	enum decision_reason reason;
	int changed = 0, failed = 0;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0 || broker_open(c, &use, &g, &reason) != 0) {
		failed = 1;
		goto out;
	}
	for (size_t i = 0; i < sizeof(correctable) / sizeof(correctable[0]) && !failed; i++) {
		const char *field = correctable[i].field, *v = req_param(r, field);
		if (!v)
			continue;
		unsigned char *ct = NULL;
		size_t len;
		struct store_val row[2] = {SV_INT(s.member), SV_NULL};
		if (*v) {
			if (broker_seal(g, field, "members", field, s.member, v, strlen(v), &ct, &len) != 0) {
				failed = 1;
				break;
			}
			row[1] = SV_BLOB(ct, len);
		} else if (strcmp(field, "name") == 0) {
			resp_error(r, 400, "invalid_field", "name cannot be empty", "name");
			store_rollback(c);
			goto done;
		}
		int rc = store_exec(c, correctable[i].sql, row, 2, NULL, NULL);
		free(ct);
		if (rc != 1)
			failed = 1;
		changed++;
	}
	if (!failed && store_commit(c) != 0)
		failed = 1;
out:
	if (failed) {
		store_rollback(c);
		resp_error(r, 503, "store_unavailable", "Your changes were not saved; try again.", NULL);
	} else {
		resp_json(r, 200, json_pack("{s:i}", "changed", changed));
	}
done:
	store_release(c);
	broker_grant_free(g);
}

static int consent_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s,s:I,s:I,s:s}", "purpose",
					     (const char *)row->cols[0].p, "state",
					     (const char *)row->cols[1].p, "profile_version",
					     (json_int_t)row->cols[2].i, "changed_at",
					     (json_int_t)row->cols[3].i, "via",
					     (const char *)row->cols[4].p));
	return 0;
}

static int access_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "at",
					     (json_int_t)row->cols[0].i, "actor",
					     (const char *)row->cols[1].p, "role",
					     (const char *)row->cols[2].p, "recipient",
					     (const char *)row->cols[3].p, "purpose",
					     (const char *)row->cols[4].p, "categories",
					     (const char *)row->cols[5].p, "action",
					     (const char *)row->cols[6].p));
	return 0;
}

/* ALL01: everything held about the member, each item with its category
 * and the purposes it serves, the choices made, and every access by staff
 * or hand-over to a partner. */
void members_api_export(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s) || !recent(r, &s))
		return;
	const struct policy *p = app.policy;
	struct store_conn *c = store_acquire(app.store);
	json_t *data = load_record(c, s.member);
	json_t *consents = json_array(), *accesses = json_array();
	json_t *vehicles = garage_of(c, s.member);
	bool verified_owner = garage_verified_owner(c, s.member);
	struct store_val id[] = {SV_INT(s.member)};
	store_exec(c, SQL_CONSENTS, id, 1, consent_cb, consents);
	store_exec(c, SQL_ACCESSES, id, 1, access_cb, accesses);
	store_release(c);
	if (!data) {
		json_decref(consents);
		json_decref(accesses);
		json_decref(vehicles);
		resp_error(r, 404, "not_found", "No such account.", NULL);
		return;
	}
	json_t *items = json_array();
	const char *key;
	json_t *value;
	json_object_foreach(data, key, value) {
		int cat = policy_category_index(p, key);
		json_t *purposes = json_array();
		for (size_t i = 0; cat >= 0 && i < p->npurposes; i++)
			if (policy_purpose_covers(&p->purposes[i], cat))
				json_array_append_new(purposes, json_string(p->purposes[i].id));
		json_array_append_new(items, json_pack("{s:s,s:s,s:O,s:o}", "category", key, "label",
						       cat >= 0 ? p->categories[cat].label : key,
						       "value", value, "purposes", purposes));
	}
	json_decref(data);
	resp_header(r, "Content-Disposition", "attachment; filename=\"my-data.json\"");
	resp_json(r, 200, json_pack("{s:I,s:s,s:i,s:o,s:o,s:o,s:o,s:[],s:o,s:b}", "id",
				    (json_int_t)s.member, "profile", p->name, "profile_version",
				    p->version, "items", items, "consents", consents, "staff_accesses",
				    accesses, "handovers", json_array(), "visits", "vehicles", vehicles,
				    "verified_owner", verified_owner));
}

/*
 * ALL02: closing the account. The member's data key is destroyed, so every
 * field sealed under it is unreadable at once, here and in every backup
 * (backups hold no keys); the account row with its blind index goes, and so
 * do all its sessions. What the profile says must stay would stay here, with
 * no personal field (no such record exists yet).
 */
void members_api_close(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s) || !csrf(r, &s) || !recent(r, &s))
		return;
	struct store_val id[] = {SV_INT(s.member)};
	struct store_conn *c = store_acquire(app.store);
	bool ok = store_begin(c) == 0 && store_exec(c, SQL_SESSIONS_END, id, 1, NULL, NULL) >= 0 &&
		  remember_forget_member(c, s.member) == 0 && garage_forget_member(c, s.member) == 0 &&
		  confirm_forget_member(c, s.member) == 0 && outbox_forget_subject(c, s.member) == 0 &&
		  email_changes_forget(c, s.member) == 0 &&
		  store_exec(c, SQL_MEMBER_DELETE, id, 1, NULL, NULL) == 1 &&
		  broker_subject_erase(c, s.member) == 0 && store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	if (!ok) {
		resp_error(r, 503, "store_unavailable", "The account could not be closed; try again.", NULL);
		return;
	}
	session_end(r);
	log_info("an account was closed and its data key destroyed");
	resp_json(r, 200, json_pack("{s:b}", "closed", 1));
}

/* The member's choices: every purpose with a choice (opt-in or opt-out),
 * whether it is on for them now, and how the choice was last made. */
void members_api_consents(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s))
		return;
	const struct policy *p = app.policy;
	int member_kind = policy_subject_index(p, "member");
	json_t *list = json_array();
	struct store_conn *c = store_acquire(app.store);
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (!member_choice(pu, member_kind))
			continue;
		enum consent_state st = broker_consent_get(c, s.member, pu->id);
		bool on = pu->basis == BASIS_OPT_IN ? st == CONSENT_ON : st != CONSENT_OFF;
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:b,s:b}", "purpose", pu->id,
						      "label", pu->label, "basis",
						      policy_basis_name(pu->basis), "on", on, "chosen",
						      st != CONSENT_UNSET));
	}
	store_release(c);
	resp_json(r, 200, json_pack("{s:o}", "consents", list));
}

/* Switches one purpose on or off; a withdrawal takes effect at once, since
 * the broker reads the ledger on every use. */
void members_api_consent_set(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s) || !csrf(r, &s))
		return;
	const struct policy *p = app.policy;
	int pi = policy_purpose_index(p, r->path_params[0]);
	if (pi < 0 || !member_choice(&p->purposes[pi], policy_subject_index(p, "member"))) {
		resp_error(r, 404, "not_found", "There is no choice for that purpose.", NULL);
		return;
	}
	bool on = strcmp(req_param(r, "on"), "true") == 0;
	struct store_conn *c = store_acquire(app.store);
	int rc = broker_consent_set(c, s.member, p->purposes[pi].id, on, "api");
	store_release(c);
	if (rc != 0) {
		resp_error(r, 503, "store_unavailable", "Your choice was not saved; try again.", NULL);
		return;
	}
	resp_json(r, 200, json_pack("{s:s,s:b}", "purpose", p->purposes[pi].id, "on", on));
}

/* The member's sessions, to see where they are signed in. */
void members_api_sessions(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s))
		return;
	resp_json(r, 200, json_pack("{s:o}", "sessions", session_list(r, s.member)));
}

/* Ends one of the member's other sessions (or this one). */
void members_api_session_end(struct req *r)
{
	struct session s;
	if (!signed_in(r, &s) || !csrf(r, &s))
		return;
	if (session_end_id(s.member, r->path_params[0]) != 0) {
		resp_error(r, 404, "not_found", "You have no session with that id.", NULL);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "ended", 1));
}
