/*
 * Unit tests for the hashing workers' pool (workers.c): a bounded queue
 * refused when full, every accepted job run once, and before the pool
 * stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "workers.h"

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
	unsigned started, ran;
};

static void gated_job(void *arg)
{
	struct gate *g = arg;
	pthread_mutex_lock(&g->lock);
	g->started++;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	g->ran++;
	pthread_mutex_unlock(&g->lock);
}

static void wait_started(struct gate *g, unsigned n)
{
	pthread_mutex_lock(&g->lock);
	while (g->started < n)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void test_workers_refuse_when_the_queue_is_full(void **state)
{
	struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, 0};
	struct workers *w = workers_start(2, 3, 0);
	assert_non_null(w);
	/* Two running (held at the gate), three waiting, the sixth refused. */
	assert_int_equal(workers_submit(w, gated_job, &g), 0);
	assert_int_equal(workers_submit(w, gated_job, &g), 0);
	wait_started(&g, 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(workers_submit(w, gated_job, &g), 0);
	assert_int_equal(workers_submit(w, gated_job, &g), -1);
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	/* Draining runs every accepted job, then refuses new ones. */
	workers_drain(w);
	assert_int_equal(g.ran, 5);
	assert_int_equal(workers_submit(w, gated_job, &g), -1);
	workers_free(w);
	workers_free(NULL);
}

static void count_job(void *arg)
{
	__atomic_add_fetch((unsigned *)arg, 1, __ATOMIC_RELAXED);
}

static void test_workers_run_every_job_once(void **state)
{
	unsigned count = 0, accepted = 0;
	struct workers *w = workers_start(3, 64, 10);
	for (int i = 0; i < 1000; i++)
		if (workers_submit(w, count_job, &count) == 0)
			accepted++;
		else
			usleep(100);
	workers_free(w);
	assert_true(accepted > 0);
	assert_int_equal(count, accepted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_refuse_when_the_queue_is_full),
		cmocka_unit_test(test_workers_run_every_job_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
