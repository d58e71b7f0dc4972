/*
 * visits_api: the aggregate reports (NAM09) as JSON and CSV for staff whose
 * role has the profile's statistics purpose, a thin adapter over visits.h.
 */
#ifndef GLOVEBOX_VISITS_API_H
#define GLOVEBOX_VISITS_API_H

#include "http.h"

/* GET /api/v1/staff/statistics?from=&to=: the report as JSON. */
void visits_api_report(struct req *r);
/* GET /api/v1/staff/statistics.csv?from=&to=: the report as CSV. */
void visits_api_report_csv(struct req *r);

#endif
