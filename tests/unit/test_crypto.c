/*
 * Unit tests for crypto.c: the master key file, data keys, field sealing
 * bound to table/column/row, blind indexes, Argon2id and its concurrency
 * cap, tokens and ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/data/crypto.c"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/gb-crypto-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(crypto_init(), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct crypto_keys *keys_at(const char *name)
{
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct crypto_keys *k = NULL;
	if (crypto_keys_load(path, NULL, &k, err, sizeof(err)) != 0)
		return NULL;
	return k;
}

static void test_key_file_created_0600_and_reused(void **state)
{
	struct crypto_keys *a = keys_at("master.key");
	assert_non_null(a);
	char path[128];
	snprintf(path, sizeof(path), "%s/master.key", dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct crypto_keys *b = keys_at("master.key");
	assert_non_null(b);
	/* A data key sealed under one load opens under the other. */
	struct data_key *dk, *dk2;
	unsigned char *sealed;
	size_t len;
	assert_int_equal(crypto_datakey_new(a, 42, &dk, &sealed, &len), 0);
	assert_int_equal(crypto_datakey_open(b, 42, sealed, len, &dk2), 0);
	assert_memory_equal(dk->k, dk2->k, CRYPTO_KEY_BYTES);
	/* Not for another subject, and not when altered. */
	struct data_key *no;
	assert_int_equal(crypto_datakey_open(b, 43, sealed, len, &no), -1);
	sealed[len - 1] ^= 1;
	assert_int_equal(crypto_datakey_open(b, 42, sealed, len, &no), -1);
	free(sealed);
	crypto_datakey_free(dk);
	crypto_datakey_free(dk2);
	crypto_keys_free(a);
	crypto_keys_free(b);
}

static void test_key_file_refused_when_wrong(void **state)
{
	char path[128], err[256];
	struct crypto_keys *k = NULL;
	snprintf(path, sizeof(path), "%s/short.key", dir);
	FILE *f = fopen(path, "wb");
	fputs("short", f);
	fclose(f);
	chmod(path, 0600);
	assert_int_equal(crypto_keys_load(path, NULL, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exactly 32 bytes"));
	snprintf(path, sizeof(path), "%s/open.key", dir);
	f = fopen(path, "wb");
	for (int i = 0; i < 32; i++)
		fputc(i, f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(crypto_keys_load(path, NULL, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "owner only"));
	/* The environment wins over the file, and must be 64 hex characters. */
	assert_int_equal(crypto_keys_load(path, "00112233", &k, err, sizeof(err)), -1);
	assert_int_equal(
		crypto_keys_load(path,
				 "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
				 &k, err, sizeof(err)),
		-1);
	assert_int_equal(
		crypto_keys_load(path,
				 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
				 &k, err, sizeof(err)),
		0);
	crypto_keys_free(k);
}

static void test_seal_open_bound_to_row(void **state)
{
	struct crypto_keys *k = keys_at("master.key");
	struct data_key *dk, *other;
	unsigned char *s1, *s2;
	size_t l1, l2;
	assert_int_equal(crypto_datakey_new(k, 1, &dk, &s1, &l1), 0);
	assert_int_equal(crypto_datakey_new(k, 2, &other, &s2, &l2), 0);
	free(s1);
	free(s2);
	const char *values[] = {"", "a@example.org", "caf\xc3\xa9"};
	for (size_t i = 0; i < 3; i++) {
		unsigned char *ct;
		size_t ctlen, ptlen;
		char *pt;
		assert_int_equal(
			crypto_seal(dk, "t", "c", 7, values[i], strlen(values[i]), &ct, &ctlen), 0);
		assert_int_equal(ctlen, strlen(values[i]) + 40);
		assert_int_equal(crypto_open(dk, "t", "c", 7, ct, ctlen, &pt, &ptlen), 0);
		assert_string_equal(pt, values[i]);
		crypto_plain_free(pt, ptlen);
		assert_int_equal(crypto_open(dk, "t", "c", 8, ct, ctlen, &pt, &ptlen), -1);
		assert_int_equal(crypto_open(dk, "t", "d", 7, ct, ctlen, &pt, &ptlen), -1);
		assert_int_equal(crypto_open(dk, "u", "c", 7, ct, ctlen, &pt, &ptlen), -1);
		assert_int_equal(crypto_open(other, "t", "c", 7, ct, ctlen, &pt, &ptlen), -1);
		assert_int_equal(crypto_open(dk, "t", "c", 7, ct, 39, &pt, &ptlen), -1);
		ct[ctlen / 2] ^= 0x80;
		assert_int_equal(crypto_open(dk, "t", "c", 7, ct, ctlen, &pt, &ptlen), -1);
		free(ct);
	}
	/* A large value, and two seals of one value differ (random nonces). */
	size_t big = 100000;
	char *v = malloc(big);
	memset(v, 'x', big);
	unsigned char *c1, *c2;
	size_t n1, n2, pl;
	char *pt;
	assert_int_equal(crypto_seal(dk, "t", "c", 1, v, big, &c1, &n1), 0);
	assert_int_equal(crypto_seal(dk, "t", "c", 1, v, big, &c2, &n2), 0);
	assert_memory_not_equal(c1, c2, 64);
	assert_int_equal(crypto_open(dk, "t", "c", 1, c1, n1, &pt, &pl), 0);
	assert_int_equal(pl, big);
	crypto_plain_free(pt, pl);
	free(c1);
	free(c2);
	free(v);
	crypto_datakey_free(dk);
	crypto_datakey_free(other);
	crypto_keys_free(k);
}

static void test_blind_index(void **state)
{
	struct crypto_keys *a = keys_at("master.key"), *b = keys_at("other.key");
	unsigned char x[32], y[32], z[32], w[32];
	crypto_blind_index(a, "email", "a@b.co", 6, x);
	crypto_blind_index(a, "email", "a@b.co", 6, y);
	crypto_blind_index(a, "vin", "a@b.co", 6, z);
	crypto_blind_index(b, "email", "a@b.co", 6, w);
	assert_memory_equal(x, y, 32);
	assert_memory_not_equal(x, z, 32);
	assert_memory_not_equal(x, w, 32);
	crypto_keys_free(a);
	crypto_keys_free(b);
}

static void test_password_argon2id(void **state)
{
	char hash[CRYPTO_PWHASH_STR_MAX];
	crypto_password_limit(2);
	assert_int_equal(crypto_password_hash("correct horse", 13, hash), CRYPTO_PW_OK);
	assert_non_null(strstr(hash, "$argon2id$"));
	assert_non_null(strstr(hash, "m=19456,t=2,p=1"));
	assert_int_equal(crypto_password_verify(hash, "correct horse", 13), CRYPTO_PW_OK);
	assert_int_equal(crypto_password_verify(hash, "correct horsf", 13), CRYPTO_PW_MISMATCH);
}

static void test_password_cap_answers_busy(void **state)
{
	char hash[CRYPTO_PWHASH_STR_MAX];
	crypto_password_limit(1);
	assert_true(pw_slot_take()); /* another request holds the only slot */
	assert_int_equal(crypto_password_hash("pw", 2, hash), CRYPTO_PW_BUSY);
	char some[CRYPTO_PWHASH_STR_MAX] = "$argon2id$x";
	assert_int_equal(crypto_password_verify(some, "pw", 2), CRYPTO_PW_BUSY);
	pw_slot_give();
	assert_int_equal(crypto_password_hash("pw", 2, hash), CRYPTO_PW_OK);
	crypto_password_limit(0);
}

static void test_tokens_and_ids(void **state)
{
	char a[CRYPTO_TOKEN_CHARS + 1], b[CRYPTO_TOKEN_CHARS + 1];
	crypto_token(a);
	crypto_token(b);
	assert_int_equal(strlen(a), 43);
	assert_string_not_equal(a, b);
	for (size_t i = 0; i < 43; i++)
		assert_non_null(strchr(
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
	for (int i = 0; i < 1000; i++) {
		int64_t id = crypto_random_id();
		assert_true(id >= 1 && id < (1ll << 53));
	}
	char hex[65];
	unsigned char bin[2] = {0xab, 0x01};
	crypto_hex(bin, 2, hex);
	assert_string_equal(hex, "ab01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_file_created_0600_and_reused),
		cmocka_unit_test(test_key_file_refused_when_wrong),
		cmocka_unit_test(test_seal_open_bound_to_row),
		cmocka_unit_test(test_blind_index),
		cmocka_unit_test(test_password_argon2id),
		cmocka_unit_test(test_password_cap_answers_busy),
		cmocka_unit_test(test_tokens_and_ids),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
