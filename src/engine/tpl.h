/*
 * tpl: HTML templates that escape by default. A mustache-like language over
 * jansson values, compiled once at start from the embedded templates/ files
 * (templates/home.html is named "home").
 *
 *   {{name}}          value, HTML-escaped (strings, numbers, true/false)
 *   {{a.b.c}}         dotted lookup; {{.}} is the current value
 *   {{&name}}         raw, unescaped: the explicit marker for trusted HTML
 *   {{#name}}..{{/name}}  section: repeated per array element, entered for
 *                     an object, shown once for any other truthy value;
 *                     skipped for null, false, "", 0, [] or missing
 *   {{^name}}..{{/name}}  inverted section: shown when the above is skipped
 *   {{>other}}        includes template "other" with the current context
 *   {{! comment }}
 *
 * Lookups search the context stack from the innermost value outwards.
 */
#ifndef GLOVEBOX_TPL_H
#define GLOVEBOX_TPL_H

#include <jansson.h>
#include <stddef.h>

struct buf;
struct tpl_set;

/* Compiles every embedded templates/NAME.html. A syntax error fails with
 * "templates/x.html:LINE: message" in err. */
int tpl_set_load(struct tpl_set **out, char *err, size_t errlen);
/* Compiles templates from (name, text) pairs; used by the unit tests. */
int tpl_set_from_strings(struct tpl_set **out, const char *const *names, const char *const *texts,
			 size_t n, char *err, size_t errlen);
void tpl_set_free(struct tpl_set *set);
int tpl_exists(const struct tpl_set *set, const char *name);
/* Appends the rendering to out. -1 if the template is unknown, includes
 * nest deeper than 16, or out's maximum is reached. */
int tpl_render(const struct tpl_set *set, const char *name, json_t *data, struct buf *out);

#endif
