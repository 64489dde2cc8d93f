/*
 * clock.c - the injectable wall clock and a monotonic clock for time-outs.
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

int64_t
kagi_monotonic_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
kagi_wall_ms(void)
{
	struct timespec ts;

	if (clock_fn != NULL)
		return clock_fn() * 1000;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
kagi_elapsed_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
