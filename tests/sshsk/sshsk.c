/*
 * sshsk.c - kagi's software security key: a SecurityKeyProvider library
 * for OpenSSH 9.2p1 (API 0x000a0000), exporting sk_api_version,
 * sk_enroll, sk_sign and sk_load_resident_keys and nothing else.
 *
 * What it does, like a FIDO2 key behind OpenSSH's own middleware:
 *  - sk_enroll makes an Ed25519 or P-256 key, returns its public key, a
 *    key handle that carries it, FIDO2 authenticator data (the handle as
 *    credential ID, the AAGUID, credProtect "UV required" when ssh asks
 *    for verify-required) and a "packed" attestation over authData ||
 *    SHA-256(challenge): full (a self-made certificate, x5c), self (the
 *    credential key signs) or none;
 *  - sk_sign signs SHA-256(application) | flags | counter | SHA-256(data)
 *    (Ed25519 over those bytes; ECDSA over their SHA-256, r and s apart),
 *    with a counter that increases by one at every signature when a
 *    state file is named;
 *  - resident keys are not supported.
 * Switches (environment, read at every call; README): KAGI_SSHSK_ATT,
 * KAGI_SSHSK_UV, KAGI_SSHSK_UP, KAGI_SSHSK_APP, KAGI_SSHSK_AAGUID,
 * KAGI_SSHSK_STATE.  Any failure returns an error and hands nothing out.
 * Test code: it lets tests/integration/sshsk.sh run ssh-keygen, ssh and
 * sshd's verify-required check (R-MFA-3, R-REM-2) without hardware.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "sshsk.h"

#if SSHSK_API_VERSION != 0x000a0000U
#error "the software security key speaks OpenSSH 9.2p1's API 0x000a0000"
#endif

/* --- switches ------------------------------------------------------------ */

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

int
sshsk_switches_read(struct sshsk_switches *sw)
{
	const char *v;
	size_t i;
	int hi, lo;

	memset(sw, 0, sizeof(*sw));
	memcpy(sw->aaguid, SSHSK_AAGUID_DEFAULT, SSHSK_AAGUID_LEN);
	if ((v = getenv("KAGI_SSHSK_ATT")) == NULL || strcmp(v, "full") == 0)
		sw->att = SSHSK_ATT_FULL;
	else if (strcmp(v, "self") == 0)
		sw->att = SSHSK_ATT_SELF;
	else if (strcmp(v, "none") == 0)
		sw->att = SSHSK_ATT_NONE;
	else
		return -1;
	if ((v = getenv("KAGI_SSHSK_UV")) == NULL || strcmp(v, "asked") == 0)
		sw->uv = SSHSK_UV_ASKED;
	else if (strcmp(v, "always") == 0)
		sw->uv = SSHSK_UV_ALWAYS;
	else if (strcmp(v, "never") == 0)
		sw->uv = SSHSK_UV_NEVER;
	else
		return -1;
	if ((v = getenv("KAGI_SSHSK_UP")) != NULL) {
		if (strcmp(v, "never") == 0)
			sw->no_up = 1;
		else if (strcmp(v, "always") != 0)
			return -1;
	}
	if ((v = getenv("KAGI_SSHSK_APP")) != NULL) {
		if (strcmp(v, "wrong") == 0)
			sw->wrong_app = 1;
		else if (strcmp(v, "right") != 0)
			return -1;
	}
	if ((v = getenv("KAGI_SSHSK_AAGUID")) != NULL) {
		if (strlen(v) != 2 * SSHSK_AAGUID_LEN)
			return -1;
		for (i = 0; i < SSHSK_AAGUID_LEN; i++) {
			if ((hi = hexval(v[2 * i])) < 0 ||
			    (lo = hexval(v[2 * i + 1])) < 0)
				return -1;
			sw->aaguid[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	if ((v = getenv("KAGI_SSHSK_STATE")) != NULL && v[0] != '\0') {
		if (v[0] != '/')
			return -1;
		sw->state = v;
	}
	return 0;
}

uint8_t
sshsk_flags_done(const struct sshsk_switches *sw, uint8_t asked)
{
	uint8_t f = sw->no_up ? 0 : SSHSK_AD_UP;

	if (sw->uv == SSHSK_UV_ALWAYS ||
	    (sw->uv == SSHSK_UV_ASKED && (asked & SSHSK_FLAG_UV) != 0))
		f |= SSHSK_AD_UV;
	return f;
}

int
sshsk_app_hash(const struct sshsk_switches *sw, const char *application,
    uint8_t out[32])
{
	EVP_MD_CTX *ctx;
	unsigned int n = 0;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    (!sw->wrong_app || EVP_DigestUpdate(ctx, "wrong.", 6) == 1) &&
	    EVP_DigestUpdate(ctx, application, strlen(application)) == 1 &&
	    EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 32;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* --- the counter --------------------------------------------------------- */

/* The state file holds "counter N\n"; a missing or empty file is 0. */
int
sshsk_counter(const char *state, int advance, uint32_t *counter)
{
	char buf[64], *end;
	unsigned long v = 0;
	ssize_t n;
	int fd, r = -1, len;

	if (state == NULL) {
		/* No state: a clock counter, as some keys keep. */
		*counter = (uint32_t)(time(NULL) - 1577836800);
		return 0;
	}
	if ((fd = open(state, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	if (flock(fd, LOCK_EX) != 0 ||
	    (n = read(fd, buf, sizeof(buf) - 1)) < 0)
		goto out;
	buf[n] = '\0';
	if (n > 0) {
		if (strncmp(buf, "counter ", 8) != 0)
			goto out;
		errno = 0;
		v = strtoul(buf + 8, &end, 10);
		if (errno != 0 || end == buf + 8 || strcmp(end, "\n") != 0 ||
		    v >= 0xffffffffUL)
			goto out;
	}
	if (advance) {
		v++;
		len = snprintf(buf, sizeof(buf), "counter %lu\n", v);
		if (len <= 0 || (size_t)len >= sizeof(buf) ||
		    ftruncate(fd, 0) != 0 ||
		    pwrite(fd, buf, (size_t)len, 0) != (ssize_t)len)
			goto out;
	}
	*counter = (uint32_t)v;
	r = 0;
 out:
	close(fd);
	return r;
}

/* --- responses ----------------------------------------------------------- */

void
sshsk_enroll_response_free(struct sk_enroll_response *r)
{
	if (r == NULL)
		return;
	OPENSSL_clear_free(r->key_handle, r->key_handle_len);
	free(r->public_key);
	free(r->signature);
	free(r->attestation_cert);
	free(r->authdata);
	free(r);
}

void
sshsk_sign_response_free(struct sk_sign_response *r)
{
	if (r == NULL)
		return;
	free(r->sig_r);
	free(r->sig_s);
	free(r);
}

/* Options ssh may pass ("device", "user") are ignored; an unknown one
 * that is required is an error. */
static int
options_ok(struct sk_option **options)
{
	size_t i;

	for (i = 0; options != NULL && options[i] != NULL; i++)
		if (options[i]->required &&
		    strcmp(options[i]->name, "device") != 0 &&
		    strcmp(options[i]->name, "user") != 0)
			return 0;
	return 1;
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d;

	if ((d = malloc(n > 0 ? n : 1)) != NULL && n > 0)
		memcpy(d, p, n);
	return d;
}

/* --- the API ------------------------------------------------------------- */

SSHSK_EXPORT uint32_t
sk_api_version(void)
{
	return SSHSK_API_VERSION;
}

/* The attestation statement: sig over authData || clientDataHash, by the
 * attestation key (full, with its certificate) or the credential key. */
static int
attest(const struct sshsk_switches *sw, EVP_PKEY *key, const uint8_t *raw,
    size_t raw_len, const uint8_t cdh[32], struct sk_enroll_response *resp)
{
	EVP_PKEY *att = NULL;
	int r = -1;

	if (sw->att == SSHSK_ATT_NONE) {
		/* ssh writes empty strings for both. */
		return (resp->signature = dup_bytes(NULL, 0)) != NULL ? 0 : -1;
	}
	if (sw->att == SSHSK_ATT_FULL &&
	    sshsk_att_cert(&att, &resp->attestation_cert,
	    &resp->attestation_cert_len) != 0)
		goto out;
	if (sshsk_sign_bytes(att != NULL ? att : key, raw, raw_len, cdh, 32,
	    &resp->signature, &resp->signature_len) != 0)
		goto out;
	r = 0;
 out:
	EVP_PKEY_free(att);
	return r;
}

SSHSK_EXPORT int
sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
    const char *application, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_enroll_response **enroll_response)
{
	struct sshsk_switches sw;
	struct sk_enroll_response *resp = NULL;
	EVP_PKEY *key = NULL;
	uint8_t apphash[32], cdh[32], pk[65], *raw = NULL;
	size_t pk_len = 0, raw_len = 0;
	uint32_t counter = 0;
	unsigned int n = 0;
	int r = SSHSK_ERR_GENERAL;

	(void)pin;
	if (enroll_response == NULL)
		return SSHSK_ERR_GENERAL;
	*enroll_response = NULL;
	if (alg != SSHSK_ALG_ED25519 && alg != SSHSK_ALG_ECDSA)
		return SSHSK_ERR_UNSUPPORTED;
	if ((flags & SSHSK_FLAG_RESIDENT) != 0)
		return SSHSK_ERR_UNSUPPORTED;
	if (application == NULL || application[0] == '\0' ||
	    challenge == NULL || challenge_len == 0 || !options_ok(options) ||
	    sshsk_switches_read(&sw) != 0)
		return SSHSK_ERR_GENERAL;
	if ((resp = calloc(1, sizeof(*resp))) == NULL ||
	    (key = sshsk_key_new(alg)) == NULL ||
	    sshsk_handle_make(alg, application, key, &resp->key_handle,
	    &resp->key_handle_len) != 0 ||
	    sshsk_pubkey(alg, key, pk, &pk_len) != 0 ||
	    (resp->public_key = dup_bytes(pk, pk_len)) == NULL ||
	    sshsk_app_hash(&sw, application, apphash) != 0 ||
	    sshsk_counter(sw.state, 0, &counter) != 0 ||
	    EVP_Digest(challenge, challenge_len, cdh, &n, EVP_sha256(),
	    NULL) != 1 || n != 32)
		goto out;
	resp->public_key_len = pk_len;
	if (sshsk_authdata(alg, key, apphash, sshsk_flags_done(&sw, flags),
	    counter, sw.aaguid, resp->key_handle, resp->key_handle_len,
	    (flags & SSHSK_FLAG_UV) != 0 ? SSHSK_CRED_PROT_UV : 0, &raw,
	    &raw_len, &resp->authdata, &resp->authdata_len) != 0 ||
	    attest(&sw, key, raw, raw_len, cdh, resp) != 0)
		goto out;
	/* As OpenSSH's own middleware: the flags asked for. */
	resp->flags = flags;
	*enroll_response = resp;
	resp = NULL;
	r = 0;
 out:
	free(raw);
	EVP_PKEY_free(key);
	sshsk_enroll_response_free(resp);
	return r;
}

SSHSK_EXPORT int
sk_sign(uint32_t alg, const uint8_t *data, size_t data_len,
    const char *application, const uint8_t *key_handle,
    size_t key_handle_len, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_sign_response **sign_response)
{
	struct sshsk_switches sw;
	struct sk_sign_response *resp = NULL;
	EVP_PKEY *key = NULL;
	uint8_t head[32 + 1 + 4], msg[32], *sig = NULL;
	size_t sig_len = 0;
	unsigned int n = 0;
	int r = SSHSK_ERR_GENERAL;

	(void)pin;
	if (sign_response == NULL)
		return SSHSK_ERR_GENERAL;
	*sign_response = NULL;
	if (alg != SSHSK_ALG_ED25519 && alg != SSHSK_ALG_ECDSA)
		return SSHSK_ERR_UNSUPPORTED;
	if (application == NULL || data == NULL || !options_ok(options) ||
	    sshsk_switches_read(&sw) != 0)
		return SSHSK_ERR_GENERAL;
	/* A handle made for another application or algorithm: no such
	 * credential on this key. */
	if (sshsk_handle_open(alg, application, key_handle, key_handle_len,
	    &key) != 0)
		return SSHSK_ERR_NO_DEVICE;
	if ((resp = calloc(1, sizeof(*resp))) == NULL ||
	    sshsk_app_hash(&sw, application, head) != 0 ||
	    sshsk_counter(sw.state, 1, &resp->counter) != 0 ||
	    EVP_Digest(data, data_len, msg, &n, EVP_sha256(), NULL) != 1 ||
	    n != 32)
		goto out;
	resp->flags = sshsk_flags_done(&sw, flags);
	head[32] = resp->flags;
	head[33] = (uint8_t)(resp->counter >> 24);
	head[34] = (uint8_t)(resp->counter >> 16);
	head[35] = (uint8_t)(resp->counter >> 8);
	head[36] = (uint8_t)resp->counter;
	if (sshsk_sign_bytes(key, head, sizeof(head), msg, sizeof(msg), &sig,
	    &sig_len) != 0)
		goto out;
	if (alg == SSHSK_ALG_ED25519) {
		if (sig_len != 64)
			goto out;
		resp->sig_r = sig;
		resp->sig_r_len = sig_len;
		sig = NULL;
	} else if (sshsk_ecdsa_split(sig, sig_len, &resp->sig_r,
	    &resp->sig_r_len, &resp->sig_s, &resp->sig_s_len) != 0)
		goto out;
	*sign_response = resp;
	resp = NULL;
	r = 0;
 out:
	free(sig);
	EVP_PKEY_free(key);
	sshsk_sign_response_free(resp);
	return r;
}

SSHSK_EXPORT int
sk_load_resident_keys(const char *pin, struct sk_option **options,
    struct sk_resident_key ***rks, size_t *nrks)
{
	(void)pin;
	(void)options;
	if (rks != NULL)
		*rks = NULL;
	if (nrks != NULL)
		*nrks = 0;
	return SSHSK_ERR_UNSUPPORTED;
}
