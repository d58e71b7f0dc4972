/*
 * ticker: the periodic thread of ticker.h, a condition variable with a
 * timed wait so that stopping never waits out an interval.
 */
#include "ticker.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "mem.h"

struct ticker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, run_first;
	unsigned interval_ms;
	void (*fn)(void *);
	void *arg;
};

static void deadline_after(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *ticker_loop(void *arg)
{
	struct ticker *t = arg;
	bool first = t->run_first;
	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		if (!first) {
			struct timespec until;
			deadline_after(&until, t->interval_ms);
			while (!t->stop && pthread_cond_timedwait(&t->wake, &t->lock, &until) == 0)
				;
			if (t->stop)
				break;
		}
		first = false;
		pthread_mutex_unlock(&t->lock);
		t->fn(t->arg);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct ticker *ticker_start(unsigned interval_ms, bool run_first, void (*fn)(void *), void *arg)
{
	struct ticker *t = xcalloc(1, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	t->interval_ms = interval_ms;
	t->run_first = run_first;
	t->fn = fn;
	t->arg = arg;
	if (pthread_create(&t->thread, NULL, ticker_loop, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void ticker_stop(struct ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->wake);
	free(t);
}
