/*
 * sshsk_crypto.c - the software security key's crypto (sshsk.h): its
 * Ed25519 and P-256 keys (OpenSSL EVP), the key handle that carries
 * them, signatures, FIDO2 authenticator data with the credential's COSE
 * key, and a self-signed "packed" attestation certificate.
 *
 * Guarantees: the bytes it makes are what a FIDO2 key makes (authData =
 * rpIdHash | flags | signCount | aaguid | credIdLen | credId | COSE key
 * [| extensions], CBOR with the shortest encodings and CTAP's key order),
 * so libfido2 parses them unchanged; a key handle opens only for the
 * algorithm and application it was made for; every allocation is handed
 * over on success only.  Test code.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sshsk.h"

#define HANDLE_MAGIC	"KSK1"
#define HANDLE_FIXED	(4 + 1 + 32)	/* magic | alg | apphash */
#define HANDLE_KEY_MAX	512

EVP_PKEY *
sshsk_key_new(uint32_t alg)
{
	if (alg == SSHSK_ALG_ED25519)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (alg == SSHSK_ALG_ECDSA)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return NULL;
}

static int
sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;

	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 &&
	    len == 32 ? 0 : -1;
}

int
sshsk_handle_make(uint32_t alg, const char *application, EVP_PKEY *key,
    uint8_t **handle, size_t *len)
{
	uint8_t *der = NULL, *h = NULL;
	int n;

	*handle = NULL;
	*len = 0;
	if ((n = i2d_PrivateKey(key, &der)) <= 0 || n > HANDLE_KEY_MAX ||
	    (h = malloc(HANDLE_FIXED + (size_t)n)) == NULL)
		goto fail;
	memcpy(h, HANDLE_MAGIC, 4);
	h[4] = (uint8_t)alg;
	if (sha256(application, strlen(application), h + 5) != 0)
		goto fail;
	memcpy(h + HANDLE_FIXED, der, (size_t)n);
	OPENSSL_clear_free(der, (size_t)n);
	*handle = h;
	*len = HANDLE_FIXED + (size_t)n;
	return 0;
 fail:
	if (n > 0)
		OPENSSL_clear_free(der, (size_t)n);
	free(h);
	return -1;
}

int
sshsk_handle_open(uint32_t alg, const char *application,
    const uint8_t *handle, size_t len, EVP_PKEY **key)
{
	const unsigned char *p;
	uint8_t apphash[32];
	EVP_PKEY *k = NULL;
	int type = alg == SSHSK_ALG_ED25519 ? EVP_PKEY_ED25519 : EVP_PKEY_EC;

	*key = NULL;
	if (handle == NULL || len <= HANDLE_FIXED ||
	    len > HANDLE_FIXED + HANDLE_KEY_MAX ||
	    memcmp(handle, HANDLE_MAGIC, 4) != 0 || handle[4] != alg ||
	    sha256(application, strlen(application), apphash) != 0 ||
	    memcmp(handle + 5, apphash, 32) != 0)
		return -1;
	p = handle + HANDLE_FIXED;
	if ((k = d2i_PrivateKey(type, NULL, &p,
	    (long)(len - HANDLE_FIXED))) == NULL ||
	    p != handle + len) {
		EVP_PKEY_free(k);
		return -1;
	}
	*key = k;
	return 0;
}

int
sshsk_pubkey(uint32_t alg, EVP_PKEY *key, uint8_t out[65], size_t *len)
{
	size_t n = alg == SSHSK_ALG_ED25519 ? 32 : 65;

	if (alg == SSHSK_ALG_ED25519) {
		if (EVP_PKEY_get_raw_public_key(key, out, &n) != 1 || n != 32)
			return -1;
	} else if (EVP_PKEY_get_octet_string_param(key,
	    OSSL_PKEY_PARAM_PUB_KEY, out, 65, &n) != 1 || n != 65 ||
	    out[0] != 0x04)
		return -1;
	*len = n;
	return 0;
}

/* --- CBOR ---------------------------------------------------------------- */

/* A growing byte buffer; on any failure it stays failed (ok = 0). */
struct bb {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
	int	 ok;
};

static void
bb_put(struct bb *b, const void *p, size_t n)
{
	uint8_t *np;
	size_t cap;

	if (!b->ok)
		return;
	if (b->cap - b->len < n) {
		cap = b->len + n + 256;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->ok = 0;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
bb_u8(struct bb *b, uint8_t v)
{
	bb_put(b, &v, 1);
}

/* A CBOR head in its shortest form (lengths here fit in 16 bits). */
static void
cbor_head(struct bb *b, uint8_t major, size_t v)
{
	if (v < 24)
		bb_u8(b, (uint8_t)((size_t)major << 5 | v));
	else if (v < 256) {
		bb_u8(b, (uint8_t)(major << 5 | 24));
		bb_u8(b, (uint8_t)v);
	} else if (v < 65536) {
		bb_u8(b, (uint8_t)(major << 5 | 25));
		bb_u8(b, (uint8_t)(v >> 8));
		bb_u8(b, (uint8_t)v);
	} else
		b->ok = 0;
}

/* A small CBOR integer, negative ones as major type 1. */
static void
cbor_int(struct bb *b, int v)
{
	if (v >= 0)
		cbor_head(b, 0, (size_t)v);
	else
		cbor_head(b, 1, (size_t)(-1 - v));
}

static void
cbor_bytes(struct bb *b, const uint8_t *p, size_t n)
{
	cbor_head(b, 2, n);
	bb_put(b, p, n);
}

/* The credential's COSE key: ES256 {1:2, 3:-7, -1:1, -2:x, -3:y},
 * EdDSA {1:1, 3:-8, -1:6, -2:point}. */
static int
cose_key(struct bb *b, uint32_t alg, EVP_PKEY *key)
{
	uint8_t pk[65];
	size_t n;

	if (sshsk_pubkey(alg, key, pk, &n) != 0)
		return -1;
	if (alg == SSHSK_ALG_ED25519) {
		cbor_head(b, 5, 4);
		cbor_int(b, 1);
		cbor_int(b, 1);
		cbor_int(b, 3);
		cbor_int(b, -8);
		cbor_int(b, -1);
		cbor_int(b, 6);
		cbor_int(b, -2);
		cbor_bytes(b, pk, 32);
	} else {
		cbor_head(b, 5, 5);
		cbor_int(b, 1);
		cbor_int(b, 2);
		cbor_int(b, 3);
		cbor_int(b, -7);
		cbor_int(b, -1);
		cbor_int(b, 1);
		cbor_int(b, -2);
		cbor_bytes(b, pk + 1, 32);
		cbor_int(b, -3);
		cbor_bytes(b, pk + 33, 32);
	}
	return b->ok ? 0 : -1;
}

int
sshsk_authdata(uint32_t alg, EVP_PKEY *key, const uint8_t apphash[32],
    uint8_t flags, uint32_t counter, const uint8_t aaguid[SSHSK_AAGUID_LEN],
    const uint8_t *handle, size_t handle_len, int cred_prot, uint8_t **raw,
    size_t *raw_len, uint8_t **cbor, size_t *cbor_len)
{
	static const char ext_name[] = "credProtect";
	struct bb a = { NULL, 0, 0, 1 }, c = { NULL, 0, 0, 1 };
	uint8_t cnt[4];

	*raw = *cbor = NULL;
	*raw_len = *cbor_len = 0;
	if (handle_len > 0xffff)
		return -1;
	flags = (uint8_t)(flags | SSHSK_AD_AT);
	if (cred_prot != 0)
		flags = (uint8_t)(flags | SSHSK_AD_ED);
	cnt[0] = (uint8_t)(counter >> 24);
	cnt[1] = (uint8_t)(counter >> 16);
	cnt[2] = (uint8_t)(counter >> 8);
	cnt[3] = (uint8_t)counter;
	bb_put(&a, apphash, 32);
	bb_u8(&a, flags);
	bb_put(&a, cnt, sizeof(cnt));
	bb_put(&a, aaguid, SSHSK_AAGUID_LEN);
	bb_u8(&a, (uint8_t)(handle_len >> 8));
	bb_u8(&a, (uint8_t)handle_len);
	bb_put(&a, handle, handle_len);
	if (cose_key(&a, alg, key) != 0)
		goto fail;
	if (cred_prot != 0) {
		cbor_head(&a, 5, 1);
		cbor_head(&a, 3, sizeof(ext_name) - 1);
		bb_put(&a, ext_name, sizeof(ext_name) - 1);
		cbor_int(&a, cred_prot);
	}
	if (!a.ok)
		goto fail;
	cbor_bytes(&c, a.p, a.len);
	if (!c.ok)
		goto fail;
	*raw = a.p;
	*raw_len = a.len;
	*cbor = c.p;
	*cbor_len = c.len;
	return 0;
 fail:
	free(a.p);
	free(c.p);
	return -1;
}

/* --- signatures ---------------------------------------------------------- */

int
sshsk_sign_bytes(EVP_PKEY *key, const uint8_t *a, size_t a_len,
    const uint8_t *b, size_t b_len, uint8_t **sig, size_t *sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t *msg = NULL, *s = NULL;
	size_t n = 0;
	int ed = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519, r = -1;

	*sig = NULL;
	*sig_len = 0;
	if ((msg = malloc(a_len + b_len)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	memcpy(msg, a, a_len);
	if (b_len > 0)
		memcpy(msg + a_len, b, b_len);
	if (EVP_DigestSignInit(ctx, NULL, ed ? NULL : EVP_sha256(), NULL,
	    key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, msg, a_len + b_len) != 1 ||
	    (s = malloc(n)) == NULL ||
	    EVP_DigestSign(ctx, s, &n, msg, a_len + b_len) != 1)
		goto out;
	*sig = s;
	*sig_len = n;
	s = NULL;
	r = 0;
 out:
	free(s);
	free(msg);
	EVP_MD_CTX_free(ctx);
	return r;
}

static int
bn_out(const BIGNUM *bn, uint8_t **p, size_t *n)
{
	int len = BN_num_bytes(bn);

	if (len <= 0 || (*p = malloc((size_t)len)) == NULL)
		return -1;
	*n = (size_t)BN_bn2bin(bn, *p);
	return 0;
}

int
sshsk_ecdsa_split(const uint8_t *der, size_t der_len, uint8_t **r,
    size_t *r_len, uint8_t **s, size_t *s_len)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig;
	int ret = -1;

	*r = *s = NULL;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL)
		return -1;
	if (bn_out(ECDSA_SIG_get0_r(sig), r, r_len) == 0 &&
	    bn_out(ECDSA_SIG_get0_s(sig), s, s_len) == 0)
		ret = 0;
	ECDSA_SIG_free(sig);
	if (ret != 0) {
		free(*r);
		free(*s);
		*r = *s = NULL;
	}
	return ret;
}

/* --- the attestation certificate ----------------------------------------- */

int
sshsk_att_cert(EVP_PKEY **att_key, uint8_t **der, size_t *der_len)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	X509_NAME *name = NULL;
	X509_EXTENSION *ext = NULL;
	uint8_t serial[8], *p = NULL, *d = NULL;
	uint64_t sn = 0;
	size_t i;
	int len, r = -1;

	*att_key = NULL;
	*der = NULL;
	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	for (i = 0; i < sizeof(serial); i++)
		sn = sn << 8 | serial[i];
	/* What WebAuthn asks of a packed attestation certificate. */
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
	    sn >> 1 | 1) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"JP", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"kagi tests", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
	    (const unsigned char *)"Authenticator Attestation", -1, -1,
	    0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"kagi software security key", -1, -1,
	    0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650) == NULL ||
	    X509_set_pubkey(x, k) != 1 ||
	    (ext = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
	    "critical,CA:FALSE")) == NULL || X509_add_ext(x, ext, -1) != 1 ||
	    X509_sign(x, k, EVP_sha256()) <= 0 ||
	    (len = i2d_X509(x, &p)) <= 0 ||
	    (d = malloc((size_t)len)) == NULL)
		goto out;
	/* ssh frees what it is given with free(). */
	memcpy(d, p, (size_t)len);
	*att_key = k;
	k = NULL;
	*der = d;
	*der_len = (size_t)len;
	r = 0;
 out:
	OPENSSL_free(p);
	X509_EXTENSION_free(ext);
	X509_NAME_free(name);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}
