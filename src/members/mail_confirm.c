/*
 * mail_confirm: address confirmation (see mail_confirm.h).
 */
#include "mail_confirm.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "mail_msg.h"
#include "outbox.h"
#include "pages.h"
#include "store.h"

static const char SQL_INSERT[] =
	"INSERT INTO email_confirmations (token_hash, member_id, created_at, expires_at) "
	"VALUES ($1, $2, $3, $4)";
static const char SQL_FIND[] =
	"SELECT member_id FROM email_confirmations WHERE token_hash = $1 AND expires_at > $2";
static const char SQL_CONFIRM[] =
	"UPDATE members SET email_confirmed_at = $2 WHERE id = $1 AND email_confirmed_at IS NULL";
static const char SQL_USED[] = "DELETE FROM email_confirmations WHERE token_hash = $1";
static const char SQL_FORGET[] = "DELETE FROM email_confirmations WHERE member_id = $1";

int confirm_queue(struct store_conn *c, const struct broker_grant *g, const char *purpose,
		  int64_t member, const char *email)
{
	char token[CRYPTO_TOKEN_CHARS + 1];
	unsigned char hash[32];
	int64_t now = (int64_t)time(NULL);
	crypto_token(token);
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct store_val row[] = {SV_BLOB(hash, 32), SV_INT(member), SV_INT(now),
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
	int rc = store_exec(c, SQL_INSERT, row, 4, NULL, NULL) >= 0 &&
			 outbox_send_text(c, g, purpose, "email", "email", email, subject.data,
					  text.data, NULL, 0) == 0
		 ? 0
		 : -1;
	crypto_wipe(token, sizeof(token));
	crypto_wipe(text.data, text.len);
	buf_release(&subject);
	buf_release(&text);
	return rc;
}

int confirm_forget_member(struct store_conn *c, int64_t member)
{
	struct store_val id[] = {SV_INT(member)};
	return store_exec(c, SQL_FORGET, id, 1, NULL, NULL) < 0 ? -1 : 0;
}

static int id_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* 1 confirmed now, 0 unknown or expired token, -1 store failure. */
static int confirm_token(const char *token)
{
	unsigned char hash[32];
	int64_t now = (int64_t)time(NULL), member = 0;
	crypto_token_hash(app.keys, token, strlen(token), hash);
	struct store_val key[] = {SV_BLOB(hash, 32), SV_INT(now)};
	struct store_val used[] = {SV_BLOB(hash, 32)};
	struct store_conn *c = store_acquire(app.store);
	int rc = -1;
	if (store_begin(c) != 0 || store_exec(c, SQL_FIND, key, 2, id_cb, &member) < 0)
		goto out;
	if (!member) {
		rc = 0;
		goto out;
	}
	struct store_val v[] = {SV_INT(member), SV_INT(now)};
	if (store_exec(c, SQL_CONFIRM, v, 2, NULL, NULL) < 0 ||
	    store_exec(c, SQL_USED, used, 1, NULL, NULL) < 0 || store_commit(c) != 0)
		goto out;
	rc = 1;
out:
	if (rc != 1)
		store_rollback(c);
	store_release(c);
	return rc;
}

void confirm_button_page(struct req *r, bool change)
{
	json_t *data = page_data(r, change ? "Confirm your new address" : "Confirm your address");
	const char *token = req_param(r, "token");
	json_object_set_new(data, "token", json_string(token ? token : ""));
	json_object_set_new(data, "change", json_boolean(change));
	r->no_store = true;
	page_render(r, 200, "confirm", data);
}

void confirm_result_page(struct req *r, int rc, const char *title)
{
	if (rc < 0) {
		resp_error(r, 503, "store_unavailable", "Please try again.", NULL);
		return;
	}
	json_t *data = page_data(r, rc ? title : "Link no longer valid");
	json_object_set_new(data, "confirmed", json_boolean(rc == 1));
	page_render(r, rc ? 200 : 404, "confirmed", data);
}

void confirm_page(struct req *r)
{
	confirm_button_page(r, false);
}

void confirm_post(struct req *r)
{
	confirm_result_page(r, r->nerrors ? 0 : confirm_token(req_param(r, "token")),
			    "Address confirmed");
}

void confirm_api(struct req *r)
{
	int rc = confirm_token(req_param(r, "token"));
	if (rc < 0)
		resp_error(r, 503, "store_unavailable", "Try again in a moment.", NULL);
	else if (rc == 0)
		resp_error(r, 404, "bad_token", "That link is unknown, used or expired.", "token");
	else
		resp_json(r, 200, json_pack("{s:b}", "confirmed", 1));
}
