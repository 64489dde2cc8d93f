/*
 * test_vendor.c - the limits of a vendor permit (tokend/core/vendor.c,
 * R-REM-1, R-REM-3, R-REM-5) at a fixed time on a kagid context: the
 * horizon, the open time in any 24 hours, the widest source network and
 * the worker, place and work; each refusal names its limit and setting.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctx_fixture.h"
#include "kagi_err.h"
#include "refusal.h"
#include "vendor.h"

/* A permit within the default limits, at CX_T0. */
static struct vendor_permit
good(void)
{
	struct vendor_permit p;

	memset(&p, 0, sizeof(p));
	p.user = "vend1";
	p.expires = CX_T0 + 30LL * CX_DAY;
	p.expires_text = "in 30 days";
	p.windows = "Mon-Fri 09:00-17:00";
	p.sources = "192.0.2.0/28,2001:db8::/64";
	p.worker = "Taro Yamada";
	p.place = "ACME Osaka office";
	p.work = "backup server maintenance";
	return p;
}

/* The permit is refused for reason, naming setting. */
static void
refused(struct cx *f, const struct vendor_permit *p, const char *reason,
    const char *setting)
{
	const struct refusal *r;

	refusal_clear(&f->ctx);
	assert_int_not_equal(vendor_permit_check(&f->ctx, p, CX_T0), 0);
	assert_non_null(r = refusal_get(&f->ctx));
	assert_string_equal(r->reason, reason);
	if (strstr(r->message, setting) == NULL)
		fail_msg("'%s' does not name %s", r->message, setting);
	refusal_clear(&f->ctx);
}

static void
test_a_permit_within_the_limits_passes(void **state)
{
	struct cx *f = *state;
	struct vendor_permit p = good();

	assert_int_equal(vendor_permit_check(&f->ctx, &p, CX_T0), 0);
	assert_null(refusal_get(&f->ctx));
}

static void
test_the_permit_of_the_issue_is_refused_limit_by_limit(void **state)
{
	struct cx *f = *state;
	struct vendor_permit p = good();

	p.expires = CX_T0 + 76LL * 365 * CX_DAY;	/* 2099 */
	refused(f, &p, "permit_horizon", "vendor_max_horizon");
	p = good();
	p.expires = CX_T0 + 90LL * CX_DAY + 1;
	refused(f, &p, "permit_horizon", "vendor_max_horizon");
	p.expires = CX_T0 + 90LL * CX_DAY;
	assert_int_equal(vendor_permit_check(&f->ctx, &p, CX_T0), 0);
	p = good();
	p.windows = "Sun-Sat 00:00-24:00";
	refused(f, &p, "permit_window", "vendor_max_window");
	p.windows = "Mon 08:00-13:00; Mon 13:00-18:01";
	refused(f, &p, "permit_window", "vendor_max_window");
	p.windows = "Mon 08:00-13:00; Mon 13:00-18:00";
	assert_int_equal(vendor_permit_check(&f->ctx, &p, CX_T0), 0);
	p = good();
	p.sources = "0.0.0.0/0";
	refused(f, &p, "permit_source", "vendor_widest_prefix_ipv4");
	p.sources = "192.0.2.0/27";
	refused(f, &p, "permit_source", "vendor_widest_prefix_ipv4");
	p.sources = "::/0";
	refused(f, &p, "permit_source", "vendor_widest_prefix_ipv6");
	p.sources = "2001:db8::/63";
	refused(f, &p, "permit_source", "vendor_widest_prefix_ipv6");
}

static void
test_a_permit_names_its_worker_place_and_work(void **state)
{
	struct cx *f = *state;
	struct vendor_permit p = good();

	p.worker = NULL;
	refused(f, &p, "permit_incomplete", "'worker'");
	p = good();
	p.place = "ACME\nOsaka";
	refused(f, &p, "permit_incomplete", "'place'");
	p = good();
	p.work = "";
	refused(f, &p, "permit_incomplete", "'work'");
}

/* Limits raised in kagid.conf are the ones applied. */
static void
test_the_limits_are_settings(void **state)
{
	struct cx *f = cx_open("vendor_max_horizon = 400d\n"
	    "vendor_max_window = 24h\nvendor_widest_prefix_ipv4 = 8\n");
	struct vendor_permit p = good();

	(void)state;
	p.expires = CX_T0 + 365LL * CX_DAY;
	p.windows = "Sun-Sat 00:00-24:00";
	p.sources = "10.0.0.0/8";
	assert_int_equal(vendor_permit_check(&f->ctx, &p, CX_T0), 0);
	cx_close(&f);
}

#define CX_TEST(fn) cmocka_unit_test_setup_teardown(fn, cx_setup, cx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		CX_TEST(test_a_permit_within_the_limits_passes),
		CX_TEST(test_the_permit_of_the_issue_is_refused_limit_by_limit),
		CX_TEST(test_a_permit_names_its_worker_place_and_work),
		cmocka_unit_test(test_the_limits_are_settings),
	};

	return cmocka_run_group_tests_name("vendor", tests, NULL, NULL);
}
