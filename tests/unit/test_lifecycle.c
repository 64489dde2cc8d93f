/*
 * test_lifecycle.c - the pieces of the two-person rule, enrollment codes,
 * dormant accounts and break-glass codes that can be checked without a
 * daemon: the dormancy arithmetic at chosen instants (R-TOK-6), code
 * normalisation and hashing (R-TOK-4, R-EXC-1; the break-glass file's
 * lines are test_bgfile.c's), the lifecycle tables of the store (single
 * use, one decision per request: R-PRIV-3), approval_required, whose
 * mandatory acts cannot be configured away (R-PRIV-3, R-LOG-5), and the
 * lifecycle rules (tokend/core/lifecycle.c) at fixed times on a kagid
 * context: off-boarding takes everything away in one audited step
 * (R-TOK-3), a role change revokes every token (R-PRIV-5), a lost token
 * stops at once (R-TOK-2).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx_fixture.h"
#include "dormant.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "lifecycle.h"
#include "store.h"
#include "store_life.h"
#include "store_policy.h"
#include "store_session.h"
#include "ucode.h"

#define DAY 86400

/* --- dormancy (R-TOK-6) ---------------------------------------------------- */

static void
test_dormant_arithmetic(void **state)
{
	struct user_rec u;
	int64_t t0 = 1700000000;

	(void)state;
	memset(&u, 0, sizeof(u));
	u.created = t0;
	/* Off: never dormant. */
	assert_false(dormant_due(&u, 0, 0, t0 + 1000 * DAY));
	/* Counted from creation when never used. */
	assert_false(dormant_due(&u, 0, 30, t0 + 30 * DAY - 1));
	assert_true(dormant_due(&u, 0, 30, t0 + 30 * DAY));
	/* A log-in restarts the count. */
	u.last_success = t0 + 20 * DAY;
	assert_false(dormant_due(&u, 0, 30, t0 + 49 * DAY));
	assert_true(dormant_due(&u, 0, 30, t0 + 50 * DAY));
	/* So does re-enabling. */
	assert_false(dormant_due(&u, t0 + 45 * DAY, 30, t0 + 60 * DAY));
	assert_true(dormant_due(&u, t0 + 45 * DAY, 30, t0 + 75 * DAY));
	/* A disabled account is not disabled again. */
	u.disabled = 1;
	assert_false(dormant_due(&u, 0, 30, t0 + 1000 * DAY));
}

/* --- codes (R-TOK-4, R-EXC-1) ---------------------------------------------- */

static void
test_ucode_generate_normalise(void **state)
{
	char a[UCODE_SHOWN_LEN + 1], b[UCODE_SHOWN_LEN + 1];
	char n[UCODE_LEN + 1], m[UCODE_LEN + 1];
	size_t i;

	(void)state;
	assert_int_equal(ucode_generate(a), 0);
	assert_int_equal(ucode_generate(b), 0);
	assert_int_equal(strlen(a), UCODE_SHOWN_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(a[5], '-');
	assert_int_equal(ucode_normalise(a, n), 0);
	assert_int_equal(strlen(n), UCODE_LEN);
	/* Lower case, spaces and missing dashes are the same code. */
	for (i = 0; a[i] != '\0'; i++)
		if (a[i] >= 'A' && a[i] <= 'Z')
			a[i] = (char)(a[i] - 'A' + 'a');
	a[5] = ' ';
	assert_int_equal(ucode_normalise(a, m), 0);
	assert_string_equal(n, m);
	/* TOTP codes and junk are not codes. */
	assert_int_equal(ucode_normalise("123456", m), KAGI_ERR_BAD_CODE);
	assert_int_equal(ucode_normalise("AAAAA-AAAAA-AAAAA-AAAA1", m),
	    KAGI_ERR_BAD_CODE);
	assert_int_equal(ucode_normalise("AAAAA-AAAAA-AAAAA-AAAAAA", m),
	    KAGI_ERR_BAD_CODE);
	assert_int_equal(ucode_normalise("", m), KAGI_ERR_BAD_CODE);
}

static void
test_ucode_hashes(void **state)
{
	uint8_t s1[UCODE_SALT_LEN], s2[UCODE_SALT_LEN];
	uint8_t h1[UCODE_HASH_LEN], h2[UCODE_HASH_LEN], h3[UCODE_HASH_LEN];

	(void)state;
	assert_int_equal(ucode_salt(s1), 0);
	assert_int_equal(ucode_salt(s2), 0);
	assert_int_equal(ucode_kdf(s1, "ABCDEFGHIJKLMNOPQRST", 1000, h1), 0);
	assert_int_equal(ucode_kdf(s1, "ABCDEFGHIJKLMNOPQRST", 1000, h2), 0);
	assert_memory_equal(h1, h2, sizeof(h1));
	/* Another salt, another code or other iterations: another hash. */
	assert_int_equal(ucode_kdf(s2, "ABCDEFGHIJKLMNOPQRST", 1000, h3), 0);
	assert_memory_not_equal(h1, h3, sizeof(h1));
	assert_int_equal(ucode_kdf(s1, "ABCDEFGHIJKLMNOPQRSU", 1000, h3), 0);
	assert_memory_not_equal(h1, h3, sizeof(h1));
	assert_int_equal(ucode_kdf(s1, "ABCDEFGHIJKLMNOPQRST", 1001, h3), 0);
	assert_memory_not_equal(h1, h3, sizeof(h1));
	assert_int_equal(ucode_kdf(s1, "X", 0, h3), KAGI_ERR_INVALID);
	assert_int_equal(ucode_hash(s1, "ABCDEFGHIJKLMNOPQRST", h3), 0);
	assert_memory_not_equal(h1, h3, sizeof(h1));
}

/* --- the store's lifecycle tables ------------------------------------------ */

struct fx {
	char dir[64];
	char path[96];
	struct store *s;
	int64_t uid;
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kagi-test-life-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/kagi.db", f->dir);
	if (store_open(f->path, &f->s) != 0 || store_begin(f->s) != 0 ||
	    store_user_add(f->s, "tanaka", ROLE_STAFF, 1000, &f->uid) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;
	char p[128];

	store_rollback(f->s);
	store_close(&f->s);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
test_request_one_decision(void **state)
{
	struct fx *f = *state;
	struct request_rec q, g;
	struct request_decider root = { 0, "root", 1001, "kagi-approver" };
	int64_t id = 0;

	memset(&q, 0, sizeof(q));
	snprintf(q.action, sizeof(q.action), "role_privileged");
	snprintf(q.params, sizeof(q.params), "{\"op\":\"user_add\"}");
	q.requester_uid = 1000;
	snprintf(q.requester, sizeof(q.requester), "suzuki");
	q.requester_luid = 1000;
	snprintf(q.requester_group, sizeof(q.requester_group), "kagi-admin");
	q.created = 100;
	q.expires = 200;
	assert_int_equal(store_request_add(f->s, &q, &id), 0);
	assert_int_equal(store_request_get(f->s, id, &g), 0);
	assert_int_equal(g.state, REQ_PENDING);
	assert_string_equal(g.requester, "suzuki");
	assert_int_equal(g.requester_luid, 1000);
	assert_string_equal(g.requester_group, "kagi-admin");
	assert_int_equal(g.decider_uid, -1);
	assert_int_equal(g.decider_luid, -1);
	/* R-PRIV-3: one decision; a second (a race) is refused. */
	assert_int_equal(store_request_decide(f->s, id, REQ_APPROVED, &root,
	    150, NULL), 0);
	assert_int_equal(store_request_decide(f->s, id, REQ_REJECTED, &root,
	    151, "late"), KAGI_ERR_STATE);
	/* Pending is no decision. */
	assert_int_equal(store_request_decide(f->s, id, REQ_PENDING, &root,
	    152, NULL), KAGI_ERR_INVALID);
	assert_int_equal(store_request_get(f->s, id, &g), 0);
	assert_int_equal(g.state, REQ_APPROVED);
	assert_string_equal(g.decider, "root");
	assert_int_equal(g.decider_luid, 1001);
	assert_string_equal(g.decider_group, "kagi-approver");
	assert_int_equal(store_request_get(f->s, id + 1, &g),
	    KAGI_ERR_NOT_FOUND);
}

static void
test_enroll_code_single_use(void **state)
{
	struct fx *f = *state;
	struct enroll_code_rec e, g;

	memset(&e, 0, sizeof(e));
	e.user_id = f->uid;
	memset(e.salt, 1, sizeof(e.salt));
	memset(e.hash, 2, sizeof(e.hash));
	e.created = 10;
	e.expires = 20;
	assert_int_equal(store_enroll_code_put(f->s, &e), 0);
	assert_int_equal(store_enroll_code_use(f->s, f->uid, 15, 7), 0);
	/* R-TOK-4: the second presentation finds it spent. */
	assert_int_equal(store_enroll_code_use(f->s, f->uid, 16, 8),
	    KAGI_ERR_STATE);
	assert_int_equal(store_enroll_code_get(f->s, f->uid, &g), 0);
	assert_int_equal(g.used, 15);
	assert_int_equal(g.token_id, 7);
	/* A new code replaces the spent one. */
	memset(e.hash, 3, sizeof(e.hash));
	assert_int_equal(store_enroll_code_put(f->s, &e), 0);
	assert_int_equal(store_enroll_code_get(f->s, f->uid, &g), 0);
	assert_int_equal(g.used, 0);
	assert_memory_equal(g.hash, e.hash, sizeof(e.hash));
	assert_int_equal(store_enroll_code_delete(f->s, f->uid), 0);
	assert_int_equal(store_enroll_code_get(f->s, f->uid, &g),
	    KAGI_ERR_NOT_FOUND);
}

/*
 * R-PRIV-3: an approval to enroll a privileged user's key serves that
 * user, once, until it expires.
 */
static void
test_enroll_grant_single_use(void **state)
{
	struct fx *f = *state;
	struct enroll_grant_rec g, h;
	int64_t id = 0, id2 = 0;

	memset(&g, 0, sizeof(g));
	g.user_id = f->uid;
	g.request_id = 4;
	g.requester_uid = 0;
	snprintf(g.requester, sizeof(g.requester), "root");
	snprintf(g.approver, sizeof(g.approver), "nobody");
	g.created = 100;
	g.expires = 200;
	assert_int_equal(store_enroll_grant_find(f->s, f->uid, 150, &h),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_enroll_grant_add(f->s, &g, &id), 0);
	/* Not for another user, not after it expires. */
	assert_int_equal(store_enroll_grant_find(f->s, f->uid + 1000, 150,
	    &h), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_enroll_grant_find(f->s, f->uid, 200, &h),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_enroll_grant_find(f->s, f->uid, 150, &h), 0);
	assert_int_equal(h.id, id);
	assert_int_equal(h.request_id, 4);
	assert_string_equal(h.requester, "root");
	assert_string_equal(h.approver, "nobody");
	assert_int_equal(h.expires, 200);
	/* Spent once; the second use finds it spent, and it is gone. */
	assert_int_equal(store_enroll_grant_use(f->s, id, 160, 9), 0);
	assert_int_equal(store_enroll_grant_use(f->s, id, 161, 10),
	    KAGI_ERR_STATE);
	assert_int_equal(store_enroll_grant_find(f->s, f->uid, 170, &h),
	    KAGI_ERR_NOT_FOUND);
	/* A new approval is a new grant. */
	assert_int_equal(store_enroll_grant_add(f->s, &g, &id2), 0);
	assert_true(id2 != id);
	assert_int_equal(store_enroll_grant_find(f->s, f->uid, 170, &h), 0);
	assert_int_equal(h.id, id2);
}

static int
count_cb(const struct bg_code_rec *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

static void
test_breakglass_code_single_use(void **state)
{
	struct fx *f = *state;
	struct bg_code_rec c;
	struct exception_rec e;
	int64_t a = 0, b = 0, x = 0, n = 0;
	int count = 0, found = 0;

	memset(&c, 0, sizeof(c));
	c.user_id = f->uid;
	c.iterations = 1000;
	c.created = 5;
	assert_int_equal(store_bg_code_add(f->s, &c, &a), 0);
	assert_int_equal(store_bg_code_add(f->s, &c, &b), 0);
	assert_int_equal(store_bg_code_use(f->s, a, 50), 0);
	/* R-EXC-1: a spent code cannot be spent again. */
	assert_int_equal(store_bg_code_use(f->s, a, 51), KAGI_ERR_STATE);
	assert_int_equal(store_bg_code_list(f->s, f->uid, count_cb, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(store_bg_code_revoke_user(f->s, f->uid, 60, &n), 0);
	assert_int_equal(n, 1);
	count = 0;
	assert_int_equal(store_bg_code_list(f->s, 0, count_cb, &count), 0);
	assert_int_equal(count, 0);
	/* An exception stays open until closed, once. */
	assert_int_equal(store_exception_add(f->s, "tanaka", a, "kagid", 50,
	    &x), 0);
	assert_int_equal(store_exception_recent(f->s, "tanaka", 40, &found), 0);
	assert_true(found);
	assert_int_equal(store_exception_recent(f->s, "tanaka", 51, &found), 0);
	assert_false(found);
	assert_int_equal(store_exception_close(f->s, x, "root", "outage", 70),
	    0);
	assert_int_equal(store_exception_close(f->s, x, "root", "again", 71),
	    KAGI_ERR_STATE);
	assert_int_equal(store_exception_get(f->s, x, &e), 0);
	assert_int_equal(e.closed, 70);
	assert_string_equal(e.reason, "outage");
}

/* --- approval_required (R-PRIV-3, R-LOG-5) --------------------------------- */

static int
load_with(const char *line, struct kagid_config *c, char *err, size_t len)
{
	char path[] = "/tmp/kagi-test-conf-XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0)
		return -100;
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		r = -100;
	else {
		fchmod(fd, 0600);
		kagid_config_defaults(c);
		r = kagid_config_load(c, path, (unsigned)getuid(), err, len);
	}
	close(fd);
	unlink(path);
	return r;
}

static void
test_approval_required(void **state)
{
	struct kagid_config c;
	char err[256];

	(void)state;
	assert_int_equal(load_with("user = \n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.approval_mask, APPROVE_MANDATORY);
	kagid_config_free(&c);
	assert_int_equal(load_with("approval_required = role_privileged, "
	    "token_privileged,vendor_add,user_delete\n", &c, err,
	    sizeof(err)), 0);
	assert_int_equal(c.approval_mask, APPROVE_MANDATORY |
	    APPROVE_USER_DELETE);
	kagid_config_free(&c);
	/* The mandatory acts cannot be switched off: an error naming one. */
	assert_int_equal(load_with("approval_required = role_privileged,"
	    "vendor_add\n", &c, err, sizeof(err)), KAGI_ERR_CONFIG);
	assert_non_null(strstr(err, "token_privileged"));
	kagid_config_free(&c);
	assert_int_equal(load_with("approval_required = role_privileged,"
	    "token_privileged,vendor_add,coffee\n", &c, err, sizeof(err)),
	    KAGI_ERR_CONFIG);
	assert_non_null(strstr(err, "coffee"));
	kagid_config_free(&c);
}

/* --- the lifecycle rules (R-TOK-2, R-TOK-3, R-PRIV-5, R-TOK-6) ------------ */

/* An open sshd session of u; its id. */
static int64_t
cx_session(struct cx *f, const struct user_rec *u)
{
	struct session_rec r;
	int64_t id = 0;

	memset(&r, 0, sizeof(r));
	r.user_id = u->id;
	snprintf(r.service, sizeof(r.service), "sshd");
	r.pid = 100;
	r.sid = 100;
	r.owner_uid = -1;
	r.started = CX_T0;
	assert_int_equal(store_session_add(f->ctx.store, &r, &id), 0);
	return id;
}

static void
test_offboarding_disables_and_revokes_every_token_in_one_step(void **state)
{
	struct cx *f = *state;
	struct peer admin = cx_peer(1000, "alice", PEER_ADMIN);
	struct lifecycle_offboarded out;
	struct enroll_code_rec e;
	struct session_rec sr;
	struct bg_code_rec c;
	struct user_rec u, kept, got;
	char ev[256];
	int64_t gone, sid, id = 0, seq;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	cx_user(f, "suzuki", ROLE_STAFF, &kept);
	(void)cx_totp(f, &u, TOKEN_ACTIVE);
	(void)cx_totp(f, &u, TOKEN_ACTIVE);
	(void)cx_totp(f, &u, TOKEN_PENDING);
	gone = cx_totp(f, &u, TOKEN_ACTIVE);
	assert_int_equal(store_token_set_state(f->ctx.store, gone,
	    TOKEN_REVOKED), 0);
	(void)cx_totp(f, &kept, TOKEN_ACTIVE);
	memset(&e, 0, sizeof(e));
	e.user_id = u.id;
	e.created = CX_T0;
	e.expires = CX_T0 + CX_DAY;
	assert_int_equal(store_enroll_code_put(f->ctx.store, &e), 0);
	memset(&c, 0, sizeof(c));
	c.user_id = u.id;
	c.iterations = 1000;
	c.created = CX_T0;
	assert_int_equal(store_bg_code_add(f->ctx.store, &c, &id), 0);
	sid = cx_session(f, &u);
	seq = cx_audit_seq(f);

	cx_clock(CX_T0 + 3600);
	assert_int_equal(lifecycle_offboard(&f->ctx, &admin, &u, &out), 0);
	assert_int_equal(out.tokens, 3);
	assert_int_equal(out.breakglass, 1);
	assert_int_equal(out.sessions, 1);
	assert_true(u.disabled);
	assert_int_equal(store_user_get_id(f->ctx.store, u.id, &got), 0);
	assert_true(got.disabled);
	assert_int_equal(cx_tokens(f, u.id, TOKEN_REVOKED), 4);
	assert_int_equal(store_enroll_code_get(f->ctx.store, u.id, &e),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_session_get(f->ctx.store, sid, &sr), 0);
	assert_int_equal(sr.deadline, CX_T0 + 3600);
	assert_string_equal(sr.deadline_reason, "offboard");
	/* One record says all of it; nobody else lost anything. */
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)), "offboard");
	assert_int_equal(cx_tokens(f, kept.id, TOKEN_ACTIVE), 1);
}

static void
test_a_role_change_revokes_every_token(void **state)
{
	struct cx *f = *state;
	struct peer admin = cx_peer(1000, "alice", PEER_ADMIN);
	struct user_rec u, got;
	char ev[256];
	int64_t revoked = -1, seq;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	(void)cx_totp(f, &u, TOKEN_ACTIVE);
	(void)cx_totp(f, &u, TOKEN_PENDING);
	assert_int_equal(store_token_set_state(f->ctx.store,
	    cx_totp(f, &u, TOKEN_ACTIVE), TOKEN_REVOKED), 0);
	seq = cx_audit_seq(f);
	assert_int_equal(lifecycle_role_change(&f->ctx, &admin, &u,
	    ROLE_VENDOR, &revoked), 0);
	assert_int_equal(revoked, 2);
	assert_int_equal(u.role, ROLE_VENDOR);
	assert_int_equal(store_user_get_id(f->ctx.store, u.id, &got), 0);
	assert_int_equal(got.role, ROLE_VENDOR);
	assert_int_equal(cx_tokens(f, u.id, TOKEN_REVOKED), 3);
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)), "role_change");
	/* A user without tokens changes role with nothing to revoke. */
	assert_int_equal(lifecycle_role_change(&f->ctx, &admin, &u,
	    ROLE_STAFF, &revoked), 0);
	assert_int_equal(revoked, 0);
}

static void
test_a_lost_token_is_revoked_at_once(void **state)
{
	struct cx *f = *state;
	struct peer admin = cx_peer(1000, "alice", PEER_ADMIN);
	struct token_rec t;
	struct user_rec u, other;
	char ev[256];
	int64_t lost, kept, foreign, seq;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	cx_user(f, "suzuki", ROLE_STAFF, &other);
	lost = cx_totp(f, &u, TOKEN_ACTIVE);
	kept = cx_totp(f, &u, TOKEN_ACTIVE);
	foreign = cx_totp(f, &other, TOKEN_ACTIVE);
	seq = cx_audit_seq(f);
	assert_int_equal(lifecycle_token_lost(&f->ctx, &admin, &u, lost, &t),
	    0);
	assert_int_equal(t.id, lost);
	assert_int_equal(t.state, TOKEN_REVOKED);
	token_rec_clear(&t);
	assert_int_equal(store_token_get(f->ctx.store, lost, &t), 0);
	assert_int_equal(t.state, TOKEN_REVOKED);
	token_rec_clear(&t);
	assert_int_equal(store_token_get(f->ctx.store, kept, &t), 0);
	assert_int_equal(t.state, TOKEN_ACTIVE);
	token_rec_clear(&t);
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)), "token_lost");
	/* Someone else's token is not found; a revoked one is no change. */
	seq = cx_audit_seq(f);
	assert_int_equal(lifecycle_token_lost(&f->ctx, &admin, &u, foreign,
	    &t), KAGI_ERR_NOT_FOUND);
	assert_int_equal(lifecycle_token_lost(&f->ctx, &admin, &u, lost, &t),
	    KAGI_ERR_STATE);
	assert_int_equal(cx_tokens(f, other.id, TOKEN_ACTIVE), 1);
	assert_int_equal(cx_audit_seq(f), seq);
}

static void
test_re_enabling_restarts_the_dormancy_count(void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	int64_t at = 0;

	cx_user(f, "tanaka", ROLE_STAFF, &u);
	cx_clock(CX_T0 + 40 * CX_DAY);
	assert_int_equal(lifecycle_note_enable(&f->ctx, u.id), 0);
	assert_int_equal(store_user_enabled_at(f->ctx.store, u.id, &at), 0);
	assert_int_equal(at, CX_T0 + 40 * CX_DAY);
	assert_false(dormant_due(&u, at, 30, CX_T0 + 69 * CX_DAY));
	assert_true(dormant_due(&u, at, 30, CX_T0 + 70 * CX_DAY));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dormant_arithmetic),
		cmocka_unit_test(test_ucode_generate_normalise),
		cmocka_unit_test(test_ucode_hashes),
		cmocka_unit_test_setup_teardown(test_request_one_decision,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_enroll_code_single_use,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_breakglass_code_single_use,
		    fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_enroll_grant_single_use,
		    fx_setup, fx_teardown),
		cmocka_unit_test(test_approval_required),
		cmocka_unit_test_setup_teardown(
		    test_offboarding_disables_and_revokes_every_token_in_one_step,
		    cx_setup, cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_role_change_revokes_every_token, cx_setup,
		    cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_lost_token_is_revoked_at_once, cx_setup,
		    cx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_re_enabling_restarts_the_dormancy_count, cx_setup,
		    cx_teardown),
	};

	return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
