/*
 * token: random secrets and their stored hashes (see token.h).
 */
#include "token.h"

#include <string.h>

#include "app.h"
#include "buf.h"

void token_new(char token[TOKEN_CHARS + 1], unsigned char hash[TOKEN_HASH_BYTES])
{
	crypto_token(token);
	crypto_token_hash(app.keys, token, TOKEN_CHARS, hash);
}

static bool well_formed(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (!ok || n >= TOKEN_CHARS)
			return false;
	}
	return n == TOKEN_CHARS;
}

bool token_hash(const char *token, unsigned char hash[TOKEN_HASH_BYTES])
{
	if (!token || !well_formed(token))
		return false;
	crypto_token_hash(app.keys, token, TOKEN_CHARS, hash);
	return true;
}

void token_id(const unsigned char hash[TOKEN_HASH_BYTES], char id[TOKEN_ID_CHARS + 1])
{
	crypto_hex(hash, TOKEN_ID_BYTES, id);
}

void token_tag(const char *label, const void *msg, size_t len, unsigned char *tag, size_t n)
{
	unsigned char full[TOKEN_HASH_BYTES];
	struct buf in;
	buf_init(&in, 0);
	buf_puts(&in, label);
	buf_append(&in, msg, len);
	crypto_token_hash(app.keys, in.data, in.len, full);
	buf_release(&in);
	memcpy(tag, full, n < sizeof(full) ? n : sizeof(full));
	crypto_wipe(full, sizeof(full));
}
