/*
 * markdown: a story's Markdown text as HTML safe to place raw in a page.
 * The only file that includes <cmark.h> (as http.c is libmicrohttpd's).
 *
 * Raw HTML is never passed through (cmark's safe mode writes a comment in
 * its place), text is escaped, and every link and image keeps its address
 * only when it is relative or http:, https: or mailto: (checked on the
 * parsed document, so an autolink, a reference link or an entity-encoded
 * scheme such as "&#106;avascript:" is judged by what it decodes to):
 * javascript:, vbscript:, data: and any other scheme become an empty
 * address. A link out (http:, https:) is marked as leaving the site, as
 * every other link out of the site is (INS15): rel="external nofollow ugc
 * noopener", class "external" and the hidden words "(leaves this site)".
 */
#ifndef GLOVEBOX_MARKDOWN_H
#define GLOVEBOX_MARKDOWN_H

#include <stddef.h>

/* The HTML of text (len bytes of UTF-8; invalid bytes are replaced).
 * Free with free(). */
char *markdown_html(const char *text, size_t len);

/* True when a link's address may be kept (exposed for the unit tests). */
int markdown_url_safe(const char *url);

#endif
