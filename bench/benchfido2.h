/*
 * benchfido2.h - the benchmark's FIDO2 credentials, derived from the user
 * index alone (bench only: the keys are predictable on purpose).
 *
 * User i (benchusers.h's name) owns one ES256 credential: a 32-byte
 * credential ID and a P-256 key pair whose private scalar comes from i
 * through benchusers.h's mixer, so the generator (mkusers fido2) stores
 * the public key and the load client (fido2load) signs assertions
 * without either reading a file of the other.  The public key is the raw
 * x|y (64 bytes) libfido2 gives for ES256 and kagid stores; the signing
 * key is an OpenSSL 3 EVP_PKEY.  bf_authdata() and bf_sign() build an
 * assertion exactly as an authenticator answers getAssertion: the 37
 * bytes rpIdHash|flags|signCount (big-endian), and an ECDSA (DER)
 * signature over SHA-256(authData || clientDataHash).
 */
#ifndef KAGI_BENCHFIDO2_H
#define KAGI_BENCHFIDO2_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "benchusers.h"

#define BF_CRED_LEN 32
#define BF_PK_LEN 64
#define BF_AUTHDATA_LEN 37
/* CBOR byte string head for 37 bytes: major type 2, one length byte. */
#define BF_AUTHDATA_CBOR_LEN (BF_AUTHDATA_LEN + 2)
#define BF_FLAG_UP 0x01
#define BF_FLAG_UV 0x04

/* Credential ID of user i: "kagibench" domain, then the mixer. */
static inline void
bf_cred_id(uint64_t i, uint8_t id[BF_CRED_LEN])
{
	uint64_t s = i * 4 + 3 + UINT64_C(0x6b61676966696432), v = 0;
	size_t k;

	for (k = 0; k < BF_CRED_LEN; k++) {
		if (k % 8 == 0)
			v = bu_mix(&s);
		id[k] = (uint8_t)(v >> (8 * (k % 8)));
	}
}

/*
 * The key pair of user i: priv (big-endian scalar, 1 <= d < n) and pub
 * (x|y).  0 on success, -1 on an OpenSSL failure.
 */
static inline int
bf_keypair(uint64_t i, uint8_t priv[32], uint8_t pub[BF_PK_LEN])
{
	uint64_t s = i * 4 + 1 + UINT64_C(0x6b61676966696431), v = 0;
	uint8_t raw[32], oct[1 + BF_PK_LEN];
	EC_GROUP *g = NULL;
	EC_POINT *p = NULL;
	BIGNUM *d = NULL;
	BN_CTX *bc = NULL;
	size_t k;
	int r = -1;

	for (k = 0; k < sizeof(raw); k++) {
		if (k % 8 == 0)
			v = bu_mix(&s);
		raw[k] = (uint8_t)(v >> (8 * (k % 8)));
	}
	if ((g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (p = EC_POINT_new(g)) == NULL || (bc = BN_CTX_new()) == NULL ||
	    (d = BN_bin2bn(raw, sizeof(raw), NULL)) == NULL ||
	    BN_nnmod(d, d, EC_GROUP_get0_order(g), bc) != 1)
		goto out;
	if (BN_is_zero(d) && BN_one(d) != 1)
		goto out;
	if (EC_POINT_mul(g, p, d, NULL, NULL, bc) != 1 ||
	    EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, oct,
	    sizeof(oct), bc) != sizeof(oct) ||
	    BN_bn2binpad(d, priv, 32) != 32)
		goto out;
	memcpy(pub, oct + 1, BF_PK_LEN);
	r = 0;
out:
	BN_clear_free(d);
	BN_CTX_free(bc);
	EC_POINT_free(p);
	EC_GROUP_free(g);
	memset(raw, 0, sizeof(raw));
	return r;
}

/* The signing key of user i as an EVP_PKEY; NULL on failure. */
static inline EVP_PKEY *
bf_pkey(uint64_t i)
{
	uint8_t priv[32], pub[BF_PK_LEN], oct[1 + BF_PK_LEN];
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *k = NULL;
	BIGNUM *d = NULL;

	if (bf_keypair(i, priv, pub) != 0)
		return NULL;
	oct[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(oct + 1, pub, BF_PK_LEN);
	if ((d = BN_bin2bn(priv, sizeof(priv), NULL)) == NULL ||
	    (b = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, oct,
	    sizeof(oct)) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(b)) == NULL ||
	    (c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(c) != 1 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_KEYPAIR, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_clear_free(d);
	memset(priv, 0, sizeof(priv));
	return k;
}

/*
 * Authenticator data as libfido2 hands it to a client (a CBOR byte
 * string around the 37 raw bytes): rpIdHash, flags, counter.
 */
static inline void
bf_authdata(const uint8_t rp_hash[32], uint8_t flags, uint32_t counter,
    uint8_t out[BF_AUTHDATA_CBOR_LEN])
{
	out[0] = 0x58;
	out[1] = BF_AUTHDATA_LEN;
	memcpy(out + 2, rp_hash, 32);
	out[34] = flags;
	out[35] = (uint8_t)(counter >> 24);
	out[36] = (uint8_t)(counter >> 16);
	out[37] = (uint8_t)(counter >> 8);
	out[38] = (uint8_t)counter;
}

/*
 * ES256 over the raw authenticator data (without its CBOR head) followed
 * by the client data hash, into sig (DER, up to *siglen bytes).
 */
static inline int
bf_sign(EVP_PKEY *k, const uint8_t ad[BF_AUTHDATA_CBOR_LEN],
    const uint8_t cdh[32], uint8_t *sig, size_t *siglen)
{
	uint8_t msg[BF_AUTHDATA_LEN + 32];
	EVP_MD_CTX *c;
	int r = -1;

	memcpy(msg, ad + 2, BF_AUTHDATA_LEN);
	memcpy(msg + BF_AUTHDATA_LEN, cdh, 32);
	if ((c = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestSign(c, sig, siglen, msg, sizeof(msg)) == 1)
		r = 0;
	EVP_MD_CTX_free(c);
	return r;
}

/* SHA-256 of len bytes (the rp ID, or the challenge). */
static inline int
bf_sha256(const void *p, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	return EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == 32 ? 0 : -1;
}

#endif
