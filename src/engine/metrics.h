/*
 * metrics: counters and histograms for /metrics (Prometheus text format):
 * requests by route and status, request latency, time spent in the store.
 * Updates are lock-free atomics, cheap enough for every request.
 */
#ifndef GLOVEBOX_METRICS_H
#define GLOVEBOX_METRICS_H

#include <stdint.h>

struct buf;

/* Routes register once at start so each has a fixed slot. */
int metrics_route_slot(const char *route_name);
void metrics_observe_request(int route_slot, int status, uint64_t duration_us);
void metrics_observe_store(uint64_t duration_us);
void metrics_count(const char *counter_name, uint64_t n); /* named counters */
int metrics_render(struct buf *out);

#endif
