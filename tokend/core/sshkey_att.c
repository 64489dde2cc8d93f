/*
 * sshkey_att.c - an OpenSSH security key's attestation, verified
 * (sshkey_att.h): the ssh-sk-attest-v01 blob of PROTOCOL.u2f,
 *
 *   string  "ssh-sk-attest-v01"
 *   string  attestation certificate (x5c, DER; empty: none)
 *   string  enrollment signature (empty: none)
 *   string  authenticator data (CBOR byte string, as libfido2 gives it)
 *   uint32  reserved flags (0)
 *   string  reserved (empty)
 *
 * read through lib/rbuf.h, then handed to libfido2 as the registration
 * it is: type from the key, relying party = the application, client data
 * hash = SHA-256(challenge), format "packed", UV demanded explicitly
 * (fido_cred_set_uv), credProtect as the data reports it so that
 * libfido2's extension check compares like with like.  The authenticator
 * data is walked by fido2_cbor.c before libfido2 (and its libcbor) sees
 * it.  The attestation policy is fido2.c's.
 *
 * Every check fails closed; nothing is handed out on a refusal.
 */
#include "config.h"

#include <string.h>

#include <fido.h>
#include <openssl/evp.h>

#include "fido2.h"
#include "kagi_err.h"
#include "rbuf.h"
#include "sshkey.h"
#include "sshkey_att.h"
#include "wipe.h"

int
sshkey_att_parse(const uint8_t *blob, size_t len,
    struct sshkey_att_parts *parts)
{
	struct sshkey_att_parts v;
	struct rbuf b;
	const uint8_t *magic, *resv;
	size_t mlen, rlen;
	uint32_t flags;
	int r;

	memset(parts, 0, sizeof(*parts));
	memset(&v, 0, sizeof(v));
	if (blob == NULL || len == 0)
		return KAGI_ERR_INVALID;
	if (len > SSHKEY_ATT_MAX)
		return KAGI_ERR_TOO_LARGE;
	rbuf_init(&b, blob, len);
	/* v01 only: v00 (before OpenSSH 8.4) has no authenticator data. */
	if ((r = rbuf_get_string32(&b, 32, &magic, &mlen)) != 0)
		return r;
	if (mlen != strlen(SSHKEY_ATT_MAGIC) ||
	    memcmp(magic, SSHKEY_ATT_MAGIC, mlen) != 0)
		return KAGI_ERR_INVALID;
	if ((r = rbuf_get_string32(&b, FIDO2_X5C_MAX, &v.x5c,
	    &v.x5c_len)) != 0 ||
	    (r = rbuf_get_string32(&b, FIDO2_SIG_MAX, &v.sig,
	    &v.sig_len)) != 0 ||
	    (r = rbuf_get_string32(&b, FIDO2_AUTHDATA_MAX, &v.authdata,
	    &v.authdata_len)) != 0 ||
	    (r = rbuf_get_u32be(&b, &flags)) != 0 ||
	    (r = rbuf_get_string32(&b, 0, &resv, &rlen)) != 0)
		return r;
	/* Reserved means unused: anything else is not what was verified. */
	if (v.authdata_len == 0 || flags != 0 || (r = rbuf_done(&b)) != 0)
		return KAGI_ERR_INVALID;
	if (v.x5c_len == 0)
		v.x5c = NULL;
	if (v.sig_len == 0)
		v.sig = NULL;
	*parts = v;
	return 0;
}

/* The attested credential key equals the SSH key: libfido2 gives x | y
 * for ES256 (the SSH point is 0x04 | x | y) and the point for EdDSA. */
static int
same_key(const struct sshkey_sk *key, const fido_cred_t *c)
{
	const uint8_t *pk = fido_cred_pubkey_ptr(c);
	size_t n = fido_cred_pubkey_len(c);

	if (pk == NULL)
		return 0;
	if (key->type == SSHKEY_ED25519_SK)
		return key->pk_len == 32 && n == 32 &&
		    kagi_ct_memcmp(pk, key->pk, 32) == 0;
	return key->pk_len == 65 && key->pk[0] == 0x04 && n == 64 &&
	    kagi_ct_memcmp(pk, key->pk + 1, 64) == 0;
}

int
sshkey_att_verify(const struct sshkey_sk *key, const uint8_t *att,
    size_t att_len, const char *application, const uint8_t chal[CHAL_LEN],
    const struct fido2_att_policy *pol, struct sshkey_att_result *out,
    const char **why)
{
	struct sshkey_att_parts a;
	struct sshkey_att_result v;
	fido_cred_t *c = NULL;
	uint8_t cdh[32];
	unsigned int n = 0;
	int r, fr, alg, prot = 0;

	*why = "malformed";
	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	if (key == NULL || application == NULL || chal == NULL ||
	    pol == NULL || (alg = sshkey_sk_cose_alg(key->type)) == 0)
		return KAGI_ERR_INVALID;
	if ((r = sshkey_att_parse(att, att_len, &a)) != 0)
		return r;
	/* A signature says which kind; a certificate alone is nonsense. */
	if (a.x5c != NULL && a.sig == NULL)
		return KAGI_ERR_INVALID;
	v.kind = a.sig == NULL ? FIDO2_ATT_NONE : a.x5c != NULL ?
	    FIDO2_ATT_FULL : FIDO2_ATT_SELF;
	if ((r = fido2_authdata_cred_prot(a.authdata, a.authdata_len,
	    &prot)) != 0)
		return r;
	if (strcmp(key->application, application) != 0) {
		*why = "application";
		return KAGI_ERR_DENIED;
	}
	if (EVP_Digest(chal, CHAL_LEN, cdh, &n, EVP_sha256(), NULL) != 1 ||
	    n != sizeof(cdh))
		return KAGI_ERR_CRYPTO;
	if ((c = fido_cred_new()) == NULL)
		return KAGI_ERR_NOMEM;
	if (fido_cred_set_type(c, alg) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_cred_set_rp(c, application, NULL) != FIDO_OK ||
	    fido_cred_set_fmt(c, "packed") != FIDO_OK ||
	    fido_cred_set_uv(c, FIDO_OPT_TRUE) != FIDO_OK ||
	    fido_cred_set_prot(c, prot) != FIDO_OK ||
	    fido_cred_set_authdata(c, a.authdata, a.authdata_len) != FIDO_OK ||
	    (a.x5c != NULL &&
	    fido_cred_set_x509(c, a.x5c, a.x5c_len) != FIDO_OK) ||
	    (a.sig != NULL &&
	    fido_cred_set_sig(c, a.sig, a.sig_len) != FIDO_OK)) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if (fido_cred_id_len(c) == 0 ||
	    fido_cred_id_len(c) > FIDO2_CRED_ID_MAX ||
	    fido_cred_aaguid_len(c) != FIDO2_AAGUID_LEN ||
	    fido_cred_type(c) != alg) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if (!fido2_authdata_rp_ok(application, a.authdata, a.authdata_len)) {
		*why = "relying_party";
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	v.flags = fido_cred_flags(c);
	if ((v.flags & FIDO2_FLAG_UP) == 0) {
		*why = "presence";
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	/* R-PRIV-2: the key verified its user, and will have to again. */
	if ((v.flags & FIDO2_FLAG_UV) == 0) {
		*why = "user_verification";
		r = KAGI_ERR_DENIED;
		goto out;
	}
	if (prot != FIDO_CRED_PROT_UV_REQUIRED) {
		*why = "verify_required";
		r = KAGI_ERR_DENIED;
		goto out;
	}
	if (!same_key(key, c)) {
		*why = "public_key";
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	/* Over THIS challenge: libfido2 checks the signature over
	 * authData || SHA-256(challenge), and UP and UV once more. */
	if (v.kind != FIDO2_ATT_NONE) {
		fr = v.kind == FIDO2_ATT_FULL ? fido_cred_verify(c) :
		    fido_cred_verify_self(c);
		if (fr != FIDO_OK) {
			*why = "signature";
			r = KAGI_ERR_CRYPTO;
			goto out;
		}
	}
	memcpy(v.aaguid, fido_cred_aaguid_ptr(c), FIDO2_AAGUID_LEN);
	if ((r = fido2_att_policy_check(pol, v.kind, a.x5c, a.x5c_len,
	    v.aaguid, why)) != 0)
		goto out;
	v.counter = fido_cred_sigcount(c);
	v.cred_prot = prot;
	if ((r = sshkey_sk_fingerprint(key, v.fingerprint)) != 0)
		goto out;
	*out = v;
	*why = NULL;
	r = 0;
 out:
	fido_cred_free(&c);
	kagi_wipe(cdh, sizeof(cdh));
	return r;
}
