/*
 * test_policy.c - the pure policy of tokend/policy.c: factor lists that
 * can never mean "no second factor" (R-MFA-1, R-MFA-4), vendors'
 * maintenance windows across their edges in Asia/Tokyo, expiry dates
 * (R-REM-1) and allowed source networks, IPv4 and IPv6 (R-REM-3); how
 * long a vendor's windows are open in any 24 hours and the widest
 * network among its sources (the permit limits, R-REM-1, R-REM-3).
 * Times are fixed instants (the injected clock of the handlers).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <sys/socket.h>

#include "kagi_err.h"
#include "policy.h"

/* 2024-01-15 is a Monday.  00:00 in Tokyo (UTC+9) is 15:00 UTC the day
 * before: 1705244400. */
#define MON_0000_JST 1705244400LL
#define MIN 60
#define HOUR 3600
#define DAY (24 * HOUR)

static int
setup_tokyo(void **state)
{
	(void)state;
	if (setenv("TZ", "Asia/Tokyo", 1) != 0)
		return -1;
	tzset();
	return 0;
}

static void
test_factors(void **state)
{
	unsigned set = 99;

	(void)state;
	assert_int_equal(policy_factors_parse("fido2,totp", &set), 0);
	assert_int_equal(set, FACTOR_FIDO2 | FACTOR_TOTP);
	assert_int_equal(policy_factors_parse(" fido2 ", &set), 0);
	assert_int_equal(set, FACTOR_FIDO2);
	assert_int_equal(policy_factors_parse("totp", &set), 0);
	assert_int_equal(set, FACTOR_TOTP);
	assert_string_equal(policy_factor_name(FACTOR_TOTP), "totp");
	assert_string_equal(policy_factor_name(FACTOR_FIDO2), "fido2");
}

/* R-MFA-1: nothing spells "no second factor". */
static void
test_factors_never_none(void **state)
{
	static const char *const bad[] = { "", "none", "fido2,none", "nullok",
	    "totp,", ",totp", "totp,totp", "password", "TOTP", "fido2;totp" };
	unsigned set;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set = 99;
		assert_int_equal(policy_factors_parse(bad[i], &set),
		    KAGI_ERR_INVALID);
		assert_int_equal(set, 0);
	}
	assert_int_equal(policy_factors_parse(NULL, &set), KAGI_ERR_INVALID);
}

static void
test_windows_parse(void **state)
{
	struct policy_windows w;

	(void)state;
	assert_int_equal(policy_windows_parse("Mon-Fri 09:00-17:00", &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.w[0].days, 0x3e);
	assert_int_equal(w.w[0].start_min, 9 * 60);
	assert_int_equal(w.w[0].end_min, 17 * 60);
	assert_int_equal(policy_windows_parse("Sat-Mon 00:00-24:00; "
	    "Wed,Fri 13:30-14:00", &w), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.w[0].days, 0x43);	/* Sat, Sun, Mon */
	assert_int_equal(w.w[0].end_min, 24 * 60);
	assert_int_equal(w.w[1].days, 0x28);
}

static void
test_windows_parse_refuses(void **state)
{
	static const char *const bad[] = { "", "Mon", "Mon 09:00",
	    "Mon 17:00-09:00", "Mon 09:00-09:00", "Mon 9:00-17:00",
	    "Mon 09:00-24:01", "Mon 09:60-10:00", "Xyz 09:00-10:00",
	    "Mon-Fri 09:00-17:00;", "Mon 09:00-17:00 trailing",
	    "Mon,09:00-17:00", "mon 09:00-10:00",
	    "Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00;"
	    "Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00;"
	    "Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00" };
	struct policy_windows w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(policy_windows_parse(bad[i], &w),
		    KAGI_ERR_INVALID);
		assert_int_equal(w.n, 0);
	}
}

/* R-REM-1: inside on the minute it opens, outside on the minute it ends. */
static void
test_window_edges_tokyo(void **state)
{
	struct policy_windows w;
	int64_t ends = 0;

	(void)state;
	assert_int_equal(policy_windows_parse("Mon-Fri 09:00-17:00", &w), 0);
	assert_false(policy_windows_open(&w, MON_0000_JST + 9 * HOUR - 1,
	    NULL));
	assert_true(policy_windows_open(&w, MON_0000_JST + 9 * HOUR, &ends));
	assert_int_equal(ends, MON_0000_JST + 17 * HOUR);
	assert_true(policy_windows_open(&w, MON_0000_JST + 17 * HOUR - 1,
	    &ends));
	assert_int_equal(ends, MON_0000_JST + 17 * HOUR);
	assert_false(policy_windows_open(&w, MON_0000_JST + 17 * HOUR, NULL));
	/* Saturday at noon, Tokyo: closed. */
	assert_false(policy_windows_open(&w, MON_0000_JST + 5 * DAY +
	    12 * HOUR, NULL));
	/* Friday 10:00 Tokyo is still Friday 01:00 UTC: open. */
	assert_true(policy_windows_open(&w, MON_0000_JST + 4 * DAY +
	    10 * HOUR, NULL));
	/* Monday 08:30 Tokyo is Sunday 23:30 UTC: the zone decides. */
	assert_false(policy_windows_open(&w, MON_0000_JST + 8 * HOUR +
	    30 * MIN, NULL));
}

static void
test_window_across_sunday(void **state)
{
	struct policy_windows w;

	(void)state;
	assert_int_equal(policy_windows_parse("Sun 22:00-24:00", &w), 0);
	assert_true(policy_windows_open(&w, MON_0000_JST - 1, NULL));
	assert_false(policy_windows_open(&w, MON_0000_JST, NULL));
	assert_false(policy_windows_open(NULL, MON_0000_JST, NULL));
}

/* R-REM-3 */
static void
test_cidrs(void **state)
{
	struct policy_cidrs c;

	(void)state;
	assert_int_equal(policy_cidrs_parse("127.0.0.2,10.1.0.0/16,"
	    "2001:db8::/32", &c), 0);
	assert_int_equal(c.n, 3);
	assert_true(policy_cidrs_match(&c, "127.0.0.2"));
	assert_false(policy_cidrs_match(&c, "127.0.0.3"));
	assert_true(policy_cidrs_match(&c, "10.1.255.7"));
	assert_false(policy_cidrs_match(&c, "10.2.0.1"));
	assert_true(policy_cidrs_match(&c, "2001:db8:1::5"));
	assert_false(policy_cidrs_match(&c, "2001:db9::5"));
	assert_true(policy_cidrs_match(&c, "::ffff:127.0.0.2"));
	/* Fail closed: names, empty, absent. */
	assert_false(policy_cidrs_match(&c, "localhost"));
	assert_false(policy_cidrs_match(&c, ""));
	assert_false(policy_cidrs_match(&c, NULL));
	assert_int_equal(policy_cidrs_parse("0.0.0.0/0", &c), 0);
	assert_true(policy_cidrs_match(&c, "192.0.2.1"));
	assert_false(policy_cidrs_match(&c, "2001:db8::1"));
	assert_int_equal(policy_cidrs_parse("10.0.0.0/9", &c), 0);
	assert_true(policy_cidrs_match(&c, "10.127.0.1"));
	assert_false(policy_cidrs_match(&c, "10.128.0.1"));
}

static void
test_cidrs_refuses(void **state)
{
	static const char *const bad[] = { "", "10.0.0.1/8", "10.0.0.0/33",
	    "10.0.0.0/", "10.0.0.0/-1", "host.example", "10.0.0.0/8,",
	    "2001:db8::1/32", "::/129", "10.0.0.0/08x", "1.2.3.4 " };
	struct policy_cidrs c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(policy_cidrs_parse(bad[i], &c),
		    KAGI_ERR_INVALID);
		assert_int_equal(c.n, 0);
	}
}

/* R-REM-1: an account that expires on a day may be used all that day. */
static void
test_date_end(void **state)
{
	int64_t end = 0;

	(void)state;
	assert_int_equal(policy_date_end("2024-01-14", &end), 0);
	assert_int_equal(end, MON_0000_JST);
	assert_int_equal(policy_date_end("2024-02-29", &end), 0);
	assert_int_equal(policy_date_end("2023-02-29", &end), KAGI_ERR_INVALID);
	assert_int_equal(end, 0);
	assert_int_equal(policy_date_end("2024-13-01", &end), KAGI_ERR_INVALID);
	assert_int_equal(policy_date_end("2024-1-01", &end), KAGI_ERR_INVALID);
	assert_int_equal(policy_date_end("2024-01-01x", &end),
	    KAGI_ERR_INVALID);
	assert_int_equal(policy_date_end("2024/01/01", &end), KAGI_ERR_INVALID);
	assert_int_equal(policy_date_end(NULL, &end), KAGI_ERR_INVALID);
}

/* R-REM-1: the open time within any 24 hours, however windows are cut. */
static void
test_windows_open_time_in_any_day_counts_joined_windows_as_one(void **state)
{
	static const struct {
		const char *w;
		int minutes;
	} cases[] = {
		{ "Mon-Fri 09:00-17:00", 8 * 60 },
		{ "Sun-Sat 00:00-24:00", 24 * 60 },
		/* Cut in two at noon: still one day open. */
		{ "Sun-Sat 00:00-12:00; Sun-Sat 12:00-24:00", 24 * 60 },
		/* Joined across midnight: twelve hours in a row. */
		{ "Mon 18:00-24:00; Tue 00:00-06:00", 12 * 60 },
		/* Saturday into Sunday, round the end of the week. */
		{ "Sat 20:00-24:00; Sun 00:00-04:00", 8 * 60 },
		/* A minute apart: fourteen of any 24 hours. */
		{ "Mon 08:00-15:00; Mon 15:01-22:01", 14 * 60 },
		/* Two shifts a day apart never add up. */
		{ "Mon 09:00-17:00; Wed 09:00-17:00", 8 * 60 },
	};
	struct policy_windows w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(policy_windows_parse(cases[i].w, &w), 0);
		if (policy_windows_max_minutes(&w) != cases[i].minutes)
			fail_msg("%s: %d minutes, not %d", cases[i].w,
			    policy_windows_max_minutes(&w), cases[i].minutes);
	}
}

/* R-REM-3: the widest network of each family among the sources. */
static void
test_the_widest_source_network_by_family(void **state)
{
	struct policy_cidrs c;

	(void)state;
	assert_int_equal(policy_cidrs_parse("192.0.2.8,198.51.100.0/24,"
	    "2001:db8::/48,2001:db8:1::/64", &c), 0);
	assert_int_equal(policy_cidrs_widest(&c, AF_INET), 24);
	assert_int_equal(policy_cidrs_widest(&c, AF_INET6), 48);
	assert_int_equal(policy_cidrs_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(policy_cidrs_widest(&c, AF_INET), 0);
	assert_int_equal(policy_cidrs_widest(&c, AF_INET6), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factors),
		cmocka_unit_test(test_factors_never_none),
		cmocka_unit_test(test_windows_parse),
		cmocka_unit_test(test_windows_parse_refuses),
		cmocka_unit_test(test_window_edges_tokyo),
		cmocka_unit_test(test_window_across_sunday),
		cmocka_unit_test(test_cidrs),
		cmocka_unit_test(test_cidrs_refuses),
		cmocka_unit_test(test_date_end),
		cmocka_unit_test(
		    test_windows_open_time_in_any_day_counts_joined_windows_as_one),
		cmocka_unit_test(test_the_widest_source_network_by_family),
	};

	return cmocka_run_group_tests_name("policy", tests, setup_tokyo, NULL);
}
