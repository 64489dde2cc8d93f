/*
 * test_gateway.c - the SSH gateway's rules (issue 16): enrolling a
 * security key over kagid's challenge (sshkey_reg.c), the keys sshd may
 * take (gateway.c) and the log-in that binds the key (login_sshkey.c),
 * on a kagid context with a real store (ctx_fixture.h).
 *
 * The keys and attestations are real: the software security key's own
 * sk_enroll over the challenge kagid handed out, packed as ssh-keygen
 * writes them (tests/sshsk/sshsk_pack.c).  tests/integration/gateway.sh
 * runs the same rules through ssh-keygen, sshd and ssh.
 *
 * Policy: R-MFA-3, R-REM-1, R-REM-2, R-REM-3, R-PRIV-2, R-PRIV-3,
 * R-TOK-1 (a key row moved to another user in the store does not open as
 * theirs).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b64.h"
#include "challenge.h"
#include "ctx_fixture.h"
#include "gateway.h"
#include "kagi_err.h"
#include "login.h"
#include "proto.h"
#include "proto_ops.h"
#include "sshkey.h"
#include "sshkey_att.h"
#include "sshkey_reg.h"
#include "sshsk.h"

#define ASK_UV (SSHSK_FLAG_UP | SSHSK_FLAG_UV)
#define OPEN "Sun-Sat 00:00-24:00"
#define CLOSED "Sun 03:00-04:00"	/* CX_T0 is a Wednesday */

static struct peer root;

static int
setup(void **state)
{
	unsetenv("KAGI_SSHSK_ATT");
	unsetenv("KAGI_SSHSK_UV");
	unsetenv("KAGI_SSHSK_STATE");
	root = cx_peer(0, "root", PEER_VERIFIER | PEER_ADMIN | PEER_SELF |
	    PEER_APPROVER);
	*state = cx_open("authkeys_user = nobody\n");
	cx_clock(CX_T0);
	return *state == NULL ? -1 : 0;
}

/* A permit (a vendor's, or a staff user's remote-access grant). */
static void
permit(struct cx *f, const struct user_rec *u, const char *windows)
{
	struct vendor_rec v;

	memset(&v, 0, sizeof(v));
	v.user_id = u->id;
	snprintf(v.approver, sizeof(v.approver), "bob");
	snprintf(v.company, sizeof(v.company), "ACME");
	v.expires = CX_T0 + 30 * CX_DAY;
	snprintf(v.windows, sizeof(v.windows), "%s", windows);
	snprintf(v.sources, sizeof(v.sources), "192.0.2.0/28");
	assert_int_equal(store_vendor_put(f->ctx.store, &v), 0);
}

/* A key made over chal, as ssh-keygen writes it: line and base64 att. */
struct key {
	char *line;
	char *att64;
};

static void
make_key(const uint8_t *chal, struct key *k)
{
	struct sk_enroll_response *resp = NULL;
	uint8_t *blob = NULL, *att = NULL;
	size_t len = 0, att_len = 0;

	assert_int_equal(sk_enroll(SSHSK_ALG_ED25519, chal, CHAL_LEN,
	    SSHKEY_APP_DEFAULT, ASK_UV, NULL, NULL, &resp), 0);
	assert_int_equal(sshsk_pack_pubkey(SSHSK_ALG_ED25519,
	    SSHKEY_APP_DEFAULT, resp, &blob, &len), 0);
	assert_int_equal(sshsk_pack_line(SSHSK_ALG_ED25519, blob, len, "v@pc",
	    &k->line), 0);
	assert_int_equal(sshsk_pack_attest(resp, &att, &att_len), 0);
	assert_int_equal(b64_encode(att, att_len, &k->att64), 0);
	sshsk_enroll_response_free(resp);
	free(blob);
	free(att);
}

static void
key_free(struct key *k)
{
	free(k->line);
	free(k->att64);
	memset(k, 0, sizeof(*k));
}

/* The challenge of an admin begin for u; 0 when begin gave none. */
static int
begin(struct cx *f, const struct user_rec *u, uint8_t chal[CHAL_LEN])
{
	struct json_object *req = json_object_new_object();
	struct json_object *reply = json_object_new_object();
	uint8_t *c = NULL;
	size_t n = 0;
	const char *s;
	int got = 0;

	proto_set_str(req, "op", OP_TOKEN_SSHKEY_BEGIN);
	proto_set_str(req, "user", u->name);
	assert_int_equal(sshkey_reg_admin_begin(&f->ctx, &root, u, req,
	    reply), 0);
	if ((s = json_object_get_string(json_object_object_get(reply,
	    "challenge"))) != NULL) {
		assert_int_equal(b64_decode(s, CHAL_LEN, CHAL_LEN, &c, &n), 0);
		memcpy(chal, c, CHAL_LEN);
		free(c);
		got = 1;
	}
	json_object_put(req);
	json_object_put(reply);
	return got;
}

/* An admin finish with k: the token id, or 0 with *why the refusal. */
static int64_t
finish(struct cx *f, const struct user_rec *u, const struct key *k,
    char why[64])
{
	struct json_object *req = json_object_new_object();
	struct json_object *reply = json_object_new_object();
	struct json_object *t;
	const char *s;
	int64_t id = 0;

	why[0] = '\0';
	proto_set_str(req, "key", k->line);
	proto_set_str(req, "attestation", k->att64);
	assert_int_equal(sshkey_reg_admin_finish(&f->ctx, &root, u, req,
	    reply), 0);
	if (json_object_object_get_ex(reply, "token", &t))
		id = json_object_get_int64(json_object_object_get(t, "id"));
	if ((s = json_object_get_string(json_object_object_get(reply,
	    "refused"))) != NULL)
		snprintf(why, 64, "%s", s);
	json_object_put(req);
	json_object_put(reply);
	return id;
}

/* An enrolled key of u (a challenge, a key over it, the finish). */
static int64_t
enrolled(struct cx *f, const struct user_rec *u, struct key *k)
{
	uint8_t chal[CHAL_LEN];
	char why[64];
	int64_t id;

	assert_true(begin(f, u, chal));
	make_key(chal, k);
	id = finish(f, u, k, why);
	assert_string_equal(why, "");
	assert_true(id > 0);
	return id;
}

/* The lines kagi-authkeys would print for user. */
static int
lines(struct cx *f, const char *user, char *first, size_t len)
{
	struct json_object *reply = json_object_new_object(), *a;
	int n;

	assert_int_equal(gateway_authkeys(&f->ctx, user, NULL, CX_T0, reply),
	    0);
	assert_true(json_object_object_get_ex(reply, "lines", &a));
	n = (int)json_object_array_length(a);
	if (first != NULL)
		snprintf(first, len, "%s", n > 0 ? json_object_get_string(
		    json_object_array_get_idx(a, 0)) : "");
	json_object_put(reply);
	return n;
}

/* auth_sshkey for user from rhost with key (the "TYPE BASE64" part of
 * line) or failure: the verdict. */
static const char *
login(struct cx *f, const char *user, const char *rhost, const char *line,
    const char *failure)
{
	static char verdict[32];
	struct json_object *req = json_object_new_object();
	struct json_object *reply = json_object_new_object();
	struct login_req a;
	const char *v = NULL;
	char key[SSHKEY_LINE_MAX];
	char *sp;

	proto_set_str(req, "user", user);
	proto_set_str(req, "service", "sshd");
	proto_set_str(req, "rhost", rhost);
	proto_set_str(req, "zone", "internet");
	assert_int_equal(login_req_parse(req, &a), 0);
	key[0] = '\0';
	if (line != NULL) {
		snprintf(key, sizeof(key), "%s", line);
		/* Without the comment, as SSH_AUTH_INFO_0 has it. */
		if ((sp = strchr(key, ' ')) != NULL &&
		    (sp = strchr(sp + 1, ' ')) != NULL)
			*sp = '\0';
	}
	assert_int_equal(login_sshkey(&f->ctx, &root, &a,
	    line != NULL ? key : NULL, failure, CX_T0, reply, &v), 0);
	snprintf(verdict, sizeof(verdict), "%s", v != NULL ? v : "");
	json_object_put(req);
	json_object_put(reply);
	return verdict;
}

/* --- enrolment ---------------------------------------------------------- */

static void
test_a_key_made_over_the_challenge_is_enrolled_once(void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	struct key k;
	char why[64], ev[512];
	int64_t seq;

	cx_user(f, "vend1", ROLE_VENDOR, &u);
	assert_true(enrolled(f, &u, &k) > 0);
	assert_int_equal(cx_tokens(f, u.id, TOKEN_ACTIVE), 1);
	/* R-TOK-1 / single use: the same again finds no challenge. */
	seq = cx_audit_seq(f);
	assert_int_equal(finish(f, &u, &k, why), 0);
	assert_string_equal(why, "no_challenge");
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)),
	    "token_refused");
	key_free(&k);
}

static void
test_an_attestation_over_another_challenge_is_refused(void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	uint8_t chal[CHAL_LEN], other[CHAL_LEN] = { 1, 2, 3 };
	struct key k;
	char why[64];

	cx_user(f, "vend1", ROLE_VENDOR, &u);
	assert_true(begin(f, &u, chal));
	make_key(other, &k);
	assert_int_equal(finish(f, &u, &k, why), 0);
	assert_string_equal(why, "signature");
	assert_int_equal(cx_tokens(f, u.id, -1), 0);
	key_free(&k);
}

static void
test_a_challenge_serves_only_the_user_it_was_issued_for(void **state)
{
	struct cx *f = *state;
	struct user_rec u1, u2;
	uint8_t chal[CHAL_LEN];
	struct key k;
	char why[64];

	cx_user(f, "vend1", ROLE_VENDOR, &u1);
	cx_user(f, "vend2", ROLE_VENDOR, &u2);
	assert_true(begin(f, &u1, chal));
	make_key(chal, &k);
	assert_int_equal(finish(f, &u2, &k, why), 0);
	assert_string_equal(why, "no_challenge");
	key_free(&k);
}

static void
test_self_attestation_is_refused_for_vendors_whatever_the_policy(
    void **state)
{
	struct cx *f = *state;
	struct user_rec v, s;
	uint8_t chal[CHAL_LEN];
	struct key k;
	char why[64];

	/* fido2_attestation_vendor is "any" by default: still refused. */
	setenv("KAGI_SSHSK_ATT", "self", 1);
	cx_user(f, "vend1", ROLE_VENDOR, &v);
	assert_true(begin(f, &v, chal));
	make_key(chal, &k);
	assert_int_equal(finish(f, &v, &k, why), 0);
	assert_string_equal(why, "attestation_missing");
	key_free(&k);
	/* A staff user's policy "any" takes it. */
	cx_user(f, "sato", ROLE_STAFF, &s);
	assert_true(begin(f, &s, chal));
	make_key(chal, &k);
	assert_true(finish(f, &s, &k, why) > 0);
	key_free(&k);
	unsetenv("KAGI_SSHSK_ATT");
}

static void
test_a_privileged_key_needs_a_second_person_and_the_users_hand(
    void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	uint8_t chal[CHAL_LEN];
	struct key k;
	char why[64];

	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct json_object *req = json_object_new_object();
	struct json_object *reply = json_object_new_object(), *o;

	cx_user(f, "kanri", ROLE_PRIVILEGED, &u);
	/* R-PRIV-3: begin becomes a request for a second person. */
	proto_set_int(req, "v", KAGI_PROTO_VERSION);
	proto_set_str(req, "op", OP_TOKEN_SSHKEY_BEGIN);
	proto_set_str(req, "user", u.name);
	assert_int_equal(sshkey_reg_admin_begin(&f->ctx, &alice, &u, req,
	    reply), 0);
	assert_true(json_object_object_get_ex(reply, "pending_approval", &o));
	assert_true(json_object_get_boolean(o));
	assert_false(json_object_object_get_ex(reply, "challenge", &o));
	json_object_put(req);
	json_object_put(reply);
	/* No administrator's finish stores it, whatever it brings. */
	memset(chal, 7, sizeof(chal));
	make_key(chal, &k);
	assert_int_equal(finish(f, &u, &k, why), 0);
	assert_string_equal(why, "enrolled_by_user");
	assert_int_equal(cx_tokens(f, u.id, -1), 0);
	key_free(&k);
}

/* --- the keys sshd may take ---------------------------------------------- */

static void
test_a_vendors_key_is_listed_only_inside_its_window(void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	struct key k;
	char line[1024], want[1024];

	cx_user(f, "vend1", ROLE_VENDOR, &u);
	enrolled(f, &u, &k);
	permit(f, &u, CLOSED);
	assert_int_equal(lines(f, "vend1", NULL, 0), 0);
	permit(f, &u, OPEN);
	assert_int_equal(lines(f, "vend1", line, sizeof(line)), 1);
	/* Ends at the window's end: the next midnight in Tokyo (CX_T0 is
	 * Wednesday 07:13 there), 15:00 UTC. */
	*strrchr(k.line, ' ') = '\0';
	snprintf(want, sizeof(want), "verify-required,expiry-time="
	    "\"20231115150000Z\",from=\"192.0.2.0/28\",restrict,pty %s",
	    k.line);
	assert_string_equal(line, want);
	assert_int_equal(lines(f, "nosuchuser", NULL, 0), 0);
	assert_int_equal(store_user_set_disabled(f->ctx.store, u.id, 1), 0);
	assert_int_equal(lines(f, "vend1", NULL, 0), 0);
	key_free(&k);
}

static void
test_staff_keys_are_listed_only_with_a_remote_access_grant(void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	struct key k;

	cx_user(f, "sato", ROLE_STAFF, &u);
	enrolled(f, &u, &k);
	assert_int_equal(lines(f, "sato", NULL, 0), 0);
	permit(f, &u, OPEN);
	assert_int_equal(lines(f, "sato", NULL, 0), 1);
	key_free(&k);
}

static void
test_only_the_authkeys_user_may_ask(void **state)
{
	struct cx *f = *state;
	struct peer nobody = cx_peer(65534, "nobody", PEER_SELF);
	struct peer other = cx_peer(1000, "alice", PEER_SELF);

	assert_int_equal(gateway_authkeys_caller(&f->ctx, &nobody), 0);
	assert_int_equal(gateway_authkeys_caller(&f->ctx, &other),
	    KAGI_ERR_DENIED);
	assert_int_equal(gateway_authkeys_caller(&f->ctx, &root),
	    KAGI_ERR_DENIED);
}

/* --- the log-in ----------------------------------------------------------- */

static void
test_the_log_in_binds_the_users_own_active_key(void **state)
{
	struct cx *f = *state;
	struct user_rec u1, u2;
	struct key k1, k2;
	struct lock_rec l;
	int64_t t1;

	cx_user(f, "vend1", ROLE_VENDOR, &u1);
	cx_user(f, "vend2", ROLE_VENDOR, &u2);
	t1 = enrolled(f, &u1, &k1);
	enrolled(f, &u2, &k2);
	permit(f, &u1, OPEN);
	permit(f, &u2, OPEN);
	assert_string_equal(login(f, "vend1", "192.0.2.3", k1.line, NULL),
	    VERDICT_SUCCESS);
	/* Another user's key: a failure, counted. */
	assert_string_equal(login(f, "vend1", "192.0.2.3", k2.line, NULL),
	    VERDICT_DENIED);
	l = cx_lock(f, &u1, 1);
	assert_int_equal(l.failures, 1);
	/* From outside the permit, refused before the key is looked at. */
	assert_string_equal(login(f, "vend1", "198.51.100.1", k1.line, NULL),
	    VERDICT_DENIED);
	/* What the module found instead of one key: refused, not counted. */
	assert_string_equal(login(f, "vend1", "192.0.2.3", NULL,
	    "auth_info_ambiguous"), VERDICT_DENIED);
	assert_string_equal(login(f, "vend1", "192.0.2.3", NULL,
	    "auth_info_absent"), VERDICT_DENIED);
	l = cx_lock(f, &u1, 1);
	assert_int_equal(l.failures, 1);
	assert_string_equal(login(f, "vend1", "192.0.2.3", "not a key", NULL),
	    VERDICT_DENIED);
	/* Revoked: refused. */
	assert_int_equal(store_token_set_state(f->ctx.store, t1,
	    TOKEN_REVOKED), 0);
	assert_string_equal(login(f, "vend1", "192.0.2.3", k1.line, NULL),
	    VERDICT_DENIED);
	key_free(&k1);
	key_free(&k2);
}

static void
test_staff_log_in_through_the_gateway_only_with_a_grant(void **state)
{
	struct cx *f = *state;
	struct user_rec u;
	struct key k;

	cx_user(f, "sato", ROLE_STAFF, &u);
	enrolled(f, &u, &k);
	assert_string_equal(login(f, "sato", "192.0.2.3", k.line, NULL),
	    VERDICT_DENIED);
	permit(f, &u, OPEN);
	assert_string_equal(login(f, "sato", "192.0.2.3", k.line, NULL),
	    VERDICT_SUCCESS);
	key_free(&k);
}

static void
test_a_key_row_moved_to_another_user_is_neither_listed_nor_taken(
    void **state)
{
	struct cx *f = *state;
	struct user_rec u1, u2;
	struct key k1;
	char sql[256];
	int64_t t1;

	cx_user(f, "vend1", ROLE_VENDOR, &u1);
	cx_user(f, "kanri", ROLE_VENDOR, &u2);
	t1 = enrolled(f, &u1, &k1);
	permit(f, &u1, OPEN);
	permit(f, &u2, OPEN);
	assert_int_equal(lines(f, "vend1", NULL, 0), 1);
	/* An insider with the database moves vend1's key to kanri. */
	assert_int_equal(store_commit(f->ctx.store), 0);
	snprintf(sql, sizeof(sql), "UPDATE tokens SET user_id = %lld "
	    "WHERE id = %lld", (long long)u2.id, (long long)t1);
	assert_int_equal(cx_sql(f, sql), 0);
	assert_int_equal(store_begin(f->ctx.store), 0);
	/* It opens only as vend1's: kanri gets nothing from it. */
	assert_int_equal(lines(f, "kanri", NULL, 0), 0);
	assert_string_equal(login(f, "kanri", "192.0.2.3", k1.line, NULL),
	    VERDICT_DENIED);
	key_free(&k1);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, cx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_a_key_made_over_the_challenge_is_enrolled_once),
		TEST(test_an_attestation_over_another_challenge_is_refused),
		TEST(test_a_challenge_serves_only_the_user_it_was_issued_for),
		TEST(test_self_attestation_is_refused_for_vendors_whatever_the_policy),
		TEST(test_a_privileged_key_needs_a_second_person_and_the_users_hand),
		TEST(test_a_vendors_key_is_listed_only_inside_its_window),
		TEST(test_staff_keys_are_listed_only_with_a_remote_access_grant),
		TEST(test_only_the_authkeys_user_may_ask),
		TEST(test_the_log_in_binds_the_users_own_active_key),
		TEST(test_staff_log_in_through_the_gateway_only_with_a_grant),
		TEST(test_a_key_row_moved_to_another_user_is_neither_listed_nor_taken),
	};

	return cmocka_run_group_tests_name("gateway", tests, NULL, NULL);
}
