/*
 * dlsym_check.c - load the PAM module the way libpam does and check its
 * entry points.
 *
 *   dlsym_check MODULE.so
 *
 * dlopen(RTLD_NOW) must succeed (every symbol resolved), the five entry
 * points pam_kagi provides must be found, and the one it deliberately
 * does not provide (password change) must not be.  Prints one line per check; exits 0 when
 * all hold, 1 otherwise, 2 on a usage error.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

static const char *const wanted[] = {
	"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
	"pam_sm_open_session", "pam_sm_close_session",
};
static const char *const unwanted[] = {
	"pam_sm_chauthtok",
};

int
main(int argc, char **argv)
{
	void *h;
	size_t i;
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: dlsym_check MODULE.so\n");
		return 2;
	}
	if ((h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		printf("dlopen failed: %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		int found = dlsym(h, wanted[i]) != NULL;

		printf("%s: %s\n", wanted[i], found ? "found" : "MISSING");
		bad |= !found;
	}
	for (i = 0; i < sizeof(unwanted) / sizeof(unwanted[0]); i++) {
		int found = dlsym(h, unwanted[i]) != NULL;

		printf("%s: %s\n", unwanted[i],
		    found ? "UNEXPECTEDLY EXPORTED" : "absent");
		bad |= found;
	}
	dlclose(h);
	return bad;
}
