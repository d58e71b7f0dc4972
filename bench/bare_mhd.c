/*
 * bare_mhd: the HTTP engine's own ceiling, for bench/run.sh.
 *
 * A libmicrohttpd server with nothing on top: it answers every GET (and HEAD)
 * with one fixed body read from a file at start-up. It runs the engine the way
 * glovebox does (src/http.c: epoll, internal thread pool of one thread per
 * core, turbo mode, same connection limits), so the gap between this and
 * glovebox is what glovebox itself costs per request: routing, headers,
 * templates, metrics and logging.
 *
 * Usage: bare_mhd PORT FILE [CONTENT_TYPE]
 * Binds 127.0.0.1:PORT only, prints "listening on 127.0.0.1:PORT" when ready,
 * and stops cleanly on SIGTERM or SIGINT.
 *
 * Standalone on purpose (no src/ objects) so it builds with nothing but
 * libmicrohttpd and measures nothing but the engine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Capped so a wrong argument cannot eat memory; the pages benched are KBs. */
#define BARE_MAX_BODY (16u * 1024 * 1024)

/* Shared by every request: libmicrohttpd reference-counts responses. */
static struct MHD_Response *page;
static struct MHD_Response *not_allowed;
/* Marks a connection's request as begun; its address is all that matters. */
static char seen;

static int parse_port(const char *s, unsigned short *port)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

/* Reads the whole file into *body (caller frees); -1 with a message on failure. */
static int load_body(const char *path, char **body, size_t *len)
{
	int rc = -1;
	char *data = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bare_mhd: cannot open %s: %s\n", path, strerror(errno));
		goto out;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (unsigned long long)st.st_size > BARE_MAX_BODY) {
		fprintf(stderr, "bare_mhd: %s is not a regular file under %u bytes\n", path,
			BARE_MAX_BODY);
		goto out;
	}
	size_t n = (size_t)st.st_size;
	data = malloc(n ? n : 1);
	if (!data)
		abort();
	if (n && fread(data, 1, n, f) != n) {
		fprintf(stderr, "bare_mhd: short read on %s\n", path);
		goto out;
	}
	*body = data;
	*len = n;
	data = NULL;
	rc = 0;
out:
	free(data);
	if (f)
		fclose(f);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)url;
	(void)version;
	(void)upload_data;
	/*
	 * Answer on the second call, once the whole request is in, as glovebox
	 * does: a response queued on the first call makes libmicrohttpd close the
	 * connection, and the bench would measure reconnects instead of requests.
	 */
	if (!*con_cls) {
		*con_cls = &seen;
		return MHD_YES;
	}
	/* A body we do not want: swallow it, then answer once it has all arrived. */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
		return MHD_queue_response(conn, MHD_HTTP_OK, page);
	return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed);
}

int main(int argc, char **argv)
{
	int rc = 1;
	char *body = NULL;
	size_t len = 0;
	unsigned short port;
	struct MHD_Daemon *d = NULL;

	if (argc < 3 || argc > 4 || parse_port(argv[1], &port) != 0) {
		fprintf(stderr, "usage: bare_mhd PORT FILE [CONTENT_TYPE]\n");
		return 2;
	}
	const char *type = argc == 4 ? argv[3] : "text/html; charset=utf-8";
	if (load_body(argv[2], &body, &len) != 0)
		goto out;

	page = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
	not_allowed = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!page || !not_allowed)
		abort();
	MHD_add_response_header(page, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");

	/* Block the stop signals before the pool starts so only sigwait sees them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0)
		goto out;

	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cores > 0 && cores < UINT_MAX ? (unsigned)cores : 1;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO,
			     port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, threads,
			     MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_mhd: cannot listen on 127.0.0.1:%u\n", (unsigned)port);
		goto out;
	}
	printf("bare_mhd listening on 127.0.0.1:%u (%u threads, %zu-byte body)\n", (unsigned)port,
	       threads, len);
	fflush(stdout);

	int sig;
	while (sigwait(&stop, &sig) != 0)
		;
	rc = 0;
out:
	if (d)
		MHD_stop_daemon(d);
	if (page)
		MHD_destroy_response(page);
	if (not_allowed)
		MHD_destroy_response(not_allowed);
	free(body);
	return rc;
}
