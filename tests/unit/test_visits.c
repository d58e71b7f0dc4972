/*
 * test_visits: counting visits (docs/visits.md) without a server: the
 * device classes, the referrer's host, days as text, which purpose links
 * visits to members (INS10), the writer's pass over a bounded buffer, and
 * the report's suppression (NAM09): small cells hidden, every total over a
 * hidden cell hidden; and the Laplace sampler of the optional noise: its
 * inverse distribution, draws from libsodium centred on the truth with the
 * spread 1/epsilon gives, counts never negative, noise only on shown cells.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "crypto.h"
#include "visits.h"

#include "fixture.h"

#include <cmocka.h>

static int setup(void **state)
{
	return fixture_open("north-american-motoring");
}

static int teardown(void **state)
{
	return fixture_close();
}

static void test_device_classes(void **state)
{
	assert_int_equal(visits_device_of(NULL), VISITS_BOT);
	assert_int_equal(visits_device_of(""), VISITS_BOT);
	assert_int_equal(visits_device_of("Googlebot/2.1 (+http://www.google.com/bot.html)"),
			 VISITS_BOT);
	assert_int_equal(visits_device_of("curl/8.5.0"), VISITS_BOT);
	assert_int_equal(visits_device_of("python-requests/2.31"), VISITS_BOT);
	assert_int_equal(visits_device_of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"),
			 VISITS_MOBILE);
	assert_int_equal(visits_device_of("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile"),
			 VISITS_MOBILE);
	assert_int_equal(visits_device_of("Mozilla/5.0 (Linux; Android 13; SM-X200)"),
			 VISITS_TABLET);
	assert_int_equal(visits_device_of("Mozilla/5.0 (iPad; CPU OS 17_0)"), VISITS_TABLET);
	assert_int_equal(visits_device_of("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121"),
			 VISITS_DESKTOP);
	assert_string_equal(visits_device_name(VISITS_TABLET), "tablet");
}

static void referrer_is(const char *referer, const char *own, const char *want)
{
	char out[VISITS_HOST_MAX + 1];
	bool other =
		visits_referrer_host(referer, own, "http://www.example.org:8080", out, sizeof(out));
	assert_int_equal(other, *want != '\0');
	assert_string_equal(out, want);
}

static void test_referrer_is_another_sites_host_only(void **state)
{
	referrer_is("https://News.Example.net/story?id=42#top", "site.test", "news.example.net");
	referrer_is("http://user:pw@forum.example.com:8443/t/1", "site.test", "forum.example.com");
	referrer_is("https://site.test/privacy", "site.test:8080", "");
	referrer_is("https://www.example.org/", "127.0.0.1:8080", "");
	referrer_is("android-app://com.example", "site.test", "");
	referrer_is("https:///nohost", "site.test", "");
	referrer_is("https://bad_host!/", "site.test", "");
	referrer_is(NULL, "site.test", "");
	char longhost[300];
	memset(longhost, 'a', sizeof(longhost));
	memcpy(longhost, "https://", 8);
	longhost[sizeof(longhost) - 1] = '\0';
	referrer_is(longhost, "site.test", VISITS_HOST_OTHER);
}

static void test_days_as_text(void **state)
{
	char out[16];
	assert_int_equal(visits_day_of("1970-01-01"), 0);
	assert_int_equal(visits_day_of("2024-02-29"), 19782);
	assert_int_equal(visits_day_of("2023-02-29"), -1);
	assert_int_equal(visits_day_of("2024-13-01"), -1);
	assert_int_equal(visits_day_of("2024-1-01"), -1);
	visits_day_text(19782, out, sizeof(out));
	assert_string_equal(out, "2024-02-29");
	int64_t first, last;
	struct failure f;
	assert_int_equal(visits_range("2024-03-01", "2024-02-01", &first, &last, &f), -1);
	assert_int_equal(visits_range("2020-01-01", "2024-02-01", &first, &last, &f), -1);
	assert_int_equal(visits_range(NULL, NULL, &first, &last, &f), 0);
	assert_int_equal(last, visits_today() - 1);
	assert_int_equal(last - first + 1, VISITS_REPORT_DEFAULT_DAYS);
}

static void test_ins10_only_a_purpose_beyond_counting_links_visits(void **state)
{
	struct policy_diags d = {0};
	struct policy *mini = policy_load_bundled("mini-insiders", &d);
	assert_non_null(mini);
	assert_string_equal(visits_link_purpose(mini), "visit_personalisation");
	/* north-american-motoring counts visits (site_statistics uses the
	 * category) but links them to no one. */
	assert_null(visits_link_purpose(app.policy));
	policy_free(mini);
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

static int64_t rows(const char *sql)
{
	int64_t n = -1;
	assert_true(store_query(app.store, sql, NULL, 0, count_cb, &n) >= 0);
	return n;
}

static void test_buffer_full_drops_and_the_writer_writes(void **state)
{
	app.cfg.visits = true;
	app.cfg.visits_buffer = 2;
	app.cfg.visits_flush_ms = 3600 * 1000; /* passes by hand below */
	assert_int_equal(visits_start(), 0);
	assert_int_equal(visits_pass(), 0);
	struct visits_seen v = {.area = "/privacy",
				.client = "192.0.2.7",
				.user_agent = "Mozilla/5.0 (X11; Linux x86_64)",
				.referer = "https://news.example.net/a?b=c",
				.host = "127.0.0.1:8080"};
	for (int i = 0; i < 3; i++)
		visits_record(&v); /* the third is dropped: the buffer holds 2 */
	v.user_agent = "Googlebot/2.1";
	visits_record(&v); /* a bot: not counted */
	assert_int_equal(visits_pass(), 0);
	/* One visitor's two views of an area in one batch: one row, views 2. */
	assert_int_equal(rows("SELECT COUNT(*) FROM visit_views"), 1);
	assert_int_equal(rows("SELECT views FROM visit_views WHERE referrer = "
			      "'news.example.net' AND device = 'desktop' AND area = '/privacy'"),
			 2);
	/* Today's salt and tomorrow's, agreed ahead of midnight (the midnight
	 * race, docs/visits.md; changed on purpose: it was today's only). */
	assert_int_equal(rows("SELECT COUNT(*) FROM visit_salts"), 2);
	/* The day ends: rolled up, views and that day's salt deleted. */
	assert_true(store_query(app.store, "UPDATE visit_views SET day = day - 1", NULL, 0, NULL,
				NULL) >= 0);
	assert_true(store_query(app.store, "UPDATE visit_salts SET day = day - 1", NULL, 0, NULL,
				NULL) >= 0);
	assert_int_equal(visits_pass(), 0);
	assert_int_equal(rows("SELECT COUNT(*) FROM visit_views"), 0);
	char ended[96];
	snprintf(ended, sizeof(ended), "SELECT COUNT(*) FROM visit_salts WHERE day < %lld",
		 (long long)visits_today());
	assert_int_equal(rows(ended), 0);
	assert_int_equal(rows("SELECT visitors FROM visit_area_days WHERE area = '/privacy'"), 1);
	assert_int_equal(rows("SELECT views FROM visit_rollups WHERE area = '/privacy'"), 2);
	visits_stop();
}

/* A 2 x 3 report by hand: rows (areas) a, b; days 0..2. */
static void test_nam09_small_cells_and_totals_over_them_hidden(void **state)
{
	struct visits_cell cells[6] = {
		{.visitors = 12, .views = 20},
		{.visitors = 3, .views = 3},
		{.visitors = 15},
		{.visitors = 11},
		{.visitors = 0},
		{.visitors = 10},
	};
	struct visits_cell area_totals[2], day_totals[3];
	char a[] = "/a", b[] = "/b";
	char *areas[] = {a, b};
	struct visits_report r = {.from_day = 100,
				  .to_day = 102,
				  .ndays = 3,
				  .areas = areas,
				  .nareas = 2,
				  .cells = cells,
				  .area_totals = area_totals,
				  .day_totals = day_totals};
	visits_report_suppress(&r, 10);
	assert_true(cells[0].shown);
	assert_false(cells[1].shown);
	assert_true(cells[4].shown); /* zero: no one */
	assert_true(cells[5].shown); /* exactly k */
	assert_false(area_totals[0].shown);
	assert_true(area_totals[1].shown);
	assert_int_equal(area_totals[1].visitors, 21);
	assert_true(day_totals[0].shown);
	assert_int_equal(day_totals[0].visitors, 23);
	assert_false(day_totals[1].shown);
	assert_true(day_totals[2].shown);
	assert_false(r.total.shown);
	/* The JSON never carries a hidden number. */
	r.profile = "p";
	json_t *j = visits_report_json(&r);
	char *text = json_dumps(j, JSON_COMPACT);
	assert_null(strstr(text, "\"visitors\":3,"));
	assert_non_null(strstr(text, "\"fewer_than\":10"));
	free(text);
	json_decref(j);
	/* Raising k hides more; nothing hidden comes back. */
	visits_report_suppress(&r, 13);
	assert_false(cells[3].shown);
	assert_false(day_totals[0].shown);
	assert_false(area_totals[1].shown);
}

static void test_laplace_inverse_distribution(void **state)
{
	/* The median is 0, the quartiles are -b ln 2 and b ln 2, and the
	 * draw at 1 - u is minus the draw at u. */
	assert_true(fabs(visits_laplace(2.0, 0.5)) < 1e-12);
	assert_true(fabs(visits_laplace(2.0, 0.25) + 2.0 * log(2.0)) < 1e-12);
	assert_true(fabs(visits_laplace(2.0, 0.75) - 2.0 * log(2.0)) < 1e-12);
	for (double u = 0.01; u < 0.5; u += 0.01)
		assert_true(fabs(visits_laplace(3.0, u) + visits_laplace(3.0, 1.0 - u)) < 1e-9);
	/* Rounded and clamped: a count never goes below 0. */
	assert_int_equal(visits_noised(0, 0.1, 1e-12), 0);
	assert_int_equal(visits_noised(5, 1.0, 0.5), 5);
	assert_int_equal(visits_noised(5, 1.0, 0.75), 6); /* 5 + ln 2 */
	assert_int_equal(visits_noised(5, 1.0, 0.25), 4);
}

static void test_laplace_draws_centred_with_spread_one_over_epsilon(void **state)
{
	/* 40000 draws at epsilon 0.5 (scale 2): the mean is within 0.2 of 0
	 * (its standard error is 0.014) and the mean distance from 0 within
	 * 10% of the scale; a noised count is never negative. */
	const int n = 40000;
	const double eps = 0.5, scale = 1.0 / eps;
	double sum = 0, abs_sum = 0;
	for (int i = 0; i < n; i++) {
		double u = crypto_random_unit();
		assert_true(u > 0.0 && u < 1.0);
		double x = visits_laplace(scale, u);
		sum += x;
		abs_sum += fabs(x);
		assert_true(visits_noised(3, eps, crypto_random_unit()) >= 0);
	}
	assert_true(fabs(sum / n) < 0.2);
	assert_true(fabs(abs_sum / n - scale) < 0.1 * scale);
}

static double draw_high(void)
{
	return 0.9; /* + ln(5) at scale 1: +1.6, rounded 2 */
}

static void test_noise_only_on_shown_cells_totals_their_sums(void **state)
{
	struct visits_cell cells[4] = {
		{.visitors = 12, .views = 20},
		{.visitors = 3, .views = 3},
		{.visitors = 0, .views = 0},
		{.visitors = 10, .views = 14},
	};
	struct visits_cell area_totals[2], day_totals[2];
	char a[] = "/a", b[] = "/b";
	char *areas[] = {a, b};
	struct visits_report r = {.from_day = 100,
				  .to_day = 101,
				  .ndays = 2,
				  .areas = areas,
				  .nareas = 2,
				  .cells = cells,
				  .area_totals = area_totals,
				  .day_totals = day_totals};
	/* Suppression first, on the true counts; then noise. */
	visits_report_suppress(&r, 10);
	visits_report_noise(&r, 1.0, draw_high);
	assert_true(r.noised);
	assert_int_equal(cells[0].visitors, 14);
	assert_int_equal(cells[0].views, 22);
	assert_false(cells[1].shown); /* still hidden: never noised into view */
	assert_int_equal(cells[2].visitors, 2);
	assert_int_equal(cells[3].visitors, 12);
	/* A shown total is the sum of its noised cells; a hidden one stays hidden. */
	assert_false(area_totals[0].shown);
	assert_true(area_totals[1].shown);
	assert_int_equal(area_totals[1].visitors, 14);
	assert_true(day_totals[0].shown && !day_totals[1].shown);
	assert_int_equal(day_totals[0].visitors, 16);
	/* The answers say it is noised, and with what epsilon. */
	r.profile = "p";
	json_t *j = visits_report_json(&r);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "noise"), "mechanism")),
		"laplace");
	assert_true(json_real_value(json_object_get(json_object_get(j, "noise"), "epsilon")) ==
		    1.0);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_classes),
		cmocka_unit_test(test_referrer_is_another_sites_host_only),
		cmocka_unit_test(test_days_as_text),
		cmocka_unit_test(test_ins10_only_a_purpose_beyond_counting_links_visits),
		cmocka_unit_test(test_buffer_full_drops_and_the_writer_writes),
		cmocka_unit_test(test_nam09_small_cells_and_totals_over_them_hidden),
		cmocka_unit_test(test_laplace_inverse_distribution),
		cmocka_unit_test(test_laplace_draws_centred_with_spread_one_over_epsilon),
		cmocka_unit_test(test_noise_only_on_shown_cells_totals_their_sums),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
