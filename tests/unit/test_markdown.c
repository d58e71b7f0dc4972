/*
 * Unit tests for markdown.c: the scheme rule for link and image addresses,
 * and the rendered HTML of the usual XSS vectors (raw HTML, javascript:
 * links written every way, data: and vbscript:, autolinks, reference
 * links, images) with nothing active left in it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "markdown.h"

static void test_url_rule(void **state)
{
	const char *safe[] = {"https://www.miniusa.com/",
			      "http://a.b/c",
			      "mailto:a@b.c",
			      "HTTPS://X.Y/",
			      "/stories/1",
			      "#top",
			      "page?x=1:2",
			      "",
			      NULL};
	const char *unsafe[] = {"javascript:alert(1)", "JavaScript:alert(1)", "vbscript:x",
				"data:text/html,x",    " javascript:x",	      "\tjavascript:x",
				"java\nscript:x",      "file:///etc/passwd",  "x:y"};
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		assert_true(markdown_url_safe(safe[i]));
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++)
		assert_false(markdown_url_safe(unsafe[i]));
}

static void render_inert(const char *md)
{
	char *html = markdown_html(md, strlen(md));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "onerror"));
	assert_null(strstr(html, "onclick"));
	/* The schemes may remain as text (an autolink's), never as an address. */
	assert_null(strstr(html, "=\"javascript:"));
	assert_null(strstr(html, "=\"vbscript:"));
	assert_null(strstr(html, "=\"data:"));
	assert_null(strstr(html, "=\"&#"));
	free(html);
}

static void test_xss_vectors_inert(void **state)
{
	render_inert("<script>alert(1)</script>");
	render_inert("<img src=x onerror=alert(1)>");
	render_inert("[a](javascript:alert(1))");
	render_inert("[a](JAVASCRIPT:alert(1))");
	render_inert("[a](&#106;avascript:alert(1))");
	render_inert("[a](&#x6A;avascript:alert(1))");
	render_inert("<javascript:alert(1)>");
	render_inert("[a][r]\n\n[r]: javascript:alert(1)");
	render_inert("![i](javascript:alert(1))");
	render_inert("![i](data:image/png;base64,AAAA)");
	render_inert("[v](vbscript:msgbox(1))");
	render_inert("<a href=\"javascript:x\" onclick=\"y\">z</a>");
	/* A quote in a link out cannot end the attribute it is written into. */
	render_inert("[q](https://a.b/\"onmouseover=\"alert(1))");
	char *html =
		markdown_html("[q](<https://a.b/\"x=\"y>)", strlen("[q](<https://a.b/\"x=\"y>)"));
	assert_non_null(strstr(html, "href=\"https://a.b/&quot;x=&quot;y\""));
	free(html);
}

static void test_safe_markdown_kept(void **state)
{
	const char *md = "*hi* [site](https://www.miniusa.com/) <https://example.org/x>";
	char *html = markdown_html(md, strlen(md));
	assert_non_null(strstr(html, "<em>hi</em>"));
	assert_non_null(strstr(html,
			       "href=\"https://www.miniusa.com/\" rel=\"external nofollow ugc "
			       "noopener\" class=\"external\">site<span"));
	assert_non_null(strstr(html, "href=\"https://example.org/x\""));
	assert_non_null(strstr(html, "(leaves this site)</span></a>"));
	free(html);
	/* Escaped text stays text. */
	html = markdown_html("&lt;b&gt; 1 < 2", strlen("&lt;b&gt; 1 < 2"));
	assert_non_null(strstr(html, "&lt;b&gt; 1 &lt; 2"));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_rule),
		cmocka_unit_test(test_xss_vectors_inert),
		cmocka_unit_test(test_safe_markdown_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
