/*
 * token: the random secrets glovebox hands out (a session cookie, a
 * remembered device's cookie, the link in a confirmation or enrolment
 * message) and the short keyed tags it signs stateless tokens with.
 *
 * A token is 256 random bits in base64url (CRYPTO_TOKEN_CHARS characters).
 * The store keeps only its keyed hash (BLAKE2b under the token sub-key of
 * the master key), so a copy of the database opens no session and confirms
 * no address. token_hash() takes only well-formed tokens: it is not a way to
 * hash a personal value (those get blind indexes, in the record layer only).
 */
#ifndef GLOVEBOX_TOKEN_H
#define GLOVEBOX_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto.h"

#define TOKEN_CHARS	 CRYPTO_TOKEN_CHARS
#define TOKEN_HASH_BYTES 32
/* The short id a listing shows for a row kept by a token's hash (sessions,
 * devices): this many bytes of the hash, in hex. */
#define TOKEN_ID_BYTES 12
#define TOKEN_ID_CHARS (2 * TOKEN_ID_BYTES)

/* A fresh token and the hash to store for it. */
void token_new(char token[TOKEN_CHARS + 1], unsigned char hash[TOKEN_HASH_BYTES]);
/* The stored hash of a token a client sent; false (hash untouched) when the
 * text is not a well-formed token. */
bool token_hash(const char *token, unsigned char hash[TOKEN_HASH_BYTES]);
/* The short id of a stored hash (TOKEN_ID_CHARS hex characters). */
void token_id(const unsigned char hash[TOKEN_HASH_BYTES], char id[TOKEN_ID_CHARS + 1]);

/* A keyed tag over (label, msg) for tokens that carry their own proof
 * (one-click unsubscribe): the first n bytes (n <= 32) of a keyed hash. */
void token_tag(const char *label, const void *msg, size_t len, unsigned char *tag, size_t n);

#endif
