/*
 * visits: counting page views without following anyone (docs/visits.md).
 *
 * The page path calls visits_record() with what the request showed: the
 * route's pattern (never the path or query), the client address, the
 * User-Agent, the Referer, the site's own host and, for a signed-in
 * member, the hash of the session token. It keeps none of the raw values:
 * it classes the device, keeps the referrer's host only when it is
 * another site, and takes the visitor's key (keyed BLAKE2b of client
 * address, User-Agent and site under the day's salt), then appends the
 * view to a bounded buffer in memory. It never touches the store; when the
 * buffer is full the view is dropped and counted (metric visits_dropped).
 *
 * A background writer (visits_start) empties the buffer every
 * visits-flush-ms: the day's salt is agreed through the store (one per day
 * for every process on a database) and the salt of a day that has ended
 * is deleted; views are written in one transaction; the views of a
 * signed-in member are linked to them (INS10) only where the profile has a
 * purpose, other than counting, that uses the `visits` category for
 * members, and the broker allows it (their choice under its basis); the
 * days that have ended are rolled up into daily counts and their views
 * deleted; counts older than the statistics purpose's retention are
 * purged.
 *
 * Reports (NAM09): counts per area and day from the roll-ups, every cell
 * under the profile's aggregate_min_group hidden, and every total that
 * sums a hidden cell hidden too (visits_report_suppress).
 */
#ifndef GLOVEBOX_VISITS_H
#define GLOVEBOX_VISITS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct store_conn;
struct policy;

/* A referrer host longer than this is counted as "other". */
#define VISITS_HOST_MAX 100
/* The bytes of a visitor key and of a day's salt. */
#define VISITS_KEY_BYTES 32
/* The longest range of days one report covers. */
#define VISITS_REPORT_MAX_DAYS 366
/* The referrer written for a host too long to keep. */
#define VISITS_HOST_OTHER "other"

enum visits_device {
	VISITS_DESKTOP,
	VISITS_MOBILE,
	VISITS_TABLET,
	VISITS_BOT, /* crawlers, HTTP libraries, no User-Agent: never counted */
	VISITS_DEVICE_COUNT,
};

const char *visits_device_name(enum visits_device d);
/* The coarse class of a User-Agent (NULL: a bot). Pure. */
enum visits_device visits_device_of(const char *user_agent);

/*
 * The referring site's host, lower-cased and without port or user, into
 * out (n bytes): true when referer names a host other than own_host (the
 * request's Host, port ignored) and other than site_host (the site's
 * configured host, may be NULL). False, with out empty, for none, the
 * site itself or a value that is not an http(s) URL. A host longer than
 * VISITS_HOST_MAX is given as VISITS_HOST_OTHER. Pure.
 */
bool visits_referrer_host(const char *referer, const char *own_host, const char *site_host,
			  char *out, size_t n);

/* What the page path saw of one page view. Nothing is kept beyond the call
 * but what visits_record derives. */
struct visits_seen {
	const char *area;	      /* the route's pattern: static, kept by pointer */
	const char *client;	      /* the client address */
	const char *user_agent;	      /* may be NULL */
	const char *referer;	      /* may be NULL */
	const char *host;	      /* the request's Host header; may be NULL */
	const unsigned char *session; /* a member session's token hash, or NULL */
};

/* Starts the writer (when the configuration counts visits). 0 or -1. */
int visits_start(void);
/* Writes what is buffered and stops the writer. */
void visits_stop(void);
/* Whether views are being counted (visits_start ran with counting on). */
bool visits_counting(void);
/* The page path: derives the view and buffers it. Never blocks on I/O. */
void visits_record(const struct visits_seen *v);
/* One writer pass now (the writer's own, for tests and stopping). 0 or -1. */
int visits_pass(void);

/* The purpose under which a member's visits are linked to them, or NULL
 * when the profile has none (north-american-motoring). */
const char *visits_link_purpose(const struct policy *p);

/* A member's linked visits, newest first: [{"page", "visited_at"}]; [] when
 * none. NULL when the store failed or a value did not open. */
json_t *visits_of_member(struct store_conn *c, int64_t member);

/* ---- reports (NAM09) ---- */

struct visits_cell {
	int64_t visitors; /* distinct visitor keys of the day (summed for totals) */
	int64_t views;
	bool shown; /* false: fewer than the minimum group, or a total over such a cell */
};

struct visits_report {
	int64_t from_day, to_day; /* days since 1970-01-01 (UTC), both included */
	size_t ndays;
	char **areas; /* route patterns, sorted */
	size_t nareas;
	struct visits_cell *cells;	 /* nareas x ndays, row by row */
	struct visits_cell *area_totals; /* per area, over the days */
	struct visits_cell *day_totals;	 /* per day, over the areas */
	struct visits_cell total;
	int min_group;
	const char *profile;
	int profile_version;
	/* Laplace noise (the profile's `noise` block): each shown cell noised
	 * with this epsilon, totals the sums of the noised cells. */
	bool noised;
	double epsilon;
	double budget, spent; /* the asking staff member's, this period, after this report */
	int64_t period;	      /* seconds */
};

/* The day number of a "YYYY-MM-DD" date; -1 if it is not one. Pure. */
int64_t visits_day_of(const char *date);
/* "YYYY-MM-DD" of a day number into out (at least VISITS_DAY_TEXT bytes). Pure. */
#define VISITS_DAY_TEXT 11
void visits_day_text(int64_t day, char *out, size_t n);
/* Today's day number (UTC). */
int64_t visits_today(void);

/* The days a report asks for (YYYY-MM-DD, either NULL): by default the
 * last VISITS_REPORT_DEFAULT_DAYS days that have ended. 0, or -1 with f
 * set (ERR_BAD_RANGE). */
#define VISITS_REPORT_DEFAULT_DAYS 28
int visits_range(const char *from, const char *to, int64_t *first, int64_t *last,
		 struct failure *f);

/*
 * The counts per area and day of the days from..to (both included; days
 * not yet rolled up count nothing), suppressed for the profile in force.
 * 0, or -1 with f set (a range the wrong way round or too long, the store).
 */
int visits_report(int64_t from, int64_t to, struct visits_report *out, struct failure *f);
/*
 * NAM09, pure: a cell is shown when its visitors are 0 or at least k; a
 * total (an area's, a day's, the whole) only when every cell it sums is
 * shown. A published number is then a shown cell or a sum of shown cells,
 * so no sum or difference of published numbers, within one report or
 * across reports of other ranges, gives a hidden cell (docs/visits.md).
 */
void visits_report_suppress(struct visits_report *r, int k);

/* ---- Laplace noise (NAM09, optional) ---- */

/* A draw of Laplace(0, scale) by the inverse of its distribution at u, a
 * uniform draw in (0, 1). Pure. */
double visits_laplace(double scale, double u);
/* count plus Laplace(0, 1/epsilon) at u, rounded to the nearest whole
 * number and never below 0. Pure. */
int64_t visits_noised(int64_t count, double epsilon, double u);
/*
 * Noises a suppressed report: every shown cell's visitors and views get
 * their own draw (draw() gives uniform draws in (0, 1); views are then
 * at least the visitors), hidden cells stay hidden, and each shown total
 * becomes the sum of the noised cells it adds up (post-processing: it
 * costs no budget and never contradicts its cells). Suppression was
 * decided on the true counts before (visits_report_suppress).
 */
void visits_report_noise(struct visits_report *r, double epsilon, double (*draw)(void));
/*
 * The report a staff member asks for: visits_report, and where the profile
 * declares noise, the report's epsilon charged to the member's budget of
 * the current period first (ERR_NOISE_BUDGET, with Retry-After until the
 * next period, when it would go over; nothing is read then), then noise
 * with libsodium's random draws.
 */
int visits_report_for(int64_t staff, int64_t from, int64_t to, struct visits_report *out,
		      struct failure *f);
void visits_report_release(struct visits_report *r);
/* The report as JSON; a hidden number is null with "fewer_than": k. */
json_t *visits_report_json(const struct visits_report *r);
/* The report as CSV, one line per cell, area total, day total and the whole
 * (profile,profile_version,area,day,visitors,views), a hidden number as
 * "fewer than k". 0, or -1 when out is full. */
struct buf;
int visits_report_csv(const struct visits_report *r, struct buf *out);
/* The report as an inline SVG chart (presentation attributes only, every
 * text escaped): a row of bars per area, one bar per day, a hidden cell a
 * hollow stub titled "fewer than k". 0, or -1 when out is full. */
int visits_report_svg(const struct visits_report *r, struct buf *out);

#endif
