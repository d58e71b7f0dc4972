/*
 * Unit tests for the picture of where data goes (src/privacy/flows.c): the
 * flows of a small profile, category -> purpose and purpose -> recipient
 * with the recipient's fields (none: no flow); a member's choices drawn off;
 * a deterministic layout whose height comes from the longest column and
 * whose labels wrap; and the template escaping every hostile label.
 * Includes flows.c to reach its layout constants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/privacy/flows.c"
#include "tpl.h"

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
	"    purposes: [news, letters]\n"
	"    fields: [name, email]\n"
	"  - id: printer\n"
	"    name: Printer\n"
	"    kind: service_provider\n"
	"    contract: P-1\n"
	"    purposes: [letters, news]\n"
	"    fields: [postal_address]\n";

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

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	assert_non_null(s);
	return s;
}

static int num(const json_t *o, const char *key)
{
	assert_true(json_is_integer(json_object_get(o, key)));
	return (int)json_integer_value(json_object_get(o, key));
}

/* "from > to [basis] state {fields}" for each edge, in the picture's order. */
static char *edge_list(const json_t *d)
{
	struct buf out;
	buf_init(&out, 0);
	size_t i;
	const json_t *e;
	json_array_foreach (json_object_get(d, "edges"), i, e)
		buf_printf(&out, "%s > %s [%s] %s {%s}\n", str(e, "from"), str(e, "to"),
			   str(e, "basis"), str(e, "state"), str(e, "fields"));
	return buf_detach(&out, NULL);
}

static const json_t *group(const json_t *d, size_t i)
{
	const json_t *g = json_array_get(json_object_get(d, "groups"), i);
	assert_non_null(g);
	return g;
}

static void test_flows_of_a_small_profile(void **state)
{
	(void)state;
	struct policy *p = small();
	json_t *d = flows_diagram(p, NULL);
	char *edges = edge_list(d);
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
	assert_int_equal(json_array_size(json_object_get(d, "nodes")), 4 + 4 + 2);
	assert_false(json_is_true(json_object_get(d, "member")));
	/* No "off" in the legend of the profile alone. */
	assert_int_equal(json_array_size(json_object_get(d, "legend")), STYLE_COUNT - 1);

	/* Each basis strokes its own way. */
	const json_t *all = json_object_get(d, "edges");
	assert_string_equal(str(json_array_get(all, 0), "dash"), "none");
	assert_string_equal(str(json_array_get(all, 3), "dash"), strokes[STYLE_OPT_IN].dash);
	assert_string_equal(str(json_array_get(all, 5), "dash"), strokes[STYLE_OPT_OUT].dash);

	/* The same flows in words, purpose by purpose. */
	assert_int_equal(json_array_size(json_object_get(d, "groups")), 4);
	const json_t *news = json_object_get(group(d, 1), "items");
	assert_int_equal(json_array_size(news), 2);
	assert_string_equal(str(json_array_get(news, 0), "text"),
			    "E-mail address \u2192 News <b>by</b> e-mail");
	assert_string_equal(str(json_array_get(news, 1), "text"),
			    "News <b>by</b> e-mail \u2192 \"><svg onload=alert(1)> Mailer, which "
			    "receives E-mail address");
	assert_string_equal(str(group(d, 1), "basis"), basis_words[BASIS_OPT_IN]);
	assert_string_equal(str(group(d, 1), "choice"), "");
	assert_int_equal(json_array_size(json_object_get(group(d, 3), "items")), 0);
	json_decref(d);
	policy_free(p);
}

static void test_member_choices_draw_flows_off(void **state)
{
	(void)state;
	struct policy *p = small();
	json_t *choices = json_pack("[{s:s,s:b},{s:s,s:b}]", "purpose", "news", "on", 0, "purpose",
				    "letters", "on", 1);
	json_t *d = flows_diagram(p, choices);
	char *edges = edge_list(d);
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
	const json_t *off = json_array_get(json_object_get(d, "edges"), 0);
	assert_string_equal(str(off, "stroke"), strokes[STYLE_OFF].colour);
	assert_string_equal(str(off, "dash"), strokes[STYLE_OFF].dash);
	assert_int_equal(json_array_size(json_object_get(d, "legend")), STYLE_COUNT);
	assert_string_equal(str(group(d, 1), "choice"), "off for you");
	assert_string_equal(str(group(d, 2), "choice"), "on for you");
	assert_string_equal(str(group(d, 0), "choice"), "");
	const json_t *news = json_object_get(group(d, 1), "items");
	assert_string_equal(str(json_array_get(news, 0), "text"),
			    "E-mail address \u2192 News <b>by</b> e-mail (off for you)");
	/* The purpose's box says it too, not by its colour alone. */
	const json_t *node = json_array_get(json_object_get(d, "nodes"), 4 + 1);
	assert_string_equal(str(node, "id"), "purpose:news");
	const json_t *lines = json_object_get(node, "lines");
	assert_string_equal(str(json_array_get(lines, json_array_size(lines) - 1), "text"),
			    "off for you");
	json_decref(d);
	/* An empty list of choices leaves every flow on. */
	json_t *none = json_array();
	d = flows_diagram(p, none);
	size_t i;
	const json_t *e;
	json_array_foreach (json_object_get(d, "edges"), i, e)
		assert_string_equal(str(e, "state"), "on");
	json_decref(d);
	json_decref(none);
	json_decref(choices);
	policy_free(p);
}

static void test_layout_is_deterministic(void **state)
{
	(void)state;
	struct policy *p = small();
	json_t *d = flows_diagram(p, NULL);
	int bottom[COL_COUNT] = {0}, top[COL_COUNT], longest = COL_PURPOSE;
	int prev_end[COL_COUNT] = {0};
	size_t i;
	const json_t *n;
	for (int c = 0; c < COL_COUNT; c++)
		top[c] = -1;
	json_array_foreach (json_object_get(d, "nodes"), i, n) {
		int c = strncmp(str(n, "id"), "category:", 9) == 0  ? COL_CATEGORY
			: strncmp(str(n, "id"), "purpose:", 8) == 0 ? COL_PURPOSE
								    : COL_RECIPIENT;
		int x = num(n, "x"), y = num(n, "y"), h = num(n, "h");
		assert_int_equal(x, column_x((enum column)c));
		assert_int_equal(num(n, "w"), NODE_W);
		if (top[c] < 0)
			top[c] = y;
		else if (c == longest) /* the longest column: NODE_GAP apart */
			assert_int_equal(y - prev_end[c], NODE_GAP);
		else
			assert_true(y - prev_end[c] >= NODE_GAP);
		prev_end[c] = y + h;
		bottom[c] = y + h;
		/* Every line within the node's box, none longer than LINE_CHARS. */
		size_t k;
		const json_t *line;
		json_array_foreach (json_object_get(n, "lines"), k, line) {
			const char *t = str(line, "text");
			assert_true(bytes_of_chars(t, LINE_CHARS) == strlen(t));
			assert_true(num(line, "y") > y && num(line, "y") < y + h);
		}
		assert_int_equal(h, 2 * NODE_PAD + (int)k * LINE_H);
	}
	/* The purposes' column is the longest (the long label wrapped over
	 * two lines); the picture's height is its. */
	const json_t *account = json_array_get(json_object_get(d, "nodes"), 4);
	assert_int_equal(json_array_size(json_object_get(account, "lines")), 2 + 1);
	assert_int_equal(top[COL_PURPOSE], COLUMNS_TOP + NODE_GAP / 2);
	assert_int_equal(num(d, "height"), bottom[COL_PURPOSE] + NODE_GAP / 2 + BOTTOM);
	for (int c = 0; c < COL_COUNT; c++)
		assert_true(top[c] >= COLUMNS_TOP && bottom[c] <= num(d, "height") - BOTTOM);
	/* An edge runs from the middle of one node's right side to the next's left. */
	const json_t *e = json_array_get(json_object_get(d, "edges"), 0);
	char want[128];
	const json_t *from = json_array_get(json_object_get(d, "nodes"), 0);
	int y1 = num(from, "y") + num(from, "h") / 2,
	    y2 = num(account, "y") + num(account, "h") / 2;
	int x1 = column_x(COL_CATEGORY) + NODE_W, x2 = column_x(COL_PURPOSE);
	snprintf(want, sizeof(want), "M%d %d C%d %d %d %d %d %d", x1, y1, (x1 + x2) / 2, y1,
		 (x1 + x2) / 2, y2, x2, y2);
	assert_string_equal(str(e, "d"), want);
	/* The same profile gives the same picture. */
	json_t *again = flows_diagram(p, NULL);
	assert_true(json_equal(d, again));
	json_decref(again);
	json_decref(d);
	policy_free(p);
}

static char *render(struct tpl_set *set, json_t *d)
{
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(tpl_render(set, "flows", d, &out), 0);
	return buf_detach(&out, NULL);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *at = strstr(s, what); at; at = strstr(at + 1, what))
		n++;
	return n;
}

static void test_hostile_labels_are_escaped(void **state)
{
	(void)state;
	struct tpl_set *set = NULL;
	char err[256] = "";
	if (tpl_set_load(&set, err, sizeof(err)) != 0)
		fail_msg("tpl_set_load: %s", err);
	struct policy *p = small();
	json_t *choices = json_pack("[{s:s,s:b}]", "purpose", "news", "on", 0);
	json_t *d = flows_diagram(p, choices);
	char *html = render(set, d);
	/* Nothing a label carries becomes markup. */
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<svg onload"));
	assert_null(strstr(html, "<b>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;cat&quot;)&lt;/script&gt; &amp; "
				     "&#39;quoted&#39;"));
	assert_non_null(strstr(html, "&quot;&gt;&lt;svg onload=alert(1)&gt; Mailer"));
	assert_non_null(strstr(html, "News &lt;b&gt;by&lt;/b&gt; e-mail"));
	/* One path per flow, each with its data attributes; the text
	 * alternative lists the same flows; one picture, named for a reader. */
	size_t flows = json_array_size(json_object_get(d, "edges"));
	assert_int_equal(count(html, "<path "), flows);
	assert_int_equal(count(html, "data-state=\"off\""), 2);
	assert_int_equal(count(html, "data-state=\"on\""), flows - 2);
	assert_int_equal(count(html, "<li>") - json_array_size(json_object_get(d, "groups")),
			 flows);
	assert_int_equal(count(html, "(off for you)</li>"), 2);
	assert_int_equal(count(html, "<svg "), 1);
	assert_non_null(strstr(html, "role=\"img\" aria-labelledby=\"flows-title flows-desc\""));
	assert_null(strstr(html, "style="));
	assert_null(strstr(html, "<style"));
	/* Rendered twice, the same bytes. */
	char *again = render(set, d);
	assert_string_equal(html, again);
	free(again);
	free(html);
	json_decref(d);
	json_decref(choices);
	policy_free(p);
	tpl_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows_of_a_small_profile),
		cmocka_unit_test(test_member_choices_draw_flows_off),
		cmocka_unit_test(test_layout_is_deterministic),
		cmocka_unit_test(test_hostile_labels_are_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
