/*
 * Unit tests for what a client may hold of the server (peers.c): the cap
 * per client address, IPv6 counted by its /64, and the request head's
 * deadline, counted from the opening or the previous answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "peers.h"

#define SECOND 1000000u
#define LATE   "HTTP/1.1 408 late\r\n\r\n"

static struct sockaddr_storage v4(const char *text)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	in->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, text, &in->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *text)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	in6->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static void test_client_key_groups_ipv6_by_its_64(void **state)
{
	unsigned char a[16], b[16];
	struct sockaddr_storage x = v6("2001:db8:1:2::1"), y = v6("2001:db8:1:2:ffff:1:2:3"),
				z = v6("2001:db8:1:3::1");
	assert_true(peers_client_key(SA(x), a));
	assert_true(peers_client_key(SA(y), b));
	assert_memory_equal(a, b, 16);
	assert_true(peers_client_key(SA(z), b));
	assert_memory_not_equal(a, b, 16);
	/* An IPv4 client is the same client on an IPv6 socket, whole address. */
	struct sockaddr_storage p = v4("192.0.2.7"), q = v6("::ffff:192.0.2.7"),
				r = v6("::ffff:192.0.2.8");
	assert_true(peers_client_key(SA(p), a));
	assert_true(peers_client_key(SA(q), b));
	assert_memory_equal(a, b, 16);
	assert_true(peers_client_key(SA(r), b));
	assert_memory_not_equal(a, b, 16);
	struct sockaddr_storage u = {.ss_family = AF_UNIX};
	assert_false(peers_client_key(SA(u), a));
}

static void test_cap_counts_open_connections_per_address(void **state)
{
	struct peers *p = peers_new(2, 0, LATE, strlen(LATE));
	struct sockaddr_storage a = v4("198.51.100.1"), b = v4("198.51.100.2");
	struct sockaddr_storage n1 = v6("2001:db8::1"), n2 = v6("2001:db8::2");
	assert_true(peers_admit(p, SA(a)));
	struct peer *a1 = peers_open(p, SA(a), -1, 0);
	struct peer *a2 = peers_open(p, SA(a), -1, 0);
	assert_false(peers_admit(p, SA(a)));
	assert_true(peers_admit(p, SA(b)));
	/* Two addresses of one /64 are one client. */
	struct peer *n = peers_open(p, SA(n1), -1, 0);
	assert_true(peers_admit(p, SA(n2)));
	struct peer *m = peers_open(p, SA(n2), -1, 0);
	assert_false(peers_admit(p, SA(n1)));
	peers_close(p, a1);
	assert_true(peers_admit(p, SA(a)));
	peers_close(p, a2);
	peers_close(p, n);
	peers_close(p, m);
	peers_free(p);

	/* 0: no cap. */
	p = peers_new(0, 0, LATE, strlen(LATE));
	struct peer *open[100];
	for (size_t i = 0; i < 100; i++)
		open[i] = peers_open(p, SA(a), -1, 0);
	assert_true(peers_admit(p, SA(a)));
	for (size_t i = 0; i < 100; i++)
		peers_close(p, open[i]);
	peers_free(p);
}

/* What the client side of a socket pair has received until the server side
 * shut it. */
static size_t drain(int fd, char *out, size_t n)
{
	size_t got = 0;
	ssize_t r;
	while (got < n && (r = read(fd, out + got, n - got)) > 0)
		got += (size_t)r;
	return got;
}

static void test_a_late_head_is_answered_and_shut(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct peers *p = peers_new(0, 10, LATE, strlen(LATE));
	uint64_t t0 = 1000 * SECOND;
	struct peer *c = peers_open(p, NULL, sv[0], t0);
	assert_int_equal(peers_sweep(p, t0 + 9 * SECOND), 0);
	/* The deadline counts from the opening, however busy the client is. */
	assert_int_equal(peers_sweep(p, t0 + 10 * SECOND), 1);
	assert_int_equal(peers_sweep(p, t0 + 11 * SECOND), 0); /* once */
	char got[64];
	size_t n = drain(sv[1], got, sizeof(got));
	assert_int_equal(n, strlen(LATE));
	assert_memory_equal(got, LATE, n);
	/* The head completing now is too late: the request is dropped. */
	assert_false(peers_head_done(c));
	peers_head_wait(c, t0 + 12 * SECOND);
	assert_false(peers_head_done(c));
	peers_close(p, c);
	peers_free(p);
	close(sv[0]);
	close(sv[1]);
}

static void test_a_head_in_time_is_left_alone_and_the_next_one_counts_anew(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct peers *p = peers_new(0, 10, LATE, strlen(LATE));
	uint64_t t0 = 1000 * SECOND;
	struct peer *c = peers_open(p, NULL, sv[0], t0);
	assert_true(peers_head_done(c));
	assert_true(peers_head_done(c));
	/* A request being read or answered has no head deadline. */
	assert_int_equal(peers_sweep(p, t0 + 60 * SECOND), 0);
	/* Answered at +60 s: the next head is due at +70 s. */
	peers_head_wait(c, t0 + 60 * SECOND);
	assert_int_equal(peers_sweep(p, t0 + 69 * SECOND), 0);
	/* A clock read a moment later on another thread is not a late head. */
	assert_int_equal(peers_sweep(p, t0 + 59 * SECOND), 0);
	assert_int_equal(peers_sweep(p, t0 + 70 * SECOND), 1);
	peers_close(p, c);
	peers_free(p);
	close(sv[0]);
	close(sv[1]);

	/* 0: no deadline. */
	p = peers_new(0, 0, LATE, strlen(LATE));
	c = peers_open(p, NULL, -1, t0);
	assert_int_equal(peers_sweep(p, t0 + 3600 * SECOND), 0);
	peers_close(p, c);
	peers_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_key_groups_ipv6_by_its_64),
		cmocka_unit_test(test_cap_counts_open_connections_per_address),
		cmocka_unit_test(test_a_late_head_is_answered_and_shut),
		cmocka_unit_test(test_a_head_in_time_is_left_alone_and_the_next_one_counts_anew),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
