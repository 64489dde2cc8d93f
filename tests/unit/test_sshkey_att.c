/*
 * test_sshkey_att.c - OpenSSH security keys at enrolment:
 * the public key line (tokend/core/sshkey.c) and the attestation
 * verifier (tokend/core/sshkey_att.c), with the policy it shares with
 * FIDO2 registration (fido2_att_policy_check).
 *
 * The vectors are real: each test enrols a key with the software
 * security key's own sk_enroll (tests/sshsk/) and packs the public key
 * line and the ssh-sk-attest-v01 blob as ssh-keygen does
 * (tests/sshsk/sshsk_pack.c); tests/integration/sshsk.sh runs the same
 * verifier on what the real ssh-keygen writes.  Each attack changes one
 * thing (challenge, key, UV, application, presence, certificate, byte)
 * and checks that it alone decides the outcome and its reason.
 *
 * Policy: R-MFA-3 and R-REM-2 (the gateway's security keys), R-PRIV-2
 * (user verification demanded), R-TOK-1 (the key attested is the key
 * enrolled).
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
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "challenge.h"
#include "fido2.h"
#include "kagi_err.h"
#include "sshkey.h"
#include "sshkey_att.h"
#include "sshsk.h"

#define APP SSHKEY_APP_DEFAULT
#define ASK_UV (SSHSK_FLAG_UP | SSHSK_FLAG_UV)

static const char *const switches[] = { "KAGI_SSHSK_ATT", "KAGI_SSHSK_UV",
    "KAGI_SSHSK_UP", "KAGI_SSHSK_APP", "KAGI_SSHSK_AAGUID",
    "KAGI_SSHSK_STATE", NULL };

static const uint8_t chal[CHAL_LEN] = { 0x6b, 0x61, 0x67, 0x69, 0x01 };
static const uint8_t chal2[CHAL_LEN] = { 0x6b, 0x61, 0x67, 0x69, 0x02 };

static const struct fido2_att_policy any = { ATTEST_ANY, NULL, NULL };
static const struct fido2_att_policy full = { ATTEST_FULL, NULL, NULL };

/* --- enrolments ---------------------------------------------------------- */

struct enr {
	uint32_t			 alg;
	struct sk_enroll_response	*resp;
	char				*line;
	uint8_t				*att;
	size_t				 att_len;
	struct sshkey_sk		 key;
};

static int
reset_switches(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; switches[i] != NULL; i++)
		unsetenv(switches[i]);
	return 0;
}

/* Enrol as ssh-keygen would, with the switches now in the environment. */
static void
enrol(struct enr *e, uint32_t alg, uint8_t flags, const char *app,
    const uint8_t *c)
{
	uint8_t *blob = NULL;
	size_t len = 0;

	memset(e, 0, sizeof(*e));
	e->alg = alg;
	assert_int_equal(sk_enroll(alg, c, CHAL_LEN, app, flags, NULL, NULL,
	    &e->resp), 0);
	assert_int_equal(sshsk_pack_pubkey(alg, app, e->resp, &blob, &len), 0);
	assert_int_equal(sshsk_pack_line(alg, blob, len, "vendor@laptop",
	    &e->line), 0);
	assert_int_equal(sshsk_pack_attest(e->resp, &e->att, &e->att_len), 0);
	assert_int_equal(sshkey_sk_from_line(e->line, strlen(e->line),
	    &e->key), 0);
	free(blob);
}

static void
enr_free(struct enr *e)
{
	sshsk_enroll_response_free(e->resp);
	free(e->line);
	free(e->att);
	memset(e, 0, sizeof(*e));
}

static int
verify(const struct enr *e, const uint8_t *att, size_t att_len,
    const uint8_t *c, const char *app, const struct fido2_att_policy *pol,
    struct sshkey_att_result *res, const char **why)
{
	return sshkey_att_verify(&e->key, att, att_len, app, c, pol, res, why);
}

/* Refused with exactly this code and reason, and nothing handed out. */
static void
refused(const struct enr *e, const uint8_t *att, size_t att_len,
    const uint8_t *c, const char *app, const struct fido2_att_policy *pol,
    int code, const char *reason)
{
	struct sshkey_att_result res;
	const char *why = NULL;

	memset(&res, 0xa5, sizeof(res));
	assert_int_equal(verify(e, att, att_len, c, app, pol, &res, &why),
	    code);
	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_int_equal(res.kind, 0);
	assert_int_equal(res.fingerprint[0], '\0');
}

/* ssh-keygen's fingerprint, computed apart: SHA256: + unpadded base64. */
static void
expected_fp(const struct sshkey_sk *k, char out[SSHKEY_FP_LEN])
{
	uint8_t h[32];
	unsigned char b[64];
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(k->blob, k->blob_len, h, &n,
	    EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_EncodeBlock(b, h, 32), 44);
	assert_int_equal(b[43], '=');
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, b, 43);
	out[50] = '\0';
}

/* --- what is accepted ---------------------------------------------------- */

static void
full_attestation_verified(uint32_t alg)
{
	struct sshkey_att_result res;
	struct enr e;
	const char *why = "unset";
	char fp[SSHKEY_FP_LEN];

	enrol(&e, alg, ASK_UV, APP, chal);
	assert_int_equal(verify(&e, e.att, e.att_len, chal, APP, &full, &res,
	    &why), 0);
	assert_null(why);
	assert_int_equal(res.kind, FIDO2_ATT_FULL);
	assert_string_equal(fido2_att_kind_name(res.kind), "full");
	assert_memory_equal(res.aaguid, SSHSK_AAGUID_DEFAULT, 16);
	assert_true((res.flags & FIDO2_FLAG_UV) != 0);
	assert_int_equal(res.cred_prot, 3);
	expected_fp(&e.key, fp);
	assert_string_equal(res.fingerprint, fp);
	enr_free(&e);
}

static void
test_full_ed25519_attestation_is_verified(void **state)
{
	(void)state;
	full_attestation_verified(SSHSK_ALG_ED25519);
}

static void
test_full_ecdsa_attestation_is_verified(void **state)
{
	(void)state;
	full_attestation_verified(SSHSK_ALG_ECDSA);
}

static void
test_self_attestation_is_reported_as_self(void **state)
{
	struct sshkey_att_result res;
	struct enr e;
	const char *why = NULL;
	uint32_t alg;

	(void)state;
	setenv("KAGI_SSHSK_ATT", "self", 1);
	for (alg = SSHSK_ALG_ECDSA; alg <= SSHSK_ALG_ED25519; alg++) {
		enrol(&e, alg, ASK_UV, APP, chal);
		assert_int_equal(verify(&e, e.att, e.att_len, chal, APP, &any,
		    &res, &why), 0);
		assert_int_equal(res.kind, FIDO2_ATT_SELF);
		/* A vendor's or privileged user's key needs more. */
		refused(&e, e.att, e.att_len, chal, APP, &full,
		    KAGI_ERR_DENIED, "attestation_missing");
		/* Self attestation still proves the challenge. */
		refused(&e, e.att, e.att_len, chal2, APP, &any,
		    KAGI_ERR_CRYPTO, "signature");
		enr_free(&e);
	}
}

static void
test_no_attestation_is_reported_as_none(void **state)
{
	struct sshkey_att_result res;
	struct enr e;
	const char *why = NULL;

	(void)state;
	setenv("KAGI_SSHSK_ATT", "none", 1);
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	assert_int_equal(verify(&e, e.att, e.att_len, chal, APP, &any, &res,
	    &why), 0);
	assert_int_equal(res.kind, FIDO2_ATT_NONE);
	assert_string_equal(fido2_att_kind_name(res.kind), "none");
	refused(&e, e.att, e.att_len, chal, APP, &full, KAGI_ERR_DENIED,
	    "attestation_missing");
	enr_free(&e);
}

/* --- attacks ------------------------------------------------------------- */

static void
test_attestation_over_another_challenge_is_refused(void **state)
{
	struct enr e;

	(void)state;
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal2);
	refused(&e, e.att, e.att_len, chal, APP, &any, KAGI_ERR_CRYPTO,
	    "signature");
	enr_free(&e);
	enrol(&e, SSHSK_ALG_ECDSA, ASK_UV, APP, chal2);
	refused(&e, e.att, e.att_len, chal, APP, &any, KAGI_ERR_CRYPTO,
	    "signature");
	enr_free(&e);
}

static void
test_attestation_of_another_key_is_refused(void **state)
{
	struct enr a, b;
	static const char *const kinds[] = { "full", "self", "none" };
	size_t i;

	(void)state;
	/* The key presented is a's; the attestation is b's, made over the
	 * right challenge. Whatever the kind, the key must be the one. */
	for (i = 0; i < 3; i++) {
		setenv("KAGI_SSHSK_ATT", kinds[i], 1);
		enrol(&a, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
		enrol(&b, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
		refused(&a, b.att, b.att_len, chal, APP, &any,
		    KAGI_ERR_CRYPTO, "public_key");
		enr_free(&a);
		enr_free(&b);
	}
	/* A key of the other type: the attested credential's type differs. */
	unsetenv("KAGI_SSHSK_ATT");
	enrol(&a, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	enrol(&b, SSHSK_ALG_ECDSA, ASK_UV, APP, chal);
	refused(&a, b.att, b.att_len, chal, APP, &any, KAGI_ERR_INVALID,
	    "malformed");
	refused(&b, a.att, a.att_len, chal, APP, &any, KAGI_ERR_INVALID,
	    "malformed");
	enr_free(&a);
	enr_free(&b);
}

static void
test_key_without_user_verification_is_refused(void **state)
{
	struct enr e;

	(void)state;
	/* The key did not verify its user although ssh asked. */
	setenv("KAGI_SSHSK_UV", "never", 1);
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	refused(&e, e.att, e.att_len, chal, APP, &any, KAGI_ERR_DENIED,
	    "user_verification");
	enr_free(&e);
	/* The user was verified, but the key was made without
	 * -O verify-required: it would sign without a PIN later. */
	setenv("KAGI_SSHSK_UV", "always", 1);
	enrol(&e, SSHSK_ALG_ECDSA, SSHSK_FLAG_UP, APP, chal);
	refused(&e, e.att, e.att_len, chal, APP, &any, KAGI_ERR_DENIED,
	    "verify_required");
	enr_free(&e);
}

static void
test_wrong_application_is_refused(void **state)
{
	struct enr e;

	(void)state;
	/* The key is for "ssh:", its authenticator data for another. */
	setenv("KAGI_SSHSK_APP", "wrong", 1);
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	refused(&e, e.att, e.att_len, chal, APP, &any, KAGI_ERR_CRYPTO,
	    "relying_party");
	enr_free(&e);
	/* A good key for an application kagi does not expect. */
	unsetenv("KAGI_SSHSK_APP");
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, "ssh:other", chal);
	refused(&e, e.att, e.att_len, chal, APP, &any, KAGI_ERR_DENIED,
	    "application");
	enr_free(&e);
}

static void
test_missing_presence_is_refused(void **state)
{
	struct enr e;

	(void)state;
	setenv("KAGI_SSHSK_UP", "never", 1);
	enrol(&e, SSHSK_ALG_ECDSA, ASK_UV, APP, chal);
	refused(&e, e.att, e.att_len, chal, APP, &any, KAGI_ERR_CRYPTO,
	    "presence");
	enr_free(&e);
}

/* The blob with one field replaced (index 1: x5c, 2: sig). */
static void
repack(const struct enr *e, int field, const uint8_t *p, size_t n,
    uint8_t **out, size_t *len)
{
	struct sk_enroll_response r = *e->resp;

	if (field == 1) {
		r.attestation_cert = (uint8_t *)(uintptr_t)p;
		r.attestation_cert_len = n;
	} else {
		r.signature = (uint8_t *)(uintptr_t)p;
		r.signature_len = n;
	}
	assert_int_equal(sshsk_pack_attest(&r, out, len), 0);
}

static void
test_tampered_signature_or_certificate_is_refused(void **state)
{
	struct enr a, b;
	uint8_t *att = NULL, *sig;
	size_t len = 0;

	(void)state;
	enrol(&a, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	enrol(&b, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	/* One bit of the signature. */
	assert_non_null(sig = malloc(a.resp->signature_len));
	memcpy(sig, a.resp->signature, a.resp->signature_len);
	sig[a.resp->signature_len / 2] ^= 0x01;
	repack(&a, 2, sig, a.resp->signature_len, &att, &len);
	refused(&a, att, len, chal, APP, &any, KAGI_ERR_CRYPTO, "signature");
	free(att);
	free(sig);
	/* Another authenticator's certificate in front of a's signature. */
	repack(&a, 1, b.resp->attestation_cert, b.resp->attestation_cert_len,
	    &att, &len);
	refused(&a, att, len, chal, APP, &any, KAGI_ERR_CRYPTO, "signature");
	free(att);
	/* A certificate without a signature. */
	repack(&a, 2, NULL, 0, &att, &len);
	refused(&a, att, len, chal, APP, &any, KAGI_ERR_INVALID, "malformed");
	free(att);
	enr_free(&a);
	enr_free(&b);
}

/* --- the policy ---------------------------------------------------------- */

static char *
write_roots(const struct enr *e)
{
	const unsigned char *p = e->resp->attestation_cert;
	char *path;
	X509 *x;
	FILE *f;
	int fd;

	assert_non_null(path = strdup("/tmp/kagi-sshkey-roots.XXXXXX"));
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	assert_non_null(x = d2i_X509(NULL, &p,
	    (long)e->resp->attestation_cert_len));
	assert_int_equal(PEM_write_X509(f, x), 1);
	X509_free(x);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
test_roots_decide_trust(void **state)
{
	struct fido2_att_policy roots = { ATTEST_ROOTS, NULL, NULL };
	struct sshkey_att_result res;
	struct enr a, b;
	const char *why = NULL;
	char *path;

	(void)state;
	enrol(&a, SSHSK_ALG_ECDSA, ASK_UV, APP, chal);
	enrol(&b, SSHSK_ALG_ECDSA, ASK_UV, APP, chal);
	path = write_roots(&a);
	roots.roots = path;
	assert_int_equal(verify(&a, a.att, a.att_len, chal, APP, &roots,
	    &res, &why), 0);
	assert_int_equal(res.kind, FIDO2_ATT_FULL);
	refused(&b, b.att, b.att_len, chal, APP, &roots, KAGI_ERR_DENIED,
	    "attestation_untrusted");
	unlink(path);
	/* Roots that cannot be read are the administrator's problem. */
	refused(&a, a.att, a.att_len, chal, APP, &roots, KAGI_ERR_CONFIG,
	    "attestation_untrusted");
	free(path);
	enr_free(&a);
	enr_free(&b);
	/* Self attestation has no certificate to trust. */
	setenv("KAGI_SSHSK_ATT", "self", 1);
	enrol(&a, SSHSK_ALG_ECDSA, ASK_UV, APP, chal);
	refused(&a, a.att, a.att_len, chal, APP, &roots, KAGI_ERR_DENIED,
	    "attestation_missing");
	enr_free(&a);
}

static void
test_aaguid_allow_list_decides_the_model(void **state)
{
	struct fido2_att_policy pol = { ATTEST_FULL, NULL,
	    "6b616769-2d73-7368-736b-2d7632000000, "
	    "01020304-0506-0708-090a-0b0c0d0e0f10" };
	struct sshkey_att_result res;
	struct enr e;
	const char *why = NULL;

	(void)state;
	/* The default model is not on the list. */
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	refused(&e, e.att, e.att_len, chal, APP, &pol, KAGI_ERR_DENIED,
	    "aaguid_not_allowed");
	enr_free(&e);
	setenv("KAGI_SSHSK_AAGUID", "0102030405060708090a0b0c0d0e0f10", 1);
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	assert_int_equal(verify(&e, e.att, e.att_len, chal, APP, &pol, &res,
	    &why), 0);
	assert_int_equal(res.aaguid[0], 0x01);
	assert_int_equal(res.aaguid[15], 0x10);
	enr_free(&e);
}

/* --- malformed blobs ----------------------------------------------------- */

static void
test_truncated_or_garbage_blobs_are_refused(void **state)
{
	struct sshkey_att_parts parts;
	struct sshkey_att_result res;
	struct enr e;
	const char *why;
	uint8_t *b;
	size_t n, i;

	(void)state;
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	assert_int_equal(sshkey_att_parse(e.att, e.att_len, &parts), 0);
	assert_non_null(parts.x5c);
	/* Every proper prefix. */
	for (n = 0; n < e.att_len; n++) {
		why = NULL;
		assert_int_not_equal(verify(&e, e.att, n, chal, APP, &any,
		    &res, &why), 0);
		assert_string_equal(why, "malformed");
	}
	assert_non_null(b = malloc(e.att_len + 1));
	/* A trailing byte. */
	memcpy(b, e.att, e.att_len);
	b[e.att_len] = 0;
	refused(&e, b, e.att_len + 1, chal, APP, &any, KAGI_ERR_INVALID,
	    "malformed");
	/* The version before authenticator data, and a future one. */
	memcpy(b, e.att, e.att_len);
	b[4 + 16] = '0';
	refused(&e, b, e.att_len, chal, APP, &any, KAGI_ERR_INVALID,
	    "malformed");
	b[4 + 16] = '2';
	refused(&e, b, e.att_len, chal, APP, &any, KAGI_ERR_INVALID,
	    "malformed");
	/* Reserved flags that are not 0. */
	memcpy(b, e.att, e.att_len);
	b[e.att_len - 5] = 1;
	refused(&e, b, e.att_len, chal, APP, &any, KAGI_ERR_INVALID,
	    "malformed");
	/* A length that says more than there is. */
	memcpy(b, e.att, e.att_len);
	b[4 + 17] = 0x7f;
	refused(&e, b, e.att_len, chal, APP, &any, KAGI_ERR_TOO_LARGE,
	    "malformed");
	/* Garbage of every length up to the real one: never accepted. */
	for (n = 1; n <= e.att_len; n += 7) {
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)(i * 131 + n);
		assert_int_not_equal(verify(&e, b, n, chal, APP, &any, &res,
		    &why), 0);
	}
	free(b);
	enr_free(&e);
}

static void
test_authdata_with_trailing_bytes_is_refused(void **state)
{
	struct sk_enroll_response r;
	struct enr e;
	uint8_t *ad, *att = NULL;
	size_t n, len = 0;

	(void)state;
	setenv("KAGI_SSHSK_ATT", "none", 1);
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	/* The byte string grown by one byte after the extensions (its
	 * length is in a one-byte argument: 0x58 LEN). */
	n = e.resp->authdata_len;
	assert_int_equal(e.resp->authdata[0], 0x58);
	assert_non_null(ad = malloc(n + 1));
	memcpy(ad, e.resp->authdata, n);
	ad[1]++;
	ad[n] = 0;
	r = *e.resp;
	r.authdata = ad;
	r.authdata_len = n + 1;
	assert_int_equal(sshsk_pack_attest(&r, &att, &len), 0);
	refused(&e, att, len, chal, APP, &any, KAGI_ERR_INVALID, "malformed");
	free(att);
	free(ad);
	enr_free(&e);
}

/* --- the key line -------------------------------------------------------- */

static void
test_key_lines(void **state)
{
	struct sshkey_sk k, k2;
	struct enr e;
	char buf[SSHKEY_LINE_MAX + 8], *out = NULL, *b64;
	size_t n;

	(void)state;
	enrol(&e, SSHSK_ALG_ECDSA, ASK_UV, APP, chal);
	b64 = strchr(e.line, ' ') + 1;
	*strchr(b64, ' ') = '\0';
	/* Without comment, with a newline, with tabs. */
	snprintf(buf, sizeof(buf), "%s %s\n", SSHKEY_TYPE_ECDSA_SK, b64);
	assert_int_equal(sshkey_sk_from_line(buf, strlen(buf), &k), 0);
	assert_int_equal(k.type, SSHKEY_ECDSA_SK);
	assert_int_equal(k.pk_len, 65);
	assert_string_equal(k.application, APP);
	snprintf(buf, sizeof(buf), "%s\t%s\tnote\n", SSHKEY_TYPE_ECDSA_SK,
	    b64);
	assert_int_equal(sshkey_sk_from_line(buf, strlen(buf), &k2), 0);
	assert_int_equal(sshkey_sk_cmp(&k, &k2), 0);
	assert_int_equal(sshkey_sk_cmp(&k, &e.key), 0);
	/* The line written back reads as the same key. */
	assert_int_equal(sshkey_sk_format(&k, &out), 0);
	assert_int_equal(sshkey_sk_from_line(out, strlen(out), &k2), 0);
	assert_int_equal(sshkey_sk_cmp(&k, &k2), 0);
	free(out);
	/* The other type's name in front of this blob. */
	snprintf(buf, sizeof(buf), "%s %s", SSHKEY_TYPE_ED25519_SK, b64);
	assert_int_equal(sshkey_sk_from_line(buf, strlen(buf), &k),
	    KAGI_ERR_INVALID);
	assert_int_equal(k.type, 0);
	/* Not a security key, options in front, no key, a NUL, a control
	 * character in the comment, base64 that is not canonical. */
	snprintf(buf, sizeof(buf), "ssh-ed25519 %s", b64);
	assert_int_not_equal(sshkey_sk_from_line(buf, strlen(buf), &k), 0);
	snprintf(buf, sizeof(buf), "restrict %s %s", SSHKEY_TYPE_ECDSA_SK,
	    b64);
	assert_int_not_equal(sshkey_sk_from_line(buf, strlen(buf), &k), 0);
	snprintf(buf, sizeof(buf), "%s ", SSHKEY_TYPE_ECDSA_SK);
	assert_int_not_equal(sshkey_sk_from_line(buf, strlen(buf), &k), 0);
	snprintf(buf, sizeof(buf), "%s %s x", SSHKEY_TYPE_ECDSA_SK, b64);
	n = strlen(buf);
	buf[n - 2] = '\0';
	assert_int_not_equal(sshkey_sk_from_line(buf, n, &k), 0);
	snprintf(buf, sizeof(buf), "%s %s a\033b", SSHKEY_TYPE_ECDSA_SK, b64);
	assert_int_not_equal(sshkey_sk_from_line(buf, strlen(buf), &k), 0);
	snprintf(buf, sizeof(buf), "%s %s=", SSHKEY_TYPE_ECDSA_SK, b64);
	assert_int_not_equal(sshkey_sk_from_line(buf, strlen(buf), &k), 0);
	/* Over the maximum length. */
	memset(buf, 'A', sizeof(buf));
	assert_int_equal(sshkey_sk_from_line(buf, SSHKEY_LINE_MAX + 1, &k),
	    KAGI_ERR_TOO_LARGE);
	enr_free(&e);
}

static void
test_key_blobs(void **state)
{
	struct sshkey_sk k;
	struct enr e;
	uint8_t b[SSHKEY_BLOB_MAX + 1];
	size_t n;

	(void)state;
	enrol(&e, SSHSK_ALG_ECDSA, ASK_UV, APP, chal);
	n = e.key.blob_len;
	memcpy(b, e.key.blob, n);
	assert_int_equal(sshkey_sk_from_blob(b, n, &k), 0);
	/* Every proper prefix, and a trailing byte. */
	for (; n > 0; n--)
		assert_int_not_equal(sshkey_sk_from_blob(b, n - 1, &k), 0);
	n = e.key.blob_len;
	b[n] = 0;
	assert_int_equal(sshkey_sk_from_blob(b, n + 1, &k), KAGI_ERR_INVALID);
	/* A point off the curve (last byte of y). */
	b[n - 4 - strlen(APP) - 1] ^= 0x01;
	assert_int_equal(sshkey_sk_from_blob(b, n, &k), KAGI_ERR_INVALID);
	memcpy(b, e.key.blob, n);
	/* A compressed point's tag. */
	b[n - 4 - strlen(APP) - 65] = 0x02;
	assert_int_equal(sshkey_sk_from_blob(b, n, &k), KAGI_ERR_INVALID);
	memcpy(b, e.key.blob, n);
	/* An application with a space or a NUL. */
	b[n - 1] = ' ';
	assert_int_equal(sshkey_sk_from_blob(b, n, &k), KAGI_ERR_INVALID);
	b[n - 1] = '\0';
	assert_int_equal(sshkey_sk_from_blob(b, n, &k), KAGI_ERR_INVALID);
	enr_free(&e);
	/* Ed25519: the 32-byte point. */
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	assert_int_equal(e.key.type, SSHKEY_ED25519_SK);
	assert_int_equal(e.key.pk_len, 32);
	assert_string_equal(sshkey_sk_type_name(e.key.type),
	    SSHKEY_TYPE_ED25519_SK);
	assert_int_equal(sshkey_sk_cose_alg(e.key.type), FIDO2_EDDSA);
	enr_free(&e);
}

/* --- the software key itself --------------------------------------------- */

static void
test_provider_counter_increments(void **state)
{
	struct sk_sign_response *s1 = NULL, *s2 = NULL;
	struct enr e;
	char path[] = "/tmp/kagi-sshsk-state.XXXXXX";
	static const uint8_t data[] = "session data";
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	setenv("KAGI_SSHSK_STATE", path, 1);
	enrol(&e, SSHSK_ALG_ED25519, ASK_UV, APP, chal);
	assert_int_equal(sk_sign(SSHSK_ALG_ED25519, data, sizeof(data), APP,
	    e.resp->key_handle, e.resp->key_handle_len, ASK_UV, NULL, NULL,
	    &s1), 0);
	assert_int_equal(sk_sign(SSHSK_ALG_ED25519, data, sizeof(data), APP,
	    e.resp->key_handle, e.resp->key_handle_len, ASK_UV, NULL, NULL,
	    &s2), 0);
	assert_int_equal(s2->counter, s1->counter + 1);
	assert_int_equal(s1->flags, SSHSK_AD_UP | SSHSK_AD_UV);
	assert_int_equal(s1->sig_r_len, 64);
	sshsk_sign_response_free(s1);
	/* The handle is for "ssh:" only. */
	assert_int_equal(sk_sign(SSHSK_ALG_ED25519, data, sizeof(data),
	    "ssh:other", e.resp->key_handle, e.resp->key_handle_len, ASK_UV,
	    NULL, NULL, &s1), SSHSK_ERR_NO_DEVICE);
	sshsk_sign_response_free(s2);
	assert_int_equal(sk_api_version() & 0xffff0000U, 0x000a0000U);
	/* A mistyped switch fails the call rather than testing nothing. */
	setenv("KAGI_SSHSK_UV", "sometimes", 1);
	assert_int_equal(sk_sign(SSHSK_ALG_ED25519, data, sizeof(data), APP,
	    e.resp->key_handle, e.resp->key_handle_len, ASK_UV, NULL, NULL,
	    &s2), SSHSK_ERR_GENERAL);
	assert_null(s2);
	unlink(path);
	enr_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, reset_switches, reset_switches)
		T(test_full_ed25519_attestation_is_verified),
		T(test_full_ecdsa_attestation_is_verified),
		T(test_self_attestation_is_reported_as_self),
		T(test_no_attestation_is_reported_as_none),
		T(test_attestation_over_another_challenge_is_refused),
		T(test_attestation_of_another_key_is_refused),
		T(test_key_without_user_verification_is_refused),
		T(test_wrong_application_is_refused),
		T(test_missing_presence_is_refused),
		T(test_tampered_signature_or_certificate_is_refused),
		T(test_roots_decide_trust),
		T(test_aaguid_allow_list_decides_the_model),
		T(test_truncated_or_garbage_blobs_are_refused),
		T(test_authdata_with_trailing_bytes_is_refused),
		T(test_key_lines),
		T(test_key_blobs),
		T(test_provider_counter_increments),
#undef T
	};

	return cmocka_run_group_tests_name("sshkey_att", tests, NULL, NULL);
}
