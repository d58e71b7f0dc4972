/*
 * account_changes: changing the password and the e-mail address, each
 * behind a recent password entry (NAM14), each told by mail. A new password
 * ends the member's other sessions and sends a notice to the address. A new
 * address changes nothing until it is confirmed from a message sent to it
 * (a page with a button that confirms by POST); then the old address is told.
 */
#include "account_changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "mail_confirm.h"
#include "mail_msg.h"
#include "mem.h"
#include "members.h"
#include "outbox.h"
#include "pages.h"
#include "password.h"
#include "policy.h"
#include "session.h"
#include "store.h"

#define CHANGE_SECONDS (2 * 86400)

static const char SQL_EMAIL_GET[] = "SELECT email FROM members WHERE id = $1";
static const char SQL_PASSWORD_SET[] = "UPDATE members SET password_hash = $2 WHERE id = $1";
static const char SQL_INDEX_TAKEN[] = "SELECT id FROM members WHERE email_index = $1";
static const char SQL_CHANGE_INSERT[] =
	"INSERT INTO email_changes (token_hash, member_id, new_email, new_index, created_at, "
	"expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_CHANGE_FIND[] =
	"SELECT member_id, new_email, new_index FROM email_changes WHERE token_hash = $1 "
	"AND expires_at > $2";
static const char SQL_CHANGE_DONE[] = "DELETE FROM email_changes WHERE member_id = $1";
static const char SQL_EMAIL_SET[] =
	"UPDATE members SET email = $2, email_index = $3, email_confirmed_at = $4, "
	"email_undeliverable_at = NULL WHERE id = $1";

static struct broker_grant *email_grant(struct store_conn *c, int64_t member)
{
	static const char *const cats[] = {"email"};
	struct broker_actor self = {ACTOR_SELF, member, NULL, NULL};
	struct broker_use use = {&self, member, members_account_purpose(), cats, 1, "write"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	return broker_open(c, &use, &g, &why) == 0 ? g : NULL;
}

struct blob {
	unsigned char *p;
	size_t n;
};

static int blob_cb(void *ctx, const struct store_row *row)
{
	struct blob *b = ctx;
	if (row->cols[0].type == STORE_BLOB) {
		b->p = xmalloc(row->cols[0].n);
		memcpy(b->p, row->cols[0].p, row->cols[0].n);
		b->n = row->cols[0].n;
	}
	return 0;
}

/* The member's current address, opened with g (malloc'd), or NULL. */
static char *current_address(struct store_conn *c, const struct broker_grant *g, int64_t member)
{
	struct blob b = {0};
	char *plain = NULL, *out = NULL;
	size_t len;
	struct store_val id[] = {SV_INT(member)};
	if (store_exec(c, SQL_EMAIL_GET, id, 1, blob_cb, &b) >= 0 && b.p &&
	    broker_read(g, "email", "members", "email", member, b.p, b.n, &plain, &len) == 0) {
		out = xstrndup(plain, len);
		broker_plain_free(plain, len);
	}
	free(b.p);
	return out;
}

/* Queues a short message to `to` under the account purpose. */
static int queue_mail(struct store_conn *c, const struct broker_grant *g, const char *to,
		      const char *subject, const char *text)
{
	return outbox_send_text(c, g, members_account_purpose(), "email", "email", to, subject, text,
				NULL, 0);
}

static bool recent_session(struct req *r, struct session *s)
{
	if (!session_require(r, s, true))
		return false;
	if (session_recent(s))
		return true;
	resp_error(r, 403, "reauth_required", "Enter your password again to continue.", NULL);
	return false;
}

void members_api_password(struct req *r)
{
	struct session s;
	char hash[CRYPTO_PWHASH_STR_MAX];
	if (!recent_session(r, &s) || !password_accept(r, hash))
		return;
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g = NULL;
	char *to = NULL, text[600];
	struct store_val v[] = {SV_INT(s.member), SV_TEXT(hash)};
	bool ok = store_begin(c) == 0 && store_exec(c, SQL_PASSWORD_SET, v, 2, NULL, NULL) == 1 &&
		  (g = email_grant(c, s.member)) && (to = current_address(c, g, s.member));
	if (ok) {
		snprintf(text, sizeof(text),
			 "Hello,\n\nthe password of your account at %s was changed just now, and "
			 "every other place where you were signed in was signed out.\n\nIf you did "
			 "not do this, reset it and write to us at once.\n\n-- \n%s\n",
			 app.site_name, app.site_name);
		ok = queue_mail(c, g, to, "Your password was changed", text) == 0 &&
		     store_commit(c) == 0;
	}
	if (!ok)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	free(to);
	crypto_wipe(hash, sizeof(hash));
	if (!ok) {
		resp_error(r, 503, "store_unavailable", "The password was not changed; try again.", NULL);
		return;
	}
	session_end_others(r, s.member);
	log_info("a member changed their password");
	resp_json(r, 200, json_pack("{s:b}", "changed", 1));
}

static int id_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

void members_api_email(struct req *r)
{
	struct session s;
	if (!recent_session(r, &s))
		return;
	const char *email = req_param(r, "email");
	unsigned char index[CRYPTO_INDEX_BYTES], hash[32];
	email_blind_index(MEMBER_EMAIL_DOMAIN, email, index);
	int64_t holder = 0, now = (int64_t)time(NULL);
	struct store_val key[] = {SV_BLOB(index, sizeof(index))};
	if (store_query(app.store, SQL_INDEX_TAKEN, key, 1, id_cb, &holder) < 0) {
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
		return;
	}
	if (holder) {
		resp_error(r, 409, holder == s.member ? "unchanged" : "email_taken",
			   holder == s.member ? "That is your address already."
					      : "An account with that e-mail address exists.",
			   "email");
		return;
	}
	char token[CRYPTO_TOKEN_CHARS + 1], text[900];
	crypto_token(token);
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g = NULL;
	unsigned char *ct = NULL;
	size_t ct_len = 0;
	bool ok = store_begin(c) == 0 && (g = email_grant(c, s.member)) &&
		  broker_seal(g, "email", "email_changes", "new_email", s.member, email, strlen(email),
			      &ct, &ct_len) == 0;
	if (ok) {
		struct store_val row[] = {SV_BLOB(hash, 32),	      SV_INT(s.member),
					  SV_BLOB(ct, ct_len),	      SV_BLOB(index, sizeof(index)),
					  SV_INT(now),		      SV_INT(now + CHANGE_SECONDS)};
		snprintf(text, sizeof(text),
			 "Hello,\n\nsomeone (we hope you) asked to use this address for an account at "
			 "%s. To confirm, open this page and press the button there:\n\n"
			 "%s/confirm-email?token=%s\n\nUntil then nothing changes. If it was not you, "
			 "ignore this message.\n\n-- \n%s\n",
			 app.site_name, app.cfg.site_url, token, app.site_name);
		ok = store_exec(c, SQL_CHANGE_INSERT, row, 6, NULL, NULL) >= 0 &&
		     queue_mail(c, g, email, "Please confirm your new e-mail address", text) == 0 &&
		     store_commit(c) == 0;
	}
	if (!ok)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	free(ct);
	crypto_wipe(token, sizeof(token));
	crypto_wipe(text, sizeof(text));
	if (!ok) {
		resp_error(r, 503, "store_unavailable", "The change was not started; try again.", NULL);
		return;
	}
	resp_json(r, 202, json_pack("{s:b}", "confirmation_sent", 1));
}

struct change {
	int64_t member;
	struct blob email;
	unsigned char index[CRYPTO_INDEX_BYTES];
};

static int change_cb(void *ctx, const struct store_row *row)
{
	struct change *ch = ctx;
	ch->member = row->cols[0].i;
	if (row->cols[1].type == STORE_BLOB) {
		ch->email.p = xmalloc(row->cols[1].n);
		memcpy(ch->email.p, row->cols[1].p, row->cols[1].n);
		ch->email.n = row->cols[1].n;
	}
	if (row->cols[2].type == STORE_BLOB && row->cols[2].n == CRYPTO_INDEX_BYTES)
		memcpy(ch->index, row->cols[2].p, CRYPTO_INDEX_BYTES);
	return 0;
}

/* 1 changed, 0 unknown or expired token, 2 address taken meanwhile, -1 failure. */
static int confirm_change(const char *token)
{
	unsigned char hash[32];
	int64_t now = (int64_t)time(NULL), holder = 0;
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct change ch = {0};
	struct broker_grant *g = NULL;
	char *old = NULL, *new_plain = NULL, text[600];
	size_t new_len = 0;
	unsigned char *ct = NULL;
	size_t ct_len = 0;
	int rc = -1;
	struct store_val key[] = {SV_BLOB(hash, 32), SV_INT(now)};
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0 || store_exec(c, SQL_CHANGE_FIND, key, 2, change_cb, &ch) < 0)
		goto out;
	if (!ch.member) {
		rc = 0;
		goto out;
	}
	struct store_val idx[] = {SV_BLOB(ch.index, CRYPTO_INDEX_BYTES)};
	if (store_exec(c, SQL_INDEX_TAKEN, idx, 1, id_cb, &holder) < 0)
		goto out;
	if (holder) {
		rc = 2;
		goto out;
	}
	if (!(g = email_grant(c, ch.member)) || !(old = current_address(c, g, ch.member)) ||
	    broker_read(g, "email", "email_changes", "new_email", ch.member, ch.email.p, ch.email.n,
			&new_plain, &new_len) != 0 ||
	    broker_seal(g, "email", "members", "email", ch.member, new_plain, new_len, &ct,
			&ct_len) != 0)
		goto out;
	struct store_val set[] = {SV_INT(ch.member), SV_BLOB(ct, ct_len),
				  SV_BLOB(ch.index, CRYPTO_INDEX_BYTES), SV_INT(now)};
	struct store_val who[] = {SV_INT(ch.member)};
	const char *at = strchr(new_plain, '@');
	snprintf(text, sizeof(text),
		 "Hello,\n\nthe e-mail address of your account at %s was changed just now to an "
		 "address at %s. Messages now go there.\n\nIf you did not do this, write to us at "
		 "once.\n\n-- \n%s\n",
		 app.site_name, at ? at + 1 : "another domain", app.site_name);
	if (store_exec(c, SQL_EMAIL_SET, set, 4, NULL, NULL) != 1 ||
	    store_exec(c, SQL_CHANGE_DONE, who, 1, NULL, NULL) < 0 ||
	    queue_mail(c, g, old, "Your e-mail address was changed", text) != 0 ||
	    store_commit(c) != 0)
		goto out;
	rc = 1;
out:
	if (rc != 1)
		store_rollback(c);
	store_release(c);
	broker_grant_free(g);
	if (new_plain)
		broker_plain_free(new_plain, new_len);
	free(old);
	free(ct);
	free(ch.email.p);
	return rc;
}

void email_change_page(struct req *r)
{
	confirm_button_page(r, true);
}

void email_change_post(struct req *r)
{
	int rc = r->nerrors ? 0 : confirm_change(req_param(r, "token"));
	if (rc == 2)
		resp_error(r, 409, "email_taken", "Another account has that address now.", NULL);
	else
		confirm_result_page(r, rc, "Address changed");
}

int email_changes_forget(struct store_conn *c, int64_t member)
{
	struct store_val who[] = {SV_INT(member)};
	return store_exec(c, SQL_CHANGE_DONE, who, 1, NULL, NULL) < 0 ? -1 : 0;
}
