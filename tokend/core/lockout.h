/*
 * lockout.h - lockout arithmetic, kept pure so it can be tested alone.
 *
 * max_failures failures within interval seconds lock the account for
 * duration seconds, doubled for each earlier lock while growth is set (at
 * most max_duration), or until an administrator unlocks it when
 * admin_unlock is set.  Once a lock has ended, relock_failures failures
 * (fewer than max_failures: one by default) lock again, until a success
 * or an administrator's unlock ends that (issue 13).  A time that goes
 * backwards never shortens a lock: locked_until is an absolute time, and
 * an interval whose start lies in the future is treated as current.
 * Before any lock, the answer to a failure waits longer with every
 * failure of the interval (lockout_delay_ms()).
 */
#ifndef KAGI_LOCKOUT_H
#define KAGI_LOCKOUT_H

#include <stdint.h>
#include "store.h"

struct lockout_policy {
	int64_t max_failures;
	int64_t interval;
	int64_t duration;
	int64_t max_duration;
	int growth;
	int admin_unlock;
	int64_t relock_failures;	/* after a lock; 0: max_failures */
};

/* How long kagid holds the answer to a failed attempt (milliseconds). */
struct lockout_delay {
	int64_t first_ms;	/* at the second failure of an interval */
	int64_t max_ms;		/* at most; also while locked */
};

/* 1 when locked at now. */
int lockout_is_locked(const struct lock_rec *l, int64_t now);
/* Record one failure; returns 1 when this failure locked the account. */
int lockout_record_failure(struct lock_rec *l, const struct lockout_policy *p,
    int64_t now);
/* A success clears the failure count and the relock (not the lock
 * history). */
void lockout_record_success(struct lock_rec *l);
/* An administrator's unlock: the lock, the count and the relock end. */
void lockout_unlock(struct lock_rec *l);
/*
 * The start of the interval a failure at now would be counted in (now
 * when a new interval would begin), so that counters kept beside the
 * record can tell whether they belong to the current interval.
 */
int64_t lockout_window_start(const struct lock_rec *l,
    const struct lockout_policy *p, int64_t now);
/*
 * A success forgives n failures (those of its own factor and service),
 * never more than are counted, and ends the relock (the person is
 * there); the interval and the lock are kept.
 */
void lockout_forgive(struct lock_rec *l, int64_t n);
/*
 * How long to hold the answer to a failure recorded in l at now: none
 * for the first failure of an interval, first_ms for the second,
 * doubling with each further one up to max_ms; max_ms while locked.
 * 0 when d is off (first_ms 0).
 */
int64_t lockout_delay_ms(const struct lockout_delay *d,
    const struct lock_rec *l, int64_t now);

#endif
