/*
 * handover_page: the administrator's hand-over page in HTML, a thin adapter
 * over handover.h like handover_api.c: the counters per recipient with the
 * channel this process has for it, the hand-overs that failed for good
 * (never a personal value), and a Retry and a Drop button on each, which
 * post, act and come back to the page with a notice (post, redirect, get).
 */
#ifndef GLOVEBOX_HANDOVER_PAGE_H
#define GLOVEBOX_HANDOVER_PAGE_H

#include "http.h"

/* GET /staff/handovers (?done=retried|dropped: the notice after a button). */
void handover_page_show(struct req *r);
/* POST /staff/handovers/:id/retry and .../drop: back to the page, or the
 * page again with the failure (404 for an id not failed for good). */
void handover_page_retry(struct req *r);
void handover_page_drop(struct req *r);

#endif
