/*
 * visits_api: the report's JSON and CSV (see visits_api.h). The gate has
 * checked the staff session and the role's statistics purpose.
 */
#include "visits_api.h"

#include "buf.h"
#include "err.h"
#include "session.h"
#include "visits.h"

/* A CSV report of the longest range over the most areas fits well within. */
#define CSV_MAX (8u * 1024 * 1024)

static int report_of(struct req *r, struct visits_report *out)
{
	struct failure f;
	int64_t first, last;
	if (visits_range(req_param(r, "from"), req_param(r, "to"), &first, &last, &f) != 0 ||
	    visits_report_for(session_current(r)->account, first, last, out, &f) != 0) {
		resp_failure(r, &f);
		return -1;
	}
	return 0;
}

void visits_api_report(struct req *r)
{
	struct visits_report rep;
	if (report_of(r, &rep) != 0)
		return;
	resp_json(r, 200, visits_report_json(&rep));
	visits_report_release(&rep);
}

void visits_api_report_csv(struct req *r)
{
	struct visits_report rep;
	if (report_of(r, &rep) != 0)
		return;
	struct buf csv;
	buf_init(&csv, CSV_MAX);
	if (visits_report_csv(&rep, &csv) != 0) {
		struct failure f;
		err_fail(&f, ERR_INTERNAL);
		resp_failure(r, &f);
	} else {
		resp_header(r, "Content-Disposition", "attachment; filename=\"statistics.csv\"");
		resp_body(r, 200, "text/csv; charset=utf-8", csv.data, csv.len);
	}
	buf_release(&csv);
	visits_report_release(&rep);
}
