/*
 * test_login.c - the log-in rules at fixed times (core/login*.c,
 * failures.c, throttle.c, totp_factor.c, vendor.c): what is checked in
 * which order, what a failure counts toward, what a success forgives,
 * and when a code is accepted (R-MFA-1, R-MFA-5, R-PRIV-2, R-PRIV-5,
 * R-REM-1, R-REM-3, R-AVL-1); under attack (issue 13): remote failures
 * lock remote log-ins only, with an alert when several addresses caused
 * it, delays grow, one failure locks again after a lock, unknown names
 * are counted, bounded, and a caller asks only about itself.
 *
 * A real store and sealing key in a temporary directory, one transaction
 * open (ctx_fixture.c); the clock is fixed and moved by the tests.  The default policy:
 * staff lock after 5 failures in 15 minutes for 15 minutes, privileged
 * after 3 until an administrator unlocks, an address is throttled after
 * 10 failures in 15 minutes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "audit_chain.h"
#include "ctx_fixture.h"
#include "failures.h"
#include "kagi_err.h"
#include "lockout.h"
#include "login.h"
#include "policy.h"
#include "proto_ops.h"
#include "seal.h"
#include "store_policy.h"
#include "proto.h"
#include "throttle.h"
#include "totp.h"
#include "totp_factor.h"
#include "vendor.h"

#define MIN 60

static int64_t now_t = CX_T0;
static struct peer root;

static int64_t
t_now(void)
{
	return now_t;
}

static void
t_at(int64_t t)
{
	now_t = t;
	cx_clock(t);
}

static int
setup(void **state)
{
	root = cx_peer(0, "root", PEER_VERIFIER | PEER_ADMIN | PEER_SELF |
	    PEER_APPROVER);
	now_t = CX_T0;
	return cx_setup(state);
}

struct count {
	const char *event;
	int n;
};

static int
count_cb(const struct audit_rec *rec, void *arg)
{
	struct count *c = arg;

	if (strcmp(rec->event, c->event) == 0)
		c->n++;
	return 0;
}

/* How many records of event the chain holds. */
static int
count_event(struct cx *f, const char *event)
{
	struct count c = { event, 0 };

	assert_int_equal(store_audit_scan(f->ctx.store, 0, count_cb, &c), 0);
	return c.n;
}

static const uint8_t seed[TOTP_SECRET_LEN] = "12345678901234567890";

/* An active SHA-1, 6-digit, 30-second TOTP token of u with seed. */
static void
add_totp(struct cx *f, const struct user_rec *u)
{
	struct token_rec t;
	char aad[SEAL_AAD_MAX];
	size_t aadlen = 0;
	int64_t id = 0;

	memset(&t, 0, sizeof(t));
	t.user_id = u->id;
	t.type = TOKEN_TOTP;
	t.state = TOKEN_ACTIVE;
	t.algorithm = TOTP_SHA1;
	t.digits = 6;
	t.period = 30;
	t.last_step = -1;
	t.created = t_now();
	assert_int_equal(seal_aad(SEAL_TOTP_SEED, u->name, aad, &aadlen), 0);
	assert_int_equal(seal(f->ctx.key, aad, aadlen, seed, sizeof(seed),
	    &t.sealed, &t.sealed_len), 0);
	assert_int_equal(store_token_add(f->ctx.store, &t, &id), 0);
	token_rec_clear(&t);
}

static void
code_at(int64_t t, char code[TOTP_CODE_MAX + 1])
{
	assert_int_equal(totp_generate(seed, sizeof(seed), TOTP_SHA1, 6, 30, t,
	    code), 0);
}

static void
req(struct login_req *a, const char *user, const char *rhost)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->user, sizeof(a->user), "%s", user);
	a->name_ok = 1;
	a->service = "login";
	a->tty = "tty1";
	a->rhost = rhost;
	a->zone = "mynumber";
	a->zone_idx = 0;
}

/* One auth_totp; the verdict. */
static const char *
totp(struct cx *f, const struct login_req *a, const char *code)
{
	struct json_object *reply = json_object_new_object();
	const char *v = NULL;

	assert_int_equal(login_totp(&f->ctx, &root, a, code, t_now(),
	    reply, &v), 0);
	json_object_put(reply);
	assert_non_null(v);
	return v;
}

/* auth_totp with a right code, confirmed by the account phase; its verdict. */
static const char *
totp_confirmed(struct cx *f, const struct login_req *a, const char *code)
{
	struct json_object *reply = json_object_new_object();
	const char *v = NULL;

	assert_int_equal(login_totp(&f->ctx, &root, a, code, t_now(),
	    reply, &v), 0);
	assert_string_equal(v, VERDICT_SUCCESS);
	assert_int_equal(login_confirm(&f->ctx, &root, a,
	    json_object_get_string(json_object_object_get(reply, "confirm")),
	    t_now(), reply, &v), 0);
	json_object_put(reply);
	assert_non_null(v);
	return v;
}

static void
test_a_code_is_accepted_once(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	char code[TOTP_CODE_MAX + 1];

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	req(&a, "tanaka", NULL);
	code_at(t_now(), code);
	assert_string_equal(totp(f, &a, code), VERDICT_SUCCESS);
	assert_string_equal(totp(f, &a, code), VERDICT_DENIED);
	/* The replay is a failure like a wrong code (R-MFA-5). */
	assert_int_equal(cx_lock(f, &u, 0).failures, 1);
	/* The next step's code is accepted. */
	t_at(t_now() + 30);
	code_at(t_now(), code);
	assert_string_equal(totp(f, &a, code), VERDICT_SUCCESS);
}

static void
test_the_fifth_wrong_code_locks_a_staff_account(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	char code[TOTP_CODE_MAX + 1];
	int i;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	req(&a, "tanaka", NULL);
	for (i = 0; i < 4; i++)
		assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_false(lockout_is_locked(&(struct lock_rec){ 0 }, 0));
	assert_int_equal(cx_lock(f, &u, 0).failures, 4);
	assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_true(cx_lock(f, &u, 0).locked_until > t_now());
	assert_int_equal(count_event(f, "lockout"), 1);
	/* Locked: the right code is refused without being looked at, and
	 * the attempt still counts. */
	code_at(t_now(), code);
	assert_string_equal(totp(f, &a, code), VERDICT_DENIED);
	assert_int_equal(cx_lock(f, &u, 0).failures, 1);
	/* After the lock's 15 minutes the right code works. */
	t_at(t_now() + 15 * MIN + 1);
	code_at(t_now(), code);
	assert_string_equal(totp(f, &a, code), VERDICT_SUCCESS);
}

static void
test_a_privileged_account_locks_after_three_until_unlocked(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	struct json_object *reply;
	const char *v = NULL;
	int i;

	cx_user(f, "boss", ROLE_PRIVILEGED, &u);
	req(&a, "boss", NULL);
	for (i = 0; i < 3; i++) {
		reply = json_object_new_object();
			assert_int_equal(login_fido2(&f->ctx, &root, &a, "pin_invalid", 0,
		    NULL, t_now(), reply, &v), 0);
			json_object_put(reply);
		assert_string_equal(v, VERDICT_DENIED);
	}
	assert_int_equal(cx_lock(f, &u, 0).locked_until, LOCK_UNTIL_ADMIN);
	/* A day later it is still locked (R-PRIV-5). */
	t_at(t_now() + 24 * 3600);
	assert_true(lockout_is_locked(&(struct lock_rec){
	    .locked_until = cx_lock(f, &u, 0).locked_until }, t_now()));
}

static void
test_one_address_never_locks_an_account(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	int i;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	req(&a, "tanaka", "192.0.2.7");
	for (i = 0; i < 9; i++)
		assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	/* At most max_failures - 1 of one address's failures count, toward
	 * the remote log-ins' lock. */
	assert_int_equal(cx_lock(f, &u, 1).failures, 4);
	assert_int_equal(cx_lock(f, &u, 1).locked_until, 0);
	assert_int_equal(cx_lock(f, &u, 0).failures, 0);
	/* The tenth failure of the address throttles it (R-AVL-1). */
	assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_string_equal(totp(f, &a, "000000"), VERDICT_THROTTLED);
	assert_int_equal(count_event(f, "throttle"), 1);
	assert_int_equal(cx_lock(f, &u, 1).locked_until, 0);
	/* The user's own terminal counts toward the account's own lock. */
	req(&a, "tanaka", NULL);
	assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_int_equal(cx_lock(f, &u, 0).failures, 1);
}

static void
test_a_throttled_address_is_refused_for_every_user(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	char code[TOTP_CODE_MAX + 1];
	int i;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	/* Unknown users' failures count toward the address's throttle. */
	req(&a, "nobody-here", "198.51.100.9");
	for (i = 0; i < 10; i++)
		assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	req(&a, "tanaka", "198.51.100.9");
	code_at(t_now(), code);
	assert_string_equal(totp(f, &a, code), VERDICT_THROTTLED);
	/* Nothing was looked at or counted for tanaka. */
	assert_int_equal(cx_lock(f, &u, 0).failures, 0);
	/* A clock moved back ends no throttle early. */
	t_at(t_now() - 3600);
	assert_string_equal(totp(f, &a, code), VERDICT_THROTTLED);
	/* After the interval the address may try again. */
	t_at(t_now() + 3600 + 15 * MIN + 1);
	code_at(t_now(), code);
	assert_string_equal(totp(f, &a, code), VERDICT_SUCCESS);
}

static void
test_a_success_forgives_only_its_own_factor_and_service(void **state)
{
	struct cx *f = *state;
	struct login_req a, other;
	struct user_rec u;
	struct json_object *reply;
	const char *v = NULL;
	char code[TOTP_CODE_MAX + 1];

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	req(&a, "tanaka", NULL);
	req(&other, "tanaka", NULL);
	other.service = "sshd";
	assert_string_equal(totp(f, &other, "000000"), VERDICT_DENIED);
	assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_int_equal(cx_lock(f, &u, 0).failures, 3);
	code_at(t_now(), code);
	reply = json_object_new_object();
	assert_int_equal(login_totp(&f->ctx, &root, &a, code, t_now(), reply,
	    &v), 0);
	assert_string_equal(v, VERDICT_SUCCESS);
	/* Provisional: nothing forgiven before the account phase. */
	assert_int_equal(cx_lock(f, &u, 0).failures, 3);
	assert_int_equal(login_confirm(&f->ctx, &root, &a,
	    json_object_get_string(json_object_object_get(reply, "confirm")),
	    t_now(), reply, &v), 0);
	assert_string_equal(v, VERDICT_OK);
	json_object_put(reply);
	/* The two at "login" are forgiven, the one at "sshd" stays. */
	assert_int_equal(cx_lock(f, &u, 0).failures, 1);
}

static void
test_totp_is_refused_for_a_privileged_user_without_counting(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;

	cx_user(f, "boss", ROLE_PRIVILEGED, &u);
	add_totp(f, &u);
	req(&a, "boss", NULL);
	assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_int_equal(cx_lock(f, &u, 0).failures, 0);
	assert_int_equal(login_factors_allowed(&f->ctx, &u, &a),
	    FACTOR_FIDO2);
}

static void
test_a_vendor_logs_in_only_inside_its_terms(void **state)
{
	struct cx *f = *state;
	struct vendor_rec v;
	struct user_rec u, staff;
	const char *why = NULL;
	/* CX_T0 is Wednesday 2023-11-15 07:13 in Tokyo: an hour later the
	 * window is open, eleven hours later it is closed. */
	int64_t in = CX_T0 + 3600;

	cx_user(f, "acme", ROLE_VENDOR, &u);
	cx_user(f, "tanaka", ROLE_STAFF, &staff);
	assert_int_equal(vendor_terms(&f->ctx, &staff, NULL, in, &why), 0);
	assert_null(why);
	assert_int_equal(vendor_terms(&f->ctx, &u, "10.0.0.5", in, &why), 0);
	assert_string_equal(why, "no_terms");
	memset(&v, 0, sizeof(v));
	v.user_id = u.id;
	v.expires = CX_T0 + 30 * 24 * 3600;
	snprintf(v.company, sizeof(v.company), "ACME");
	snprintf(v.approver, sizeof(v.approver), "root");
	snprintf(v.windows, sizeof(v.windows), "Wed 07:00-17:00");
	snprintf(v.sources, sizeof(v.sources), "10.0.0.0/24");
	assert_int_equal(store_vendor_put(f->ctx.store, &v), 0);
	assert_int_equal(vendor_terms(&f->ctx, &u, "10.0.0.5", in, &why), 0);
	assert_null(why);
	assert_int_equal(vendor_terms(&f->ctx, &u, "10.0.1.5", in, &why), 0);
	assert_string_equal(why, "source_address");
	assert_int_equal(vendor_terms(&f->ctx, &u, NULL, in, &why), 0);
	assert_string_equal(why, "source_address");
	assert_int_equal(vendor_terms(&f->ctx, &u, "10.0.0.5",
	    CX_T0 + 11 * 3600, &why), 0);
	assert_string_equal(why, "outside_window");
	assert_int_equal(vendor_terms(&f->ctx, &u, "10.0.0.5",
	    in + 35 * 24 * 3600, &why), 0);
	assert_string_equal(why, "expired");
	snprintf(v.windows, sizeof(v.windows), "Someday");
	assert_int_equal(store_vendor_put(f->ctx.store, &v), 0);
	assert_int_equal(vendor_terms(&f->ctx, &u, "10.0.0.5", in, &why), 0);
	assert_string_equal(why, "bad_terms");
}

static void
test_account_says_what_stands_in_the_way(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	const char *v = NULL;

	req(&a, "ghost", NULL);
	assert_int_equal(login_account(&f->ctx, &root, &a, t_now(),
	    &v), 0);
	assert_string_equal(v, VERDICT_UNKNOWN);
	cx_user(f, "tanaka", ROLE_STAFF, &u);
	req(&a, "tanaka", NULL);
	assert_int_equal(login_account(&f->ctx, &root, &a, t_now(),
	    &v), 0);
	assert_string_equal(v, VERDICT_UNENROLLED);
	add_totp(f, &u);
	assert_int_equal(login_account(&f->ctx, &root, &a, t_now(),
	    &v), 0);
	assert_int_equal(store_user_set_disabled(f->ctx.store, u.id, 1), 0);
	assert_string_equal(v, VERDICT_OK);
	assert_int_equal(login_account(&f->ctx, &root, &a, t_now(),
	    &v), 0);
	assert_string_equal(v, VERDICT_DISABLED);
}

static void
test_throttle_counts_to_its_limit_and_ends(void **state)
{
	struct cx *f = *state;
	int64_t until = 0, t = CX_T0;
	int on = 0, i;

	(void)f;
	for (i = 0; i < 2; i++) {
		assert_int_equal(throttle_count(f->ctx.store, 3, 60, "h", t,
		    &until), 0);
		assert_int_equal(until, 0);
	}
	assert_int_equal(throttle_count(f->ctx.store, 3, 60, "h", t, &until),
	    0);
	assert_int_equal(until, t + 60);
	assert_int_equal(throttle_active(f->ctx.store, "h", t + 59, &on), 0);
	assert_true(on);
	assert_int_equal(throttle_active(f->ctx.store, "h", t + 60, &on), 0);
	assert_false(on);
	assert_int_equal(throttle_active(f->ctx.store, "other", t, &on), 0);
	assert_false(on);
	assert_int_equal(throttle_active(f->ctx.store, NULL, t, &on), 0);
	assert_false(on);
	/* No address, nothing counted. */
	assert_int_equal(throttle_count(f->ctx.store, 1, 60, NULL, t, &until),
	    0);
	assert_int_equal(until, 0);
}

static void
test_failures_count_per_source_and_forgive_per_service(void **state)
{
	struct cx *f = *state;
	const struct lockout_policy *p;
	struct failure_outcome o;
	struct user_rec u;
	struct lock_rec l;
	struct fail_subject who = { 0, NULL, 0 };
	int64_t t = CX_T0;
	int i;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	who.user_id = u.id;
	p = failures_policy(&f->ctx, ROLE_STAFF);
	assert_int_equal(p->max_failures, 5);
	for (i = 0; i < 4; i++) {
		assert_int_equal(failures_count(f->ctx.store, p, &who, "a",
		    "totp", "login", t, &o), 0);
		assert_true(o.counted);
		assert_true(o.remote);
	}
	assert_int_equal(failures_count(f->ctx.store, p, &who, "a", "totp",
	    "login", t, &o), 0);
	assert_false(o.counted);
	assert_false(o.locked);
	assert_int_equal(failures_count(f->ctx.store, p, &who, "b", "fido2",
	    "login", t, &o), 0);
	assert_true(o.counted);
	assert_true(o.locked);
	assert_int_equal(o.sources, 2);
	assert_int_equal(o.lock.lock_count, 1);
	/* That lock is the remote log-ins': the account's own is open. */
	assert_int_equal(store_lock_get(f->ctx.store, u.id, &l), 0);
	assert_int_equal(l.locked_until, 0);
	/* Local failures; forgiveness is per factor and service. */
	t += 16 * MIN;
	assert_int_equal(failures_count(f->ctx.store, p, &who, NULL, "totp",
	    "login", t, &o), 0);
	assert_false(o.remote);
	assert_int_equal(failures_count(f->ctx.store, p, &who, NULL, "fido2",
	    "login", t, &o), 0);
	assert_int_equal(store_lock_get(f->ctx.store, u.id, &l), 0);
	assert_int_equal(l.failures, 2);
	assert_int_equal(failures_forgive(f->ctx.store, u.id, "totp", "login",
	    &l), 0);
	assert_int_equal(l.failures, 1);
	/* Forgiven once: a second forgiveness has nothing left to forgive. */
	assert_int_equal(failures_forgive(f->ctx.store, u.id, "totp", "login",
	    &l), 0);
	assert_int_equal(l.failures, 1);
}

/* --- under attack (issue 13) ------------------------------------------- */

struct fields_of {
	const char *event;
	char text[1024];
};

static int
fields_cb(const struct audit_rec *rec, void *arg)
{
	struct fields_of *fo = arg;

	if (strcmp(rec->event, fo->event) == 0)
		snprintf(fo->text, sizeof(fo->text), "%s",
		    rec->fields != NULL ? rec->fields : "");
	return 0;
}

/* The fields of the newest record of event, as text. */
static const char *
last_fields(struct cx *f, const char *event, struct fields_of *fo)
{
	memset(fo, 0, sizeof(*fo));
	fo->event = event;
	assert_int_equal(store_audit_scan(f->ctx.store, 0, fields_cb, fo), 0);
	return fo->text;
}

/* One account phase; the verdict. */
static const char *
account(struct cx *f, const struct login_req *a)
{
	const char *v = NULL;

	assert_int_equal(login_account(&f->ctx, &root, a, t_now(), &v), 0);
	return v;
}

/* One auth_totp as totp() does; how long kagid asks to hold the answer. */
static int64_t
totp_held(struct cx *f, const struct login_req *a, const char *code,
    const char *verdict)
{
	f->ctx.hold_ms = 0;
	assert_string_equal(totp(f, a, code), verdict);
	return f->ctx.hold_ms;
}

static void
test_five_addresses_lock_remote_log_ins_only_with_an_alert(void **state)
{
	struct cx *f = *state;
	static const char *const from[] = { "192.0.2.1", "192.0.2.2",
	    "192.0.2.3", "192.0.2.4", "192.0.2.5" };
	struct fields_of fo;
	struct login_req a, local;
	struct user_rec u;
	char code[TOTP_CODE_MAX + 1];
	int i;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	for (i = 0; i < 5; i++) {
		req(&a, "tanaka", from[i]);
		assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	}
	/* Remote log-ins are locked, with an alert naming five sources. */
	assert_true(cx_lock(f, &u, 1).locked_until > t_now());
	assert_int_equal(count_event(f, "lockout"), 1);
	last_fields(f, "lockout", &fo);
	assert_non_null(strstr(fo.text, "\"scope\":\"remote\""));
	assert_non_null(strstr(fo.text, "\"sources\":5"));
	assert_int_equal(f->ctx.nlogs > 0, 1);
	assert_int_equal(f->ctx.logs[f->ctx.nlogs - 1].prio, LOG_ALERT);
	/* The console is not. */
	req(&local, "tanaka", NULL);
	assert_int_equal(cx_lock(f, &u, 0).locked_until, 0);
	assert_string_equal(account(f, &local), VERDICT_OK);
	assert_string_equal(account(f, &a), VERDICT_LOCKED);
	code_at(t_now(), code);
	req(&a, "tanaka", "192.0.2.9");
	assert_string_equal(totp(f, &a, code), VERDICT_DENIED);
	assert_string_equal(totp(f, &local, code), VERDICT_SUCCESS);
	/* The console's success ends no remote lock. */
	assert_string_equal(account(f, &a), VERDICT_LOCKED);
}

static void
test_an_administrator_locked_from_the_network_keeps_the_console(void **state)
{
	struct cx *f = *state;
	static const char *const from[] = { "198.51.100.1", "198.51.100.2",
	    "198.51.100.3" };
	struct json_object *reply;
	struct login_req a, local;
	struct user_rec u;
	const char *v = NULL;
	int i;

	cx_user(f, "boss", ROLE_PRIVILEGED, &u);
	(void)cx_totp(f, &u, TOKEN_ACTIVE);	/* an active token: enrolled */
	req(&local, "boss", NULL);
	for (i = 0; i < 3; i++) {
		req(&a, "boss", from[i]);
		reply = json_object_new_object();
		assert_int_equal(login_fido2(&f->ctx, &root, &a, "pin_invalid",
		    0, NULL, t_now(), reply, &v), 0);
		json_object_put(reply);
		assert_string_equal(v, VERDICT_DENIED);
	}
	/* R-PRIV-5 holds for the network: locked until an unlock. */
	assert_int_equal(cx_lock(f, &u, 1).locked_until, LOCK_UNTIL_ADMIN);
	t_at(t_now() + 7 * CX_DAY);
	assert_string_equal(account(f, &a), VERDICT_LOCKED);
	/* The console stays the administrator's. */
	assert_string_equal(account(f, &local), VERDICT_OK);
	/* Where the stricter rule holds too: three failures, an unlock. */
	for (i = 0; i < 3; i++) {
		reply = json_object_new_object();
		assert_int_equal(login_fido2(&f->ctx, &root, &local,
		    "pin_invalid", 0, NULL, t_now(), reply, &v), 0);
		json_object_put(reply);
	}
	assert_int_equal(cx_lock(f, &u, 0).locked_until, LOCK_UNTIL_ADMIN);
	assert_string_equal(account(f, &local), VERDICT_LOCKED);
	/* An administrator's unlock opens both. */
	assert_int_equal(failures_unlock(f->ctx.store, u.id), 0);
	assert_string_equal(account(f, &local), VERDICT_OK);
	assert_string_equal(account(f, &a), VERDICT_OK);
}

static void
test_answers_wait_longer_with_each_failure_for_users_and_names(void **state)
{
	struct cx *f = *state;
	static const int64_t want[] = { 0, 1000, 2000, 4000, 8000, 8000 };
	struct login_req a, ghost;
	struct user_rec u;
	int i;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	req(&a, "tanaka", NULL);
	req(&ghost, "nosuchuser", NULL);
	for (i = 0; i < 6; i++) {
		assert_int_equal(totp_held(f, &a, "000000", VERDICT_DENIED),
		    want[i]);
		/* A name that is no user is held just as long. */
		assert_int_equal(totp_held(f, &ghost, "000000",
		    VERDICT_DENIED), want[i]);
	}
	/* A success is never held. */
	t_at(t_now() + 16 * MIN);
	req(&a, "tanaka", NULL);
	{
		char code[TOTP_CODE_MAX + 1];

		code_at(t_now(), code);
		assert_int_equal(totp_held(f, &a, code, VERDICT_SUCCESS), 0);
	}
}

static void
test_after_a_lock_one_failure_locks_again(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	char code[TOTP_CODE_MAX + 1];
	int64_t first;
	int i;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	req(&a, "tanaka", NULL);
	for (i = 0; i < 5; i++)
		assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	first = cx_lock(f, &u, 0).locked_until;
	assert_true(first > t_now());
	/* The lock ends: one wrong code locks again, twice as long. */
	t_at(first + 1);
	assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_int_equal(cx_lock(f, &u, 0).locked_until, t_now() + 30 * MIN);
	assert_int_equal(count_event(f, "lockout"), 2);
	/* A success ends that: then the full quota again. */
	t_at(cx_lock(f, &u, 0).locked_until + 1);
	code_at(t_now(), code);
	assert_string_equal(totp_confirmed(f, &a, code), VERDICT_OK);
	assert_int_equal(cx_lock(f, &u, 0).relock, 0);
	t_at(t_now() + 30);
	for (i = 0; i < 4; i++)
		assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_int_equal(cx_lock(f, &u, 0).locked_until < t_now(), 1);
}

static void
test_unknown_names_are_counted_and_bounded(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	int64_t locks = 0, keys = 0;
	char name[32];
	int i;

	/* A name that is no user locks as a user would (5, staff). */
	req(&a, "nosuchuser", NULL);
	for (i = 0; i < 5; i++)
		assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	f->ctx.hold_ms = 0;
	assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	assert_int_equal(f->ctx.hold_ms, 8000);
	/* Guessing names fills nothing: at most unknown_names_max kept. */
	f->cfg.unknown_names_max = 100;
	for (i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "guess%03d", i);
		req(&a, name, "203.0.113.7");
		(void)totp(f, &a, "000000");
	}
	assert_int_equal(store_unknown_count(f->ctx.store, &locks, &keys), 0);
	assert_true(locks <= 100);
	assert_true(keys <= 100);
	/* One lockout record, nosuchuser's, and no user was made. */
	assert_int_equal(count_event(f, "lockout"), 1);
	assert_int_equal(store_user_get(f->ctx.store, "nosuchuser", &u),
	    KAGI_ERR_NOT_FOUND);
}

static void
test_a_name_locked_from_five_addresses_is_an_alert_as_a_user(void **state)
{
	struct cx *f = *state;
	static const char *const from[] = { "192.0.2.11", "192.0.2.12",
	    "192.0.2.13", "192.0.2.14", "192.0.2.15" };
	struct fields_of fo;
	struct login_req a;
	int i;

	/* R-INC-1: a distributed flood on a name that is no user. */
	for (i = 0; i < 5; i++) {
		req(&a, "nosuchuser", from[i]);
		assert_string_equal(totp(f, &a, "000000"), VERDICT_DENIED);
	}
	assert_int_equal(count_event(f, "lockout"), 1);
	last_fields(f, "lockout", &fo);
	assert_non_null(strstr(fo.text, "\"unknown_user\":true"));
	assert_non_null(strstr(fo.text, "\"scope\":\"remote\""));
	assert_non_null(strstr(fo.text, "\"sources\":5"));
	assert_int_equal(f->ctx.nlogs > 0, 1);
	assert_int_equal(f->ctx.logs[f->ctx.nlogs - 1].prio, LOG_ALERT);
}

static void
test_a_caller_may_ask_only_about_itself_and_is_recorded(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_SELF);
	struct json_object *req_other, *req_self;
	struct fields_of fo;

	req_other = json_object_new_object();
	req_self = json_object_new_object();
	assert_int_equal(proto_set_str(req_other, "user", " Bob "), 0);
	assert_int_equal(proto_set_str(req_other, "service", "xlock"), 0);
	assert_int_equal(proto_set_str(req_self, "user", "ALICE"), 0);
	assert_true(login_caller_may(&alice, req_self));
	assert_int_equal(login_caller_check(&f->ctx, &alice, "auth_totp",
	    req_self), 0);
	assert_false(login_caller_may(&alice, req_other));
	assert_int_equal(login_caller_check(&f->ctx, &alice, "auth_totp",
	    req_other), KAGI_ERR_DENIED);
	last_fields(f, "auth", &fo);
	assert_non_null(strstr(fo.text, "\"reason\":\"caller_not_allowed\""));
	assert_non_null(strstr(fo.text, "\"op\":\"auth_totp\""));
	assert_true(login_caller_may(&root, req_other));
	json_object_put(req_other);
	json_object_put(req_self);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, cx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_a_code_is_accepted_once),
		TEST(test_the_fifth_wrong_code_locks_a_staff_account),
		TEST(test_a_privileged_account_locks_after_three_until_unlocked),
		TEST(test_one_address_never_locks_an_account),
		TEST(test_a_throttled_address_is_refused_for_every_user),
		TEST(test_a_success_forgives_only_its_own_factor_and_service),
		TEST(test_totp_is_refused_for_a_privileged_user_without_counting),
		TEST(test_a_vendor_logs_in_only_inside_its_terms),
		TEST(test_account_says_what_stands_in_the_way),
		TEST(test_throttle_counts_to_its_limit_and_ends),
		TEST(test_failures_count_per_source_and_forgive_per_service),
		TEST(test_five_addresses_lock_remote_log_ins_only_with_an_alert),
		TEST(test_an_administrator_locked_from_the_network_keeps_the_console),
		TEST(test_answers_wait_longer_with_each_failure_for_users_and_names),
		TEST(test_after_a_lock_one_failure_locks_again),
		TEST(test_unknown_names_are_counted_and_bounded),
		TEST(test_a_name_locked_from_five_addresses_is_an_alert_as_a_user),
		TEST(test_a_caller_may_ask_only_about_itself_and_is_recorded),
	};

	return cmocka_run_group_tests_name("login", tests, NULL, NULL);
}
