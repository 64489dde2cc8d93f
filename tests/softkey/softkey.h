/*
 * softkey.h - a software FIDO2 authenticator for kagi's tests.
 *
 * The key speaks CTAPHID framing and CTAP 2.0 (getInfo, makeCredential
 * with "packed" attestation, getAssertion, clientPIN protocol 1) behind
 * the four functions of libfido2's custom I/O (fido_dev_io_t), so an
 * unmodified libfido2 talks to it as to a USB key.  Its persistent state
 * (PIN, retries, credentials and their counters, the attestation key and
 * certificate) lives in one file, named by KAGI_SOFTKEY_STATE when the
 * I/O is opened, rewritten atomically after every change.  What is
 * volatile on a real key (PIN token, key-agreement key, consecutive
 * wrong PINs) lasts one open handle: each fido_dev_open() is a new
 * plug-in.  The switches (environment variables) are listed in softkey.c.
 *
 * Everything here is test code: it is never linked into the module, the
 * daemon or the tool.
 */
#ifndef KAGI_SOFTKEY_H
#define KAGI_SOFTKEY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

/* The CTAPHID side: fido_dev_io_t functions.  open() takes the device
 * path ("soft:0"), reads KAGI_SOFTKEY_STATE and returns NULL when it is
 * not set or the state cannot be read or made. */
void *softkey_io_open(const char *path);
void softkey_io_close(void *handle);
int softkey_io_read(void *handle, unsigned char *buf, size_t len, int ms);
int softkey_io_write(void *handle, const unsigned char *buf, size_t len);

/* The persistent state (softkey_state.c). */
enum softkey_uv {
	SOFTKEY_UV_PIN,		/* clientPin: user verified by PIN */
	SOFTKEY_UV_BUILTIN,	/* uv: the key verifies the user itself */
	SOFTKEY_UV_NONE,	/* presence only */
};

#define SOFTKEY_PIN_HASH_LEN	16
#define SOFTKEY_CRED_ID_MAX	64
#define SOFTKEY_MAX_CREDS	64
#define SOFTKEY_DEFAULT_RETRIES	8

struct softkey_cred {
	unsigned char	 id[SOFTKEY_CRED_ID_MAX];
	size_t		 id_len;
	unsigned char	 rp_hash[32];
	uint32_t	 counter;
	EVP_PKEY	*key;		/* ES256 private key */
};

struct softkey_state {
	enum softkey_uv		 uv;
	int			 pin_set;
	unsigned char		 pin_hash[SOFTKEY_PIN_HASH_LEN];
	unsigned		 retries;
	unsigned		 max_retries;
	unsigned char		 aaguid[16];
	EVP_PKEY		*att_key;	/* attestation key (P-256) */
	unsigned char		*att_cert;	/* self-signed X.509, DER */
	size_t			 att_cert_len;
	struct softkey_cred	 creds[SOFTKEY_MAX_CREDS];
	size_t			 ncreds;
};

/* A fresh state: new attestation key and certificate, no credentials.
 * pin may be NULL (no PIN set); retries 1..255. 0 or -1. */
int softkey_state_new(struct softkey_state **out, enum softkey_uv uv,
    const char *pin, const unsigned char aaguid[16], unsigned retries);
/* Read / write the state file (write: temporary file, fsync, rename). */
int softkey_state_load(const char *path, struct softkey_state **out);
int softkey_state_save(const char *path, const struct softkey_state *st);
void softkey_state_free(struct softkey_state **st);
/* Hold an exclusive lock on PATH.lock while reading, changing and
 * writing the state; returns a descriptor for softkey_state_unlock. */
int softkey_state_lock(const char *path);
void softkey_state_unlock(int fd);
/* "pin", "builtin", "none" */
int softkey_uv_parse(const char *s, enum softkey_uv *uv);
const char *softkey_uv_name(enum softkey_uv uv);
/* LEFT(SHA-256(pin), 16), as clientPIN protocol 1 compares it. */
int softkey_pin_hash(const char *pin, size_t len,
    unsigned char out[SOFTKEY_PIN_HASH_LEN]);

/* Crypto helpers (softkey_state.c). */
EVP_PKEY *softkey_p256_new(void);
/* The public point as x and y (32 bytes each). 0 or -1. */
int softkey_p256_xy(EVP_PKEY *key, unsigned char x[32], unsigned char y[32]);
EVP_PKEY *softkey_p256_from_xy(const unsigned char x[32],
    const unsigned char y[32]);
/* DER ECDSA over SHA-256(a || b); *sig_len in: room, out: length. */
int softkey_es256_sign(EVP_PKEY *key, const unsigned char *a, size_t a_len,
    const unsigned char *b, size_t b_len, unsigned char *sig,
    size_t *sig_len);

#endif
