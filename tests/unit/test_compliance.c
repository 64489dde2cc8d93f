/*
 * test_compliance.c - the compliance check (tokend/core/compliance*.c,
 * R-AUD-1): on a real temporary store, PAM stacks and configuration that
 * meet every requirement kagid can verify, each of the 37 requirement
 * IDs of REQUIREMENTS.md has its line, PASS or WARN as stated; then, for
 * each ID, one test breaks the fact that line checks and asserts FAIL.
 * (R-TOK-8's PASS needs kagid off root: tests/integration/compliance.sh.)
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert.h"
#include "audit.h"
#include "audit_daemon.h"
#include "compliance.h"
#include "ctx_fixture.h"
#include "fido2_factor.h"
#include "kagi_err.h"
#include "names.h"
#include "peer.h"
#include "proto.h"
#include "store_life.h"
#include "store_policy.h"
#include "store_report.h"
#include "store_session.h"

struct world {
	struct cx *f;
	char pam[64];
	char banner[96];
	struct user_rec alice, bob, pat, v1;
	int64_t alice_token;
};

static char evidence[1024];

/* --- the world that meets what can be met ------------------------------- */

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static const char login_stack[] =
    "auth required pam_faillock.so preauth\n"
    "auth [success=1 default=bad] pam_unix.so\n"
    "auth [default=1] pam_faillock.so authfail\n"
    "auth required pam_faillock.so authsucc\n"
    "auth required pam_kagi.so zone=mynumber\n"
    "account required pam_unix.so\n"
    "account required pam_kagi.so zone=mynumber\n"
    "session required pam_unix.so\n"
    "session required pam_kagi.so\n";

/* A user of role, with the grant kagid would have written. */
static void
user(struct world *w, const char *name, int role, const char *by,
    const char *approver, struct user_rec *u)
{
	struct grant_rec g;

	cx_user(w->f, name, role, u);
	memset(&g, 0, sizeof(g));
	g.user_id = u->id;
	g.role = role;
	g.since = CX_T0;
	snprintf(g.granted_by, sizeof(g.granted_by), "%s", by);
	snprintf(g.approved_by, sizeof(g.approved_by), "%s", approver);
	assert_int_equal(store_grant_put(w->f->ctx.store, &g), 0);
}

static int64_t
fido2_key(struct world *w, const struct user_rec *u, int uv, uint8_t tag)
{
	struct token_rec t;
	struct fido2_rec f;
	uint8_t pk[65];
	int64_t id = 0;

	memset(&t, 0, sizeof(t));
	memset(&f, 0, sizeof(f));
	memset(pk, tag, sizeof(pk));
	t.user_id = u->id;
	t.type = TOKEN_FIDO2;
	t.state = TOKEN_ACTIVE;
	t.last_step = -1;
	t.created = CX_T0;
	snprintf(t.label, sizeof(t.label), "key");
	memset(f.cred_id, tag, 32);
	f.cred_id_len = 32;
	f.cose_alg = -7;
	f.uv = uv;
	assert_int_equal(fido2_factor_add(&w->f->ctx, u, pk, sizeof(pk), &t,
	    &f, &id), 0);
	token_rec_clear(&t);
	return id;
}

/* u's grant given by request id, asked by requester and approved by
 * approver, with the "approve" record kagid writes (approval.c). */
static void
approved_grant(struct world *w, const struct user_rec *u, int64_t id,
    const char *requester, const char *approver)
{
	struct json_object *f = json_object_new_object();
	struct grant_rec g;
	struct peer p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", approver);
	assert_int_equal(proto_set_int(f, "id", id), 0);
	assert_int_equal(proto_set_str(f, "approver", approver), 0);
	assert_int_equal(proto_set_str(f, "action", "role_privileged"), 0);
	assert_int_equal(proto_set_str(f, "requester", requester), 0);
	assert_int_equal(audit_record(&w->f->ctx, &p, LOG_NOTICE, "approve",
	    u->name, f), 0);
	json_object_put(f);
	assert_int_equal(store_grant_get(w->f->ctx.store, u->id, &g), 0);
	g.request_id = id;
	assert_int_equal(store_grant_put(w->f->ctx.store, &g), 0);
}

/* Until a run of audit_checkpoint_command has ended (well or not, as
 * failed says), as kagid's tick sees it; 5 s at most. */
static void
shipped_wait(struct cx *f, int failed)
{
	int64_t ok = 0, bad = 0;
	int last = 0, i;

	for (i = 0; i < 500; i++) {
		audit_daemon_tick(&f->ctx);
		audit_shipped(&f->ctx, &ok, &bad, &last);
		if (failed ? bad > 0 : ok > 0)
			return;
		usleep(10000);
	}
	fail_msg("no run of the checkpoint command ended in 5 s");
}

static int
world_setup(void **state)
{
	struct world *w;
	struct vendor_rec v;
	char conf[1024], err[256];

	assert_non_null(w = calloc(1, sizeof(*w)));
	snprintf(w->pam, sizeof(w->pam), "/tmp/kagi-test-pam-XXXXXX");
	assert_non_null(mkdtemp(w->pam));
	write_file(w->pam, "login", login_stack);
	write_file(w->pam, "sshd", login_stack);
	snprintf(w->banner, sizeof(w->banner), "%s/banner", w->pam);
	write_file(w->pam, "banner", "Authorised use only.\n");
	snprintf(conf, sizeof(conf),
	    "banner_file = %s\n"
	    "compliance_pam_dir = %s\n"
	    "alert_command = /bin/true\n"
	    "audit_checkpoint_command = /bin/true\n"
	    "approval_required = role_privileged, token_privileged, "
	    "vendor_add, user_delete, unlock_privileged, breakglass_issue\n",
	    w->banner, w->pam);
	w->f = cx_open(conf);
	if (audit_daemon_open(&w->f->ctx, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	w->f->ctx.clock_known = 1;
	w->f->ctx.clock_synced = 1;
	user(w, "alice", ROLE_STAFF, "root", "", &w->alice);
	user(w, "bob", ROLE_STAFF, "root", "", &w->bob);
	user(w, "pat", ROLE_PRIVILEGED, "root", "ciso", &w->pat);
	approved_grant(w, &w->pat, 7, "root", "ciso");
	user(w, "v1", ROLE_VENDOR, "root", "ciso", &w->v1);
	w->alice_token = cx_totp(w->f, &w->alice, TOKEN_ACTIVE);
	(void)cx_totp(w->f, &w->bob, TOKEN_ACTIVE);
	(void)fido2_key(w, &w->pat, FIDO2_UV_PIN, 0x11);
	memset(&v, 0, sizeof(v));
	v.user_id = w->v1.id;
	snprintf(v.approver, sizeof(v.approver), "ciso");
	snprintf(v.company, sizeof(v.company), "Maint Co.");
	snprintf(v.worker, sizeof(v.worker), "Taro Yamada");
	snprintf(v.place, sizeof(v.place), "Osaka office");
	snprintf(v.work, sizeof(v.work), "backup server maintenance");
	v.expires = CX_T0 + 30 * CX_DAY;
	snprintf(v.windows, sizeof(v.windows), "Mon-Fri 09:00-17:00");
	snprintf(v.sources, sizeof(v.sources), "192.0.2.0/24");
	assert_int_equal(store_vendor_put(w->f->ctx.store, &v), 0);
	assert_int_equal(store_report_run_put(w->f->ctx.store, "access",
	    CX_T0, "root"), 0);
	/* Records, and a signed checkpoint of the chain's head. */
	assert_int_equal(audit_record(&w->f->ctx, NULL, LOG_NOTICE, "probe",
	    NULL, NULL), 0);
	{
		uint8_t h[32];
		int64_t seq = 0;

		assert_int_equal(store_audit_head(w->f->ctx.store, &seq, h), 0);
		assert_int_equal(audit_checkpoint(&w->f->ctx, seq, h,
		    "interval"), 0);
	}
	shipped_wait(w->f, 0);
	*state = w;
	return 0;
}

static int
world_teardown(void **state)
{
	struct world *w = *state;
	char cmd[128];

	audit_daemon_free(&w->f->ctx);
	cx_close(&w->f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->pam);
	assert_int_equal(system(cmd), 0);
	free(w);
	return 0;
}

/* The result of requirement id now; its evidence in `evidence`. */
static const char *
result_of(struct world *w, const char *id)
{
	static char res[8];
	struct json_object *reply = json_object_new_object(), *checks, *c;
	size_t i, n;

	res[0] = '\0';
	assert_int_equal(compliance_check(&w->f->ctx, reply), 0);
	checks = json_object_object_get(reply, "checks");
	n = json_object_array_length(checks);
	assert_int_equal(n, 37);
	for (i = 0; i < n; i++) {
		c = json_object_array_get_idx(checks, i);
		if (strcmp(json_object_get_string(json_object_object_get(c,
		    "id")), id) != 0)
			continue;
		snprintf(res, sizeof(res), "%s", json_object_get_string(
		    json_object_object_get(c, "result")));
		snprintf(evidence, sizeof(evidence), "%s",
		    json_object_get_string(json_object_object_get(c,
		    "evidence")));
	}
	json_object_put(reply);
	return res;
}

#define EXPECT(w, id, want) do {					\
	const char *got_ = result_of((w), (id));			\
	if (getenv("KAGI_TEST_VERBOSE") != NULL)			\
		print_message("# %s %s: %s\n", (id), got_, evidence);	\
	if (strcmp(got_, (want)) != 0)					\
		fail_msg("%s: %s, want %s: %s", (id), got_, (want),	\
		    evidence);						\
} while (0)

/* SQL through the insider's own connection, between transactions. */
static void
sql(struct world *w, const char *q)
{
	assert_int_equal(store_commit(w->f->ctx.store), 0);
	assert_int_equal(cx_sql(w->f, q), 0);
	assert_int_equal(store_begin(w->f->ctx.store), 0);
}

/* --- the intact world ------------------------------------------------------ */

static void
test_every_id_has_its_line_pass_or_warn_as_stated(void **state)
{
	static const struct {
		const char *id, *want;
	} intact[] = {
		{ "R-MFA-1", "PASS" }, { "R-MFA-2", "PASS" },
		{ "R-MFA-3", "WARN" }, { "R-MFA-4", "PASS" },
		{ "R-MFA-5", "PASS" }, { "R-ACC-1", "WARN" },
		{ "R-ACC-2", "WARN" }, { "R-TOK-1", "PASS" },
		{ "R-TOK-2", "PASS" }, { "R-TOK-3", "PASS" },
		{ "R-TOK-4", "PASS" }, { "R-TOK-5", "PASS" },
		{ "R-TOK-6", "PASS" }, { "R-TOK-7", "PASS" },
		{ "R-TOK-9", "WARN" }, { "R-PRIV-1", "PASS" },
		{ "R-PRIV-2", "PASS" }, { "R-PRIV-3", "PASS" },
		{ "R-PRIV-4", "PASS" }, { "R-PRIV-5", "PASS" },
		{ "R-PRIV-6", "PASS" }, { "R-PRIV-7", "PASS" },
		{ "R-REM-1", "WARN" }, { "R-REM-2", "WARN" },
		{ "R-REM-3", "WARN" }, { "R-REM-5", "PASS" },
		{ "R-REM-4", "PASS" }, { "R-LOG-1", "PASS" },
		{ "R-LOG-2", "PASS" }, { "R-LOG-3", "PASS" },
		{ "R-LOG-4", "PASS" }, { "R-LOG-5", "PASS" },
		{ "R-EXC-1", "PASS" }, { "R-INC-1", "PASS" },
		{ "R-AVL-1", "PASS" }, { "R-AUD-1", "PASS" },
	};
	struct world *w = *state;
	size_t i;

	for (i = 0; i < sizeof(intact) / sizeof(intact[0]); i++)
		EXPECT(w, intact[i].id, intact[i].want);
	assert_int_equal(compliance_ids(), 37);
}

/* --- each ID broken ---------------------------------------------------------- */

static void
test_mfa_1_fails_when_pam_kagi_is_optional(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "login", "auth required pam_unix.so\n"
	    "auth optional pam_kagi.so\n");
	EXPECT(w, "R-MFA-1", "FAIL");
	write_file(w->pam, "login", "");
	write_file(w->pam, "sshd", "");
	EXPECT(w, "R-MFA-1", "FAIL");	/* in no stack at all */
}

static void
test_mfa_2_fails_without_a_password_before_or_with_nullok(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "login", "auth required pam_kagi.so\n");
	EXPECT(w, "R-MFA-2", "FAIL");
	write_file(w->pam, "login", "auth required pam_unix.so nullok\n"
	    "auth required pam_kagi.so\n");
	EXPECT(w, "R-MFA-2", "FAIL");
}

static void
test_mfa_3_fails_when_sshd_skips_pam_kagi(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "sshd", "auth required pam_unix.so\n");
	EXPECT(w, "R-MFA-3", "FAIL");
}

static void
test_mfa_4_fails_when_a_module_before_ends_the_stack(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "login", "auth required pam_unix.so\n"
	    "auth sufficient pam_permit.so\n"
	    "auth required pam_kagi.so\n");
	EXPECT(w, "R-MFA-4", "FAIL");
	write_file(w->pam, "login", "auth [success=2 default=ignore] "
	    "pam_unix.so\nauth requisite pam_deny.so\n"
	    "auth required pam_kagi.so\nauth required pam_permit.so\n");
	EXPECT(w, "R-MFA-4", "FAIL");	/* a jump over it */
}

static void
test_mfa_5_fails_without_a_banner(void **state)
{
	struct world *w = *state;

	w->f->cfg.banner_file[0] = '\0';
	EXPECT(w, "R-MFA-5", "FAIL");
}

static void
test_mfa_5_warns_when_a_role_has_no_idle_time_out(void **state)
{
	struct world *w = *state;

	w->f->cfg.vendor_session_idle = 0;
	EXPECT(w, "R-MFA-5", "WARN");
}

static void
test_acc_1_fails_when_the_account_stack_skips_pam_kagi(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "sshd", "auth required pam_unix.so\n"
	    "auth required pam_kagi.so\naccount required pam_unix.so\n"
	    "session required pam_kagi.so\n");
	EXPECT(w, "R-ACC-1", "FAIL");
}

static void
test_acc_2_fails_when_stacks_name_different_zones(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "sshd", "auth required pam_unix.so\n"
	    "auth required pam_kagi.so zone=internet\n");
	EXPECT(w, "R-ACC-2", "FAIL");
}

static void
test_tok_1_fails_when_a_token_is_copied_to_another_user(void **state)
{
	struct world *w = *state;
	char q[256];

	snprintf(q, sizeof(q), "INSERT INTO tokens (user_id, type, state, "
	    "label, algorithm, digits, period, last_step, created, last_used, "
	    "sealed) SELECT %lld, type, state, label, algorithm, digits, "
	    "period, last_step, created, last_used, sealed FROM tokens "
	    "WHERE id = %lld", (long long)w->bob.id,
	    (long long)w->alice_token);
	sql(w, q);
	EXPECT(w, "R-TOK-1", "FAIL");
}

static void
test_tok_2_fails_when_a_revoked_token_is_active_again(void **state)
{
	struct world *w = *state;
	char q[128];

	assert_int_equal(store_token_set_state(w->f->ctx.store, w->alice_token,
	    TOKEN_REVOKED), 0);
	EXPECT(w, "R-TOK-2", "PASS");
	snprintf(q, sizeof(q), "UPDATE tokens SET state = 1 WHERE id = %lld",
	    (long long)w->alice_token);
	sql(w, q);
	EXPECT(w, "R-TOK-2", "FAIL");
}

static void
test_tok_3_fails_when_a_disabled_user_keeps_a_token(void **state)
{
	struct world *w = *state;

	assert_int_equal(store_user_set_disabled(w->f->ctx.store, w->bob.id,
	    1), 0);
	EXPECT(w, "R-TOK-3", "FAIL");
}

static void
test_tok_4_fails_when_an_enrollment_code_outlives_its_lifetime(void **state)
{
	struct world *w = *state;
	struct enroll_code_rec e;

	memset(&e, 0, sizeof(e));
	e.user_id = w->alice.id;
	e.created = CX_T0;
	e.expires = CX_T0 + 100 * CX_DAY;
	assert_int_equal(store_enroll_code_put(w->f->ctx.store, &e), 0);
	EXPECT(w, "R-TOK-4", "FAIL");
}

static void
test_tok_5_fails_when_a_role_is_set_behind_kagid(void **state)
{
	struct world *w = *state;
	char q[128];

	snprintf(q, sizeof(q), "UPDATE users SET role = 2 WHERE id = %lld",
	    (long long)w->alice.id);
	sql(w, q);
	EXPECT(w, "R-TOK-5", "FAIL");
}

static void
test_tok_6_fails_with_an_account_unused_too_long(void **state)
{
	struct world *w = *state;

	cx_clock(CX_T0 + 100 * CX_DAY);
	EXPECT(w, "R-TOK-6", "FAIL");
}

static void
test_tok_7_fails_without_a_recent_access_review(void **state)
{
	struct world *w = *state;

	cx_clock(CX_T0 + 91 * CX_DAY);
	EXPECT(w, "R-TOK-7", "FAIL");
}

static void
test_tok_9_fails_when_a_screen_locker_skips_pam_kagi(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "i3lock", "auth required pam_unix.so\n");
	EXPECT(w, "R-TOK-9", "FAIL");
}

static void
test_tok_8_fails_with_a_store_open_to_others(void **state)
{
	struct world *w = *state;

	assert_int_equal(chmod(w->f->cfg.database, 0644), 0);
	EXPECT(w, "R-TOK-8", "FAIL");
	assert_non_null(strstr(evidence, w->f->cfg.database));
}

static void
test_priv_1_fails_for_a_privileged_role_nobody_approved(void **state)
{
	struct world *w = *state;
	struct grant_rec g;

	assert_int_equal(store_grant_get(w->f->ctx.store, w->pat.id, &g), 0);
	g.approved_by[0] = '\0';
	assert_int_equal(store_grant_put(w->f->ctx.store, &g), 0);
	EXPECT(w, "R-PRIV-1", "FAIL");
}

static void
test_priv_1_fails_for_an_approver_written_into_the_store(void **state)
{
	struct world *w = *state;

	/* Someone with the store names another approver for pat. */
	sql(w, "UPDATE role_grants SET approved_by = 'mallory'");
	EXPECT(w, "R-PRIV-1", "FAIL");
	assert_non_null(strstr(evidence, "does not hold"));
}

static void
test_priv_1_fails_for_a_grant_written_into_the_store(void **state)
{
	struct world *w = *state;
	struct user_rec eve;
	struct grant_rec g;

	/* A privileged user and a grant naming request 7's approver, all
	 * written behind kagid: request 7 approved pat's role, not eve's. */
	cx_user(w->f, "eve", ROLE_PRIVILEGED, &eve);
	memset(&g, 0, sizeof(g));
	g.user_id = eve.id;
	g.role = ROLE_PRIVILEGED;
	g.since = CX_T0;
	snprintf(g.granted_by, sizeof(g.granted_by), "root");
	snprintf(g.approved_by, sizeof(g.approved_by), "ciso");
	g.request_id = 8;
	assert_int_equal(store_grant_put(w->f->ctx.store, &g), 0);
	EXPECT(w, "R-PRIV-1", "FAIL");
	assert_non_null(strstr(evidence, "eve"));
}

static void
test_priv_1_warns_for_a_grant_older_than_the_live_chain(void **state)
{
	struct world *w = *state;
	char q[160];

	/* Granted before the oldest live record: its approval was archived
	 * and is not in the store to check. */
	snprintf(q, sizeof(q), "UPDATE role_grants SET since = %lld, "
	    "request_id = 99", (long long)(CX_T0 - 86400));
	sql(w, q);
	EXPECT(w, "R-PRIV-1", "WARN");
	assert_non_null(strstr(evidence, "older than the live chain"));
}

static void
test_priv_2_fails_when_a_privileged_user_holds_totp(void **state)
{
	struct world *w = *state;

	(void)cx_totp(w->f, &w->pat, TOKEN_ACTIVE);
	EXPECT(w, "R-PRIV-2", "FAIL");
}

static void
test_priv_2_fails_for_a_privileged_key_without_uv(void **state)
{
	struct world *w = *state;

	(void)fido2_key(w, &w->pat, FIDO2_UV_NONE, 0x22);
	EXPECT(w, "R-PRIV-2", "FAIL");
}

static void
test_priv_3_fails_when_the_requester_approved(void **state)
{
	struct world *w = *state;
	struct grant_rec g;

	assert_int_equal(store_grant_get(w->f->ctx.store, w->pat.id, &g), 0);
	snprintf(g.approved_by, sizeof(g.approved_by), "%s", g.granted_by);
	assert_int_equal(store_grant_put(w->f->ctx.store, &g), 0);
	EXPECT(w, "R-PRIV-3", "FAIL");
}

static int64_t
request(struct world *w, const char *action, const char *requester,
    int64_t uid)
{
	struct request_rec q;
	int64_t id = 0;

	memset(&q, 0, sizeof(q));
	snprintf(q.action, sizeof(q.action), "%s", action);
	snprintf(q.params, sizeof(q.params), "{\"op\":\"user_delete\","
	    "\"user\":\"bob\"}");
	q.requester_uid = uid;
	snprintf(q.requester, sizeof(q.requester), "%s", requester);
	q.created = CX_T0;
	q.expires = CX_T0 + CX_DAY;
	assert_int_equal(store_request_add(w->f->ctx.store, &q, &id), 0);
	return id;
}

static void
test_priv_4_fails_when_a_vendor_asked_for_an_act(void **state)
{
	struct world *w = *state;

	(void)request(w, "user_delete", "v1", 2001);
	EXPECT(w, "R-PRIV-4", "FAIL");
}

static void
test_priv_5_fails_when_privileged_accounts_unlock_themselves(void **state)
{
	struct world *w = *state;

	w->f->cfg.lockout_privileged_admin_unlock = 0;
	EXPECT(w, "R-PRIV-5", "FAIL");
}

static void
test_priv_5_fails_for_a_token_older_than_the_role(void **state)
{
	struct world *w = *state;
	char q[128];

	snprintf(q, sizeof(q), "UPDATE tokens SET created = %lld WHERE "
	    "user_id = %lld", (long long)(CX_T0 - CX_DAY),
	    (long long)w->pat.id);
	sql(w, q);
	EXPECT(w, "R-PRIV-5", "FAIL");
}

static void
test_priv_6_fails_for_a_privileged_account_named_admin(void **state)
{
	struct world *w = *state;
	struct user_rec u;

	user(w, "admin", ROLE_PRIVILEGED, "root", "ciso", &u);
	EXPECT(w, "R-PRIV-6", "FAIL");
}

static void
test_priv_7_fails_for_a_privileged_session_without_a_limit(void **state)
{
	struct world *w = *state;
	struct session_rec s;
	int64_t id = 0;

	memset(&s, 0, sizeof(s));
	s.user_id = w->pat.id;
	snprintf(s.service, sizeof(s.service), "login");
	s.pid = 4242;
	s.sid = 4242;
	s.owner_uid = -1;
	s.started = CX_T0;
	assert_int_equal(store_session_add(w->f->ctx.store, &s, &id), 0);
	EXPECT(w, "R-PRIV-7", "FAIL");
}

static void
test_priv_7_fails_when_no_session_stack_runs_pam_kagi(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "login", "auth required pam_unix.so\n"
	    "auth required pam_kagi.so\naccount required pam_kagi.so\n");
	EXPECT(w, "R-PRIV-7", "FAIL");
}

static void
vendor_terms(struct world *w, const char *approver, const char *company,
    const char *sources)
{
	struct vendor_rec v;

	assert_int_equal(store_vendor_get(w->f->ctx.store, w->v1.id, &v), 0);
	snprintf(v.approver, sizeof(v.approver), "%s", approver);
	snprintf(v.company, sizeof(v.company), "%s", company);
	snprintf(v.sources, sizeof(v.sources), "%s", sources);
	assert_int_equal(store_vendor_put(w->f->ctx.store, &v), 0);
}

static void
test_rem_1_fails_for_a_vendor_without_approved_terms(void **state)
{
	struct world *w = *state;

	vendor_terms(w, "", "Maint Co.", "192.0.2.0/24");
	EXPECT(w, "R-REM-1", "FAIL");
}

static void
test_rem_2_fails_when_sshd_skips_pam_kagi_for_account(void **state)
{
	struct world *w = *state;

	write_file(w->pam, "sshd", "auth required pam_unix.so\n"
	    "auth required pam_kagi.so\naccount required pam_unix.so\n");
	EXPECT(w, "R-REM-2", "FAIL");
}

static void
test_rem_3_fails_for_a_vendor_from_anywhere(void **state)
{
	struct world *w = *state;

	vendor_terms(w, "ciso", "Maint Co.", "0.0.0.0/0");
	EXPECT(w, "R-REM-3", "FAIL");
}

static void
test_rem_5_fails_for_a_permit_naming_no_company(void **state)
{
	struct world *w = *state;

	vendor_terms(w, "ciso", "", "192.0.2.0/24");
	EXPECT(w, "R-REM-5", "FAIL");
}

/* A permit from before the worker, place and work were asked for. */
static void
test_rem_5_fails_for_a_permit_naming_no_worker(void **state)
{
	struct world *w = *state;
	struct vendor_rec v;

	assert_int_equal(store_vendor_get(w->f->ctx.store, w->v1.id, &v), 0);
	v.worker[0] = '\0';
	assert_int_equal(store_vendor_put(w->f->ctx.store, &v), 0);
	EXPECT(w, "R-REM-5", "FAIL");
}

static void
test_rem_4_fails_for_a_vendor_log_in_without_a_session(void **state)
{
	struct world *w = *state;

	assert_int_equal(store_user_set_success(w->f->ctx.store, w->v1.id,
	    CX_T0), 0);
	EXPECT(w, "R-REM-4", "FAIL");
}

static void
test_log_1_fails_when_an_archive_file_is_gone(void **state)
{
	struct world *w = *state;
	uint8_t h[32];
	int64_t seq = 0;

	assert_int_equal(audit_record(&w->f->ctx, NULL, LOG_NOTICE, "probe",
	    NULL, NULL), 0);
	assert_int_equal(store_audit_hash_at(w->f->ctx.store, 1, h), 0);
	assert_int_equal(store_audit_archive(w->f->ctx.store, 1, h,
	    "/nonexistent/kagi-archive.jsonl", CX_T0), 0);
	assert_int_equal(audit_checkpoint(&w->f->ctx, 1, h, "archive"), 0);
	(void)seq;
	EXPECT(w, "R-LOG-1", "FAIL");
}

static void
test_log_2_fails_on_a_chain_cut_behind_its_checkpoint(void **state)
{
	struct world *w = *state;

	sql(w, "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
	EXPECT(w, "R-LOG-2", "FAIL");
}

static void
test_log_2_fails_when_the_checkpoint_command_cannot_run(void **state)
{
	struct world *w = *state;

	free(w->f->cfg.audit_checkpoint_command);
	w->f->cfg.audit_checkpoint_command = strdup("/nonexistent/ship");
	EXPECT(w, "R-LOG-2", "FAIL");
	assert_non_null(strstr(evidence, "cannot be run"));
}

static void
test_log_2_fails_when_the_checkpoint_command_failed(void **state)
{
	struct world *w = *state;
	char err[256];
	uint8_t h[32];
	int64_t seq = 0;

	/* kagid started with a command that exits 1 (the place it ships
	 * to is gone): checkpoints are signed, but do not leave. */
	audit_daemon_free(&w->f->ctx);
	free(w->f->cfg.audit_checkpoint_command);
	w->f->cfg.audit_checkpoint_command = strdup("/bin/false");
	if (audit_daemon_open(&w->f->ctx, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(store_audit_head(w->f->ctx.store, &seq, h), 0);
	assert_int_equal(audit_checkpoint(&w->f->ctx, seq, h, "interval"), 0);
	shipped_wait(w->f, 1);
	EXPECT(w, "R-LOG-2", "FAIL");
	assert_non_null(strstr(evidence, "failed on the newest checkpoint"));
}

static void
test_log_3_fails_for_a_lock_without_its_lockout(void **state)
{
	struct world *w = *state;
	struct lock_rec l;

	memset(&l, 0, sizeof(l));
	l.failures = 5;
	l.first_failure = CX_T0 - 60;
	l.locked_until = CX_T0 + 3600;
	l.lock_count = 1;
	assert_int_equal(store_lock_put(w->f->ctx.store, w->alice.id, &l), 0);
	EXPECT(w, "R-LOG-3", "FAIL");
}

static void
test_log_4_fails_on_an_unsynchronised_clock(void **state)
{
	struct world *w = *state;

	w->f->ctx.clock_synced = 0;
	EXPECT(w, "R-LOG-4", "FAIL");
}

static void
test_log_5_fails_when_a_requester_approved_their_own_request(void **state)
{
	struct world *w = *state;
	struct request_decider alice = { 1001, "alice", -1, NULL };
	int64_t id = request(w, "user_delete", "alice", 1001);

	assert_int_equal(store_request_decide(w->f->ctx.store, id,
	    REQ_APPROVED, &alice, CX_T0, NULL), 0);
	EXPECT(w, "R-LOG-5", "FAIL");
}

/* Two administrators through sudo: both root, two people (person.h). */
static void
test_log_5_passes_two_people_behind_root(void **state)
{
	struct world *w = *state;
	struct request_decider other = { 0, "root", 1002, "kagi-approver" };
	struct request_rec q;
	int64_t id = 0;

	memset(&q, 0, sizeof(q));
	snprintf(q.action, sizeof(q.action), "user_delete");
	snprintf(q.params, sizeof(q.params), "{\"op\":\"user_delete\","
	    "\"user\":\"bob\"}");
	snprintf(q.requester, sizeof(q.requester), "root");
	q.requester_luid = 1001;
	q.created = CX_T0;
	q.expires = CX_T0 + CX_DAY;
	assert_int_equal(store_request_add(w->f->ctx.store, &q, &id), 0);
	assert_int_equal(store_request_decide(w->f->ctx.store, id,
	    REQ_APPROVED, &other, CX_T0, NULL), 0);
	EXPECT(w, "R-LOG-5", "PASS");
	/* The same administrator on both sides is one person. */
	other.luid = 1001;
	id = 0;
	assert_int_equal(store_request_add(w->f->ctx.store, &q, &id), 0);
	assert_int_equal(store_request_decide(w->f->ctx.store, id,
	    REQ_APPROVED, &other, CX_T0, NULL), 0);
	EXPECT(w, "R-LOG-5", "FAIL");
}

static void
test_exc_1_fails_with_an_exception_open(void **state)
{
	struct world *w = *state;
	int64_t id = 0;

	assert_int_equal(store_exception_add(w->f->ctx.store, "alice", 1,
	    "kagid", CX_T0, &id), 0);
	EXPECT(w, "R-EXC-1", "FAIL");
	assert_int_equal(store_exception_close(w->f->ctx.store, id, "root",
	    "power cut, key lost", CX_T0 + 60), 0);
	EXPECT(w, "R-EXC-1", "PASS");
}

static void
test_inc_1_fails_when_the_alert_command_cannot_run(void **state)
{
	struct world *w = *state;

	free(w->f->cfg.alert_command);
	w->f->cfg.alert_command = strdup("/nonexistent/alert");
	EXPECT(w, "R-INC-1", "FAIL");
}

static void
test_inc_1_fails_when_the_alert_command_failed(void **state)
{
	struct world *w = *state;
	struct alert_runner *ar = NULL;
	int64_t ok = 0, bad = 0;
	int last = 0, i;

	free(w->f->cfg.alert_command);
	w->f->cfg.alert_command = strdup("/bin/false");
	assert_int_equal(alert_runner_new("/bin/false", 5000, &ar), 0);
	w->f->ctx.alerts = ar;
	assert_int_equal(alert_spawn(ar, "{\"event\":\"probe\"}"), 0);
	for (i = 0; i < 500 && bad == 0; i++) {
		usleep(10000);
		alert_reap(ar, 0);
		alert_outcomes(ar, &ok, &bad, &last);
	}
	EXPECT(w, "R-INC-1", "FAIL");
	assert_non_null(strstr(evidence, "failed on the newest alert"));
	w->f->ctx.alerts = NULL;
	alert_runner_free(&ar);
}

static void
test_avl_1_fails_while_audit_writes_fail(void **state)
{
	struct world *w = *state;

	audit_write_failed(&w->f->ctx, "commit", KAGI_ERR_STORE);
	EXPECT(w, "R-AVL-1", "FAIL");
}

static void
test_aud_1_fails_when_the_configuration_changed_since_read(void **state)
{
	struct world *w = *state;
	FILE *fp;

	sleep(1);	/* a new mtime */
	assert_non_null(fp = fopen(w->f->conf, "a"));
	fputs("# edited\n", fp);
	assert_int_equal(fclose(fp), 0);
	EXPECT(w, "R-AUD-1", "FAIL");
}

/*
 * An insider edits one byte in place, keeping the size, and puts the
 * modification time back, all within the second kagid read the file:
 * the seconds of every time it kept are as they were.
 */
static void
test_aud_1_fails_after_a_same_size_edit_with_its_time_put_back(void **state)
{
	struct world *w = *state;
	struct timespec t[2];
	struct stat st;
	FILE *fp;
	int c;

	assert_int_equal(stat(w->f->conf, &st), 0);
	t[0] = st.st_atim;
	t[1] = st.st_mtim;
	assert_non_null(fp = fopen(w->f->conf, "r+"));
	assert_int_not_equal(c = fgetc(fp), EOF);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	assert_int_not_equal(fputc(c == '#' ? ';' : '#', fp), EOF);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(utimensat(AT_FDCWD, w->f->conf, t, 0), 0);
	assert_int_equal(stat(w->f->conf, &st), 0);
	assert_true(st.st_mtim.tv_sec == t[1].tv_sec &&
	    st.st_mtim.tv_nsec == t[1].tv_nsec);
	EXPECT(w, "R-AUD-1", "FAIL");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, world_setup, world_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_id_has_its_line_pass_or_warn_as_stated),
		T(test_mfa_1_fails_when_pam_kagi_is_optional),
		T(test_mfa_2_fails_without_a_password_before_or_with_nullok),
		T(test_mfa_3_fails_when_sshd_skips_pam_kagi),
		T(test_mfa_4_fails_when_a_module_before_ends_the_stack),
		T(test_mfa_5_fails_without_a_banner),
		T(test_mfa_5_warns_when_a_role_has_no_idle_time_out),
		T(test_acc_1_fails_when_the_account_stack_skips_pam_kagi),
		T(test_acc_2_fails_when_stacks_name_different_zones),
		T(test_tok_1_fails_when_a_token_is_copied_to_another_user),
		T(test_tok_2_fails_when_a_revoked_token_is_active_again),
		T(test_tok_3_fails_when_a_disabled_user_keeps_a_token),
		T(test_tok_4_fails_when_an_enrollment_code_outlives_its_lifetime),
		T(test_tok_5_fails_when_a_role_is_set_behind_kagid),
		T(test_tok_6_fails_with_an_account_unused_too_long),
		T(test_tok_7_fails_without_a_recent_access_review),
		T(test_tok_9_fails_when_a_screen_locker_skips_pam_kagi),
		T(test_tok_8_fails_with_a_store_open_to_others),
		T(test_priv_1_fails_for_a_privileged_role_nobody_approved),
		T(test_priv_1_fails_for_an_approver_written_into_the_store),
		T(test_priv_1_fails_for_a_grant_written_into_the_store),
		T(test_priv_1_warns_for_a_grant_older_than_the_live_chain),
		T(test_priv_2_fails_when_a_privileged_user_holds_totp),
		T(test_priv_2_fails_for_a_privileged_key_without_uv),
		T(test_priv_3_fails_when_the_requester_approved),
		T(test_priv_4_fails_when_a_vendor_asked_for_an_act),
		T(test_priv_5_fails_when_privileged_accounts_unlock_themselves),
		T(test_priv_5_fails_for_a_token_older_than_the_role),
		T(test_priv_6_fails_for_a_privileged_account_named_admin),
		T(test_priv_7_fails_for_a_privileged_session_without_a_limit),
		T(test_priv_7_fails_when_no_session_stack_runs_pam_kagi),
		T(test_rem_1_fails_for_a_vendor_without_approved_terms),
		T(test_rem_2_fails_when_sshd_skips_pam_kagi_for_account),
		T(test_rem_3_fails_for_a_vendor_from_anywhere),
		T(test_rem_5_fails_for_a_permit_naming_no_company),
		T(test_rem_5_fails_for_a_permit_naming_no_worker),
		T(test_rem_4_fails_for_a_vendor_log_in_without_a_session),
		T(test_log_1_fails_when_an_archive_file_is_gone),
		T(test_log_2_fails_on_a_chain_cut_behind_its_checkpoint),
		T(test_log_2_fails_when_the_checkpoint_command_cannot_run),
		T(test_log_2_fails_when_the_checkpoint_command_failed),
		T(test_log_3_fails_for_a_lock_without_its_lockout),
		T(test_log_4_fails_on_an_unsynchronised_clock),
		T(test_log_5_fails_when_a_requester_approved_their_own_request),
		T(test_log_5_passes_two_people_behind_root),
		T(test_exc_1_fails_with_an_exception_open),
		T(test_inc_1_fails_when_the_alert_command_cannot_run),
		T(test_inc_1_fails_when_the_alert_command_failed),
		T(test_avl_1_fails_while_audit_writes_fail),
		T(test_aud_1_fails_when_the_configuration_changed_since_read),
		T(test_aud_1_fails_after_a_same_size_edit_with_its_time_put_back),
	};

	/* As in kagid: a hook that exits before reading breaks no test. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("compliance", tests, NULL, NULL);
}
