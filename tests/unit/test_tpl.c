/*
 * Unit tests for tpl.c: escaping by default, raw output only when marked,
 * values of every JSON type, sections and their truthiness, dotted names,
 * partials, depth limits, compile errors with their line, and failure on a
 * full buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "assets.h"
#include "buf.h"
#include "mem.h"
#include "tpl.h"

/* Compiles text as template "t", renders it over json and returns the output,
 * "ERR <message>" when it does not compile, or "RENDER FAILED". */
static const char *render1(const char *text, const char *json)
{
	static char out[2048];
	const char *names[] = {"t"}, *texts[] = {text};
	char err[256] = "";
	struct tpl_set *set = NULL;
	if (tpl_set_from_strings(&set, names, texts, 1, err, sizeof(err)) != 0) {
		snprintf(out, sizeof(out), "ERR %s", err);
		return out;
	}
	json_error_t je;
	json_t *data = json_loads(json, JSON_DECODE_ANY, &je);
	assert_non_null(data);
	struct buf b;
	buf_init(&b, 0);
	int rc = tpl_render(set, "t", data, &b);
	snprintf(out, sizeof(out), "%s", rc != 0 ? "RENDER FAILED" : b.data ? b.data : "");
	buf_release(&b);
	json_decref(data);
	tpl_set_free(set);
	return out;
}

/* Compiles several templates; the test fails if they do not compile. */
static struct tpl_set *set_of(const char *const *names, const char *const *texts, size_t n)
{
	struct tpl_set *set = NULL;
	char err[256] = "";
	if (tpl_set_from_strings(&set, names, texts, n, err, sizeof(err)) != 0)
		fail_msg("compile failed: %s", err);
	return set;
}

static const char *compile_error(const char *const *names, const char *const *texts, size_t n)
{
	static char err[256];
	struct tpl_set *set = NULL;
	err[0] = '\0';
	if (tpl_set_from_strings(&set, names, texts, n, err, sizeof(err)) == 0) {
		tpl_set_free(set);
		return "compiled";
	}
	assert_null(set);
	return err;
}

static void test_escapes_all_five(void **state)
{
	(void)state;
	assert_string_equal(render1("<p>{{x}}</p>", "{\"x\":\"a&b<c>d\\\"e'f\"}"),
			    "<p>a&amp;b&lt;c&gt;d&quot;e&#39;f</p>");
	assert_string_equal(render1("{{x}}", "{\"x\":\"&&<<\"}"), "&amp;&amp;&lt;&lt;");
	assert_string_equal(render1("{{x}}", "{\"x\":\"plain text\"}"), "plain text");
	/* Dotted names and {{.}} escape too. */
	assert_string_equal(render1("{{a.b}}", "{\"a\":{\"b\":\"<i>\"}}"), "&lt;i&gt;");
	assert_string_equal(render1("{{#l}}{{.}}{{/l}}", "{\"l\":[\"<\",\">\"]}"), "&lt;&gt;");
}

static void test_raw_needs_ampersand(void **state)
{
	(void)state;
	assert_string_equal(render1("{{&x}}", "{\"x\":\"<b>&'\\\"</b>\"}"), "<b>&'\"</b>");
	assert_string_equal(render1("{{& x }}", "{\"x\":\"<b>\"}"), "<b>");
	assert_string_equal(render1("{{&a.b}}", "{\"a\":{\"b\":\"<i>\"}}"), "<i>");
	assert_string_equal(render1("{{&n}} {{&t}} [{{&z}}] [{{&o}}]",
				    "{\"n\":7,\"t\":true,\"z\":null,\"o\":{}}"),
			    "7 true [] []");
}

static void test_value_types(void **state)
{
	(void)state;
	assert_string_equal(render1("{{n}} {{neg}} {{r}} {{two}} {{big}} {{t}} {{f}}",
				    "{\"n\":42,\"neg\":-3,\"r\":1.5,\"two\":2.0,\"big\":1e20,"
				    "\"t\":true,\"f\":false}"),
			    "42 -3 1.5 2 1e+20 true false");
	assert_string_equal(render1("{{i}}", "{\"i\":9007199254740993}"), "9007199254740993");
	assert_string_equal(render1("[{{z}}][{{missing}}][{{o}}][{{a}}][{{e}}]",
				    "{\"z\":null,\"o\":{\"k\":1},\"a\":[1,2],\"e\":\"\"}"),
			    "[][][][][]");
	/* The data itself need not be an object. */
	assert_string_equal(render1("[{{.}}][{{x}}]", "\"top\""), "[top][]");
	assert_string_equal(render1("[{{.}}]", "null"), "[]");
	assert_string_equal(render1("", "{}"), "");
	assert_string_equal(render1("no tags at all\n", "{}"), "no tags at all\n");
}

static void test_sections_over_arrays(void **state)
{
	(void)state;
	assert_string_equal(render1("<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>",
				    "{\"items\":[{\"name\":\"a\"},{\"name\":\"<b>\"}]}"),
			    "<ul><li>a</li><li>&lt;b&gt;</li></ul>");
	assert_string_equal(render1("{{#l}}[{{.}}]{{/l}}", "{\"l\":[\"x\",\"y\",\"z\"]}"),
			    "[x][y][z]");
	assert_string_equal(render1("{{#l}}{{.}},{{/l}}", "{\"l\":[1,2.5,true,null,\"s\"]}"),
			    "1,2.5,true,,s,");
	/* An element that lacks a key finds it further out. */
	assert_string_equal(
		render1("{{#l}}{{k}}{{/l}}", "{\"k\":\"out\",\"l\":[{\"k\":\"in\"},{}]}"), "inout");
	/* ...but one whose key is null stops the search there. */
	assert_string_equal(render1("{{#l}}[{{k}}]{{/l}}", "{\"k\":\"out\",\"l\":[{\"k\":null}]}"),
			    "[]");
	/* Arrays of arrays. */
	assert_string_equal(render1("{{#m}}({{#.}}{{.}}{{/.}}){{/m}}", "{\"m\":[[1,2],[],[3]]}"),
			    "(12)()(3)");
}

static void test_nested_sections(void **state)
{
	(void)state;
	assert_string_equal(render1("{{#outer}}{{#inner}}{{top}}{{v}};{{/inner}}{{/outer}}",
				    "{\"top\":\"T\",\"outer\":{\"inner\":[{\"v\":1},{\"v\":2}]}}"),
			    "T1;T2;");
	assert_string_equal(render1("{{#a}}{{#b}}{{#c}}{{x}}{{y}}{{z}}{{/c}}{{/b}}{{/a}}",
				    "{\"a\":{\"x\":1,\"b\":{\"y\":2,\"c\":{\"z\":3}}}}"),
			    "123");
	assert_string_equal(
		render1("{{#rows}}{{#cells}}{{.}}{{/cells}}|{{/rows}}",
			"{\"rows\":[{\"cells\":[1,2]},{\"cells\":[]},{\"cells\":[3]}]}"),
		"12||3|");
	/* A name can be opened again inside itself. */
	assert_string_equal(render1("{{#a}}{{#a}}{{.}}{{/a}}{{/a}}", "{\"a\":[\"x\"]}"), "x");
	/* Exactly the compile-time limit of 16 nested sections renders. */
	char text[512] = "", json[512] = "";
	size_t tl = 0, jl = 0;
	for (int i = 0; i < 16; i++) {
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "{{#s}}");
		jl += (size_t)snprintf(json + jl, sizeof(json) - jl, "{\"s\":");
	}
	tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "{{v}}");
	jl += (size_t)snprintf(json + jl, sizeof(json) - jl, "{\"v\":\"deep\"}");
	for (int i = 0; i < 16; i++) {
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "{{/s}}");
		jl += (size_t)snprintf(json + jl, sizeof(json) - jl, "}");
	}
	assert_string_equal(render1(text, json), "deep");
}

static void test_inverted_sections(void **state)
{
	(void)state;
	const char *t = "{{#v}}yes{{/v}}{{^v}}no{{/v}}";
	assert_string_equal(render1(t, "{}"), "no");
	assert_string_equal(render1(t, "{\"v\":[]}"), "no");
	assert_string_equal(render1(t, "{\"v\":[1]}"), "yes");
	/* An inverted section does not push a context. */
	assert_string_equal(render1("{{^e}}{{x}}{{/e}}", "{\"x\":\"X\",\"e\":false}"), "X");
	assert_string_equal(render1("{{^a}}{{^b}}both{{/b}}{{/a}}", "{\"a\":0}"), "both");
	assert_string_equal(render1("{{#l}}{{^ok}}!{{/ok}}{{n}}{{/l}}",
				    "{\"l\":[{\"n\":1,\"ok\":true},{\"n\":2}]}"),
			    "1!2");
}

static void test_truthiness_table(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		const char *want;
	} table[] = {
		{"null", "no"},	      {"false", "no"},	{"\"\"", "no"}, {"0", "no"},
		{"0.0", "no"},	      {"[]", "no"},	{"{}", "yes"},	{"{\"a\":0}", "yes"},
		{"true", "yes"},      {"1", "yes"},	{"-1", "yes"},	{"0.5", "yes"},
		{"\"0\"", "yes"},     {"\" \"", "yes"}, {"[0]", "yes"}, {"[null]", "yes"},
		{"\"false\"", "yes"},
	};
	char json[64];
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		snprintf(json, sizeof(json), "{\"v\":%s}", table[i].value);
		const char *got = render1("{{#v}}yes{{/v}}{{^v}}no{{/v}}", json);
		if (strcmp(got, table[i].want) != 0)
			fail_msg("value %s: got %s, want %s", table[i].value, got, table[i].want);
	}
	/* Missing counts as false. */
	assert_string_equal(render1("{{#v}}yes{{/v}}{{^v}}no{{/v}}", "{}"), "no");
	/* A truthy scalar shows its section once, with itself as ".". */
	assert_string_equal(render1("{{#v}}<{{.}}>{{/v}}", "{\"v\":\"hi\"}"), "<hi>");
	assert_string_equal(render1("{{#v}}<{{.}}>{{/v}}", "{\"v\":3}"), "<3>");
	/* An object is entered once. */
	assert_string_equal(render1("{{#o}}{{k}}{{/o}}", "{\"o\":{\"k\":\"v\"}}"), "v");
	assert_string_equal(render1("{{#o}}[{{k}}]{{/o}}", "{\"k\":\"outer\",\"o\":{}}"),
			    "[outer]");
}

static void test_dotted_names(void **state)
{
	(void)state;
	assert_string_equal(render1("{{a.b.c}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}"), "deep");
	assert_string_equal(
		render1("[{{a.x.c}}][{{a.b.c.d}}][{{q.b}}]", "{\"a\":{\"b\":{\"c\":\"deep\"}}}"),
		"[][][]");
	/* Numeric segments index arrays. */
	assert_string_equal(render1("{{l.0}}{{l.1}}[{{l.2}}]{{m.1.k}}",
				    "{\"l\":[\"x\",\"y\"],\"m\":[{},{\"k\":\"K\"}]}"),
			    "xy[]K");
	/* A digit key of an object is still a key. */
	assert_string_equal(render1("{{o.1}}", "{\"o\":{\"1\":\"one\"}}"), "one");
	/* Only the first segment searches outwards. */
	assert_string_equal(
		render1("{{#in}}{{a.b}}{{/in}}", "{\"a\":{\"b\":\"outer\"},\"in\":{\"x\":1}}"),
		"outer");
	assert_string_equal(render1("{{#in}}[{{a.b}}]{{/in}}",
				    "{\"a\":{\"b\":\"outer\"},\"in\":{\"a\":{\"c\":1}}}"),
			    "[]");
	/* Sections on dotted names, as the templates use errors.email. */
	assert_string_equal(render1("{{#errors.email}}<{{.}}>{{/errors.email}}{{^errors.name}}ok{{/"
				    "errors.name}}",
				    "{\"errors\":{\"email\":\"bad\"}}"),
			    "<bad>ok");
	assert_string_equal(render1("{{^l.0}}empty{{/l.0}}", "{\"l\":[]}"), "empty");
	assert_string_equal(
		render1("{{#site}}{{name}}{{/site}} {{site.name}}", "{\"site\":{\"name\":\"G\"}}"),
		"G G");
}

static void test_comments_and_whitespace(void **state)
{
	(void)state;
	assert_string_equal(render1("a{{! a comment }}b", "{}"), "ab");
	assert_string_equal(render1("a{{!}}b{{! {{x}} }}c", "{\"x\":1}"), "ab }}c");
	assert_string_equal(render1("a{{!\nmulti\nline\n}}b", "{}"), "ab");
	/* Whitespace around tags is kept as written: no standalone-line rules. */
	assert_string_equal(
		render1("<ul>\n  {{#l}}\n  <li>{{.}}</li>\n  {{/l}}\n</ul>\n", "{\"l\":[1,2]}"),
		"<ul>\n  \n  <li>1</li>\n  \n  <li>2</li>\n  \n</ul>\n");
	/* Spaces inside the braces are ignored. */
	assert_string_equal(render1("{{ x }}{{#  l }}{{ . }}{{/ l }}{{^ n}}-{{/n }}",
				    "{\"x\":\"X\",\"l\":[1]}"),
			    "X1-");
	/* Lone braces are text. */
	assert_string_equal(render1("{ } }} {x}", "{}"), "{ } }} {x}");
}

static void test_partials(void **state)
{
	(void)state;
	const char *names[] = {"page", "head", "item", "foot"};
	const char *texts[] = {"{{>head}}<ul>{{#items}}{{>item}}{{/items}}</ul>{{> foot }}",
			       "<h1>{{title}}</h1>", "<li>{{name}} of {{title}}</li>",
			       "<p>{{&raw}}</p>"};
	struct tpl_set *set = set_of(names, texts, 4);
	json_t *data = json_pack("{s:s,s:[{s:s},{s:s}],s:s}", "title", "<T>", "items", "name", "a",
				 "name", "b", "raw", "<br>");
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(tpl_render(set, "page", data, &b), 0);
	assert_string_equal(
		b.data, "<h1>&lt;T&gt;</h1><ul><li>a of &lt;T&gt;</li><li>b of &lt;T&gt;</li></ul>"
			"<p><br></p>");
	/* Rendering appends. */
	assert_int_equal(tpl_render(set, "head", data, &b), 0);
	assert_string_equal(
		b.data, "<h1>&lt;T&gt;</h1><ul><li>a of &lt;T&gt;</li><li>b of &lt;T&gt;</li></ul>"
			"<p><br></p><h1>&lt;T&gt;</h1>");
	assert_true(tpl_exists(set, "head"));
	assert_true(tpl_exists(set, "foot"));
	assert_false(tpl_exists(set, "nope"));
	assert_false(tpl_exists(set, "hea"));
	buf_release(&b);
	json_decref(data);
	tpl_set_free(set);
}

static void test_partial_depth(void **state)
{
	(void)state;
	/* A recursive partial bounded by its data renders a tree. A leaf must
	 * say kids:[] itself, or {{#kids}} would find its parent's. */
	const char *names[] = {"node", "self"};
	const char *texts[] = {"{{n}}{{#kids}}({{>node}}){{/kids}}", "x{{>self}}"};
	struct tpl_set *set = set_of(names, texts, 2);
	json_t *leaf = json_pack("{s:i,s:[]}", "n", 10, "kids");
	for (int i = 9; i >= 1; i--)
		leaf = json_pack("{s:i,s:[o]}", "n", i, "kids", leaf);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(tpl_render(set, "node", leaf, &b), 0);
	assert_string_equal(b.data, "1(2(3(4(5(6(7(8(9(10)))))))))");
	json_decref(leaf);

	/* ...until includes (and the sections they open) nest deeper than 16. */
	leaf = json_pack("{s:i,s:[]}", "n", 20, "kids");
	for (int i = 19; i >= 1; i--)
		leaf = json_pack("{s:i,s:[o]}", "n", i, "kids", leaf);
	buf_reset(&b);
	assert_int_equal(tpl_render(set, "node", leaf, &b), -1);
	assert_int_equal(b.len, 0);
	json_decref(leaf);

	/* Unbounded self-inclusion fails rather than recursing forever. */
	json_t *empty = json_object();
	assert_int_equal(tpl_render(set, "self", empty, &b), -1);
	assert_int_equal(b.len, 0);
	json_decref(empty);

	/* Exactly 16 nested includes work, 17 do not. */
	const char *chain_names[18];
	const char *chain_texts[18];
	char nm[18][16], tx[18][40];
	for (int i = 0; i < 18; i++) {
		snprintf(nm[i], sizeof(nm[i]), "c%d", i);
		if (i < 17)
			snprintf(tx[i], sizeof(tx[i]), "%d{{>c%d}}", i, i + 1);
		else
			snprintf(tx[i], sizeof(tx[i]), "end");
		chain_names[i] = nm[i];
		chain_texts[i] = tx[i];
	}
	struct tpl_set *chain = set_of(chain_names, chain_texts, 18);
	empty = json_object();
	buf_reset(&b);
	assert_int_equal(tpl_render(chain, "c1", empty, &b), 0); /* c1 .. c17: 16 includes */
	assert_string_equal(b.data, "12345678910111213141516end");
	buf_reset(&b);
	assert_int_equal(tpl_render(chain, "c0", empty, &b), -1); /* 17 includes */
	json_decref(empty);
	tpl_set_free(chain);

	buf_release(&b);
	tpl_set_free(set);
}

static void test_unknown_template(void **state)
{
	(void)state;
	const char *names[] = {"a"}, *texts[] = {"A"};
	struct tpl_set *set = set_of(names, texts, 1);
	json_t *data = json_object();
	struct buf b;
	buf_init(&b, 0);
	buf_puts(&b, "kept");
	assert_int_equal(tpl_render(set, "nope", data, &b), -1);
	assert_int_equal(tpl_render(set, "", data, &b), -1);
	assert_int_equal(tpl_render(set, "A", data, &b), -1);
	assert_string_equal(b.data, "kept");
	assert_int_equal(tpl_render(set, "a", data, &b), 0);
	assert_string_equal(b.data, "keptA");
	buf_release(&b);
	json_decref(data);
	tpl_set_free(set);

	/* An empty set is valid and knows nothing. */
	struct tpl_set *none = set_of(NULL, NULL, 0);
	assert_false(tpl_exists(none, "a"));
	tpl_set_free(none);
}

static void test_small_buffer_fails(void **state)
{
	(void)state;
	const char *names[] = {"page", "head"};
	const char *texts[] = {"{{>head}}body{{#l}}{{.}}{{/l}}", "<h1>{{title}}</h1>"};
	struct tpl_set *set = set_of(names, texts, 2);
	json_t *data = json_pack("{s:s,s:[s,s]}", "title", "<T>", "l", "x", "y");
	/* The full rendering is 24 bytes; every smaller maximum fails cleanly. */
	for (size_t max = 1; max <= 24; max++) {
		struct buf b;
		buf_init(&b, max);
		int rc = tpl_render(set, "page", data, &b);
		if (max < 24) {
			assert_int_equal(rc, -1);
			assert_int_equal(b.len, 0);
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(b.data, "<h1>&lt;T&gt;</h1>bodyxy");
		}
		buf_release(&b);
	}
	/* What was in the buffer before a failed render stays, unchanged. */
	struct buf b;
	buf_init(&b, 12);
	buf_puts(&b, "before");
	assert_int_equal(tpl_render(set, "page", data, &b), -1);
	assert_int_equal(b.len, 6);
	assert_string_equal(b.data, "before");
	buf_release(&b);
	json_decref(data);
	tpl_set_free(set);
}

#define ERR1(text) compile_error((const char *const[]){"t"}, (const char *const[]){text}, 1)

static void test_compile_errors(void **state)
{
	(void)state;
	assert_string_equal(ERR1("a\nb\n{{x"), "t:3: unclosed tag");
	assert_string_equal(ERR1("{{x}\n}"), "t:1: unclosed tag");
	assert_string_equal(ERR1("a\n{{! never closed\n\n"), "t:2: unclosed tag");
	assert_string_equal(ERR1("a\n{{#x}}\nb"), "t:2: unclosed section {{#x}}");
	assert_string_equal(ERR1("{{#a}}\n{{^b}}\n{{/b}}\n\n{{#c}}{{/c}}"),
			    "t:1: unclosed section {{#a}}");
	assert_string_equal(ERR1("{{#a}}\n\n{{^b}}\n"), "t:3: unclosed section {{^b}}");
	assert_string_equal(ERR1("{{#x}}\n{{/y}}"), "t:2: {{/y}} does not match {{#x}} of line 1");
	assert_string_equal(ERR1("\n{{^x}}{{#y}}{{/x}}{{/y}}"),
			    "t:2: {{/x}} does not match {{#y}} of line 2");
	assert_string_equal(ERR1("{{#a.b}}{{/a}}"),
			    "t:1: {{/a}} does not match {{#a.b}} of line 1");
	assert_string_equal(ERR1("\n\n{{/y}}"), "t:3: {{/y}} closes no section");
	assert_string_equal(ERR1("{{#x}}{{/x}}{{/x}}"), "t:1: {{/x}} closes no section");
	assert_string_equal(ERR1("ok\n{{{x}}}"),
			    "t:2: '{{{' is not supported; use {{&name}} for raw output");
	assert_string_equal(ERR1("{{}}"), "t:1: empty tag name");
	assert_string_equal(ERR1("\n{{  }}"), "t:2: empty tag name");
	assert_string_equal(ERR1("\n\n{{#}}{{/}}"), "t:3: empty tag name");
	assert_string_equal(ERR1("{{& }}"), "t:1: empty tag name");
	assert_string_equal(ERR1("{{^}}"), "t:1: empty tag name");
	assert_string_equal(ERR1("{{>}}"), "t:1: empty tag name");
	assert_string_equal(ERR1("{{/}}"), "t:1: empty tag name");
	assert_string_equal(ERR1("{{a b}}"), "t:1: bad tag name 'a b'");
	assert_string_equal(ERR1("{{a..b}}"), "t:1: bad tag name 'a..b'");
	assert_string_equal(ERR1("{{.a}}"), "t:1: bad tag name '.a'");
	assert_string_equal(ERR1("{{a.}}"), "t:1: bad tag name 'a.'");
	assert_string_equal(ERR1("{{=<% %>=}}"), "t:1: bad tag name '=<% %>='");
	/* A multi-line tag is reported at the line it opens on, and counts its
	 * newlines for what follows. */
	assert_string_equal(ERR1("{{#a\n\n}}\n{{/b}}"),
			    "t:4: {{/b}} does not match {{#a}} of line 1");

	/* Seventeen nested sections are refused when compiling. */
	char text[512] = "";
	size_t tl = 0;
	for (int i = 0; i < 17; i++)
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "{{#s}}");
	for (int i = 0; i < 17; i++)
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "{{/s}}");
	assert_string_equal(ERR1(text), "t:1: sections nest deeper than 16");

	/* Errors name the template that has them, with the line of the tag. */
	const char *names[] = {"good", "bad"};
	const char *texts[] = {"{{>bad}}", "line1\nline2 {{#open}}"};
	assert_string_equal(compile_error(names, texts, 2), "bad:2: unclosed section {{#open}}");
	const char *texts2[] = {"fine\n\n{{>missing}}", "ok"};
	assert_string_equal(compile_error(names, texts2, 2), "good:3: no template named 'missing'");
	const char *dup_names[] = {"a", "a"}, *dup_texts[] = {"1", "2"};
	assert_string_equal(compile_error(dup_names, dup_texts, 2),
			    "a: template name 'a' is already used by a");
	const char *empty_names[] = {""}, *empty_texts[] = {"x"};
	assert_string_equal(compile_error(empty_names, empty_texts, 1), ": empty template name");

	/* A short error buffer is truncated, never overrun. */
	char small[8];
	memset(small, 'Z', sizeof(small));
	struct tpl_set *set = NULL;
	const char *n1[] = {"template"}, *t1[] = {"{{x"};
	assert_int_equal(tpl_set_from_strings(&set, n1, t1, 1, small, 5), -1);
	assert_string_equal(small, "temp");
	assert_int_equal(small[5], 'Z');
	assert_int_equal(tpl_set_from_strings(&set, n1, t1, 1, NULL, 0), -1);
}

static void test_embedded_templates_compile(void **state)
{
	(void)state;
	struct tpl_set *set = NULL;
	char err[256] = "";
	if (tpl_set_load(&set, err, sizeof(err)) != 0)
		fail_msg("tpl_set_load: %s", err);
	size_t seen = 0;
	for (size_t i = 0; i < assets_count && assets[i].name; i++) {
		const char *a = assets[i].name;
		size_t len = strlen(a);
		if (strncmp(a, "templates/", 10) != 0 || len < 15 ||
		    strcmp(a + len - 5, ".html") != 0)
			continue;
		const char *base = strrchr(a, '/') + 1;
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(a + len - 5 - base), base);
		if (!tpl_exists(set, name))
			fail_msg("%s is not loaded as %s", a, name);
		seen++;
	}
	assert_true(seen > 0);
	assert_true(tpl_exists(set, "home"));
	assert_false(tpl_exists(set, "home.html"));
	assert_false(tpl_exists(set, "templates/home"));
	/* Every embedded template renders over empty data. */
	json_t *empty = json_object();
	for (size_t i = 0; i < assets_count && assets[i].name; i++) {
		const char *a = assets[i].name;
		size_t len = strlen(a);
		if (strncmp(a, "templates/", 10) != 0 || len < 15 ||
		    strcmp(a + len - 5, ".html") != 0)
			continue;
		const char *base = strrchr(a, '/') + 1;
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)(a + len - 5 - base), base);
		struct buf b;
		buf_init(&b, 0);
		if (tpl_render(set, name, empty, &b) != 0)
			fail_msg("%s does not render", name);
		buf_release(&b);
	}
	json_decref(empty);
	tpl_set_free(set);
}

int main(void)
{
	mem_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_all_five),
		cmocka_unit_test(test_raw_needs_ampersand),
		cmocka_unit_test(test_value_types),
		cmocka_unit_test(test_sections_over_arrays),
		cmocka_unit_test(test_nested_sections),
		cmocka_unit_test(test_inverted_sections),
		cmocka_unit_test(test_truthiness_table),
		cmocka_unit_test(test_dotted_names),
		cmocka_unit_test(test_comments_and_whitespace),
		cmocka_unit_test(test_partials),
		cmocka_unit_test(test_partial_depth),
		cmocka_unit_test(test_unknown_template),
		cmocka_unit_test(test_small_buffer_fails),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_embedded_templates_compile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
