/*
 * test_seal.c - secrets sealed at rest (tokend/seal.c, R-TOK-8): round
 * trips, the blob format against published AES-256-GCM vectors, refusal
 * of every changed bit, wrong AAD and wrong key, short and unknown-version
 * blobs, fresh nonces, and the key file's creation and reuse.
 */
#include "config.h"

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

#include "kagi_err.h"
#include "seal.h"
#include "wipe.h"

static const uint8_t key_a[SEAL_KEY_LEN] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe,
	0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
	0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7,
	0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
};
static const char aad_a[] = "totp:tanaka";
static const uint8_t secret_a[20] = "12345678901234567890";

struct keys {
	struct seal_key *a;
	struct seal_key *b;	/* key_a with one bit changed */
	struct seal_key *zero;	/* 32 zero bytes, for the published vectors */
};

static int
setup(void **state)
{
	struct keys *k;
	uint8_t kb[SEAL_KEY_LEN];

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -1;
	memcpy(kb, key_a, sizeof(kb));
	kb[31] ^= 0x80;
	if (seal_key_from_bytes(key_a, &k->a) != 0 ||
	    seal_key_from_bytes(kb, &k->b) != 0)
		return -1;
	memset(kb, 0, sizeof(kb));
	if (seal_key_from_bytes(kb, &k->zero) != 0)
		return -1;
	*state = k;
	return 0;
}

static int
teardown(void **state)
{
	struct keys *k = *state;

	seal_key_free(&k->a);
	seal_key_free(&k->b);
	seal_key_free(&k->zero);
	free(k);
	return 0;
}

static void
test_round_trip(void **state)
{
	struct keys *k = *state;
	uint8_t *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 0;

	assert_int_equal(seal(k->a, aad_a, strlen(aad_a), secret_a,
	    sizeof(secret_a), &blob, &bloblen), 0);
	assert_int_equal(bloblen, sizeof(secret_a) + SEAL_OVERHEAD);
	assert_int_equal(blob[0], 1);
	/* The secret does not appear in clear in the blob. */
	assert_memory_not_equal(blob + 13, secret_a, sizeof(secret_a));

	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), 0);
	assert_int_equal(ptlen, sizeof(secret_a));
	assert_memory_equal(pt, secret_a, sizeof(secret_a));
	kagi_free_secret(pt, ptlen);
	free(blob);
}

/*
 * The blob layout against published AES-256-GCM vectors (McGrew & Viega,
 * test cases 13 and 14: zero key, zero IV, no AAD), so the format is
 * what seal.h says and not merely self-consistent.
 */
static void
test_known_answer(void **state)
{
	static const uint8_t ct14[16] = {
		0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e,
		0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18,
	};
	static const uint8_t tag14[16] = {
		0xd0, 0xd1, 0xc8, 0xa7, 0x99, 0x99, 0x6b, 0xf0,
		0x26, 0x5b, 0x98, 0xb5, 0xd4, 0x8a, 0xb9, 0x19,
	};
	static const uint8_t tag13[16] = {
		0x53, 0x0f, 0x8a, 0xfb, 0xc7, 0x45, 0x36, 0xb9,
		0xa9, 0x63, 0xb4, 0xf1, 0xc4, 0xcb, 0x73, 0x8b,
	};
	struct keys *k = *state;
	uint8_t blob[1 + 12 + 16 + 16], zero[16];
	uint8_t *pt = NULL;
	size_t ptlen = 0;

	memset(zero, 0, sizeof(zero));
	memset(blob, 0, sizeof(blob));
	blob[0] = 1;
	memcpy(blob + 13, ct14, 16);
	memcpy(blob + 29, tag14, 16);
	assert_int_equal(unseal(k->zero, NULL, 0, blob, sizeof(blob), &pt,
	    &ptlen), 0);
	assert_int_equal(ptlen, 16);
	assert_memory_equal(pt, zero, 16);
	kagi_free_secret(pt, ptlen);

	memcpy(blob + 13, tag13, 16);
	assert_int_equal(unseal(k->zero, NULL, 0, blob, SEAL_OVERHEAD, &pt,
	    &ptlen), 0);
	assert_int_equal(ptlen, 0);
	assert_non_null(pt);
	kagi_free_secret(pt, ptlen);
}

/* Every single-bit change anywhere in the blob is refused. */
static void
test_every_bit_flip_refused(void **state)
{
	static uint8_t sentinel;
	struct keys *k = *state;
	uint8_t *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 0, i;
	int bit, want;

	assert_int_equal(seal(k->a, aad_a, strlen(aad_a), secret_a,
	    sizeof(secret_a), &blob, &bloblen), 0);
	for (i = 0; i < bloblen; i++) {
		/* version: not 1 any more; nonce, ciphertext, tag: bad tag. */
		want = i == 0 ? KAGI_ERR_INVALID : KAGI_ERR_CRYPTO;
		for (bit = 0; bit < 8; bit++) {
			blob[i] ^= (uint8_t)(1u << bit);
			pt = &sentinel;
			ptlen = 99;
			assert_int_equal(unseal(k->a, aad_a, strlen(aad_a),
			    blob, bloblen, &pt, &ptlen), want);
			assert_null(pt);
			assert_int_equal(ptlen, 0);
			blob[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* And the untouched blob still opens. */
	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), 0);
	kagi_free_secret(pt, ptlen);
	free(blob);
}

/* A blob copied to another user's row, or with its AAD cut, fails. */
static void
test_wrong_aad_refused(void **state)
{
	struct keys *k = *state;
	uint8_t *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 0;

	assert_int_equal(seal(k->a, aad_a, strlen(aad_a), secret_a,
	    sizeof(secret_a), &blob, &bloblen), 0);
	assert_int_equal(unseal(k->a, "totp:suzuki", 11, blob, bloblen, &pt,
	    &ptlen), KAGI_ERR_CRYPTO);
	assert_null(pt);
	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a) - 1, blob, bloblen,
	    &pt, &ptlen), KAGI_ERR_CRYPTO);
	assert_int_equal(unseal(k->a, "totp:tanaka\0", 12, blob, bloblen, &pt,
	    &ptlen), KAGI_ERR_CRYPTO);
	assert_int_equal(unseal(k->a, NULL, 0, blob, bloblen, &pt, &ptlen),
	    KAGI_ERR_CRYPTO);
	assert_null(pt);
	free(blob);

	/* Sealed without AAD opens only without AAD. */
	assert_int_equal(seal(k->a, NULL, 0, secret_a, sizeof(secret_a),
	    &blob, &bloblen), 0);
	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), KAGI_ERR_CRYPTO);
	assert_int_equal(unseal(k->a, NULL, 0, blob, bloblen, &pt, &ptlen), 0);
	kagi_free_secret(pt, ptlen);
	free(blob);
}

static void
test_wrong_key_refused(void **state)
{
	struct keys *k = *state;
	uint8_t *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 0;

	assert_int_equal(seal(k->a, aad_a, strlen(aad_a), secret_a,
	    sizeof(secret_a), &blob, &bloblen), 0);
	assert_int_equal(unseal(k->b, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), KAGI_ERR_CRYPTO);
	assert_null(pt);
	assert_int_equal(unseal(k->zero, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), KAGI_ERR_CRYPTO);
	assert_null(pt);
	free(blob);
}

static void
test_short_or_other_version_refused(void **state)
{
	struct keys *k = *state;
	uint8_t *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 0, n;

	assert_int_equal(seal(k->a, aad_a, strlen(aad_a), NULL, 0, &blob,
	    &bloblen), 0);
	assert_int_equal(bloblen, SEAL_OVERHEAD);
	for (n = 0; n < SEAL_OVERHEAD; n++) {
		assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), blob, n,
		    &pt, &ptlen), KAGI_ERR_INVALID);
		assert_null(pt);
	}
	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), NULL, 0, &pt,
	    &ptlen), KAGI_ERR_INVALID);
	blob[0] = 2;
	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), KAGI_ERR_INVALID);
	blob[0] = 0;
	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), KAGI_ERR_INVALID);
	blob[0] = 1;
	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), 0);
	kagi_free_secret(pt, ptlen);
	free(blob);
}

static void
test_empty_plaintext(void **state)
{
	struct keys *k = *state;
	uint8_t *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 99;

	assert_int_equal(seal(k->a, aad_a, strlen(aad_a), NULL, 0, &blob,
	    &bloblen), 0);
	assert_int_equal(bloblen, SEAL_OVERHEAD);
	assert_int_equal(unseal(k->a, aad_a, strlen(aad_a), blob, bloblen,
	    &pt, &ptlen), 0);
	assert_non_null(pt);
	assert_int_equal(ptlen, 0);
	kagi_free_secret(pt, ptlen);
	/* Even an empty secret is bound to its AAD. */
	assert_int_equal(unseal(k->a, "totp:x", 6, blob, bloblen, &pt,
	    &ptlen), KAGI_ERR_CRYPTO);
	free(blob);
}

/* Fresh random nonce per seal: the same secret never seals the same. */
static void
test_nonce_fresh(void **state)
{
	struct keys *k = *state;
	uint8_t *b1 = NULL, *b2 = NULL;
	size_t l1 = 0, l2 = 0;

	assert_int_equal(seal(k->a, aad_a, strlen(aad_a), secret_a,
	    sizeof(secret_a), &b1, &l1), 0);
	assert_int_equal(seal(k->a, aad_a, strlen(aad_a), secret_a,
	    sizeof(secret_a), &b2, &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(b1 + 1, b2 + 1, 12);
	assert_memory_not_equal(b1 + 13, b2 + 13, sizeof(secret_a));
	assert_memory_not_equal(b1 + 13 + sizeof(secret_a),
	    b2 + 13 + sizeof(secret_a), 16);
	free(b1);
	free(b2);
}

static void
test_bad_arguments(void **state)
{
	struct keys *k = *state;
	struct seal_key *nk = NULL;
	uint8_t *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 0;

	assert_int_equal(seal(NULL, aad_a, 1, secret_a, 1, &blob, &bloblen),
	    KAGI_ERR_INVALID);
	assert_int_equal(seal(k->a, NULL, 1, secret_a, 1, &blob, &bloblen),
	    KAGI_ERR_INVALID);
	assert_int_equal(seal(k->a, aad_a, 1, NULL, 1, &blob, &bloblen),
	    KAGI_ERR_INVALID);
	assert_int_equal(seal(k->a, aad_a, 1, secret_a, 1, NULL, &bloblen),
	    KAGI_ERR_INVALID);
	assert_null(blob);
	assert_int_equal(unseal(NULL, aad_a, 1, secret_a, 40, &pt, &ptlen),
	    KAGI_ERR_INVALID);
	assert_int_equal(unseal(k->a, aad_a, 1, secret_a, 20, NULL, &ptlen),
	    KAGI_ERR_INVALID);
	assert_null(pt);

	assert_int_equal(seal_key_from_bytes(NULL, &nk), KAGI_ERR_INVALID);
	assert_null(nk);
	assert_int_equal(seal_key_from_bytes(key_a, NULL), KAGI_ERR_INVALID);
	seal_key_free(NULL);
	seal_key_free(&nk);
	assert_int_equal(seal_key_from_bytes(key_a, &nk), 0);
	assert_non_null(nk);
	seal_key_free(&nk);
	assert_null(nk);
}

/* The key file: created once (0600, 32 bytes), then the same key reused. */
static void
test_key_file(void **state)
{
	char dir[] = "/tmp/kagi-seal-XXXXXX", path[64], link_path[64];
	char err[256];
	struct seal_key *k1 = NULL, *k2 = NULL;
	uint8_t *blob = NULL, *pt = NULL;
	size_t bloblen = 0, ptlen = 0;
	struct stat st;
	int created = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/seal.key", dir);
	snprintf(link_path, sizeof(link_path), "%s/link.key", dir);

	err[0] = '\0';
	assert_int_equal(seal_key_load_or_create(path, &k1, &created, err,
	    sizeof(err)), 0);
	assert_int_equal(created, 1);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, SEAL_KEY_LEN);

	assert_int_equal(seal_key_load_or_create(path, &k2, &created, err,
	    sizeof(err)), 0);
	assert_int_equal(created, 0);
	assert_int_equal(seal(k1, aad_a, strlen(aad_a), secret_a,
	    sizeof(secret_a), &blob, &bloblen), 0);
	assert_int_equal(unseal(k2, aad_a, strlen(aad_a), blob, bloblen, &pt,
	    &ptlen), 0);
	assert_memory_equal(pt, secret_a, sizeof(secret_a));
	kagi_free_secret(pt, ptlen);
	free(blob);
	seal_key_free(&k2);

	/* A symbolic link to the key is refused, and nothing is handed out. */
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_not_equal(seal_key_load_or_create(link_path, &k2, &created,
	    err, sizeof(err)), 0);
	assert_null(k2);
	assert_non_null(strstr(err, link_path));
	/* A key file others may read is refused. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_not_equal(seal_key_load_or_create(path, &k2, &created, err,
	    sizeof(err)), 0);
	assert_null(k2);

	seal_key_free(&k1);
	assert_int_equal(unlink(link_path), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_every_bit_flip_refused),
		cmocka_unit_test(test_wrong_aad_refused),
		cmocka_unit_test(test_wrong_key_refused),
		cmocka_unit_test(test_short_or_other_version_refused),
		cmocka_unit_test(test_empty_plaintext),
		cmocka_unit_test(test_nonce_fresh),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests_name("seal", tests, setup, teardown);
}
