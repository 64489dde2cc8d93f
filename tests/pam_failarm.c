/*
 * pam_failarm.c - a test PAM module that arms and disarms the failing
 * allocator of tests/failmalloc.c (allocfail.sh).
 *
 *   auth     optional  pam_failarm.so 1
 *   auth     required  pam_kagi.so ...
 *   auth     optional  pam_failarm.so 0
 *
 * Listed just before and just after pam_kagi, it makes the walk count the
 * allocations made while pam_kagi runs (its own and those of the
 * libraries it calls: json-c, libc, libpam's helpers, libfido2) and
 * nothing of libpam's own work around the stack, whose failures libpam
 * reports itself (its audit hook turns a shortage into PAM_SYSTEM_ERR).
 * Its argument is the phase failmalloc.c writes in its log (0: off).  It
 * returns PAM_IGNORE, so it never changes a stack's verdict, and does
 * nothing when failmalloc.c is not preloaded.  Never installed.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

#include <security/pam_modules.h>

#define PF_EXPORT __attribute__((visibility("default")))

/*
 * libcrypto's one-time set-up (its configuration, its providers and
 * their names: some 40000 allocations), done before the walk when
 * libcrypto is already in the process (the software key's shim brings
 * it), as it is in sshd long before PAM runs: one digest and one P-256
 * key make it fetch what a log-in uses.  What pam_kagi and libfido2 do
 * with it per log-in is still walked.
 */
static void
pf_warm_up(void)
{
	static int done;
	int (*init)(uint64_t, const void *);
	const void *(*sha256)(void);
	int (*digest)(const void *, size_t, unsigned char *, unsigned int *,
	    const void *, void *);
	void *(*keygen)(void *, const char *, const char *, ...);
	void (*pkey_free)(void *);
	unsigned char md[64];
	unsigned int n = 0;
	void *k;

	if (done)
		return;
	done = 1;
	*(void **)&init = dlsym(RTLD_DEFAULT, "OPENSSL_init_crypto");
	*(void **)&sha256 = dlsym(RTLD_DEFAULT, "EVP_sha256");
	*(void **)&digest = dlsym(RTLD_DEFAULT, "EVP_Digest");
	*(void **)&keygen = dlsym(RTLD_DEFAULT, "EVP_PKEY_Q_keygen");
	*(void **)&pkey_free = dlsym(RTLD_DEFAULT, "EVP_PKEY_free");
	if (init == NULL || sha256 == NULL || digest == NULL ||
	    keygen == NULL || pkey_free == NULL)
		return;
	(void)init(0, NULL);
	(void)digest("kagi", 4, md, &n, sha256(), NULL);
	if ((k = keygen(NULL, NULL, "EC", "P-256")) != NULL)
		pkey_free(k);
}

static int
pf_arm(int argc, const char **argv)
{
	void (*arm)(int);

	*(void **)&arm = dlsym(RTLD_DEFAULT, "kagi_failmalloc_arm");
	if (arm != NULL && argc == 1) {
		pf_warm_up();
		arm((int)strtol(argv[0], NULL, 10));
	}
	return PAM_IGNORE;
}

PF_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	(void)pamh;
	(void)flags;
	return pf_arm(argc, argv);
}

PF_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

PF_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	return pf_arm(argc, argv);
}
