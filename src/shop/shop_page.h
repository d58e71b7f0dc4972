/*
 * shop_page: the shop's pages, a thin adapter over shop.h like shop_api.c:
 * the catalogue and an item, the cart with its order form (the purpose
 * stated and linked, NAM01; no card field: the buyer pays on the
 * processor's page), the link to the processor's page, the page the buyer
 * returns to, and the order link's page. They work without JavaScript.
 */
#ifndef GLOVEBOX_SHOP_PAGE_H
#define GLOVEBOX_SHOP_PAGE_H

#include "http.h"

void shop_page_list(struct req *r);
void shop_page_item(struct req *r);
void shop_page_cart(struct req *r);
void shop_page_cart_post(struct req *r);
void shop_page_checkout(struct req *r);
/* The link to the processor's page: a form may lead only to this site. */
void shop_page_pay(struct req *r);
void shop_page_return(struct req *r);
void shop_page_order(struct req *r);

#endif
