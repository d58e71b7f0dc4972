/*
 * members_change: what changes the way a member is reached (see
 * members.h): a new password ends the member's other sessions, forgets the
 * other browsers that signed in, cancels a change of address waiting for
 * its confirmation and sends a notice to the address; a new address
 * changes nothing until it is confirmed from a message sent to it (a page
 * whose button confirms by POST), then the old address is told. An address
 * another account has is answered alike, and its owner is told instead.
 * Confirmation links are kept as their keyed hash and work once.
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
#include "log.h"
#include "mem.h"
#include "outbox.h"
#include "password.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define CHANGE_SECONDS (2 * 86400) /* a change of address link's life */

static const char SQL_PASSWORD_SET[] = "UPDATE members SET password_hash = $2 WHERE id = $1";
static const char SQL_CHANGE_FIND[] =
	"SELECT member_id FROM email_changes WHERE token_hash = $1 AND expires_at > $2";
static const char SQL_CHANGES_DROP[] = "DELETE FROM email_changes WHERE member_id = $1";
static const char SQL_ADDRESS_NEW[] =
	"UPDATE members SET email_confirmed_at = $2, email_undeliverable_at = NULL WHERE id = $1";

static const char *const email_column[] = {"email"};
static const char *const new_email_column[] = {"new_email"};

/* Queues a short message to `to` under the account purpose. */
static int queue_mail(struct store_conn *c, const struct broker_grant *g, const char *to,
		      const char *subject, const char *text)
{
	return outbox_send_text(c, g, members_account_purpose(), "email", "email", to, subject,
				text, NULL, 0);
}

static int id_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* ---- the password ---- */

int members_change_password(int64_t member, const char *password, const unsigned char *keep,
			    const char *keep_browser, struct failure *f)
{
	char hash[CRYPTO_PWHASH_STR_MAX];
	if (password_accept(password, hash, f) != 0)
		return -1;
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g = NULL;
	struct record_text to = {0};
	struct buf text;
	buf_init(&text, 0);
	buf_printf(&text,
		   "Hello,\n\nthe password of your account at %s was changed just now, and every "
		   "other place where you were signed in was signed out. A change of your e-mail "
		   "address that was waiting for its confirmation is cancelled.\n\nIf you did not "
		   "do this, "
		   "reset it and write to us at once.\n\n-- \n%s\n",
		   app.site_name, app.site_name);
	struct store_val v[] = {SV_INT(member), SV_TEXT(hash)};
	struct store_val who[] = {SV_INT(member)};
	/* Whoever knew the old password may have started a change of address
	 * or signed in from a browser of their own: neither outlives it. */
	bool ok = store_begin(c) == 0 &&
		  store_exec(c, SQL_PASSWORD_SET, v, STORE_NPARAMS(v), NULL, NULL) == 1 &&
		  session_end_others(c, member, keep) == 0 &&
		  browser_forget_others(c, member, keep_browser) == 0 &&
		  store_exec(c, SQL_CHANGES_DROP, who, STORE_NPARAMS(who), NULL, NULL) >= 0 &&
		  (g = members_mail_grant(c, member)) &&
		  record_read(c, g, "members", member, email_column, ARRAY_LEN(email_column),
			      &to) == 1 &&
		  to.p && queue_mail(c, g, to.p, "Your password was changed", text.data) == 0 &&
		  store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	record_texts_release(&to, 1);
	buf_release(&text);
	crypto_wipe(hash, sizeof(hash));
	if (!ok)
		return err_fail(f, ERR_STORE);
	log_info("a member changed their password");
	return 0;
}

/* ---- a new address ---- */

int members_change_email(int64_t member, const char *email, struct failure *f)
{
	int64_t holder = 0, now = (int64_t)time(NULL);
	struct store_conn *c = store_acquire(app.store);
	int found = record_find(c, "members", "email", email, &holder, 1);
	if (found < 0 || (found == 1 && holder == member)) {
		store_release(c);
		return err_fail(f, found < 0 ? ERR_STORE : ERR_EMAIL_UNCHANGED);
	}
	/* Another account's address is answered as a new one: the change waits
	 * alike (the member sees it waiting), and one message goes to the
	 * address alike, sealed under the member's key; but it tells the owner
	 * instead of asking for a confirmation, and the link's token is known
	 * to nobody, so the change can never be confirmed. */
	bool taken = found == 1;
	char token[TOKEN_CHARS + 1];
	unsigned char hash[TOKEN_HASH_BYTES];
	token_new(token, hash);
	struct buf text;
	buf_init(&text, 0);
	if (taken)
		buf_printf(&text,
			   "Hello,\n\nsomeone just asked to make this address the address of "
			   "another account at %s. It belongs to your account here and stays with "
			   "it: nothing was changed, and there is nothing you need to do.\n\n"
			   "-- \n%s\n",
			   app.site_name, app.site_name);
	else
		buf_printf(&text,
			   "Hello,\n\nsomeone (we hope you) asked to use this address for an "
			   "account at %s. To confirm, open this page and press the button "
			   "there:\n\n%s/confirm-email?token=%s\n\nUntil then nothing changes. "
			   "If it was not you, ignore this message.\n\n-- \n%s\n",
			   app.site_name, app.cfg.site_url, token, app.site_name);
	const struct record_field row[] = {
		{"token_hash", SV_BLOB(hash, sizeof(hash))},
		{"new_email", SV_TEXT(email)},
		{"created_at", SV_INT(now)},
		{"expires_at", SV_INT(now + CHANGE_SECONDS)},
	};
	struct store_val who[] = {SV_INT(member)};
	struct broker_grant *g = NULL;
	/* Only the latest request's link works: an earlier one is dropped. */
	bool ok = store_begin(c) == 0 &&
		  store_exec(c, SQL_CHANGES_DROP, who, STORE_NPARAMS(who), NULL, NULL) >= 0 &&
		  (g = members_mail_grant(c, member)) &&
		  record_insert(c, g, "email_changes", member, row, STORE_NPARAMS(row)) >= 0 &&
		  queue_mail(c, g, email,
			     taken ? "Someone asked to use your address"
				   : "Please confirm your new e-mail address",
			     text.data) == 0 &&
		  store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	crypto_wipe(token, sizeof(token));
	crypto_wipe(text.data, text.len);
	buf_release(&text);
	return ok ? 0 : err_fail(f, ERR_STORE);
}

int members_change_email_confirm(const char *token, struct failure *f)
{
	unsigned char hash[TOKEN_HASH_BYTES];
	int64_t now = (int64_t)time(NULL), member = 0, holder = 0;
	if (!token_hash(token, hash))
		return err_fail(f, ERR_BAD_LINK);
	struct broker_grant *g = NULL;
	struct record_text old = {0}, fresh = {0};
	struct buf text;
	buf_init(&text, 0);
	int rc = err_fail(f, ERR_STORE);
	struct store_val key[] = {SV_BLOB(hash, sizeof(hash)), SV_INT(now)};
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0 ||
	    store_exec(c, SQL_CHANGE_FIND, key, STORE_NPARAMS(key), id_cb, &member) < 0)
		goto out;
	if (!member) {
		err_fail(f, ERR_BAD_LINK);
		goto out;
	}
	if (!(g = members_mail_grant(c, member)) ||
	    record_read(c, g, "email_changes", member, new_email_column,
			ARRAY_LEN(new_email_column), &fresh) != 1 ||
	    !fresh.p ||
	    record_read(c, g, "members", member, email_column, ARRAY_LEN(email_column), &old) !=
		    1 ||
	    !old.p)
		goto out;
	int found = record_find(c, "members", "email", fresh.p, &holder, 1);
	if (found < 0)
		goto out;
	if (found > 0) {
		err_fail(f, ERR_EMAIL_TAKEN_SINCE);
		goto out;
	}
	const char *at = strchr(fresh.p, '@');
	buf_printf(
		&text,
		"Hello,\n\nthe e-mail address of your account at %s was changed just now to an "
		"address at %s. Messages now go there.\n\nIf you did not do this, write to us at "
		"once.\n\n-- \n%s\n",
		app.site_name, at ? at + 1 : "another domain", app.site_name);
	const struct record_field address[] = {{"email", SV_TEXT(fresh.p)}};
	struct store_val confirmed[] = {SV_INT(member), SV_INT(now)};
	struct store_val who[] = {SV_INT(member)};
	if (record_update(c, g, "members", member, address, STORE_NPARAMS(address)) != 1 ||
	    store_exec(c, SQL_ADDRESS_NEW, confirmed, STORE_NPARAMS(confirmed), NULL, NULL) != 1 ||
	    store_exec(c, SQL_CHANGES_DROP, who, STORE_NPARAMS(who), NULL, NULL) < 0 ||
	    queue_mail(c, g, old.p, "Your e-mail address was changed", text.data) != 0 ||
	    store_commit(c) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	record_texts_release(&old, 1);
	record_texts_release(&fresh, 1);
	buf_release(&text);
	return rc;
}
