/*
 * test_fido2.c - kagid's FIDO2 rules (tokend/fido2.c), its challenge
 * table (tokend/challenge.c), strict base64 (lib/b64.c), the fields read
 * from clients (tokend/fido2_wire.c) and the FIDO2 part of the store
 * (tokend/store_sqlite_fido2.c).
 *
 * The vectors are made here with OpenSSL: a P-256 and an Ed25519 key,
 * authenticator data built byte by byte, signed over authData ||
 * SHA-256(challenge) as an authenticator would.  Each test changes one
 * thing (flag, challenge, relying party, signature byte, counter) and
 * checks that it alone decides the outcome.
 *
 * Policy: R-MFA-1 (presence and verification demanded explicitly),
 * R-INC-1 (a counter that does not move forward is a clone), R-TOK-1
 * (a credential ID belongs to one user only).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "b64.h"
#include "challenge.h"
#include "fido2.h"
#include "fido2_wire.h"
#include "kagi_err.h"
#include "proto.h"
#include "store.h"

#define RP "pam://kagi-test"

/* --- making vectors ------------------------------------------------------ */

struct key {
	EVP_PKEY *pkey;
	int alg;
	uint8_t pk[64];
	size_t pk_len;
};

static void
key_make(struct key *k, int alg)
{
	uint8_t pub[65];
	size_t n = sizeof(pub);

	memset(k, 0, sizeof(*k));
	k->alg = alg;
	if (alg == FIDO2_ES256) {
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		assert_non_null(k->pkey);
		assert_int_equal(EVP_PKEY_get_octet_string_param(k->pkey,
		    OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &n), 1);
		assert_int_equal(n, 65);
		memcpy(k->pk, pub + 1, 64);
		k->pk_len = 64;
	} else {
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		assert_non_null(k->pkey);
		n = 32;
		assert_int_equal(EVP_PKEY_get_raw_public_key(k->pkey, k->pk,
		    &n), 1);
		k->pk_len = 32;
	}
}

static void
key_free(struct key *k)
{
	EVP_PKEY_free(k->pkey);
}

static void
sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
}

/* Sign authData || SHA-256(challenge) as the key would. */
static size_t
sign(const struct key *k, const uint8_t *raw, size_t rawlen,
    const uint8_t chal[CHAL_LEN], uint8_t *sig, size_t sigmax)
{
	uint8_t msg[1024], cdh[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t n = sigmax;

	sha256(chal, CHAL_LEN, cdh);
	memcpy(msg, raw, rawlen);
	memcpy(msg + rawlen, cdh, 32);
	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit(md, NULL, k->alg == FIDO2_ES256 ?
	    EVP_sha256() : NULL, NULL, k->pkey), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &n, msg, rawlen + 32), 1);
	EVP_MD_CTX_free(md);
	return n;
}

/* Raw assertion authData: rpIdHash | flags | counter. */
static size_t
authdata_raw(const char *rp, uint8_t flags, uint32_t counter, uint8_t *out)
{
	sha256(rp, strlen(rp), out);
	out[32] = flags;
	out[33] = (uint8_t)(counter >> 24);
	out[34] = (uint8_t)(counter >> 16);
	out[35] = (uint8_t)(counter >> 8);
	out[36] = (uint8_t)counter;
	return 37;
}

/* As libfido2 hands it to clients: a CBOR byte string. */
static size_t
cbor_bstr(const uint8_t *raw, size_t n, uint8_t *out)
{
	size_t h;

	if (n < 24) {
		out[0] = (uint8_t)(0x40 | n);
		h = 1;
	} else if (n < 256) {
		out[0] = 0x58;
		out[1] = (uint8_t)n;
		h = 2;
	} else {
		out[0] = 0x59;
		out[1] = (uint8_t)(n >> 8);
		out[2] = (uint8_t)n;
		h = 3;
	}
	memcpy(out + h, raw, n);
	return h + n;
}

struct vec {
	uint8_t chal[CHAL_LEN];
	uint8_t ad[64];
	size_t ad_len;
	uint8_t sig[128];
	size_t sig_len;
};

static void
vec_make(struct vec *v, const struct key *k, const char *rp, uint8_t flags,
    uint32_t counter)
{
	uint8_t raw[64];
	size_t n;

	memset(v, 0, sizeof(*v));
	memset(v->chal, 0x5a, sizeof(v->chal));
	n = authdata_raw(rp, flags, counter, raw);
	v->sig_len = sign(k, raw, n, v->chal, v->sig, sizeof(v->sig));
	v->ad_len = cbor_bstr(raw, n, v->ad);
}

static int
verify(const struct key *k, const struct vec *v, const char *rp, int uv,
    uint8_t *flags, uint32_t *counter)
{
	return fido2_verify_assertion(k->alg, k->pk, k->pk_len, rp, v->chal,
	    uv, v->ad, v->ad_len, v->sig, v->sig_len, flags, counter);
}

/* --- assertions ---------------------------------------------------------- */

static void
test_es256_valid(void **state)
{
	struct key k;
	struct vec v;
	uint8_t flags = 0;
	uint32_t counter = 0;

	(void)state;
	key_make(&k, FIDO2_ES256);
	vec_make(&v, &k, RP, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 42);
	assert_int_equal(verify(&k, &v, RP, 1, &flags, &counter), 0);
	assert_int_equal(flags, FIDO2_FLAG_UP | FIDO2_FLAG_UV);
	assert_int_equal(counter, 42);
	key_free(&k);
}

static void
test_eddsa_valid(void **state)
{
	struct key k;
	struct vec v;
	uint8_t flags = 0;
	uint32_t counter = 0;

	(void)state;
	key_make(&k, FIDO2_EDDSA);
	vec_make(&v, &k, RP, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 7);
	assert_int_equal(verify(&k, &v, RP, 1, &flags, &counter), 0);
	assert_int_equal(counter, 7);
	key_free(&k);
}

/* UV required and the key only proved presence: refused. */
static void
test_uv_required(void **state)
{
	struct key k;
	struct vec v;
	uint8_t flags = 0;
	uint32_t counter = 0;

	(void)state;
	key_make(&k, FIDO2_ES256);
	vec_make(&v, &k, RP, FIDO2_FLAG_UP, 1);
	assert_int_equal(verify(&k, &v, RP, 1, &flags, &counter),
	    KAGI_ERR_CRYPTO);
	/* ...and the same assertion passes when UV is not required. */
	assert_int_equal(verify(&k, &v, RP, 0, &flags, &counter), 0);
	key_free(&k);
}

/* No user presence: refused even when UV is not required. */
static void
test_up_always(void **state)
{
	struct key k;
	struct vec v;
	uint8_t flags = 0;
	uint32_t counter = 0;

	(void)state;
	key_make(&k, FIDO2_ES256);
	vec_make(&v, &k, RP, FIDO2_FLAG_UV, 1);
	assert_int_equal(verify(&k, &v, RP, 0, &flags, &counter),
	    KAGI_ERR_CRYPTO);
	vec_make(&v, &k, RP, 0, 1);
	assert_int_equal(verify(&k, &v, RP, 0, &flags, &counter),
	    KAGI_ERR_CRYPTO);
	key_free(&k);
}

static void
test_wrong_challenge(void **state)
{
	struct key k;
	struct vec v;
	uint8_t flags = 0;
	uint32_t counter = 0;

	(void)state;
	key_make(&k, FIDO2_ES256);
	vec_make(&v, &k, RP, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 1);
	v.chal[0] ^= 1;
	assert_int_equal(verify(&k, &v, RP, 1, &flags, &counter),
	    KAGI_ERR_CRYPTO);
	key_free(&k);
}

static void
test_wrong_rp(void **state)
{
	struct key k;
	struct vec v;
	uint8_t flags = 0;
	uint32_t counter = 0;

	(void)state;
	key_make(&k, FIDO2_ES256);
	/* Signed for another relying party, checked for ours. */
	vec_make(&v, &k, "pam://elsewhere", FIDO2_FLAG_UP | FIDO2_FLAG_UV, 1);
	assert_int_equal(verify(&k, &v, RP, 1, &flags, &counter),
	    KAGI_ERR_CRYPTO);
	assert_int_equal(verify(&k, &v, "pam://elsewhere", 1, &flags,
	    &counter), 0);
	/* What kagid tells the administrator: the key named another party. */
	assert_int_equal(fido2_authdata_rp_ok(RP, v.ad, v.ad_len), 0);
	assert_int_equal(fido2_authdata_rp_ok("pam://elsewhere", v.ad,
	    v.ad_len), 1);
	key_free(&k);
}

static void
test_authdata_rp_malformed(void **state)
{
	uint8_t raw[64], ad[80];
	size_t n;

	(void)state;
	n = cbor_bstr(raw, authdata_raw(RP, FIDO2_FLAG_UP, 1, raw), ad);
	assert_int_equal(fido2_authdata_rp_ok(RP, ad, n), 1);
	/* A head that does not match the length, another type, too short. */
	assert_int_equal(fido2_authdata_rp_ok(RP, ad, n - 1), 0);
	ad[0] = 0x78;
	assert_int_equal(fido2_authdata_rp_ok(RP, ad, n), 0);
	ad[0] = 0x58;
	ad[1] = 31;
	assert_int_equal(fido2_authdata_rp_ok(RP, ad, 33), 0);
	assert_int_equal(fido2_authdata_rp_ok(RP, ad, 0), 0);
	assert_int_equal(fido2_authdata_rp_ok(NULL, ad, n), 0);
}

static void
test_bad_signature(void **state)
{
	struct key k, other;
	struct vec v;
	uint8_t flags = 0;
	uint32_t counter = 0;

	(void)state;
	key_make(&k, FIDO2_ES256);
	key_make(&other, FIDO2_ES256);
	vec_make(&v, &k, RP, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 1);
	/* Another key's public half: refused. */
	assert_int_equal(fido2_verify_assertion(other.alg, other.pk,
	    other.pk_len, RP, v.chal, 1, v.ad, v.ad_len, v.sig, v.sig_len,
	    &flags, &counter), KAGI_ERR_CRYPTO);
	/* A flipped byte of the signature: refused. */
	v.sig[v.sig_len - 1] ^= 0x01;
	assert_int_not_equal(verify(&k, &v, RP, 1, &flags, &counter), 0);
	/* A flipped counter byte in authData breaks the signature too. */
	vec_make(&v, &k, RP, FIDO2_FLAG_UP | FIDO2_FLAG_UV, 1);
	v.ad[v.ad_len - 1] ^= 0x01;
	assert_int_equal(verify(&k, &v, RP, 1, &flags, &counter),
	    KAGI_ERR_CRYPTO);
	/* A key of the wrong size for its algorithm is malformed. */
	assert_int_equal(fido2_verify_assertion(FIDO2_ES256, k.pk, 32, RP,
	    v.chal, 1, v.ad, v.ad_len, v.sig, v.sig_len, &flags, &counter),
	    KAGI_ERR_INVALID);
	key_free(&k);
	key_free(&other);
}

static void
test_counter_rule(void **state)
{
	(void)state;
	assert_int_equal(fido2_counter_check(0, 0), 0);
	assert_int_equal(fido2_counter_check(0, 1), 0);
	assert_int_equal(fido2_counter_check(5, 6), 0);
	assert_int_equal(fido2_counter_check(5, 5), KAGI_ERR_REPLAY);
	assert_int_equal(fido2_counter_check(5, 4), KAGI_ERR_REPLAY);
	assert_int_equal(fido2_counter_check(5, 0), KAGI_ERR_REPLAY);
	assert_int_equal(fido2_counter_check(0xfffffffeLL, 0xffffffffU), 0);
	assert_int_equal(fido2_counter_check(0xffffffffLL, 0xffffffffU),
	    KAGI_ERR_REPLAY);
}

static void
test_factors(void **state)
{
	uint8_t up = FIDO2_FLAG_UP, uv = FIDO2_FLAG_UP | FIDO2_FLAG_UV;

	(void)state;
	assert_int_equal(fido2_factors(uv, FIDO2_UV_PIN, FIDO2_UV_PIN),
	    FACTOR_POSSESSION | FACTOR_KNOWLEDGE);
	assert_int_equal(fido2_factors(uv, FIDO2_UV_BUILTIN, FIDO2_UV_BUILTIN),
	    FACTOR_POSSESSION | FACTOR_INHERENCE);
	/* A claimed biometric on a key enrolled without one: not counted. */
	assert_int_equal(fido2_factors(uv, FIDO2_UV_BUILTIN, FIDO2_UV_PIN),
	    FACTOR_POSSESSION);
	/* A claimed PIN without the UV flag: possession only. */
	assert_int_equal(fido2_factors(up, FIDO2_UV_PIN, FIDO2_UV_PIN),
	    FACTOR_POSSESSION);
	assert_int_equal(fido2_factors(uv, FIDO2_UV_NONE, FIDO2_UV_PIN),
	    FACTOR_POSSESSION);
}

/* --- registrations ------------------------------------------------------- */

static const uint8_t test_aaguid[16] = { 0x6b, 0x61, 0x67, 0x69, 0x2d,
    0x73, 0x6f, 0x66, 0x74, 0x6b, 0x65, 0x79, 0x00, 0x00, 0x00, 0x01 };

/* authData with attested credential data for an ES256 key. */
static size_t
reg_authdata_raw(const struct key *k, const char *rp, uint8_t flags,
    const uint8_t *cid, size_t cid_len, uint8_t *out)
{
	size_t n = authdata_raw(rp, flags | 0x40, 0, out);

	memcpy(out + n, test_aaguid, 16);
	n += 16;
	out[n++] = (uint8_t)(cid_len >> 8);
	out[n++] = (uint8_t)cid_len;
	memcpy(out + n, cid, cid_len);
	n += cid_len;
	/* {1: 2, 3: -7, -1: 1, -2: x, -3: y} */
	memcpy(out + n, "\xa5\x01\x02\x03\x26\x20\x01\x21\x58\x20", 10);
	n += 10;
	memcpy(out + n, k->pk, 32);
	n += 32;
	memcpy(out + n, "\x22\x58\x20", 3);
	n += 3;
	memcpy(out + n, k->pk + 32, 32);
	return n + 32;
}

struct regvec {
	uint8_t chal[CHAL_LEN];
	uint8_t ad[512];
	size_t ad_len;
	uint8_t sig[128];
	size_t sig_len;
	struct fido2_reg_in in;
};

static void
regvec_make(struct regvec *v, const struct key *k, const char *rp,
    const char *fmt)
{
	static const uint8_t cid[20] = "kagi-credential-0001";
	uint8_t raw[512];
	size_t n;

	memset(v, 0, sizeof(*v));
	memset(v->chal, 0x33, sizeof(v->chal));
	n = reg_authdata_raw(k, rp, FIDO2_FLAG_UP, cid, sizeof(cid), raw);
	v->sig_len = sign(k, raw, n, v->chal, v->sig, sizeof(v->sig));
	v->ad_len = cbor_bstr(raw, n, v->ad);
	v->in.alg = FIDO2_ES256;
	v->in.fmt = fmt;
	v->in.authdata = v->ad;
	v->in.authdata_len = v->ad_len;
	if (strcmp(fmt, "none") != 0) {
		v->in.sig = v->sig;
		v->in.sig_len = v->sig_len;
	}
}

static void
test_registration_self(void **state)
{
	struct fido2_att_policy pol = { ATTEST_ANY, NULL, NULL };
	struct fido2_reg_out out;
	struct regvec v;
	struct key k;
	const char *why = NULL;

	(void)state;
	key_make(&k, FIDO2_ES256);
	regvec_make(&v, &k, RP, "packed");
	assert_int_equal(fido2_verify_registration(&v.in, RP, v.chal, &pol,
	    &out, &why), 0);
	assert_int_equal(out.cred_id_len, 20);
	assert_memory_equal(out.cred_id, "kagi-credential-0001", 20);
	assert_int_equal(out.pk_len, 64);
	assert_memory_equal(out.pk, k.pk, 64);
	assert_memory_equal(out.aaguid, test_aaguid, 16);

	/* Another challenge: the signature no longer holds. */
	v.chal[3] ^= 1;
	assert_int_equal(fido2_verify_registration(&v.in, RP, v.chal, &pol,
	    &out, &why), KAGI_ERR_CRYPTO);
	assert_string_equal(why, "signature");

	/* Made for another relying party. */
	regvec_make(&v, &k, "pam://elsewhere", "packed");
	assert_int_not_equal(fido2_verify_registration(&v.in, RP, v.chal,
	    &pol, &out, &why), 0);
	assert_string_equal(why, "relying_party");
	key_free(&k);
}

static void
test_registration_policy(void **state)
{
	struct fido2_att_policy pol = { ATTEST_ANY, NULL, NULL };
	struct fido2_reg_out out;
	struct regvec v;
	struct key k;
	const char *why = NULL;

	(void)state;
	key_make(&k, FIDO2_ES256);
	/* "none" proves nothing: accepted only under "any". */
	regvec_make(&v, &k, RP, "none");
	assert_int_equal(fido2_verify_registration(&v.in, RP, v.chal, &pol,
	    &out, &why), 0);
	pol.mode = ATTEST_ROOTS;
	pol.roots = "/nonexistent.pem";
	assert_int_equal(fido2_verify_registration(&v.in, RP, v.chal, &pol,
	    &out, &why), KAGI_ERR_DENIED);
	assert_string_equal(why, "attestation_missing");
	/* Self attestation has no certificate to chain to a root. */
	regvec_make(&v, &k, RP, "packed");
	assert_int_equal(fido2_verify_registration(&v.in, RP, v.chal, &pol,
	    &out, &why), KAGI_ERR_DENIED);
	assert_string_equal(why, "attestation_missing");
	/* The AAGUID allow-list. */
	pol.mode = ATTEST_ANY;
	pol.aaguids = "00000000-0000-0000-0000-000000000001";
	assert_int_equal(fido2_verify_registration(&v.in, RP, v.chal, &pol,
	    &out, &why), KAGI_ERR_DENIED);
	assert_string_equal(why, "aaguid_not_allowed");
	pol.aaguids = "00000000-0000-0000-0000-000000000001, "
	    "6b616769-2d73-6f66-746b-657900000001";
	assert_int_equal(fido2_verify_registration(&v.in, RP, v.chal, &pol,
	    &out, &why), 0);
	key_free(&k);
}

static void
test_aaguid_list(void **state)
{
	(void)state;
	assert_int_equal(fido2_aaguid_list_valid(""), 0);
	assert_int_equal(fido2_aaguid_list_valid(
	    "6b616769-2d73-6f66-746b-657900000001"), 0);
	assert_int_equal(fido2_aaguid_list_valid(
	    "6b616769-2d73-6f66-746b-65790000000"), KAGI_ERR_INVALID);
	assert_int_equal(fido2_aaguid_list_valid(
	    "6b616769x2d73-6f66-746b-657900000001"), KAGI_ERR_INVALID);
	assert_int_equal(fido2_aaguid_list_valid(
	    "6b616769-2d73-6f66-746b-657900000001,"), KAGI_ERR_INVALID);
	assert_true(fido2_aaguid_allowed(NULL, test_aaguid));
	assert_false(fido2_aaguid_allowed(
	    "6b616769-2d73-6f66-746b-657900000002", test_aaguid));
}

/* --- challenges ---------------------------------------------------------- */

static void
test_challenge_single_use(void **state)
{
	struct chal_table *t = NULL;
	uint8_t a[CHAL_LEN], b[CHAL_LEN];

	(void)state;
	assert_int_equal(chal_table_new(&t), 0);
	assert_int_equal(chal_issue(t, "u|s|tty1", 1000, 60, a), 0);
	assert_int_equal(chal_take(t, "u|s|tty1", 1001, b), 0);
	assert_memory_equal(a, b, CHAL_LEN);
	/* Used once: gone. */
	assert_int_equal(chal_take(t, "u|s|tty1", 1001, b), KAGI_ERR_NOT_FOUND);
	/* Bound: another terminal's take finds nothing. */
	assert_int_equal(chal_issue(t, "u|s|tty1", 1000, 60, a), 0);
	assert_int_equal(chal_take(t, "u|s|tty2", 1001, b), KAGI_ERR_NOT_FOUND);
	assert_int_equal(chal_count(t), 1);
	chal_table_free(&t);
	assert_null(t);
}

static void
test_challenge_replaced_and_expired(void **state)
{
	struct chal_table *t = NULL;
	uint8_t a[CHAL_LEN], b[CHAL_LEN], c[CHAL_LEN];

	(void)state;
	assert_int_equal(chal_table_new(&t), 0);
	assert_int_equal(chal_issue(t, "k", 1000, 60, a), 0);
	assert_int_equal(chal_issue(t, "k", 1001, 60, b), 0);
	assert_memory_not_equal(a, b, CHAL_LEN);
	assert_int_equal(chal_count(t), 1);
	/* Only the newer one is held. */
	assert_int_equal(chal_take(t, "k", 1002, c), 0);
	assert_memory_equal(b, c, CHAL_LEN);
	/* Expired: refused, and removed. */
	assert_int_equal(chal_issue(t, "k", 1000, 60, a), 0);
	assert_int_equal(chal_take(t, "k", 1060, c), KAGI_ERR_NOT_FOUND);
	assert_int_equal(chal_count(t), 0);
	chal_table_free(&t);
}

static void
test_challenge_table_bounded(void **state)
{
	struct chal_table *t = NULL;
	uint8_t a[CHAL_LEN];
	char bind[32];
	int i;

	(void)state;
	assert_int_equal(chal_table_new(&t), 0);
	for (i = 0; i < CHAL_TABLE_MAX + 10; i++) {
		snprintf(bind, sizeof(bind), "b%d", i);
		assert_int_equal(chal_issue(t, bind, 1000 + i, 60, a), 0);
	}
	assert_int_equal(chal_count(t), CHAL_TABLE_MAX);
	/* The oldest went first; the newest is held. */
	assert_int_equal(chal_take(t, "b0", 1100, a), KAGI_ERR_NOT_FOUND);
	snprintf(bind, sizeof(bind), "b%d", CHAL_TABLE_MAX + 9);
	assert_int_equal(chal_take(t, bind, 1010 + CHAL_TABLE_MAX, a), 0);
	chal_table_free(&t);
}

/* --- base64 -------------------------------------------------------------- */

static void
test_b64_strict(void **state)
{
	uint8_t *out = NULL;
	size_t n = 0;
	char *s = NULL;

	(void)state;
	assert_int_equal(b64_encode((const uint8_t *)"kagi", 4, &s), 0);
	assert_string_equal(s, "a2FnaQ==");
	assert_int_equal(b64_decode(s, 1, 16, &out, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "kagi", 4);
	free(out);
	free(s);
	/* Non-canonical trailing bits, white space, bad padding, lengths. */
	assert_int_equal(b64_decode("a2FnaR==", 1, 16, &out, &n),
	    KAGI_ERR_INVALID);
	assert_int_equal(b64_decode(" a2FnaQ==", 1, 16, &out, &n),
	    KAGI_ERR_INVALID);
	assert_int_equal(b64_decode("a2Fn\naQ==", 1, 16, &out, &n),
	    KAGI_ERR_INVALID);
	assert_int_equal(b64_decode("a2FnaQ=", 1, 16, &out, &n),
	    KAGI_ERR_INVALID);
	assert_int_equal(b64_decode("a2F=aQ==", 1, 16, &out, &n),
	    KAGI_ERR_INVALID);
	assert_int_equal(b64_decode("", 0, 16, &out, &n), KAGI_ERR_INVALID);
	assert_int_equal(b64_decode("a2FnaQ==", 5, 16, &out, &n),
	    KAGI_ERR_INVALID);
	assert_int_equal(b64_decode("a2FnaQ==", 1, 3, &out, &n),
	    KAGI_ERR_TOO_LARGE);
	assert_null(out);
	/* URL-safe without padding, as old pam_u2f files hold. */
	assert_int_equal(b64_decode_websafe("-_8", 1, 16, &out, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(out[1], 0xff);
	free(out);
}

/* --- store --------------------------------------------------------------- */

/* --- authenticator data checked before libfido2 (fido2_cbor.c) ---------- */

/*
 * Found by fuzz/fuzz_fido2: an array head declaring 0x9a9a9a9a items
 * made libfido2 (libcbor 0.8) take some 20 GB.  Refused before libfido2.
 */
static void
test_bug_cbor_huge_array(void **state)
{
	uint8_t ad[21], sig[8];
	struct key k;
	uint8_t flags = 0;
	uint32_t counter = 0;
	static const uint8_t chal[CHAL_LEN];
	struct fido2_reg_in in;
	struct fido2_reg_out out;
	struct fido2_att_policy pol = { ATTEST_ANY, NULL, NULL };
	const char *why = NULL;

	(void)state;
	memset(ad, 0x9a, sizeof(ad));
	memset(sig, 0x30, sizeof(sig));
	assert_int_equal(fido2_authdata_check(ad, sizeof(ad)),
	    KAGI_ERR_INVALID);
	key_make(&k, FIDO2_ES256);
	assert_int_equal(fido2_verify_assertion(k.alg, k.pk, k.pk_len, RP,
	    chal, 1, ad, sizeof(ad), sig, sizeof(sig), &flags, &counter),
	    KAGI_ERR_INVALID);
	memset(&in, 0, sizeof(in));
	in.alg = FIDO2_ES256;
	in.fmt = "none";
	in.authdata = ad;
	in.authdata_len = sizeof(ad);
	assert_int_equal(fido2_verify_registration(&in, RP, chal, &pol, &out,
	    &why), KAGI_ERR_INVALID);
	assert_string_equal(why, "malformed");
	key_free(&k);
}

static void
test_authdata_check(void **state)
{
	uint8_t raw[128], ad[140];
	size_t n, m;

	(void)state;
	n = authdata_raw(RP, FIDO2_FLAG_UP | 0x80, 1, raw);
	/* Extensions: a map of one entry {"a": [1, 2]}. */
	memcpy(raw + n, "\xa1\x61" "a" "\x82\x01\x02", 6);
	m = cbor_bstr(raw, n + 6, ad);
	assert_int_equal(fido2_authdata_check(ad, m), 0);
	/* A map that declares two entries and holds one. */
	raw[n] = 0xa2;
	m = cbor_bstr(raw, n + 6, ad);
	assert_int_equal(fido2_authdata_check(ad, m), KAGI_ERR_INVALID);
	/* An indefinite array. */
	raw[n] = 0x9f;
	raw[n + 1] = 0xff;
	m = cbor_bstr(raw, n + 2, ad);
	assert_int_equal(fido2_authdata_check(ad, m), KAGI_ERR_INVALID);
	/* Nesting deeper than anything a key sends. */
	memset(raw + n, 0x81, 20);
	raw[n + 20] = 0x01;
	m = cbor_bstr(raw, n + 21, ad);
	assert_int_equal(fido2_authdata_check(ad, m), KAGI_ERR_INVALID);
	/* A byte string longer than what is there. */
	raw[n] = 0x5a;
	m = cbor_bstr(raw, n + 5, ad);
	assert_int_equal(fido2_authdata_check(ad, m), KAGI_ERR_INVALID);
	/* Shorter than the fixed part; not a byte string; trailing bytes. */
	m = cbor_bstr(raw, 36, ad);
	assert_int_equal(fido2_authdata_check(ad, m), KAGI_ERR_INVALID);
	m = cbor_bstr(raw, 37, ad);
	assert_int_equal(fido2_authdata_check(ad, m), 0);
	ad[0] = 0x78;
	assert_int_equal(fido2_authdata_check(ad, m), KAGI_ERR_INVALID);
	ad[0] = 0x58;
	assert_int_equal(fido2_authdata_check(ad, m + 1), KAGI_ERR_INVALID);
}

/* --- the fields read from clients (fido2_wire.c) ------------------------ */

static struct json_object *
msg(const char *json)
{
	struct json_object *m = NULL;

	assert_int_equal(proto_decode_payload((const uint8_t *)json,
	    strlen(json), &m), 0);
	return m;
}

static void
test_wire_answer(void **state)
{
	struct fido2_answer an;
	struct json_object *m;

	(void)state;
	m = msg("{\"credential\":\"AQID\",\"authdata\":\"BAU=\","
	    "\"sig\":\"Bg==\",\"uv_method\":\"pin\"}");
	assert_int_equal(fido2_answer_parse(m, &an), 0);
	assert_int_equal(an.cred_len, 3);
	assert_int_equal(an.cred[2], 3);
	assert_int_equal(an.authdata_len, 2);
	assert_int_equal(an.sig_len, 1);
	assert_int_equal(an.uv_method, FIDO2_UV_PIN);
	fido2_answer_clear(&an);
	assert_null(an.cred);
	json_object_put(m);
	/* Each field wrong in turn: nothing is handed over. */
	m = msg("{\"credential\":\"AQID\",\"authdata\":\"BAU=\","
	    "\"sig\":\"Bg==\",\"uv_method\":\"retina\"}");
	assert_int_equal(fido2_answer_parse(m, &an), KAGI_ERR_INVALID);
	assert_null(an.cred);
	json_object_put(m);
	m = msg("{\"credential\":\"AQID\",\"authdata\":\"BAU\","
	    "\"sig\":\"Bg==\",\"uv_method\":\"pin\"}");
	assert_int_equal(fido2_answer_parse(m, &an), KAGI_ERR_INVALID);
	assert_null(an.cred);
	assert_null(an.authdata);
	json_object_put(m);
	m = msg("{\"credential\":\"AQID\",\"authdata\":\"BAU=\","
	    "\"uv_method\":\"pin\"}");
	assert_int_equal(fido2_answer_parse(m, &an), KAGI_ERR_INVALID);
	json_object_put(m);
	m = msg("{\"credential\":\"\",\"authdata\":\"BAU=\","
	    "\"sig\":\"Bg==\",\"uv_method\":\"none\"}");
	assert_int_equal(fido2_answer_parse(m, &an), KAGI_ERR_INVALID);
	json_object_put(m);
}

static void
test_wire_registration(void **state)
{
	struct fido2_reg_msg rm;
	struct fido2_reg_in in;
	struct json_object *m;

	(void)state;
	m = msg("{\"alg\":\"es256\",\"fmt\":\"none\",\"uv\":\"builtin\","
	    "\"authdata\":\"AQID\"}");
	assert_int_equal(fido2_reg_msg_parse(m, &rm), 0);
	assert_int_equal(rm.alg, FIDO2_ES256);
	assert_int_equal(rm.uv, FIDO2_UV_BUILTIN);
	assert_string_equal(rm.fmt, "none");
	assert_null(rm.x5c);
	assert_null(rm.sig);
	fido2_reg_msg_in(&rm, &in);
	assert_ptr_equal(in.authdata, rm.authdata);
	assert_int_equal(in.authdata_len, 3);
	assert_string_equal(in.fmt, "none");
	fido2_reg_msg_clear(&rm);
	json_object_put(m);
	m = msg("{\"alg\":\"es256\",\"fmt\":\"packed\",\"uv\":\"pin\","
	    "\"authdata\":\"AQID\",\"x5c\":\"AQ==\",\"sig\":\"Ag==\"}");
	assert_int_equal(fido2_reg_msg_parse(m, &rm), 0);
	assert_int_equal(rm.x5c_len, 1);
	assert_int_equal(rm.sig[0], 2);
	fido2_reg_msg_clear(&rm);
	json_object_put(m);
	/* An unknown algorithm, a bad optional field, no authdata. */
	m = msg("{\"alg\":\"es384\",\"fmt\":\"none\",\"uv\":\"pin\","
	    "\"authdata\":\"AQID\"}");
	assert_int_equal(fido2_reg_msg_parse(m, &rm), KAGI_ERR_INVALID);
	json_object_put(m);
	m = msg("{\"alg\":\"es256\",\"fmt\":\"packed\",\"uv\":\"pin\","
	    "\"authdata\":\"AQID\",\"x5c\":\"A*==\"}");
	assert_int_equal(fido2_reg_msg_parse(m, &rm), KAGI_ERR_INVALID);
	assert_null(rm.authdata);
	json_object_put(m);
	m = msg("{\"alg\":\"es256\",\"fmt\":\"none\",\"uv\":\"pin\"}");
	assert_int_equal(fido2_reg_msg_parse(m, &rm), KAGI_ERR_INVALID);
	json_object_put(m);
}

static void
fido2_token(struct token_rec *t, int64_t user)
{
	static uint8_t sealed[8] = "sealed!";

	memset(t, 0, sizeof(*t));
	t->user_id = user;
	t->type = TOKEN_FIDO2;
	t->state = TOKEN_ACTIVE;
	snprintf(t->label, sizeof(t->label), "key");
	t->last_step = -1;
	t->sealed = sealed;
	t->sealed_len = sizeof(sealed);
}

static void
test_store_fido2(void **state)
{
	char dir[] = "/tmp/kagi-test-fido2-XXXXXX", path[64];
	struct store *s = NULL;
	struct token_rec t, got;
	struct fido2_rec f, g;
	int64_t alice, bob, id = 0, id2 = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kagi.db", dir);
	assert_int_equal(store_open(path, &s), 0);
	assert_true(store_schema_version(s) >= 2);	/* FIDO2 came with 2 */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_user_add(s, "alice", ROLE_STAFF, 1, &alice), 0);
	assert_int_equal(store_user_add(s, "bob", ROLE_STAFF, 1, &bob), 0);
	memset(&f, 0, sizeof(f));
	memcpy(f.cred_id, "cred-1", 6);
	f.cred_id_len = 6;
	f.cose_alg = FIDO2_ES256;
	f.counter = 10;
	f.uv = FIDO2_UV_PIN;
	fido2_token(&t, alice);
	assert_int_equal(store_fido2_add(s, &t, &f, &id), 0);
	/* The same credential ID for bob: refused (R-TOK-1). */
	fido2_token(&t, bob);
	assert_int_equal(store_savepoint(s), 0);
	assert_int_equal(store_fido2_add(s, &t, &f, &id2), KAGI_ERR_EXISTS);
	store_rollback_to(s);
	/* Found by ID, whoever asks; belongs to alice. */
	assert_int_equal(store_fido2_get_cred(s, (const uint8_t *)"cred-1", 6,
	    &g), 0);
	assert_int_equal(g.token_id, id);
	assert_int_equal(g.counter, 10);
	assert_int_equal(store_token_get(s, id, &got), 0);
	assert_int_equal(got.user_id, alice);
	assert_int_equal(got.type, TOKEN_FIDO2);
	token_rec_clear(&got);
	assert_int_equal(store_fido2_get_cred(s, (const uint8_t *)"cred-2", 6,
	    &g), KAGI_ERR_NOT_FOUND);
	/* The counter moves only from the value read. */
	assert_int_equal(store_fido2_set_counter(s, id, 10, 11, 5), 0);
	assert_int_equal(store_fido2_set_counter(s, id, 10, 12, 5),
	    KAGI_ERR_REPLAY);
	/* Disabled with its reason; an inactive token's counter is stuck. */
	assert_int_equal(store_fido2_disable(s, id, "cloned"), 0);
	assert_int_equal(store_fido2_get(s, id, &g), 0);
	assert_string_equal(g.reason, "cloned");
	assert_int_equal(store_fido2_set_counter(s, id, 11, 12, 5),
	    KAGI_ERR_REPLAY);
	assert_int_equal(store_token_get(s, id, &got), 0);
	assert_int_equal(got.state, TOKEN_REVOKED);
	token_rec_clear(&got);
	assert_int_equal(store_commit(s), 0);
	store_close(&s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/kagi.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/kagi.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es256_valid),
		cmocka_unit_test(test_eddsa_valid),
		cmocka_unit_test(test_uv_required),
		cmocka_unit_test(test_up_always),
		cmocka_unit_test(test_wrong_challenge),
		cmocka_unit_test(test_wrong_rp),
		cmocka_unit_test(test_authdata_rp_malformed),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_counter_rule),
		cmocka_unit_test(test_factors),
		cmocka_unit_test(test_registration_self),
		cmocka_unit_test(test_registration_policy),
		cmocka_unit_test(test_aaguid_list),
		cmocka_unit_test(test_challenge_single_use),
		cmocka_unit_test(test_challenge_replaced_and_expired),
		cmocka_unit_test(test_challenge_table_bounded),
		cmocka_unit_test(test_b64_strict),
		cmocka_unit_test(test_bug_cbor_huge_array),
		cmocka_unit_test(test_authdata_check),
		cmocka_unit_test(test_wire_answer),
		cmocka_unit_test(test_wire_registration),
		cmocka_unit_test(test_store_fido2),
	};

	return cmocka_run_group_tests_name("fido2", tests, NULL, NULL);
}
