/*
 * staff: staff accounts, enrolment, sign-in with a second factor, and the
 * staff member's one window onto a member's record (see staff.h).
 */
#include "staff.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "log.h"
#include "members.h"
#include "mem.h"
#include "password.h"
#include "policy.h"
#include "session.h"
#include "store.h"
#include "totp.h"
#include "validate.h"

#define EMAIL_DOMAIN "staff-email"
#define MAX_FAILURES 10

static const char SQL_INSERT[] =
	"INSERT INTO staff (id, email_index, email, role, totp_confirmed, totp_last_step, enrol_hash, "
	"enrol_expires, created_at, failed_logins, locked_until) "
	"VALUES ($1, $2, $3, $4, 0, 0, $5, $6, $7, 0, 0)";
static const char SQL_BY_EMAIL[] =
	"SELECT id, role, password_hash, totp_secret, totp_confirmed, totp_last_step, failed_logins, "
	"locked_until FROM staff WHERE email_index = $1";
static const char SQL_BY_ENROL[] =
	"SELECT id, role, password_hash, totp_secret, totp_confirmed, totp_last_step, failed_logins, "
	"locked_until, email FROM staff WHERE enrol_hash = $1 AND enrol_expires > $2";
static const char SQL_ROLE[] = "SELECT role FROM staff WHERE id = $1";
static const char SQL_ENROL_SET[] =
	"UPDATE staff SET password_hash = $2, totp_secret = $3, totp_confirmed = 0 WHERE id = $1";
static const char SQL_ENROL_DONE[] =
	"UPDATE staff SET totp_confirmed = $2, totp_last_step = $3, enrol_hash = NULL "
	"WHERE id = $1 AND totp_last_step < $3";
static const char SQL_STEP_USE[] =
	"UPDATE staff SET totp_last_step = $2, failed_logins = 0, locked_until = 0 "
	"WHERE id = $1 AND totp_last_step < $2";
static const char SQL_FAILED[] =
	"UPDATE staff SET failed_logins = failed_logins + 1, locked_until = $2 WHERE id = $1";
static const char SQL_RESET[] =
	"UPDATE staff SET password_hash = NULL, totp_secret = NULL, totp_confirmed = 0, "
	"totp_last_step = 0, enrol_hash = $2, enrol_expires = $3, failed_logins = 0, locked_until = 0 "
	"WHERE id = $1";
static const char SQL_SESSIONS_END[] = "DELETE FROM staff_sessions WHERE staff_id = $1";
static const char SQL_DELETE[] = "DELETE FROM staff WHERE id = $1";
static const char SQL_LIST[] =
	"SELECT id, role, email, totp_confirmed, created_at FROM staff ORDER BY created_at";
static const char SQL_MEMBER_BY_INDEX[] = "SELECT id FROM members WHERE email_index = $1";

/* ---- roles ---- */

bool staff_role_grants(const char *role, const char *purpose)
{
	const struct policy *p = app.policy;
	int ri = policy_role_index(p, role);
	if (ri < 0)
		return false;
	if (!purpose)
		return true;
	int pi = policy_purpose_index(p, purpose);
	for (size_t i = 0; pi >= 0 && i < p->roles[ri].npurposes; i++)
		if (p->roles[ri].purposes[i] == pi)
			return true;
	return false;
}

void staff_actor(const struct staff_session *s, struct broker_actor *a)
{
	*a = (struct broker_actor){ACTOR_STAFF, s->staff, s->role, NULL};
}

static int role_cb(void *ctx, const struct store_row *row)
{
	snprintf(ctx, 64, "%s", row->cols[0].type == STORE_TEXT ? (const char *)row->cols[0].p : "");
	return 0;
}

bool staff_session_get(struct req *r, struct staff_session *out)
{
	struct session s;
	if (!session_get_as(SESSION_STAFF, r, &s))
		return false;
	/* The role is read afresh: a changed or removed account takes effect at once. */
	struct store_val id[] = {SV_INT(s.member)};
	out->role[0] = '\0';
	if (store_query(app.store, SQL_ROLE, id, 1, role_cb, out->role) != 1)
		return false;
	out->staff = s.member;
	memcpy(out->csrf, s.csrf, sizeof(out->csrf));
	return true;
}

static bool state_changing(const struct req *r)
{
	return r->method != HTTP_GET && r->method != HTTP_HEAD;
}

static bool csrf_ok(const struct req *r, const struct staff_session *s)
{
	const char *sent = req_header(r, "X-CSRF-Token");
	if (!sent)
		sent = req_param(r, "csrf_token");
	return sent && strlen(sent) == CRYPTO_TOKEN_CHARS &&
	       crypto_equal(sent, s->csrf, CRYPTO_TOKEN_CHARS);
}

bool staff_require(struct req *r, const char *purpose, struct staff_session *s)
{
	if (!staff_session_get(r, s)) {
		resp_error(r, 401, "not_signed_in", "Staff sign-in needed.", NULL);
		return false;
	}
	if (state_changing(r) && !csrf_ok(r, s)) {
		resp_error(r, 403, "csrf", "The request lacks this session's CSRF token.", NULL);
		return false;
	}
	if (!staff_role_grants(s->role, purpose)) {
		resp_error(r, 403, "role_lacks_purpose",
			   "Your role does not include that purpose (need to know).", NULL);
		return false;
	}
	return true;
}

const char *valid_totp_code(const char *s, size_t len)
{
	if (len != TOTP_DIGITS)
		return "must be the 6 digits your authenticator app shows";
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return "must be the 6 digits your authenticator app shows";
	return NULL;
}

/* ---- accounts ---- */

struct account {
	bool found;
	int64_t id, totp_confirmed, last_step, failures, locked_until;
	char role[64];
	char hash[CRYPTO_PWHASH_STR_MAX];
	struct {
		unsigned char *p;
		size_t n;
	} secret, email;
};

static void blob_copy(const struct store_row *row, size_t i, unsigned char **p, size_t *n)
{
	if (i >= row->ncols || row->cols[i].type != STORE_BLOB)
		return;
	*p = xmalloc(row->cols[i].n);
	memcpy(*p, row->cols[i].p, row->cols[i].n);
	*n = row->cols[i].n;
}

static int account_cb(void *ctx, const struct store_row *row)
{
	struct account *a = ctx;
	a->found = true;
	a->id = row->cols[0].i;
	snprintf(a->role, sizeof(a->role), "%s", (const char *)row->cols[1].p);
	if (row->cols[2].type == STORE_TEXT)
		snprintf(a->hash, sizeof(a->hash), "%s", (const char *)row->cols[2].p);
	blob_copy(row, 3, &a->secret.p, &a->secret.n);
	a->totp_confirmed = row->cols[4].i;
	a->last_step = row->cols[5].i;
	a->failures = row->cols[6].i;
	a->locked_until = row->cols[7].i;
	blob_copy(row, 8, &a->email.p, &a->email.n);
	return 0;
}

static void account_release(struct account *a)
{
	crypto_wipe(a->hash, sizeof(a->hash));
	free(a->secret.p);
	free(a->email.p);
}

static int64_t now_seconds(void)
{
	return (int64_t)time(NULL);
}

/* The account whose enrolment token this is, if it is still valid. */
static int account_by_token(const char *token, struct account *a)
{
	unsigned char hash[32];
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct store_val p[] = {SV_BLOB(hash, 32), SV_INT(now_seconds())};
	return store_query(app.store, SQL_BY_ENROL, p, 2, account_cb, a) < 0 ? -1 : 0;
}

/* Opens a sealed staff field into a malloc'd, NUL-terminated copy. */
static char *staff_open_field(struct store_conn *c, int64_t id, const char *category,
			      const char *column, const unsigned char *ct, size_t ct_len, size_t *len)
{
	struct broker_grant *g = NULL;
	char *plain = NULL, *out = NULL;
	size_t n = 0;
	if (ct && broker_staff_open(c, id, &g) == 0 &&
	    broker_read(g, category, "staff", column, id, ct, ct_len, &plain, &n) == 0) {
		out = xmalloc(n + 1);
		memcpy(out, plain, n + 1);
		if (len)
			*len = n;
		broker_plain_free(plain, n);
	}
	broker_grant_free(g);
	return out;
}

static void secret_free(char *s, size_t n)
{
	if (s) {
		crypto_wipe(s, n);
		free(s);
	}
}

int staff_cli_add(const char *email, const char *role, FILE *out)
{
	if (!role || policy_role_index(app.policy, role) < 0) {
		fprintf(stderr, "glovebox: the profile '%s' has no staff role '%s'; its roles:",
			app.policy->name, role ? role : "");
		for (size_t i = 0; i < app.policy->nroles; i++)
			fprintf(stderr, " %s", app.policy->roles[i].id);
		fprintf(stderr, "\n");
		return 2;
	}
	if (valid_email(email, strlen(email))) {
		fprintf(stderr, "glovebox: '%s' is not an e-mail address\n", email);
		return 2;
	}
	unsigned char index[CRYPTO_INDEX_BYTES], token_hash[32];
	char token[CRYPTO_TOKEN_CHARS + 1];
	email_blind_index(EMAIL_DOMAIN, email, index);
	crypto_token(token);
	crypto_token_hash(app.keys, token, strlen(token), token_hash);
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g = NULL;
	unsigned char *ct = NULL;
	size_t ct_len = 0;
	int64_t id = 0, now = now_seconds();
	int rc = -1;
	if (store_begin(c) == 0 && broker_staff_new(c, &id, &g) == 0 &&
	    broker_seal(g, BROKER_STAFF_EMAIL, "staff", "email", id, email, strlen(email), &ct,
			&ct_len) == 0) {
		struct store_val row[] = {SV_INT(id),		SV_BLOB(index, sizeof(index)),
					  SV_BLOB(ct, ct_len),	SV_TEXT(role),
					  SV_BLOB(token_hash, 32), SV_INT(now + STAFF_ENROL_SECONDS),
					  SV_INT(now)};
		rc = store_exec(c, SQL_INSERT, row, 7, NULL, NULL);
		if (rc >= 0)
			rc = store_commit(c);
	}
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	free(ct);
	if (rc == STORE_CONFLICT) {
		fprintf(stderr, "glovebox: a staff account with that e-mail address exists "
				"(glovebox staff reset EMAIL gives it a new enrolment token)\n");
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "glovebox: the staff account could not be created\n");
		return 1;
	}
	fprintf(out,
		"staff account %lld created with role %s.\n"
		"enrolment token (valid %d hours, shown once): %s\n"
		"the staff member opens /staff/enrol?token=%s on the site to choose a password and "
		"set up their authenticator app.\n",
		(long long)id, role, STAFF_ENROL_SECONDS / 3600, token, token);
	crypto_wipe(token, sizeof(token));
	return 0;
}

static int find_by_email(const char *email, struct account *a)
{
	unsigned char index[CRYPTO_INDEX_BYTES];
	email_blind_index(EMAIL_DOMAIN, email, index);
	struct store_val key[] = {SV_BLOB(index, sizeof(index))};
	return store_query(app.store, SQL_BY_EMAIL, key, 1, account_cb, a) < 0 ? -1 : 0;
}

int staff_cli_reset(const char *email, FILE *out)
{
	struct account a = {0};
	if (find_by_email(email, &a) != 0 || !a.found) {
		account_release(&a);
		fprintf(stderr, "glovebox: no staff account has that e-mail address\n");
		return 1;
	}
	char token[CRYPTO_TOKEN_CHARS + 1];
	unsigned char hash[32];
	crypto_token(token);
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct store_val v[] = {SV_INT(a.id), SV_BLOB(hash, 32),
				SV_INT(now_seconds() + STAFF_ENROL_SECONDS)};
	struct store_val id[] = {SV_INT(a.id)};
	struct store_conn *c = store_acquire(app.store);
	bool ok = store_begin(c) == 0 && store_exec(c, SQL_RESET, v, 3, NULL, NULL) == 1 &&
		  store_exec(c, SQL_SESSIONS_END, id, 1, NULL, NULL) >= 0 && store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	account_release(&a);
	if (!ok) {
		fprintf(stderr, "glovebox: the staff account could not be reset\n");
		return 1;
	}
	fprintf(out,
		"staff account %lld reset: password and authenticator removed, sessions ended.\n"
		"enrolment token (valid %d hours, shown once): %s\n",
		(long long)a.id, STAFF_ENROL_SECONDS / 3600, token);
	crypto_wipe(token, sizeof(token));
	return 0;
}

int staff_cli_remove(const char *email, FILE *out)
{
	struct account a = {0};
	if (find_by_email(email, &a) != 0 || !a.found) {
		account_release(&a);
		fprintf(stderr, "glovebox: no staff account has that e-mail address\n");
		return 1;
	}
	struct store_val id[] = {SV_INT(a.id)};
	struct store_conn *c = store_acquire(app.store);
	bool ok = store_begin(c) == 0 && store_exec(c, SQL_SESSIONS_END, id, 1, NULL, NULL) >= 0 &&
		  store_exec(c, SQL_DELETE, id, 1, NULL, NULL) == 1 &&
		  broker_subject_erase(c, a.id) == 0 && store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	account_release(&a);
	if (!ok) {
		fprintf(stderr, "glovebox: the staff account could not be removed\n");
		return 1;
	}
	fprintf(out, "staff account %lld removed; its data key is destroyed. Its entries in the "
		     "access log stay.\n",
		(long long)a.id);
	return 0;
}

struct listing {
	struct store_conn *c;
	FILE *out;
};

static int list_cb(void *ctx, const struct store_row *row)
{
	struct listing *l = ctx;
	int64_t id = row->cols[0].i;
	size_t n = 0;
	char *email = staff_open_field(l->c, id, BROKER_STAFF_EMAIL, "email",
				       row->cols[2].type == STORE_BLOB ? row->cols[2].p : NULL,
				       row->cols[2].n, &n);
	char when[32] = "";
	time_t t = (time_t)row->cols[4].i;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	fprintf(l->out, "%-18lld %-16s %-10s %s  %s\n", (long long)id, (const char *)row->cols[1].p,
		row->cols[3].i ? "enrolled" : "pending", when, email ? email : "(unreadable)");
	secret_free(email, n);
	return 0;
}

int staff_cli_list(FILE *out)
{
	struct listing l = {store_acquire(app.store), out};
	fprintf(out, "%-18s %-16s %-10s %-10s  %s\n", "id", "role", "state", "created", "e-mail");
	int rc = store_exec(l.c, SQL_LIST, NULL, 0, list_cb, &l);
	store_release(l.c);
	return rc < 0 ? 1 : 0;
}

/* ---- enrolment ---- */

static void busy(struct req *r)
{
	resp_header(r, "Retry-After", "1");
	resp_error(r, 503, "busy", "Too many password checks at once; try again in a second.", NULL);
}

static void unavailable(struct req *r)
{
	resp_header(r, "Retry-After", "5");
	resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
}

/*
 * Step one: with a valid enrolment token, the staff member chooses a
 * password; a new TOTP secret is made and shown once (as text and as an
 * otpauth URI for a QR code). The account is not usable until step two.
 */
void staff_api_enrol(struct req *r)
{
	struct account a = {0};
	if (account_by_token(req_param(r, "token"), &a) != 0) {
		unavailable(r);
		return;
	}
	if (!a.found) {
		resp_error(r, 404, "bad_token", "That enrolment token is unknown or has expired.",
			   "token");
		account_release(&a);
		return;
	}
	char hash[CRYPTO_PWHASH_STR_MAX];
	if (!password_accept(r, hash)) {
		account_release(&a);
		return;
	}
	unsigned char secret[TOTP_SECRET_BYTES];
	crypto_random(secret, sizeof(secret));
	struct broker_grant *g = NULL;
	unsigned char *ct = NULL;
	size_t ct_len = 0, email_len = 0;
	char *email = NULL;
	struct store_conn *c = store_acquire(app.store);
	bool ok = broker_staff_open(c, a.id, &g) == 0 &&
		  broker_seal(g, BROKER_STAFF_TOTP, "staff", "totp_secret", a.id, (const char *)secret,
			      sizeof(secret), &ct, &ct_len) == 0;
	if (ok) {
		struct store_val v[] = {SV_INT(a.id), SV_TEXT(hash), SV_BLOB(ct, ct_len)};
		ok = store_exec(c, SQL_ENROL_SET, v, 3, NULL, NULL) == 1;
	}
	if (ok)
		email = staff_open_field(c, a.id, BROKER_STAFF_EMAIL, "email", a.email.p, a.email.n,
					 &email_len);
	store_release(c);
	broker_grant_free(g);
	free(ct);
	crypto_wipe(hash, sizeof(hash));
	if (!ok) {
		unavailable(r);
	} else {
		char b32[TOTP_BASE32_CHARS + 1];
		struct buf uri;
		buf_init(&uri, 0);
		totp_base32(secret, b32);
		totp_uri(&uri, app.site_name ? app.site_name : "glovebox", email ? email : "staff",
			 secret);
		resp_json(r, 200, json_pack("{s:s,s:s%,s:s}", "totp_secret", b32, "otpauth_uri",
					    uri.data, uri.len, "role", a.role));
		crypto_wipe(b32, sizeof(b32));
		crypto_wipe(uri.data, uri.len);
		buf_release(&uri);
	}
	crypto_wipe(secret, sizeof(secret));
	secret_free(email, email_len);
	account_release(&a);
}

/* Opens the account's TOTP secret; false if it has none or it does not open. */
static bool open_secret(int64_t id, const struct account *a, unsigned char out[TOTP_SECRET_BYTES])
{
	size_t n = 0;
	struct store_conn *c = store_acquire(app.store);
	char *s = staff_open_field(c, id, BROKER_STAFF_TOTP, "totp_secret", a->secret.p, a->secret.n,
				   &n);
	store_release(c);
	bool ok = s && n == TOTP_SECRET_BYTES;
	if (ok)
		memcpy(out, s, TOTP_SECRET_BYTES);
	secret_free(s, n);
	return ok;
}

/* Step two: a code from the authenticator proves it holds the secret. */
void staff_api_enrol_confirm(struct req *r)
{
	struct account a = {0};
	unsigned char secret[TOTP_SECRET_BYTES];
	int64_t step = 0, now = now_seconds();
	if (account_by_token(req_param(r, "token"), &a) != 0) {
		unavailable(r);
		goto out;
	}
	if (!a.found || !a.hash[0] || !a.secret.p) {
		resp_error(r, 404, "bad_token",
			   "That enrolment token is unknown, has expired, or has no password yet.",
			   "token");
		goto out;
	}
	if (!open_secret(a.id, &a, secret)) {
		unavailable(r);
		goto out;
	}
	bool good = totp_check(secret, req_param(r, "code"), now, a.last_step, &step);
	crypto_wipe(secret, sizeof(secret));
	if (!good) {
		resp_error(r, 400, "bad_code", "That code is not the one your authenticator shows now.",
			   "code");
		goto out;
	}
	struct store_val v[] = {SV_INT(a.id), SV_INT(now), SV_INT(step)};
	if (store_query(app.store, SQL_ENROL_DONE, v, 3, NULL, NULL) != 1) {
		resp_error(r, 400, "bad_code", "That code was used already; wait for the next one.",
			   "code");
		goto out;
	}
	log_info("a staff account enrolled its second factor");
	resp_json(r, 200, json_pack("{s:b}", "enrolled", 1));
out:
	account_release(&a);
}

/* ---- sign-in ---- */

void staff_api_signin(struct req *r)
{
	static const char denied[] = "The e-mail address, the password or the code is wrong.";
	if (!signin_address_allowed(r))
		return;
	struct account a = {0};
	int64_t now = now_seconds(), step = 0;
	unsigned char secret[TOTP_SECRET_BYTES];
	char csrf[CRYPTO_TOKEN_CHARS + 1];
	if (find_by_email(req_param(r, "email"), &a) != 0) {
		unavailable(r);
		goto out;
	}
	bool usable = a.found && a.totp_confirmed > 0 && a.hash[0];
	if (usable && a.locked_until > now) {
		char wait[24];
		snprintf(wait, sizeof(wait), "%lld", (long long)(a.locked_until - now));
		resp_header(r, "Retry-After", wait);
		resp_error(r, 429, "too_many_attempts", "Too many failed attempts; wait and try again.",
			   NULL);
		goto out;
	}
	/* An unknown or unenrolled account costs the same hash as a real one. */
	static char dummy[CRYPTO_PWHASH_STR_MAX];
	if (!dummy[0])
		crypto_password_hash("glovebox-staff-dummy", 20, dummy);
	const char *pw = req_param(r, "password");
	enum crypto_pw_rc rc = crypto_password_verify(usable ? a.hash : dummy, pw, strlen(pw));
	if (rc == CRYPTO_PW_BUSY) {
		busy(r);
		goto out;
	}
	bool good = usable && rc == CRYPTO_PW_OK && open_secret(a.id, &a, secret) &&
		    totp_check(secret, req_param(r, "code"), now, a.last_step, &step);
	crypto_wipe(secret, sizeof(secret));
	struct store_val use[] = {SV_INT(a.id), SV_INT(step)};
	/* The step is recorded before the session exists, so a code works once. */
	if (good && store_query(app.store, SQL_STEP_USE, use, 2, NULL, NULL) != 1)
		good = false;
	if (!good) {
		if (usable) {
			struct store_val f[] = {SV_INT(a.id),
						SV_INT(now + signin_lock_seconds(a.failures + 1))};
			store_query(app.store, SQL_FAILED, f, 2, NULL, NULL);
		}
		resp_error(r, 401, "bad_credentials", denied, NULL);
		goto out;
	}
	struct store_conn *c = store_acquire(app.store);
	bool ok = store_begin(c) == 0 && session_create_as(SESSION_STAFF, c, r, a.id, csrf) == 0 &&
		  store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	if (!ok) {
		unavailable(r);
		goto out;
	}
	resp_json(r, 200, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)a.id, "role", a.role,
				    "csrf_token", csrf));
out:
	account_release(&a);
}

void staff_api_signout(struct req *r)
{
	struct staff_session s;
	if (!staff_require(r, NULL, &s))
		return;
	session_end_as(SESSION_STAFF, r);
	resp_json(r, 200, json_pack("{s:b}", "signed_out", 1));
}

/* The staff member's own view: role, the purposes it grants, CSRF token. */
void staff_api_me(struct req *r)
{
	struct staff_session s;
	if (!staff_require(r, NULL, &s))
		return;
	const struct policy *p = app.policy;
	const struct policy_role *role = &p->roles[policy_role_index(p, s.role)];
	json_t *purposes = json_array();
	for (size_t i = 0; i < role->npurposes; i++)
		json_array_append_new(purposes, json_string(p->purposes[role->purposes[i]].id));
	resp_json(r, 200, json_pack("{s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)s.staff, "role",
				    s.role, "role_description", role->description ? role->description : "",
				    "purposes", purposes, "csrf_token", s.csrf));
}

/* ---- a member's record, for staff ---- */

static int id_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* Reads the member's record under the request's purpose, as this staff
 * member; the broker checks the role and logs the access (NAM11). */
static void member_answer(struct req *r, const struct staff_session *s, int64_t member)
{
	const char *purpose = req_param(r, "purpose");
	struct broker_actor actor;
	staff_actor(s, &actor);
	enum decision_reason reason = DECISION_ALLOWED;
	struct store_conn *c = store_acquire(app.store);
	json_t *data = members_record(c, member, &actor, purpose, &reason);
	store_release(c);
	if (!data && reason == DECISION_ALLOWED) {
		resp_error(r, 404, "not_found", "No member has that id.", NULL);
		return;
	}
	if (!data) {
		resp_error(r, 403, policy_reason_code(reason), policy_reason_message(reason), "purpose");
		return;
	}
	resp_json(r, 200, json_pack("{s:I,s:s,s:o}", "id", (json_int_t)member, "purpose", purpose,
				    "data", data));
}

/* POST /api/v1/staff/members/find {email, purpose}: finds a member by e-mail
 * address (its blind index) and answers their record under the purpose. */
void staff_api_member_find(struct req *r)
{
	struct staff_session s;
	if (!staff_require(r, req_param(r, "purpose"), &s))
		return;
	unsigned char index[CRYPTO_INDEX_BYTES];
	email_blind_index(MEMBER_EMAIL_DOMAIN, req_param(r, "email"), index);
	int64_t member = 0;
	struct store_val key[] = {SV_BLOB(index, sizeof(index))};
	if (store_query(app.store, SQL_MEMBER_BY_INDEX, key, 1, id_cb, &member) < 0) {
		unavailable(r);
		return;
	}
	if (!member) {
		resp_error(r, 404, "not_found", "No member has that e-mail address.", "email");
		return;
	}
	member_answer(r, &s, member);
}

void staff_api_member(struct req *r)
{
	struct staff_session s;
	if (!staff_require(r, req_param(r, "purpose"), &s))
		return;
	member_answer(r, &s, strtoll(r->path_params[0], NULL, 10));
}
