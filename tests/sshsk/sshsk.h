/*
 * sshsk.h - kagi's software security key for OpenSSH: what its files
 * share (sshsk.c, the provider's entry points; sshsk_crypto.c, keys,
 * signatures, authenticator data and the attestation certificate;
 * sshsk_pack.c, the public key and attestation blobs as ssh-keygen
 * writes them, for the unit tests).
 *
 * The provider is test code: it stands in for a FIDO2 key behind
 * ssh, ssh-keygen and sshd's client in tests/integration/sshsk.sh, and
 * makes real attestations for tests/unit/test_sshkey_att.c.  It is never
 * linked into pam_kagi, kagid or kagictl.  Its private keys travel in
 * the key handle (test keys, nothing secret); its switches are read from
 * the environment at every call (README).
 */
#ifndef KAGI_SSHSK_H
#define KAGI_SSHSK_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "sshsk_api.h"

#define SSHSK_EXPORT __attribute__((visibility("default")))

#define SSHSK_AAGUID_LEN	16
/* The default AAGUID: the bytes of "kagi-sshsk-v1\0\0\0". */
#define SSHSK_AAGUID_DEFAULT	"kagi-sshsk-v1\0\0\0"
/* Authenticator data flags. */
#define SSHSK_AD_UP		0x01
#define SSHSK_AD_UV		0x04
#define SSHSK_AD_AT		0x40
#define SSHSK_AD_ED		0x80
/* credProtect: userVerificationRequired, as OpenSSH asks for
 * verify-required keys. */
#define SSHSK_CRED_PROT_UV	3

enum sshsk_att { SSHSK_ATT_FULL, SSHSK_ATT_SELF, SSHSK_ATT_NONE };
enum sshsk_uv { SSHSK_UV_ASKED, SSHSK_UV_ALWAYS, SSHSK_UV_NEVER };

struct sshsk_switches {
	enum sshsk_att	 att;		/* KAGI_SSHSK_ATT */
	enum sshsk_uv	 uv;		/* KAGI_SSHSK_UV */
	int		 no_up;		/* KAGI_SSHSK_UP=never */
	int		 wrong_app;	/* KAGI_SSHSK_APP=wrong */
	uint8_t		 aaguid[SSHSK_AAGUID_LEN];	/* KAGI_SSHSK_AAGUID */
	const char	*state;		/* KAGI_SSHSK_STATE, or NULL */
};

/* The switches from the environment; -1 on a value it does not know
 * (so a mistyped switch fails the call instead of testing nothing). */
int sshsk_switches_read(struct sshsk_switches *sw);

/* The response flags an operation reports for the request's flags. */
uint8_t sshsk_flags_done(const struct sshsk_switches *sw, uint8_t asked);

/* The application hash the key puts in what it signs: SHA-256 of the
 * application, or of "wrong." application under KAGI_SSHSK_APP=wrong. */
int sshsk_app_hash(const struct sshsk_switches *sw, const char *application,
    uint8_t out[32]);

/* The signature counter: from the state file (advanced by one and
 * written back when advance is set), else seconds since 2020. */
int sshsk_counter(const char *state, int advance, uint32_t *counter);

/* --- sshsk_crypto.c ------------------------------------------------------ */

EVP_PKEY *sshsk_key_new(uint32_t alg);
/* The key handle: "KSK1" | alg | SHA-256(application) | private key DER.
 * open checks the magic, the algorithm and the application. */
int sshsk_handle_make(uint32_t alg, const char *application, EVP_PKEY *key,
    uint8_t **handle, size_t *len);
int sshsk_handle_open(uint32_t alg, const char *application,
    const uint8_t *handle, size_t len, EVP_PKEY **key);
/* The public key as ssh wants it: 32 bytes, or 65 (0x04 | x | y). */
int sshsk_pubkey(uint32_t alg, EVP_PKEY *key, uint8_t out[65], size_t *len);
/* Authenticator data with attested credential data (the handle is the
 * credential ID), and credProtect when cred_prot is not 0.  *raw is the
 * bare bytes, *cbor the same as one CBOR byte string. */
int sshsk_authdata(uint32_t alg, EVP_PKEY *key, const uint8_t apphash[32],
    uint8_t flags, uint32_t counter, const uint8_t aaguid[SSHSK_AAGUID_LEN],
    const uint8_t *handle, size_t handle_len, int cred_prot, uint8_t **raw,
    size_t *raw_len, uint8_t **cbor, size_t *cbor_len);
/* Sign a || b: ES256 (DER ECDSA over SHA-256) for an EC key, Ed25519
 * over the bytes themselves otherwise. */
int sshsk_sign_bytes(EVP_PKEY *key, const uint8_t *a, size_t a_len,
    const uint8_t *b, size_t b_len, uint8_t **sig, size_t *sig_len);
/* A DER ECDSA signature as ssh wants it: r and s, unsigned big-endian. */
int sshsk_ecdsa_split(const uint8_t *der, size_t der_len, uint8_t **r,
    size_t *r_len, uint8_t **s, size_t *s_len);
/* A fresh P-256 attestation key and its self-signed certificate (DER). */
int sshsk_att_cert(EVP_PKEY **att_key, uint8_t **der, size_t *der_len);

/* --- sshsk.c ------------------------------------------------------------- */

void sshsk_enroll_response_free(struct sk_enroll_response *r);
void sshsk_sign_response_free(struct sk_sign_response *r);

/* --- sshsk_pack.c (unit tests: what ssh-keygen writes) ------------------- */

/* The public key blob: type, [curve,] key, application (PROTOCOL.u2f). */
int sshsk_pack_pubkey(uint32_t alg, const char *application,
    const struct sk_enroll_response *r, uint8_t **blob, size_t *len);
/* "type base64 comment" (comment may be NULL), NUL-terminated. */
int sshsk_pack_line(uint32_t alg, const uint8_t *blob, size_t len,
    const char *comment, char **line);
/* The ssh-sk-attest-v01 blob of an enrolment. */
int sshsk_pack_attest(const struct sk_enroll_response *r, uint8_t **blob,
    size_t *len);

#endif
