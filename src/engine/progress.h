/*
 * progress: one progress line on a terminal for the long commands
 * (`glovebox mail campaign`, `backup`, `retention run`, `keys restore`
 * and migrations): "backup: 1200/5000 pages (24%)", rewritten in place
 * with \r at most every PROGRESS_INTERVAL_MS, and erased when the step
 * ends, before the command prints its summary line (which it always does,
 * terminal or not).
 *
 * One line for the process: main enables it when standard error is a
 * terminal, and the code of a step reports to it without knowing whether
 * anyone looks; until enabled (the server, the tests, a pipe or a file)
 * every call is a no-op that takes no lock and writes nothing. Steps do
 * not nest: a step begun while one is open replaces it.
 */
#ifndef GLOVEBOX_PROGRESS_H
#define GLOVEBOX_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

/* How often the line is rewritten at most: four times a second. */
#define PROGRESS_INTERVAL_MS 250

/* Draws on out from now on (standard error, when a terminal). */
void progress_enable(FILE *out);

/* A step of what ("backup"), counting unit ("pages") up to total (0: not
 * known, the line shows the count alone). Draws the line at once. */
void progress_begin(const char *what, const char *unit, int64_t total);
/* n more done; redraws when PROGRESS_INTERVAL_MS has passed since the last. */
void progress_add(int64_t n);
/* The count is n (for a measure such as bytes written). */
void progress_set(int64_t n);
/* Draws the final count and erases the line, leaving the cursor at its
 * start for the summary. */
void progress_end(void);

#endif
