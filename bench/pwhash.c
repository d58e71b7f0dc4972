/*
 * pwhash: the time of one Argon2id hash at glovebox's parameters
 * (crypto.h), for bench/members.sh's sign-up bound. Hashes a password
 * ROUNDS times on one thread and prints the mean in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crypto.h"

#define ROUNDS 8

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
	char out[CRYPTO_PWHASH_STR_MAX];
	static const char pw[] = "blue cooper rides at dawn";
	if (crypto_init() != 0)
		return 1;
	crypto_password_limit(1);
	if (crypto_password_hash(pw, sizeof(pw) - 1, out) != CRYPTO_PW_OK) /* warm-up */
		return 1;
	double start = now_ms();
	for (int i = 0; i < ROUNDS; i++)
		if (crypto_password_hash(pw, sizeof(pw) - 1, out) != CRYPTO_PW_OK)
			return 1;
	printf("%.3f\n", (now_ms() - start) / ROUNDS);
	return 0;
}
