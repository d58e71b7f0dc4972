/*
 * pages: rendering HTML pages (site frame, navigation, error pages) and the
 * handlers of the site's own pages: home, health, metrics, static files.
 */
#ifndef GLOVEBOX_PAGES_H
#define GLOVEBOX_PAGES_H

#include <jansson.h>
#include <stdbool.h>

#include "http.h"

/* Builds the data every page shares (site name, navigation with the
 * current entry marked, stylesheet version) and adds it to data. */
json_t *page_data(const struct req *r, const char *title);
/* Renders template name with data (ownership of data is taken) as the
 * response. A template error answers 500. */
void page_render(struct req *r, int status, const char *name, json_t *data);

/* Adds the NAM01 notice for a form: the purpose of the profile's
 * collection point and a link to the privacy notice in force. */
void page_notice(json_t *data, const char *collection_id);

/* HTML forms that post to a page handler which calls the API handler: */
/* Calls an API handler with JSON errors; true if it answered 2xx. */
bool page_call_api(struct req *r, void (*api)(struct req *r));
/* The API answer's error, if it is one (copied into the request's arena). */
bool page_api_error(struct req *r, const char **field, const char **message);
/* The API answer's error code ("reauth_required"), or NULL. */
const char *page_api_error_code(struct req *r);
/* Adds "errors", "values" (never passwords or codes) and "has_errors" to data. */
json_t *page_form_values(struct req *r, json_t *data);
/* Records a message for a form field (NULL: the whole form). */
void page_add_error(struct req *r, const char *field, const char *message);
/* Calls an API handler for a page that shows its answer: the JSON answer
 * (NULL if it failed; *status says how), the response left empty. */
json_t *page_api_json(struct req *r, void (*api)(struct req *r), int *status);
/* After page_call_api failed: its JSON error as the HTML error page. */
void page_api_error_page(struct req *r);
/* 303 See Other to location, dropping any body. */
void page_redirect(struct req *r, const char *location);

/* For each object in list, adds KEY_text: its Unix time KEY as
 * "YYYY-MM-DD HH:MM UTC". */
void page_times(json_t *list, const char *key);

int pages_init(void);   /* ETags of static files; error page hook */

void page_home(struct req *r);
void page_healthz(struct req *r);
void page_metrics(struct req *r);
void page_static(struct req *r);

#endif
