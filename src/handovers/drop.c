/*
 * drop: JSON Lines files per recipient and day (see drop.h).
 */
#include "drop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"

/* The longest path of a drop file. */
#define DROP_PATH_MAX 4096

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int drop_append(const char *dir, const char *recipient, int64_t now, const char *line, size_t len,
		char *err, size_t errlen)
{
	char path[DROP_PATH_MAX];
	struct tm tm;
	time_t t = (time_t)now;
	gmtime_r(&t, &tm);
	int n = snprintf(path, sizeof(path), "%s/%s-%04d-%02d-%02d.jsonl", dir, recipient,
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "drop file path too long");
		return -1;
	}
	bool created = access(path, F_OK) != 0;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the drop file: %s", strerror(errno));
		return -1;
	}
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, line, len);
	buf_append(&b, "\n", 1);
	int rc = -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || (st.st_mode & 0077) != 0) {
		snprintf(err, errlen, "the drop file is readable by others (mode %o); not written",
			 (unsigned)(st.st_mode & 0777));
	} else if (flock(fd, LOCK_EX) != 0) {
		snprintf(err, errlen, "cannot lock the drop file: %s", strerror(errno));
	} else {
		if (write_all(fd, b.data, b.len) != 0 || fsync(fd) != 0)
			snprintf(err, errlen, "cannot write the drop file: %s", strerror(errno));
		else if (created && sync_dir(dir) != 0)
			snprintf(err, errlen, "cannot sync the drop directory: %s",
				 strerror(errno));
		else
			rc = 0;
		flock(fd, LOCK_UN);
	}
	close(fd);
	/* The line holds personal values: wiped from the buffer. */
	crypto_wipe(b.data, b.len);
	buf_release(&b);
	return rc;
}
