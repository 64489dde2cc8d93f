/*
 * stublib.c - a shared object that stands in for libfido2.so.1 and
 * libcrypto.so.3 in libload.sh (linked under those names in a directory
 * put on LD_LIBRARY_PATH): it has fido_init and nothing else pam_kagi
 * needs, so loading it works and resolving the module's table fails.
 */
#include "config.h"

#define STUB_EXPORT __attribute__((visibility("default")))

STUB_EXPORT void fido_init(int flags);

STUB_EXPORT void
fido_init(int flags)
{
	(void)flags;
}
