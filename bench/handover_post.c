/*
 * handover_post: the ceiling of bench/handovers.sh. THREADS threads, each
 * with its own connection (struct webhook, as a delivery worker has), POST
 * N signed hand-over bodies between them to the bench receiver through
 * webhook_post, the product's own code, with no store at all: what this
 * machine's receiver, TLS and libcurl allow, which glovebox's delivery
 * cannot beat. The body has the size and shape of a bench hand-over's.
 * Usage: handover_post N THREADS URL [glovebox configuration flags]
 * (--handover-ca-file). Prints the hand-overs sent; exit 1 on any failure.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "webhook.h"

#define THREADS_MAX 64

static const char *url;
static long per_thread;
static const unsigned char secret[32] = "bench secret of thirty-two bytes";

static void *post_all(void *arg)
{
	struct webhook *w = webhook_new();
	long sent = 0;
	for (long i = 0; w && i < per_thread; i++) {
		char id[64], body[512], err[160];
		snprintf(id, sizeof(id), "msg_bench%08lx%08lx", (unsigned long)(uintptr_t)arg,
			 (unsigned long)i);
		int n = snprintf(
			body, sizeof(body),
			"{\"type\":\"handover\",\"timestamp\":\"2026-11-29T00:00:00Z\",\"data\":{"
			"\"id\":\"%s\",\"recipient\":\"bmw_bank\",\"purpose\":\"affiliate_offers\","
			"\"reason\":\"bench\",\"queued_at\":\"2026-11-29T00:00:00Z\",\"fields\":{"
			"\"name\":\"Bench Member %ld\",\"email\":\"bench%ld@example.org\","
			"\"postal_address\":\"%ld Bench Street, Springfield\",\"phone\":\"+1 555 "
			"0100\",\"date_of_birth\":\"1970-01-01\"}}}",
			id, i, i, i);
		if (webhook_post(w, url, secret, sizeof(secret), id, body, (size_t)n, err,
				 sizeof(err)) != WEBHOOK_SENT) {
			fprintf(stderr, "handover_post: %s\n", err);
			break;
		}
		sent++;
	}
	webhook_free(w);
	return (void *)(intptr_t)sent;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	long n = strtol(argv[1], NULL, 10), threads = strtol(argv[2], NULL, 10);
	url = argv[3];
	int nargs = 0;
	bool help = false;
	config_init(&app.cfg);
	if (threads < 1 || threads > THREADS_MAX ||
	    config_load(&app.cfg, argc - 4, argv + 4, &nargs, &help, stderr) != 0 ||
	    webhook_global_init() != 0)
		return 2;
	per_thread = n / threads;
	pthread_t t[THREADS_MAX];
	for (long i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, post_all, (void *)(intptr_t)i);
	long sent = 0;
	for (long i = 0; i < threads; i++) {
		void *r;
		pthread_join(t[i], &r);
		sent += (long)(intptr_t)r;
	}
	printf("%ld\n", sent);
	return sent == per_thread * threads ? 0 : 1;
}
