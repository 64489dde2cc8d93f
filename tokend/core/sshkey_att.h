/*
 * sshkey_att.h - verifying the attestation of an OpenSSH security key at
 * enrolment (R-MFA-3, R-REM-2, R-PRIV-2, R-TOK-1): the
 * ssh-sk-attest-v01 blob that `ssh-keygen -O write-attestation=FILE`
 * writes, checked with libfido2 against the key's public key line and
 * the single-use challenge kagid issued (given to ssh-keygen with
 * `-O challenge=FILE`).
 *
 * What a successful sshkey_att_verify() guarantees:
 *  - the blob is exactly ssh-sk-attest-v01: certificate, signature,
 *    authenticator data, reserved flags 0, reserved string empty,
 *    nothing after (read through lib/rbuf.h with per-field maxima);
 *  - the key's application is the expected one, and the authenticator
 *    data is for it (rpIdHash = SHA-256(application));
 *  - user presence and user verification were flagged, and the
 *    credential carries credProtect "user verification required" (what
 *    ssh-keygen -O verify-required asks of the key);
 *  - the attested credential public key is the SSH key, byte for byte;
 *  - full and self attestations sign authData || SHA-256(challenge):
 *    the attestation was made for THIS challenge (libfido2
 *    fido_cred_verify / fido_cred_verify_self, format "packed");
 *  - the attestation policy (fido2_att_policy_check, shared with FIDO2
 *    registration) accepts the kind and the AAGUID.
 * "none" (empty certificate and signature) proves nothing, not even the
 * challenge: only ATTEST_ANY takes it, and it is reported as such.
 * Pure: no state, no clock, no logging; the caller that decides logs.
 */
#ifndef KAGI_SSHKEY_ATT_H
#define KAGI_SSHKEY_ATT_H

#include <stddef.h>
#include <stdint.h>

#include "challenge.h"
#include "fido2.h"
#include "sshkey.h"

#define SSHKEY_ATT_MAGIC	"ssh-sk-attest-v01"
/* magic, x5c, sig, authenticator data and the reserved fields */
#define SSHKEY_ATT_MAX		(64 + FIDO2_X5C_MAX + FIDO2_SIG_MAX + \
				FIDO2_AUTHDATA_MAX)
/* The application kagi expects by default (ssh-keygen's). */
#define SSHKEY_APP_DEFAULT	"ssh:"

/* The parts of a blob; pointers into the caller's bytes (length 0:
 * the field is empty). */
struct sshkey_att_parts {
	const uint8_t	*x5c;
	size_t		 x5c_len;
	const uint8_t	*sig;
	size_t		 sig_len;
	const uint8_t	*authdata;	/* a CBOR byte string */
	size_t		 authdata_len;
};

/* What a verified enrolment proved. */
struct sshkey_att_result {
	int		kind;		/* enum fido2_att_kind */
	uint8_t		aaguid[FIDO2_AAGUID_LEN];
	uint8_t		flags;		/* authenticator data flags */
	uint32_t	counter;	/* signature counter at enrolment */
	int		cred_prot;	/* 3: user verification required */
	char		fingerprint[SSHKEY_FP_LEN];
};

/* Split a blob; KAGI_ERR_INVALID (or _TRUNCATED, _TOO_LARGE) unless it
 * is exactly ssh-sk-attest-v01 with non-empty authenticator data. */
int sshkey_att_parse(const uint8_t *blob, size_t len,
    struct sshkey_att_parts *parts);

/*
 * Verify the attestation att of key for application and chal under pol.
 * On success *out is filled and *why is NULL.  On refusal *why names the
 * reason for the administrator and the code says its class:
 *   KAGI_ERR_INVALID (or _TRUNCATED, _TOO_LARGE)  "malformed"
 *   KAGI_ERR_DENIED   "application", "user_verification",
 *                     "verify_required", "attestation_missing",
 *                     "attestation_untrusted", "aaguid_not_allowed"
 *   KAGI_ERR_CRYPTO   "relying_party", "presence", "public_key",
 *                     "signature"
 *   KAGI_ERR_CONFIG   "attestation_untrusted" (roots unreadable)
 */
int sshkey_att_verify(const struct sshkey_sk *key, const uint8_t *att,
    size_t att_len, const char *application, const uint8_t chal[CHAL_LEN],
    const struct fido2_att_policy *pol, struct sshkey_att_result *out,
    const char **why);

#endif
