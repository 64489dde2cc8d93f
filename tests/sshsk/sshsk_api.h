/*
 * sshsk_api.h - the security-key middleware interface of OpenSSH 9.2p1
 * (Debian 12), as ssh, ssh-keygen and ssh-sk-helper load it from a
 * SecurityKeyProvider library: the four functions, their structures and
 * numbers.  Written for kagi's software security key (tests/sshsk/) from
 * the interface's description; the layouts are the ABI OpenSSH expects,
 * member for member, and must not be reordered.
 *
 * Guarantee: SSHSK_API_VERSION is the major version 9.2p1 checks
 * ((version & 0xffff0000) must equal it); a provider reporting another
 * one is refused by that OpenSSH.  Test code only.
 */
#ifndef KAGI_SSHSK_API_H
#define KAGI_SSHSK_API_H

#include <stddef.h>
#include <stdint.h>

/* The API major version of OpenSSH 8.9 to 9.3 (0x000a0000). */
#define SSHSK_API_VERSION	0x000a0000U

/* Flags, in requests (what ssh asks for) and answers (what was done). */
#define SSHSK_FLAG_UP		0x01	/* user presence (touch) */
#define SSHSK_FLAG_UV		0x04	/* user verification (PIN, biometric) */
#define SSHSK_FLAG_FORCE	0x10	/* overwrite a resident key */
#define SSHSK_FLAG_RESIDENT	0x20	/* a discoverable credential */

/* Algorithms. */
#define SSHSK_ALG_ECDSA		0x00	/* ecdsa-sk, NIST P-256 */
#define SSHSK_ALG_ED25519	0x01	/* ed25519-sk */

/* Errors ssh understands (anything else negative is "general"). */
#define SSHSK_ERR_GENERAL	(-1)
#define SSHSK_ERR_UNSUPPORTED	(-2)
#define SSHSK_ERR_PIN_REQUIRED	(-3)
#define SSHSK_ERR_NO_DEVICE	(-4)
#define SSHSK_ERR_CRED_EXISTS	(-5)

/*
 * What sk_enroll hands back; ssh frees every pointer with free().
 * public_key: Ed25519, the 32-byte point; ECDSA, the uncompressed point
 * (0x04 | x | y).  authdata: the authenticator data as a CBOR byte
 * string.  signature and attestation_cert: the attestation statement's
 * sig and x5c (either may be empty).
 */
struct sk_enroll_response {
	uint8_t		 flags;
	uint8_t		*public_key;
	size_t		 public_key_len;
	uint8_t		*key_handle;
	size_t		 key_handle_len;
	uint8_t		*signature;
	size_t		 signature_len;
	uint8_t		*attestation_cert;
	size_t		 attestation_cert_len;
	uint8_t		*authdata;
	size_t		 authdata_len;
};

/* What sk_sign hands back: Ed25519, the 64-byte signature in sig_r;
 * ECDSA, r and s as unsigned big-endian integers. */
struct sk_sign_response {
	uint8_t		 flags;
	uint32_t	 counter;
	uint8_t		*sig_r;
	size_t		 sig_r_len;
	uint8_t		*sig_s;
	size_t		 sig_s_len;
};

struct sk_resident_key {
	uint32_t			 alg;
	size_t				 slot;
	char				*application;
	struct sk_enroll_response	 key;
	uint8_t				 flags;
	uint8_t				*user_id;
	size_t				 user_id_len;
};

/* Options ("device", "user"); an unknown one with required set must
 * make the call fail. NULL-terminated arrays. */
struct sk_option {
	char		*name;
	char		*value;
	uint8_t		 required;
};

uint32_t sk_api_version(void);
int sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
    const char *application, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_enroll_response **enroll_response);
int sk_sign(uint32_t alg, const uint8_t *data, size_t data_len,
    const char *application, const uint8_t *key_handle,
    size_t key_handle_len, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_sign_response **sign_response);
int sk_load_resident_keys(const char *pin, struct sk_option **options,
    struct sk_resident_key ***rks, size_t *nrks);

#endif
