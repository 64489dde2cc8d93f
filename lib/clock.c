/*
 * clock.c - the injectable wall clock, a monotonic clock for time-outs and
 * the boot-time clock that clock steps are told from.
 */
#include "config.h"

#include <time.h>

#include "clock.h"

static kagi_clock_fn clock_fn;

int64_t
kagi_now(void)
{
	struct timespec ts;

	if (clock_fn != NULL)
		return clock_fn();
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}

void
kagi_clock_set(kagi_clock_fn fn)
{
	clock_fn = fn;
}

/* Milliseconds of clock id (0 when the kernel will not say). */
static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
kagi_monotonic_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int64_t
kagi_wall_ms(void)
{
	if (clock_fn != NULL)
		return clock_fn() * 1000;
	return clock_ms(CLOCK_REALTIME);
}

int64_t
kagi_elapsed_ms(void)
{
	return clock_ms(CLOCK_BOOTTIME);
}
