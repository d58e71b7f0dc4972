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
#include "browser.h"
#include "buf.h"
#include "gpc.h"
#include "handover.h"
#include "photo.h"
#include "lockout.h"
#include "log.h"
#include "mem.h"
#include "outbox.h"
#include "password.h"
#include "ratelimit.h"
#include "record.h"
#include "story.h"
#include "store.h"
#include "token.h"
#include "visits.h"

#define TABLE		"members"
#define MAX_CATEGORIES	16	    /* categories of one collection point */
#define CONFIRM_SECONDS (7 * 86400) /* a sign-up confirmation link's life */

static const char SQL_BY_ID[] =
	"SELECT password_hash, email_confirmed_at FROM members WHERE id = $1";
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
static const char SQL_CONFIRMED_AT[] = "SELECT email_confirmed_at FROM members WHERE id = $1";
static const char SQL_CONSENTS[] = "SELECT purpose, state, profile_version, changed_at, via FROM "
				   "consents WHERE subject_id = $1 "
				   "ORDER BY purpose";
static const char SQL_BROWSERS[] = "SELECT created_at, last_used, expires_at FROM known_browsers "
				   "WHERE subject_id = $1 ORDER BY created_at";
static const char SQL_AGE_SCREEN[] =
	"SELECT age_stated_at, age_stated_min FROM members WHERE id = $1";
static const char SQL_AGE_UNSTATED[] =
	"SELECT id, created_at FROM members WHERE age_stated_at IS NULL";
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
static const char *const email_column[] = {"email"};

/* The registration point of either bundled kind of profile. */
static const struct policy_collection *registration(void)
{
	return policy_signup_point(app.policy);
}

const char *members_account_purpose(void)
{
	return policy_account_purpose(app.policy);
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

/*
 * NAM12 asks only that nobody under the minimum age is registered: the age
 * screen keeps the fact "old enough, stated on DATE" (age_stated_at,
 * age_stated_min), not the date of birth. The date itself is kept (sealed)
 * only when the profile declares a purpose that needs it: one other than the
 * registration point's own (whose use of it is the age screen) whose
 * categories include date_of_birth (issue 12, rule 4).
 */
bool members_keep_birth_date(void)
{
	return policy_keeps_birth_date(app.policy);
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

/* The age, in whole years, of someone born on dob ("YYYY-MM-DD") at time t. */
static int age_at(const char *dob, time_t t)
{
	struct tm b, now;
	parse_date(dob, strlen(dob), &b);
	gmtime_r(&t, &now);
	int age = now.tm_year - b.tm_year;
	if (now.tm_mon < b.tm_mon || (now.tm_mon == b.tm_mon && now.tm_mday < b.tm_mday))
		age--;
	return age;
}

/* ---- choices ---- */

/*
 * The kinds of purpose whose switch a member is shown (on /me, in the API's
 * list and on the sign-up form), because glovebox has something behind it
 * (issue 12, rule 7). A kind not listed has no feature yet (submitted
 * content, third-party advertising tags): a switch for
 * it would promise a choice about something that does not happen. When its
 * feature is built, its row goes here with the code. docs/profiles.md,
 * "Choices a member is shown", keeps the same list.
 */
static const struct {
	enum purpose_kind kind;
	const char *feature; /* what the switch governs, for readers */
	/* Where a yes is given by doing something rather than by a switch:
	 * the page, offered on /me in place of "Switch on", and no box on the
	 * sign-up form (a yes there would do nothing). NULL: a plain switch. */
	const char *ask_href;
} choice_features[] = {
	{PK_COMMUNICATION, "campaign mail and its one-click unsubscribe (src/campaigns)", NULL},
	{PK_PERSONALISATION, "remember me on this device (src/members/remember.c)", NULL},
	/* No hand-over tool yet, but the broker grants recipients only what
	 * this choice allows and logs each hand-over; the purpose is opt-out
	 * (on unless refused) and passes name, address, e-mail and phone, so
	 * the member's no, and the browser's (gpc.h), must be on record before
	 * any hand-over can happen (INS06). */
	{PK_AFFILIATE_OFFERS, "hand-overs to group affiliates (the broker's recipient grants)",
	 NULL},
	/* Asking a dealer on /me/dealer is the yes (INS08); the switch's no
	 * stops a lead still waiting. A yes alone would name no dealer and hand
	 * nothing over, so there is no box at sign-up and /me links the ask. */
	{PK_DEALER, "a lead to the dealer the member asks for (src/dealers)", "/me/dealer"},
};

/* The row of a kind, or NULL. */
static int choice_feature(enum purpose_kind kind)
{
	for (size_t i = 0; i < ARRAY_LEN(choice_features); i++)
		if (choice_features[i].kind == kind)
			return (int)i;
	return -1;
}

bool members_feature_on(enum purpose_kind kind)
{
	return choice_feature(kind) >= 0;
}

bool members_signup_choice(const struct policy_purpose *pu)
{
	return members_choice(pu) && !choice_features[choice_feature(pu->kind)].ask_href;
}

bool members_choice(const struct policy_purpose *pu)
{
	int member_kind = policy_subject_index(app.policy, "member");
	bool for_members = false;
	for (size_t k = 0; k < pu->nsubjects; k++)
		for_members |= pu->subjects[k] == member_kind;
	return for_members && (pu->basis == BASIS_OPT_IN || pu->basis == BASIS_OPT_OUT) &&
	       members_feature_on(pu->kind);
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
 * The browser's privacy signal (Global Privacy Control, Do Not Track)
 * switches affiliate offers and advertising off, whatever the boxes say
 * (INS06, INS11; gpc.h), also where no switch is shown yet.
 */
static int record_signup_choices(struct store_conn *c, const struct members_signup *in,
				 int64_t member)
{
	const struct policy *p = app.policy;
	if (in->privacy_signal && gpc_apply(c, member, in->privacy_signal, NULL) != 0)
		return -1;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (!members_signup_choice(pu) || (in->privacy_signal && gpc_purpose(pu)))
			continue;
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

struct broker_grant *members_mail_grant(struct store_conn *c, int64_t member)
{
	static const char *const email_only[] = {"email"};
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	struct broker_use use = {
		&self,	member, members_account_purpose(), email_only, ARRAY_LEN(email_only),
		"write"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	return broker_open(c, &use, &g, &why) == 0 ? g : NULL;
}

/* A new link that confirms the member's address (members_email_confirm
 * takes it back), inside the caller's transaction. */
static int confirmation_link(struct store_conn *c, int64_t member, char token[TOKEN_CHARS + 1])
{
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t now = (int64_t)time(NULL);
	token_new(token, hash);
	struct store_val row[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(member), SV_INT(now),
				  SV_INT(now + CONFIRM_SECONDS)};
	return store_exec(c, SQL_CONFIRMATION_INSERT, row, STORE_NPARAMS(row), NULL, NULL) < 0 ? -1
											       : 0;
}

/* Queues text to `to` under the account purpose with the grant g. */
static int account_mail(struct store_conn *c, const struct broker_grant *g, const char *to,
			const struct buf *subject, struct buf *text)
{
	int rc = outbox_send_text(c, g, members_account_purpose(), "email", "email", to,
				  subject->data, text->data, NULL, 0);
	crypto_wipe(text->data, text->len);
	return rc;
}

/* The message that asks the new member to confirm the address (double
 * opt-in), queued in the sign-up's transaction. */
static int confirmation_queue(struct store_conn *c, const struct broker_grant *g, int64_t member,
			      const char *email)
{
	char token[TOKEN_CHARS + 1];
	struct buf subject, text;
	buf_init(&subject, 0);
	buf_init(&text, 0);
	int rc = confirmation_link(c, member, token);
	buf_printf(&subject, "Please confirm your e-mail address for %s", app.site_name);
	buf_printf(&text,
		   "Hello,\n\nsomeone (we hope you) joined %s with this address. To confirm it, "
		   "open this page and press the button there:\n\n%s/confirm?token=%s\n\n"
		   "Then sign in with the password you chose. Until the address is confirmed we "
		   "send it nothing else. If it was not you, ignore this message.\n\n-- \n%s\n",
		   app.site_name, app.cfg.site_url, token, app.site_name);
	if (rc == 0)
		rc = account_mail(c, g, email, &subject, &text);
	crypto_wipe(token, sizeof(token));
	crypto_wipe(text.data, text.len);
	buf_release(&subject);
	buf_release(&text);
	return rc;
}

static int confirmed_cb(void *ctx, const struct store_row *row)
{
	*(bool *)ctx = row->cols[0].type != STORE_NULL;
	return 0;
}

/*
 * A sign-up with an address that has an account: nothing of the sign-up is
 * kept, and the address's owner is told, under their own key, in one
 * message as the sign-up of a new address queues one. An account still
 * waiting for its address to be confirmed gets a new link with it (someone
 * who joined and lost the first message joins again).
 */
static int address_in_use(struct store_conn *c, const char *email, struct failure *f)
{
	int64_t holder = 0;
	int found = record_find(c, TABLE, "email", email, &holder, 1);
	if (found <= 0)
		return found < 0 ? err_fail(f, ERR_STORE) : 0; /* closed in the meantime */
	bool confirmed = false;
	char token[TOKEN_CHARS + 1] = "";
	struct broker_grant *g = NULL;
	struct record_text to = {0};
	struct buf subject, text;
	buf_init(&subject, 0);
	buf_init(&text, 0);
	struct store_val who[] = {SV_INT(holder)};
	bool ok =
		store_begin(c) == 0 &&
		store_exec(c, SQL_CONFIRMED_AT, who, STORE_NPARAMS(who), confirmed_cb,
			   &confirmed) >= 0 &&
		(g = members_mail_grant(c, holder)) &&
		record_read(c, g, TABLE, holder, email_column, ARRAY_LEN(email_column), &to) == 1 &&
		to.p && (confirmed || confirmation_link(c, holder, token) == 0);
	if (ok) {
		buf_printf(&subject, "Someone tried to join %s with your address", app.site_name);
		buf_printf(&text,
			   "Hello,\n\nsomeone (perhaps you) just tried to join %s with this "
			   "address. It belongs to an account here already, so no new account was "
			   "made and nothing was changed.\n\n",
			   app.site_name);
		if (confirmed)
			buf_printf(&text, "If it was you, sign in at %s/signin instead.\n\n",
				   app.cfg.site_url);
		else
			buf_printf(&text,
				   "That account is still waiting for this address to be "
				   "confirmed. To confirm it, open this page and press the button "
				   "there:\n\n%s/confirm?token=%s\n\nThen sign in with the "
				   "password chosen when the account was made.\n\n",
				   app.cfg.site_url, token);
		buf_printf(&text, "If it was not you, there is nothing to do.\n\n-- \n%s\n",
			   app.site_name);
		ok = account_mail(c, g, to.p, &subject, &text) == 0 && store_commit(c) == 0;
	}
	if (!ok)
		store_rollback(c);
	broker_grant_free(g);
	record_texts_release(&to, 1);
	crypto_wipe(token, sizeof(token));
	crypto_wipe(text.data, text.len);
	buf_release(&subject);
	buf_release(&text);
	return ok ? 0 : err_fail(f, ERR_STORE);
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
	    handover_affiliates(c, member, "address_confirmed") < 0 || store_commit(c) != 0)
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

int members_signup(const struct members_signup *in, struct failure *f)
{
	const struct policy_collection *cp = registration();
	const struct policy *p = app.policy;
	if (!cp)
		return err_fail(f, ERR_NO_REGISTRATION);
	if (age_at(in->date_of_birth, time(NULL)) < p->settings.minimum_age)
		return not_eligible(f);
	char hash[CRYPTO_PWHASH_STR_MAX];
	if (password_accept(in->password, hash, f) != 0)
		return -1;
	const char *cats[MAX_CATEGORIES];
	size_t ncats = registration_categories(cats, MAX_CATEGORIES);
	/* The date of birth has done its work above; it is kept only for a
	 * purpose that needs it (members_keep_birth_date), the fact always. */
	const char *values[NFIELDS] = {in->name, in->email, in->postal_address, in->phone,
				       members_keep_birth_date() ? in->date_of_birth : NULL};
	int64_t now = (int64_t)time(NULL);
	struct record_field row[NFIELDS + 4];
	size_t n = 0;
	/* INS04: a field left empty was not volunteered; nothing is kept for it. */
	for (size_t i = 0; i < NFIELDS; i++)
		if (values[i] && *values[i])
			row[n++] = (struct record_field){fields[i].column, SV_TEXT(values[i])};
	row[n++] = (struct record_field){"password_hash", SV_TEXT(hash)};
	row[n++] = (struct record_field){"created_at", SV_INT(now)};
	row[n++] = (struct record_field){"age_stated_at", SV_INT(now)};
	row[n++] = (struct record_field){"age_stated_min", SV_INT(p->settings.minimum_age)};
	struct broker_grant *g = NULL;
	enum decision_reason reason;
	int64_t member = 0;
	int rc = err_fail(f, ERR_STORE);
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0 ||
	    broker_subject_new(c, p->subjects[cp->subject].id, p->purposes[cp->purpose].id, cats,
			       ncats, 0, &member, &g, &reason) != 0)
		goto out;
	int inserted = record_insert(c, g, TABLE, member, row, n);
	if (inserted == STORE_CONFLICT) {
		store_rollback(c);
		rc = address_in_use(c, in->email, f);
		goto done;
	}
	if (inserted < 0 || record_signup_choices(c, in, member) != 0 ||
	    confirmation_queue(c, g, member, in->email) != 0 || store_commit(c) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
done:
	store_release(c);
	broker_grant_free(g);
	crypto_wipe(hash, sizeof(hash));
	return rc;
}

/* ---- sign-in ---- */

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
	bool found, confirmed;
	char hash[CRYPTO_PWHASH_STR_MAX];
};

static int login_cb(void *ctx, const struct store_row *row)
{
	struct login_row *l = ctx;
	l->found = true;
	snprintf(l->hash, sizeof(l->hash), "%s", (const char *)row->cols[0].p);
	l->confirmed = row->cols[1].type != STORE_NULL;
	return 0;
}

int members_signin(const struct members_signin *in, struct members_started *out, struct failure *f)
{
	*out = (struct members_started){0};
	if (members_signin_address_allowed(in->client, f) != 0)
		return -1;
	struct login_row l = {0};
	int64_t id = 0, now = (int64_t)time(NULL);
	struct store_conn *c = store_acquire(app.store);
	/* The same queries, and below the same hashing and the same writes,
	 * whether or not the address has an account. */
	int found = record_find(c, TABLE, "email", in->email, &id, 1);
	if (found != 1)
		id = 0;
	struct store_val key[] = {SV_INT(id)};
	int64_t browser = browser_account(c, in->browser);
	bool ok = found >= 0 && browser >= 0 &&
		  store_exec(c, SQL_BY_ID, key, STORE_NPARAMS(key), login_cb, &l) >= 0;
	/* A member without a data key (restored from a backup after closing)
	 * cannot sign in: nothing of them can be opened. Nor can one whose
	 * address is not confirmed yet: the sign-up did not say whether the
	 * address had an account, and this must not either. */
	bool has_key = ok && broker_subject_has_key(c, id);
	store_release(c);
	if (!ok) {
		crypto_wipe(l.hash, sizeof(l.hash));
		return err_fail(f, ERR_STORE);
	}
	bool usable = l.found && l.confirmed && has_key;
	/* A browser that signed in to this account before counts its own
	 * failures; every other attempt counts against the address. */
	struct lockout lock;
	bool known = usable && browser == id && browser_lockout(in->browser, &lock);
	if (!known)
		lockout_of_address(&lock, "member", in->email);
	if (lockout_open(&lock, now, f) != 0) {
		crypto_wipe(l.hash, sizeof(l.hash));
		return -1;
	}
	int rc = password_verify(usable ? l.hash : password_dummy_hash(), in->password,
				 ERR_BAD_CREDENTIALS, f);
	crypto_wipe(l.hash, sizeof(l.hash));
	if (rc == 0 && !usable)
		rc = err_fail(f, ERR_BAD_CREDENTIALS);
	if (rc != 0) {
		if (f->err == ERR_BAD_CREDENTIALS)
			lockout_fail(&lock, now);
		return -1;
	}
	out->member = id;
	c = store_acquire(app.store);
	ok = lockout_clear(&lock) == 0 && store_begin(c) == 0 &&
	     session_open(c, SESSION_MEMBER, id, &out->session) == 0 &&
	     browser_signed_in(c, id, in->browser, out->browser) == 0 &&
	     (!in->remember || remember_device(c, id, &out->device) == 0) && store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	if (!ok) {
		crypto_wipe(out, sizeof(*out));
		return err_fail(f, ERR_STORE);
	}
	return 0;
}

static int hash_cb(void *ctx, const struct store_row *row)
{
	snprintf(ctx, CRYPTO_PWHASH_STR_MAX, "%s", (const char *)row->cols[0].p);
	return 0;
}

int members_reauth(int64_t member, const char *password, const unsigned char *session,
		   const char *client, struct failure *f)
{
	if (members_signin_address_allowed(client, f) != 0)
		return -1;
	/* The session's own failures in a row (only someone holding it can
	 * guess here, so its lock shuts out nobody else). */
	struct lockout lock;
	int64_t now = (int64_t)time(NULL);
	if (session)
		lockout_of_bytes(&lock, "member-reauth", session, TOKEN_HASH_BYTES);
	else
		lockout_of_bytes(&lock, "member-reauth-account", &member, sizeof(member));
	if (lockout_open(&lock, now, f) != 0)
		return -1;
	char hash[CRYPTO_PWHASH_STR_MAX] = "";
	struct store_val id[] = {SV_INT(member)};
	if (store_query(app.store, SQL_BY_ID, id, STORE_NPARAMS(id), hash_cb, hash) != 1)
		return err_fail(f, ERR_STORE);
	int rc = password_verify(hash, password, ERR_WRONG_PASSWORD, f);
	crypto_wipe(hash, sizeof(hash));
	if (rc == 0)
		return lockout_clear(&lock) == 0 ? 0 : err_fail(f, ERR_STORE);
	if (f->err == ERR_WRONG_PASSWORD)
		lockout_fail(&lock, now);
	return -1;
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

/* The age screen's fact: {"at_least": 13, "stated_on": "YYYY-MM-DD"}. */
static int age_screen_cb(void *ctx, const struct store_row *row)
{
	if (row->cols[0].type == STORE_NULL)
		return 0;
	char day[sizeof("YYYY-MM-DD")];
	time_t at = (time_t)row->cols[0].i;
	struct tm tm;
	gmtime_r(&at, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	json_object_set_new(ctx, "at_least", json_integer(row->cols[1].i));
	json_object_set_new(ctx, "stated_on", json_string(day));
	return 0;
}

static int browser_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx,
			      json_pack("{s:I,s:I,s:I}", "created_at", (json_int_t)row->cols[0].i,
					"last_used", (json_int_t)row->cols[1].i, "expires_at",
					(json_int_t)row->cols[2].i));
	return 0;
}

int members_export(int64_t member, json_t **doc, struct failure *f)
{
	const struct policy *p = app.policy;
	json_t *consents = json_array(), *accesses = json_array(), *browsers = json_array();
	json_t *age = json_object(), *handovers = NULL, *visits = NULL, *photos = NULL;
	struct store_val id[] = {SV_INT(member)};
	struct store_conn *c = store_acquire(app.store);
	json_t *items =
		record_subject_of(c, TABLE, member) == member ? record_export(c, member) : NULL;
	bool ok = items &&
		  store_exec(c, SQL_CONSENTS, id, STORE_NPARAMS(id), consent_cb, consents) >= 0 &&
		  store_exec(c, SQL_ACCESSES, id, STORE_NPARAMS(id), access_cb, accesses) >= 0 &&
		  store_exec(c, SQL_BROWSERS, id, STORE_NPARAMS(id), browser_cb, browsers) >= 0 &&
		  store_exec(c, SQL_AGE_SCREEN, id, STORE_NPARAMS(id), age_screen_cb, age) >= 0 &&
		  (handovers = handover_made(c, member)) &&
		  /* INS10: the visits linked to the member, where the profile links them. */
		  (visits = visits_of_member(c, member)) &&
		  /* Issue 16: the member's photos, each with its image. */
		  (photos = photo_export(c, member));
	store_release(c);
	if (!ok) {
		json_decref(age);
		json_decref(items);
		json_decref(consents);
		json_decref(accesses);
		json_decref(browsers);
		json_decref(handovers);
		json_decref(visits);
		json_decref(photos);
		*doc = NULL;
		return err_fail(f, items ? ERR_STORE : ERR_NO_ACCOUNT);
	}
	*doc = json_pack("{s:I,s:s,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)member,
			 "profile", p->name, "profile_version", p->version, "items", items,
			 "age_screen", age, "consents", consents, "staff_accesses", accesses,
			 "known_browsers", browsers, "handovers", handovers, "visits", visits,
			 "photos", photos);
	/* Where the profile has stories: what closing the account does to the
	 * published ones (issue 16). */
	c = store_acquire(app.store);
	const char *on_close = story_on_close_text(c, member);
	store_release(c);
	if (on_close)
		json_object_set_new(*doc, "submissions_on_close", json_string(on_close));
	return 0;
}

/* ---- rows from before the age screen kept only its fact ---- */

struct unstated {
	int64_t *id, *created;
	size_t n;
};

static int unstated_cb(void *ctx, const struct store_row *row)
{
	struct unstated *u = ctx;
	u->id = xrealloc(u->id, (u->n + 1) * sizeof(*u->id));
	u->created = xrealloc(u->created, (u->n + 1) * sizeof(*u->created));
	u->id[u->n] = row->cols[0].i;
	u->created[u->n++] = row->cols[1].i;
	return 0;
}

/* One member from before migration 017: the fact from the stored date (the
 * age they had when they joined, up to the minimum age), and the date
 * cleared unless the profile needs it. */
static int age_screen_upgrade_one(struct store_conn *c, int64_t member, int64_t created, bool keep)
{
	static const char *const dob[] = {"date_of_birth"};
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	struct broker_use use = {&self, member,		members_account_purpose(),
				 dob,	ARRAY_LEN(dob), "write"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	struct record_text date = {0};
	int at_least = app.policy->settings.minimum_age;
	bool ok = store_begin(c) == 0 && broker_open(c, &use, &g, &why) == 0 &&
		  record_read(c, g, TABLE, member, dob, ARRAY_LEN(dob), &date) == 1;
	char text[sizeof("YYYY-MM-DD")] = "";
	if (ok && date.p && date.n < sizeof(text))
		memcpy(text, date.p, date.n);
	if (*text && !valid_birth_date(text, strlen(text))) {
		int age = age_at(text, (time_t)created);
		at_least = age < at_least ? age : at_least;
	}
	crypto_wipe(text, sizeof(text));
	struct record_field row[] = {{"age_stated_at", SV_INT(created)},
				     {"age_stated_min", SV_INT(at_least)},
				     {"date_of_birth", SV_NULL}};
	ok = ok && record_update(c, g, TABLE, member, row, keep ? 2 : ARRAY_LEN(row)) == 1 &&
	     store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	record_texts_release(&date, 1);
	broker_grant_free(g);
	return ok ? 0 : -1;
}

int members_age_screen_upgrade(void)
{
	if (!members_account_purpose())
		return 0;
	struct unstated u = {0};
	bool keep = members_keep_birth_date();
	int rc = store_query(app.store, SQL_AGE_UNSTATED, NULL, 0, unstated_cb, &u) < 0 ? -1 : 0;
	struct store_conn *c = store_acquire(app.store);
	size_t done = 0;
	for (size_t i = 0; rc == 0 && i < u.n; i++)
		if (age_screen_upgrade_one(c, u.id[i], u.created[i], keep) == 0)
			done++;
		else
			rc = -1;
	store_release(c);
	free(u.id);
	free(u.created);
	if (done) {
		if (!keep)
			record_scrub();
		log_info("age screen: %zu member(s) now keep the fact%s", done,
			 keep ? " (the profile needs the date: kept)" : ", not the date of birth");
	}
	return rc;
}

int members_close(int64_t member, struct failure *f)
{
	struct store_conn *c = store_acquire(app.store);
	/* What the member chose to leave published goes first, without their
	 * name (docs/content.md); everything of theirs then goes, and the photo
	 * files once the rows and keys are gone (photo.h). */
	struct photo_files photos = {0};
	bool ok = store_begin(c) == 0 && photo_files_of(c, member, &photos) == 0;
	ok = ok && story_close(c, member) == 0 && record_erase_subject(c, member) == 0 &&
	     store_commit(c) == 0;
	if (!ok) {
		store_rollback(c);
		photos.n = 0;
	}
	store_release(c);
	photo_files_remove(&photos);
	if (!ok)
		return err_fail(f, ERR_STORE);
	record_scrub_erased();
	log_info("an account was closed and its data key destroyed");
	return 0;
}

/* ---- choices ---- */

/* NAM10: a revision's new use of the purpose that does not apply to the
 * member yet is shown with its choice: "change_version", and
 * "change_starts" (the day it applies, YYYY-MM-DD) once the notice has gone
 * out. Until then the broker decides under the earlier terms. */
static void consent_change_waiting(struct store_conn *c, int64_t member, const char *purpose,
				   json_t *entry)
{
	int64_t starts = 0;
	int64_t version = broker_use_waiting(c, member, purpose, &starts);
	if (version <= 0)
		return;
	json_object_set_new(entry, "change_version", json_integer(version));
	if (starts > 0) {
		char day[16];
		struct tm tm;
		time_t t = (time_t)starts;
		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		json_object_set_new(entry, "change_starts", json_string(day));
	}
}

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
		json_t *entry = json_pack("{s:s,s:s,s:s,s:b,s:b}", "purpose", pu->id, "label",
					  pu->label, "basis", policy_basis_name(pu->basis), "on",
					  on, "chosen", st != CONSENT_UNSET);
		consent_change_waiting(c, member, pu->id, entry);
		const char *ask = choice_features[choice_feature(pu->kind)].ask_href;
		if (ask)
			json_object_set_new(entry, "ask_href", json_string(ask));
		json_array_append_new(list, entry);
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
	if (rc == 0)
		rc = handover_choice_changed(c, member, p->purposes[pi].id, on);
	store_release(c);
	return rc == 0 ? 0 : err_fail(f, ERR_STORE);
}
