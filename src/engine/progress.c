/*
 * progress: the one progress line (see progress.h). The mutex keeps two
 * threads of a command from interleaving half lines; nothing is locked
 * while progress is off.
 */
#include "progress.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#define MS_PER_SECOND 1000
#define NS_PER_MS     1000000
#define PERCENT	      100

static FILE *out;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const char *what, *unit;
	int64_t done, total, drawn_at;
	bool open;
} line;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * MS_PER_SECOND + ts.tv_nsec / NS_PER_MS;
}

void progress_enable(FILE *f)
{
	out = f;
}

/* \r, the line, and the end of the previous one erased (ANSI EL). */
static void draw(void)
{
	if (line.total > 0)
		fprintf(out, "\r%s: %lld/%lld %s (%lld%%)\033[K", line.what, (long long)line.done,
			(long long)line.total, line.unit,
			(long long)(line.done * PERCENT / line.total));
	else
		fprintf(out, "\r%s: %lld %s\033[K", line.what, (long long)line.done, line.unit);
	fflush(out);
	line.drawn_at = now_ms();
}

void progress_begin(const char *what, const char *unit, int64_t total)
{
	if (!out)
		return;
	pthread_mutex_lock(&lock);
	line.what = what;
	line.unit = unit;
	line.total = total > 0 ? total : 0;
	line.done = 0;
	line.open = true;
	draw();
	pthread_mutex_unlock(&lock);
}

/* The count moved (by n, or to n); the line redrawn when it is due. */
static void moved(int64_t n, bool by)
{
	pthread_mutex_lock(&lock);
	if (line.open) {
		line.done = by ? line.done + n : n;
		if (now_ms() - line.drawn_at >= PROGRESS_INTERVAL_MS)
			draw();
	}
	pthread_mutex_unlock(&lock);
}

void progress_add(int64_t n)
{
	if (out)
		moved(n, true);
}

void progress_set(int64_t n)
{
	if (out)
		moved(n, false);
}

void progress_end(void)
{
	if (!out)
		return;
	pthread_mutex_lock(&lock);
	if (line.open) {
		draw();
		fputs("\r\033[K", out);
		fflush(out);
		line.open = false;
	}
	pthread_mutex_unlock(&lock);
}
