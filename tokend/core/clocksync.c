/*
 * clocksync.c - the kernel's view of clock synchronisation, and steps of
 * the wall clock told from the monotonic clock (clocksync.h).
 */
#include "config.h"

#include <string.h>
#include <sys/timex.h>

#include "clocksync.h"
#include "kagi_err.h"

int
clocksync_check(int *synced)
{
	struct timex tx;
	int st;

	memset(&tx, 0, sizeof(tx));
	tx.modes = 0;		/* read only */
	if ((st = adjtimex(&tx)) < 0)
		return KAGI_ERR_IO;
	*synced = st != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
	return 0;
}

void
clockstep_observe(struct clockstep *cs, int64_t wall_ms, int64_t mono_ms,
    int64_t *step_ms)
{
	int64_t d;

	*step_ms = 0;
	if (cs->known) {
		d = (wall_ms - cs->wall_ms) - (mono_ms - cs->mono_ms);
		if (d >= CLOCKSTEP_MIN_MS || d <= -CLOCKSTEP_MIN_MS)
			*step_ms = d;
	}
	cs->known = 1;
	cs->wall_ms = wall_ms;
	cs->mono_ms = mono_ms;
}
