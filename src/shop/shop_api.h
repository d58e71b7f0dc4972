/*
 * shop_api: the JSON adapter of the shop (shop.h): the catalogue, the cart
 * cookie, ordering, the order link, the processor's webhook, and the
 * fulfilment role's catalogue and order queue. The route table declares
 * each call's parameters and who may call it (docs/api.md, docs/shop.md).
 * shop_page.c shares the cart cookie's and the order's helpers.
 */
#ifndef GLOVEBOX_SHOP_API_H
#define GLOVEBOX_SHOP_API_H

#include <stdbool.h>

#include "http.h"
#include "shop.h"

/* The cart cookie's name: "__Host-" behind TLS. */
const char *shop_api_cart_cookie(void);
/* The request's cart. A cookie that is not one glovebox made: *f says so
 * (ERR_SHOP_BAD_CART), the cart is empty and the cookie is cleared. */
int shop_api_cart_of(struct req *r, struct shop_cart *cart, struct failure *f);
/* Sets the cart's cookie on the response (an empty cart clears it). */
void shop_api_cart_set_cookie(struct req *r, const struct shop_cart *cart);
/* The order's fields from the route's parameters; the member from the
 * session, if one is signed in; the total the buyer confirms, if given. */
void shop_api_order_new(struct req *r, const struct shop_cart *cart, struct shop_order_new *in);
/* The id in the route's path (digits: its validator). */
int64_t shop_api_path_id(const struct req *r);

void shop_api_items(struct req *r);
void shop_api_item(struct req *r);
void shop_api_cart(struct req *r);
void shop_api_cart_put(struct req *r);
void shop_api_order(struct req *r);
void shop_api_order_status(struct req *r);
void shop_api_return(struct req *r);
void shop_api_webhook(struct req *r);

void shop_api_staff_items(struct req *r);
void shop_api_item_add(struct req *r);
void shop_api_item_update(struct req *r);
void shop_api_queue(struct req *r);
void shop_api_open(struct req *r);
void shop_api_ship(struct req *r);
void shop_api_refund(struct req *r);

#endif
