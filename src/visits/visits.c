/*
 * visits: the recorder, the day's salt, the writer, the roll-ups and the
 * reports of visits.h (docs/visits.md).
 */
#include "visits.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "policy.h"
#include "record.h"
#include "session.h"
#include "store.h"
#include "ticker.h"
#include "token.h"

#define SECONDS_PER_DAY 86400
/* A linked visit kept "as long as the account": until erased with it. */
#define KEPT_WITH_ACCOUNT INT64_C(4102444800) /* 2100-01-01 */
/* The linked visits /me and the export list, newest first, at most. */
#define VISITS_OF_MEMBER_MAX 1000

static const char *const device_names[] = {
	[VISITS_DESKTOP] = "desktop",
	[VISITS_MOBILE] = "mobile",
	[VISITS_TABLET] = "tablet",
	[VISITS_BOT] = "bot",
};

const char *visits_device_name(enum visits_device d)
{
	return (unsigned)d < VISITS_DEVICE_COUNT ? device_names[d] : "?";
}

/* Words that mark a program rather than a person's browser (lower case). */
static const char *const bot_words[] = {
	"bot",
	"crawl",
	"spider",
	"slurp",
	"curl/",
	"wget/",
	"python-",
	"java/",
	"go-http",
	"libwww",
	"httpclient",
	"okhttp",
	"facebookexternalhit",
	"preview",
	"monitor",
};

/* The part of a User-Agent looked at: browsers say what they are well
 * within it. */
#define UA_LOOKED_AT 384

enum visits_device visits_device_of(const char *ua)
{
	if (!ua || !*ua)
		return VISITS_BOT;
	char low[UA_LOOKED_AT + 1];
	size_t n = 0;
	for (; ua[n] && n < UA_LOOKED_AT; n++)
		low[n] = (char)tolower((unsigned char)ua[n]);
	low[n] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(bot_words); i++)
		if (strstr(low, bot_words[i]))
			return VISITS_BOT;
	bool android = strstr(low, "android") != NULL, mobi = strstr(low, "mobi") != NULL;
	if (strstr(low, "ipad") || strstr(low, "tablet") || (android && !mobi))
		return VISITS_TABLET;
	if (mobi || strstr(low, "iphone") || strstr(low, "ipod"))
		return VISITS_MOBILE;
	return VISITS_DESKTOP;
}

/* The host part of an authority ("user@Host:port"), lower-cased into out;
 * false when it is empty or holds a character no host name has. */
static bool host_of(const char *p, size_t len, char *out, size_t n, bool *too_long)
{
	const char *at = memchr(p, '@', len);
	if (at) {
		len -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	size_t h = 0;
	if (len && p[0] == '[') { /* an IPv6 literal: up to the ']' */
		const char *close = memchr(p, ']', len);
		if (!close)
			return false;
		h = (size_t)(close + 1 - p);
	} else {
		while (h < len && p[h] != ':')
			h++;
	}
	if (h == 0)
		return false;
	*too_long = h > VISITS_HOST_MAX || h >= n;
	if (*too_long)
		return true;
	for (size_t i = 0; i < h; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!(isalnum(c) || c == '.' || c == '-' || c == '[' || c == ']' || c == ':'))
			return false;
		out[i] = (char)tolower(c);
	}
	out[h] = '\0';
	return true;
}

static bool same_host(const char *a, const char *b)
{
	if (!b || !*b)
		return false;
	char hb[VISITS_HOST_MAX + 1];
	bool long_b = false;
	const char *scheme = strstr(b, "://"); /* site-url: the host of the address */
	if (scheme)
		b = scheme + 3;
	size_t len = strcspn(b, "/?#");
	return host_of(b, len, hb, sizeof(hb), &long_b) && !long_b && strcmp(a, hb) == 0;
}

bool visits_referrer_host(const char *referer, const char *own_host, const char *site_host,
			  char *out, size_t n)
{
	if (n)
		out[0] = '\0';
	if (!referer || n < sizeof(VISITS_HOST_OTHER))
		return false;
	const char *p;
	if (strncasecmp(referer, "https://", 8) == 0)
		p = referer + 8;
	else if (strncasecmp(referer, "http://", 7) == 0)
		p = referer + 7;
	else
		return false;
	size_t len = strcspn(p, "/?#");
	char host[VISITS_HOST_MAX + 1];
	bool too_long = false;
	if (!host_of(p, len, host, sizeof(host), &too_long))
		return false;
	if (too_long) {
		snprintf(out, n, "%s", VISITS_HOST_OTHER);
		return true;
	}
	if (same_host(host, own_host) || same_host(host, site_host))
		return false;
	snprintf(out, n, "%s", host);
	return true;
}

/* ---- days ---- */

int64_t visits_today(void)
{
	return (int64_t)time(NULL) / SECONDS_PER_DAY;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t visits_day_of(const char *date)
{
	if (!date || strlen(date) != 10 || date[4] != '-' || date[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)date[i]))
			return -1;
	int64_t y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 +
		    (date[3] - '0');
	unsigned m = (unsigned)((date[5] - '0') * 10 + (date[6] - '0'));
	unsigned d = (unsigned)((date[8] - '0') * 10 + (date[9] - '0'));
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	int64_t day = days_from_civil(y, m, d);
	char back[16];
	visits_day_text(day, back, sizeof(back));
	return strcmp(back, date) == 0 ? day : -1; /* 29 February of a common year */
}

void visits_day_text(int64_t day, char *out, size_t n)
{
	time_t t = (time_t)(day * SECONDS_PER_DAY);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

/* ---- the recorder ---- */

struct view {
	const char *area;
	int64_t day, at;
	enum visits_device device;
	char referrer[VISITS_HOST_MAX + 1];
	unsigned char visitor[VISITS_KEY_BYTES];
	bool linked;
	unsigned char session[TOKEN_HASH_BYTES];
};

static struct {
	pthread_mutex_t lock;
	bool on;
	/* The buffer the page path fills and the one the writer empties. */
	struct view *fill, *drain;
	size_t nfill, cap;
	/* The day's salt, in locked memory; saved: agreed through the store. */
	unsigned char *salt;
	int64_t salt_day;
	bool salt_saved;
	/* Tomorrow's, agreed through the store ahead of midnight, so that every
	 * process takes the new day's keys under one salt from its first view
	 * (no process keys the first views of a day under a salt of its own). */
	unsigned char *next_salt;
	int64_t next_day; /* -1: none agreed yet */
	struct ticker *writer;
	pthread_mutex_t pass_lock; /* one pass at a time */
	const char *link_purpose;
	int64_t purged_day; /* the day the counts past retention were last purged */
} rec = {.lock = PTHREAD_MUTEX_INITIALIZER, .pass_lock = PTHREAD_MUTEX_INITIALIZER};

bool visits_counting(void)
{
	return rec.on;
}

const char *visits_link_purpose(const struct policy *p)
{
	int cat = policy_category_index(p, "visits");
	int member = policy_subject_index(p, "member");
	if (cat < 0 || member < 0)
		return NULL;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (pu->kind == PK_AGGREGATE_STATISTICS || !policy_purpose_covers(pu, cat))
			continue;
		for (size_t s = 0; s < pu->nsubjects; s++)
			if (pu->subjects[s] == member)
				return pu->id;
	}
	return NULL;
}

/* The salt for day, when the one in memory is another day's: the one
 * agreed for it ahead of time, or else a new one the writer then agrees
 * with the store. Under rec.lock. */
static void salt_for(int64_t day)
{
	if (rec.salt_day == day)
		return;
	if (rec.next_day == day) {
		memcpy(rec.salt, rec.next_salt, VISITS_KEY_BYTES);
		crypto_wipe(rec.next_salt, VISITS_KEY_BYTES);
		rec.next_day = -1;
		rec.salt_day = day;
		rec.salt_saved = true;
		return;
	}
	crypto_random(rec.salt, VISITS_KEY_BYTES);
	rec.salt_day = day;
	rec.salt_saved = false;
}

void visits_record(const struct visits_seen *v)
{
	if (!rec.on)
		return;
	enum visits_device device = visits_device_of(v->user_agent);
	if (device == VISITS_BOT) {
		metrics_count("visits_bots", 1);
		return;
	}
	struct view w = {.area = v->area, .at = (int64_t)time(NULL), .device = device};
	w.day = w.at / SECONDS_PER_DAY;
	visits_referrer_host(v->referer, v->host, app.cfg.site_url, w.referrer, sizeof(w.referrer));
	if (v->session && rec.link_purpose) {
		w.linked = true;
		memcpy(w.session, v->session, sizeof(w.session));
	}
	const char *ua = v->user_agent, *site = app.cfg.site_url ? app.cfg.site_url : "";
	const char *client = v->client ? v->client : "";
	const void *parts[] = {client, "\n", ua, "\n", site};
	size_t lens[] = {strlen(client), 1, strlen(ua), 1, strlen(site)};
	unsigned char salt[VISITS_KEY_BYTES];
	/* A full buffer drops the view before any work on it: overload makes
	 * counting cheaper, never pages slower. The key is taken outside the
	 * lock, so that event loops do not queue behind each other's hashing. */
	pthread_mutex_lock(&rec.lock);
	bool dropped = rec.nfill >= rec.cap;
	salt_for(w.day);
	memcpy(salt, rec.salt, sizeof(salt));
	pthread_mutex_unlock(&rec.lock);
	if (!dropped) {
		crypto_keyed_hash(salt, parts, lens, ARRAY_LEN(parts), w.visitor);
		pthread_mutex_lock(&rec.lock);
		if (rec.nfill < rec.cap)
			rec.fill[rec.nfill++] = w;
		else
			dropped = true;
		pthread_mutex_unlock(&rec.lock);
	}
	crypto_wipe(salt, sizeof(salt));
	crypto_wipe(&w, sizeof(w));
	metrics_count(dropped ? "visits_dropped" : "visits_counted", 1);
}

/* ---- the writer ---- */

static const char SQL_SALT_PUT[] =
	"INSERT INTO visit_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING";
static const char SQL_SALT_GET[] = "SELECT salt FROM visit_salts WHERE day = $1";
static const char SQL_SALT_DROP[] = "DELETE FROM visit_salts WHERE day < $1";
/* A read first: the writer's pass runs every second, and a DELETE that
 * finds nothing still takes SQLite's write lock. */
static const char SQL_SALT_OLD[] = "SELECT 1 FROM visit_salts WHERE day < $1 LIMIT 1";
static const char SQL_VIEW_PUT[] =
	"INSERT INTO visit_views (day, area, referrer, device, visitor, views) "
	"VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_ENDED_DAYS[] = "SELECT DISTINCT day FROM visit_views WHERE day < $1";
static const char SQL_ROLLUP[] =
	"INSERT INTO visit_rollups (day, area, referrer, device, views, visitors) "
	"SELECT day, area, referrer, device, SUM(views), COUNT(DISTINCT visitor) "
	"FROM visit_views WHERE day = $1 GROUP BY day, area, referrer, device "
	"ON CONFLICT (day, area, referrer, device) DO UPDATE SET "
	"views = visit_rollups.views + excluded.views, "
	"visitors = visit_rollups.visitors + excluded.visitors";
static const char SQL_ROLLUP_AREA[] = "INSERT INTO visit_area_days (day, area, views, visitors) "
				      "SELECT day, area, COUNT(*), COUNT(DISTINCT visitor) "
				      "FROM visit_views WHERE day = $1 GROUP BY day, area "
				      "ON CONFLICT (day, area) DO UPDATE SET "
				      "views = visit_area_days.views + excluded.views, "
				      "visitors = visit_area_days.visitors + excluded.visitors";
static const char SQL_VIEWS_DROP[] = "DELETE FROM visit_views WHERE day = $1";
static const char SQL_ROLLUPS_PURGE[] = "DELETE FROM visit_rollups WHERE day < $1";
static const char SQL_AREA_DAYS_PURGE[] = "DELETE FROM visit_area_days WHERE day < $1";

static int blob_cb(void *ctx, const struct store_row *row)
{
	unsigned char *out = ctx;
	if (row->cols[0].type == STORE_BLOB && row->cols[0].n == VISITS_KEY_BYTES)
		memcpy(out, row->cols[0].p, VISITS_KEY_BYTES);
	return 0;
}

/* The salt the store holds for day, written from candidate unless another
 * process wrote one first (the database chooses: the first insert wins),
 * into out. 0 or -1. */
static int salt_stored(struct store_conn *c, int64_t day, const unsigned char *candidate,
		       unsigned char *out)
{
	struct store_val put[] = {SV_INT(day), SV_BLOB(candidate, VISITS_KEY_BYTES)};
	struct store_val get[] = {SV_INT(day)};
	memcpy(out, candidate, VISITS_KEY_BYTES);
	if (store_exec(c, SQL_SALT_PUT, put, STORE_NPARAMS(put), NULL, NULL) < 0 ||
	    store_exec(c, SQL_SALT_GET, get, STORE_NPARAMS(get), blob_cb, out) < 0)
		return -1;
	return 0;
}

/* Agrees tomorrow's salt now: at midnight every process then switches to
 * the same salt without waiting for a pass (docs/visits.md, "The midnight
 * race"). Read again on each pass (an insert that finds the row, and a
 * read by key), so that a process holds the row the store holds. 0 or -1. */
static int salt_agree_next(struct store_conn *c, int64_t today)
{
	unsigned char candidate[VISITS_KEY_BYTES], stored[VISITS_KEY_BYTES];
	crypto_random(candidate, sizeof(candidate));
	int rc = salt_stored(c, today + 1, candidate, stored);
	if (rc == 0) {
		pthread_mutex_lock(&rec.lock);
		if (rec.salt_day == today) {
			memcpy(rec.next_salt, stored, sizeof(stored));
			rec.next_day = today + 1;
		}
		pthread_mutex_unlock(&rec.lock);
	}
	crypto_wipe(candidate, sizeof(candidate));
	crypto_wipe(stored, sizeof(stored));
	return rc;
}

/* Makes the salt in memory the one every process on the store uses today
 * (and agrees tomorrow's), and deletes the salts of the days that have
 * ended. Returns how many. */
static int salt_agree(struct store_conn *c)
{
	unsigned char salt[VISITS_KEY_BYTES], stored[VISITS_KEY_BYTES];
	pthread_mutex_lock(&rec.lock);
	salt_for(visits_today());
	int64_t day = rec.salt_day;
	bool saved = rec.salt_saved;
	memcpy(salt, rec.salt, sizeof(salt));
	pthread_mutex_unlock(&rec.lock);
	int rc = 0;
	if (!saved) {
		if (salt_stored(c, day, salt, stored) != 0) {
			rc = -1;
		} else {
			pthread_mutex_lock(&rec.lock);
			if (rec.salt_day == day) {
				memcpy(rec.salt, stored, sizeof(stored));
				rec.salt_saved = true;
			}
			pthread_mutex_unlock(&rec.lock);
		}
	}
	crypto_wipe(salt, sizeof(salt));
	crypto_wipe(stored, sizeof(stored));
	pthread_mutex_lock(&rec.lock);
	bool next_agreed = rec.next_day == day + 1;
	pthread_mutex_unlock(&rec.lock);
	if (rc != 0 || (!next_agreed && salt_agree_next(c, day) != 0))
		return -1;
	struct store_val before[] = {SV_INT(day)};
	int old = store_exec(c, SQL_SALT_OLD, before, STORE_NPARAMS(before), NULL, NULL);
	if (old <= 0)
		return old;
	return store_exec(c, SQL_SALT_DROP, before, STORE_NPARAMS(before), NULL, NULL);
}

/* The order that puts a batch's views of one visitor, area, referrer and
 * device side by side (areas are the route table's own strings: one
 * pointer each). */
static int view_cmp(const struct view *a, const struct view *b)
{
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->area != b->area)
		return (uintptr_t)a->area < (uintptr_t)b->area ? -1 : 1;
	if (a->device != b->device)
		return a->device < b->device ? -1 : 1;
	int c = memcmp(a->visitor, b->visitor, sizeof(a->visitor));
	return c ? c : strcmp(a->referrer, b->referrer);
}

static int view_ptr_cmp(const void *pa, const void *pb)
{
	return view_cmp(*(const struct view *const *)pa, *(const struct view *const *)pb);
}

/* Writes a batch in one transaction, one row per visitor, area, referrer
 * and device with its count of views: a visitor reading ten pages of an
 * area costs one row, not ten. */
static int write_views(struct store_conn *c, const struct view *v, size_t n)
{
	if (n == 0)
		return 0;
	const struct view **order = xcalloc(n, sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = &v[i];
	qsort(order, n, sizeof(*order), view_ptr_cmp);
	int rc = store_begin(c) == 0 ? 0 : -1;
	for (size_t i = 0, j; rc == 0 && i < n; i = j) {
		const struct view *w = order[i];
		for (j = i + 1; j < n && view_cmp(w, order[j]) == 0; j++)
			;
		struct store_val row[] = {SV_INT(w->day),
					  SV_TEXT(w->area),
					  SV_TEXT(w->referrer),
					  SV_TEXT(visits_device_name(w->device)),
					  SV_BLOB(w->visitor, sizeof(w->visitor)),
					  SV_INT(j - i)};
		if (store_exec(c, SQL_VIEW_PUT, row, STORE_NPARAMS(row), NULL, NULL) < 0) {
			store_rollback(c);
			rc = -1;
		}
	}
	free(order);
	return rc == 0 ? store_commit(c) : -1;
}

/* When a linked visit expires: the linking purpose's retention for visits. */
static int64_t link_expiry(const struct policy *p, const char *purpose, int64_t at)
{
	int pi = policy_purpose_index(p, purpose), cat = policy_category_index(p, "visits");
	const struct policy_retention *r =
		pi < 0 || cat < 0 ? NULL : policy_retention_for(&p->purposes[pi], cat);
	if (r && r->kind == RET_DURATION)
		return at + r->seconds;
	return KEPT_WITH_ACCOUNT;
}

/* INS10: a signed-in member's views become theirs, sealed, where the
 * profile links visits to members and the broker allows it. A view whose
 * session has ended, or whose member said no, stays anonymous only. */
static int link_views(struct store_conn *c, const struct view *v, size_t n)
{
	const char *purpose = rec.link_purpose;
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].linked)
			continue;
		int64_t member = session_member_of_hash(c, v[i].session);
		if (member <= 0) {
			failed |= member < 0;
			continue;
		}
		static const char *const cats[] = {"visits"};
		struct broker_actor system = {.kind = ACTOR_SYSTEM};
		struct broker_use use = {.actor = &system,
					 .subject = member,
					 .purpose = purpose,
					 .categories = cats,
					 .ncategories = ARRAY_LEN(cats),
					 .action = "write"};
		struct broker_grant *g = NULL;
		enum decision_reason why;
		if (broker_open(c, &use, &g, &why) != 0) {
			failed |= why == DECISION_ALLOWED;
			continue;
		}
		struct record_field fields[] = {
			{"page", SV_TEXT(v[i].area)},
			{"visited_at", SV_INT(v[i].at)},
			{"expires_at", SV_INT(link_expiry(app.policy, purpose, v[i].at))},
		};
		if (store_begin(c) != 0 ||
		    record_insert(c, g, "member_visits", crypto_random_id(), fields,
				  ARRAY_LEN(fields)) < 0 ||
		    store_commit(c) != 0) {
			if (store_in_transaction(c))
				store_rollback(c);
			failed = 1;
		}
		broker_grant_free(g);
	}
	return failed ? -1 : 0;
}

static int day_cb(void *ctx, const struct store_row *row)
{
	struct {
		int64_t days[64];
		size_t n;
	} *d = ctx;
	if (d->n < ARRAY_LEN(d->days))
		d->days[d->n++] = row->cols[0].i;
	return 0;
}

/* The retention of the counts: the statistics purpose's for visits, or
 * none (they hold no one's data). 0: kept. */
static int64_t rollup_retention(const struct policy *p)
{
	int cat = policy_category_index(p, "visits");
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (pu->kind != PK_AGGREGATE_STATISTICS || cat < 0)
			continue;
		const struct policy_retention *r = policy_retention_for(pu, cat);
		if (r && r->kind == RET_DURATION)
			return r->seconds;
	}
	return 0;
}

/* Rolls up each day that has ended and deletes its views, one transaction
 * a day; purges counts past their retention. */
static int roll_up(struct store_conn *c)
{
	struct {
		int64_t days[64];
		size_t n;
	} ended = {.n = 0};
	struct store_val today[] = {SV_INT(visits_today())};
	if (store_exec(c, SQL_ENDED_DAYS, today, STORE_NPARAMS(today), day_cb, &ended) < 0)
		return -1;
	for (size_t i = 0; i < ended.n; i++) {
		struct store_val day[] = {SV_INT(ended.days[i])};
		if (store_begin(c) != 0)
			return -1;
		if (store_exec(c, SQL_ROLLUP, day, STORE_NPARAMS(day), NULL, NULL) < 0 ||
		    store_exec(c, SQL_ROLLUP_AREA, day, STORE_NPARAMS(day), NULL, NULL) < 0 ||
		    store_exec(c, SQL_VIEWS_DROP, day, STORE_NPARAMS(day), NULL, NULL) < 0 ||
		    store_commit(c) != 0) {
			if (store_in_transaction(c))
				store_rollback(c);
			return -1;
		}
	}
	/* Counts pass their retention a day at a time: purged once a day, or
	 * when days were just rolled up, not on every pass. */
	int64_t keep = rollup_retention(app.policy), now = visits_today();
	if (keep > 0 && (ended.n > 0 || rec.purged_day != now)) {
		struct store_val before[] = {SV_INT(now - keep / SECONDS_PER_DAY)};
		if (store_exec(c, SQL_ROLLUPS_PURGE, before, STORE_NPARAMS(before), NULL, NULL) <
			    0 ||
		    store_exec(c, SQL_AREA_DAYS_PURGE, before, STORE_NPARAMS(before), NULL, NULL) <
			    0)
			return -1;
		rec.purged_day = now;
	}
	return (int)ended.n;
}

int visits_pass(void)
{
	if (!rec.on)
		return 0;
	pthread_mutex_lock(&rec.pass_lock);
	pthread_mutex_lock(&rec.lock);
	struct view *batch = rec.fill;
	size_t n = rec.nfill;
	rec.fill = rec.drain;
	rec.nfill = 0;
	rec.drain = batch;
	pthread_mutex_unlock(&rec.lock);

	int rc = 0;
	struct store_conn *c = store_acquire(app.store);
	int dropped_salts = salt_agree(c);
	if (dropped_salts < 0)
		rc = -1;
	bool written = write_views(c, batch, n) == 0;
	if (!written) {
		/* The store is away: the batch is lost, counted, and pages go on. */
		metrics_count("visits_dropped", n);
		log_warn("visits: %zu page views could not be written", n);
		rc = -1;
	}
	if (rec.link_purpose && link_views(c, batch, n) != 0) {
		log_warn("visits: some page views could not be linked to their member");
		rc = -1;
	}
	/* Counted once linked too, so a reader of the metric sees both done. */
	if (written)
		metrics_count("visits_written", n);
	if (roll_up(c) < 0)
		rc = -1;
	store_release(c);
	crypto_wipe(batch, n * sizeof(*batch));
	/* The salt of a day that has ended leaves no byte in the files. */
	if (dropped_salts > 0)
		record_scrub();
	pthread_mutex_unlock(&rec.pass_lock);
	return rc;
}

static void writer_tick(void *arg)
{
	(void)arg;
	visits_pass();
}

int visits_start(void)
{
	if (!app.cfg.visits)
		return 0;
	rec.cap = app.cfg.visits_buffer > 0 ? (size_t)app.cfg.visits_buffer : 1;
	rec.fill = xcalloc(rec.cap, sizeof(*rec.fill));
	rec.drain = xcalloc(rec.cap, sizeof(*rec.drain));
	rec.nfill = 0;
	rec.salt = crypto_secret_alloc(VISITS_KEY_BYTES);
	rec.salt_day = -1;
	rec.next_salt = crypto_secret_alloc(VISITS_KEY_BYTES);
	rec.next_day = -1;
	rec.link_purpose = visits_link_purpose(app.policy);
	rec.on = true;
	/* The day's salt agreed before the first page, so that a process
	 * started during the day keys its first views under the salt the
	 * others use (the writer tries again if the store does not answer). */
	struct store_conn *c = store_acquire(app.store);
	if (salt_agree(c) < 0)
		log_error("visits: the day's salt could not be agreed at start; the writer tries "
			  "again");
	store_release(c);
	unsigned ms = app.cfg.visits_flush_ms > 0 ? (unsigned)app.cfg.visits_flush_ms : 1;
	rec.writer = ticker_start(ms, false, writer_tick, NULL);
	return rec.writer ? 0 : -1;
}

void visits_stop(void)
{
	if (!rec.on)
		return;
	ticker_stop(rec.writer);
	rec.writer = NULL;
	visits_pass();
	rec.on = false;
	free(rec.fill);
	free(rec.drain);
	rec.fill = rec.drain = NULL;
	crypto_secret_free(rec.salt);
	rec.salt = NULL;
	crypto_secret_free(rec.next_salt);
	rec.next_salt = NULL;
}

/* ---- a member's linked visits ---- */

struct mine {
	int64_t id[VISITS_OF_MEMBER_MAX], at[VISITS_OF_MEMBER_MAX];
	size_t n;
};

static int mine_cb(void *ctx, const struct store_row *row)
{
	struct mine *m = ctx;
	if (m->n < VISITS_OF_MEMBER_MAX) {
		m->id[m->n] = row->cols[0].i;
		m->at[m->n++] = row->cols[1].i;
	}
	return 0;
}

json_t *visits_of_member(struct store_conn *c, int64_t member)
{
	static const char sql[] = "SELECT id, visited_at FROM member_visits WHERE member_id = $1 "
				  "ORDER BY visited_at DESC, id";
	struct mine *m = xcalloc(1, sizeof(*m));
	struct store_val id[] = {SV_INT(member)};
	json_t *out = json_array();
	if (store_exec(c, sql, id, STORE_NPARAMS(id), mine_cb, m) < 0)
		goto fail;
	if (m->n == 0)
		goto done;
	/* The member reads their own: allowed under any purpose that uses the
	 * category for members (NAM13), the linking one first. */
	const char *purpose = visits_link_purpose(app.policy);
	if (!purpose)
		purpose = policy_category_purpose(app.policy, "visits");
	if (!purpose)
		goto done;
	static const char *const cats[] = {"visits"};
	struct broker_actor self = {.kind = ACTOR_SELF, .id = member};
	struct broker_use use = {.actor = &self,
				 .subject = member,
				 .purpose = purpose,
				 .categories = cats,
				 .ncategories = ARRAY_LEN(cats),
				 .action = "read"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	if (broker_open(c, &use, &g, &why) != 0)
		goto fail;
	for (size_t i = 0; i < m->n; i++) {
		static const char *const cols[] = {"page"};
		struct record_text t[1] = {{0}};
		if (record_read(c, g, "member_visits", m->id[i], cols, ARRAY_LEN(cols), t) != 1 ||
		    !t[0].p) {
			record_texts_release(t, ARRAY_LEN(t));
			broker_grant_free(g);
			goto fail;
		}
		json_array_append_new(out, json_pack("{s:s%,s:I}", "page", t[0].p, t[0].n,
						     "visited_at", (json_int_t)m->at[i]));
		record_texts_release(t, ARRAY_LEN(t));
	}
	broker_grant_free(g);
done:
	free(m);
	return out;
fail:
	free(m);
	json_decref(out);
	return NULL;
}

/* ---- reports ---- */

static const char SQL_REPORT[] = "SELECT area, day, visitors, views FROM visit_area_days "
				 "WHERE day >= $1 AND day <= $2 ORDER BY area, day";

struct report_rows {
	struct visits_report *r;
	int64_t *day, *visitors, *views;
	char **area;	  /* NULL: the same area as the row before */
	const char *last; /* the last area copied */
	size_t n, cap;
};

static int report_cb(void *ctx, const struct store_row *row)
{
	struct report_rows *rr = ctx;
	if (rr->n == rr->cap) {
		rr->cap = rr->cap ? 2 * rr->cap : 64;
		rr->day = xrealloc(rr->day, rr->cap * sizeof(*rr->day));
		rr->visitors = xrealloc(rr->visitors, rr->cap * sizeof(*rr->visitors));
		rr->views = xrealloc(rr->views, rr->cap * sizeof(*rr->views));
		rr->area = xrealloc(rr->area, rr->cap * sizeof(*rr->area));
	}
	const struct store_val *a = &row->cols[0];
	size_t len = a->type == STORE_TEXT ? a->n : 0;
	/* Rows come by area: a row of the area before gets NULL, not a copy
	 * (a year's report has 366 rows per area). */
	rr->area[rr->n] = NULL;
	if (!rr->last || strlen(rr->last) != len || memcmp(rr->last, a->p, len) != 0) {
		rr->area[rr->n] = xmalloc(len + 1);
		if (len)
			memcpy(rr->area[rr->n], a->p, len);
		rr->area[rr->n][len] = '\0';
		rr->last = rr->area[rr->n];
	}
	rr->day[rr->n] = row->cols[1].i;
	rr->visitors[rr->n] = row->cols[2].i;
	rr->views[rr->n++] = row->cols[3].i;
	return 0;
}

int visits_range(const char *from, const char *to, int64_t *first, int64_t *last, struct failure *f)
{
	*last = to ? visits_day_of(to) : visits_today() - 1;
	*first = from ? visits_day_of(from) : *last - (VISITS_REPORT_DEFAULT_DAYS - 1);
	if (*first < 0 || *last < *first || *last - *first + 1 > VISITS_REPORT_MAX_DAYS)
		return err_fail(f, ERR_BAD_RANGE);
	return 0;
}

int visits_report(int64_t from, int64_t to, struct visits_report *out, struct failure *f)
{
	memset(out, 0, sizeof(*out));
	if (from < 0 || to < from || to - from + 1 > VISITS_REPORT_MAX_DAYS)
		return err_fail(f, ERR_BAD_RANGE);
	struct report_rows rr = {.r = out};
	struct store_val range[] = {SV_INT(from), SV_INT(to)};
	if (store_query(app.store, SQL_REPORT, range, STORE_NPARAMS(range), report_cb, &rr) < 0) {
		for (size_t i = 0; i < rr.n; i++)
			free(rr.area[i]);
		free(rr.area);
		free(rr.day);
		free(rr.visitors);
		free(rr.views);
		return err_fail(f, ERR_STORE);
	}
	out->from_day = from;
	out->to_day = to;
	out->ndays = (size_t)(to - from + 1);
	/* Rows come sorted by area: each new name starts a row of the table. */
	out->areas = xcalloc(rr.n + 1, sizeof(*out->areas));
	out->cells = xcalloc(rr.n * out->ndays + 1, sizeof(*out->cells));
	for (size_t i = 0; i < rr.n; i++) {
		if (rr.area[i])
			out->areas[out->nareas++] = rr.area[i];
		struct visits_cell *c =
			&out->cells[(out->nareas - 1) * out->ndays + (size_t)(rr.day[i] - from)];
		c->visitors = rr.visitors[i];
		c->views = rr.views[i];
	}
	free(rr.area);
	free(rr.day);
	free(rr.visitors);
	free(rr.views);
	out->area_totals = xcalloc(out->nareas + 1, sizeof(*out->area_totals));
	out->day_totals = xcalloc(out->ndays, sizeof(*out->day_totals));
	out->profile = app.policy->name;
	out->profile_version = app.policy->version;
	visits_report_suppress(out, app.policy->settings.aggregate_min_group);
	return 0;
}

static void add(struct visits_cell *total, const struct visits_cell *c)
{
	total->visitors += c->visitors;
	total->views += c->views;
	total->shown = total->shown && c->shown;
}

void visits_report_suppress(struct visits_report *r, int k)
{
	r->min_group = k;
	r->total = (struct visits_cell){.shown = true};
	for (size_t d = 0; d < r->ndays; d++)
		r->day_totals[d] = (struct visits_cell){.shown = true};
	for (size_t a = 0; a < r->nareas; a++) {
		struct visits_cell *row = &r->cells[a * r->ndays];
		r->area_totals[a] = (struct visits_cell){.shown = true};
		for (size_t d = 0; d < r->ndays; d++) {
			row[d].shown = row[d].visitors == 0 || row[d].visitors >= k;
			add(&r->area_totals[a], &row[d]);
			add(&r->day_totals[d], &row[d]);
			add(&r->total, &row[d]);
		}
	}
}

/* ---- Laplace noise ---- */

double visits_laplace(double scale, double u)
{
	return u < 0.5 ? scale * log(2.0 * u) : -scale * log(2.0 * (1.0 - u));
}

int64_t visits_noised(int64_t count, double epsilon, double u)
{
	double v = llround((double)count + visits_laplace(1.0 / epsilon, u));
	return v < 0 ? 0 : (int64_t)v;
}

/* A total as the sum of the noised cells it adds up; shown as decided. */
static void retotal(struct visits_cell *total, const struct visits_cell *c)
{
	total->visitors += c->visitors;
	total->views += c->views;
}

void visits_report_noise(struct visits_report *r, double epsilon, double (*draw)(void))
{
	r->noised = true;
	r->epsilon = epsilon;
	for (size_t i = 0; i < r->nareas * r->ndays; i++) {
		struct visits_cell *c = &r->cells[i];
		if (!c->shown)
			continue;
		c->visitors = visits_noised(c->visitors, epsilon, draw());
		c->views = visits_noised(c->views, epsilon, draw());
		if (c->views < c->visitors)
			c->views = c->visitors;
	}
	struct visits_cell zero = {0};
	for (size_t d = 0; d < r->ndays; d++)
		r->day_totals[d].visitors = r->day_totals[d].views = 0;
	r->total.visitors = r->total.views = 0;
	for (size_t a = 0; a < r->nareas; a++) {
		r->area_totals[a].visitors = r->area_totals[a].views = 0;
		for (size_t d = 0; d < r->ndays; d++) {
			const struct visits_cell *c = &r->cells[a * r->ndays + d];
			const struct visits_cell *add_c = c->shown ? c : &zero;
			retotal(&r->area_totals[a], add_c);
			retotal(&r->day_totals[d], add_c);
			retotal(&r->total, add_c);
		}
	}
}

/* Budgets in millionths of epsilon: whole numbers in SQL on both engines. */
#define MICRO 1000000.0

static const char SQL_BUDGET_ROW[] =
	"INSERT INTO statistics_budget (staff_id, period_start, spent) VALUES ($1, $2, 0) "
	"ON CONFLICT (staff_id, period_start) DO NOTHING";
static const char SQL_BUDGET_SPEND[] =
	"UPDATE statistics_budget SET spent = spent + $3 "
	"WHERE staff_id = $1 AND period_start = $2 AND spent + $3 <= $4";
static const char SQL_BUDGET_SPENT[] =
	"SELECT spent FROM statistics_budget WHERE staff_id = $1 AND period_start = $2";
static const char SQL_BUDGET_OLD[] =
	"DELETE FROM statistics_budget WHERE staff_id = $1 AND period_start < $2";

static int spent_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

/* Charges epsilon to staff's budget of the period holding now: 1 when
 * charged (*spent: the period's total after it), 0 when it would go over,
 * -1 when the store failed. */
static int budget_charge(int64_t staff, const struct policy_noise *nz, int64_t now, double *spent)
{
	int64_t start = now - now % nz->period;
	int64_t cost = llround(nz->epsilon * MICRO), cap = llround(nz->budget * MICRO);
	int64_t total = 0;
	struct store_val key[] = {SV_INT(staff), SV_INT(start)};
	struct store_val spend[] = {SV_INT(staff), SV_INT(start), SV_INT(cost), SV_INT(cap)};
	struct store_conn *c = store_acquire(app.store);
	int changed = -1;
	bool ok = store_begin(c) == 0 &&
		  store_exec(c, SQL_BUDGET_OLD, key, STORE_NPARAMS(key), NULL, NULL) >= 0 &&
		  store_exec(c, SQL_BUDGET_ROW, key, STORE_NPARAMS(key), NULL, NULL) >= 0 &&
		  (changed = store_exec(c, SQL_BUDGET_SPEND, spend, STORE_NPARAMS(spend), NULL,
					NULL)) >= 0 &&
		  store_exec(c, SQL_BUDGET_SPENT, key, STORE_NPARAMS(key), spent_cb, &total) >= 0 &&
		  store_commit(c) == 0;
	if (!ok)
		store_rollback(c);
	store_release(c);
	if (!ok)
		return -1;
	*spent = (double)total / MICRO;
	return changed > 0 ? 1 : 0;
}

int visits_report_for(int64_t staff, int64_t from, int64_t to, struct visits_report *out,
		      struct failure *f)
{
	const struct policy_noise *nz = &app.policy->noise;
	double spent = 0;
	if (nz->on) {
		/* A range refused is no report: check it before spending. */
		if (from < 0 || to < from || to - from + 1 > VISITS_REPORT_MAX_DAYS)
			return err_fail(f, ERR_BAD_RANGE);
		int64_t now = (int64_t)time(NULL);
		int rc = budget_charge(staff, nz, now, &spent);
		if (rc < 0)
			return err_fail(f, ERR_STORE);
		if (rc == 0) {
			err_fail(f, ERR_NOISE_BUDGET);
			f->retry_after = nz->period - now % nz->period;
			return -1;
		}
	}
	if (visits_report(from, to, out, f) != 0)
		return -1;
	if (nz->on) {
		visits_report_noise(out, nz->epsilon, crypto_random_unit);
		out->budget = nz->budget;
		out->spent = spent;
		out->period = nz->period;
	}
	return 0;
}

void visits_report_release(struct visits_report *r)
{
	for (size_t i = 0; i < r->nareas; i++)
		free(r->areas[i]);
	free(r->areas);
	free(r->cells);
	free(r->area_totals);
	free(r->day_totals);
	memset(r, 0, sizeof(*r));
}

static json_t *cell_json(const struct visits_cell *c, int k, const char *day)
{
	json_t *o = c->shown ? json_pack("{s:I,s:I}", "visitors", (json_int_t)c->visitors, "views",
					 (json_int_t)c->views)
			     : json_pack("{s:n,s:n,s:i}", "visitors", "views", "fewer_than", k);
	if (day)
		json_object_set_new(o, "day", json_string(day));
	return o;
}

/* "YYYY-MM-DD" of each day of r, made once per report, not per cell. */
typedef char day_texts[VISITS_REPORT_MAX_DAYS][VISITS_DAY_TEXT];

static void days_of(const struct visits_report *r, day_texts out)
{
	for (size_t d = 0; d < r->ndays && d < VISITS_REPORT_MAX_DAYS; d++)
		visits_day_text(r->from_day + (int64_t)d, out[d], VISITS_DAY_TEXT);
}

json_t *visits_report_json(const struct visits_report *r)
{
	char from[16], to[16];
	day_texts day;
	days_of(r, day);
	visits_day_text(r->from_day, from, sizeof(from));
	visits_day_text(r->to_day, to, sizeof(to));
	json_t *days = json_array(), *areas = json_array(), *day_totals = json_array();
	for (size_t d = 0; d < r->ndays; d++) {
		json_array_append_new(days, json_string(day[d]));
		json_array_append_new(day_totals,
				      cell_json(&r->day_totals[d], r->min_group, day[d]));
	}
	for (size_t a = 0; a < r->nareas; a++) {
		json_t *cells = json_array();
		for (size_t d = 0; d < r->ndays; d++)
			json_array_append_new(cells, cell_json(&r->cells[a * r->ndays + d],
							       r->min_group, day[d]));
		json_array_append_new(areas,
				      json_pack("{s:s,s:o,s:o}", "area", r->areas[a], "days", cells,
						"total",
						cell_json(&r->area_totals[a], r->min_group, NULL)));
	}
	json_t *noise = r->noised ? json_pack("{s:s,s:f,s:f,s:f,s:f,s:I}", "mechanism", "laplace",
					      "epsilon", r->epsilon, "budget", r->budget, "spent",
					      r->spent, "remaining", r->budget - r->spent,
					      "period_seconds", (json_int_t)r->period)
				  : json_null();
	return json_pack("{s:s,s:i,s:i,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "profile", r->profile,
			 "profile_version", r->profile_version, "min_group", r->min_group, "from",
			 from, "to", to, "days", days, "areas", areas, "day_totals", day_totals,
			 "total", cell_json(&r->total, r->min_group, NULL), "noise", noise);
}

/* A noised report's rows end with the epsilon of their noise. */
static int csv_cell(struct buf *out, const struct visits_report *r, const char *area,
		    const char *day, const struct visits_cell *c)
{
	int rc;
	if (c->shown)
		rc = buf_printf(out, "%s,%d,%s,%s,%lld,%lld", r->profile, r->profile_version, area,
				day, (long long)c->visitors, (long long)c->views);
	else
		rc = buf_printf(out, "%s,%d,%s,%s,fewer than %d,fewer than %d", r->profile,
				r->profile_version, area, day, r->min_group, r->min_group);
	if (r->noised)
		rc |= buf_printf(out, ",%g", r->epsilon);
	return rc | buf_puts(out, "\r\n");
}

int visits_report_csv(const struct visits_report *r, struct buf *out)
{
	day_texts day;
	days_of(r, day);
	int rc = buf_puts(out, r->noised ? "profile,profile_version,area,day,visitors,views,"
					   "noise_epsilon\r\n"
					 : "profile,profile_version,area,day,visitors,views\r\n");
	for (size_t a = 0; a < r->nareas; a++) {
		for (size_t d = 0; d < r->ndays; d++)
			rc |= csv_cell(out, r, r->areas[a], day[d], &r->cells[a * r->ndays + d]);
		rc |= csv_cell(out, r, r->areas[a], "total", &r->area_totals[a]);
	}
	for (size_t d = 0; d < r->ndays; d++)
		rc |= csv_cell(out, r, "all", day[d], &r->day_totals[d]);
	rc |= csv_cell(out, r, "all", "total", &r->total);
	return rc ? -1 : 0;
}

/* The chart's geometry, in SVG user units. */
#define SVG_WIDTH      720
#define SVG_LABEL      160
#define SVG_ROW	       48
#define SVG_BAR_H      36
#define SVG_STUB_H     4
#define SVG_DAY_LABELS 31 /* up to this many days, each is labelled */

int visits_report_svg(const struct visits_report *r, struct buf *out)
{
	int64_t most = 1;
	for (size_t i = 0; i < r->nareas * r->ndays; i++)
		if (r->cells[i].shown && r->cells[i].visitors > most)
			most = r->cells[i].visitors;
	size_t height = (r->nareas + 1) * SVG_ROW;
	double bar = (double)(SVG_WIDTH - SVG_LABEL) / (double)(r->ndays ? r->ndays : 1);
	int rc = buf_printf(out,
			    "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
			    "id=\"chart\" viewBox=\"0 0 %d %zu\" width=\"%d\" height=\"%zu\" "
			    "aria-labelledby=\"chart-title\"><title id=\"chart-title\">Visitors "
			    "per area and day; a hollow stub is a group of fewer than %d</title>",
			    SVG_WIDTH, height, SVG_WIDTH, height, r->min_group);
	for (size_t a = 0; a < r->nareas; a++) {
		size_t base = (a + 1) * SVG_ROW;
		rc |= buf_printf(out, "<text x=\"0\" y=\"%zu\" font-size=\"12\">", base - 4);
		rc |= buf_put_html(out, r->areas[a], strlen(r->areas[a]));
		rc |= buf_puts(out, "</text>");
		for (size_t d = 0; d < r->ndays; d++) {
			const struct visits_cell *c = &r->cells[a * r->ndays + d];
			char day[16];
			visits_day_text(r->from_day + (int64_t)d, day, sizeof(day));
			double x = SVG_LABEL + bar * (double)d;
			if (!c->shown) {
				rc |= buf_printf(out,
						 "<rect class=\"hidden\" x=\"%.1f\" y=\"%zu\" "
						 "width=\"%.1f\" height=\"%d\" fill=\"none\" "
						 "stroke=\"#767676\"><title>%s: fewer than "
						 "%d</title></rect>",
						 x, base - SVG_STUB_H, bar * 0.8, SVG_STUB_H, day,
						 r->min_group);
				continue;
			}
			double h = (double)SVG_BAR_H * (double)c->visitors / (double)most;
			rc |= buf_printf(out,
					 "<rect class=\"shown\" x=\"%.1f\" y=\"%.1f\" "
					 "width=\"%.1f\" height=\"%.1f\" fill=\"#1d5c8c\">"
					 "<title>%s: %lld visitors</title></rect>",
					 x, (double)base - h, bar * 0.8, h, day,
					 (long long)c->visitors);
		}
	}
	/* Days along the bottom (every day up to a month, else the first and
	 * the last), and the scale: the tallest bar's count. */
	size_t every = r->ndays <= SVG_DAY_LABELS ? 1 : r->ndays - 1;
	for (size_t d = 0; d < r->ndays; d += every ? every : 1) {
		char day[16];
		visits_day_text(r->from_day + (int64_t)d, day, sizeof(day));
		rc |= buf_printf(out, "<text x=\"%.1f\" y=\"%zu\" font-size=\"9\">%s</text>",
				 SVG_LABEL + bar * (double)d, height - 2,
				 day + (r->ndays > 1 ? 5 : 0));
	}
	rc |= buf_printf(out,
			 "<text x=\"%d\" y=\"10\" font-size=\"10\" text-anchor=\"end\">"
			 "tallest bar: %lld visitors</text></svg>",
			 SVG_WIDTH, (long long)most);
	return rc ? -1 : 0;
}
