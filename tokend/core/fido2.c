/*
 * fido2.c - kagid's FIDO2 rules (fido2.h): assertion and registration
 * verified through libfido2, the counter rule, factor accounting and the
 * attestation policy (roots through OpenSSL's X509_STORE, AAGUID
 * allow-list).
 *
 * Nothing here keeps state or logs; the handler that decides logs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "fido2.h"
#include "kagi_err.h"
#include "wipe.h"

const char *const fido2_uv_policy_names[] = { "required", "preferred",
    "discouraged", NULL };

int
fido2_alg_from_name(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "es256") == 0)
		return FIDO2_ES256;
	if (strcmp(name, "eddsa") == 0)
		return FIDO2_EDDSA;
	if (strcmp(name, "rs256") == 0)
		return FIDO2_RS256;
	return 0;
}

const char *
fido2_alg_name(int alg)
{
	switch (alg) {
	case FIDO2_ES256:
		return "es256";
	case FIDO2_EDDSA:
		return "eddsa";
	case FIDO2_RS256:
		return "rs256";
	}
	return NULL;
}

static const char *const uv_names[] = { "none", "pin", "builtin" };

int
fido2_uv_from_name(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < 3; i++)
		if (strcmp(name, uv_names[i]) == 0)
			return i;
	return -1;
}

const char *
fido2_uv_name(int uv)
{
	return uv >= 0 && uv < 3 ? uv_names[uv] : "unknown";
}

/* SHA-256 of the challenge: the client data hash both sides use. */
static int
chal_hash(const uint8_t chal[CHAL_LEN], uint8_t out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(chal, CHAL_LEN, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != 32)
		return KAGI_ERR_CRYPTO;
	return 0;
}

/* --- public keys --------------------------------------------------------- */

struct fido2_pk {
	int alg;
	es256_pk_t *es256;
	eddsa_pk_t *eddsa;
	rs256_pk_t *rs256;
};

static void
pk_clear(struct fido2_pk *k)
{
	es256_pk_free(&k->es256);
	eddsa_pk_free(&k->eddsa);
	rs256_pk_free(&k->rs256);
}

static const void *
pk_ptr(const struct fido2_pk *k)
{
	switch (k->alg) {
	case FIDO2_ES256:
		return k->es256;
	case FIDO2_EDDSA:
		return k->eddsa;
	default:
		return k->rs256;
	}
}

/* The exact raw sizes libfido2 gives: x|y, the Ed25519 point, n|e. */
static int
pk_load(int alg, const uint8_t *pk, size_t len, struct fido2_pk *k)
{
	int fr = FIDO_ERR_INVALID_ARGUMENT;

	memset(k, 0, sizeof(*k));
	k->alg = alg;
	if (pk == NULL)
		return KAGI_ERR_INVALID;
	switch (alg) {
	case FIDO2_ES256:
		if (len != 64 || (k->es256 = es256_pk_new()) == NULL)
			break;
		fr = es256_pk_from_ptr(k->es256, pk, len);
		break;
	case FIDO2_EDDSA:
		if (len != 32 || (k->eddsa = eddsa_pk_new()) == NULL)
			break;
		fr = eddsa_pk_from_ptr(k->eddsa, pk, len);
		break;
	case FIDO2_RS256:
		if (len != 259 || (k->rs256 = rs256_pk_new()) == NULL)
			break;
		fr = rs256_pk_from_ptr(k->rs256, pk, len);
		break;
	}
	if (fr != FIDO_OK) {
		pk_clear(k);
		return KAGI_ERR_INVALID;
	}
	return 0;
}

int
fido2_pk_check(int alg, const uint8_t *pk, size_t len)
{
	struct fido2_pk k;
	EVP_PKEY *e = NULL;
	int r;

	if ((r = pk_load(alg, pk, len, &k)) != 0)
		return r;
	/* A point that is not on the curve does not convert. */
	switch (alg) {
	case FIDO2_ES256:
		e = es256_pk_to_EVP_PKEY(k.es256);
		break;
	case FIDO2_EDDSA:
		e = eddsa_pk_to_EVP_PKEY(k.eddsa);
		break;
	default:
		e = rs256_pk_to_EVP_PKEY(k.rs256);
		break;
	}
	r = e != NULL ? 0 : KAGI_ERR_INVALID;
	EVP_PKEY_free(e);
	pk_clear(&k);
	return r;
}

/* --- assertions ---------------------------------------------------------- */

int
fido2_verify_assertion(int alg, const uint8_t *pk, size_t pklen,
    const char *rp_id, const uint8_t chal[CHAL_LEN], int require_uv,
    const uint8_t *authdata, size_t adlen, const uint8_t *sig,
    size_t siglen, uint8_t *flags, uint32_t *counter)
{
	fido_assert_t *a = NULL;
	struct fido2_pk k;
	uint8_t cdh[32];
	int r, fr;

	memset(&k, 0, sizeof(k));
	if (rp_id == NULL || sig == NULL || siglen == 0 ||
	    siglen > FIDO2_SIG_MAX ||
	    fido2_authdata_check(authdata, adlen) != 0)
		return KAGI_ERR_INVALID;
	if ((r = pk_load(alg, pk, pklen, &k)) != 0 ||
	    (r = chal_hash(chal, cdh)) != 0)
		goto out;
	if ((a = fido_assert_new()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if (fido_assert_set_count(a, 1) != FIDO_OK ||
	    fido_assert_set_rp(a, rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_assert_set_authdata(a, 0, authdata, adlen) != FIDO_OK ||
	    fido_assert_set_sig(a, 0, sig, siglen) != FIDO_OK) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	/*
	 * fido_assert_verify() checks UP and UV only when they are set to
	 * FIDO_OPT_TRUE: both are set here, every time, explicitly.
	 */
	if (fido_assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK ||
	    fido_assert_set_uv(a, require_uv ? FIDO_OPT_TRUE :
	    FIDO_OPT_OMIT) != FIDO_OK) {
		r = KAGI_ERR_INTERNAL;
		goto out;
	}
	if ((fr = fido_assert_verify(a, 0, alg, pk_ptr(&k))) != FIDO_OK) {
		r = fr == FIDO_ERR_INVALID_ARGUMENT ? KAGI_ERR_INVALID :
		    KAGI_ERR_CRYPTO;
		goto out;
	}
	/* Belt and braces: what libfido2 just checked, checked again. */
	if ((fido_assert_flags(a, 0) & FIDO2_FLAG_UP) == 0 ||
	    (require_uv && (fido_assert_flags(a, 0) & FIDO2_FLAG_UV) == 0)) {
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	*flags = fido_assert_flags(a, 0);
	*counter = fido_assert_sigcount(a, 0);
	r = 0;
 out:
	fido_assert_free(&a);
	pk_clear(&k);
	return r;
}

int
fido2_counter_check(int64_t stored, uint32_t received)
{
	if (stored == 0 && received == 0)
		return 0;	/* a key that keeps no counter */
	return (int64_t)received > stored ? 0 : KAGI_ERR_REPLAY;
}

unsigned
fido2_factors(uint8_t flags, int uv_method, int stored_uv)
{
	unsigned f = FACTOR_POSSESSION;

	if ((flags & FIDO2_FLAG_UV) == 0)
		return f;
	if (uv_method == FIDO2_UV_PIN)
		f |= FACTOR_KNOWLEDGE;
	else if (uv_method == FIDO2_UV_BUILTIN && stored_uv == FIDO2_UV_BUILTIN)
		f |= FACTOR_INHERENCE;
	return f;
}

/* --- AAGUIDs ------------------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One UUID of exactly 36 characters at s into out. */
static int
uuid_parse(const char *s, size_t n, uint8_t out[FIDO2_AAGUID_LEN])
{
	size_t i, j = 0;
	int hi, lo;

	if (n != 36)
		return KAGI_ERR_INVALID;
	for (i = 0; i < n;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return KAGI_ERR_INVALID;
			i++;
			continue;
		}
		if ((hi = hexval(s[i])) < 0 || (lo = hexval(s[i + 1])) < 0)
			return KAGI_ERR_INVALID;
		out[j++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return j == FIDO2_AAGUID_LEN ? 0 : KAGI_ERR_INVALID;
}

/* Walk the list; with match, stop at an entry equal to it. */
static int
aaguid_walk(const char *list, const uint8_t *match, int *found)
{
	uint8_t u[FIDO2_AAGUID_LEN];
	const char *p = list, *end;
	size_t n;

	*found = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (uuid_parse(p, n, u) != 0)
			return KAGI_ERR_INVALID;
		if (match != NULL && memcmp(u, match, sizeof(u)) == 0)
			*found = 1;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

int
fido2_aaguid_list_valid(const char *list)
{
	int found;

	if (list == NULL || list[0] == '\0')
		return 0;
	return aaguid_walk(list, NULL, &found);
}

int
fido2_aaguid_allowed(const char *list, const uint8_t aaguid[FIDO2_AAGUID_LEN])
{
	int found;

	if (list == NULL || list[0] == '\0')
		return 1;
	return aaguid_walk(list, aaguid, &found) == 0 && found;
}

void
fido2_aaguid_format(const uint8_t a[FIDO2_AAGUID_LEN], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", a[0], a[1], a[2], a[3], a[4], a[5],
	    a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
}

/* --- registrations ------------------------------------------------------- */

/* The attestation certificate chains to one of the roots in path. */
static int
x5c_trusted(const uint8_t *der, size_t len, const char *path)
{
	const unsigned char *p = der;
	X509_STORE *store = NULL;
	X509_STORE_CTX *sctx = NULL;
	X509 *cert = NULL;
	int r = KAGI_ERR_CRYPTO;

	if (path == NULL || path[0] == '\0')
		return KAGI_ERR_CONFIG;
	if ((cert = d2i_X509(NULL, &p, (long)len)) == NULL ||
	    p != der + len)
		goto out;
	if ((store = X509_STORE_new()) == NULL ||
	    (sctx = X509_STORE_CTX_new()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if (X509_STORE_load_file(store, path) != 1) {
		r = KAGI_ERR_CONFIG;
		goto out;
	}
	/* Attestation speaks of the model, not of a date. */
	X509_STORE_set_flags(store, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_STORE_CTX_init(sctx, store, cert, NULL) != 1)
		goto out;
	if (X509_verify_cert(sctx) == 1)
		r = 0;
 out:
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	X509_free(cert);
	return r;
}

int
fido2_roots_count(const char *path, int *n)
{
	X509_STORE *store;
	struct stat st;

	*n = 0;
	if (path == NULL || path[0] == '\0' || stat(path, &st) != 0)
		return KAGI_ERR_NOT_FOUND;
	if ((store = X509_STORE_new()) == NULL)
		return KAGI_ERR_NOMEM;
	/* A file without a certificate does not load: it holds none. */
	if (X509_STORE_load_file(store, path) == 1)
		*n = sk_X509_OBJECT_num(X509_STORE_get0_objects(store));
	X509_STORE_free(store);
	ERR_clear_error();
	return 0;
}

const char *
fido2_att_kind_name(int kind)
{
	switch (kind) {
	case FIDO2_ATT_NONE:
		return "none";
	case FIDO2_ATT_SELF:
		return "self";
	case FIDO2_ATT_FULL:
		return "full";
	}
	return "unknown";
}

int
fido2_att_policy_check(const struct fido2_att_policy *pol, int kind,
    const uint8_t *x5c, size_t x5c_len,
    const uint8_t aaguid[FIDO2_AAGUID_LEN], const char **why)
{
	int r;

	if (pol == NULL || (pol->mode != ATTEST_ANY &&
	    pol->mode != ATTEST_FULL && pol->mode != ATTEST_ROOTS &&
	    pol->mode != ATTEST_TRUSTED))
		return KAGI_ERR_INTERNAL;
	if (kind != FIDO2_ATT_NONE && kind != FIDO2_ATT_SELF &&
	    kind != FIDO2_ATT_FULL)
		return KAGI_ERR_INTERNAL;
	/* Nothing, or only the key itself, proved: "any" alone takes it. */
	if (pol->mode != ATTEST_ANY && (kind != FIDO2_ATT_FULL ||
	    x5c == NULL || x5c_len == 0)) {
		*why = "attestation_missing";
		return KAGI_ERR_DENIED;
	}
	if (pol->mode == ATTEST_TRUSTED) {
		/* A root vouches for the model, or the list names it. */
		r = x5c_trusted(x5c, x5c_len, pol->roots);
		if (r == 0)
			return 0;
		if (r != KAGI_ERR_CRYPTO && r != KAGI_ERR_CONFIG)
			return r;
		if (pol->aaguids != NULL && pol->aaguids[0] != '\0' &&
		    fido2_aaguid_allowed(pol->aaguids, aaguid))
			return 0;
		*why = "attestation_untrusted";
		return KAGI_ERR_DENIED;
	}
	if (pol->mode == ATTEST_ROOTS &&
	    (r = x5c_trusted(x5c, x5c_len, pol->roots)) != 0) {
		*why = "attestation_untrusted";
		return r == KAGI_ERR_CONFIG ? r : KAGI_ERR_DENIED;
	}
	if (!fido2_aaguid_allowed(pol->aaguids, aaguid)) {
		*why = "aaguid_not_allowed";
		return KAGI_ERR_DENIED;
	}
	return 0;
}

/* SHA-256 of the relying-party ID equals the first 32 authdata bytes. */
static int
rp_matches(const fido_cred_t *c, const char *rp_id)
{
	const unsigned char *raw = fido_cred_authdata_raw_ptr(c);
	uint8_t h[32];
	unsigned int n = 0;

	if (raw == NULL || fido_cred_authdata_raw_len(c) < 37 ||
	    EVP_Digest(rp_id, strlen(rp_id), h, &n, EVP_sha256(), NULL) != 1)
		return 0;
	return kagi_ct_memcmp(raw, h, sizeof(h)) == 0;
}

int
fido2_verify_registration(const struct fido2_reg_in *in, const char *rp_id,
    const uint8_t chal[CHAL_LEN], const struct fido2_att_policy *pol,
    struct fido2_reg_out *out, const char **why)
{
	fido_cred_t *c = NULL;
	struct fido2_reg_out v;
	uint8_t cdh[32];
	int r, fr, none, kind;

	*why = "malformed";
	memset(&v, 0, sizeof(v));
	if (in == NULL || in->fmt == NULL || fido2_alg_name(in->alg) == NULL ||
	    fido2_authdata_check(in->authdata, in->authdata_len) != 0 ||
	    (in->x5c != NULL && (in->x5c_len == 0 ||
	    in->x5c_len > FIDO2_X5C_MAX)) ||
	    (in->sig != NULL && (in->sig_len == 0 ||
	    in->sig_len > FIDO2_SIG_MAX)))
		return KAGI_ERR_INVALID;
	none = strcmp(in->fmt, "none") == 0;
	if (!none && strcmp(in->fmt, "packed") != 0 &&
	    strcmp(in->fmt, "fido-u2f") != 0)
		return KAGI_ERR_INVALID;
	if (none && (in->x5c != NULL || in->sig != NULL))
		return KAGI_ERR_INVALID;
	if ((r = chal_hash(chal, cdh)) != 0)
		return r;
	if ((c = fido_cred_new()) == NULL)
		return KAGI_ERR_NOMEM;
	if (fido_cred_set_type(c, in->alg) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_cred_set_rp(c, rp_id, NULL) != FIDO_OK ||
	    fido_cred_set_fmt(c, in->fmt) != FIDO_OK ||
	    fido_cred_set_authdata(c, in->authdata, in->authdata_len) !=
	    FIDO_OK ||
	    (in->x5c != NULL &&
	    fido_cred_set_x509(c, in->x5c, in->x5c_len) != FIDO_OK) ||
	    (in->sig != NULL &&
	    fido_cred_set_sig(c, in->sig, in->sig_len) != FIDO_OK)) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if (!rp_matches(c, rp_id)) {
		*why = "relying_party";
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	if ((fido_cred_flags(c) & FIDO2_FLAG_UP) == 0) {
		*why = "presence";
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	kind = FIDO2_ATT_NONE;
	if (!none) {
		if (in->sig == NULL) {
			r = KAGI_ERR_INVALID;
			goto out;
		}
		fr = in->x5c != NULL ? fido_cred_verify(c) :
		    fido_cred_verify_self(c);
		if (fr != FIDO_OK) {
			*why = "signature";
			r = KAGI_ERR_CRYPTO;
			goto out;
		}
		kind = in->x5c != NULL ? FIDO2_ATT_FULL : FIDO2_ATT_SELF;
	}
	if (fido_cred_id_len(c) == 0 ||
	    fido_cred_id_len(c) > FIDO2_CRED_ID_MAX ||
	    fido_cred_pubkey_len(c) > FIDO2_PK_MAX ||
	    fido_cred_aaguid_len(c) != FIDO2_AAGUID_LEN ||
	    fido_cred_type(c) != in->alg) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	memcpy(v.cred_id, fido_cred_id_ptr(c), fido_cred_id_len(c));
	v.cred_id_len = fido_cred_id_len(c);
	memcpy(v.pk, fido_cred_pubkey_ptr(c), fido_cred_pubkey_len(c));
	v.pk_len = fido_cred_pubkey_len(c);
	memcpy(v.aaguid, fido_cred_aaguid_ptr(c), FIDO2_AAGUID_LEN);
	v.counter = fido_cred_sigcount(c);
	v.flags = fido_cred_flags(c);
	if ((r = fido2_pk_check(in->alg, v.pk, v.pk_len)) != 0)
		goto out;
	/* What was proved, against the policy (none: nothing at all). */
	if ((r = fido2_att_policy_check(pol, kind, in->x5c, in->x5c_len,
	    v.aaguid, why)) != 0)
		goto out;
	*out = v;
	*why = NULL;
	r = 0;
 out:
	fido_cred_free(&c);
	return r;
}
