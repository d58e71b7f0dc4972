/*
 * password: the password rule of password.h. cracklib keeps static state,
 * so its check runs under a lock.
 */
#include "password.h"

#include <crack.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
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

bool password_accept(struct req *r, char out[CRYPTO_PWHASH_STR_MAX])
{
	const char *pw = req_param(r, "password");
	const char *why = password_check(pw, strlen(pw));
	if (why) {
		char msg[128];
		snprintf(msg, sizeof(msg), "password %s", why);
		resp_error(r, 400, "invalid_field", msg, "password");
		return false;
	}
	if (crypto_password_hash(pw, strlen(pw), out) != CRYPTO_PW_OK) {
		resp_header(r, "Retry-After", "1");
		resp_error(r, 503, "busy", "Too many password checks at once; try again in a second.",
			   NULL);
		return false;
	}
	return true;
}
