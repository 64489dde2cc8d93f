/*
 * clock.h - the one source of wall-clock time.
 *
 * TOTP steps, lockout expiry, challenge lifetimes and audit times all read
 * kagi_now().  Unit tests replace the source with kagi_clock_set(); the
 * shipped programs never do (integration tests shift time with faketime).
 */
#ifndef KAGI_CLOCK_H
#define KAGI_CLOCK_H

#include <stdint.h>

typedef int64_t (*kagi_clock_fn)(void);

/* Seconds since the epoch. */
int64_t kagi_now(void);
/* Replace the time source; NULL restores the system clock. */
void kagi_clock_set(kagi_clock_fn fn);
/* Milliseconds from a monotonic clock, for time-outs. */
int64_t kagi_monotonic_ms(void);
/*
 * The wall clock in milliseconds, to be compared with kagi_elapsed_ms()
 * (clock steps); a source set with kagi_clock_set() gives its seconds.
 */
int64_t kagi_wall_ms(void);
/*
 * Milliseconds elapsed since boot, time suspended included
 * (CLOCK_BOOTTIME): what the wall clock should have moved meanwhile, so
 * that a resume from suspend is not taken for a step of the clock.
 */
int64_t kagi_elapsed_ms(void);

#endif
