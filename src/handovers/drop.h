/*
 * drop: the file channel of the hand-overs. A recipient without a webhook
 * gets its hand-overs as JSON Lines in a directory the operator names, one
 * file per recipient per day (UTC): RECIPIENT-YYYY-MM-DD.jsonl, mode 0600.
 * Each line is appended with one write under an exclusive lock and made
 * durable (fsync, and the directory's too when the file is new) before the
 * hand-over counts as delivered; a crash after the write and before the
 * queue is settled repeats the line with the same id, which the reader
 * drops (docs/handovers.md).
 */
#ifndef GLOVEBOX_DROP_H
#define GLOVEBOX_DROP_H

#include <stddef.h>
#include <stdint.h>

/* Appends line (without its newline) for recipient at time now. 0, or -1
 * with err set (a line for the log, without the line's content). */
int drop_append(const char *dir, const char *recipient, int64_t now, const char *line, size_t len,
		char *err, size_t errlen);

#endif
