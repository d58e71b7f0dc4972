/*
 * staff_admin_page: the admin console's pages (/staff/admin/...): staff
 * accounts (add, reset, remove; the enrolment token shown once), the
 * access log with its verification, the consent counts. The gate has
 * checked the staff session, the role's security purpose, the CSRF token
 * on a change and, for the changes, a recent password (/staff/reauth).
 */
#ifndef GLOVEBOX_STAFF_ADMIN_PAGE_H
#define GLOVEBOX_STAFF_ADMIN_PAGE_H

#include "http.h"

void staff_admin_page_staff(struct req *r);
void staff_admin_page_add(struct req *r);
void staff_admin_page_reset(struct req *r);
void staff_admin_page_remove(struct req *r);
void staff_admin_page_log(struct req *r);
void staff_admin_page_consents(struct req *r);

#endif
