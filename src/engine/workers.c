/*
 * workers: the pool of workers.h. One lock guards a ring of waiting jobs;
 * idle workers sleep on a condition variable until a job or the stop comes.
 */
#include "workers.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mem.h"

struct job {
	workers_job_fn fn;
	void *arg;
};

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t more; /* a job was queued, or the pool is stopping */
	struct job *ring;    /* queue_max slots */
	unsigned queue_max, head, count;
	bool stopping;
	pthread_t *threads;
	unsigned nthreads;
	int nice;
};

static void *worker_main(void *arg)
{
	struct workers *w = arg;
	/* Linux's niceness is per thread. Raising it needs no privilege; if it
	 * fails the worker runs at the process's priority. */
	if (w->nice)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), w->nice);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->count == 0 && !w->stopping)
			pthread_cond_wait(&w->more, &w->lock);
		/* A stopping pool still runs what it accepted. */
		if (w->count == 0)
			break;
		struct job j = w->ring[w->head];
		w->head = (w->head + 1) % w->queue_max;
		w->count--;
		pthread_mutex_unlock(&w->lock);
		j.fn(j.arg);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct workers *workers_start(unsigned nthreads, unsigned queue_max, int nice)
{
	struct workers *w = xcalloc(1, sizeof(*w));
	w->nice = nice;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	w->queue_max = queue_max ? queue_max : 1;
	w->ring = xcalloc(w->queue_max, sizeof(*w->ring));
	w->threads = xcalloc(nthreads ? nthreads : 1, sizeof(*w->threads));
	for (unsigned i = 0; i < (nthreads ? nthreads : 1); i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0) {
			workers_free(w);
			return NULL;
		}
		w->nthreads++;
	}
	return w;
}

int workers_submit(struct workers *w, workers_job_fn fn, void *arg)
{
	pthread_mutex_lock(&w->lock);
	bool room = !w->stopping && w->count < w->queue_max;
	if (room) {
		w->ring[(w->head + w->count) % w->queue_max] = (struct job){fn, arg};
		w->count++;
		pthread_cond_signal(&w->more);
	}
	pthread_mutex_unlock(&w->lock);
	return room ? 0 : -1;
}

void workers_drain(struct workers *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->more);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	w->nthreads = 0;
}

void workers_free(struct workers *w)
{
	if (!w)
		return;
	workers_drain(w);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w->ring);
	free(w);
}
