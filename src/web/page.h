/*
 * page: rendering HTML pages (site frame, navigation, error pages, forms
 * shown again with the message next to the field) and the handlers of the
 * site's own pages: home, health, metrics, static files. A feature's page
 * adapter calls its domain part and renders the result with these.
 */
#ifndef GLOVEBOX_PAGE_H
#define GLOVEBOX_PAGE_H

#include <jansson.h>
#include <stdbool.h>

#include "http.h"

/* Builds the data every page shares (site name, navigation with the
 * current entry marked, stylesheet version; on a form that starts a
 * session, the pre-session token the gate set, as csrf_token). */
json_t *page_data(const struct req *r, const char *title);
/* Renders template name with data (ownership of data is taken) as the
 * response. A template error answers 500. */
void page_render(struct req *r, int status, const char *name, json_t *data);

/* Adds the NAM01 notice for a form: the purpose of the profile's
 * collection point and a link to the privacy notice in force. */
void page_notice(json_t *data, const char *collection_id);

/*
 * Forms and their errors (issue 17). A form's handler shows the form again
 * with every error at once:
 *   - the route's declared parameters that failed their checks are already
 *     in r->errors (ROUTE_FORM_ERRORS);
 *   - a domain validator that goes on past the first wrong field fills a
 *     struct failures (err.h), and the handler calls page_form_failures;
 *     one domain failure goes through page_form_failure;
 *   - the handler renders with page_form_values(r, page_data(...)), and the
 *     template puts {{>form_errors}} first in its main content (the
 *     summary: a link to each field, focused when JavaScript runs) and, on
 *     each field, id="<name>" and {{#errors.<name>}} aria-invalid="true"
 *     aria-describedby="<name>-error"{{/errors.<name>}} with the message in
 *     <span class="field-error" id="<name>-error">.
 * Messages name a field by its label (page.c's form_fields table).
 */

/* Adds to data "errors" (field: message in words), "error_list" (the
 * summary's items in order: field, message, href), "values" (never
 * passwords or codes) and "has_errors"; "Error: " before the title when
 * there are errors. */
json_t *page_form_values(struct req *r, json_t *data);
/* Records a message for a form field (NULL: the whole form). */
void page_add_error(struct req *r, const char *field, const char *message);
/* A domain failure shown on its form: the message next to its field (or
 * default_field), Retry-After when it has one; the status to render the
 * form with (its 4xx, but 422 for a wrong password, or 503). */
struct failure;
int page_form_failure(struct req *r, const struct failure *f, const char *default_field);
/* Every failure of fs on the form, as page_form_failure each; the status of
 * the first (422 when fs is empty). */
struct failures;
int page_form_failures(struct req *r, const struct failures *fs, const char *default_field);
/* The gate's refusal of a form before its handler runs (a limit per client
 * address reached): the message goes on the form, which the handler shows
 * again as for a field it cannot take (r->nerrors), and page_render answers
 * with the refusal's status and Retry-After. */
void page_form_refused(struct req *r, const struct failure *f);
/* Whether the gate refused this form (page_form_refused): a handler that
 * cannot show its form again answers with the refusal itself. */
bool page_form_limited(const struct req *r);
/* 303 See Other to location, dropping any body. */
void page_redirect(struct req *r, const char *location);

/* For each object in list, adds KEY_text: its Unix time KEY as
 * "YYYY-MM-DD HH:MM UTC". */
void page_times(json_t *list, const char *key);

int page_init(void); /* ETags of static files; error page hook */

void page_home(struct req *r);
void page_healthz(struct req *r);
void page_metrics(struct req *r);
void page_static(struct req *r);

#endif
