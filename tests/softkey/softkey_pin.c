/*
 * softkey_pin.c - clientPIN protocol 1 of the software FIDO2 key.
 *
 * getRetries, getKeyAgreement (a P-256 key per plug-in, renewed after a
 * wrong PIN), setPIN, changePIN and getPINToken.  The shared secret is
 * SHA-256 of the ECDH x coordinate; PIN hashes, new PINs and the token
 * travel AES-256-CBC encrypted with a zero IV; pinAuth is the first 16
 * bytes of HMAC-SHA-256, compared in constant time.  A wrong PIN costs
 * one persistent retry; three in a row on one handle block PIN use until
 * the next open; no retries left blocks the PIN for good.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "softkey_int.h"

/* --- PIN protocol 1 -------------------------------------------------- */

static int
aes256_cbc(const unsigned char key[32], const unsigned char *in, size_t len,
    unsigned char *out, int enc)
{
	static const unsigned char	 iv[16];
	EVP_CIPHER_CTX			*ctx = NULL;
	int				 n = 0, m = 0, r = -1;

	if (len == 0 || len % 16 != 0 || len > INT32_MAX)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv,
	    enc) != 1 || EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n, &m) != 1 ||
	    (size_t)(n + m) != len)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

/* LEFT(HMAC-SHA-256(key, a || b), 16) equals auth (16 bytes)? */
int
sk_pin_auth_ok(const unsigned char *key, size_t key_len, const unsigned char *a,
    size_t a_len, const unsigned char *b, size_t b_len,
    const cbor_item_t *auth)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	size_t		 mac_len = 0;
	EVP_MAC		*m = NULL;
	EVP_MAC_CTX	*c = NULL;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA256";
	int		 ok = 0;

	if (!sk_is_bytes(auth) || cbor_bytestring_length(auth) != 16)
		return 0;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (c = EVP_MAC_CTX_new(m)) == NULL ||
	    EVP_MAC_init(c, key, key_len, params) != 1 ||
	    EVP_MAC_update(c, a, a_len) != 1 ||
	    (b_len > 0 && EVP_MAC_update(c, b, b_len) != 1) ||
	    EVP_MAC_final(c, mac, &mac_len, sizeof(mac)) != 1 || mac_len < 16)
		goto out;
	ok = CRYPTO_memcmp(mac, cbor_bytestring_handle(auth), 16) == 0;
out:
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

/* A fresh key-agreement key and PIN token: a new plug-in, or after a
 * wrong PIN. */
int
sk_regen_key_agreement(struct softkey *k)
{
	EVP_PKEY_free(k->ka_key);
	k->ka_key = softkey_p256_new();
	return k->ka_key == NULL ? -1 : 0;
}

/* shared = SHA-256(x of ka_key * platform key); the platform key is the
 * COSE_Key in the request. */
static int
shared_secret(struct softkey *k, const cbor_item_t *cose,
    unsigned char shared[32])
{
	const cbor_item_t	*x, *y;
	EVP_PKEY		*peer = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	unsigned char		 z[32];
	size_t			 zlen = sizeof(z);
	int			 r = -1;

	if (cose == NULL || !cbor_isa_map(cose) ||
	    sk_small_int(sk_map_get_int(cose, 1)) != 2 ||
	    sk_small_int(sk_map_get_int(cose, -1)) != 1 ||
	    !sk_is_bytes(x = sk_map_get_int(cose, -2)) ||
	    !sk_is_bytes(y = sk_map_get_int(cose, -3)) ||
	    cbor_bytestring_length(x) != 32 || cbor_bytestring_length(y) != 32)
		return -1;
	if ((peer = softkey_p256_from_xy(cbor_bytestring_handle(x),
	    cbor_bytestring_handle(y))) == NULL ||
	    (ctx = EVP_PKEY_CTX_new(k->ka_key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, z, &zlen) != 1 || zlen != sizeof(z) ||
	    SHA256(z, sizeof(z), shared) == NULL)
		goto out;
	r = 0;
out:
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return r;
}

/* Checks pinHashEnc against the stored PIN, counting retries as CTAP 2.0
 * says; saves the state.  ST_OK or the status to answer. */
static int
check_pin_hash(struct softkey *k, struct softkey_state *st,
    const unsigned char shared[32], const cbor_item_t *enc)
{
	unsigned char	hash[16];
	int		match;

	if (!sk_is_bytes(enc) || cbor_bytestring_length(enc) != 16)
		return ST_INVALID_PARAMETER;
	if (st->retries == 0)
		return ST_PIN_BLOCKED;
	if (k->pin_fails >= 3)
		return ST_PIN_AUTH_BLOCKED;
	st->retries--;
	if (aes256_cbc(shared, cbor_bytestring_handle(enc), 16, hash, 0) != 0)
		return ST_OTHER;
	match = CRYPTO_memcmp(hash, st->pin_hash, 16) == 0;
	OPENSSL_cleanse(hash, sizeof(hash));
	if (!match) {
		k->pin_fails++;
		if (sk_regen_key_agreement(k) != 0 ||
		    softkey_state_save(k->path, st) != 0)
			return ST_OTHER;
		if (st->retries == 0)
			return ST_PIN_BLOCKED;
		if (k->pin_fails >= 3)
			return ST_PIN_AUTH_BLOCKED;
		return ST_PIN_INVALID;
	}
	k->pin_fails = 0;
	st->retries = st->max_retries;
	return softkey_state_save(k->path, st) == 0 ? ST_OK : ST_OTHER;
}

/* Decrypts newPinEnc and stores the new PIN; ST_OK or a status. */
static int
store_new_pin(struct softkey_state *st, const unsigned char shared[32],
    const cbor_item_t *enc)
{
	unsigned char	pad[64];
	size_t		len;
	int		r = ST_PIN_POLICY;

	if (!sk_is_bytes(enc) || cbor_bytestring_length(enc) != sizeof(pad))
		return ST_INVALID_PARAMETER;
	if (aes256_cbc(shared, cbor_bytestring_handle(enc), sizeof(pad), pad,
	    0) != 0)
		return ST_OTHER;
	len = strnlen((const char *)pad, sizeof(pad));
	if (len >= 4 && len < sizeof(pad)) {
		if (softkey_pin_hash((const char *)pad, len, st->pin_hash) != 0)
			r = ST_OTHER;
		else {
			st->pin_set = 1;
			st->retries = st->max_retries;
			r = ST_OK;
		}
	}
	OPENSSL_cleanse(pad, sizeof(pad));
	return r;
}

int
sk_cmd_client_pin(struct softkey *k, struct softkey_state *st,
    const cbor_item_t *req, struct reply *rp)
{
	const cbor_item_t	*auth, *enc, *hash;
	cbor_item_t		*m = NULL;
	unsigned char		 shared[32], tok[32];
	int			 sub, s;

	if (sk_uv_mode(st) != SOFTKEY_UV_PIN)
		return ST_INVALID_COMMAND;
	if (req == NULL)
		return ST_MISSING_PARAMETER;
	if (sk_small_int(sk_map_get_uint(req, 1)) != 1)
		return ST_INVALID_PARAMETER;
	sub = sk_small_int(sk_map_get_uint(req, 2));
	switch (sub) {
	case 1:	/* getRetries */
		if ((m = cbor_new_definite_map(1)) == NULL ||
		    sk_map_put(m, sk_build_int(3), sk_build_uint(st->retries)) != 0)
			break;
		return sk_finish(rp, m) == 0 ? ST_OK : ST_OTHER;
	case 2:	/* getKeyAgreement */
		if ((m = cbor_new_definite_map(1)) == NULL ||
		    sk_map_put(m, sk_build_int(1), sk_cose_p256(k->ka_key, -25)) != 0)
			break;
		return sk_finish(rp, m) == 0 ? ST_OK : ST_OTHER;
	case 3:	/* setPIN */
	case 4:	/* changePIN */
		auth = sk_map_get_uint(req, 4);
		enc = sk_map_get_uint(req, 5);
		hash = sk_map_get_uint(req, 6);
		if (auth == NULL || !sk_is_bytes(enc) ||
		    (sub == 4 && !sk_is_bytes(hash)))
			return ST_MISSING_PARAMETER;
		if (sub == 3 && st->pin_set)
			return ST_PIN_AUTH_INVALID;
		if (sub == 4 && !st->pin_set)
			return ST_PIN_NOT_SET;
		if (sub == 4 && st->retries == 0)
			return ST_PIN_BLOCKED;
		if (shared_secret(k, sk_map_get_uint(req, 3), shared) != 0)
			return ST_INVALID_PARAMETER;
		if (!sk_pin_auth_ok(shared, 32, cbor_bytestring_handle(enc),
		    cbor_bytestring_length(enc),
		    sub == 4 ? cbor_bytestring_handle(hash) : NULL,
		    sub == 4 ? cbor_bytestring_length(hash) : 0, auth)) {
			OPENSSL_cleanse(shared, sizeof(shared));
			return ST_PIN_AUTH_INVALID;
		}
		if (sub == 4 && (s = check_pin_hash(k, st, shared, hash)) !=
		    ST_OK) {
			OPENSSL_cleanse(shared, sizeof(shared));
			return s;
		}
		s = store_new_pin(st, shared, enc);
		OPENSSL_cleanse(shared, sizeof(shared));
		if (s == ST_OK && softkey_state_save(k->path, st) != 0)
			s = ST_OTHER;
		k->pin_token_valid = 0;
		return s;
	case 5:	/* getPINToken */
		if (!st->pin_set)
			return ST_PIN_NOT_SET;
		hash = sk_map_get_uint(req, 6);
		if (sk_map_get_uint(req, 3) == NULL || hash == NULL)
			return ST_MISSING_PARAMETER;
		if (shared_secret(k, sk_map_get_uint(req, 3), shared) != 0)
			return ST_INVALID_PARAMETER;
		if ((s = check_pin_hash(k, st, shared, hash)) != ST_OK) {
			OPENSSL_cleanse(shared, sizeof(shared));
			return s;
		}
		if (RAND_bytes(k->pin_token, sizeof(k->pin_token)) != 1 ||
		    aes256_cbc(shared, k->pin_token, sizeof(tok), tok, 1)) {
			OPENSSL_cleanse(shared, sizeof(shared));
			return ST_OTHER;
		}
		OPENSSL_cleanse(shared, sizeof(shared));
		k->pin_token_valid = 1;
		if ((m = cbor_new_definite_map(1)) == NULL ||
		    sk_map_put(m, sk_build_int(2), cbor_build_bytestring(tok,
		    sizeof(tok))) != 0)
			break;
		return sk_finish(rp, m) == 0 ? ST_OK : ST_OTHER;
	default:
		return ST_INVALID_PARAMETER;
	}
	if (m != NULL)
		cbor_decref(&m);
	return ST_OTHER;
}
