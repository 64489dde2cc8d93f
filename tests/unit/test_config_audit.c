/*
 * test_config_audit.c - the effective configuration on the audit chain
 * (tokend/core/config_audit.c, R-LOG-1, R-LOG-5): the first start, a
 * start without change and one with changes, each a "config" record that
 * says what changed, and when the policy last changed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config_audit.h"
#include "ctx_fixture.h"
#include "kagi_err.h"
#include "store.h"

/* The newest "config" record's fields, copied into buf. */
static int
copy_cb(const struct audit_rec *rec, void *arg)
{
	char *buf = arg;

	snprintf(buf, 8192, "%s", rec->fields != NULL ? rec->fields : "");
	return 0;
}

static const char *
last_config(struct cx *f, char *buf)
{
	buf[0] = '\0';
	assert_int_equal(store_audit_last_event(f->ctx.store, "config",
	    copy_cb, buf), 0);
	return buf;
}

/* config_audit_start() runs its own transaction: end the fixture's. */
static void
start(struct cx *f)
{
	store_rollback(f->ctx.store);
	assert_int_equal(config_audit_start(&f->ctx, f->conf), 0);
	assert_int_equal(store_begin(f->ctx.store), 0);
}

static void
test_every_start_records_the_configuration_and_what_changed(void **state)
{
	struct cx *f = *state;
	static char buf[8192];
	int64_t when = 0, seq = 0, first;

	assert_int_equal(config_audit_last_change(&f->ctx, &when, &seq),
	    KAGI_ERR_NOT_FOUND);
	start(f);
	assert_non_null(strstr(last_config(f, buf),
	    "\"changed\":\"first record of the configuration\""));
	assert_non_null(strstr(buf, "\"lockout_failures\":\"5\""));
	assert_int_equal(config_audit_last_change(&f->ctx, &when, &seq), 0);
	assert_int_equal(when, CX_T0);
	first = seq;

	/* Again, unchanged, later: the policy's change stays the first. */
	cx_clock(CX_T0 + 3600);
	start(f);
	assert_non_null(strstr(last_config(f, buf), "\"changed\":\"no change\""));
	assert_int_equal(config_audit_last_change(&f->ctx, &when, &seq), 0);
	assert_int_equal(when, CX_T0);
	assert_int_equal(seq, first);

	/* A threshold changed: named with its old and new value. */
	f->cfg.lockout_failures = 9;
	cx_clock(CX_T0 + 7200);
	start(f);
	assert_non_null(strstr(last_config(f, buf),
	    "\"changed\":\"lockout_failures: 5 -> 9\""));
	assert_non_null(strstr(buf, "\"changes\":1"));
	assert_int_equal(config_audit_last_change(&f->ctx, &when, &seq), 0);
	assert_int_equal(when, CX_T0 + 7200);
	assert_true(seq > first);
}

static void
test_the_digest_changes_with_any_setting(void **state)
{
	struct cx *f = *state;
	char a[CONFIG_DIGEST_HEX + 1], b[CONFIG_DIGEST_HEX + 1];

	assert_int_equal(config_audit_digest(&f->cfg, a), 0);
	assert_int_equal(config_audit_digest(&f->cfg, b), 0);
	assert_string_equal(a, b);
	f->cfg.fido2_attestation_privileged = 0;
	assert_int_equal(config_audit_digest(&f->cfg, b), 0);
	assert_string_not_equal(a, b);
}

#define CX_TEST(fn) cmocka_unit_test_setup_teardown(fn, cx_setup, cx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		CX_TEST(test_every_start_records_the_configuration_and_what_changed),
		CX_TEST(test_the_digest_changes_with_any_setting),
	};

	return cmocka_run_group_tests_name("config_audit", tests, NULL, NULL);
}
