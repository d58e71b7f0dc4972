/*
 * log: the line logger declared in log.h. Each line is formatted on the
 * stack and written with one write(2) to a descriptor opened O_APPEND, so
 * lines from several threads (and processes) never interleave and no lock
 * is taken on the request path.
 */
#include "log.h"
#include "ticker.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static enum log_level log_min = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int log_open(const char *path, enum log_level min)
{
	log_min = min;
	if (!path || !*path) {
		log_fd = 2;
		return 0;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	log_fd = fd;
	return 0;
}

void log_close(void)
{
	log_buffering_stop();
	if (log_fd > 2)
		close(log_fd);
	log_fd = 2;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

/* The date and time to the second are formatted once a second per thread. */
static void stamp(char *out, size_t n)
{
	static _Thread_local time_t cached_sec = -1;
	static _Thread_local char cached[32];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts.tv_sec;
	}
	snprintf(out, n, "%.24s.%03dZ", cached, (int)(ts.tv_nsec / 1000000) % 1000);
}

#define TBUF_SIZE 16384

struct tbuf {
	pthread_mutex_t lock;
	size_t len;
	struct tbuf *next;
	char data[TBUF_SIZE];
};

static pthread_mutex_t tbufs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tbuf *tbufs;
static _Thread_local struct tbuf *my_tbuf;
static struct ticker *flusher;

static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(log_fd, p, n);
		if (w <= 0)
			return; /* a log that cannot be written must not stop the server */
		p += w;
		n -= (size_t)w;
	}
}

static void tbuf_flush(struct tbuf *t)
{
	pthread_mutex_lock(&t->lock);
	write_all(t->data, t->len);
	t->len = 0;
	pthread_mutex_unlock(&t->lock);
}

void log_flush(void)
{
	pthread_mutex_lock(&tbufs_lock);
	for (struct tbuf *t = tbufs; t; t = t->next)
		tbuf_flush(t);
	pthread_mutex_unlock(&tbufs_lock);
}

static void flush_tick(void *arg)
{
	log_flush();
}

int log_buffering_start(void)
{
	flusher = ticker_start(100, false, flush_tick, NULL);
	return flusher ? 0 : -1;
}

void log_buffering_stop(void)
{
	if (!flusher)
		return;
	ticker_stop(flusher);
	flusher = NULL;
	log_flush();
}

/* Appends a finished line to this thread's buffer. */
static void buffer_line(const char *line, size_t n)
{
	struct tbuf *t = my_tbuf;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t) {
			write_all(line, n);
			return;
		}
		pthread_mutex_init(&t->lock, NULL);
		pthread_mutex_lock(&tbufs_lock);
		t->next = tbufs;
		tbufs = t;
		pthread_mutex_unlock(&tbufs_lock);
		my_tbuf = t;
	}
	pthread_mutex_lock(&t->lock);
	if (t->len + n > TBUF_SIZE) {
		write_all(t->data, t->len);
		t->len = 0;
	}
	memcpy(t->data + t->len, line, n);
	t->len += n;
	pthread_mutex_unlock(&t->lock);
}

static void emit(enum log_level level, bool request_line, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void emit(enum log_level level, bool request_line, const char *fmt, va_list ap)
{
	char line[2048], ts[40];
	stamp(ts, sizeof(ts));
	int k = snprintf(line, sizeof(line), "%s %s ", ts, level_names[level]);
	if (k < 0)
		return;
	vsnprintf(line + k, sizeof(line) - (size_t)k - 1, fmt, ap);
	/* Control characters never reach the log: a value cannot forge a line. */
	size_t n = 0;
	for (char *p = line; *p; p++, n++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	line[n++] = '\n';
	if (flusher && request_line) {
		buffer_line(line, n);
		return;
	}
	if (flusher)
		log_flush();
	write_all(line, n);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level < log_min)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(level, false, fmt, ap);
	va_end(ap);
}

static void emit_request(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void emit_request(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(LOG_INFO, true, fmt, ap);
	va_end(ap);
}

void log_request(uint64_t id, const char *method, const char *route, int status,
		 uint64_t duration_us)
{
	if (LOG_INFO < log_min)
		return;
	emit_request("request id=%016" PRIx64 " method=%s route=%s status=%d us=%" PRIu64, id,
		     method, route, status, duration_us);
}
