/*
 * shop_api: the JSON adapter of the shop (see shop_api.h).
 */
#include "shop_api.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "broker.h"
#include "err.h"
#include "session.h"

#define CART_COOKIE	"gb_cart"
#define CART_COOKIE_TLS "__Host-gb_cart"
/* "NAME=VALUE; Path=/; HttpOnly; SameSite=Lax; Secure" */
#define COOKIE_MAX (SHOP_CART_COOKIE_MAX + 128)

const char *shop_api_cart_cookie(void)
{
	return app.cfg.behind_tls ? CART_COOKIE_TLS : CART_COOKIE;
}

void shop_api_cart_set_cookie(struct req *r, const struct shop_cart *cart)
{
	char value[SHOP_CART_COOKIE_MAX + 1], cookie[COOKIE_MAX];
	const char *tls = app.cfg.behind_tls ? "; Secure" : "";
	if (cart->n == 0) {
		snprintf(cookie, sizeof(cookie), "%s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0%s",
			 shop_api_cart_cookie(), tls);
	} else {
		shop_cart_encode(cart, value, sizeof(value));
		/* A cookie for the browser session: the cart is gone when it closes. */
		snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Lax%s",
			 shop_api_cart_cookie(), value, tls);
	}
	resp_header(r, "Set-Cookie", cookie);
}

int shop_api_cart_of(struct req *r, struct shop_cart *cart, struct failure *f)
{
	if (shop_cart_decode(req_cookie(r, shop_api_cart_cookie()), cart, f) == 0)
		return 0;
	shop_api_cart_set_cookie(r, cart); /* empty: cleared */
	return -1;
}

void shop_api_order_new(struct req *r, const struct shop_cart *cart, struct shop_order_new *in)
{
	struct session s;
	*in = (struct shop_order_new){.cart = cart};
	for (size_t i = 0; i < SHOP_NPARTS; i++)
		in->value[i] = req_param(r, shop_part_names[i]);
	in->member = session_of_request(r, SESSION_MEMBER, &s) ? s.account : 0;
	const char *confirm = req_param(r, "confirm_total");
	in->has_confirm = confirm && *confirm;
	in->confirm_total = in->has_confirm ? strtoll(confirm, NULL, 10) : 0;
}

int64_t shop_api_path_id(const struct req *r)
{
	return strtoll(r->path_params[0], NULL, 10);
}

static void answer_list(struct req *r, int rc, const char *key, json_t *list,
			const struct failure *f)
{
	if (rc != 0)
		resp_failure(r, f);
	else
		resp_json(r, 200, json_pack("{s:o,s:i}", key, list, "limit", SHOP_LIST_MAX));
}

void shop_api_items(struct req *r)
{
	json_t *list;
	struct failure f;
	int rc = shop_items_list(true, &list, &f);
	answer_list(r, rc, "items", list, &f);
}

void shop_api_item(struct req *r)
{
	json_t *it;
	struct failure f;
	if (shop_item_get(shop_api_path_id(r), true, &it, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "item", it));
}

static void answer_cart(struct req *r, const struct shop_cart *cart)
{
	json_t *o;
	struct failure f;
	if (shop_cart_json(cart, &o, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "cart", o));
}

void shop_api_cart(struct req *r)
{
	struct shop_cart cart;
	struct failure f;
	if (shop_api_cart_of(r, &cart, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	answer_cart(r, &cart);
}

void shop_api_cart_put(struct req *r)
{
	struct shop_cart cart;
	struct failure f;
	if (shop_api_cart_of(r, &cart, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	int64_t item = strtoll(req_param(r, "item"), NULL, 10);
	int64_t quantity = strtoll(req_param(r, "quantity"), NULL, 10);
	if (shop_cart_set(&cart, item, quantity, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	shop_api_cart_set_cookie(r, &cart);
	answer_cart(r, &cart);
}

void shop_api_order(struct req *r)
{
	struct shop_cart cart;
	struct shop_order_new in;
	struct shop_placed out;
	struct failure f;
	if (shop_api_cart_of(r, &cart, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	shop_api_order_new(r, &cart, &in);
	if (shop_order_place(&in, &out, &f) != 0) {
		if (f.err == ERR_SHOP_PRICE_CHANGED) {
			/* The new total, for the buyer to confirm. */
			resp_json(r, 409,
				  json_pack("{s:{s:s,s:s,s:s},s:I,s:s}", "error", "code",
					    err_code(&f), "message", err_message(&f), "field",
					    "total", "total", (json_int_t)out.total, "currency",
					    app.cfg.shop_currency));
			return;
		}
		resp_failure(r, &f);
		return;
	}
	struct shop_cart none = {.n = 0};
	shop_api_cart_set_cookie(r, &none);
	char link[TOKEN_CHARS + 32];
	snprintf(link, sizeof(link), "/shop/orders/%s", out.token);
	resp_json(r, 201,
		  json_pack("{s:s,s:s,s:I,s:s,s:s,s:s}", "reference", out.reference, "status",
			    "pending", "total", (json_int_t)out.total, "currency",
			    app.cfg.shop_currency, "checkout_url", out.checkout_url, "order_url",
			    link));
}

void shop_api_order_status(struct req *r)
{
	json_t *st;
	struct failure f;
	if (shop_order_status(r->path_params[0], &st, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	r->no_store = true;
	resp_json(r, 200, json_pack("{s:o}", "order", st));
}

void shop_api_return(struct req *r)
{
	json_t *st;
	struct failure f;
	if (shop_order_return(r->path_params[0], &st, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "order", st));
}

void shop_api_webhook(struct req *r)
{
	size_t len;
	const char *body = req_body(r, &len);
	bool applied;
	struct failure f;
	if (shop_webhook(req_header(r, "Stripe-Signature"), body, len, &applied, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b,s:b}", "received", 1, "applied", applied));
}

/* ---- staff ---- */

void shop_api_staff_items(struct req *r)
{
	json_t *list;
	struct failure f;
	int rc = shop_items_list(false, &list, &f);
	answer_list(r, rc, "items", list, &f);
}

static struct shop_item item_of(const struct req *r)
{
	const char *price = req_param(r, "price"), *stock = req_param(r, "stock"),
		   *active = req_param(r, "active");
	return (struct shop_item){.name = req_param(r, "name"),
				  .description = req_param(r, "description"),
				  .price = price ? strtoll(price, NULL, 10) : 0,
				  .stock = stock ? strtoll(stock, NULL, 10) : 0,
				  .active = active ? strcmp(active, "true") == 0 : true,
				  .has_price = price != NULL,
				  .has_stock = stock != NULL,
				  .has_active = active != NULL};
}

static void answer_item(struct req *r, int status, int64_t id)
{
	json_t *it;
	struct failure f;
	if (shop_item_get(id, false, &it, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, status, json_pack("{s:o}", "item", it));
}

void shop_api_item_add(struct req *r)
{
	struct shop_item in = item_of(r);
	int64_t id;
	struct failure f;
	if (shop_item_add(&in, &id, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	answer_item(r, 201, id);
}

void shop_api_item_update(struct req *r)
{
	struct shop_item in = item_of(r);
	struct failure f;
	in.id = shop_api_path_id(r);
	if (shop_item_update(&in, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	answer_item(r, 200, in.id);
}

void shop_api_queue(struct req *r)
{
	const char *state = req_param(r, "state");
	json_t *list;
	struct failure f;
	int rc = shop_orders_queue(state && strcmp(state, "all") == 0, &list, &f);
	answer_list(r, rc, "orders", list, &f);
}

void shop_api_open(struct req *r)
{
	struct broker_actor actor;
	json_t *o;
	struct failure f;
	session_actor(session_current(r), &actor);
	if (shop_order_open(shop_api_path_id(r), &actor, &o, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	r->no_store = true;
	resp_json(r, 200, json_pack("{s:o}", "order", o));
}

void shop_api_ship(struct req *r)
{
	struct broker_actor actor;
	struct failure f;
	int handed = 0;
	const char *carrier = req_param(r, "carrier");
	session_actor(session_current(r), &actor);
	if (shop_order_ship(shop_api_path_id(r), &actor, carrier && strcmp(carrier, "true") == 0,
			    &handed, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:s,s:b}", "status", "shipped", "handed_over", handed > 0));
}

void shop_api_refund(struct req *r)
{
	struct broker_actor actor;
	struct failure f;
	session_actor(session_current(r), &actor);
	if (shop_order_refund(shop_api_path_id(r), &actor, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 202, json_pack("{s:s}", "status", "refund_requested"));
}
