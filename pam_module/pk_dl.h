/*
 * pk_dl.h - libraries pam_kagi loads only on the path that needs them.
 *
 * pam_kagi.so is loaded and unloaded by every log-in of every PAM
 * application; linking libfido2 and libcrypto made each TOTP log-in map
 * five more shared objects and left libcrypto (which cannot be unloaded)
 * in the host for good: +1.9 MB and about 450 us per log-in.  So the
 * module links neither: libfido2 is opened when auth_begin asks for a
 * security key (pk_fido2.c), libcrypto when a break-glass code is checked
 * without kagid (pk_kdf.c).  Each is opened with dlopen(RTLD_NOW |
 * RTLD_LOCAL) by its soname, and every function used is resolved once
 * into one table of typed pointers; if the library or any one symbol is
 * missing, nothing is used and the caller fails closed, naming it.
 * Internal to the module (hidden symbols).
 */
#ifndef KAGI_PK_DL_H
#define KAGI_PK_DL_H

#include <stddef.h>

#include <openssl/evp.h>

/* One function of a table: its name and the offset of its slot. */
struct pk_dl_sym {
	const char *name;
	size_t off;
};

/*
 * Open soname and fill the n slots of table (each a function pointer)
 * from syms.  On failure nothing is left open, *handle is NULL, and err
 * names the library or the symbol that was missing.
 */
int pk_dl_open(const char *soname, const struct pk_dl_sym *syms, size_t n,
    void *table, void **handle, char *err, size_t errlen);
/* Close what pk_dl_open opened; NULL-tolerant, sets *handle to NULL. */
void pk_dl_close(void **handle);

/* What the module uses of libcrypto. */
struct pk_crypto {
	void *handle;
	__typeof__(EVP_Digest) *digest;
	__typeof__(EVP_sha256) *sha256;
	__typeof__(PKCS5_PBKDF2_HMAC) *pbkdf2_hmac;
};

/* Load libcrypto into c; KAGI_ERR_CRYPTO with err naming what failed. */
int pk_crypto_open(struct pk_crypto *c, char *err, size_t errlen);
void pk_crypto_close(struct pk_crypto *c);

#endif
