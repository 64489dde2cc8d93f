/*
 * test_approval.c - the two-person rule (tokend/core/approval.c) at fixed
 * times, on a real temporary store: which act each operation is for each
 * role, the acts that need a second person whatever the configuration
 * says, a request held instead of acted on, and its approval: never by
 * its requester, never once expired, and only for an operation the table
 * lists (R-PRIV-3, R-LOG-5); people compared by login uid, root being
 * nobody in particular; nobody approving an act on their own account or
 * outside the act's approver group; an administrator never acting on
 * their own account; an approval that cannot be carried out failing
 * visibly.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "approval.h"
#include "ctx_fixture.h"
#include "kagi_err.h"
#include "names.h"
#include "proto.h"
#include "proto_ops.h"
#include "refusal.h"
#include "store_life.h"

#define NONE APPROVAL_NO_ROLE
#define STAFF ROLE_STAFF
#define PRIV ROLE_PRIVILEGED
#define VENDOR ROLE_VENDOR

/* --- the table ---------------------------------------------------------- */

/* What each operation is, written out apart from approval.c's table. */
static const struct {
	const char *op;
	int role, new_role;
	unsigned act;
} expected[] = {
	/* Adding a user: by the role it is given. */
	{ OP_USER_ADD, NONE, STAFF, 0 },
	{ OP_USER_ADD, NONE, PRIV, APPROVE_ROLE_PRIVILEGED },
	{ OP_USER_ADD, NONE, VENDOR, APPROVE_VENDOR_ADD },
	/* A role change: privileged either way first, then vendor. */
	{ OP_USER_ROLE, STAFF, PRIV, APPROVE_ROLE_PRIVILEGED },
	{ OP_USER_ROLE, VENDOR, PRIV, APPROVE_ROLE_PRIVILEGED },
	{ OP_USER_ROLE, PRIV, STAFF, APPROVE_ROLE_PRIVILEGED },
	{ OP_USER_ROLE, PRIV, VENDOR, APPROVE_ROLE_PRIVILEGED },
	{ OP_USER_ROLE, STAFF, VENDOR, APPROVE_VENDOR_ADD },
	{ OP_USER_ROLE, VENDOR, STAFF, 0 },
	/* Vendor access, whoever the target is; break-glass codes, a
	 * privileged user's apart (always two people: R-PRIV-3). */
	{ OP_VENDOR_ADD, NONE, NONE, APPROVE_VENDOR_ADD },
	{ OP_BREAKGLASS_ISSUE, STAFF, NONE, APPROVE_BREAKGLASS_ISSUE },
	{ OP_BREAKGLASS_ISSUE, PRIV, NONE, APPROVE_BREAKGLASS_PRIVILEGED },
	{ OP_BREAKGLASS_ISSUE, VENDOR, NONE, APPROVE_BREAKGLASS_ISSUE },
	/* Deleting: a privileged user is a privileged-role act. */
	{ OP_USER_DELETE, STAFF, NONE, APPROVE_USER_DELETE },
	{ OP_USER_DELETE, PRIV, NONE, APPROVE_ROLE_PRIVILEGED },
	{ OP_USER_DELETE, VENDOR, NONE, APPROVE_USER_DELETE },
	/* A privileged user's tokens and lock; nobody else's. */
	{ OP_TOKEN_REVOKE, STAFF, NONE, 0 },
	{ OP_TOKEN_REVOKE, PRIV, NONE, APPROVE_TOKEN_PRIVILEGED },
	{ OP_TOKEN_REVOKE, VENDOR, NONE, 0 },
	{ OP_TOKEN_FIDO2_BEGIN, STAFF, NONE, 0 },
	{ OP_TOKEN_FIDO2_BEGIN, PRIV, NONE, APPROVE_TOKEN_PRIVILEGED },
	{ OP_TOKEN_FIDO2_BEGIN, VENDOR, NONE, 0 },
	{ OP_TOKEN_FIDO2_IMPORT, STAFF, NONE, 0 },
	{ OP_TOKEN_FIDO2_IMPORT, PRIV, NONE, APPROVE_TOKEN_PRIVILEGED },
	{ OP_TOKEN_FIDO2_IMPORT, VENDOR, NONE, 0 },
	{ OP_UNLOCK, STAFF, NONE, 0 },
	{ OP_UNLOCK, PRIV, NONE, APPROVE_UNLOCK_PRIVILEGED },
	{ OP_UNLOCK, VENDOR, NONE, 0 },
};

static void
test_each_operation_is_its_act_for_each_target_role(void **state)
{
	unsigned act;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		act = 12345;
		assert_int_equal(approval_act(expected[i].op, expected[i].role,
		    expected[i].new_role, &act), 0);
		if (act != expected[i].act)
			fail_msg("%s, role %d, new role %d: act %u, not %u",
			    expected[i].op, expected[i].role,
			    expected[i].new_role, act, expected[i].act);
	}
}

static void
test_an_operation_without_a_row_is_no_act(void **state)
{
	unsigned act = 12345;

	(void)state;
	assert_int_equal(approval_act(OP_USER_DISABLE, PRIV, NONE, &act),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(act, 0);
	assert_int_equal(approval_act(OP_TOKEN_ADD_TOTP, STAFF, NONE, &act),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(approval_act("no_such_op", STAFF, NONE, &act),
	    KAGI_ERR_NOT_FOUND);
}

static void
test_the_mask_is_approval_required_plus_the_mandatory_acts(void **state)
{
	struct kagid_config c;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* Nothing configured: the mandatory acts still hold. */
	assert_int_equal(approval_mask(&c), APPROVE_MANDATORY);
	assert_true(approval_needed(&c, OP_USER_ROLE, STAFF, PRIV));
	assert_true(approval_needed(&c, OP_TOKEN_REVOKE, PRIV, NONE));
	assert_true(approval_needed(&c, OP_VENDOR_ADD, NONE, NONE));
	assert_false(approval_needed(&c, OP_USER_DELETE, STAFF, NONE));
	assert_false(approval_needed(&c, OP_UNLOCK, PRIV, NONE));
	assert_false(approval_needed(&c, OP_BREAKGLASS_ISSUE, STAFF, NONE));
	assert_true(approval_needed(&c, OP_BREAKGLASS_ISSUE, PRIV, NONE));
	assert_false(approval_needed(&c, OP_TOKEN_REVOKE, STAFF, NONE));
	assert_false(approval_needed(&c, OP_USER_DISABLE, PRIV, NONE));
	/* Configured acts add to them. */
	c.approval_mask = APPROVE_USER_DELETE | APPROVE_UNLOCK_PRIVILEGED;
	assert_int_equal(approval_mask(&c), APPROVE_MANDATORY |
	    APPROVE_USER_DELETE | APPROVE_UNLOCK_PRIVILEGED);
	assert_true(approval_needed(&c, OP_USER_DELETE, STAFF, NONE));
	assert_true(approval_needed(&c, OP_UNLOCK, PRIV, NONE));
	assert_false(approval_needed(&c, OP_UNLOCK, STAFF, NONE));
	assert_false(approval_needed(&c, OP_BREAKGLASS_ISSUE, STAFF, NONE));
}

/* --- requests on a store --------------------------------------------- */

/* The handler that carries a replayed request out, as a test sees it. */
static int replays;
static const struct request_rec *seen_executing;
static int seen_gate;

static int
replay_handler(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *again = json_object_new_object();

	replays++;
	seen_executing = approval_executing(ctx);
	/* The gate lets the approved request pass, and only it. */
	seen_gate = approval_gate(ctx, peer, req, PRIV, NONE, again);
	json_object_put(again);
	return proto_set_bool(reply, "done", 1);
}

static approval_act_fn
lookup(const char *op)
{
	(void)op;
	return replay_handler;
}

static struct json_object *
request(const char *op, const char *user)
{
	struct json_object *req = json_object_new_object();

	assert_non_null(req);
	assert_int_equal(proto_set_int(req, "v", 1), 0);
	assert_int_equal(proto_set_str(req, "op", op), 0);
	assert_int_equal(proto_set_str(req, "user", user), 0);
	return req;
}

/* alice asks to make tanaka privileged; *id the request held. */
static void
hold_role_request(struct cx *f, const struct peer *alice, int64_t *id)
{
	struct json_object *req = request(OP_USER_ROLE, "tanaka");
	struct json_object *reply = json_object_new_object();
	struct json_object *ro = NULL, *o = NULL;
	struct user_rec u;

	cx_user(f, "tanaka", STAFF, &u);
	assert_int_equal(proto_set_str(req, "role", "privileged"), 0);
	assert_int_equal(approval_gate(&f->ctx, alice, req, u.role, PRIV,
	    reply), APPROVAL_PENDING);
	assert_true(json_object_object_get_ex(reply, "pending_approval", &o));
	assert_true(json_object_get_boolean(o));
	assert_true(json_object_object_get_ex(reply, "request", &ro));
	assert_true(json_object_object_get_ex(ro, "id", &o));
	*id = json_object_get_int64(o);
	json_object_put(req);
	json_object_put(reply);
}

static void
test_a_gated_act_is_held_as_a_request(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct request_rec q;
	char ev[256];
	int64_t id = 0, seq = cx_audit_seq(f);

	hold_role_request(f, &alice, &id);
	assert_int_equal(store_request_get(f->ctx.store, id, &q), 0);
	assert_int_equal(q.state, REQ_PENDING);
	assert_string_equal(q.action, "role_privileged");
	assert_string_equal(q.requester, "alice");
	assert_int_equal(q.requester_uid, 1000);
	assert_int_equal(q.created, CX_T0);
	assert_int_equal(q.expires, CX_T0 + f->cfg.request_lifetime);
	assert_non_null(strstr(q.params, "\"op\":\"user_role\""));
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)), "request");
}

static void
test_an_act_nobody_else_needs_passes_the_gate(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct json_object *req = request(OP_TOKEN_REVOKE, "sato");
	struct json_object *reply = json_object_new_object();
	int64_t seq = cx_audit_seq(f);

	/* A staff user's token, and an unlisted act left unconfigured. */
	assert_int_equal(approval_gate(&f->ctx, &alice, req, STAFF, NONE,
	    reply), 0);
	json_object_put(req);
	req = request(OP_USER_DELETE, "sato");
	assert_int_equal(approval_gate(&f->ctx, &alice, req, STAFF, NONE,
	    reply), 0);
	assert_int_equal(json_object_object_length(reply), 0);
	assert_int_equal(cx_audit_seq(f), seq);
	json_object_put(req);
	json_object_put(reply);
}

static void
test_a_gate_for_an_operation_without_a_row_fails_closed(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct json_object *req = request(OP_USER_DISABLE, "sato");
	struct json_object *reply = json_object_new_object();

	assert_int_equal(approval_gate(&f->ctx, &alice, req, PRIV, NONE,
	    reply), KAGI_ERR_INTERNAL);
	json_object_put(req);
	json_object_put(reply);
}

static void
test_the_requester_can_never_approve(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN | PEER_APPROVER);
	/* The same uid under another name, the same name under another uid. */
	struct peer same_uid = cx_peer(1000, "root", PEER_APPROVER);
	struct peer same_name = cx_peer(2000, "alice", PEER_APPROVER);
	struct json_object *reply = json_object_new_object();
	struct request_rec q;
	int64_t id = 0;

	hold_role_request(f, &alice, &id);
	replays = 0;
	assert_int_equal(approval_approve(&f->ctx, &alice, id, reply),
	    KAGI_ERR_DENIED);
	assert_int_equal(approval_approve(&f->ctx, &same_uid, id, reply),
	    KAGI_ERR_DENIED);
	assert_int_equal(approval_approve(&f->ctx, &same_name, id, reply),
	    KAGI_ERR_DENIED);
	assert_int_equal(replays, 0);
	assert_int_equal(store_request_get(f->ctx.store, id, &q), 0);
	assert_int_equal(q.state, REQ_PENDING);
	json_object_put(reply);
}

static void
test_an_approved_request_is_carried_out_once(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct peer bob = cx_peer(1001, "bob", PEER_APPROVER);
	struct json_object *reply = json_object_new_object(), *o = NULL;
	struct request_rec q;
	char ev[256];
	int64_t id = 0, seq;

	hold_role_request(f, &alice, &id);
	seq = cx_audit_seq(f);
	replays = 0;
	seen_gate = -1;
	cx_clock(CX_T0 + 60);
	assert_int_equal(approval_approve(&f->ctx, &bob, id, reply),
	    0);
	assert_int_equal(replays, 1);
	assert_non_null(seen_executing);
	assert_int_equal(seen_gate, 0);
	assert_null(approval_executing(&f->ctx));
	assert_true(json_object_object_get_ex(reply, "result", &o));
	assert_true(json_object_object_get_ex(o, "done", &o));
	assert_int_equal(store_request_get(f->ctx.store, id, &q), 0);
	assert_int_equal(q.state, REQ_APPROVED);
	assert_string_equal(q.decider, "bob");
	assert_int_equal(q.decided, CX_T0 + 60);
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)), "approve");
	/* Decided: neither approved again nor rejected. */
	assert_int_equal(approval_approve(&f->ctx, &bob, id, reply),
	    KAGI_ERR_STATE);
	assert_int_equal(approval_reject(&f->ctx, &bob, id, "late", reply),
	    KAGI_ERR_STATE);
	assert_int_equal(replays, 1);
	json_object_put(reply);
}

static void
test_an_expired_request_cannot_be_approved(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct peer bob = cx_peer(1001, "bob", PEER_APPROVER);
	struct json_object *reply = json_object_new_object();
	struct request_rec q;
	char ev[256];
	int64_t id = 0, seq;

	hold_role_request(f, &alice, &id);
	replays = 0;
	/* Exactly at its expiry it is expired, before maint marks it. */
	cx_clock(CX_T0 + f->cfg.request_lifetime);
	assert_int_equal(approval_approve(&f->ctx, &bob, id, reply),
	    KAGI_ERR_STATE);
	assert_int_equal(approval_reject(&f->ctx, &bob, id, NULL, reply),
	    KAGI_ERR_STATE);
	assert_int_equal(replays, 0);
	seq = cx_audit_seq(f);
	assert_int_equal(approval_expire_due(&f->ctx), 0);
	assert_int_equal(store_request_get(f->ctx.store, id, &q), 0);
	assert_int_equal(q.state, REQ_EXPIRED);
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)),
	    "request_expire");
	json_object_put(reply);
}

static void
test_a_request_before_its_expiry_is_not_expired(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct request_rec q;
	int64_t id = 0, seq;

	hold_role_request(f, &alice, &id);
	cx_clock(CX_T0 + f->cfg.request_lifetime - 1);
	seq = cx_audit_seq(f);
	assert_int_equal(approval_expire_due(&f->ctx), 0);
	assert_int_equal(store_request_get(f->ctx.store, id, &q), 0);
	assert_int_equal(q.state, REQ_PENDING);
	assert_int_equal(cx_audit_seq(f), seq);
}

static void
test_a_replayed_operation_not_in_the_table_is_refused(void **state)
{
	struct cx *f = *state;
	struct peer bob = cx_peer(1001, "bob", PEER_APPROVER);
	struct json_object *reply = json_object_new_object();
	struct request_rec q;
	int64_t id = 0, seq;

	/* A request no gate would store: user_disable has no row. */
	memset(&q, 0, sizeof(q));
	snprintf(q.action, sizeof(q.action), "user_delete");
	snprintf(q.params, sizeof(q.params),
	    "{\"v\":1,\"op\":\"user_disable\",\"user\":\"tanaka\"}");
	q.requester_uid = 1000;
	snprintf(q.requester, sizeof(q.requester), "alice");
	q.created = CX_T0;
	q.expires = CX_T0 + 3600;
	assert_int_equal(store_request_add(f->ctx.store, &q, &id), 0);
	seq = cx_audit_seq(f);
	replays = 0;
	assert_int_equal(approval_approve(&f->ctx, &bob, id, reply),
	    KAGI_ERR_STORE);
	assert_int_equal(replays, 0);
	assert_int_equal(store_request_get(f->ctx.store, id, &q), 0);
	assert_int_equal(q.state, REQ_PENDING);
	assert_int_equal(cx_audit_seq(f), seq);
	json_object_put(reply);
}

static void
test_a_rejected_request_changes_nothing_but_its_state(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct peer bob = cx_peer(1001, "bob", PEER_APPROVER);
	struct json_object *reply = json_object_new_object();
	struct request_rec q;
	struct user_rec u;
	char ev[256];
	int64_t id = 0, seq;

	hold_role_request(f, &alice, &id);
	seq = cx_audit_seq(f);
	replays = 0;
	assert_int_equal(approval_reject(&f->ctx, &bob, id, "no reason given",
	    reply), 0);
	assert_int_equal(replays, 0);
	assert_int_equal(store_request_get(f->ctx.store, id, &q), 0);
	assert_int_equal(q.state, REQ_REJECTED);
	assert_string_equal(q.reason, "no reason given");
	assert_int_equal(store_user_get(f->ctx.store, "tanaka", &u), 0);
	assert_int_equal(u.role, STAFF);
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)), "reject");
	json_object_put(reply);
}

/* --- people, not uids (issue 11) ---------------------------------------- */

/* The refusal's reason word, or "" when none was set. */
static const char *
reason_of(struct cx *f)
{
	const struct refusal *r = refusal_get(&f->ctx);

	return r != NULL ? r->reason : "";
}

static void
test_root_with_no_login_uid_cannot_ask_for_a_two_person_act(void **state)
{
	struct cx *f = *state;
	struct peer root = cx_peer_as(0, "root", PEER_ADMIN, PEER_NO_LOGINUID,
	    "");
	struct peer console = cx_peer_as(0, "root", PEER_ADMIN, 0, "root");
	struct json_object *req = request(OP_USER_ROLE, "tanaka");
	struct json_object *reply = json_object_new_object();
	int64_t seq = cx_audit_seq(f);

	assert_int_equal(proto_set_str(req, "role", "privileged"), 0);
	assert_int_equal(approval_gate(&f->ctx, &root, req, STAFF, PRIV,
	    reply), KAGI_ERR_DENIED);
	assert_string_equal(reason_of(f), "not_a_person");
	refusal_clear(&f->ctx);
	assert_int_equal(approval_gate(&f->ctx, &console, req, STAFF, PRIV,
	    reply), KAGI_ERR_DENIED);
	assert_string_equal(reason_of(f), "not_a_person");
	assert_int_equal(cx_audit_seq(f), seq);
	json_object_put(req);
	json_object_put(reply);
}

static void
test_root_logged_in_as_the_requester_cannot_approve(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct peer alice_sudo = cx_peer_as(0, "root", PEER_APPROVER, 1000,
	    "alice");
	struct peer bob_sudo = cx_peer_as(0, "root", PEER_APPROVER, 1001,
	    "bob");
	struct peer nobody = cx_peer_as(0, "root", PEER_APPROVER,
	    PEER_NO_LOGINUID, "");
	struct json_object *reply = json_object_new_object();
	int64_t id = 0;

	hold_role_request(f, &alice, &id);
	replays = 0;
	assert_int_equal(approval_approve(&f->ctx, &alice_sudo, id, reply),
	    KAGI_ERR_DENIED);
	assert_string_equal(reason_of(f), "own_request");
	refusal_clear(&f->ctx);
	assert_int_equal(approval_approve(&f->ctx, &nobody, id, reply),
	    KAGI_ERR_DENIED);
	assert_string_equal(reason_of(f), "not_a_person");
	refusal_clear(&f->ctx);
	assert_int_equal(replays, 0);
	/* Two people, both as root. */
	assert_int_equal(approval_approve(&f->ctx, &bob_sudo, id, reply), 0);
	assert_int_equal(replays, 1);
	json_object_put(reply);
}

static void
test_nobody_approves_an_act_on_their_own_account(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct peer tanaka = cx_peer(1002, "tanaka", PEER_APPROVER);
	struct peer tanaka_sudo = cx_peer_as(0, "root", PEER_APPROVER, 1002,
	    "tanaka");
	struct json_object *reply = json_object_new_object();
	int64_t id = 0;

	hold_role_request(f, &alice, &id);	/* tanaka made privileged */
	replays = 0;
	assert_int_equal(approval_approve(&f->ctx, &tanaka, id, reply),
	    KAGI_ERR_DENIED);
	assert_string_equal(reason_of(f), "own_account");
	refusal_clear(&f->ctx);
	assert_int_equal(approval_approve(&f->ctx, &tanaka_sudo, id, reply),
	    KAGI_ERR_DENIED);
	assert_string_equal(reason_of(f), "own_account");
	refusal_clear(&f->ctx);
	assert_int_equal(replays, 0);
	json_object_put(reply);
}

static void
test_the_approver_must_be_in_the_acts_approver_group(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct peer bob = cx_peer(1001, "bob", PEER_APPROVER);
	struct json_object *reply = json_object_new_object();
	const struct refusal *r;
	int64_t id = 0;

	hold_role_request(f, &alice, &id);
	bob.approves = APPROVE_TOKEN_PRIVILEGED | APPROVE_VENDOR_ADD;
	replays = 0;
	assert_int_equal(approval_approve(&f->ctx, &bob, id, reply),
	    KAGI_ERR_DENIED);
	assert_non_null(r = refusal_get(&f->ctx));
	assert_string_equal(r->reason, "approver_group");
	assert_non_null(strstr(r->message, "approver_group_role_privileged"));
	refusal_clear(&f->ctx);
	assert_int_equal(replays, 0);
	bob.approves = APPROVE_ROLE_PRIVILEGED;
	assert_int_equal(approval_approve(&f->ctx, &bob, id, reply), 0);
	assert_int_equal(replays, 1);
	json_object_put(reply);
}

static int
failing_handler(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	(void)req;
	(void)reply;
	replays++;
	return refusal_set(ctx, KAGI_ERR_STATE, "not_a_vendor", "tanaka",
	    "user 'tanaka' is not a vendor");
}

static approval_act_fn
failing_lookup(const char *op)
{
	(void)op;
	return failing_handler;
}

static void
test_an_approval_that_cannot_be_carried_out_marks_the_request_failed(
    void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct peer bob = cx_peer(1001, "bob", PEER_APPROVER);
	struct json_object *reply = json_object_new_object();
	const struct refusal *r;
	struct request_rec q;
	char ev[256];
	int64_t id = 0, seq;

	hold_role_request(f, &alice, &id);
	f->ctx.approval_replay = failing_lookup;
	seq = cx_audit_seq(f);
	/* As dispatch.c: the approval's savepoint, rolled back, then the
	 * refusal's own. */
	assert_int_equal(store_savepoint(f->ctx.store), 0);
	assert_int_equal(approval_approve(&f->ctx, &bob, id, reply),
	    KAGI_ERR_STATE);
	store_rollback_to(f->ctx.store);
	assert_non_null(r = refusal_get(&f->ctx));
	assert_non_null(strstr(r->message, "marked failed"));
	assert_non_null(strstr(r->message, "is not a vendor"));
	assert_int_equal(refusal_commit(&f->ctx, &bob, OP_REQUEST_APPROVE), 0);
	assert_int_equal(store_request_get(f->ctx.store, id, &q), 0);
	assert_int_equal(q.state, REQ_FAILED);
	assert_non_null(strstr(q.reason, "is not a vendor"));
	assert_string_equal(cx_events(f, seq, ev, sizeof(ev)),
	    "request_failed");
	refusal_clear(&f->ctx);
	json_object_put(reply);
}

static void
test_an_administrator_never_acts_on_their_own_account(void **state)
{
	struct cx *f = *state;
	struct peer alice = cx_peer(1000, "alice", PEER_ADMIN);
	struct peer alice_sudo = cx_peer_as(0, "root", PEER_ADMIN, 1000,
	    "alice");
	struct peer bob = cx_peer(1001, "bob", PEER_ADMIN);
	struct peer root = cx_peer_as(0, "root", PEER_ADMIN, PEER_NO_LOGINUID,
	    "");
	const char *ops[] = { OP_UNLOCK, OP_TOKEN_ADD_TOTP,
	    OP_TOKEN_FIDO2_BEGIN, OP_ENROLL_CODE_ISSUE, OP_BREAKGLASS_ISSUE,
	    OP_USER_ROLE, OP_USER_ENABLE };
	struct json_object *req;
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		req = request(ops[i], "alice");
		assert_int_equal(approval_refuse_self(&f->ctx, &alice, req),
		    KAGI_ERR_DENIED);
		refusal_clear(&f->ctx);
		assert_int_equal(approval_refuse_self(&f->ctx, &alice_sudo,
		    req), KAGI_ERR_DENIED);
		refusal_clear(&f->ctx);
		assert_int_equal(approval_refuse_self(&f->ctx, &bob, req), 0);
		assert_int_equal(approval_refuse_self(&f->ctx, &root, req), 0);
		json_object_put(req);
	}
	/* Acts that take nothing away from anybody else stay one's own. */
	req = request(OP_TOKEN_REVOKE, "alice");
	assert_int_equal(approval_refuse_self(&f->ctx, &alice, req), 0);
	json_object_put(req);
	/* Putting oneself on the list as staff, yes; with a role, no. */
	req = request(OP_USER_ADD, "alice");
	assert_int_equal(approval_refuse_self(&f->ctx, &alice, req), 0);
	assert_int_equal(proto_set_str(req, "role", "privileged"), 0);
	assert_int_equal(approval_refuse_self(&f->ctx, &alice, req),
	    KAGI_ERR_DENIED);
	refusal_clear(&f->ctx);
	json_object_put(req);
}

/* A context whose approved requests run through replay_handler. */
static int
setup(void **state)
{
	struct cx *f = cx_open(NULL);

	f->ctx.approval_replay = lookup;
	*state = f;
	return 0;
}

#define CX_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, cx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_each_operation_is_its_act_for_each_target_role),
		cmocka_unit_test(test_an_operation_without_a_row_is_no_act),
		cmocka_unit_test(
		    test_the_mask_is_approval_required_plus_the_mandatory_acts),
		CX_TEST(test_a_gated_act_is_held_as_a_request),
		CX_TEST(test_an_act_nobody_else_needs_passes_the_gate),
		CX_TEST(test_a_gate_for_an_operation_without_a_row_fails_closed),
		CX_TEST(test_the_requester_can_never_approve),
		CX_TEST(test_an_approved_request_is_carried_out_once),
		CX_TEST(test_an_expired_request_cannot_be_approved),
		CX_TEST(test_a_request_before_its_expiry_is_not_expired),
		CX_TEST(test_a_replayed_operation_not_in_the_table_is_refused),
		CX_TEST(test_a_rejected_request_changes_nothing_but_its_state),
		CX_TEST(
		    test_root_with_no_login_uid_cannot_ask_for_a_two_person_act),
		CX_TEST(test_root_logged_in_as_the_requester_cannot_approve),
		CX_TEST(test_nobody_approves_an_act_on_their_own_account),
		CX_TEST(test_the_approver_must_be_in_the_acts_approver_group),
		CX_TEST(
		    test_an_approval_that_cannot_be_carried_out_marks_the_request_failed),
		CX_TEST(test_an_administrator_never_acts_on_their_own_account),
	};

	return cmocka_run_group_tests_name("approval", tests, NULL, NULL);
}
