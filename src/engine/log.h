/*
 * log: one line per event on stderr or a file, with a UTC timestamp.
 * Never pass a personal value (e-mail, name, address, IP address, VIN,
 * token) to these functions: log lines carry ids, route patterns, counts and
 * codes only (promise ALL04). Tests grep the logs for submitted values.
 */
#ifndef GLOVEBOX_LOG_H
#define GLOVEBOX_LOG_H

#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* path NULL or "" = stderr. Returns -1 if the file cannot be opened. */
int log_open(const char *path, enum log_level min);
void log_close(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* The request line: request id, method, route pattern (never the raw path,
 * which could carry a personal value), status, duration. */
void log_request(uint64_t id, const char *method, const char *route, int status,
		 uint64_t duration_us);

int log_level_parse(const char *s, enum log_level *out);

/* The server buffers request lines per thread and writes them out every
 * 100 ms (and at log_buffering_stop): a write(2) per request cost a third of
 * the server's throughput. Other messages are written at once, after the
 * buffered lines. Without buffering started, request lines are written at once. */
int log_buffering_start(void);
void log_buffering_stop(void);
void log_flush(void);

#endif
