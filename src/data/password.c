/*
 * password: the password rule of password.h. cracklib keeps static state,
 * so its check runs under a lock.
 */
#include "password.h"

#include <crack.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

static pthread_mutex_t crack_lock = PTHREAD_MUTEX_INITIALIZER;

const char *password_check(const char *pw, size_t len)
{
	static char too_short[64], too_long[64];
	if (!too_short[0]) {
		snprintf(too_short, sizeof(too_short), "must have at least %d characters",
			 PASSWORD_MIN);
		snprintf(too_long, sizeof(too_long), "must have at most %d characters",
			 PASSWORD_MAX);
	}
	if (len < PASSWORD_MIN)
		return too_short;
	if (len > PASSWORD_MAX)
		return too_long;
	if (!utf8_valid(pw, len) || memchr(pw, '\0', len))
		return "must be text";
	pthread_mutex_lock(&crack_lock);
	const char *why = FascistCheck(pw, GetDefaultCracklibDict());
	pthread_mutex_unlock(&crack_lock);
	return why ? "is too common or too easy to guess; choose another" : NULL;
}

int password_accept(const char *pw, char out[CRYPTO_PWHASH_STR_MAX], struct failure *f)
{
	const char *why = password_check(pw, strlen(pw));
	if (why)
		return err_failf(f, ERR_WEAK_PASSWORD, "password %s", why);
	if (crypto_password_hash(pw, strlen(pw), out) != CRYPTO_PW_OK)
		return err_fail(f, ERR_BUSY);
	return 0;
}

static char dummy[CRYPTO_PWHASH_STR_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
	/* Any password will do: nobody ever has this hash. */
	static const char password[] = "glovebox-dummy-password";
	crypto_password_hash(password, sizeof(password) - 1, dummy);
}

const char *password_dummy_hash(void)
{
	pthread_once(&dummy_once, dummy_make);
	return dummy;
}

int password_verify(const char *hash, const char *pw, enum err wrong, struct failure *f)
{
	switch (crypto_password_verify(hash, pw, strlen(pw))) {
	case CRYPTO_PW_OK:
		return 0;
	case CRYPTO_PW_BUSY:
		return err_fail(f, ERR_BUSY);
	case CRYPTO_PW_MISMATCH:
	case CRYPTO_PW_ERROR:
		break;
	}
	return err_fail(f, wrong);
}
