/*
 * markdown: cmark with raw HTML off and unsafe link schemes dropped
 * (markdown.h).
 */
#include "markdown.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

/* Schemes a link or an image may keep, compared without case. */
static const char *const safe_schemes[] = {"http:", "https:", "mailto:"};

int markdown_url_safe(const char *url)
{
	if (!url)
		return 1;
	/* A relative address has no scheme: no ':' before the first '/', '?'
	 * or '#'. Control characters and blanks before a scheme (which
	 * browsers skip) make it unsafe outright. */
	size_t n = strcspn(url, ":/?#");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == '\\')
			return 0;
	if (url[n] != ':')
		return 1;
	for (size_t i = 0; i < sizeof(safe_schemes) / sizeof(safe_schemes[0]); i++) {
		size_t k = strlen(safe_schemes[i]);
		if (n + 1 == k && strncasecmp(url, safe_schemes[i], k) == 0)
			return 1;
	}
	return 0;
}

char *markdown_html(const char *text, size_t len)
{
	cmark_node *doc = cmark_parse_document(text, len, CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8);
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) &&
		    !markdown_url_safe(cmark_node_get_url(node)))
			cmark_node_set_url(node, "");
	}
	cmark_iter_free(it);
	char *html = cmark_render_html(doc, CMARK_OPT_SAFE);
	cmark_node_free(doc);
	return html;
}
