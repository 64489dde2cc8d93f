/*
 * test_lockout.c - lockout arithmetic (tokend/lockout.c) at fixed times:
 * the limit on log-in attempts of R-MFA-5 and the stricter,
 * administrator-unlock-only lockout of privileged users (R-PRIV-5); after
 * a lock one failure locks again, and the answer's delay grows before
 * any lock (issue 13).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clocksync.h"
#include "kagi_err.h"
#include "lockout.h"

#define T0 1700000000LL
#define MIN 60
#define HOUR 3600

/* 5 failures in 15 minutes lock for 15 minutes, doubling up to 1 hour. */
static const struct lockout_policy pol = {
	.max_failures = 5,
	.interval = 15 * MIN,
	.duration = 15 * MIN,
	.max_duration = HOUR,
	.growth = 1,
	.admin_unlock = 0,
};

static void
fail_n(struct lock_rec *l, const struct lockout_policy *p, int n,
    int64_t now)
{
	int i;

	for (i = 0; i < n; i++)
		assert_int_equal(lockout_record_failure(l, p, now), 0);
}

static void
test_fifth_failure_locks(void **state)
{
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_false(lockout_is_locked(&l, T0));
	fail_n(&l, &pol, 4, T0);
	assert_int_equal(l.failures, 4);
	assert_int_equal(l.first_failure, T0);
	assert_false(lockout_is_locked(&l, T0));

	assert_int_equal(lockout_record_failure(&l, &pol, T0 + 10), 1);
	assert_int_equal(l.locked_until, T0 + 10 + 15 * MIN);
	assert_int_equal(l.lock_count, 1);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.first_failure, 0);
	assert_true(lockout_is_locked(&l, T0 + 10));
	assert_true(lockout_is_locked(&l, T0 + 10 + 15 * MIN - 1));
}

/* Exactly at locked_until the account is open again. */
static void
test_lock_expires_at_locked_until(void **state)
{
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 4, T0);
	assert_int_equal(lockout_record_failure(&l, &pol, T0), 1);
	assert_true(lockout_is_locked(&l, l.locked_until - 1));
	assert_false(lockout_is_locked(&l, l.locked_until));
	assert_false(lockout_is_locked(&l, l.locked_until + 1));
}

/* Failures spread wider than the interval never lock. */
static void
test_interval_starts_over(void **state)
{
	struct lock_rec l;
	int i;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 4, T0);
	/* Exactly interval seconds later: a new interval. */
	assert_int_equal(lockout_record_failure(&l, &pol, T0 + 15 * MIN), 0);
	assert_int_equal(l.failures, 1);
	assert_int_equal(l.first_failure, T0 + 15 * MIN);
	fail_n(&l, &pol, 3, T0 + 15 * MIN + 1);
	assert_int_equal(l.failures, 4);
	/* One second before this interval ends: the fifth locks. */
	assert_int_equal(lockout_record_failure(&l, &pol,
	    T0 + 30 * MIN - 1), 1);

	/* One failure every 4 minutes: 4 per interval at most, no lock. */
	memset(&l, 0, sizeof(l));
	for (i = 0; i < 100; i++) {
		assert_int_equal(lockout_record_failure(&l, &pol,
		    T0 + (int64_t)i * 4 * MIN), 0);
		assert_false(lockout_is_locked(&l, T0 + (int64_t)i * 4 * MIN));
	}
}

/* Failures while locked are counted but neither extend nor renew it. */
static void
test_failures_while_locked(void **state)
{
	struct lock_rec l;
	int64_t until;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 4, T0);
	assert_int_equal(lockout_record_failure(&l, &pol, T0), 1);
	until = l.locked_until;
	fail_n(&l, &pol, 20, T0 + 60);
	assert_int_equal(l.locked_until, until);
	assert_int_equal(l.lock_count, 1);
	assert_int_equal(l.failures, 20);
	/* After the lock, a fresh interval: one failure is one. */
	assert_int_equal(lockout_record_failure(&l, &pol, until), 0);
	assert_int_equal(l.failures, 1);
	assert_int_equal(l.first_failure, until);
	assert_false(lockout_is_locked(&l, until));
}

static int64_t
lock_now(struct lock_rec *l, const struct lockout_policy *p, int64_t now)
{
	fail_n(l, p, (int)p->max_failures - 1, now);
	assert_int_equal(lockout_record_failure(l, p, now), 1);
	return l->locked_until - now;
}

static void
test_growth_doubles_and_caps(void **state)
{
	struct lock_rec l;
	int64_t now = T0;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(lock_now(&l, &pol, now), 15 * MIN);
	now = l.locked_until;
	assert_int_equal(lock_now(&l, &pol, now), 30 * MIN);
	now = l.locked_until;
	assert_int_equal(lock_now(&l, &pol, now), 60 * MIN);
	now = l.locked_until;
	assert_int_equal(lock_now(&l, &pol, now), HOUR);
	now = l.locked_until;
	assert_int_equal(lock_now(&l, &pol, now), HOUR);
	assert_int_equal(l.lock_count, 5);

	/* An unlock keeps the history: the next lock is still capped long. */
	lockout_unlock(&l);
	assert_int_equal(lock_now(&l, &pol, now + 1), HOUR);

	/* A cap that is not a power-of-two multiple is reached exactly. */
	{
		struct lockout_policy p = pol;

		p.max_duration = 40 * MIN;
		memset(&l, 0, sizeof(l));
		assert_int_equal(lock_now(&l, &p, T0), 15 * MIN);
		assert_int_equal(lock_now(&l, &p, l.locked_until), 30 * MIN);
		assert_int_equal(lock_now(&l, &p, l.locked_until), 40 * MIN);
	}
	/* Without growth every lock is duration long. */
	{
		struct lockout_policy p = pol;

		p.growth = 0;
		memset(&l, 0, sizeof(l));
		assert_int_equal(lock_now(&l, &p, T0), 15 * MIN);
		assert_int_equal(lock_now(&l, &p, l.locked_until), 15 * MIN);
		assert_int_equal(lock_now(&l, &p, l.locked_until), 15 * MIN);
		assert_int_equal(l.lock_count, 3);
	}
}

/* R-PRIV-5: an administrator-only lock never expires. */
static void
test_admin_unlock(void **state)
{
	struct lockout_policy p = pol;
	struct lock_rec l;

	(void)state;
	p.max_failures = 3;
	p.admin_unlock = 1;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &p, 2, T0);
	assert_int_equal(lockout_record_failure(&l, &p, T0), 1);
	assert_int_equal(l.locked_until, LOCK_UNTIL_ADMIN);
	assert_true(lockout_is_locked(&l, T0));
	assert_true(lockout_is_locked(&l, T0 + 365LL * 24 * HOUR * 100));
	assert_true(lockout_is_locked(&l, INT64_MAX));
	assert_true(lockout_is_locked(&l, INT64_MIN));
	/* A success does not open it either. */
	lockout_record_success(&l);
	assert_true(lockout_is_locked(&l, T0 + HOUR));
	lockout_unlock(&l);
	assert_false(lockout_is_locked(&l, T0 + HOUR));
	assert_int_equal(l.lock_count, 1);
}

/* A clock that goes back never shortens a lock or resets an interval. */
static void
test_clock_going_back(void **state)
{
	struct lock_rec l;
	int64_t until;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 4, T0);
	assert_int_equal(lockout_record_failure(&l, &pol, T0), 1);
	until = l.locked_until;
	assert_true(lockout_is_locked(&l, T0 - 1));
	assert_true(lockout_is_locked(&l, T0 - 10 * 365LL * 24 * HOUR));
	assert_true(lockout_is_locked(&l, 0));
	/* A failure at an earlier time does not move the lock. */
	assert_int_equal(lockout_record_failure(&l, &pol, T0 - HOUR), 0);
	assert_int_equal(l.locked_until, until);

	/* Interval started "in the future": kept, failures keep counting. */
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 2, T0);
	fail_n(&l, &pol, 2, T0 - 2 * HOUR);
	assert_int_equal(l.first_failure, T0);
	assert_int_equal(l.failures, 4);
	assert_int_equal(lockout_record_failure(&l, &pol, T0 - 3 * HOUR), 1);
	assert_true(lockout_is_locked(&l, T0 - 3 * HOUR));
	assert_int_equal(l.locked_until, T0 - 3 * HOUR + 15 * MIN);
}

static void
test_success_resets_failures(void **state)
{
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 4, T0);
	lockout_record_success(&l);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.first_failure, 0);
	fail_n(&l, &pol, 4, T0 + 1);
	assert_false(lockout_is_locked(&l, T0 + 1));
	assert_int_equal(lockout_record_failure(&l, &pol, T0 + 2), 1);

	/* A success keeps lock_count and does not touch locked_until. */
	l.locked_until = T0 - 1;	/* an expired lock */
	lockout_record_success(&l);
	assert_int_equal(l.lock_count, 1);
	assert_int_equal(l.locked_until, T0 - 1);
}

static void
test_unlock_clears(void **state)
{
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 4, T0);
	assert_int_equal(lockout_record_failure(&l, &pol, T0), 1);
	fail_n(&l, &pol, 3, T0 + 1);
	lockout_unlock(&l);
	assert_false(lockout_is_locked(&l, T0 + 1));
	assert_int_equal(l.locked_until, 0);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.first_failure, 0);
	assert_int_equal(l.lock_count, 1);
	/* After an unlock the full allowance is back. */
	fail_n(&l, &pol, 4, T0 + 2);
	assert_false(lockout_is_locked(&l, T0 + 2));
}

static void
test_huge_values_do_not_overflow(void **state)
{
	struct lockout_policy p = pol;
	struct lock_rec l;

	(void)state;
	/* A lock history so long that 2^lock_count overflows anything. */
	memset(&l, 0, sizeof(l));
	l.lock_count = INT64_MAX;
	assert_int_equal(lock_now(&l, &pol, T0), HOUR);
	assert_int_equal(l.lock_count, INT64_MAX);

	/* Durations near the top of int64. */
	p.duration = INT64_MAX / 2 + 1;
	p.max_duration = INT64_MAX;
	memset(&l, 0, sizeof(l));
	l.lock_count = 3;
	lock_now(&l, &p, T0);
	assert_true(l.locked_until > T0);
	assert_true(lockout_is_locked(&l, INT64_MAX - 2));
	/* Saturated, but still a timed lock, not an administrator's one. */
	assert_true(l.locked_until != LOCK_UNTIL_ADMIN);

	/* A time near the end of int64. */
	memset(&l, 0, sizeof(l));
	lock_now(&l, &pol, INT64_MAX - 10);
	assert_true(l.locked_until >= INT64_MAX - 10);
	assert_true(lockout_is_locked(&l, INT64_MAX - 10));

	/* Failure counts saturate. */
	memset(&l, 0, sizeof(l));
	l.locked_until = LOCK_UNTIL_ADMIN;
	l.failures = INT64_MAX;
	assert_int_equal(lockout_record_failure(&l, &pol, T0), 0);
	assert_int_equal(l.failures, INT64_MAX);

	/* A first failure far in the past, now far in the future. */
	memset(&l, 0, sizeof(l));
	l.first_failure = INT64_MIN + 1;
	l.failures = 4;
	assert_int_equal(lockout_record_failure(&l, &pol, INT64_MAX - 1), 0);
	assert_int_equal(l.failures, 1);
}

static void
test_bad_input(void **state)
{
	struct lockout_policy p = pol;
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_true(lockout_is_locked(NULL, T0));
	assert_int_equal(lockout_record_failure(NULL, &pol, T0),
	    KAGI_ERR_INVALID);
	assert_int_equal(lockout_record_failure(&l, NULL, T0),
	    KAGI_ERR_INVALID);
	p.max_failures = 0;
	assert_int_equal(lockout_record_failure(&l, &p, T0), KAGI_ERR_INVALID);
	p = pol;
	p.max_duration = p.duration - 1;
	assert_int_equal(lockout_record_failure(&l, &p, T0), KAGI_ERR_INVALID);
	p = pol;
	p.interval = 0;
	assert_int_equal(lockout_record_failure(&l, &p, T0), KAGI_ERR_INVALID);
	assert_int_equal(l.failures, 0);
	lockout_record_success(NULL);
	lockout_unlock(NULL);

	/* One failure allowed: the first locks. */
	p = pol;
	p.max_failures = 1;
	assert_int_equal(lockout_record_failure(&l, &p, T0), 1);
}

/* Privileged defaults (R-PRIV-5): the third failure locks for good. */
static void
test_privileged_three_admin_only(void **state)
{
	static const struct lockout_policy priv = {
		.max_failures = 3, .interval = 15 * MIN, .duration = 15 * MIN,
		.max_duration = 24 * HOUR, .growth = 1, .admin_unlock = 1,
	};
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &priv, 2, T0);
	assert_int_equal(lockout_record_failure(&l, &priv, T0 + 1), 1);
	assert_int_equal(l.locked_until, LOCK_UNTIL_ADMIN);
	assert_true(lockout_is_locked(&l, T0 + 365 * 24 * HOUR));
}

/* Counters kept beside the record follow the interval it counts in. */
static void
test_window_start(void **state)
{
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(lockout_window_start(&l, &pol, T0), T0);
	fail_n(&l, &pol, 1, T0);
	assert_int_equal(lockout_window_start(&l, &pol, T0 + 10 * MIN), T0);
	assert_int_equal(lockout_window_start(&l, &pol, T0 + 15 * MIN),
	    T0 + 15 * MIN);
	/* A clock gone back keeps the current interval. */
	assert_int_equal(lockout_window_start(&l, &pol, T0 - 5), T0);
}

/* A success forgives its own failures only, never below zero. */
static void
test_forgive(void **state)
{
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 4, T0);
	lockout_forgive(&l, 3);
	assert_int_equal(l.failures, 1);
	assert_int_equal(l.first_failure, T0);
	lockout_forgive(&l, 5);
	assert_int_equal(l.failures, 0);
	lockout_forgive(&l, -1);
	assert_int_equal(l.failures, 0);
	lockout_forgive(NULL, 1);
}

/* Issue 13, item 4: after a lock the full quota does not come back. */
static const struct lockout_policy relock_pol = {
	.max_failures = 5,
	.interval = 15 * MIN,
	.duration = 15 * MIN,
	.max_duration = 4 * HOUR,
	.growth = 1,
	.admin_unlock = 0,
	.relock_failures = 1,
};

static void
test_after_a_lock_one_failure_locks_again_until_a_success(void **state)
{
	struct lock_rec l;
	int64_t t = T0;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &relock_pol, 4, t);
	assert_int_equal(lockout_record_failure(&l, &relock_pol, t), 1);
	assert_int_equal(l.relock, 1);
	/* The lock ends; one failure locks again, for twice as long. */
	t = l.locked_until + 1;
	assert_false(lockout_is_locked(&l, t));
	assert_int_equal(lockout_record_failure(&l, &relock_pol, t), 1);
	assert_int_equal(l.locked_until, t + 30 * MIN);
	assert_int_equal(l.lock_count, 2);
	/* So it goes on until a success ends the relock. */
	t = l.locked_until + 1;
	lockout_forgive(&l, 0);
	assert_int_equal(l.relock, 0);
	fail_n(&l, &relock_pol, 4, t);
	assert_false(lockout_is_locked(&l, t));
	assert_int_equal(lockout_record_failure(&l, &relock_pol, t), 1);
	/* lockout_record_success() (an enrollment) ends it as well. */
	lockout_record_success(&l);
	assert_int_equal(l.relock, 0);
}

static void
test_an_unlock_gives_the_full_quota_back(void **state)
{
	struct lock_rec l;

	(void)state;
	memset(&l, 0, sizeof(l));
	fail_n(&l, &relock_pol, 4, T0);
	assert_int_equal(lockout_record_failure(&l, &relock_pol, T0), 1);
	lockout_unlock(&l);
	assert_int_equal(l.relock, 0);
	fail_n(&l, &relock_pol, 4, T0 + 1);
	assert_false(lockout_is_locked(&l, T0 + 1));
	/* Without relock_failures the full quota comes back, as before. */
	memset(&l, 0, sizeof(l));
	fail_n(&l, &pol, 4, T0);
	assert_int_equal(lockout_record_failure(&l, &pol, T0), 1);
	fail_n(&l, &pol, 4, l.locked_until);
	assert_false(lockout_is_locked(&l, l.locked_until));
}

static void
test_relock_is_never_more_than_the_quota(void **state)
{
	struct lockout_policy p = relock_pol;
	struct lock_rec l;

	(void)state;
	p.relock_failures = 50;
	memset(&l, 0, sizeof(l));
	l.relock = 1;
	fail_n(&l, &p, 4, T0);
	assert_int_equal(lockout_record_failure(&l, &p, T0), 1);
	p.relock_failures = -1;
	assert_int_equal(lockout_record_failure(&l, &p, T0), KAGI_ERR_INVALID);
}

/* Issue 13, item 3: delays grow before any lock. */
static void
test_delays_grow_with_each_failure_and_are_longest_while_locked(void **state)
{
	const struct lockout_delay d = { 1000, 8000 };
	const struct lockout_delay off = { 0, 8000 };
	const int64_t want[] = { 0, 1000, 2000, 4000 };
	struct lock_rec l;
	int i;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(lockout_delay_ms(&d, &l, T0), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(lockout_record_failure(&l, &pol, T0), 0);
		assert_int_equal(lockout_delay_ms(&d, &l, T0), want[i]);
	}
	/* The fifth locks: the longest delay, as for every attempt now. */
	assert_int_equal(lockout_record_failure(&l, &pol, T0), 1);
	assert_int_equal(lockout_delay_ms(&d, &l, T0), 8000);
	assert_int_equal(lockout_delay_ms(&d, &l, l.locked_until), 0);
	/* Many failures: capped, no overflow. */
	l.locked_until = 0;
	l.failures = INT64_MAX;
	assert_int_equal(lockout_delay_ms(&d, &l, T0), 8000);
	assert_int_equal(lockout_delay_ms(&off, &l, T0), 0);
	assert_int_equal(lockout_delay_ms(NULL, &l, T0), 0);
}

/* Issue 13, item 5: a step of the wall clock, told from the monotonic. */
static void
test_a_clock_step_is_told_from_the_monotonic_clock(void **state)
{
	struct clockstep cs;
	int64_t step = 1, wall = T0 * 1000, mono = 5000;

	(void)state;
	memset(&cs, 0, sizeof(cs));
	clockstep_observe(&cs, wall, mono, &step);
	assert_int_equal(step, 0);		/* the first: nothing to compare */
	wall += 1000;
	mono += 1000;
	clockstep_observe(&cs, wall, mono, &step);
	assert_int_equal(step, 0);		/* in pace */
	wall += 1000 + 400;			/* slewing, drift: no step */
	mono += 1000;
	clockstep_observe(&cs, wall, mono, &step);
	assert_int_equal(step, 0);
	wall += 1000 + 86400000;		/* a day ahead */
	mono += 1000;
	clockstep_observe(&cs, wall, mono, &step);
	assert_int_equal(step, 86400000);
	wall += 1000 - 3600000;			/* an hour back */
	mono += 1000;
	clockstep_observe(&cs, wall, mono, &step);
	assert_int_equal(step, -3600000);
	wall += 30000;				/* both move on together */
	mono += 30000;
	clockstep_observe(&cs, wall, mono, &step);
	assert_int_equal(step, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifth_failure_locks),
		cmocka_unit_test(test_lock_expires_at_locked_until),
		cmocka_unit_test(test_interval_starts_over),
		cmocka_unit_test(test_failures_while_locked),
		cmocka_unit_test(test_growth_doubles_and_caps),
		cmocka_unit_test(test_admin_unlock),
		cmocka_unit_test(test_clock_going_back),
		cmocka_unit_test(test_success_resets_failures),
		cmocka_unit_test(test_unlock_clears),
		cmocka_unit_test(test_huge_values_do_not_overflow),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_privileged_three_admin_only),
		cmocka_unit_test(test_window_start),
		cmocka_unit_test(test_forgive),
		cmocka_unit_test(
		    test_after_a_lock_one_failure_locks_again_until_a_success),
		cmocka_unit_test(test_an_unlock_gives_the_full_quota_back),
		cmocka_unit_test(test_relock_is_never_more_than_the_quota),
		cmocka_unit_test(
		    test_delays_grow_with_each_failure_and_are_longest_while_locked),
		cmocka_unit_test(test_a_clock_step_is_told_from_the_monotonic_clock),
	};

	return cmocka_run_group_tests_name("lockout", tests, NULL, NULL);
}
