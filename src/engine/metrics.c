/*
 * metrics: fixed tables of atomic counters rendered in the Prometheus text
 * exposition format (version 0.0.4). Slots are registered at start, before
 * the server takes requests, so updates need no lock.
 */
#include "metrics.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "buf.h"

/* Route names counted apart, "-" (no route) among them: the table has 128
 * distinct patterns with the admin console's, and a name past the last
 * slot is counted in it; 256 leaves room (23 counters of 8 bytes each). */
#define MAX_ROUTES   256
#define MAX_COUNTERS 64

static const int statuses[] = {200, 201, 204, 301, 302, 303, 304, 400, 401, 403, 404, 405,
			       409, 410, 413, 414, 415, 422, 429, 431, 500, 503, 0};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0])) /* the last is "other" */

static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
				0.025,	0.05,	 0.1,	 0.25,	0.5,	1,     2.5};
#define NBUCKETS (sizeof(bounds) / sizeof(bounds[0]))

struct histogram {
	_Atomic uint64_t buckets[NBUCKETS + 1];
	_Atomic uint64_t count;
	_Atomic uint64_t sum_us;
};

static const char *route_names[MAX_ROUTES];
static int nroutes;
static _Atomic uint64_t requests[MAX_ROUTES][NSTATUS];
static struct histogram request_hist, store_hist;

static const char *counter_names[MAX_COUNTERS];
static _Atomic uint64_t counter_values[MAX_COUNTERS];
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

int metrics_route_slot(const char *route_name)
{
	for (int i = 0; i < nroutes; i++)
		if (strcmp(route_names[i], route_name) == 0)
			return i;
	if (nroutes >= MAX_ROUTES)
		return MAX_ROUTES - 1;
	route_names[nroutes] = route_name;
	return nroutes++;
}

static void observe(struct histogram *h, uint64_t us)
{
	double s = (double)us / 1e6;
	size_t i = 0;
	while (i < NBUCKETS && s > bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
}

void metrics_observe_request(int slot, int status, uint64_t duration_us)
{
	if (slot < 0 || slot >= MAX_ROUTES)
		return;
	size_t k = 0;
	while (k < NSTATUS - 1 && statuses[k] != status)
		k++;
	atomic_fetch_add_explicit(&requests[slot][k], 1, memory_order_relaxed);
	observe(&request_hist, duration_us);
}

void metrics_observe_store(uint64_t duration_us)
{
	observe(&store_hist, duration_us);
}

void metrics_count(const char *name, uint64_t n)
{
	for (int i = 0; i < MAX_COUNTERS; i++) {
		const char *have = __atomic_load_n(&counter_names[i], __ATOMIC_ACQUIRE);
		if (have && strcmp(have, name) == 0) {
			atomic_fetch_add_explicit(&counter_values[i], n, memory_order_relaxed);
			return;
		}
		if (!have) {
			pthread_mutex_lock(&counter_lock);
			if (!counter_names[i])
				__atomic_store_n(&counter_names[i], name, __ATOMIC_RELEASE);
			pthread_mutex_unlock(&counter_lock);
			i--; /* look at this slot again: it holds a name now */
		}
	}
}

static int render_histogram(struct buf *out, const char *name, const char *help,
			    struct histogram *h)
{
	int rc = buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	uint64_t cumulative = 0;
	for (size_t i = 0; i <= NBUCKETS; i++) {
		cumulative += atomic_load(&h->buckets[i]);
		if (i < NBUCKETS)
			rc |= buf_printf(out, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, bounds[i],
					 cumulative);
		else
			rc |= buf_printf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
					 cumulative);
	}
	rc |= buf_printf(out, "%s_sum %.6f\n%s_count %" PRIu64 "\n", name,
			 (double)atomic_load(&h->sum_us) / 1e6, name, atomic_load(&h->count));
	return rc;
}

int metrics_render(struct buf *out)
{
	int rc = buf_puts(out,
			  "# HELP glovebox_requests_total Requests answered, by route and status.\n"
			  "# TYPE glovebox_requests_total counter\n");
	for (int i = 0; i < nroutes; i++)
		for (size_t k = 0; k < NSTATUS; k++) {
			uint64_t v = atomic_load(&requests[i][k]);
			if (!v)
				continue;
			if (statuses[k])
				rc |= buf_printf(out,
						 "glovebox_requests_total{route=\"%s\",status=\"%"
						 "d\"} %" PRIu64 "\n",
						 route_names[i], statuses[k], v);
			else
				rc |= buf_printf(out,
						 "glovebox_requests_total{route=\"%s\",status="
						 "\"other\"} %" PRIu64 "\n",
						 route_names[i], v);
		}
	rc |= render_histogram(out, "glovebox_request_duration_seconds",
			       "Time from request line to response queued.", &request_hist);
	rc |= render_histogram(out, "glovebox_store_duration_seconds",
			       "Time spent in database statements.", &store_hist);
	for (int i = 0; i < MAX_COUNTERS; i++) {
		const char *name = __atomic_load_n(&counter_names[i], __ATOMIC_ACQUIRE);
		if (!name)
			break;
		rc |= buf_printf(
			out, "# TYPE glovebox_%s_total counter\nglovebox_%s_total %" PRIu64 "\n",
			name, name, atomic_load(&counter_values[i]));
	}
	return rc ? -1 : 0;
}
