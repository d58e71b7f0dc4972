/*
 * visits_page: the visit counter's hook in the request path and the staff
 * report page (docs/visits.md), thin adapters over visits.h.
 */
#ifndef GLOVEBOX_VISITS_PAGE_H
#define GLOVEBOX_VISITS_PAGE_H

#include "http.h"

/*
 * The observer the server installs (http_set_observer): counts the request
 * when it is a page view. What counts: a GET of an HTML page (not an API
 * call, a static file or /metrics, nor a staff page) answered 200 by its
 * handler. Redirects, errors and refusals by the gate are not views.
 */
void visits_page_observe(const struct req *r);

/* GET /staff/statistics?from=&to=: the report as a table and an SVG chart
 * (no script), with links to its CSV and JSON (NAM09). */
void visits_page_report(struct req *r);

/* GET /staff/statistics: counts per area and day as a table and an SVG
 * chart (?from=YYYY-MM-DD&to=YYYY-MM-DD, by default the last 28 days that
 * have ended). */

#endif
