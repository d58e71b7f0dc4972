/*
 * visits_page: the hook that counts page views and the staff report page
 * (see visits_page.h).
 */
#include "visits_page.h"

#include <string.h>

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
