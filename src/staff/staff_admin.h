/*
 * staff_admin: the admin console's reading side (docs/operations.md, "The
 * admin console"), as domain logic that knows nothing of HTTP: the access
 * log with its verification, filtered and paginated, and each purpose's
 * consent counts. The console's changes to staff accounts are in staff.h
 * (staff_admin_add, _reset, _remove). What an admin looks at here is
 * appended to the access log too, as what they change is.
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_STAFF_ADMIN_H
#define GLOVEBOX_STAFF_ADMIN_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "staff.h"

/* Entries on one page of the access log, newest first. */
#define STAFF_LOG_PAGE_SIZE 50

/* Which entries: 0 for any. member: the entry's subject; staff: the staff
 * account that acted. page counts from 1. */
struct staff_log_filter {
	int64_t member, staff, page;
};

/*
 * The chain's verification (audit_verify, as `glovebox audit verify` runs
 * it without a log file) and one page of entries:
 * {"verification": {"intact", "entries", "head", "broken_at", "why"},
 *  "entries": [{seq, at, actor_kind, actor_id, role, recipient, subject,
 *  purpose, categories, action}], "page", "page_size", "more"}.
 * The view is appended to the access log (action access_log_viewed, the
 * subject the member filtered by, else 0) after the chain is verified.
 * ERR_STORE.
 */
int staff_admin_log(const struct staff_admin *who, const struct staff_log_filter *q, json_t **out,
		    struct failure *f);

/*
 * Each purpose of the profile with its choices counted (broker.h,
 * broker_consent_counts): {"purposes": [{id, label, basis, granted,
 * refused, waiting}], "opt_out_window_days"}. Aggregate only: no subject
 * is named. Appended to the access log as consent_counts_viewed (subject
 * 0). ERR_STORE.
 */
int staff_admin_consents(const struct staff_admin *who, json_t **out, struct failure *f);

#endif
