/*
 * test_enrollment.c - enrollment codes (tokend/core/enrollment.c) at
 * fixed times, on a real temporary store: a code is single use, expires,
 * is never issued to or accepted for a privileged user, and a wrong code
 * changes nothing (R-TOK-4, R-PRIV-3); a user enrolling their own key
 * with a code gets only their own, enabled, unlocked account, and the
 * code is spent only with the key.
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
#include "enrollment.h"
#include "fido2_reg.h"
#include "kagi_err.h"
#include "names.h"
#include "store_life.h"
#include "store_policy.h"
#include "ucode.h"

static const char *
str_of(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* An administrator issues u a code; code receives it as shown. */
static void
issue(struct cx *f, const struct user_rec *u, char *code, size_t len)
{
	struct peer admin = cx_peer(1000, "alice", PEER_ADMIN);
	struct json_object *reply = json_object_new_object();

	assert_int_equal(enroll_code_issue(&f->ctx, &admin, u, reply), 0);
	assert_string_equal(str_of(reply, "user"), u->name);
	assert_non_null(str_of(reply, "code"));
	snprintf(code, len, "%s", str_of(reply, "code"));
	json_object_put(reply);
}

/* u types code at log-in; what it turned out to be. */
static int
try_code(struct cx *f, const struct user_rec *u, const char *code)
{
	struct peer root = cx_peer(0, "root", PEER_VERIFIER);
	struct json_object *reply = json_object_new_object();
	int took = -1;

	assert_int_equal(enroll_code_try(&f->ctx, &root, u, code, reply,
	    &took), 0);
	if (took == CODE_TOOK_ENROLL) {
		assert_string_equal(str_of(reply, "verdict"), "enroll");
		assert_non_null(strstr(str_of(reply, "uri"), "otpauth://"));
		assert_non_null(str_of(reply, "qr"));
	} else
		assert_int_equal(json_object_object_length(reply), 0);
	json_object_put(reply);
	return took;
}

static void
test_a_code_is_single_use(void **state)
{
	struct cx *f = *state;
	struct enroll_code_rec e;
	struct user_rec u;
	char code[64], ev[256];
	int64_t seq;

	cx_user(f, "sato", ROLE_STAFF, &u);
	issue(f, &u, code, sizeof(code));
	seq = cx_audit_seq(f);
	cx_clock(CX_T0 + 60);
	assert_int_equal(try_code(f, &u, code), CODE_TOOK_ENROLL);
	assert_int_equal(cx_tokens(f, u.id, TOKEN_PENDING), 1);
	assert_int_equal(store_enroll_code_get(f->ctx.store, u.id, &e), 0);
	assert_int_equal(e.used, CX_T0 + 60);
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)),
	    "enroll_code_use");
	/* Spent at its first presentation: the second makes nothing. */
	seq = cx_audit_seq(f);
	assert_int_equal(try_code(f, &u, code), CODE_TOOK_NONE);
	assert_int_equal(cx_tokens(f, u.id, -1), 1);
	assert_int_equal(cx_audit_seq(f), seq);
}

static void
test_a_code_expires(void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	char code[64];

	cx_user(f, "sato", ROLE_STAFF, &u);
	issue(f, &u, code, sizeof(code));
	/* At the end of its lifetime it is refused, and stays unused. */
	cx_clock(CX_T0 + f->cfg.enroll_code_lifetime);
	assert_int_equal(try_code(f, &u, code), CODE_TOOK_NONE);
	assert_int_equal(cx_tokens(f, u.id, -1), 0);
	/* A second before, it is still good. */
	cx_clock(CX_T0 + f->cfg.enroll_code_lifetime - 1);
	assert_int_equal(try_code(f, &u, code), CODE_TOOK_ENROLL);
}

static void
test_issuing_another_code_replaces_the_first(void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	char first[64], second[64];

	cx_user(f, "sato", ROLE_STAFF, &u);
	issue(f, &u, first, sizeof(first));
	issue(f, &u, second, sizeof(second));
	assert_string_not_equal(first, second);
	assert_int_equal(try_code(f, &u, first), CODE_TOOK_NONE);
	assert_int_equal(try_code(f, &u, second), CODE_TOOK_ENROLL);
}

static void
test_a_code_is_refused_for_a_privileged_user(void **state)
{
	struct cx *f = *state;
	struct peer admin = cx_peer(1000, "alice", PEER_ADMIN);
	struct json_object *reply = json_object_new_object();
	struct enroll_code_rec e;
	struct user_rec p, u;
	char code[64];
	int64_t seq = cx_audit_seq(f);

	/* Never issued to a privileged or a disabled user. */
	cx_user(f, "kanri", ROLE_PRIVILEGED, &p);
	assert_int_equal(enroll_code_issue(&f->ctx, &admin, &p, reply),
	    KAGI_ERR_STATE);
	cx_user(f, "gone", ROLE_STAFF, &u);
	u.disabled = 1;
	assert_int_equal(enroll_code_issue(&f->ctx, &admin, &u, reply),
	    KAGI_ERR_STATE);
	assert_int_equal(json_object_object_length(reply), 0);
	assert_int_equal(cx_audit_seq(f), seq);
	/* One issued before a role change is refused, and left unused. */
	cx_user(f, "sato", ROLE_STAFF, &u);
	issue(f, &u, code, sizeof(code));
	assert_int_equal(store_user_set_role(f->ctx.store, u.id,
	    ROLE_PRIVILEGED), 0);
	u.role = ROLE_PRIVILEGED;
	assert_int_equal(try_code(f, &u, code), CODE_TOOK_NONE);
	assert_int_equal(cx_tokens(f, u.id, -1), 0);
	assert_int_equal(store_enroll_code_get(f->ctx.store, u.id, &e), 0);
	assert_int_equal(e.used, 0);
	json_object_put(reply);
}

static void
test_a_wrong_code_changes_nothing(void **state)
{
	struct cx *f = *state;
	struct enroll_code_rec before, after;
	struct user_rec u, other;
	char code[64], others[64], wrong[UCODE_SHOWN_LEN + 1];
	int64_t seq;

	cx_user(f, "sato", ROLE_STAFF, &u);
	cx_user(f, "suzuki", ROLE_STAFF, &other);
	issue(f, &u, code, sizeof(code));
	issue(f, &other, others, sizeof(others));
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	assert_int_equal(store_enroll_code_get(f->ctx.store, u.id, &before), 0);
	seq = cx_audit_seq(f);
	assert_int_equal(ucode_generate(wrong), 0);
	/* Another code, someone else's code, a TOTP code, junk. */
	assert_int_equal(try_code(f, &u, wrong), CODE_TOOK_NONE);
	assert_int_equal(try_code(f, &u, others), CODE_TOOK_NONE);
	assert_int_equal(try_code(f, &u, "123456"), CODE_TOOK_NONE);
	assert_int_equal(try_code(f, &u, ""), CODE_TOOK_NONE);
	assert_int_equal(cx_audit_seq(f), seq);
	assert_int_equal(cx_tokens(f, u.id, -1), 0);
	assert_int_equal(cx_tokens(f, other.id, -1), 0);
	assert_int_equal(store_enroll_code_get(f->ctx.store, u.id, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));
	/* And the right code still works. */
	assert_int_equal(try_code(f, &u, code), CODE_TOOK_ENROLL);
}

static void
test_self_enrollment_serves_the_callers_own_account(void **state)
{
	struct cx *f = *state;
	struct peer sato = cx_peer(1500, "sato", PEER_SELF);
	struct peer nobody = cx_peer(1501, "", PEER_SELF);
	struct user_rec u, other, got;
	const char *why = "unset";
	char code[64];

	cx_user(f, "sato", ROLE_STAFF, &u);
	cx_user(f, "suzuki", ROLE_STAFF, &other);
	issue(f, &u, code, sizeof(code));
	/* Another account, or a caller without a name: denied. */
	assert_int_equal(enroll_self_check(&f->ctx, &sato, "suzuki", code,
	    &got, &why), KAGI_ERR_DENIED);
	assert_int_equal(enroll_self_check(&f->ctx, &nobody, NULL, code,
	    &got, &why), KAGI_ERR_DENIED);
	/* The caller's own, by any spelling of its name. */
	assert_int_equal(enroll_self_check(&f->ctx, &sato, "Sato", code, &got,
	    &why), 0);
	assert_null(why);
	assert_int_equal(got.id, u.id);
	assert_int_equal(enroll_self_check(&f->ctx, &sato, NULL, "123456",
	    &got, &why), 0);
	assert_string_equal(why, "bad_code");
}

static void
test_self_enrollment_refuses_a_disabled_or_locked_account(void **state)
{
	struct cx *f = *state;
	struct peer sato = cx_peer(1500, "sato", PEER_SELF);
	struct json_object *reply = json_object_new_object();
	struct user_rec u, got;
	struct lock_rec l;
	const char *why = NULL;
	char code[64], ev[256];
	int64_t seq;

	cx_user(f, "sato", ROLE_STAFF, &u);
	issue(f, &u, code, sizeof(code));
	memset(&l, 0, sizeof(l));
	l.locked_until = CX_T0 + 600;
	assert_int_equal(store_lock_put(f->ctx.store, u.id, &l), 0);
	assert_int_equal(enroll_self_check(&f->ctx, &sato, NULL, code, &got,
	    &why), 0);
	assert_string_equal(why, "locked");
	/* The lock ends; a disabled account is refused all the same. */
	cx_clock(CX_T0 + 600);
	assert_int_equal(enroll_self_check(&f->ctx, &sato, NULL, code, &got,
	    &why), 0);
	assert_null(why);
	assert_int_equal(store_user_set_disabled(f->ctx.store, u.id, 1), 0);
	assert_int_equal(enroll_self_check(&f->ctx, &sato, NULL, code, &got,
	    &why), 0);
	assert_string_equal(why, "disabled");
	seq = cx_audit_seq(f);
	assert_int_equal(enroll_self_refuse(&f->ctx, &sato, &got, why, reply),
	    0);
	assert_string_equal(str_of(reply, "refused"), "disabled");
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)),
	    "enroll_code_refused");
	json_object_put(reply);
}

static void
test_starting_a_key_registration_leaves_the_code_unspent(void **state)
{
	struct cx *f = *state;
	struct peer sato = cx_peer(1500, "sato", PEER_SELF);
	struct json_object *reply = json_object_new_object();
	struct enroll_code_rec e;
	struct user_rec u;
	char code[64];

	cx_user(f, "sato", ROLE_STAFF, &u);
	issue(f, &u, code, sizeof(code));
	assert_int_equal(fido2_reg_self_begin(&f->ctx, &sato, NULL, code,
	    reply), 0);
	assert_null(str_of(reply, "refused"));
	assert_non_null(str_of(reply, "challenge"));
	assert_string_equal(str_of(reply, "user"), "sato");
	assert_int_equal(store_enroll_code_get(f->ctx.store, u.id, &e), 0);
	assert_int_equal(e.used, 0);
	json_object_put(reply);
	/* Spent only with the key it is used for. */
	assert_int_equal(enroll_code_spend(&f->ctx, &sato, &u, 77), 0);
	assert_int_equal(store_enroll_code_get(f->ctx.store, u.id, &e), 0);
	assert_int_equal(e.used, CX_T0);
	assert_int_equal(e.token_id, 77);
	assert_int_equal(try_code(f, &u, code), CODE_TOOK_NONE);
}

#define CX_TEST(fn) cmocka_unit_test_setup_teardown(fn, cx_setup, cx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		CX_TEST(test_a_code_is_single_use),
		CX_TEST(test_a_code_expires),
		CX_TEST(test_issuing_another_code_replaces_the_first),
		CX_TEST(test_a_code_is_refused_for_a_privileged_user),
		CX_TEST(test_a_wrong_code_changes_nothing),
		CX_TEST(test_self_enrollment_serves_the_callers_own_account),
		CX_TEST(test_self_enrollment_refuses_a_disabled_or_locked_account),
		CX_TEST(test_starting_a_key_registration_leaves_the_code_unspent),
	};

	return cmocka_run_group_tests_name("enrollment", tests, NULL, NULL);
}
