/*
 * shop_page: the shop's pages (see shop_page.h). A form that fails comes
 * back with the message next to its field and what was typed kept; a
 * changed price shows the new total with a box to confirm it.
 */
#include "shop_page.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "err.h"
#include "members.h"
#include "page.h"
#include "session.h"
#include "shop.h"
#include "shop_api.h"

/* Minor units as "12.34 usd" for each object's key, into KEY_text. */
static void money_texts(json_t *list, const char *key)
{
	size_t i;
	json_t *o;
	char name[64], text[48];
	snprintf(name, sizeof(name), "%s_text", key);
	json_array_foreach (list, i, o) {
		json_int_t v = json_integer_value(json_object_get(o, key));
		snprintf(text, sizeof(text),
			 "%" JSON_INTEGER_FORMAT ".%02" JSON_INTEGER_FORMAT " %s", v / 100, v % 100,
			 app.cfg.shop_currency);
		json_object_set_new(o, name, json_string(text));
	}
}

static void money_text(json_t *o, const char *key)
{
	json_t *one = json_pack("[O]", o);
	money_texts(one, key);
	json_decref(one);
}

void shop_page_list(struct req *r)
{
	json_t *list;
	struct failure f;
	if (shop_items_list(true, &list, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	money_texts(list, "price");
	json_t *data = page_data(r, "Shop");
	json_object_set_new(data, "items", list);
	page_render(r, 200, "shop", data);
}

void shop_page_item(struct req *r)
{
	json_t *it;
	struct failure f;
	if (shop_item_get(shop_api_path_id(r), true, &it, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	money_text(it, "price");
	json_t *data = page_data(r, json_string_value(json_object_get(it, "name")));
	json_object_set_new(data, "item", it);
	page_render(r, 200, "shop_item", data);
}

/* The cart and the order form; a signed-in member's known details are
 * offered on a first showing. */
static void cart_page(struct req *r, int status, const struct shop_cart *cart,
		      const struct failure *bad_cart, int64_t confirm)
{
	json_t *data = page_form_values(r, page_data(r, "Your cart"));
	json_t *c;
	struct failure f;
	if (shop_cart_json(cart, &c, &f) != 0) {
		json_decref(data);
		resp_failure(r, &f);
		return;
	}
	money_texts(json_object_get(c, "lines"), "price");
	money_texts(json_object_get(c, "lines"), "amount");
	money_text(c, "total");
	json_object_set_new(c, "empty", json_boolean(cart->n == 0));
	json_object_set_new(data, "cart", c);
	if (bad_cart)
		json_object_set_new(data, "cart_error", json_string(err_message(bad_cart)));
	if (confirm >= 0)
		json_object_set_new(data, "confirm_total", json_integer(confirm));
	json_t *values = json_object_get(data, "values"), *known = NULL;
	struct session s;
	if (status == 200 && session_of_request(r, SESSION_MEMBER, &s) &&
	    members_own_record(s.account, &known, &f) == 0)
		json_object_update_missing(values, known);
	json_decref(known);
	page_notice(data, SHOP_POINT);
	r->no_store = true;
	page_render(r, status, "shop_cart", data);
}

void shop_page_cart(struct req *r)
{
	struct shop_cart cart;
	struct failure f;
	int rc = shop_api_cart_of(r, &cart, &f);
	cart_page(r, rc == 0 ? 200 : 400, &cart, rc == 0 ? NULL : &f, -1);
}

void shop_page_cart_post(struct req *r)
{
	struct shop_cart cart;
	struct failure f;
	if (shop_api_cart_of(r, &cart, &f) != 0) {
		cart_page(r, 400, &cart, &f, -1);
		return;
	}
	if (r->nerrors) {
		cart_page(r, 422, &cart, NULL, -1);
		return;
	}
	int64_t item = strtoll(req_param(r, "item"), NULL, 10);
	int64_t quantity = strtoll(req_param(r, "quantity"), NULL, 10);
	if (shop_cart_set(&cart, item, quantity, &f) != 0) {
		cart_page(r, page_form_failure(r, &f, "form"), &cart, NULL, -1);
		return;
	}
	shop_api_cart_set_cookie(r, &cart);
	page_redirect(r, "/shop/cart");
}

void shop_page_checkout(struct req *r)
{
	struct shop_cart cart;
	struct failure f;
	if (shop_api_cart_of(r, &cart, &f) != 0) {
		cart_page(r, 400, &cart, &f, -1);
		return;
	}
	if (r->nerrors) {
		cart_page(r, 422, &cart, NULL, -1);
		return;
	}
	struct shop_order_new in;
	struct shop_placed out;
	shop_api_order_new(r, &cart, &in);
	if (shop_order_place(&in, &out, &f) != 0) {
		int status = page_form_failure(r, &f, "form");
		cart_page(r, status, &cart, NULL, f.err == ERR_SHOP_PRICE_CHANGED ? out.total : -1);
		return;
	}
	struct shop_cart none = {.n = 0};
	shop_api_cart_set_cookie(r, &none);
	/* A form may lead only to this site (CSP form-action 'self', redirects
	 * included): the next page links the processor's. */
	char next[SHOP_REFERENCE_CHARS + 16];
	snprintf(next, sizeof(next), "/shop/pay/%s", out.reference);
	page_redirect(r, next);
}

void shop_page_pay(struct req *r)
{
	char url[SHOP_URL_MAX + 1];
	struct failure f;
	if (shop_order_checkout_url(r->path_params[0], url, sizeof(url), &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_data(r, "Pay on our payment processor's page");
	json_object_set_new(data, "checkout_url", json_string(url));
	r->no_store = true;
	page_render(r, 200, "shop_pay", data);
}

void shop_page_return(struct req *r)
{
	json_t *st;
	struct failure f;
	if (shop_order_return(r->path_params[0], &st, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	money_text(st, "total");
	json_t *data = page_data(r, "Thank you");
	json_object_set_new(data, "paid",
			    json_boolean(strcmp(json_string_value(json_object_get(st, "status")),
						"pending") != 0));
	json_object_set_new(data, "order", st);
	page_render(r, 200, "shop_return", data);
}

void shop_page_order(struct req *r)
{
	json_t *st;
	struct failure f;
	if (shop_order_status(r->path_params[0], &st, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	money_text(st, "total");
	money_texts(json_object_get(st, "lines"), "price");
	json_t *times = json_pack("[O]", st);
	page_times(times, "created_at");
	page_times(times, "paid_at");
	page_times(times, "shipped_at");
	json_decref(times);
	page_times(json_object_get(st, "handovers"), "at");
	json_t *data = page_data(r, "Your order");
	json_object_set_new(data, "order", st);
	r->no_store = true;
	page_render(r, 200, "shop_order", data);
}
