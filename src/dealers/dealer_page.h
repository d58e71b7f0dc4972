/*
 * dealer_page: the dealers' HTML pages, a thin adapter over dealer.h like
 * dealer_api.c. Staff whose role has the dealer purpose: /staff/dealers
 * (the list, each dealer's channel state, adding one, deactivating or
 * reactivating one) and /staff/dealers/:id (changing one). A member:
 * /me/dealer, the dealers offered with their own policy links and what
 * the member's ask passes on (INS08, INS15).
 */
#ifndef GLOVEBOX_DEALER_PAGE_H
#define GLOVEBOX_DEALER_PAGE_H

#include "req.h"

void dealer_page_staff_list(struct req *r);
void dealer_page_staff_add(struct req *r);
void dealer_page_staff_edit(struct req *r);
void dealer_page_staff_update(struct req *r);
void dealer_page_member(struct req *r);
void dealer_page_member_post(struct req *r);

#endif
