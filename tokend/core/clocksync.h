/*
 * clocksync.h - is the system clock synchronised? (R-LOG-4)
 *
 * Asks the kernel (adjtimex(2) with no change requested): the clock is
 * unsynchronised when STA_UNSYNC is set or the call answers TIME_ERROR,
 * which is what an NTP daemon (chrony, systemd-timesyncd, ntpd) clears
 * once it disciplines the clock.  Reading needs no privilege.
 */
#ifndef KAGI_CLOCKSYNC_H
#define KAGI_CLOCKSYNC_H

#include <stdint.h>

/* *synced: 1 synchronised, 0 not; KAGI_ERR_IO when the kernel says nothing. */
int clocksync_check(int *synced);

/*
 * Steps of the wall clock while kagid runs (R-LOG-4, issue 13): between
 * two observations the wall clock should move as far as the boot-time
 * clock (kagi_elapsed_ms(): monotonic, time suspended included, so that a
 * resume is no step); when they differ by CLOCKSTEP_MIN_MS or more the wall clock was
 * stepped (set by hand, by an NTP daemon's step, by an attacker with
 * CAP_SYS_TIME), forward or back.  Slewing moves it microseconds per
 * second and is never taken for a step.
 */
#define CLOCKSTEP_MIN_MS 1000

struct clockstep {
	int known;		/* a first observation was made */
	int64_t wall_ms;	/* both clocks at the last one */
	int64_t mono_ms;
	int64_t pending_s;	/* forward seconds still to move in the
				   store (audit.c) */
};

/*
 * Observe both clocks now: *step_ms is how far the wall clock jumped
 * since the last observation (forward > 0, back < 0), 0 when it kept
 * pace within CLOCKSTEP_MIN_MS or on the first observation.  Pure.
 */
void clockstep_observe(struct clockstep *cs, int64_t wall_ms, int64_t mono_ms,
    int64_t *step_ms);

#endif
