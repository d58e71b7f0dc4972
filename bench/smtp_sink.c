/*
 * smtp_sink: a minimal SMTP receiver for bench/mail.sh. It accepts any
 * number of connections (a thread each), answers the commands a client
 * sends for one message after another, reads each message to its final
 * "." line, and counts them; it keeps nothing. Every COUNT_EVERY messages
 * and at exit it writes the count to the file named on the command line.
 * Usage: smtp_sink PORT COUNTFILE
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static atomic_long received;
static const char *count_file;

static void save(void)
{
	FILE *f = fopen(count_file, "w");
	if (f) {
		fprintf(f, "%ld\n", atomic_load(&received));
		fclose(f);
	}
}

static void say(int fd, const char *s)
{
	size_t n = strlen(s);
	if (write(fd, s, n) != (ssize_t)n)
		return;
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[65536];
	size_t have = 0;
	int in_data = 0;
	say(fd, "220 sink ESMTP\r\n");
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		size_t start = 0;
		for (size_t i = 0; i + 1 < have; i++) {
			if (buf[i] != '\r' || buf[i + 1] != '\n')
				continue;
			char *line = buf + start;
			size_t len = i - start;
			start = i + 2;
			if (in_data) {
				if (len == 1 && line[0] == '.') {
					in_data = 0;
					long c = atomic_fetch_add(&received, 1) + 1;
					if (c % 1000 == 0)
						save();
					say(fd, "250 OK\r\n");
				}
				continue;
			}
			if (len >= 4 && strncasecmp(line, "EHLO", 4) == 0)
				say(fd, "250-sink\r\n250 8BITMIME\r\n");
			else if (len >= 4 && strncasecmp(line, "DATA", 4) == 0) {
				in_data = 1;
				say(fd, "354 go on\r\n");
			} else if (len >= 4 && strncasecmp(line, "QUIT", 4) == 0) {
				say(fd, "221 bye\r\n");
				close(fd);
				return NULL;
			} else
				say(fd, "250 OK\r\n");
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof(buf))
			have = 0; /* an over-long line: drop it */
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	count_file = argv[2];
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((unsigned short)atoi(argv[1])),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 64) != 0)
		return 1;
	save();
	for (;;) {
		int fd = accept(s, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_t t;
		pthread_create(&t, NULL, serve, (void *)(long)fd);
		pthread_detach(t);
	}
}
