/*
 * pk_dl.c - opening a library on demand and resolving its functions into
 * a table (pk_dl.h).
 *
 * How a symbol is looked up, and why.  When pam_kagi.so was linked
 * against libfido2, the dynamic linker resolved its references in the
 * global scope first (the program, then LD_PRELOAD objects, then what the
 * program loaded at start) and only then in the module's own
 * dependencies.  That order is what lets a preloaded object stand in for
 * a library function, which the tests use to plug in a software key
 * (tests/softkey/shim.c interposes fido_dev_info_manifest and
 * fido_dev_open).  dlsym(handle, name) alone would search only the
 * library and its dependencies and bypass such an object.  So each name
 * is looked up the same way the linker did: dlsym(RTLD_DEFAULT, name)
 * first, then dlsym(handle, name).  The library itself is opened
 * RTLD_LOCAL, so nothing it defines is added to the host's global scope
 * (RTLD_GLOBAL would let libfido2's or libcrypto's symbols interpose on
 * objects the host loads later, long after the module is gone).  A
 * preloaded object can already replace any function of the process, so
 * this lookup gives nothing new to whoever sets LD_PRELOAD; the module
 * itself reads no environment.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "kagi_err.h"
#include "pk_dl.h"

/* A function pointer is stored through its object representation. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
    "function and object pointers differ in size");

int
pk_dl_open(const char *soname, const struct pk_dl_sym *syms, size_t n,
    void *table, void **handle, char *err, size_t errlen)
{
	void *h, *p, *none = NULL;
	size_t i, j;

	*handle = NULL;
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load %s: %s", soname, dlerror());
		return KAGI_ERR_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		if ((p = dlsym(RTLD_DEFAULT, syms[i].name)) == NULL &&
		    (p = dlsym(h, syms[i].name)) == NULL) {
			snprintf(err, errlen, "%s has no %s", soname,
			    syms[i].name);
			for (j = 0; j < i; j++)
				memcpy((char *)table + syms[j].off, &none,
				    sizeof(none));
			dlclose(h);
			return KAGI_ERR_INTERNAL;
		}
		memcpy((char *)table + syms[i].off, &p, sizeof(p));
	}
	*handle = h;
	return 0;
}

void
pk_dl_close(void **handle)
{
	if (handle == NULL || *handle == NULL)
		return;
	dlclose(*handle);
	*handle = NULL;
}

#define PKC(field, name) { name, offsetof(struct pk_crypto, field) }
static const struct pk_dl_sym pk_crypto_syms[] = {
	PKC(digest, "EVP_Digest"),
	PKC(sha256, "EVP_sha256"),
	PKC(pbkdf2_hmac, "PKCS5_PBKDF2_HMAC"),
};
#undef PKC

int
pk_crypto_open(struct pk_crypto *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (pk_dl_open("libcrypto.so.3", pk_crypto_syms,
	    sizeof(pk_crypto_syms) / sizeof(pk_crypto_syms[0]), c,
	    &c->handle, err, errlen) != 0)
		return KAGI_ERR_CRYPTO;
	return 0;
}

void
pk_crypto_close(struct pk_crypto *c)
{
	pk_dl_close(&c->handle);
	memset(c, 0, sizeof(*c));
}
