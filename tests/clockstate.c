/*
 * clockstate.c - the kernel's clock synchronisation state, as a test says
 * (LD_PRELOAD), for tests/integration/audit.sh.
 *
 * With $KAGI_TEST_CLOCK set to "unsynced", a read-only adjtimex() (modes
 * 0) answers TIME_ERROR with STA_UNSYNC set; with "synced", TIME_OK with
 * it cleared.  Anything else, and every call that would change the clock,
 * goes to the kernel untouched.  So kagid's two answers to the clock check
 * (R-LOG-4) are tested on any machine, whatever its own clock says.  Only
 * the tests load this; kagid has no such hook.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

typedef int (*adjtimex_fn)(struct timex *);

int adjtimex(struct timex *tx);

int
adjtimex(struct timex *tx)
{
	static adjtimex_fn real;
	const char *want = getenv("KAGI_TEST_CLOCK");
	int st;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "adjtimex");
	if (real == NULL)
		return -1;
	st = real(tx);
	if (st < 0 || tx->modes != 0 || want == NULL)
		return st;
	if (strcmp(want, "unsynced") == 0) {
		tx->status |= STA_UNSYNC;
		return TIME_ERROR;
	}
	if (strcmp(want, "synced") == 0) {
		tx->status &= ~STA_UNSYNC;
		return TIME_OK;
	}
	return st;
}
