/*
 * lockout.c - the lockout arithmetic: when failures lock an account and
 * for how long (R-MFA-5, R-PRIV-5).
 *
 * Pure functions over a struct lock_rec: no clock, no store, no logging.
 * The caller reads the record, passes the time it read through kagi_now()
 * and writes the record back in the same transaction.
 *
 * Guarantees:
 * - A lock is an absolute time (locked_until).  A clock that goes
 *   backwards can only make a lock look longer, never shorter, and an
 *   interval that starts in the future is kept, not restarted.
 * - While locked, failures are still counted but never extend or renew
 *   the lock; the count starts over when the lock ends.
 * - Lock lengths double per earlier lock when growth is set, capped at
 *   max_duration, with no arithmetic overflow whatever the stored values.
 * - LOCK_UNTIL_ADMIN never expires; only lockout_unlock() opens it.
 * - lockout_unlock() and lockout_record_success() keep lock_count, so an
 *   account that keeps getting locked keeps getting longer locks.
 * - After a lock the full quota does not come back: relock_failures
 *   failures lock again until a success or an unlock clears relock.
 * - The delay before an answer grows with the failures of the interval,
 *   never past max_ms, without overflow.
 */
#include "config.h"

#include <stdint.h>

#include "kagi_err.h"
#include "lockout.h"

/* A lock that ends as late as can be written without meaning "admin". */
#define LOCK_UNTIL_LAST (LOCK_UNTIL_ADMIN - 1)

static int64_t
sat_inc(int64_t v)
{
	return v < INT64_MAX ? v + 1 : INT64_MAX;
}

static int
policy_ok(const struct lockout_policy *p)
{
	if (p->max_failures < 1 || p->interval < 1 || p->relock_failures < 0)
		return 0;
	if (!p->admin_unlock) {
		if (p->duration < 1)
			return 0;
		if (p->growth && p->max_duration < p->duration)
			return 0;
	}
	return 1;
}

/* duration * 2^lock_count, at most max_duration, without overflow. */
static int64_t
lock_length(const struct lockout_policy *p, int64_t lock_count)
{
	int64_t d = p->duration, i;

	if (!p->growth)
		return d;
	for (i = 0; i < lock_count && d < p->max_duration; i++) {
		if (d > p->max_duration / 2) {
			d = p->max_duration;
			break;
		}
		d *= 2;
	}
	return d < p->max_duration ? d : p->max_duration;
}

int
lockout_is_locked(const struct lock_rec *l, int64_t now)
{
	if (l == NULL)
		return 1;	/* fail closed */
	if (l->locked_until == 0)
		return 0;
	if (l->locked_until == LOCK_UNTIL_ADMIN)
		return 1;
	return now < l->locked_until;
}

int
lockout_record_failure(struct lock_rec *l, const struct lockout_policy *p,
    int64_t now)
{
	int64_t d, limit;

	if (l == NULL || p == NULL || !policy_ok(p))
		return KAGI_ERR_INVALID;

	if (lockout_is_locked(l, now)) {
		l->failures = sat_inc(l->failures);
		return 0;
	}

	/*
	 * A new interval starts with the first failure ever, or once the
	 * current one has run its length.  When now lies before its start
	 * the clock went back: keep counting in the current interval.
	 */
	if (l->first_failure == 0 || (now >= l->first_failure &&
	    (uint64_t)now - (uint64_t)l->first_failure >=
	    (uint64_t)p->interval)) {
		l->failures = 0;
		l->first_failure = now;
	}
	l->failures = sat_inc(l->failures);
	limit = p->max_failures;
	if (l->relock && p->relock_failures > 0 && p->relock_failures < limit)
		limit = p->relock_failures;
	if (l->failures < limit)
		return 0;

	if (p->admin_unlock)
		l->locked_until = LOCK_UNTIL_ADMIN;
	else {
		d = lock_length(p, l->lock_count);
		if (now > LOCK_UNTIL_LAST - d)
			l->locked_until = LOCK_UNTIL_LAST;
		else
			l->locked_until = now + d;
	}
	l->lock_count = l->lock_count < 0 ? 1 : sat_inc(l->lock_count);
	l->failures = 0;
	l->first_failure = 0;
	l->relock = 1;
	return 1;
}

void
lockout_record_success(struct lock_rec *l)
{
	if (l == NULL)
		return;
	l->failures = 0;
	l->first_failure = 0;
	l->relock = 0;
}

void
lockout_unlock(struct lock_rec *l)
{
	if (l == NULL)
		return;
	l->locked_until = 0;
	l->failures = 0;
	l->first_failure = 0;
	l->relock = 0;
}

int64_t
lockout_window_start(const struct lock_rec *l, const struct lockout_policy *p,
    int64_t now)
{
	if (l == NULL || p == NULL)
		return now;
	if (l->first_failure == 0 || (now >= l->first_failure &&
	    (uint64_t)now - (uint64_t)l->first_failure >=
	    (uint64_t)p->interval))
		return now;
	return l->first_failure;
}

void
lockout_forgive(struct lock_rec *l, int64_t n)
{
	if (l == NULL)
		return;
	l->relock = 0;
	if (n > 0)
		l->failures = l->failures > n ? l->failures - n : 0;
}

int64_t
lockout_delay_ms(const struct lockout_delay *d, const struct lock_rec *l,
    int64_t now)
{
	int64_t ms, i;

	if (d == NULL || l == NULL || d->first_ms <= 0 || d->max_ms <= 0)
		return 0;
	if (lockout_is_locked(l, now))
		return d->max_ms;
	if (l->failures < 2)
		return 0;
	ms = d->first_ms < d->max_ms ? d->first_ms : d->max_ms;
	for (i = 2; i < l->failures && ms < d->max_ms; i++)
		ms = ms > d->max_ms / 2 ? d->max_ms : ms * 2;
	return ms;
}
