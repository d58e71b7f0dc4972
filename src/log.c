/*
 * log: the line logger declared in log.h. One write(2)-sized fprintf per line
 * under a lock, so lines from several threads never interleave.
 */
#include "log.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static FILE *log_fp;
static enum log_level log_min = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int log_open(const char *path, enum log_level min)
{
	log_min = min;
	if (!path || !*path) {
		log_fp = NULL;
		return 0;
	}
	FILE *fp = fopen(path, "a");
	if (!fp)
		return -1;
	setvbuf(fp, NULL, _IOLBF, 0);
	log_fp = fp;
	return 0;
}

void log_close(void)
{
	if (log_fp)
		fclose(log_fp);
	log_fp = NULL;
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

static void stamp(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void emit(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048], ts[40];
	stamp(ts, sizeof(ts));
	int k = snprintf(line, sizeof(line), "%s %s ", ts, level_names[level]);
	if (k < 0)
		return;
	vsnprintf(line + k, sizeof(line) - (size_t)k, fmt, ap);
	/* Control characters never reach the log: a value cannot forge a line. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	pthread_mutex_lock(&log_lock);
	FILE *fp = log_fp ? log_fp : stderr;
	fprintf(fp, "%s\n", line);
	fflush(fp);
	pthread_mutex_unlock(&log_lock);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level < log_min)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}

static void emit_request(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(LOG_INFO, fmt, ap);
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
