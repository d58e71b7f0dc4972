/*
 * pages: rendering HTML pages (site frame, navigation, error pages) and the
 * handlers of the site's own pages: home, health, metrics, static files.
 */
#ifndef GLOVEBOX_PAGES_H
#define GLOVEBOX_PAGES_H

#include <jansson.h>

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

int pages_init(void);   /* ETags of static files; error page hook */

void page_home(struct req *r);
void page_healthz(struct req *r);
void page_metrics(struct req *r);
void page_static(struct req *r);

#endif
