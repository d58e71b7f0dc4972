/*
 * retention: purging personal data whose retention period under the
 * profile has passed, per category and purpose. One pass at a time: the
 * server runs a pass every retention-interval seconds, and
 * `glovebox retention run [AT]` runs one by hand (AT: a Unix time or
 * YYYY-MM-DD, the clock to judge by; default now). Each purge is logged as
 * counts only.
 */
#ifndef GLOVEBOX_RETENTION_H
#define GLOVEBOX_RETENTION_H

#include <stdint.h>

/* Runs one pass as of time now. Returns the number of records purged, or
 * -1 if the store failed (what was purged before the failure stays purged). */
int64_t retention_run(int64_t now);

/* Starts and stops the server's periodic pass. */
int retention_start(unsigned interval_seconds);
void retention_stop(void);

/* Parses AT for the CLI: digits = Unix time, or YYYY-MM-DD (UTC midnight). */
int retention_parse_time(const char *s, int64_t *out);

#endif
