/*
 * clocksync.c - the kernel's view of clock synchronisation (clocksync.h).
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
