/*
 * password: the password rule of password.h. cracklib keeps static state,
 * so its check runs under a lock.
 */
#include "password.h"

#include <crack.h>
#include <pthread.h>
#include <string.h>

#include "validate.h"

static pthread_mutex_t crack_lock = PTHREAD_MUTEX_INITIALIZER;

const char *password_check(const char *pw, size_t len)
{
	if (len < PASSWORD_MIN)
		return "must have at least 8 characters";
	if (len > PASSWORD_MAX)
		return "must have at most 128 characters";
	if (!utf8_valid(pw, len) || memchr(pw, '\0', len))
		return "must be text";
	pthread_mutex_lock(&crack_lock);
	const char *why = FascistCheck(pw, GetDefaultCracklibDict());
	pthread_mutex_unlock(&crack_lock);
	return why ? "is too common or too easy to guess; choose another" : NULL;
}
