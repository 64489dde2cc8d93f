/*
 * benchclock.h - the shared clock file of the benchmark (bench only).
 *
 * One small file, mapped MAP_SHARED by the driver (which writes it) and by
 * fakeclock.so in every process of a run (which only reads it).  The wall
 * clock those processes see is base + offset seconds; the driver moves it
 * forward by whole TOTP steps with bench_clock_advance().
 */
#ifndef KAGI_BENCHCLOCK_H
#define KAGI_BENCHCLOCK_H

#include <stdint.h>

#define BENCH_CLOCK_ENV "KAGI_BENCH_CLOCK"
#define BENCH_CLOCK_MAGIC UINT64_C(0x6b6167692d636c6b)	/* "kagi-clk" */

struct bench_clock {
	uint64_t magic;
	int64_t base;		/* fixed when the file is made */
	int64_t offset;		/* moved by the driver */
};

static inline int64_t
bench_clock_now(const struct bench_clock *c)
{
	return __atomic_load_n(&c->base, __ATOMIC_ACQUIRE) +
	    __atomic_load_n(&c->offset, __ATOMIC_ACQUIRE);
}

/* Move the clock forward by sec seconds; returns the new time. */
static inline int64_t
bench_clock_advance(struct bench_clock *c, int64_t sec)
{
	return __atomic_add_fetch(&c->offset, sec, __ATOMIC_ACQ_REL) +
	    __atomic_load_n(&c->base, __ATOMIC_ACQUIRE);
}

#endif
