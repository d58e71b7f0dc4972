/*
 * crypto: every cryptographic operation glovebox performs, on libsodium
 * (see crypto.h). The only file that includes <sodium.h>.
 */
#include "crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "mem.h"
#include "thread_role.h"

#define KDF_CONTEXT "glovebox"
enum { SUBKEY_DATAKEY = 1, SUBKEY_INDEX = 2, SUBKEY_TOKEN = 3, SUBKEY_AUDIT = 4, SUBKEY_CART = 5 };

struct crypto_keys {
	unsigned char datakey[CRYPTO_KEY_BYTES];
	unsigned char index[CRYPTO_KEY_BYTES];
	unsigned char token[CRYPTO_KEY_BYTES];
	unsigned char audit[CRYPTO_KEY_BYTES];
	unsigned char cart[CRYPTO_KEY_BYTES];
};

struct data_key {
	unsigned char k[CRYPTO_KEY_BYTES];
};

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG   crypto_aead_xchacha20poly1305_ietf_ABYTES

static atomic_uint pw_slots_max = 0;
static atomic_uint pw_slots_used = 0;

int crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void *crypto_secret_alloc(size_t n)
{
	void *p = sodium_malloc(n);
	if (!p) {
		fprintf(stderr, "glovebox: out of secure memory\n");
		abort();
	}
	return p;
}

void crypto_secret_free(void *p)
{
	sodium_free(p);
}

void crypto_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

void crypto_hex(const void *in, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

static int read_key_file(const char *path, unsigned char *master, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
			return -1;
		}
		/* First run: a fresh key, created so that no one else can read it. */
		randombytes_buf(master, CRYPTO_KEY_BYTES);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
		ssize_t w = write(fd, master, CRYPTO_KEY_BYTES);
		if (w != CRYPTO_KEY_BYTES || fsync(fd) != 0) {
			close(fd);
			unlink(path);
			snprintf(err, errlen, "cannot write %s", path);
			return -1;
		}
		close(fd);
		return 0;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (st.st_mode & 077)) {
		close(fd);
		snprintf(err, errlen, "%s must be readable by its owner only (chmod 600)", path);
		return -1;
	}
	if (st.st_size != CRYPTO_KEY_BYTES) {
		close(fd);
		snprintf(err, errlen, "%s must hold exactly %d bytes", path, CRYPTO_KEY_BYTES);
		return -1;
	}
	ssize_t r = read(fd, master, CRYPTO_KEY_BYTES);
	close(fd);
	if (r != CRYPTO_KEY_BYTES) {
		snprintf(err, errlen, "cannot read %s", path);
		return -1;
	}
	return 0;
}

int crypto_keys_load(const char *path, const char *env_value, struct crypto_keys **out, char *err,
		     size_t errlen)
{
	unsigned char *master = crypto_secret_alloc(CRYPTO_KEY_BYTES);
	int rc = -1;
	if (env_value && *env_value) {
		size_t len = 0;
		if (strlen(env_value) != 2 * CRYPTO_KEY_BYTES ||
		    sodium_hex2bin(master, CRYPTO_KEY_BYTES, env_value, strlen(env_value), NULL,
				   &len, NULL) != 0 ||
		    len != CRYPTO_KEY_BYTES) {
			snprintf(err, errlen,
				 "GLOVEBOX_MASTER_KEY must be 64 hexadecimal characters");
			goto out;
		}
	} else if (read_key_file(path, master, err, errlen) != 0) {
		goto out;
	}
	struct crypto_keys *k = crypto_secret_alloc(sizeof(*k));
	crypto_kdf_derive_from_key(k->datakey, sizeof(k->datakey), SUBKEY_DATAKEY, KDF_CONTEXT,
				   master);
	crypto_kdf_derive_from_key(k->index, sizeof(k->index), SUBKEY_INDEX, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(k->token, sizeof(k->token), SUBKEY_TOKEN, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(k->audit, sizeof(k->audit), SUBKEY_AUDIT, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(k->cart, sizeof(k->cart), SUBKEY_CART, KDF_CONTEXT, master);
	sodium_mprotect_readonly(k);
	*out = k;
	rc = 0;
out:
	crypto_secret_free(master);
	return rc;
}

void crypto_keys_free(struct crypto_keys *k)
{
	if (k)
		crypto_secret_free(k);
}

static void be64(int64_t v, unsigned char out[8])
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--) {
		out[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
}

/* nonce || ciphertext || tag, malloc'd. */
static int aead_seal(const unsigned char *key, const unsigned char *ad, size_t ad_len,
		     const void *pt, size_t pt_len, unsigned char **ct, size_t *ct_len)
{
	size_t n = NONCE + pt_len + TAG;
	unsigned char *out = xmalloc(n);
	randombytes_buf(out, NONCE);
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE, &clen, pt, pt_len, ad, ad_len, NULL,
						   out, key);
	*ct = out;
	*ct_len = NONCE + (size_t)clen;
	return 0;
}

static int aead_open(const unsigned char *key, const unsigned char *ad, size_t ad_len,
		     const unsigned char *ct, size_t ct_len, unsigned char *pt, size_t *pt_len)
{
	if (ct_len < NONCE + TAG)
		return -1;
	unsigned long long plen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL, ct + NONCE, ct_len - NONCE,
						       ad, ad_len, ct, key) != 0)
		return -1;
	*pt_len = (size_t)plen;
	return 0;
}

static size_t datakey_ad(int64_t subject_id, unsigned char ad[16])
{
	memcpy(ad, "datakey", sizeof("datakey")); /* the NUL too: 8 bytes, then the id */
	be64(subject_id, ad + 8);
	return 16;
}

/*
 * Open data keys live in one guarded, locked block taken once. A
 * sodium_malloc per key would cost mmap, mprotect and munmap on every
 * request, and each munmap stops every core to flush its TLB: at load that
 * was most of the time spent on GET /api/v1/me. When the pool is empty a
 * key gets its own sodium_malloc as before.
 */
#define KEY_POOL_SLOTS 4096

static struct data_key *key_pool;
static unsigned key_free[KEY_POOL_SLOTS];
static size_t key_free_n;
static pthread_mutex_t key_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t key_pool_once = PTHREAD_ONCE_INIT;

static void key_pool_init(void)
{
	key_pool = sodium_malloc(KEY_POOL_SLOTS * sizeof(*key_pool));
	if (!key_pool)
		return;
	for (unsigned i = 0; i < KEY_POOL_SLOTS; i++)
		key_free[i] = KEY_POOL_SLOTS - 1 - i;
	key_free_n = KEY_POOL_SLOTS;
}

static struct data_key *datakey_alloc(void)
{
	struct data_key *d = NULL;
	pthread_once(&key_pool_once, key_pool_init);
	pthread_mutex_lock(&key_pool_lock);
	if (key_pool && key_free_n)
		d = &key_pool[key_free[--key_free_n]];
	pthread_mutex_unlock(&key_pool_lock);
	return d ? d : crypto_secret_alloc(sizeof(*d));
}

static void datakey_release(struct data_key *d)
{
	sodium_memzero(d, sizeof(*d));
	if (key_pool && d >= key_pool && d < key_pool + KEY_POOL_SLOTS) {
		pthread_mutex_lock(&key_pool_lock);
		key_free[key_free_n++] = (unsigned)(d - key_pool);
		pthread_mutex_unlock(&key_pool_lock);
		return;
	}
	crypto_secret_free(d);
}

int crypto_datakey_new(const struct crypto_keys *k, int64_t subject_id, struct data_key **dk,
		       unsigned char **sealed, size_t *sealed_len)
{
	struct data_key *d = datakey_alloc();
	randombytes_buf(d->k, sizeof(d->k));
	unsigned char ad[16];
	size_t ad_len = datakey_ad(subject_id, ad);
	aead_seal(k->datakey, ad, ad_len, d->k, sizeof(d->k), sealed, sealed_len);
	*dk = d;
	return 0;
}

int crypto_datakey_open(const struct crypto_keys *k, int64_t subject_id,
			const unsigned char *sealed, size_t sealed_len, struct data_key **dk)
{
	if (sealed_len != NONCE + CRYPTO_KEY_BYTES + TAG)
		return -1;
	struct data_key *d = datakey_alloc();
	unsigned char ad[16];
	size_t ad_len = datakey_ad(subject_id, ad), n = 0;
	if (aead_open(k->datakey, ad, ad_len, sealed, sealed_len, d->k, &n) != 0 ||
	    n != CRYPTO_KEY_BYTES) {
		datakey_release(d);
		return -1;
	}
	*dk = d;
	return 0;
}

void crypto_datakey_free(struct data_key *dk)
{
	if (dk)
		datakey_release(dk);
}

/* table '\0' column '\0' row(8, big-endian) */
static unsigned char *field_ad(const char *table, const char *column, int64_t row, size_t *len)
{
	size_t t = strlen(table), c = strlen(column);
	unsigned char *ad = xmalloc(t + c + 10);
	memcpy(ad, table, t + 1);
	memcpy(ad + t + 1, column, c + 1);
	be64(row, ad + t + c + 2);
	*len = t + c + 10;
	return ad;
}

int crypto_seal(const struct data_key *dk, const char *table, const char *column, int64_t row_id,
		const void *pt, size_t pt_len, unsigned char **ct, size_t *ct_len)
{
	size_t ad_len;
	unsigned char *ad = field_ad(table, column, row_id, &ad_len);
	int rc = aead_seal(dk->k, ad, ad_len, pt, pt_len, ct, ct_len);
	free(ad);
	return rc;
}

int crypto_open(const struct data_key *dk, const char *table, const char *column, int64_t row_id,
		const unsigned char *ct, size_t ct_len, char **pt, size_t *pt_len)
{
	if (ct_len < NONCE + TAG)
		return -1;
	size_t ad_len, n = 0;
	unsigned char *ad = field_ad(table, column, row_id, &ad_len);
	char *out = xmalloc(ct_len - NONCE - TAG + 1);
	int rc = aead_open(dk->k, ad, ad_len, ct, ct_len, (unsigned char *)out, &n);
	free(ad);
	if (rc != 0) {
		free(out);
		return -1;
	}
	out[n] = '\0';
	*pt = out;
	*pt_len = n;
	return 0;
}

void crypto_plain_free(char *pt, size_t len)
{
	if (!pt)
		return;
	sodium_memzero(pt, len);
	free(pt);
}

static void keyed_hash(const unsigned char *key, const char *domain, const void *value, size_t len,
		       unsigned char out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, CRYPTO_KEY_BYTES, 32);
	if (domain)
		crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
	crypto_generichash_update(&st, value, len);
	crypto_generichash_final(&st, out, 32);
}

void crypto_blind_index(const struct crypto_keys *k, const char *domain, const void *value,
			size_t len, unsigned char out[CRYPTO_INDEX_BYTES])
{
	keyed_hash(k->index, domain, value, len, out);
}

void crypto_token_hash(const struct crypto_keys *k, const char *token, size_t len,
		       unsigned char out[32])
{
	keyed_hash(k->token, NULL, token, len, out);
}

void crypto_audit_mac(const struct crypto_keys *k, const void *msg, size_t len,
		      unsigned char out[CRYPTO_MAC_BYTES])
{
	keyed_hash(k->audit, NULL, msg, len, out);
}

void crypto_cart_mac(const struct crypto_keys *k, const void *msg, size_t len,
		     unsigned char out[CRYPTO_MAC_BYTES])
{
	keyed_hash(k->cart, NULL, msg, len, out);
}

void crypto_password_limit(unsigned max_concurrent)
{
	atomic_store(&pw_slots_max, max_concurrent ? max_concurrent : 1);
}

static bool pw_slot_take(void)
{
	if (thread_role_on_event_loop())
		log_error(
			"a password is hashed on an HTTP event loop: its route must be ROUTE_SLOW");
	unsigned max = atomic_load(&pw_slots_max);
	if (max == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		max = n > 0 ? (unsigned)n : 1;
	}
	unsigned used = atomic_load(&pw_slots_used);
	do {
		if (used >= max)
			return false;
	} while (!atomic_compare_exchange_weak(&pw_slots_used, &used, used + 1));
	return true;
}

static void pw_slot_give(void)
{
	atomic_fetch_sub(&pw_slots_used, 1);
}

enum crypto_pw_rc crypto_password_hash(const char *pw, size_t len, char out[CRYPTO_PWHASH_STR_MAX])
{
	if (!pw_slot_take())
		return CRYPTO_PW_BUSY;
	int rc = crypto_pwhash_str_alg(out, pw, len, CRYPTO_PWHASH_OPSLIMIT, CRYPTO_PWHASH_MEMLIMIT,
				       crypto_pwhash_ALG_ARGON2ID13);
	pw_slot_give();
	return rc == 0 ? CRYPTO_PW_OK : CRYPTO_PW_ERROR;
}

enum crypto_pw_rc crypto_password_verify(const char *hash, const char *pw, size_t len)
{
	if (!pw_slot_take())
		return CRYPTO_PW_BUSY;
	int rc = crypto_pwhash_str_verify(hash, pw, len);
	pw_slot_give();
	return rc == 0 ? CRYPTO_PW_OK : CRYPTO_PW_MISMATCH;
}

_Static_assert(CRYPTO_BLOB_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	       "blob key size");
_Static_assert(CRYPTO_BLOB_OVERHEAD == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
					       crypto_aead_xchacha20poly1305_ietf_ABYTES,
	       "blob overhead");

void crypto_blob_encrypt(const unsigned char key[CRYPTO_BLOB_KEY_BYTES], const char *ad,
			 const void *in, size_t n, unsigned char *out)
{
	unsigned char *nonce = out;
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
		out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, in, n,
		(const unsigned char *)ad, strlen(ad), NULL, nonce, key);
}

int crypto_blob_decrypt(const unsigned char key[CRYPTO_BLOB_KEY_BYTES], const char *ad,
			const unsigned char *in, size_t n, unsigned char *out)
{
	if (n < CRYPTO_BLOB_OVERHEAD)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(
		       out, NULL, NULL, in + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
		       n - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const unsigned char *)ad,
		       strlen(ad), in, key) == 0
		       ? 0
		       : -1;
}

void crypto_random(void *out, size_t n)
{
	randombytes_buf(out, n);
}

int64_t crypto_random_id(void)
{
	uint64_t v;
	do {
		randombytes_buf(&v, sizeof(v));
		v &= (1ull << 53) - 1;
	} while (v == 0);
	return (int64_t)v;
}

double crypto_random_unit(void)
{
	uint64_t v;
	randombytes_buf(&v, sizeof(v));
	v &= (1ull << 53) - 1;
	/* The middle of one of 2^53 equal steps: never 0, never 1. */
	return ((double)v + 0.5) / (double)(1ull << 53);
}

void crypto_token(char out[CRYPTO_TOKEN_CHARS + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, CRYPTO_TOKEN_CHARS + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

int crypto_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void crypto_base64url(const void *in, size_t n, char *out, size_t outlen)
{
	sodium_bin2base64(out, outlen, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int crypto_unbase64url(const char *in, void *out, size_t max, size_t *n)
{
	return sodium_base642bin(out, max, in, strlen(in), NULL, n, NULL,
				 sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void crypto_sha256(const void *in, size_t n, unsigned char out[32])
{
	crypto_hash_sha256(out, in, n);
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *const *parts,
			const size_t *lens, size_t n, unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, keylen);
	for (size_t i = 0; i < n; i++)
		crypto_auth_hmacsha256_update(&st, parts[i], lens[i]);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void crypto_keyed_hash(const unsigned char key[32], const void *const *parts, const size_t *lens,
		       size_t n, unsigned char out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, 32, 32);
	for (size_t i = 0; i < n; i++)
		crypto_generichash_update(&st, parts[i], lens[i]);
	crypto_generichash_final(&st, out, 32);
	sodium_memzero(&st, sizeof(st));
}

void crypto_ed25519_public(const unsigned char seed[32], unsigned char pk[32])
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
}

void crypto_ed25519_sign(const unsigned char seed[32], const void *msg, size_t n,
			 unsigned char sig[64])
{
	unsigned char pk[32], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, NULL, msg, n, sk);
	sodium_memzero(sk, sizeof(sk));
}

void crypto_base64(const void *in, size_t n, char *out, size_t outlen)
{
	sodium_bin2base64(out, outlen, in, n, sodium_base64_VARIANT_ORIGINAL);
}

int crypto_unbase64(const char *in, size_t len, void *out, size_t max, size_t *n)
{
	return sodium_base642bin(out, max, in, len, " \t\r\n", n, NULL,
				 sodium_base64_VARIANT_ORIGINAL);
}
