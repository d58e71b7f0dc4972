/*
 * libFuzzer target: what glovebox does with a cookie's value. libmicrohttpd
 * parses the Cookie header (req_cookie is MHD_lookup_connection_value with
 * MHD_COOKIE_KIND); glovebox parses no cookie text itself. What it does
 * with the value of its session and remembered-device cookies is the token
 * check: token_hash() accepts a well-formed token and gives the keyed hash
 * the store is searched by. The input is a cookie value as the engine hands
 * it over (a C string, so cut at a NUL).
 *
 * Properties: a value is accepted exactly when it is 43 base64url
 * characters; a refused value leaves the hash untouched; an accepted one
 * hashes to the keyed hash of its bytes, and to a different hash under
 * another key; a token made by token_new is accepted and hashes as stored.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "crypto.h"
#include "mem.h"
#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct crypto_keys *other_keys;

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "property broken: %s\n", what);
		abort();
	}
}

static void set_up(void)
{
	char err[128];
	must(crypto_init() == 0, "libsodium starts");
	must(crypto_keys_load(NULL,
			      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
			      &app.keys, err, sizeof(err)) == 0 &&
		     crypto_keys_load(
			     NULL,
			     "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
			     &other_keys, err, sizeof(err)) == 0,
	     "the keys load");
}

static bool base64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!app.keys)
		set_up();
	char *value = xstrndup((const char *)data, size);
	size_t len = strlen(value);
	bool well_formed = len == TOKEN_CHARS;
	for (size_t i = 0; i < len && well_formed; i++)
		well_formed = base64url_char(value[i]);

	unsigned char hash[TOKEN_HASH_BYTES], untouched[TOKEN_HASH_BYTES];
	memset(hash, 0xa5, sizeof(hash));
	memcpy(untouched, hash, sizeof(hash));
	bool ok = token_hash(value, hash);
	must(ok == well_formed, "accepted exactly when 43 base64url characters");
	if (!ok) {
		must(memcmp(hash, untouched, sizeof(hash)) == 0, "a refused value leaves the hash");
	} else {
		unsigned char want[TOKEN_HASH_BYTES], other[TOKEN_HASH_BYTES];
		crypto_token_hash(app.keys, value, len, want);
		crypto_token_hash(other_keys, value, len, other);
		must(memcmp(hash, want, sizeof(hash)) == 0, "the keyed hash of the value");
		must(memcmp(hash, other, sizeof(hash)) != 0, "another key, another hash");
	}
	must(!token_hash(NULL, hash), "no cookie, no hash");

	/* Every few inputs, a token as glovebox hands them out. */
	if (size && data[0] == 't') {
		char token[TOKEN_CHARS + 1];
		unsigned char stored[TOKEN_HASH_BYTES], again[TOKEN_HASH_BYTES];
		token_new(token, stored);
		must(token_hash(token, again) && memcmp(stored, again, sizeof(again)) == 0,
		     "a token handed out hashes as stored");
		unsigned char raw[64];
		size_t n = 0;
		must(crypto_unbase64url(token, raw, sizeof(raw), &n) == 0 && n == 32,
		     "a token is 256 bits");
	}
	free(value);
	return 0;
}
