/*
 * crypto: every cryptographic operation glovebox performs. crypto.c is the
 * only file that includes <sodium.h>.
 *
 * Keys: a 256-bit master key (file created 0600 on first run, or the
 * GLOVEBOX_MASTER_KEY environment variable) from which sub-keys are derived
 * (crypto_kdf): one seals data keys, one keys blind indexes, one keys token
 * hashes, one keys the access log's chain, one MACs the shop's cart cookie. Each data subject
 * (member, requester, ...) has its own random 256-bit data key, stored only sealed by the master
 * key. Destroying the sealed data key makes every field of that subject unreadable
 * (crypto-shredding), in backups too.
 *
 * All secret material lives in sodium_malloc() memory and is wiped on free.
 */
#ifndef GLOVEBOX_CRYPTO_H
#define GLOVEBOX_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY_BYTES      32
#define CRYPTO_INDEX_BYTES    32 /* blind index size */
#define CRYPTO_MAC_BYTES      32 /* an access-log entry's MAC */
#define CRYPTO_TOKEN_CHARS    43 /* 256-bit token, base64url, no padding */
#define CRYPTO_PWHASH_STR_MAX 128

/* Argon2id parameters: OWASP's minimum is m=19 MiB, t=2, p=1. */
#define CRYPTO_PWHASH_MEMLIMIT (19u * 1024 * 1024)
#define CRYPTO_PWHASH_OPSLIMIT 2u

int crypto_init(void); /* sodium_init(); -1 if unusable */

struct crypto_keys;

/*
 * Loads the master key. If env_value is non-NULL and non-empty it is used
 * (64 hex characters); otherwise the file at path is read (32 raw bytes), and
 * created with a fresh random key (mode 0600, O_EXCL) if it does not exist.
 * A file of the wrong size or with group/other permission bits is refused.
 * On error returns -1 and writes a message (no secret) into err.
 */
int crypto_keys_load(const char *path, const char *env_value, struct crypto_keys **out, char *err,
		     size_t errlen);
void crypto_keys_free(struct crypto_keys *k);

struct data_key;

/* A fresh data key for subject_id; *sealed (malloc'd, caller free()s) is the
 * key sealed by the master key with the subject id as associated data. */
int crypto_datakey_new(const struct crypto_keys *k, int64_t subject_id, struct data_key **dk,
		       unsigned char **sealed, size_t *sealed_len);
/* Opens a sealed data key; -1 if it was not sealed for this subject or was altered. */
int crypto_datakey_open(const struct crypto_keys *k, int64_t subject_id,
			const unsigned char *sealed, size_t sealed_len, struct data_key **dk);
void crypto_datakey_free(struct data_key *dk);

/*
 * Field sealing with XChaCha20-Poly1305 (IETF). The associated data binds
 * table, column and row id, so a ciphertext copied to another row or column
 * does not open. Output: 24-byte nonce || ciphertext || 16-byte tag,
 * malloc'd, caller free()s.
 */
int crypto_seal(const struct data_key *dk, const char *table, const char *column, int64_t row_id,
		const void *pt, size_t pt_len, unsigned char **ct, size_t *ct_len);
/* *pt is malloc'd and NUL-terminated; release it with crypto_plain_free()
 * (wipes it). Returns -1 if the ciphertext does not open. */
int crypto_open(const struct data_key *dk, const char *table, const char *column, int64_t row_id,
		const unsigned char *ct, size_t ct_len, char **pt, size_t *pt_len);
void crypto_plain_free(char *pt, size_t len);

/* Blind index: keyed BLAKE2b-256 of domain || '\0' || value under the index
 * sub-key. The caller normalises value first (e.g. lower-cased e-mail). */
void crypto_blind_index(const struct crypto_keys *k, const char *domain, const void *value,
			size_t len, unsigned char out[CRYPTO_INDEX_BYTES]);

/*
 * Passwords: Argon2id at the parameters above, at most max_concurrent
 * hashes or verifications at once (each takes CRYPTO_PWHASH_MEMLIMIT bytes),
 * so a flood cannot exhaust memory. When all slots are taken the call
 * returns CRYPTO_PW_BUSY at once and the caller answers 503 + Retry-After.
 */
enum crypto_pw_rc { CRYPTO_PW_OK = 0, CRYPTO_PW_MISMATCH, CRYPTO_PW_BUSY, CRYPTO_PW_ERROR };
void crypto_password_limit(unsigned max_concurrent); /* default: number of cores */
enum crypto_pw_rc crypto_password_hash(const char *pw, size_t len, char out[CRYPTO_PWHASH_STR_MAX]);
enum crypto_pw_rc crypto_password_verify(const char *hash, const char *pw, size_t len);

/* Files kept outside the database (photos): XChaCha20-Poly1305 under a
 * random key of their own, which the caller keeps sealed through the
 * record layer, so that erasing the key leaves the file unreadable, in
 * backups too. The output is a random nonce, the ciphertext and the tag:
 * CRYPTO_BLOB_OVERHEAD bytes more than the input. ad (the file's name) is
 * bound in, so a file renamed does not open. */
#define CRYPTO_BLOB_KEY_BYTES 32
#define CRYPTO_BLOB_OVERHEAD  (24 + 16)
void crypto_blob_encrypt(const unsigned char key[CRYPTO_BLOB_KEY_BYTES], const char *ad,
			 const void *in, size_t n, unsigned char *out);
/* out holds n - CRYPTO_BLOB_OVERHEAD bytes; 0, or -1 when it does not open. */
int crypto_blob_decrypt(const unsigned char key[CRYPTO_BLOB_KEY_BYTES], const char *ad,
			const unsigned char *in, size_t n, unsigned char *out);

/* Randomness */
void crypto_random(void *out, size_t n);
int64_t crypto_random_id(void); /* uniform in [1, 2^53): row ids, exact in JSON */
/* Uniform in the open interval (0, 1), from 53 random bits: the draws of
 * the reports' Laplace noise (src/visits/visits.c). */
double crypto_random_unit(void);
/* A 256-bit random token, base64url without padding, NUL-terminated. */
void crypto_token(char out[CRYPTO_TOKEN_CHARS + 1]);
/* What is stored for a token: keyed BLAKE2b-256 under the token sub-key. */
void crypto_token_hash(const struct crypto_keys *k, const char *token, size_t len,
		       unsigned char out[32]);
/* An access-log entry's MAC: keyed BLAKE2b-256 under the audit sub-key, a
 * key of its own, so that no other keyed hash glovebox computes or stores
 * (a token's, a blind index, an unsubscribe tag) can stand in for one. */
void crypto_audit_mac(const struct crypto_keys *k, const void *msg, size_t len,
		      unsigned char out[CRYPTO_MAC_BYTES]);
/* A shop cart cookie's MAC (docs/shop.md): keyed BLAKE2b-256 under a cart
 * sub-key of its own, so no other keyed hash can stand in for one. */
void crypto_cart_mac(const struct crypto_keys *k, const void *msg, size_t len,
		     unsigned char out[CRYPTO_MAC_BYTES]);
int crypto_equal(const void *a, const void *b, size_t n); /* constant time; 1 if equal */

/* Secret memory (sodium_malloc: guarded, locked, wiped on free). Aborts on OOM. */
void *crypto_secret_alloc(size_t n);
void crypto_secret_free(void *p);
void crypto_wipe(void *p, size_t n);

/* base64url without padding: encode n bytes into out (outlen >= 4n/3 + 2);
 * decode at most max bytes, 0 or -1 for text that is not base64url. */
void crypto_base64url(const void *in, size_t n, char *out, size_t outlen);
int crypto_unbase64url(const char *in, void *out, size_t max, size_t *n);
/* Standard base64 (with padding); decoding skips white space. */
void crypto_base64(const void *in, size_t n, char *out, size_t outlen);
int crypto_unbase64(const char *in, size_t len, void *out, size_t max, size_t *n);
/* SHA-256, and Ed25519 from a 32-byte seed (DKIM, RFC 8463). */
void crypto_sha256(const void *in, size_t n, unsigned char out[32]);
void crypto_ed25519_public(const unsigned char seed[32], unsigned char pk[32]);
void crypto_ed25519_sign(const unsigned char seed[32], const void *msg, size_t n,
			 unsigned char sig[64]);
/* HMAC-SHA256 under key of the concatenation of n parts (Standard Webhooks
 * signatures of hand-overs: id, ".", timestamp, ".", body). */
void crypto_hmac_sha256(const void *key, size_t keylen, const void *const *parts,
			const size_t *lens, size_t n, unsigned char out[32]);
/* Keyed BLAKE2b (32 bytes out) under a 32-byte key of the concatenation of
 * n parts: a visitor's key for one day under that day's salt (visits.h). */
void crypto_keyed_hash(const unsigned char key[32], const void *const *parts, const size_t *lens,
		       size_t n, unsigned char out[32]);
/* Hex encode n bytes into out (2n+1 bytes). */
void crypto_hex(const void *in, size_t n, char *out);

#endif
