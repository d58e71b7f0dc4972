/*
 * Unit tests for the picture of where data goes (src/privacy/flows.c): the
 * flows of a small profile, category -> purpose and purpose -> recipient
 * with the recipient's fields (none: no flow), in the SVG and in words; a
 * member's choices drawn off; a deterministic layout whose height comes from
 * the longest column and whose labels wrap; every hostile label escaped;
 * and a full buffer refused, not cut. Includes flows.c to reach its layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/privacy/flows.c"

/* Four categories (one with a hostile label), four purposes of every basis
 * (one using no data), two recipients: one takes a purpose for which it
 * would receive none of its fields. */
static const char small_profile[] =
	"profile: flows-test\n"
	"version: 1\n"
	"effective: 2024-02-29\n"
	"site:\n"
	"  name: Flows Club\n"
	"contact:\n"
	"  email: privacy@flows-club.net\n"
	"settings:\n"
	"  minimum_age: 13\n"
	"  aggregate_min_group: 5\n"
	"  opt_out_window_days: 30\n"
	"  reauth_minutes: 5\n"
	"categories:\n"
	"  - id: name\n"
	"    label: Name\n"
	"  - id: email\n"
	"    label: E-mail address\n"
	"  - id: postal_address\n"
	"    label: Postal address\n"
	"  - id: hostile\n"
	"    label: '<script>alert(\"cat\")</script> & ''quoted'''\n"
	"subjects:\n"
	"  - id: member\n"
	"purposes:\n"
	"  - id: account\n"
	"    label: Your account, with a label long enough to be wrapped over lines\n"
	"    description: Running it.\n"
	"    kind: account\n"
	"    basis: required\n"
	"    subjects: [member]\n"
	"    categories: [name, email, hostile]\n"
	"    retention: {name: account, email: account, hostile: account}\n"
	"  - id: news\n"
	"    label: News <b>by</b> e-mail\n"
	"    description: News.\n"
	"    kind: communication\n"
	"    basis: opt_in\n"
	"    subjects: [member]\n"
	"    categories: [email]\n"
	"    retention: {email: account}\n"
	"  - id: letters\n"
	"    label: Letters\n"
	"    description: Letters.\n"
	"    kind: communication\n"
	"    basis: opt_out\n"
	"    subjects: [member]\n"
	"    categories: [name, postal_address]\n"
	"    retention: {name: account, postal_address: account}\n"
	"  - id: stats\n"
	"    label: Counting visits\n"
	"    description: Counts.\n"
	"    kind: aggregate_statistics\n"
	"    basis: notice\n"
	"    subjects: [member]\n"
	"    categories: []\n"
	"    retention: {}\n"
	"recipients:\n"
	"  - id: mailer\n"
	"    name: '\"><svg onload=alert(1)> Mailer'\n"
	"    kind: service_provider\n"
	"    contract: M-1\n"
	"    policy_url: https://mailer-company.net/privacy\n"
	"    purposes: [news, letters]\n"
	"    fields: [name, email]\n"
	"  - id: printer\n"
	"    name: Printer\n"
	"    kind: service_provider\n"
	"    contract: P-1\n"
	"    purposes: [letters, news]\n"
	"    fields: [postal_address]\n"
	"scope:\n"
	"  sites: [flows-club.net]\n"
	"  statement: This notice covers the Flows Club site.\n"
	"security:\n"
	"  - Personal data is stored encrypted.\n"
	"cookies:\n"
	"  - {name: gb_presession, purpose: strictly_necessary, lifetime: session, holds: A "
	"token.}\n"
	"  - {name: gb_staff, purpose: strictly_necessary, lifetime: 8h, holds: A session.}\n"
	"  - {name: gb_staff_browser, purpose: strictly_necessary, lifetime: 180d, holds: A "
	"browser.}\n";

static struct policy *small(void)
{
	struct policy_diags d = {0};
	struct policy *p = policy_load(small_profile, strlen(small_profile), &d);
	if (!p) {
		policy_diags_print(&d, "(small_profile)", stderr);
		fail_msg("the small profile does not load");
	}
	return p;
}

static char *render(const struct policy *p, const json_t *choices)
{
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(flows_write(&out, p, choices), 0);
	return buf_detach(&out, NULL);
}

/* The value of attribute name in the element starting at el. */
static void attr(struct buf *out, const char *el, const char *name)
{
	const char *end = strchr(el, '>');
	char key[32];
	snprintf(key, sizeof(key), " %s=\"", name);
	const char *at = strstr(el, key);
	assert_true(at && at < end);
	at += strlen(key);
	buf_append(out, at, (size_t)(strchr(at, '"') - at));
}

/* "from > to [basis] state {fields}" for each <path> drawn, in order. */
static char *edge_list(const char *html)
{
	struct buf out;
	buf_init(&out, 0);
	for (const char *el = strstr(html, "<path "); el; el = strstr(el + 1, "<path ")) {
		attr(&out, el, "data-from");
		buf_puts(&out, " > ");
		attr(&out, el, "data-to");
		buf_puts(&out, " [");
		attr(&out, el, "data-basis");
		buf_puts(&out, "] ");
		attr(&out, el, "data-state");
		buf_puts(&out, " {");
		attr(&out, el, "data-fields");
		buf_puts(&out, "}\n");
	}
	return buf_detach(&out, NULL);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *at = strstr(s, what); at; at = strstr(at + 1, what))
		n++;
	return n;
}

/* The stroke attributes of the first edge from..to. */
static const char *edge_at(const char *html, const char *from_to)
{
	const char *at = strstr(html, from_to);
	assert_non_null(at);
	while (at > html && strncmp(at, "<path ", 6) != 0)
		at--;
	return at;
}

static void test_flows_of_a_small_profile(void **state)
{
	(void)state;
	struct policy *p = small();
	char *html = render(p, NULL);
	char *edges = edge_list(html);
	assert_string_equal(edges,
			    "category:name > purpose:account [required] allowed {}\n"
			    "category:email > purpose:account [required] allowed {}\n"
			    "category:hostile > purpose:account [required] allowed {}\n"
			    "category:email > purpose:news [opt_in] allowed {}\n"
			    "purpose:news > recipient:mailer [opt_in] allowed {email}\n"
			    "category:name > purpose:letters [opt_out] allowed {}\n"
			    "category:postal_address > purpose:letters [opt_out] allowed {}\n"
			    "purpose:letters > recipient:mailer [opt_out] allowed {name}\n"
			    "purpose:letters > recipient:printer [opt_out] allowed "
			    "{postal_address}\n");
	free(edges);
	assert_int_equal(count(html, "<g data-node=\""), 4 + 4 + 2);
	assert_non_null(strstr(html, "<g data-node=\"recipient:printer\">"));
	/* The legend: no "off" for the profile alone. */
	assert_int_equal(count(html, "<line "), STYLE_COUNT - 1);
	assert_null(strstr(html, strokes[STYLE_OFF].legend));
	assert_non_null(strstr(html, "<h2 id=\"flows-heading\">Where data goes</h2>"));

	/* Each basis strokes its own way. */
	char want[128];
	snprintf(want, sizeof(want), "stroke-dasharray=\"%s\"", strokes[STYLE_NO_CHOICE].dash);
	assert_non_null(strstr(edge_at(html, "data-to=\"purpose:account\""), want));
	snprintf(want, sizeof(want), "stroke-dasharray=\"%s\"", strokes[STYLE_OPT_IN].dash);
	assert_non_null(strstr(edge_at(html, "data-to=\"purpose:news\""), want));
	snprintf(want, sizeof(want), "stroke-dasharray=\"%s\"", strokes[STYLE_OPT_OUT].dash);
	assert_non_null(strstr(edge_at(html, "data-to=\"purpose:letters\""), want));

	/* The same flows in words, purpose by purpose, a partner's policy
	 * linked where it is named; the purpose using no data says so. */
	assert_non_null(strstr(
		html,
		"<dt>News &lt;b&gt;by&lt;/b&gt; e-mail</dt><dd>opt-in: only if you say yes.<ul>"
		"<li>E-mail address \u2192 News &lt;b&gt;by&lt;/b&gt; e-mail</li><li>News "
		"&lt;b&gt;by&lt;/b&gt; e-mail \u2192 &quot;&gt;&lt;svg onload=alert(1)&gt; "
		"Mailer, receiving E-mail address \u2014 <a "
		"href=\"https://mailer-company.net/privacy\" rel=\"external noopener\" "
		"class=\"external\">its own privacy policy<span class=\"visually-hidden\"> "
		"(leaves this site)</span></a></li></ul></dd>\n"));
	assert_non_null(strstr(html, "<dt>Letters</dt><dd>opt-out: on unless you say no.<ul>"));
	assert_non_null(strstr(html, "<dt>Counting visits</dt><dd>stated here; it needs no "
				     "choice. It uses no personal data.</dd>\n"));
	assert_int_equal(count(html, "<dt>"), 4);
	assert_int_equal(count(html, "</li>"), 9);
	/* The printer has no link of its own: the words say how to ask for
	 * its policy. */
	assert_int_equal(count(html, "class=\"external\">its own privacy policy"), 2);
	assert_non_null(strstr(html, "Letters \u2192 Printer, receiving Postal address \u2014 "
				     "<span class=\"policy-ask\">For its privacy policy, ask us at "
				     "<a href=\"mailto:privacy@flows-club.net\">"
				     "privacy@flows-club.net</a>.</span></li>"));
	/* With no address to write to, by letter. */
	char *email = p->contact.email;
	p->contact.email = NULL;
	char *letter = render(p, NULL);
	p->contact.email = email;
	assert_non_null(strstr(letter,
			       "Printer, receiving Postal address \u2014 <span "
			       "class=\"policy-ask\">For its privacy policy, ask us by letter "
			       "(see <a href=\"/privacy#contact\">Questions</a>).</span></li>"));
	free(letter);
	free(html);
	policy_free(p);
}

static void test_member_choices_draw_flows_off(void **state)
{
	(void)state;
	struct policy *p = small();
	json_t *choices = json_pack("[{s:s,s:b},{s:s,s:b}]", "purpose", "news", "on", 0, "purpose",
				    "letters", "on", 1);
	char *html = render(p, choices);
	char *edges = edge_list(html);
	/* What is off is drawn first, under what is on. */
	assert_string_equal(edges, "category:email > purpose:news [opt_in] off {}\n"
				   "purpose:news > recipient:mailer [opt_in] off {email}\n"
				   "category:name > purpose:account [required] on {}\n"
				   "category:email > purpose:account [required] on {}\n"
				   "category:hostile > purpose:account [required] on {}\n"
				   "category:name > purpose:letters [opt_out] on {}\n"
				   "category:postal_address > purpose:letters [opt_out] on {}\n"
				   "purpose:letters > recipient:mailer [opt_out] on {name}\n"
				   "purpose:letters > recipient:printer [opt_out] on "
				   "{postal_address}\n");
	free(edges);
	char want[128];
	snprintf(want, sizeof(want), "stroke=\"%s\" stroke-width=\"%s\" stroke-dasharray=\"%s\"",
		 strokes[STYLE_OFF].colour, strokes[STYLE_OFF].width, strokes[STYLE_OFF].dash);
	assert_int_equal(count(html, want), 2 + 1); /* and the legend's sample */
	assert_int_equal(count(html, "<line "), STYLE_COUNT);
	assert_non_null(strstr(html, "<h2 id=\"flows-heading\">Where your data goes</h2>"));
	/* In words, and in the purpose's box, not by its colour alone. */
	assert_non_null(strstr(html, "e-mail</dt><dd>opt-in: only if you say yes; off for "
				     "you.<ul><li>E-mail address \u2192 News &lt;b&gt;by&lt;/b&gt; "
				     "e-mail (off for you)</li>"));
	assert_non_null(strstr(html, "<dt>Letters</dt><dd>opt-out: on unless you say no; on for "
				     "you."));
	assert_int_equal(count(html, "(off for you)</title>"), 2);
	assert_int_equal(count(html, "(off for you)</li>"), 1);
	assert_int_equal(count(html, "(off for you) \u2014 <a href="), 1);
	const char *box = strstr(html, "<g data-node=\"purpose:news\">");
	assert_non_null(box);
	assert_true(strstr(box, ">off for you</text></g>") < strstr(box, "</g>") + 4);
	snprintf(want, sizeof(want), "fill=\"%s\"", BOX_OFF);
	assert_non_null(strstr(box, want));
	free(html);
	/* With no choice listed, an opt-in is off (no yes was given; /me lists
	 * no switch for a feature that is not on) and the rest on. */
	json_t *none = json_array();
	html = render(p, none);
	edges = edge_list(html);
	assert_string_equal(edges, "category:email > purpose:news [opt_in] off {}\n"
				   "purpose:news > recipient:mailer [opt_in] off {email}\n"
				   "category:name > purpose:account [required] on {}\n"
				   "category:email > purpose:account [required] on {}\n"
				   "category:hostile > purpose:account [required] on {}\n"
				   "category:name > purpose:letters [opt_out] on {}\n"
				   "category:postal_address > purpose:letters [opt_out] on {}\n"
				   "purpose:letters > recipient:mailer [opt_out] on {name}\n"
				   "purpose:letters > recipient:printer [opt_out] on "
				   "{postal_address}\n");
	free(edges);
	free(html);
	json_decref(none);
	json_decref(choices);
	policy_free(p);
}

static void test_layout_is_deterministic(void **state)
{
	(void)state;
	struct policy *p = small();
	struct picture pic;
	picture_init(&pic, p, NULL);
	int top[COL_COUNT], end[COL_COUNT];
	for (int c = 0; c < COL_COUNT; c++)
		top[c] = end[c] = -1;
	for (size_t i = 0; i < pic.nnodes; i++) {
		const struct node *n = &pic.nodes[i];
		assert_int_equal(n->x, column_x(n->col));
		assert_int_equal(n->h, 2 * NODE_PAD + (int)n->nlines * LINE_H);
		if (top[n->col] < 0)
			top[n->col] = n->y;
		else if (n->col == COL_PURPOSE) /* the longest column: NODE_GAP apart */
			assert_int_equal(n->y - end[n->col], NODE_GAP);
		else
			assert_true(n->y - end[n->col] >= NODE_GAP);
		end[n->col] = n->y + n->h;
		/* No line longer than LINE_CHARS. */
		for (size_t k = 0; k < n->nlines; k++) {
			const char *t = n->lines[k].text;
			assert_true(bytes_of_chars(t, LINE_CHARS) == strlen(t));
		}
	}
	/* The purposes' column is the longest (the long label wrapped over
	 * two lines); the picture's height is its. */
	const struct node *account = &pic.nodes[4];
	assert_string_equal(account->id, "account");
	assert_int_equal(account->nlines, 2 + 1);
	assert_string_equal(account->lines[0].text, "Your account, with a label long");
	assert_string_equal(account->lines[1].text, "enough to be wrapped over lines");
	assert_int_equal(top[COL_PURPOSE], COLUMNS_TOP + NODE_GAP / 2);
	assert_int_equal(pic.height, end[COL_PURPOSE] + NODE_GAP / 2 + BOTTOM);
	for (int c = 0; c < COL_COUNT; c++)
		assert_true(top[c] >= COLUMNS_TOP && end[c] <= pic.height - BOTTOM);
	/* An edge runs from the middle of one box's right side to the next's
	 * left. */
	char *html = render(p, NULL);
	const struct node *name = &pic.nodes[0];
	char want[128];
	int x1 = column_x(COL_CATEGORY) + NODE_W, x2 = column_x(COL_PURPOSE);
	int y1 = name->y + name->h / 2, y2 = account->y + account->h / 2;
	snprintf(want, sizeof(want), "<path d=\"M%d %d C%d %d %d %d %d %d\"", x1, y1, (x1 + x2) / 2,
		 y1, (x1 + x2) / 2, y2, x2, y2);
	assert_true(strncmp(strstr(html, "<path "), want, strlen(want)) == 0);
	snprintf(want, sizeof(want), "viewBox=\"0 0 %d %d\"", VIEW_W, pic.height);
	assert_non_null(strstr(html, want));
	/* The same profile gives the same picture. */
	char *again = render(p, NULL);
	assert_string_equal(html, again);
	free(again);
	free(html);
	picture_release(&pic);
	policy_free(p);
}

static void test_hostile_labels_are_escaped(void **state)
{
	(void)state;
	struct policy *p = small();
	json_t *choices = json_pack("[{s:s,s:b}]", "purpose", "news", "on", 0);
	char *html = render(p, choices);
	/* Nothing a label carries becomes markup. */
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<svg onload"));
	assert_null(strstr(html, "<b>"));
	assert_int_equal(count(html, "&lt;script&gt;alert(&quot;cat&quot;)&lt;/script&gt;"),
			 1 + 1 + 1); /* its box, its edge's title, its words */
	assert_int_equal(count(html, "&lt;/script&gt; &amp; &#39;quoted&#39; \u2192 "), 1 + 1);
	assert_non_null(strstr(html, "&quot;&gt;&lt;svg onload=alert(1)&gt; Mailer"));
	/* One picture, named for a reader; one path per flow; presentation
	 * attributes only. */
	assert_int_equal(count(html, "<svg "), 1);
	assert_non_null(strstr(html, "role=\"img\" aria-labelledby=\"flows-title flows-desc\""));
	assert_int_equal(count(html, "<path "), 9);
	assert_null(strstr(html, "style="));
	assert_null(strstr(html, "<style"));
	free(html);
	json_decref(choices);
	policy_free(p);
}

static void test_full_buffer_is_refused_not_cut(void **state)
{
	(void)state;
	struct policy *p = small();
	char *whole = render(p, NULL);
	struct buf out;
	buf_init(&out, strlen(whole));
	buf_puts(&out, "before|");
	assert_int_equal(flows_write(&out, p, NULL), -1);
	assert_string_equal(out.data, "before|");
	buf_release(&out);
	buf_init(&out, strlen(whole));
	assert_int_equal(flows_write(&out, p, NULL), 0);
	assert_string_equal(out.data, whole);
	buf_release(&out);
	json_t *html = flows_html(p, NULL);
	assert_string_equal(json_string_value(html), whole);
	json_decref(html);
	free(whole);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows_of_a_small_profile),
		cmocka_unit_test(test_member_choices_draw_flows_off),
		cmocka_unit_test(test_layout_is_deterministic),
		cmocka_unit_test(test_hostile_labels_are_escaped),
		cmocka_unit_test(test_full_buffer_is_refused_not_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
