/*
 * visits_page: the hook that counts page views and the staff report page
 * (see visits_page.h).
 */
#include "visits_page.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "page.h"
#include "session.h"
#include "token.h"
#include "visits.h"

static bool is_html(const char *content_type)
{
	return content_type && strncmp(content_type, "text/html", 9) == 0;
}

void visits_page_observe(const struct req *r)
{
	const struct route *rt = r->route;
	if (!visits_counting() || !rt || r->method != HTTP_GET || r->status != 200 ||
	    (rt->flags & (ROUTE_API | ROUTE_METRICS)) || rt->access == ACCESS_STAFF ||
	    !is_html(r->content_type))
		return;
	unsigned char hash[TOKEN_HASH_BYTES];
	bool signed_in = session_request_hash(r, SESSION_MEMBER, hash);
	struct visits_seen v = {
		.area = rt->pattern,
		.client = req_client_address(r),
		.user_agent = req_header(r, "User-Agent"),
		.referer = req_header(r, "Referer"),
		.host = req_header(r, "Host"),
		.session = signed_in ? hash : NULL,
	};
	visits_record(&v);
}

/* The chart of the longest range over many areas fits well within. */
#define SVG_MAX (4u * 1024 * 1024)

static json_t *cell_page(const struct visits_cell *c)
{
	return c->shown ? json_pack("{s:b,s:I,s:I}", "shown", 1, "visitors",
				    (json_int_t)c->visitors, "views", (json_int_t)c->views)
			: json_pack("{s:b}", "shown", 0);
}

void visits_page_report(struct req *r)
{
	struct failure f;
	int64_t first, last;
	struct visits_report rep;
	json_t *data = page_data(r, "Visits");
	if (visits_range(req_param(r, "from"), req_param(r, "to"), &first, &last, &f) != 0 ||
	    visits_report_for(session_current(r)->account, first, last, &rep, &f) != 0) {
		/* The message above the form: a range refused, or the privacy
		 * budget spent (with Retry-After). */
		int status = page_form_failure(r, &f, "from");
		page_render(r, status, "staff_statistics", page_form_values(r, data));
		return;
	}
	json_t *doc = visits_report_json(&rep);
	json_t *rows = json_array(), *totals = json_array();
	for (size_t a = 0; a < rep.nareas; a++) {
		json_t *cells = json_array();
		for (size_t d = 0; d < rep.ndays; d++)
			json_array_append_new(cells, cell_page(&rep.cells[a * rep.ndays + d]));
		json_array_append_new(rows,
				      json_pack("{s:s,s:o,s:o}", "area", rep.areas[a], "cells",
						cells, "total", cell_page(&rep.area_totals[a])));
	}
	for (size_t d = 0; d < rep.ndays; d++)
		json_array_append_new(totals, cell_page(&rep.day_totals[d]));
	struct buf svg;
	buf_init(&svg, SVG_MAX);
	if (visits_report_svg(&rep, &svg) == 0)
		json_object_set_new(data, "chart", json_stringn(svg.data, svg.len));
	buf_release(&svg);
	json_object_set(data, "from", json_object_get(doc, "from"));
	json_object_set(data, "to", json_object_get(doc, "to"));
	json_object_set(data, "days", json_object_get(doc, "days"));
	json_object_set_new(data, "rows", rows);
	json_object_set_new(data, "day_totals", totals);
	json_object_set_new(data, "total", cell_page(&rep.total));
	json_object_set_new(data, "min_group", json_integer(rep.min_group));
	json_object_set_new(data, "profile", json_string(rep.profile));
	json_object_set_new(data, "profile_version", json_integer(rep.profile_version));
	if (rep.noised) {
		char eps[32], spent[32], budget[32];
		snprintf(eps, sizeof(eps), "%g", rep.epsilon);
		snprintf(spent, sizeof(spent), "%g", rep.spent);
		snprintf(budget, sizeof(budget), "%g", rep.budget);
		json_object_set_new(data, "noise",
				    json_pack("{s:s,s:s,s:s}", "epsilon", eps, "spent", spent,
					      "budget", budget));
	}
	json_decref(doc);
	visits_report_release(&rep);
	page_render(r, 200, "staff_statistics", data);
}
