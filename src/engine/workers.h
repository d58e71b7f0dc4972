/*
 * workers: a fixed pool of threads running queued jobs, for work too slow
 * for the HTTP event loops (the handlers that hash or check a password).
 * The queue has a fixed length, so a flood costs no memory: a job that
 * finds it full is refused at once and the caller answers busy.
 */
#ifndef GLOVEBOX_WORKERS_H
#define GLOVEBOX_WORKERS_H

typedef void (*workers_job_fn)(void *arg);

struct workers;

/* Starts nthreads threads (at least one) and a queue with room for
 * queue_max waiting jobs (at least one); jobs being run do not count. The
 * threads run at the given niceness (0: the process's own; more: they
 * yield the processor to the rest of the process when both want it).
 * NULL if a thread cannot be started. */
struct workers *workers_start(unsigned nthreads, unsigned queue_max, int nice);

/* Queues fn(arg) for the next free worker. 0, or -1 when queue_max jobs
 * wait already or the pool is stopping: then fn is never called. */
int workers_submit(struct workers *w, workers_job_fn fn, void *arg);

/* Refuses new jobs from now on (workers_submit answers -1), lets the
 * workers run every queued one and joins them. */
void workers_drain(struct workers *w);
/* Drains the pool if that is not done yet, and frees it. NULL is allowed. */
void workers_free(struct workers *w);

#endif
