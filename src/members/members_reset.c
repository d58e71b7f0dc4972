/*
 * members_reset: a forgotten password (see members.h). Anyone may ask for a
 * link for an address, and the answer is the same whether or not the
 * address has an account: only an address with one gets a message. Both
 * cases do the same work up to the message itself (the limits, the lookup,
 * one counted write), so neither the answer nor its cost tells them apart.
 * The link holds a random token whose keyed hash is kept for
 * MEMBERS_RESET_SECONDS; its page asks for the new password and sets it by
 * POST, so a mail scanner that follows links changes nothing. Setting it
 * spends every link of the member, ends every session, remembered device
 * and known browser, cancels a change of address waiting for confirmation,
 * confirms the address (the link reached it), lifts the address's sign-in
 * lock, and tells the address. Staff accounts are reset by an admin (`glovebox staff
 * reset`), never here: only the members' address index is asked.
 */
#include "members.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "browser.h"
#include "buf.h"
#include "lockout.h"
#include "log.h"
#include "mem.h"
#include "outbox.h"
#include "password.h"
#include "ratelimit.h"
#include "record.h"
#include "remember.h"
#include "session.h"
#include "store.h"
#include "token.h"

#define HOUR_SECONDS 3600
#define EMAIL_MAX    254 /* the route's limit for an address */

static const char SQL_RESET_INSERT[] =
	"INSERT INTO password_resets (token_hash, member_id, created_at, expires_at) "
	"VALUES ($1, $2, $3, $4)";
static const char SQL_RESET_FIND[] =
	"SELECT member_id FROM password_resets WHERE token_hash = $1 AND expires_at > $2";
/* Spending the link is the statement that decides: of two requests racing
 * with one link, only the one whose DELETE removed the row goes on. */
static const char SQL_RESET_SPEND[] =
	"DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2";
static const char SQL_RESETS_DROP[] = "DELETE FROM password_resets WHERE member_id = $1";
/* The link reached the address, so the address is confirmed too (a member
 * who lost the sign-up's message can sign in after a reset). */
static const char SQL_PASSWORD_RESET[] = "UPDATE members SET password_hash = $2, "
					 "email_confirmed_at = COALESCE(email_confirmed_at, $3) "
					 "WHERE id = $1";
static const char SQL_CHANGES_CANCEL[] = "DELETE FROM email_changes WHERE member_id = $1";
static const char SQL_COUNTER[] =
	"INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) "
	"DO UPDATE SET value = counters.value + 1";

static const char *const email_column[] = {"email"};

/* The member's address for mail from glovebox itself: no one is signed in. */
static struct broker_grant *address_grant(struct store_conn *c, int64_t member)
{
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {
		&system, member, members_account_purpose(), email_column, ARRAY_LEN(email_column),
		"write"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	return broker_open(c, &use, &g, &why) == 0 ? g : NULL;
}

/* Queues text to the member's own address (read under the grant); *lock,
 * if given, becomes the sign-in lock of that address (lockout.h). */
static int mail_member(struct store_conn *c, int64_t member, const char *subject, const char *text,
		       struct lockout *lock)
{
	struct broker_grant *g = address_grant(c, member);
	struct record_text to = {0};
	int rc = -1;
	if (g &&
	    record_read(c, g, "members", member, email_column, ARRAY_LEN(email_column), &to) == 1 &&
	    to.p) {
		rc = outbox_send_text(c, g, members_account_purpose(), "email", "email", to.p,
				      subject, text, NULL, 0);
		if (lock)
			lockout_of_address(lock, "member", to.p);
	}
	record_texts_release(&to, 1);
	broker_grant_free(g);
	return rc;
}

static int member_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* ---- asking for a link ---- */

/* The per-client limit first, so that one client cannot spend an address's
 * allowance beyond its own; the address counts in its normal form (as its
 * blind index takes it) and only under the rate limits' keyed hash. */
static int reset_allowed(const char *email, const char *client, struct failure *f)
{
	int64_t wait = 0;
	char normal[EMAIL_MAX + 1];
	size_t n = 0;
	for (const char *p = email; *p && n < EMAIL_MAX; p++)
		if (!isspace((unsigned char)*p))
			normal[n++] = (char)tolower((unsigned char)*p);
	normal[n] = '\0';
	bool ok = ratelimit_hit("reset-client", client, app.cfg.reset_per_hour, HOUR_SECONDS,
				&wait) &&
		  ratelimit_hit("reset-email", normal, app.cfg.reset_per_email_hour, HOUR_SECONDS,
				&wait);
	crypto_wipe(normal, sizeof(normal));
	if (ok)
		return 0;
	err_fail(f, ERR_TOO_MANY_RESETS);
	f->retry_after = wait;
	return -1;
}

/* The link's row and its message, inside the caller's transaction. */
static int link_queue(struct store_conn *c, int64_t member, const char *token,
		      const unsigned char hash[TOKEN_HASH_BYTES])
{
	int64_t now = (int64_t)time(NULL);
	struct store_val row[] = {SV_BLOB(hash, TOKEN_HASH_BYTES), SV_INT(member), SV_INT(now),
				  SV_INT(now + MEMBERS_RESET_SECONDS)};
	struct buf text;
	buf_init(&text, 0);
	buf_printf(&text,
		   "Hello,\n\nsomeone (we hope you) asked to set a new password for your account "
		   "at %s. To choose one, open this page within %d minutes:\n\n"
		   "%s/reset?token=%s\n\nThe link works once. If it was not you, ignore this "
		   "message: your password stays as it is.\n\n-- \n%s\n",
		   app.site_name, MEMBERS_RESET_SECONDS / 60, app.cfg.site_url, token,
		   app.site_name);
	int rc = -1;
	if (store_exec(c, SQL_RESET_INSERT, row, STORE_NPARAMS(row), NULL, NULL) == 1)
		rc = mail_member(c, member, "Set a new password", text.data, NULL);
	crypto_wipe(text.data, text.len);
	buf_release(&text);
	return rc;
}

int members_reset_request(const char *email, const char *client, struct failure *f)
{
	if (reset_allowed(email, client, f) != 0)
		return -1;
	int64_t member = 0;
	struct store_conn *c = store_acquire(app.store);
	int found = record_find(c, "members", "email", email, &member, 1);
	/* A member restored from a backup after closing has no key: no account. */
	bool known = found == 1 && broker_subject_has_key(c, member);
	char token[TOKEN_CHARS + 1];
	unsigned char hash[TOKEN_HASH_BYTES];
	token_new(token, hash);
	struct store_val counter[] = {SV_TEXT("password_reset_requests")};
	bool ok = found >= 0 && store_begin(c) == 0 &&
		  store_exec(c, SQL_COUNTER, counter, STORE_NPARAMS(counter), NULL, NULL) >= 0 &&
		  (!known || link_queue(c, member, token, hash) == 0) && store_commit(c) == 0;
	if (!ok && found >= 0)
		store_rollback(c);
	store_release(c);
	crypto_wipe(token, sizeof(token));
	return ok ? 0 : err_fail(f, ERR_STORE);
}

/* ---- using the link ---- */

/* The member a live link is for (read only). */
static int link_member(const char *token, unsigned char hash[TOKEN_HASH_BYTES], int64_t *member,
		       struct failure *f)
{
	*member = 0;
	if (!token_hash(token, hash))
		return err_fail(f, ERR_BAD_LINK);
	struct store_val key[] = {SV_BLOB(hash, TOKEN_HASH_BYTES), SV_INT(time(NULL))};
	if (store_query(app.store, SQL_RESET_FIND, key, STORE_NPARAMS(key), member_cb, member) < 0)
		return err_fail(f, ERR_STORE);
	return *member ? 0 : err_fail(f, ERR_BAD_LINK);
}

int members_reset_check(const char *token, struct failure *f)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t member;
	return link_member(token, hash, &member, f);
}

int members_reset_confirm(const char *token, const char *password, struct failure *f)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t member;
	/* An unknown link costs no password hashing. */
	if (link_member(token, hash, &member, f) != 0)
		return -1;
	char pwhash[CRYPTO_PWHASH_STR_MAX];
	if (password_accept(password, pwhash, f) != 0)
		return -1;
	struct buf text;
	buf_init(&text, 0);
	buf_printf(&text,
		   "Hello,\n\nthe password of your account at %s was set just now from a link "
		   "we sent to this address. Every place where you were signed in was signed "
		   "out, every remembered device was forgotten, and a change of address waiting "
		   "for confirmation was cancelled.\n\nIf you did not do this, ask for a new "
		   "link at %s/forgot at once and write to us.\n\n-- \n%s\n",
		   app.site_name, app.cfg.site_url, app.site_name);
	int64_t now = (int64_t)time(NULL);
	struct store_val link[] = {SV_BLOB(hash, TOKEN_HASH_BYTES), SV_INT(now)};
	struct store_val who[] = {SV_INT(member)};
	struct store_val pw[] = {SV_INT(member), SV_TEXT(pwhash), SV_INT(now)};
	struct lockout lock;
	int rc = err_fail(f, ERR_STORE);
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0)
		goto out;
	int spent = store_exec(c, SQL_RESET_SPEND, link, STORE_NPARAMS(link), NULL, NULL);
	if (spent == 0)
		err_fail(f, ERR_BAD_LINK); /* used or expired since the check above */
	if (spent != 1 || store_exec(c, SQL_RESETS_DROP, who, STORE_NPARAMS(who), NULL, NULL) < 0 ||
	    store_exec(c, SQL_PASSWORD_RESET, pw, STORE_NPARAMS(pw), NULL, NULL) != 1 ||
	    session_end_others(c, member, NULL) != 0 || remember_forget_member(c, member) != 0 ||
	    browser_forget_others(c, member, NULL) != 0 ||
	    store_exec(c, SQL_CHANGES_CANCEL, who, STORE_NPARAMS(who), NULL, NULL) < 0 ||
	    mail_member(c, member, "Your password was reset", text.data, &lock) != 0 ||
	    store_commit(c) != 0)
		goto out;
	rc = 0;
	/* The address's sign-in lock is lifted (whoever locked it guessed at
	 * a password that is gone); failing that, it runs out by itself. */
	if (lockout_clear(&lock) != 0)
		log_warn("a reset could not lift the sign-in lock of its address");
	log_info("a member set a new password from a reset link");
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	buf_release(&text);
	crypto_wipe(pwhash, sizeof(pwhash));
	return rc;
}
