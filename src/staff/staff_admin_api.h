/*
 * staff_admin_api: the admin console's JSON API (/api/v1/staff/admin/...;
 * docs/api.md, "Staff"), a thin adapter over staff.h and staff_admin.h.
 * The gate has checked the staff session, the role's security purpose, the
 * CSRF token on a change and, for the changes, a recent password.
 */
#ifndef GLOVEBOX_STAFF_ADMIN_API_H
#define GLOVEBOX_STAFF_ADMIN_API_H

#include "http.h"
#include "staff.h"
#include "staff_admin.h"

void staff_admin_api_list(struct req *r);
void staff_admin_api_add(struct req *r);
void staff_admin_api_reset(struct req *r);
void staff_admin_api_remove(struct req *r);
void staff_admin_api_log(struct req *r);
void staff_admin_api_consents(struct req *r);

/* Shared with the pages. */
/* The admin acting, from the request's staff session. */
void staff_admin_api_who(const struct req *r, struct staff_admin *who);
/* The access log's filter as the request gives it (query parameters
 * member, staff, page). */
void staff_admin_api_filter(const struct req *r, struct staff_log_filter *q);
/* The account the path names (/.../staff/:id), 0 when none. */
int64_t staff_admin_api_target(const struct req *r);
/* The address a new or reset account enrols at, for its token: the path
 * and the token, within STAFF_ENROL_LINK_MAX bytes. */
#define STAFF_ENROL_LINK_MAX (sizeof("/staff/enrol?token=") + TOKEN_CHARS)
void staff_admin_api_enrol_link(const struct staff_token *t, char *out, size_t n);

#endif
