/*
 * staff: staff accounts, enrolment, sign-in with a second factor, and the
 * staff member's one window onto a member's record (see staff.h). The
 * sealed columns of the `staff` table (the e-mail address and its index,
 * the TOTP secret) are written and read only through the record layer,
 * under the account's own staff grant.
 */
#include "staff.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "audit.h"
#include "broker.h"
#include "browser.h"
#include "crypto.h"
#include "lockout.h"
#include "log.h"
#include "members.h"
#include "password.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "validate.h"

#define TABLE	      "staff"
#define MEMBERS_TABLE "members"
#define STR(x)	      #x
#define XSTR(x)	      STR(x)

/* The plain columns of an account, read by id or by enrolment token. */
#define ACCOUNT_COLUMNS "id, role, password_hash, totp_confirmed, totp_last_step"
static const char SQL_BY_ID[] = "SELECT " ACCOUNT_COLUMNS " FROM staff WHERE id = $1";
static const char SQL_BY_ENROL[] =
	"SELECT " ACCOUNT_COLUMNS " FROM staff WHERE enrol_hash = $1 AND enrol_expires > $2";
/* A code's step is recorded only if it is later than the last one used, so
 * a code works once even when two requests race with it. */
static const char SQL_ENROL_DONE[] =
	"UPDATE staff SET totp_confirmed = $2, totp_last_step = $3, enrol_hash = NULL "
	"WHERE id = $1 AND totp_last_step < $3";
static const char SQL_STEP_USE[] = "UPDATE staff SET totp_last_step = $2, last_signin_at = $3 "
				   "WHERE id = $1 AND totp_last_step < $2";
static const char SQL_SESSIONS_END[] = "DELETE FROM staff_sessions WHERE staff_id = $1";
static const char SQL_LIST[] = "SELECT id, role, totp_confirmed, created_at, last_signin_at "
			       "FROM staff ORDER BY created_at, id";
/* Every account's role and state, locked for the transaction that removes
 * one, so two admins removing each other at once cannot leave none. */
static const char SQL_ROLES_LOCKED[] = "SELECT id, role, totp_confirmed FROM staff FOR UPDATE";

static const char *const email_column[] = {"email"};
static const char *const secret_column[] = {"totp_secret"};

/* The second from the precise clock: glibc's time() reads a coarse one
 * that can still show the previous second a few milliseconds into the next.
 * At a 30-second step's boundary that put the server a step behind an
 * authenticator that had already moved on, outside the one-step window. */
static int64_t now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

const char *valid_totp_code(const char *s, size_t len)
{
	static const char message[] = "must be the " XSTR(TOTP_DIGITS) " digits your authenticator "
								       "app shows";
	if (len != TOTP_DIGITS)
		return message;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return message;
	return NULL;
}

/* ---- accounts ---- */

struct account {
	bool found;
	int64_t id, totp_confirmed, last_step;
	char role[SESSION_ROLE_MAX];
	char hash[CRYPTO_PWHASH_STR_MAX]; /* "" before enrolment */
};

static void text_copy(char *out, size_t n, const struct store_val *v)
{
	snprintf(out, n, "%s", v->type == STORE_TEXT ? (const char *)v->p : "");
}

static int account_cb(void *ctx, const struct store_row *row)
{
	struct account *a = ctx;
	a->found = true;
	a->id = row->cols[0].i;
	text_copy(a->role, sizeof(a->role), &row->cols[1]);
	text_copy(a->hash, sizeof(a->hash), &row->cols[2]);
	a->totp_confirmed = row->cols[3].i;
	a->last_step = row->cols[4].i;
	return 0;
}

static void account_release(struct account *a)
{
	crypto_wipe(a->hash, sizeof(a->hash));
}

/* The account with this id: 1, 0 when there is none, -1 when the store failed. */
static int account_by_id(struct store_conn *c, int64_t id, struct account *a)
{
	*a = (struct account){0};
	struct store_val key[] = {SV_INT(id)};
	if (store_exec(c, SQL_BY_ID, key, STORE_NPARAMS(key), account_cb, a) < 0)
		return -1;
	return a->found ? 1 : 0;
}

/* The account whose enrolment token this is, while it is valid: 1, 0, -1. */
static int account_by_token(const char *token, struct account *a)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	*a = (struct account){0};
	if (!token || !token_hash(token, hash))
		return 0;
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(now_seconds())};
	if (store_query(app.store, SQL_BY_ENROL, key, STORE_NPARAMS(key), account_cb, a) < 0)
		return -1;
	return a->found ? 1 : 0;
}

/* The account with this e-mail address (through its blind index): 1, 0, -1. */
static int account_by_email(struct store_conn *c, const char *email, struct account *a)
{
	int64_t id = 0;
	*a = (struct account){0};
	int found = record_find(c, TABLE, "email", email, &id, 1);
	if (found <= 0)
		return found;
	return account_by_id(c, id, a);
}

/* The account's TOTP secret, opened with its staff grant: 1, 0 when it has
 * none (not enrolled), -1 when the store failed or it did not open. */
static int secret_open(struct store_conn *c, int64_t id, unsigned char out[TOTP_SECRET_BYTES])
{
	struct broker_grant *g = NULL;
	struct record_text t[1];
	int rc = -1;
	if (broker_staff_open(c, id, &g) != 0)
		goto out;
	if (record_read(c, g, TABLE, id, secret_column, ARRAY_LEN(secret_column), t) != 1)
		goto out;
	rc = 0;
	if (t[0].p && t[0].n == TOTP_SECRET_BYTES) {
		memcpy(out, t[0].p, TOTP_SECRET_BYTES);
		rc = 1;
	} else if (t[0].p) {
		log_error("a staff account's TOTP secret has the wrong length");
		rc = -1;
	}
	record_texts_release(t, 1);
out:
	broker_grant_free(g);
	return rc;
}

/* ---- the admin's entries in the access log ---- */

/* The purpose under which the role manages staff: its first of the kind
 * the console's routes demand (routes.c, ADMIN); NULL when it has none. */
const char *staff_admin_purpose(const char *role)
{
	const struct policy *p = app.policy;
	int ri = role ? policy_role_index(p, role) : -1;
	for (size_t i = 0; ri >= 0 && i < p->roles[ri].npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[p->roles[ri].purposes[i]];
		if (strcmp(policy_purpose_kind_name(pu->kind), STAFF_ADMIN_KIND) == 0)
			return pu->id;
	}
	return NULL;
}

/* The admin's action on account staff, appended in the transaction that
 * makes it (an action that cannot be logged is not made); nothing for the
 * command line (who NULL), whose operator is the machine's. */
static int admin_log(struct store_conn *c, const struct staff_admin *who, int64_t staff,
		     const char *action)
{
	if (!who)
		return 0;
	const char *purpose = staff_admin_purpose(who->role);
	struct audit_entry e = {"staff", who->account,		 who->role, "",
				staff,	 purpose ? purpose : "", "",	    action};
	return audit_append(c, &e);
}

/* The account's e-mail address, opened with its staff grant: 1, 0, -1. */
static int email_open(struct store_conn *c, int64_t id, char *out, size_t n)
{
	struct broker_grant *g = NULL;
	struct record_text t[1];
	int rc = -1;
	*out = '\0';
	if (broker_staff_open(c, id, &g) == 0 &&
	    record_read(c, g, TABLE, id, email_column, ARRAY_LEN(email_column), t) == 1) {
		rc = t[0].p != NULL;
		if (t[0].p)
			snprintf(out, n, "%.*s", (int)t[0].n, t[0].p);
		record_texts_release(t, 1);
	}
	broker_grant_free(g);
	return rc;
}

/* ---- accounts ---- */

static int account_add(const struct staff_admin *who, const char *email, const char *role,
		       struct staff_token *out, struct failure *f)
{
	*out = (struct staff_token){0};
	if (!role || policy_role_index(app.policy, role) < 0)
		return err_fail(f, ERR_NO_SUCH_ROLE);
	if (!email || valid_email(email, strlen(email))) {
		err_failf(f, ERR_INVALID_FIELD, "That is not an e-mail address.");
		f->field = "email";
		return -1;
	}
	unsigned char hash[TOKEN_HASH_BYTES];
	token_new(out->token, hash);
	int64_t now = now_seconds();
	struct record_field row[] = {
		{"email", SV_TEXT(email)},
		{"role", SV_TEXT(role)},
		{"totp_confirmed", SV_INT(0)},
		{"totp_last_step", SV_INT(0)},
		{"enrol_hash", SV_BLOB(hash, sizeof(hash))},
		{"enrol_expires", SV_INT(now + STAFF_ENROL_SECONDS)},
		{"created_at", SV_INT(now)},
	};
	struct broker_grant *g = NULL;
	struct store_conn *c = store_acquire(app.store);
	int rc = -1, inserted = STORE_ERROR;
	if (store_begin(c) == 0 && broker_staff_new(c, &out->staff, &g) == 0)
		inserted = record_insert(c, g, TABLE, out->staff, row, STORE_NPARAMS(row));
	if (inserted == STORE_CONFLICT)
		err_fail(f, ERR_STAFF_EXISTS);
	else if (inserted < 0 || admin_log(c, who, out->staff, "staff_added") != 0 ||
		 store_commit(c) != 0)
		err_fail(f, ERR_STORE);
	else
		rc = 0;
	if (rc != 0) {
		store_rollback(c);
		crypto_wipe(out, sizeof(*out));
	}
	store_release(c);
	broker_grant_free(g);
	return rc;
}

int staff_account_add(const char *email, const char *role, struct staff_token *out,
		      struct failure *f)
{
	return account_add(NULL, email, role, out, f);
}

int staff_admin_add(const struct staff_admin *who, const char *email, const char *role,
		    struct staff_token *out, struct failure *f)
{
	return account_add(who, email, role, out, f);
}

/* Resets account id, whose address (for its lock) is email. */
static int account_reset(struct store_conn *c, const struct staff_admin *who, int64_t id,
			 const char *email, struct staff_token *out, struct failure *f)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	token_new(out->token, hash);
	out->staff = id;
	struct record_field row[] = {
		{"password_hash", SV_NULL},
		{"totp_secret", SV_NULL},
		{"totp_confirmed", SV_INT(0)},
		{"totp_last_step", SV_INT(0)},
		{"enrol_hash", SV_BLOB(hash, sizeof(hash))},
		{"enrol_expires", SV_INT(now_seconds() + STAFF_ENROL_SECONDS)},
	};
	struct store_val key[] = {SV_INT(id)};
	struct broker_grant *g = NULL;
	/* A fresh start: no lock on the address, no browser known. */
	struct lockout lock;
	lockout_of_address(&lock, "staff", email);
	bool ok = store_begin(c) == 0 && broker_staff_open(c, id, &g) == 0 &&
		  record_update(c, g, TABLE, id, row, STORE_NPARAMS(row)) == 1 &&
		  store_exec(c, SQL_SESSIONS_END, key, STORE_NPARAMS(key), NULL, NULL) >= 0 &&
		  browser_forget_others(c, id, NULL) == 0 &&
		  admin_log(c, who, id, "staff_reset") == 0 && store_commit(c) == 0;
	if (!ok) {
		store_rollback(c);
		crypto_wipe(out, sizeof(*out));
	} else if (lockout_clear(&lock) != 0) {
		ok = false;
		crypto_wipe(out, sizeof(*out));
	}
	broker_grant_free(g);
	return ok ? 0 : err_fail(f, ERR_STORE);
}

int staff_account_reset(const char *email, struct staff_token *out, struct failure *f)
{
	*out = (struct staff_token){0};
	struct account a;
	struct store_conn *c = store_acquire(app.store);
	int found = account_by_email(c, email, &a);
	account_release(&a);
	int rc = found == 1 ? account_reset(c, NULL, a.id, email, out, f)
			    : err_fail(f, found < 0 ? ERR_STORE : ERR_NO_SUCH_STAFF);
	store_release(c);
	return rc;
}

int staff_admin_reset(const struct staff_admin *who, int64_t staff, struct staff_token *out,
		      struct failure *f)
{
	*out = (struct staff_token){0};
	if (staff == who->account)
		return err_fail(f, ERR_STAFF_SELF);
	struct account a;
	char email[VALIDATE_EMAIL_MAX + 1];
	struct store_conn *c = store_acquire(app.store);
	int found = account_by_id(c, staff, &a);
	account_release(&a);
	if (found == 1)
		found = email_open(c, staff, email, sizeof(email));
	int rc = found == 1 ? account_reset(c, who, staff, email, out, f)
			    : err_fail(f, found < 0 ? ERR_STORE : ERR_NO_SUCH_STAFF_ID);
	crypto_wipe(email, sizeof(email));
	store_release(c);
	return rc;
}

/* The accounts that can manage staff (an enrolled account whose role has
 * the console's kind of purpose), counted under the transaction's lock. */
struct admins {
	int64_t target, others;
	bool target_is_admin;
};

static int admins_cb(void *ctx, const struct store_row *row)
{
	struct admins *a = ctx;
	char role[SESSION_ROLE_MAX];
	text_copy(role, sizeof(role), &row->cols[1]);
	if (row->cols[2].i <= 0 || !staff_admin_purpose(role))
		return 0;
	if (row->cols[0].i == a->target)
		a->target_is_admin = true;
	else
		a->others++;
	return 0;
}

/* Erases account id in one transaction (with who's entry in the access
 * log); for an admin, never the last account that can manage staff. */
static int account_remove(struct store_conn *c, const struct staff_admin *who, int64_t id,
			  struct failure *f)
{
	struct admins n = {.target = id};
	if (store_begin(c) != 0)
		return err_fail(f, ERR_STORE);
	bool ok = !who || store_exec(c, SQL_ROLES_LOCKED, NULL, 0, admins_cb, &n) >= 0;
	if (ok && who && n.target_is_admin && n.others == 0) {
		store_rollback(c);
		return err_fail(f, ERR_LAST_ADMIN);
	}
	if (ok && who && id == who->account) {
		store_rollback(c);
		return err_fail(f, ERR_STAFF_SELF);
	}
	ok = ok && record_erase_subject(c, id) == 0 &&
	     admin_log(c, who, id, "staff_removed") == 0 && store_commit(c) == 0;
	if (!ok) {
		store_rollback(c);
		return err_fail(f, ERR_STORE);
	}
	record_scrub_erased();
	log_info("a staff account was removed and its data key destroyed");
	return 0;
}

int staff_account_remove(const char *email, int64_t *staff, struct failure *f)
{
	struct account a;
	struct store_conn *c = store_acquire(app.store);
	int found = account_by_email(c, email, &a);
	account_release(&a);
	*staff = 0;
	int rc = found == 1 ? account_remove(c, NULL, a.id, f)
			    : err_fail(f, found < 0 ? ERR_STORE : ERR_NO_SUCH_STAFF);
	store_release(c);
	if (rc == 0)
		*staff = a.id;
	return rc;
}

int staff_admin_remove(const struct staff_admin *who, int64_t staff, struct failure *f)
{
	struct account a;
	struct store_conn *c = store_acquire(app.store);
	int found = account_by_id(c, staff, &a);
	account_release(&a);
	int rc = found == 1 ? account_remove(c, who, staff, f)
			    : err_fail(f, found < 0 ? ERR_STORE : ERR_NO_SUCH_STAFF_ID);
	store_release(c);
	return rc;
}

static int list_cb(void *ctx, const struct store_row *row)
{
	char role[SESSION_ROLE_MAX];
	text_copy(role, sizeof(role), &row->cols[1]);
	json_t *last = row->cols[4].type == STORE_INT ? json_integer(row->cols[4].i) : json_null();
	json_array_append_new(
		ctx, json_pack("{s:I,s:s,s:b,s:I,s:o,s:n}", "id", (json_int_t)row->cols[0].i,
			       "role", role, "enrolled", row->cols[2].i > 0, "created_at",
			       (json_int_t)row->cols[3].i, "last_signin_at", last, "email"));
	return 0;
}

json_t *staff_account_list(void)
{
	json_t *list = json_array(), *item;
	size_t i;
	struct store_conn *c = store_acquire(app.store);
	if (store_exec(c, SQL_LIST, NULL, 0, list_cb, list) < 0) {
		store_release(c);
		json_decref(list);
		return NULL;
	}
	/* Each address opens with its own account's key. */
	json_array_foreach (list, i, item) {
		int64_t id = json_integer_value(json_object_get(item, "id"));
		struct broker_grant *g = NULL;
		struct record_text email[1];
		if (broker_staff_open(c, id, &g) == 0 &&
		    record_read(c, g, TABLE, id, email_column, ARRAY_LEN(email_column), email) ==
			    1) {
			if (email[0].p)
				json_object_set_new(item, "email",
						    json_stringn(email[0].p, email[0].n));
			record_texts_release(email, 1);
		}
		broker_grant_free(g);
	}
	store_release(c);
	return list;
}

/* ---- enrolment ---- */

void staff_enrolment_release(struct staff_enrolment *e)
{
	crypto_wipe(e->totp_secret, sizeof(e->totp_secret));
	if (e->otpauth_uri.data)
		crypto_wipe(e->otpauth_uri.data, e->otpauth_uri.len);
	buf_release(&e->otpauth_uri);
}

int staff_enrol(const char *token, const char *password, struct staff_enrolment *out,
		struct failure *f)
{
	*out = (struct staff_enrolment){.totp_secret = ""};
	buf_init(&out->otpauth_uri, 0);
	struct account a;
	int found = account_by_token(token, &a);
	account_release(&a);
	if (found != 1)
		return err_fail(f, found < 0 ? ERR_STORE : ERR_BAD_ENROL_TOKEN);
	char hash[CRYPTO_PWHASH_STR_MAX];
	if (password_accept(password, hash, f) != 0)
		return -1;
	unsigned char secret[TOTP_SECRET_BYTES];
	crypto_random(secret, sizeof(secret));
	struct record_field row[] = {
		{"password_hash", SV_TEXT(hash)},
		{"totp_secret", SV_TEXTN((const char *)secret, sizeof(secret))},
		{"totp_confirmed", SV_INT(0)},
	};
	struct broker_grant *g = NULL;
	struct record_text email[1] = {{NULL, 0}};
	struct store_conn *c = store_acquire(app.store);
	bool ok =
		store_begin(c) == 0 && broker_staff_open(c, a.id, &g) == 0 &&
		record_update(c, g, TABLE, a.id, row, STORE_NPARAMS(row)) == 1 &&
		record_read(c, g, TABLE, a.id, email_column, ARRAY_LEN(email_column), email) == 1 &&
		store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	crypto_wipe(hash, sizeof(hash));
	if (ok) {
		totp_base32(secret, out->totp_secret);
		totp_uri(&out->otpauth_uri, app.site_name ? app.site_name : "glovebox",
			 email[0].p ? email[0].p : "staff", secret);
		snprintf(out->role, sizeof(out->role), "%s", a.role);
	}
	record_texts_release(email, 1);
	crypto_wipe(secret, sizeof(secret));
	return ok ? 0 : err_fail(f, ERR_STORE);
}

int staff_enrol_confirm(const char *token, const char *code, struct failure *f)
{
	struct account a;
	unsigned char secret[TOTP_SECRET_BYTES];
	int64_t step = 0, now = now_seconds();
	int found = account_by_token(token, &a);
	bool started = found == 1 && a.hash[0];
	account_release(&a);
	if (found < 0)
		return err_fail(f, ERR_STORE);
	if (!started)
		return err_fail(f, ERR_ENROL_NOT_STARTED);
	struct store_conn *c = store_acquire(app.store);
	int opened = secret_open(c, a.id, secret);
	store_release(c);
	if (opened != 1)
		return err_fail(f, opened < 0 ? ERR_STORE : ERR_ENROL_NOT_STARTED);
	bool good = totp_check(secret, code, now, a.last_step, &step);
	crypto_wipe(secret, sizeof(secret));
	if (!good)
		return err_fail(f, ERR_BAD_CODE);
	struct store_val v[] = {SV_INT(a.id), SV_INT(now), SV_INT(step)};
	int done = store_query(app.store, SQL_ENROL_DONE, v, STORE_NPARAMS(v), NULL, NULL);
	if (done != 1)
		return err_fail(f, done < 0 ? ERR_STORE : ERR_CODE_USED);
	log_info("a staff account enrolled its second factor");
	return 0;
}

/* ---- signing in ---- */

int staff_signin(const struct staff_signin *in, struct staff_started *out, struct failure *f)
{
	*out = (struct staff_started){0};
	if (members_signin_address_allowed(in->client, f) != 0)
		return -1;
	struct account a;
	int64_t now = now_seconds(), step = 0;
	struct store_conn *c = store_acquire(app.store);
	/* The same queries, hashing and writes whether or not the address has
	 * an account. */
	int found = account_by_email(c, in->email, &a);
	int64_t browser = browser_account(c, in->browser);
	/* An account without its data key (restored from a backup after its
	 * removal) opens nothing and is treated as unknown. */
	bool has_key = found >= 0 && broker_subject_has_key(c, found == 1 ? a.id : 0);
	bool usable = found == 1 && a.totp_confirmed > 0 && a.hash[0] && has_key;
	store_release(c);
	if (found < 0 || browser < 0) {
		account_release(&a);
		return err_fail(f, ERR_STORE);
	}
	/* A browser that signed in to this account before counts its own
	 * failures; every other attempt counts against the address. */
	struct lockout lock;
	bool known = usable && browser == a.id && browser_lockout(in->browser, &lock);
	if (!known)
		lockout_of_address(&lock, "staff", in->email);
	if (lockout_open(&lock, now, f) != 0) {
		account_release(&a);
		return -1;
	}
	int rc = password_verify(usable ? a.hash : password_dummy_hash(), in->password,
				 ERR_STAFF_BAD_CREDENTIALS, f);
	account_release(&a);
	if (rc != 0 && f->err == ERR_BUSY)
		return -1;
	unsigned char secret[TOTP_SECRET_BYTES];
	bool good = false;
	if (usable && rc == 0) {
		c = store_acquire(app.store);
		int opened = secret_open(c, a.id, secret);
		store_release(c);
		if (opened < 0)
			return err_fail(f, ERR_STORE);
		good = opened == 1 && totp_check(secret, in->code, now, a.last_step, &step);
		crypto_wipe(secret, sizeof(secret));
	}
	if (!good) {
		lockout_fail(&lock, now);
		return err_fail(f, ERR_STAFF_BAD_CREDENTIALS);
	}
	/* The step is recorded with the session, so a code works once. */
	struct store_val use[] = {SV_INT(a.id), SV_INT(step), SV_INT(now)};
	c = store_acquire(app.store);
	int used = -1;
	bool ok = store_begin(c) == 0 &&
		  (used = store_exec(c, SQL_STEP_USE, use, STORE_NPARAMS(use), NULL, NULL)) == 1 &&
		  session_open(c, SESSION_STAFF, a.id, &out->session) == 0 &&
		  browser_signed_in(c, a.id, in->browser, out->browser) == 0 &&
		  store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	if (!ok) {
		crypto_wipe(out, sizeof(*out));
		if (used != 0)
			return err_fail(f, ERR_STORE);
		lockout_fail(&lock, now); /* the code was used in the meantime */
		return err_fail(f, ERR_STAFF_BAD_CREDENTIALS);
	}
	lockout_clear(&lock);
	out->staff = a.id;
	snprintf(out->role, sizeof(out->role), "%s", a.role);
	return 0;
}

/* ---- entering the password again ---- */

int staff_reauth(int64_t staff, const char *password, const unsigned char *session,
		 const char *client, struct failure *f)
{
	if (members_signin_address_allowed(client, f) != 0)
		return -1;
	/* The session's own failures in a row: only someone holding it can
	 * guess here, so its lock shuts out nobody else. */
	struct lockout lock;
	int64_t now = now_seconds();
	lockout_of_bytes(&lock, "staff-reauth", session, TOKEN_HASH_BYTES);
	if (lockout_open(&lock, now, f) != 0)
		return -1;
	struct account a;
	struct store_conn *c = store_acquire(app.store);
	int found = account_by_id(c, staff, &a);
	store_release(c);
	if (found != 1) {
		account_release(&a);
		return err_fail(f, found < 0 ? ERR_STORE : ERR_STAFF_NOT_SIGNED_IN);
	}
	int rc = password_verify(a.hash[0] ? a.hash : password_dummy_hash(), password,
				 ERR_WRONG_PASSWORD, f);
	account_release(&a);
	if (rc == 0)
		return lockout_clear(&lock) == 0 ? 0 : err_fail(f, ERR_STORE);
	if (f->err == ERR_WRONG_PASSWORD)
		lockout_fail(&lock, now);
	return -1;
}

/* ---- the staff member's own view ---- */

static const struct policy_role *role_of(const char *role)
{
	int ri = role ? policy_role_index(app.policy, role) : -1;
	return ri >= 0 ? &app.policy->roles[ri] : NULL;
}

const char *staff_role_description(const char *role)
{
	const struct policy_role *r = role_of(role);
	return r && r->description ? r->description : "";
}

json_t *staff_role_purposes(const char *role)
{
	const struct policy *p = app.policy;
	const struct policy_role *r = role_of(role);
	json_t *list = json_array();
	for (size_t i = 0; r && i < r->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[r->purposes[i]];
		json_array_append_new(list, json_pack("{s:s,s:s}", "id", pu->id, "label",
						      pu->label ? pu->label : pu->id));
	}
	return list;
}

json_t *staff_me(const struct session *s)
{
	const struct policy *p = app.policy;
	const struct policy_role *r = role_of(s->role);
	json_t *purposes = json_array();
	for (size_t i = 0; r && i < r->npurposes; i++)
		json_array_append_new(purposes, json_string(p->purposes[r->purposes[i]].id));
	return json_pack("{s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)s->account, "role", s->role,
			 "role_description", staff_role_description(s->role), "purposes", purposes,
			 "csrf_token", s->csrf);
}

/* ---- a member's record, for staff ---- */

/* Need to know (INS09): a purpose outside the role reaches nothing. */
static int role_allows(const struct broker_actor *actor, const char *purpose, struct failure *f)
{
	if (actor->kind == ACTOR_STAFF && actor->role && purpose &&
	    policy_role_grants(app.policy, actor->role, purpose))
		return 0;
	return err_fail(f, ERR_ROLE);
}

/* Reads the record of a member known to exist; the broker decides and logs. */
static int member_record(struct store_conn *c, const struct broker_actor *actor, int64_t member,
			 const char *purpose, enum err none, json_t **data, struct failure *f)
{
	int64_t subject = record_subject_of(c, MEMBERS_TABLE, member);
	if (subject < 0)
		return err_fail(f, ERR_STORE);
	if (subject != member)
		return err_fail(f, none);
	enum decision_reason reason = DECISION_ALLOWED;
	*data = members_record(c, member, actor, purpose, &reason);
	if (*data)
		return 0;
	if (reason == DECISION_ALLOWED) /* nothing decided: the store, or an erased key */
		return err_fail(f, broker_subject_has_key(c, member) ? ERR_STORE : none);
	err_failf(f, ERR_REFUSED, "%s", policy_reason_message(reason));
	f->code = policy_reason_code(reason);
	f->field = "purpose";
	return -1;
}

int staff_member_find(const struct broker_actor *actor, const char *email, const char *purpose,
		      int64_t *member, json_t **data, struct failure *f)
{
	*member = 0;
	*data = NULL;
	if (role_allows(actor, purpose, f) != 0)
		return -1;
	struct store_conn *c = store_acquire(app.store);
	int found = record_find(c, MEMBERS_TABLE, "email", email, member, 1);
	int rc = found < 0    ? err_fail(f, ERR_STORE)
		 : found == 0 ? err_fail(f, ERR_NO_MEMBER_WITH_EMAIL)
			      : member_record(c, actor, *member, purpose, ERR_NO_MEMBER_WITH_EMAIL,
					      data, f);
	store_release(c);
	return rc;
}

int staff_member_read(const struct broker_actor *actor, int64_t member, const char *purpose,
		      json_t **data, struct failure *f)
{
	*data = NULL;
	if (role_allows(actor, purpose, f) != 0)
		return -1;
	struct store_conn *c = store_acquire(app.store);
	int rc = member_record(c, actor, member, purpose, ERR_NO_SUCH_MEMBER, data, f);
	store_release(c);
	return rc;
}
