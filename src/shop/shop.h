/*
 * shop: the catalogue, the cart and the orders (NAM02, NAM04, ALL03;
 * docs/shop.md), as domain logic that knows nothing of HTTP (shop_api.c
 * and shop_page.c are its JSON and HTML adapters; checkout.c speaks to the
 * payment processor).
 *
 * Staff whose role has the product_orders purpose (the fulfilment kind)
 * keep the catalogue: items with a name, a description, a price in the
 * currency's minor unit (shop-currency), a stock and an active flag. The
 * cart is the buyer's own, in a cookie MAC'd under a sub-key of the master
 * key: item ids, quantities and the price each line was added at; nothing
 * about the buyer. An order takes the cart with the buyer's name, e-mail,
 * phone and shipping address, sealed under a customer subject of its own
 * (owned by the member who ordered while signed in) for the product_orders
 * purpose only; the prices are the catalogue's at order time, a changed
 * one must be confirmed, and the stock is reserved in the order's
 * transaction. Payment is the processor's: glovebox opens a hosted
 * checkout session and learns the result from the session and the
 * processor's signed webhooks; it keeps the processor's references and the
 * card's brand and last four, never a card number (SAQ A). The fulfilment
 * queue ships a paid order, handing name, postal address and phone to the
 * shipping carrier through the hand-over path, and asks the processor for
 * refunds.
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_SHOP_H
#define GLOVEBOX_SHOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "policy.h"
#include "token.h"

struct broker_actor;

/* An item's name and description, in bytes. */
#define SHOP_NAME_MAX	     200
#define SHOP_DESCRIPTION_MAX 2000
/* The highest price (minor units) and stock an item may have. */
#define SHOP_PRICE_MAX 100000000
#define SHOP_STOCK_MAX 1000000
/* The most items and orders one listing shows. */
#define SHOP_LIST_MAX 200
/* The most lines any cart can hold, whatever shop-max-lines says. */
#define SHOP_LINES_MAX 50
/* An order's reference: random, base64url; what the processor sees. */
#define SHOP_REFERENCE_CHARS 16
/* The longest URL the processor may send the buyer to. */
#define SHOP_URL_MAX 2048
/* The cart cookie's value at most (it must fit a browser's 4 KiB). */
#define SHOP_CART_COOKIE_MAX 3800

/* The profile's collection point for orders, and who ships them. */
#define SHOP_POINT   POLICY_SHOP_POINT
#define SHOP_CARRIER "shipping_carrier"

/* Whether the profile has a shop (its product_order point exists).
 * Everywhere else the routes answer 404. */
bool shop_offered(void);

/* ---- the catalogue ---- */

struct shop_item {
	int64_t id;
	const char *name, *description;
	int64_t price, stock;
	bool active;
	bool has_price, has_stock, has_active; /* update: which are given */
};

/* The items as [{id, name, description, price, currency, stock, active}],
 * oldest first; active_only for the public list. ERR_NO_SHOP, ERR_STORE. */
int shop_items_list(bool active_only, json_t **list, struct failure *f);
/* One item as above; ERR_SHOP_NO_SUCH_ITEM when there is none, or it is
 * inactive and active_only. */
int shop_item_get(int64_t id, bool active_only, json_t **item, struct failure *f);
/* Adds an item (*id gets it) or changes one (only the fields given).
 * ERR_NO_SHOP, ERR_SHOP_ITEM_FIELD, ERR_SHOP_NO_SUCH_ITEM, ERR_STORE. */
int shop_item_add(const struct shop_item *in, int64_t *id, struct failure *f);
int shop_item_update(const struct shop_item *in, struct failure *f);

/* ---- the cart ---- */

struct shop_line {
	int64_t item, quantity, price; /* price: the unit price when added */
};
struct shop_cart {
	struct shop_line lines[SHOP_LINES_MAX];
	size_t n;
};

/* Reads a cart cookie (NULL or empty: an empty cart). A value that is not
 * one glovebox made, or that breaks the limits, is ERR_SHOP_BAD_CART with
 * *cart empty. */
int shop_cart_decode(const char *cookie, struct shop_cart *cart, struct failure *f);
/* The cookie value for a cart (out: SHOP_CART_COOKIE_MAX + 1 bytes). */
void shop_cart_encode(const struct shop_cart *cart, char *out, size_t outlen);
/* Sets the quantity of item (0 takes it out) at its catalogue price now.
 * ERR_SHOP_QUANTITY, ERR_SHOP_NO_SUCH_ITEM, ERR_SHOP_CART_FULL, ERR_STORE. */
int shop_cart_set(struct shop_cart *cart, int64_t item, int64_t quantity, struct failure *f);
/* The cart as {lines: [{item, name, quantity, price, cart_price, amount,
 * available}], total, currency, price_changed}: prices are the catalogue's
 * now; a line whose item left the catalogue is available false. */
int shop_cart_json(const struct shop_cart *cart, json_t **out, struct failure *f);

/* ---- ordering ---- */

enum shop_part { SHOP_NAME, SHOP_EMAIL, SHOP_POSTAL_ADDRESS, SHOP_PHONE, SHOP_NPARTS };
extern const char *const shop_part_names[SHOP_NPARTS];

struct shop_order_new {
	const struct shop_cart *cart;
	const char *value[SHOP_NPARTS]; /* NULL or empty: not given */
	int64_t member;			/* the signed-in member ordering, or 0 */
	bool has_confirm;		/* the buyer confirms this total */
	int64_t confirm_total;
};

struct shop_placed {
	int64_t id, total;
	int64_t subject; /* the buyer's (a customer subject) */
	char reference[SHOP_REFERENCE_CHARS + 1];
	char token[TOKEN_CHARS + 1]; /* the order link's */
	char checkout_url[SHOP_URL_MAX + 1];
};

/*
 * Places an order from the cart: the buyer's fields (a member's known
 * details fill in what they left out; none may look like a card number),
 * the catalogue's prices now (ERR_SHOP_PRICE_CHANGED with out->total set
 * when one differs from the cart's and the buyer did not confirm that
 * total), the stock reserved and the order stored in one transaction;
 * then the checkout session opened at the processor, and its id and the
 * order's one mail (with the order link) stored in another. When the
 * processor fails the order is cancelled, its stock released and nobody
 * mailed (ERR_SHOP_PROCESSOR). ERR_NO_SHOP, ERR_SHOP_BAD_CART,
 * ERR_SHOP_CART_EMPTY, ERR_SHOP_NO_SUCH_ITEM, ERR_SHOP_MISSING,
 * ERR_SHOP_CARD_NUMBER, ERR_SHOP_OUT_OF_STOCK, ERR_REFUSED, ERR_STORE.
 */
int shop_order_place(const struct shop_order_new *in, struct shop_placed *out, struct failure *f);

/* The processor's checkout page of a pending order (url: SHOP_URL_MAX + 1
 * bytes). ERR_NO_SUCH_ORDER (none, or no longer pending), ERR_STORE. */
int shop_order_checkout_url(const char *reference, char *url, size_t n, struct failure *f);

/* Whether text holds a run of 13 to 19 digits (spaces and dashes between
 * them allowed) that passes the Luhn check: a payment card number. */
bool shop_looks_like_card_number(const char *text);

/*
 * The buyer's return from the processor: asks the processor for the
 * order's session and applies it (paid exactly once). *out: {reference,
 * status}. ERR_NO_SUCH_ORDER, ERR_SHOP_PROCESSOR, ERR_STORE.
 */
int shop_order_return(const char *reference, json_t **out, struct failure *f);

/*
 * What the order link shows: {reference, status, currency, total, lines:
 * [{name, quantity, price}], created_at, paid_at, shipped_at, handovers};
 * no value the buyer typed. ERR_NO_SUCH_ORDER, ERR_STORE.
 */
int shop_order_status(const char *token, json_t **out, struct failure *f);

/* ---- the processor's webhooks ---- */

/*
 * Verifies a webhook (the Stripe-Signature header over the exact body) and
 * applies it: checkout.session.completed (paid, once), .expired (stock
 * released, unless paid), charge.refunded (refunded). An event id already
 * applied, or an event that no longer fits the order's state, changes
 * nothing. *applied: whether it changed an order. ERR_SHOP_BAD_SIGNATURE,
 * ERR_BAD_JSON, ERR_SHOP_UNKNOWN_SESSION, ERR_SHOP_PROCESSOR, ERR_STORE.
 */
int shop_webhook(const char *signature, const char *body, size_t len, bool *applied,
		 struct failure *f);

/* ---- the fulfilment queue ---- */

/* The orders as [{id, reference, status, total, currency, created_at,
 * paid_at, shipped_at}]: paid ones oldest first, or all newest first. */
int shop_orders_queue(bool all, json_t **list, struct failure *f);

/* Opens an order as actor (logged by the broker): the queue's fields with
 * lines, fields {name, email, postal_address, phone, order_details,
 * card_brand, card_last4} and handovers. ERR_NO_SUCH_ORDER, ERR_REFUSED,
 * ERR_ERASED, ERR_STORE. */
int shop_order_open(int64_t id, const struct broker_actor *actor, json_t **out, struct failure *f);

/* Marks a paid order shipped and, by_carrier, queues the hand-over of
 * name, postal address and phone (never the e-mail or the card) to
 * SHOP_CARRIER. *handed_over: 1 when queued. ERR_NO_SUCH_ORDER,
 * ERR_SHOP_ORDER_STATE, ERR_REFUSED, ERR_ERASED, ERR_STORE. */
int shop_order_ship(int64_t id, const struct broker_actor *actor, bool by_carrier, int *handed_over,
		    struct failure *f);

/* Asks the processor to refund a paid or shipped order; the order reads
 * refund_requested until the processor's charge.refunded webhook.
 * ERR_NO_SUCH_ORDER, ERR_SHOP_ORDER_STATE, ERR_SHOP_PROCESSOR, ERR_STORE. */
int shop_order_refund(int64_t id, const struct broker_actor *actor, struct failure *f);

#endif
