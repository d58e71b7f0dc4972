/*
 * Unit tests for tpl.c: escaping by default, raw output only when marked,
 * sections, inverted sections, dotted names, partials, and compile errors
 * with their line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "tpl.h"

static char *render1(const char *text, const char *json, char *out, size_t n)
{
	const char *names[] = {"t"}, *texts[] = {text};
	char err[256] = "";
	struct tpl_set *set;
	if (tpl_set_from_strings(&set, names, texts, 1, err, sizeof(err)) != 0) {
		snprintf(out, n, "ERR %s", err);
		return out;
	}
	json_error_t je;
	json_t *data = json_loads(json, 0, &je);
	struct buf b;
	buf_init(&b, 0);
	int rc = tpl_render(set, "t", data, &b);
	snprintf(out, n, "%s", rc == 0 ? b.data ? b.data : "" : "RENDER FAILED");
	buf_release(&b);
	json_decref(data);
	tpl_set_free(set);
	return out;
}

#define R(text, json) render1(text, json, out, sizeof(out))

static void test_escapes_by_default(void **state)
{
	char out[512];
	assert_string_equal(R("<p>{{x}}</p>", "{\"x\":\"<a href='x'>&\\\"</a>\"}"),
			    "<p>&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;</p>");
	assert_string_equal(R("{{&x}}", "{\"x\":\"<b>\"}"), "<b>");
	assert_string_equal(R("{{n}} {{r}} {{t}} {{f}} [{{z}}] [{{missing}}]",
			      "{\"n\":42,\"r\":1.5,\"t\":true,\"f\":false,\"z\":null}"),
			    "42 1.5 true false [] []");
}

static void test_sections(void **state)
{
	char out[512];
	assert_string_equal(R("{{#items}}<{{name}}>{{/items}}", "{\"items\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"),
			    "<a><b>");
	assert_string_equal(R("{{#list}}[{{.}}]{{/list}}", "{\"list\":[\"x\",\"y\"]}"), "[x][y]");
	assert_string_equal(R("{{#o}}{{k}}{{/o}}", "{\"o\":{\"k\":\"v\"}}"), "v");
	assert_string_equal(R("{{#outer}}{{#inner}}{{top}}{{v}}{{/inner}}{{/outer}}",
			      "{\"top\":\"T\",\"outer\":{\"inner\":[{\"v\":1},{\"v\":2}]}}"),
			    "T1T2");
	static const char *const falsy[] = {"null", "false", "\"\"", "0", "[]"};
	char json[64];
	for (size_t i = 0; i < 5; i++) {
		snprintf(json, sizeof(json), "{\"v\":%s}", falsy[i]);
		assert_string_equal(R("{{#v}}yes{{/v}}{{^v}}no{{/v}}", json), "no");
	}
	assert_string_equal(R("{{#v}}yes{{/v}}", "{\"v\":{}}"), "yes");
	assert_string_equal(R("{{#v}}yes{{/v}}{{^v}}no{{/v}}", "{}"), "no");
	assert_string_equal(R("{{a.b.c}}|{{list.1}}", "{\"a\":{\"b\":{\"c\":\"deep\"}},\"list\":[\"x\",\"y\"]}"),
			    "deep|y");
	assert_string_equal(R("a{{! a comment }}b", "{}"), "ab");
}

static void test_partials(void **state)
{
	const char *names[] = {"page", "head"}, *texts[] = {"{{>head}}body", "<h1>{{title}}</h1>"};
	char err[256];
	struct tpl_set *set;
	assert_int_equal(tpl_set_from_strings(&set, names, texts, 2, err, sizeof(err)), 0);
	json_t *data = json_pack("{s:s}", "title", "<T>");
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(tpl_render(set, "page", data, &b), 0);
	assert_string_equal(b.data, "<h1>&lt;T&gt;</h1>body");
	assert_int_equal(tpl_render(set, "nope", data, &b), -1);
	assert_true(tpl_exists(set, "head"));
	/* A buffer with a small maximum fails instead of truncating. */
	struct buf small;
	buf_init(&small, 5);
	assert_int_equal(tpl_render(set, "page", data, &small), -1);
	buf_release(&small);
	buf_release(&b);
	json_decref(data);
	tpl_set_free(set);
}

static void test_compile_errors_name_the_line(void **state)
{
	char out[512];
	assert_string_equal(R("a\n{{#x}}\nb", "{}"), "ERR t:2: unclosed section {{#x}}");
	assert_string_equal(R("{{#x}}{{/y}}", "{}"), "ERR t:1: {{/y}} does not match {{#x}} of line 1");
	assert_string_equal(R("\n\n{{/y}}", "{}"), "ERR t:3: {{/y}} closes no section");
	assert_string_equal(R("{{x", "{}"), "ERR t:1: unclosed tag");
	assert_string_equal(R("{{{x}}}", "{}"),
			    "ERR t:1: '{{{' is not supported; use {{&name}} for raw output");
	assert_string_equal(R("{{}}", "{}"), "ERR t:1: empty tag name");
	assert_string_equal(R("{{a b}}", "{}"), "ERR t:1: bad tag name");
	assert_string_equal(R("{{>missing}}", "{}"), "ERR t:1: no template named 'missing'");
}

static void test_embedded_templates_compile(void **state)
{
	struct tpl_set *set;
	char err[256];
	assert_int_equal(tpl_set_load(&set, err, sizeof(err)), 0);
	assert_true(tpl_exists(set, "home"));
	assert_true(tpl_exists(set, "privacy"));
	tpl_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_by_default),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_partials),
		cmocka_unit_test(test_compile_errors_name_the_line),
		cmocka_unit_test(test_embedded_templates_compile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
