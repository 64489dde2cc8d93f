/*
 * fido2.h - kagid's FIDO2 verification rules, without state: assertions
 * and registrations checked with libfido2, the signature-counter rule,
 * the factors a log-in proved, the attestation policy.
 *
 * Every check fails closed.  fido2_verify_assertion() always demands user
 * presence and, when asked, user verification (fido_assert_set_up/uv set
 * explicitly to FIDO_OPT_TRUE); the client data hash is SHA-256 of the
 * challenge kagid issued; the relying-party ID is kagid's.  Authenticator
 * data is taken as libfido2 hands it to clients (a CBOR byte string).
 */
#ifndef KAGI_FIDO2_H
#define KAGI_FIDO2_H

#include <stddef.h>
#include <stdint.h>

#include "challenge.h"
#include "store.h"

#define FIDO2_AUTHDATA_MAX 4096
#define FIDO2_SIG_MAX 1024
#define FIDO2_X5C_MAX 8192
#define FIDO2_PK_MAX 512

/* COSE algorithms kagi accepts. */
#define FIDO2_ES256 (-7)
#define FIDO2_EDDSA (-8)
#define FIDO2_RS256 (-257)

/* authenticator data flags */
#define FIDO2_FLAG_UP 0x01
#define FIDO2_FLAG_UV 0x04

enum fido2_factor {
	FACTOR_POSSESSION = 1 << 0,
	FACTOR_KNOWLEDGE = 1 << 1,
	FACTOR_INHERENCE = 1 << 2
};

enum fido2_uv_policy { UVPOLICY_REQUIRED = 0, UVPOLICY_PREFERRED = 1,
	UVPOLICY_DISCOURAGED = 2 };
/* Their names, in order, NULL-terminated: fido2_uv and the clients. */
extern const char *const fido2_uv_policy_names[];

/* The factor's name in requests, replies and records. */
#define FIDO2_METHOD "fido2"
/*
 * Attestation policies: any kind; a full attestation (an attestation
 * certificate, whoever signed it); a full attestation whose certificate
 * chains to the configured roots; "trusted": a full attestation whose
 * certificate chains to the configured roots or whose AAGUID is on the
 * allow-list (the privileged role's default, R-PRIV-2).
 */
enum fido2_att_mode { ATTEST_ANY = 0, ATTEST_ROOTS = 1, ATTEST_FULL = 2,
	ATTEST_TRUSTED = 3 };
/* What a verified attestation proved: nothing ("none"), that the
 * credential key signed it ("self"), or an attestation certificate
 * (x5c) signed it ("full"). */
enum fido2_att_kind { FIDO2_ATT_NONE = 0, FIDO2_ATT_SELF = 1,
	FIDO2_ATT_FULL = 2 };
/* "none" / "self" / "full"; "unknown" for anything else. */
const char *fido2_att_kind_name(int kind);

/* "es256" / "eddsa" / "rs256" <-> COSE; unknown: 0 / NULL. */
int fido2_alg_from_name(const char *name);
const char *fido2_alg_name(int alg);
/* "none" / "pin" / "builtin" <-> enum fido2_uv_kind; unknown: -1. */
int fido2_uv_from_name(const char *name);
const char *fido2_uv_name(int uv);

/* A public key as fido_cred_pubkey_ptr() gives it, checked for alg. */
int fido2_pk_check(int alg, const uint8_t *pk, size_t len);

/*
 * Verify one assertion against the stored key.  *flags and *counter get
 * the authenticator's flags and signature counter on success.  A bad
 * signature, wrong relying party, missing UP or (when require_uv) UV is
 * KAGI_ERR_CRYPTO; malformed input KAGI_ERR_INVALID.
 */
int fido2_verify_assertion(int alg, const uint8_t *pk, size_t pklen,
    const char *rp_id, const uint8_t chal[CHAL_LEN], int require_uv,
    const uint8_t *authdata, size_t adlen, const uint8_t *sig,
    size_t siglen, uint8_t *flags, uint32_t *counter);

/*
 * Authenticator data as clients send it (a CBOR byte string) checked
 * before libfido2 parses it (fido2_cbor.c): one definite byte string
 * spanning all of it, at least the fixed 37 bytes, then only complete
 * CBOR items whose declared lengths and counts fit in what remains.
 * Both verifiers call it; else KAGI_ERR_INVALID.
 */
int fido2_authdata_check(const uint8_t *authdata, size_t adlen);

/*
 * Whether such authenticator data is for rp_id: its first 32 bytes are
 * SHA-256(rp_id).  Only says why an assertion that failed verification
 * failed; it proves nothing by itself.  Malformed data is 0.
 */
int fido2_authdata_rp_ok(const char *rp_id, const uint8_t *authdata,
    size_t adlen);

/*
 * The counter rule (R-INC-1): when the stored or the received counter is
 * non-zero, the received one must be greater; else KAGI_ERR_REPLAY
 * (a cloned key).
 */
int fido2_counter_check(int64_t stored, uint32_t received);

/*
 * What a verified assertion proved: possession always; knowledge when
 * the key set UV after a PIN; inherence when it set UV by its built-in
 * sensor and the credential was enrolled as such.  Anything else the
 * client claims is not counted.
 */
unsigned fido2_factors(uint8_t flags, int uv_method, int stored_uv);

struct fido2_att_policy {
	int mode;			/* enum fido2_att_mode */
	const char *roots;		/* PEM file of roots (roots, trusted) */
	const char *aaguids;		/* comma list, or NULL/"" = any */
};

/* A registration as the enrolling client sends it. */
struct fido2_reg_in {
	int alg;
	const char *fmt;		/* "packed", "fido-u2f", "none" */
	const uint8_t *authdata;	/* CBOR, from fido_cred_authdata_ptr */
	size_t authdata_len;
	const uint8_t *x5c;		/* NULL when absent */
	size_t x5c_len;
	const uint8_t *sig;		/* NULL when absent */
	size_t sig_len;
};

struct fido2_reg_out {
	uint8_t cred_id[FIDO2_CRED_ID_MAX];
	size_t cred_id_len;
	uint8_t pk[FIDO2_PK_MAX];
	size_t pk_len;
	uint8_t aaguid[FIDO2_AAGUID_LEN];
	uint32_t counter;
	uint8_t flags;
};

/*
 * Verify a registration for rp_id and the challenge, then the policy.
 * On failure *why names the reason for the administrator ("signature",
 * "attestation_missing", "attestation_untrusted", "aaguid_not_allowed",
 * "malformed", "relying_party", "presence").
 */
int fido2_verify_registration(const struct fido2_reg_in *in,
    const char *rp_id, const uint8_t chal[CHAL_LEN],
    const struct fido2_att_policy *pol, struct fido2_reg_out *out,
    const char **why);

/*
 * The attestation policy, on an attestation whose signature has already
 * been verified and proved kind: ATTEST_ANY takes every kind,
 * ATTEST_FULL only full, ATTEST_ROOTS only full with x5c chaining to
 * pol->roots; then the AAGUID allow-list.  ATTEST_TRUSTED takes only
 * full, with x5c chaining to pol->roots or an AAGUID on a non-empty
 * pol->aaguids (an empty list lists nothing there; missing or empty
 * roots trust nothing).  Refusals are KAGI_ERR_DENIED with *why
 * "attestation_missing", "attestation_untrusted" or
 * "aaguid_not_allowed"; roots that cannot be read are KAGI_ERR_CONFIG
 * ("attestation_untrusted") in mode roots.  Shared by FIDO2
 * registration and OpenSSH security keys (sshkey_att.c).
 */
int fido2_att_policy_check(const struct fido2_att_policy *pol, int kind,
    const uint8_t *x5c, size_t x5c_len,
    const uint8_t aaguid[FIDO2_AAGUID_LEN], const char **why);

/*
 * The credProtect level such authenticator data reports in its
 * extensions (1..3), or 0 when it has none.  The data must be well
 * formed throughout (fido2_authdata_check), carry attested credential
 * data, and nothing may follow the extensions; an extension other than
 * credProtect, or a credProtect that is not 1..3, is KAGI_ERR_INVALID.
 */
int fido2_authdata_cred_prot(const uint8_t *authdata, size_t adlen,
    int *prot);

/*
 * How many certificates the roots file at path holds (*n); 0 for a file
 * that holds none; KAGI_ERR_NOT_FOUND when there is no such file (kagid
 * -t warns of both).
 */
int fido2_roots_count(const char *path, int *n);

/* An AAGUID allow-list: comma-separated UUIDs (8-4-4-4-12 hex). */
int fido2_aaguid_list_valid(const char *list);
int fido2_aaguid_allowed(const char *list,
    const uint8_t aaguid[FIDO2_AAGUID_LEN]);
/* "xxxxxxxx-xxxx-..." into out (37 bytes). */
void fido2_aaguid_format(const uint8_t aaguid[FIDO2_AAGUID_LEN],
    char out[37]);

#endif
