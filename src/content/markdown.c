/*
 * markdown: cmark with raw HTML off and unsafe link schemes dropped
 * (markdown.h).
 */
#include "markdown.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "buf.h"
#include "mem.h"

/* The most links one text marks as leaving the site; beyond, a link keeps
 * cmark's own rendering (still only a safe address). */
#define MARKED_LINKS_MAX 256
/* An opening tag with its address, escaped for the attribute. */
#define LINK_TAG_MAX 4096

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

/* True for an address that leaves the site (http: or https:). */
static int leaves_site(const char *url)
{
	return url && (strncasecmp(url, "http:", 5) == 0 || strncasecmp(url, "https:", 6) == 0);
}

/*
 * A link out is marked as leaving the site, as every such link of the site
 * is (INS15): the link node becomes a custom inline whose opening and
 * closing HTML carry rel="external", the class and the hidden words, with
 * the link's own children inside (rendered and escaped by cmark as before).
 */
static void mark_external(cmark_node *link)
{
	struct buf tag;
	buf_init(&tag, LINK_TAG_MAX);
	const char *url = cmark_node_get_url(link);
	if (buf_puts(&tag, "<a href=\"") != 0 || buf_put_html(&tag, url, strlen(url)) != 0 ||
	    buf_puts(&tag, "\" rel=\"external nofollow ugc noopener\" class=\"external\">") != 0) {
		buf_release(&tag);
		return; /* too long to mark: cmark renders it as a plain link */
	}
	cmark_node *out = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
	cmark_node_set_on_enter(out, tag.data);
	cmark_node_set_on_exit(out,
			       "<span class=\"visually-hidden\"> (leaves this site)</span></a>");
	buf_release(&tag);
	cmark_node *child;
	while ((child = cmark_node_first_child(link)) != NULL)
		cmark_node_append_child(out, child);
	cmark_node_replace(link, out);
	cmark_node_free(link);
}

char *markdown_html(const char *text, size_t len)
{
	cmark_node *doc = cmark_parse_document(text, len, CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8);
	cmark_node *out[MARKED_LINKS_MAX];
	size_t nout = 0;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_LINK && t != CMARK_NODE_IMAGE))
			continue;
		if (!markdown_url_safe(cmark_node_get_url(node)))
			cmark_node_set_url(node, "");
		else if (t == CMARK_NODE_LINK && leaves_site(cmark_node_get_url(node)) &&
			 nout < MARKED_LINKS_MAX)
			out[nout++] = node;
	}
	cmark_iter_free(it);
	/* Changed after the walk: the iterator must not see the tree move. */
	for (size_t i = 0; i < nout; i++)
		mark_external(out[i]);
	char *html = cmark_render_html(doc, CMARK_OPT_SAFE);
	cmark_node_free(doc);
	return html;
}
