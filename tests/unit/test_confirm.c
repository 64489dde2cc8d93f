/*
 * test_confirm.c - a second factor's success stays provisional until the
 * account phase of the same PAM handle confirms it (core/login_confirm.c,
 * issue 13; R-MFA-2, R-MFA-5), the last log-in and when its session
 * ended, and the FIDO2 fallback to a code, recorded (login_fido2.c).
 *
 * A real store and sealing key in a temporary directory, one transaction
 * open (ctx_fixture.c); the clock is fixed and moved by the tests.  The
 * attacks: a right code after a wrong password (never confirmed), a
 * confirmation id replayed, used for another service, terminal or user,
 * or by another process, or too late.
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
#include "lockout.h"
#include "login.h"
#include "policy.h"
#include "proto_ops.h"
#include "seal.h"
#include "store_policy.h"
#include "store_session.h"
#include "totp.h"

static int64_t now_t = CX_T0;
static struct peer root;

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
	t.created = now_t;
	assert_int_equal(seal_aad(SEAL_TOTP_SEED, u->name, aad, &aadlen), 0);
	assert_int_equal(seal(f->ctx.key, aad, aadlen, seed, sizeof(seed),
	    &t.sealed, &t.sealed_len), 0);
	assert_int_equal(store_token_add(f->ctx.store, &t, &id), 0);
	token_rec_clear(&t);
}

static void
code_now(char code[TOTP_CODE_MAX + 1])
{
	assert_int_equal(totp_generate(seed, sizeof(seed), TOTP_SHA1, 6, 30,
	    now_t, code), 0);
}

static void
req(struct login_req *a, const char *user, const char *service,
    const char *tty, const char *rhost)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->user, sizeof(a->user), "%s", user);
	a->name_ok = 1;
	a->service = service;
	a->tty = tty;
	a->rhost = rhost;
	a->zone = "mynumber";
	a->zone_idx = 0;
}

/* A right code: kagid's "success" and its confirmation id in id. */
static void
right_code(struct cx *f, const struct login_req *a, char *id, size_t len)
{
	struct json_object *reply = json_object_new_object(), *c = NULL;
	char code[TOTP_CODE_MAX + 1];
	const char *v = NULL;

	code_now(code);
	assert_int_equal(login_totp(&f->ctx, &root, a, code, now_t, reply,
	    &v), 0);
	assert_string_equal(v, VERDICT_SUCCESS);
	assert_true(json_object_object_get_ex(reply, "confirm", &c));
	snprintf(id, len, "%s", json_object_get_string(c));
	/* Nothing about the previous log-in before the confirmation. */
	assert_false(json_object_object_get_ex(reply, "last_time", NULL));
	json_object_put(reply);
}

/* account with id, by peer; the verdict, the reply in *out (or put). */
static const char *
confirm_as(struct cx *f, const struct peer *peer, const struct login_req *a,
    const char *id, struct json_object **out)
{
	struct json_object *reply = json_object_new_object();
	const char *v = NULL;

	assert_int_equal(login_confirm(&f->ctx, peer, a, id, now_t, reply,
	    &v), 0);
	assert_non_null(v);
	if (out != NULL)
		*out = reply;
	else
		json_object_put(reply);
	return v;
}

struct last_auth {
	char fields[1024];
	int n;
};

static int
last_auth_cb(const struct audit_rec *rec, void *arg)
{
	struct last_auth *l = arg;

	if (strcmp(rec->event, "auth") != 0)
		return 0;
	l->n++;
	snprintf(l->fields, sizeof(l->fields), "%s",
	    rec->fields != NULL ? rec->fields : "");
	return 0;
}

/* The fields of the last "auth" record. */
static const char *
last_auth(struct cx *f, struct last_auth *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(store_audit_scan(f->ctx.store, 0, last_auth_cb, l),
	    0);
	return l->fields;
}

/* The failures a's kind of log-in counts: remote ones apart (R-MFA-5). */
static int64_t
fails_of(struct cx *f, const struct user_rec *u, const struct login_req *a)
{
	return a->rhost != NULL ? cx_lock(f, u, 1).failures :
	    cx_lock(f, u, 0).failures;
}

static int64_t
last_success(struct cx *f, const char *name)
{
	struct user_rec u;

	assert_int_equal(store_user_get(f->ctx.store, name, &u), 0);
	return u.last_success;
}

/* A user with a token, two failures at "login", and a right code. */
static void
wrong_twice(struct cx *f, struct user_rec *u, const struct login_req *a)
{
	struct json_object *reply;
	const char *v = NULL;
	int i;

	cx_user(f, a->user, ROLE_STAFF, u);
	add_totp(f, u);
	for (i = 0; i < 2; i++) {
		reply = json_object_new_object();
		assert_int_equal(login_totp(&f->ctx, &root, a, "000000", now_t,
		    reply, &v), 0);
		json_object_put(reply);
		assert_string_equal(v, VERDICT_DENIED);
	}
	/* Failures from an address count toward its remote lock only. */
	assert_int_equal(fails_of(f, u, a), 2);
}

static void
test_a_right_code_forgives_and_records_nothing_until_confirmed(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	struct json_object *reply = NULL, *v = NULL;
	struct login_rec l;
	struct last_auth la;
	char id[128], code[TOTP_CODE_MAX + 1];
	const char *verdict = NULL;

	req(&a, "tanaka", "login", "tty1", NULL);
	wrong_twice(f, &u, &a);
	right_code(f, &a, id, sizeof(id));
	/* Provisional: recorded as such, nothing forgiven, no log-in. */
	assert_non_null(strstr(last_auth(f, &la),
	    "\"outcome\":\"provisional\""));
	assert_int_equal(fails_of(f, &u, &a), 2);
	assert_int_equal(last_success(f, "tanaka"), 0);
	assert_int_equal(store_login_get(f->ctx.store, u.id, &l), 0);
	assert_int_equal(l.time, 0);
	/* The code is spent all the same. */
	code_now(code);
	reply = json_object_new_object();
	assert_int_equal(login_totp(&f->ctx, &root, &a, code, now_t, reply,
	    &verdict), 0);
	json_object_put(reply);
	assert_string_equal(verdict, VERDICT_DENIED);
	assert_int_equal(fails_of(f, &u, &a), 3);
	/* The account phase confirms it: forgiven, recorded, shown. */
	t_at(now_t + 5);
	assert_string_equal(confirm_as(f, &root, &a, id, &reply), VERDICT_OK);
	assert_true(json_object_object_get_ex(reply, "last_time", &v));
	assert_int_equal(json_object_get_int64(v), 0);
	assert_true(json_object_object_get_ex(reply, "failures_since", &v));
	assert_int_equal(json_object_get_int64(v), 3);
	json_object_put(reply);
	assert_int_equal(fails_of(f, &u, &a), 0);
	assert_int_equal(last_success(f, "tanaka"), now_t);
	assert_non_null(strstr(last_auth(f, &la), "\"outcome\":\"success\""));
	assert_non_null(strstr(la.fields, "\"reason\":\"confirmed\""));
	assert_non_null(strstr(la.fields, "\"factor\":\"totp\""));
	assert_int_equal(store_login_get(f->ctx.store, u.id, &l), 0);
	assert_int_equal(l.time, now_t);
	assert_string_equal(l.service, "login");
	assert_string_equal(l.place, "tty1");
}

static void
test_an_unconfirmed_success_expires_as_a_failed_attempt(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	struct login_rec l;
	struct last_auth la;
	char id[128];
	size_t n = 0;

	req(&a, "tanaka", "sshd", "ssh", "192.0.2.4");
	wrong_twice(f, &u, &a);
	/* Wrong password, right code: the stack fails, nobody confirms. */
	right_code(f, &a, id, sizeof(id));
	assert_int_equal(login_confirm_expire(&f->ctx, now_t, &n), 0);
	assert_int_equal(n, 0);
	t_at(now_t + f->cfg.login_confirm_time);
	assert_int_equal(login_confirm_expire(&f->ctx, now_t, &n), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(last_auth(f, &la),
	    "\"outcome\":\"unconfirmed\""));
	assert_non_null(strstr(la.fields, "\"reason\":\"expired\""));
	assert_non_null(strstr(la.fields, "\"rhost\":\"192.0.2.4\""));
	/* Shown at the next log-in among the failed attempts, never a
	 * step toward a lock, never forgiving one. */
	assert_int_equal(store_login_get(f->ctx.store, u.id, &l), 0);
	assert_int_equal(l.failures, 3);
	assert_int_equal(fails_of(f, &u, &a), 2);
	assert_int_equal(last_success(f, "tanaka"), 0);
	/* Gone: too late to confirm now. */
	assert_string_equal(confirm_as(f, &root, &a, id, NULL),
	    VERDICT_UNCONFIRMED);
	assert_int_equal(fails_of(f, &u, &a), 2);
}

static void
test_a_confirmation_is_spent_by_its_first_use(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	struct last_auth la;
	char id[128];

	req(&a, "tanaka", "login", "tty1", NULL);
	wrong_twice(f, &u, &a);
	right_code(f, &a, id, sizeof(id));
	assert_string_equal(confirm_as(f, &root, &a, id, NULL), VERDICT_OK);
	assert_string_equal(confirm_as(f, &root, &a, id, NULL),
	    VERDICT_UNCONFIRMED);
	assert_non_null(strstr(last_auth(f, &la),
	    "\"reason\":\"unknown_confirmation\""));
	/* Not an id at all: the same refusal. */
	assert_string_equal(confirm_as(f, &root, &a, "not-base64!", NULL),
	    VERDICT_UNCONFIRMED);
}

/* Each way the binding can differ: refused, recorded, spent. */
static void
test_a_confirmation_binds_user_service_terminal_host_and_caller(void **state)
{
	struct cx *f = *state;
	struct login_req a, other;
	struct user_rec u, bob;
	struct peer elsewhere = root, self_bob;
	struct last_auth la;
	char id[128];

	req(&a, "tanaka", "sshd", "ssh", "192.0.2.4");
	wrong_twice(f, &u, &a);
	cx_user(f, "bob", ROLE_STAFF, &bob);
	add_totp(f, &bob);

	/* Another service. */
	right_code(f, &a, id, sizeof(id));
	req(&other, "tanaka", "login", "ssh", "192.0.2.4");
	assert_string_equal(confirm_as(f, &root, &other, id, NULL),
	    VERDICT_UNCONFIRMED);
	assert_non_null(strstr(last_auth(f, &la),
	    "\"outcome\":\"unconfirmed\""));
	assert_non_null(strstr(la.fields, "\"reason\":\"other_context\""));
	/* ... and it is spent: the right request cannot use it after. */
	assert_string_equal(confirm_as(f, &root, &a, id, NULL),
	    VERDICT_UNCONFIRMED);

	/* Another remote host. */
	t_at(now_t + 30);
	right_code(f, &a, id, sizeof(id));
	req(&other, "tanaka", "sshd", "ssh", "198.51.100.1");
	assert_string_equal(confirm_as(f, &root, &other, id, NULL),
	    VERDICT_UNCONFIRMED);

	/* Another process, even root's. */
	t_at(now_t + 30);
	right_code(f, &a, id, sizeof(id));
	elsewhere.pid = 4343;
	assert_string_equal(confirm_as(f, &elsewhere, &a, id, NULL),
	    VERDICT_UNCONFIRMED);
	assert_non_null(strstr(last_auth(f, &la),
	    "\"reason\":\"other_caller\""));

	/* Another user: bob, with tanaka's id, for his own name. */
	t_at(now_t + 30);
	right_code(f, &a, id, sizeof(id));
	self_bob = cx_peer(1001, "bob", PEER_SELF);
	self_bob.pid = root.pid;
	req(&other, "bob", "sshd", "ssh", "192.0.2.4");
	assert_string_equal(confirm_as(f, &self_bob, &other, id, NULL),
	    VERDICT_UNCONFIRMED);
	assert_non_null(strstr(last_auth(f, &la),
	    "\"reason\":\"other_user\""));

	/* Nothing of this forgave or recorded a log-in. */
	assert_int_equal(fails_of(f, &u, &a), 2);
	assert_int_equal(last_success(f, "tanaka"), 0);
	assert_int_equal(last_success(f, "bob"), 0);

	/* Too late, by the right caller. */
	t_at(now_t + 30);
	right_code(f, &a, id, sizeof(id));
	t_at(now_t + f->cfg.login_confirm_time);
	assert_string_equal(confirm_as(f, &root, &a, id, NULL),
	    VERDICT_UNCONFIRMED);
	assert_non_null(strstr(last_auth(f, &la), "\"reason\":\"expired\""));
}

static void
test_an_account_refusal_leaves_the_log_in_unconfirmed(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	struct last_auth la;
	char id[128];

	req(&a, "tanaka", "login", "tty1", NULL);
	wrong_twice(f, &u, &a);
	right_code(f, &a, id, sizeof(id));
	assert_int_equal(store_user_set_disabled(f->ctx.store, u.id, 1), 0);
	assert_string_equal(confirm_as(f, &root, &a, id, NULL),
	    VERDICT_DISABLED);
	assert_non_null(strstr(last_auth(f, &la),
	    "\"outcome\":\"unconfirmed\""));
	assert_non_null(strstr(la.fields, "\"reason\":\"disabled\""));
	assert_int_equal(fails_of(f, &u, &a), 2);
}

static void
test_the_last_log_in_says_when_its_session_ended(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	struct session_rec s;
	struct json_object *reply = NULL, *v = NULL;
	char id[128];
	int64_t sid = 0, first;
	int linked = 0;

	req(&a, "tanaka", "sshd", "pts/3", "192.0.2.4");
	wrong_twice(f, &u, &a);
	right_code(f, &a, id, sizeof(id));
	assert_string_equal(confirm_as(f, &root, &a, id, NULL), VERDICT_OK);
	first = now_t;
	/* The session pam_kagi opens next, from the same place. */
	memset(&s, 0, sizeof(s));
	s.user_id = u.id;
	snprintf(s.service, sizeof(s.service), "sshd");
	snprintf(s.rhost, sizeof(s.rhost), "192.0.2.4");
	s.pid = 5000;
	s.sid = 5000;
	s.owner_uid = -1;
	s.started = now_t + 1;
	assert_int_equal(store_session_add(f->ctx.store, &s, &sid), 0);
	/* Another service's session is not this log-in's. */
	assert_int_equal(store_login_link_session(f->ctx.store, u.id, "login",
	    "192.0.2.4", now_t - f->cfg.login_confirm_time, sid, &linked), 0);
	assert_false(linked);
	assert_int_equal(store_login_link_session(f->ctx.store, u.id, "sshd",
	    "192.0.2.4", now_t - f->cfg.login_confirm_time, sid, &linked), 0);
	assert_true(linked);
	/* While it is open, the next log-in says so. */
	t_at(now_t + 60);
	right_code(f, &a, id, sizeof(id));
	assert_string_equal(confirm_as(f, &root, &a, id, &reply), VERDICT_OK);
	assert_true(json_object_object_get_ex(reply, "last_time", &v));
	assert_int_equal(json_object_get_int64(v), first);
	assert_true(json_object_object_get_ex(reply, "last_ended", &v));
	assert_int_equal(json_object_get_int64(v), 0);
	json_object_put(reply);
	/* Ended, and this log-in linked to a second session. */
	assert_int_equal(store_session_end(f->ctx.store, sid, now_t + 100,
	    "logout"), 0);
	assert_int_equal(store_login_link_session(f->ctx.store, u.id, "sshd",
	    "192.0.2.4", now_t - f->cfg.login_confirm_time, sid + 100,
	    &linked), 0);
	assert_true(linked);
	/* A log-in without a session of its own says nothing of one. */
	t_at(now_t + 200);
	right_code(f, &a, id, sizeof(id));
	assert_string_equal(confirm_as(f, &root, &a, id, &reply), VERDICT_OK);
	assert_false(json_object_object_get_ex(reply, "last_ended", NULL));
	json_object_put(reply);
	t_at(now_t + 30);
	right_code(f, &a, id, sizeof(id));
	assert_string_equal(confirm_as(f, &root, &a, id, &reply), VERDICT_OK);
	assert_false(json_object_object_get_ex(reply, "last_ended", NULL));
	json_object_put(reply);
}

static void
test_the_first_session_of_an_ended_log_in_shows_its_end(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u;
	struct session_rec s;
	struct json_object *reply = NULL, *v = NULL;
	char id[128];
	int64_t sid = 0;
	int linked = 0;

	req(&a, "tanaka", "login", "tty1", NULL);
	wrong_twice(f, &u, &a);
	right_code(f, &a, id, sizeof(id));
	assert_string_equal(confirm_as(f, &root, &a, id, NULL), VERDICT_OK);
	memset(&s, 0, sizeof(s));
	s.user_id = u.id;
	snprintf(s.service, sizeof(s.service), "login");
	snprintf(s.tty, sizeof(s.tty), "tty1");
	s.pid = 5000;
	s.sid = 5000;
	s.owner_uid = -1;
	s.started = now_t;
	assert_int_equal(store_session_add(f->ctx.store, &s, &sid), 0);
	assert_int_equal(store_login_link_session(f->ctx.store, u.id, "login",
	    "tty1", now_t - f->cfg.login_confirm_time, sid, &linked), 0);
	assert_true(linked);
	assert_int_equal(store_session_end(f->ctx.store, sid, now_t + 600,
	    "logout"), 0);
	t_at(now_t + 3600);
	right_code(f, &a, id, sizeof(id));
	assert_string_equal(confirm_as(f, &root, &a, id, &reply), VERDICT_OK);
	assert_true(json_object_object_get_ex(reply, "last_ended", &v));
	assert_int_equal(json_object_get_int64(v), CX_T0 + 600);
	json_object_put(reply);
}

static void
test_no_key_falls_back_to_a_code_recorded_and_not_counted(void **state)
{
	struct cx *f = *state;
	struct login_req a;
	struct user_rec u, p;
	struct json_object *reply;
	struct last_auth la;
	const char *v = NULL;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	add_totp(f, &u);
	req(&a, "tanaka", "login", "tty1", NULL);
	reply = json_object_new_object();
	assert_int_equal(login_fido2(&f->ctx, &root, &a, "no_key", 1, NULL,
	    now_t, reply, &v), 0);
	json_object_put(reply);
	assert_string_equal(v, VERDICT_FALLBACK);
	assert_non_null(strstr(last_auth(f, &la),
	    "\"outcome\":\"fallback\""));
	assert_non_null(strstr(la.fields, "\"reason\":\"no_key\""));
	assert_non_null(strstr(la.fields, "\"to\":\"totp\""));
	assert_int_equal(fails_of(f, &u, &a), 0);
	/* Without asking for it, no key is a failure as before. */
	reply = json_object_new_object();
	assert_int_equal(login_fido2(&f->ctx, &root, &a, "no_key", 0, NULL,
	    now_t, reply, &v), 0);
	json_object_put(reply);
	assert_string_equal(v, VERDICT_DENIED);
	assert_int_equal(fails_of(f, &u, &a), 1);
	/* No TOTP for a privileged user (R-PRIV-2): no fallback, counted. */
	cx_user(f, "boss", ROLE_PRIVILEGED, &p);
	add_totp(f, &p);
	req(&a, "boss", "login", "tty1", NULL);
	reply = json_object_new_object();
	assert_int_equal(login_fido2(&f->ctx, &root, &a, "no_key", 1, NULL,
	    now_t, reply, &v), 0);
	json_object_put(reply);
	assert_string_equal(v, VERDICT_DENIED);
	assert_int_equal(cx_lock(f, &p, 0).failures, 1);
	assert_non_null(strstr(last_auth(f, &la), "\"outcome\":\"failure\""));
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, cx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_a_right_code_forgives_and_records_nothing_until_confirmed),
		TEST(test_an_unconfirmed_success_expires_as_a_failed_attempt),
		TEST(test_a_confirmation_is_spent_by_its_first_use),
		TEST(test_a_confirmation_binds_user_service_terminal_host_and_caller),
		TEST(test_an_account_refusal_leaves_the_log_in_unconfirmed),
		TEST(test_the_last_log_in_says_when_its_session_ended),
		TEST(test_the_first_session_of_an_ended_log_in_shows_its_end),
		TEST(test_no_key_falls_back_to_a_code_recorded_and_not_counted),
	};

	return cmocka_run_group_tests_name("confirm", tests, NULL, NULL);
}
