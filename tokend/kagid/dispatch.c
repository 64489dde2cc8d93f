/*
 * dispatch.c - the one table of what kagid accepts, from whom.
 *
 * A request's op must be listed, the caller's class must be allowed to
 * send it, its fields must be among those listed and its version must be
 * ours; a verification request from a caller that may verify only itself
 * must name that caller (refused otherwise, with an audit record that
 * commits: login_caller_check()); only then does the handler run, inside
 * a savepoint.  An administrative request is refused first when the
 * caller is a vendor (R-PRIV-4) or acts on their own account (R-PRIV-3,
 * approval.c).  A refusal a rule explained (refusal.h) is recorded after
 * the rollback and answered with its sentence and its reason word.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit_daemon.h"
#include "dispatch.h"
#include "handlers.h"
#include "kagi_err.h"
#include "log.h"
#include "login.h"
#include "proto.h"
#include "proto_ops.h"
#include "refusal.h"
#include "approval.h"
#include "vendor.h"

#define AUTH_KEYS "v", "op", "user", "service", "tty", "rhost", "zone"

static const char *const k_auth[] = { AUTH_KEYS, NULL };
static const char *const k_auth_code[] = { AUTH_KEYS, "code", NULL };
static const char *const k_account[] = { AUTH_KEYS, "confirm", NULL };
static const char *const k_none[] = { "v", "op", NULL };
static const char *const k_user[] = { "v", "op", "user", NULL };
static const char *const k_user_add[] = { "v", "op", "user", "role", NULL };
static const char *const k_add_totp[] = { "v", "op", "user", "label",
    "algorithm", "digits", NULL };
static const char *const k_confirm[] = { "v", "op", "user", "token", "code",
    NULL };
static const char *const k_token[] = { "v", "op", "user", "token", NULL };
static const char *const k_token_only[] = { "v", "op", "token", NULL };
static const char *const k_import_totp[] = { "v", "op", "user", "secret",
    "source", "label", "algorithm", "digits", "period", NULL };
static const char *const k_verify[] = { "v", "op", "anchor_seq",
    "anchor_hash", NULL };
static const char *const k_records[] = { "v", "op", "after", "since",
    "until", "user", "event", "limit", NULL };
static const char *const k_archive[] = { "v", "op", "through_seq", "hash",
    "file", NULL };
static const char *const k_days[] = { "v", "op", "days", NULL };
static const char *const k_since[] = { "v", "op", "since", NULL };
/* Two-person rule, enrollment, lifecycle, break-glass. */
static const char *const k_id[] = { "v", "op", "id", NULL };
static const char *const k_id_reason[] = { "v", "op", "id", "reason", NULL };
static const char *const k_auth_enroll[] = { AUTH_KEYS, "token", "code",
    NULL };
static const char *const k_auth_fido2[] = { AUTH_KEYS, "credential",
    "authdata", "sig", "uv_method", "failure", "fallback", NULL };
static const char *const k_fido2_begin[] = { "v", "op", "user", "label",
    NULL };
static const char *const k_fido2_finish[] = { "v", "op", "user", "request",
    "label", "alg", "fmt", "authdata", "x5c", "sig", "uv", NULL };
static const char *const k_fido2_import[] = { "v", "op", "user", "label",
    "credential", "public_key", "alg", "uv", NULL };
static const char *const k_enroll_fido2_begin[] = { "v", "op", "user",
    "code", "grant", "label", NULL };
static const char *const k_enroll_fido2_finish[] = { "v", "op", "user",
    "code", "grant", "request", "label", "alg", "fmt", "authdata", "x5c",
    "sig", "uv", NULL };
static const char *const k_auth_sshkey[] = { AUTH_KEYS, "key", "failure",
    NULL };
static const char *const k_sshkey_begin[] = { "v", "op", "user", NULL };
static const char *const k_sshkey_finish[] = { "v", "op", "user", "key",
    "attestation", "label", NULL };
static const char *const k_enroll_sshkey_begin[] = { "v", "op", "user",
    "code", "grant", NULL };
static const char *const k_enroll_sshkey_finish[] = { "v", "op", "user",
    "code", "grant", "key", "attestation", "label", NULL };
static const char *const k_authkeys[] = { "v", "op", "user", "rhost", NULL };
static const char *const k_user_role[] = { "v", "op", "user", "role", NULL };
static const char *const k_vendor_add[] = { "v", "op", "user", "company",
    "expires", "windows", "sources", "worker", "place", "work", NULL };
static const char *const k_session_open[] = { "v", "op", "user", "service",
    "tty", "rhost", "zone", "pid", "sid", "logind", NULL };
static const char *const k_host[] = { "v", "op", "host", NULL };
static const char *const k_host_add[] = { "v", "op", "host", "zone",
    "class", "csr", NULL };
static const char *const k_host_renew[] = { "v", "op", "host", "csr",
    NULL };
static const char *const k_session_close[] = { "v", "op", "user", "service",
    "tty", "rhost", "zone", "pid", "session", NULL };

struct dispatch_entry {
	const char *op;
	unsigned who;			/* classes allowed to send it */
	const char *const *keys;	/* fields allowed */
	handler_fn fn;
};

/* Verification by a PEER_SELF caller is narrowed to its own name by the
 * handler (peer_may_verify). */
static const struct dispatch_entry table[] = {
	{ OP_AUTH_BEGIN, PEER_VERIFIER | PEER_SELF, k_auth, h_auth_begin },
	{ OP_AUTH_TOTP, PEER_VERIFIER | PEER_SELF, k_auth_code, h_auth_totp },
	{ OP_ACCOUNT, PEER_VERIFIER | PEER_SELF, k_account, h_account },
	{ OP_USER_ADD, PEER_ADMIN, k_user_add, h_user_add },
	{ OP_USER_LIST, PEER_ADMIN, k_none, h_user_list },
	{ OP_USER_SHOW, PEER_ADMIN, k_user, h_user_show },
	{ OP_USER_DISABLE, PEER_ADMIN, k_user, h_user_disable },
	{ OP_USER_ENABLE, PEER_ADMIN, k_user, h_user_enable },
	{ OP_USER_DELETE, PEER_ADMIN, k_user, h_user_delete },
	{ OP_TOKEN_ADD_TOTP, PEER_ADMIN, k_add_totp, h_token_add_totp },
	{ OP_TOKEN_CONFIRM, PEER_ADMIN, k_confirm, h_token_confirm },
	{ OP_TOKEN_LIST, PEER_ADMIN, k_user, h_token_list },
	{ OP_TOKEN_REVOKE, PEER_ADMIN, k_token, h_token_revoke },
	{ OP_UNLOCK, PEER_ADMIN, k_user, h_unlock },
	{ OP_STATUS, PEER_ADMIN, k_none, h_status },
	{ OP_AUDIT_VERIFY, PEER_ADMIN, k_verify, h_audit_verify },
	{ OP_AUDIT_HEAD, PEER_ADMIN, k_none, h_audit_head },
	{ OP_AUDIT_RECORDS, PEER_ADMIN, k_records, h_audit_records },
	{ OP_AUDIT_ARCHIVE, PEER_ADMIN, k_archive, h_audit_archive },
	{ OP_AUDIT_KEY, PEER_ADMIN, k_none, h_audit_key },
	{ OP_REPORT_DORMANT, PEER_ADMIN, k_days, h_report_dormant },
	{ OP_REPORT_ACCESS, PEER_ADMIN, k_none, h_report_access },
	{ OP_REPORT_PRIVILEGED, PEER_ADMIN, k_none, h_report_privileged },
	{ OP_REPORT_LOCKOUTS, PEER_ADMIN, k_since, h_report_lockouts },
	{ OP_REPORT_VENDORS, PEER_ADMIN, k_since, h_report_vendors },
	{ OP_REPORT_EXCEPTIONS, PEER_ADMIN, k_none, h_report_exceptions },
	{ OP_COMPLIANCE, PEER_ADMIN, k_none, h_compliance },
	/* Two-person rule, enrollment, lifecycle, break-glass. */
	{ OP_USER_OFFBOARD, PEER_ADMIN, k_user, h_user_offboard },
	{ OP_TOKEN_LOST, PEER_ADMIN, k_token, h_token_lost },
	/* A copy of the store, for an administrator (h_backup.c). */
	{ OP_BACKUP, PEER_ADMIN, k_none, h_backup },
	{ OP_TOKEN_IMPORT_TOTP, PEER_ADMIN, k_import_totp,
	    h_token_import_totp },
	/* R-TOK-2: anyone, for a token of their own (SO_PEERCRED). */
	{ OP_TOKEN_LOST_OWN, PEER_SELF, k_token_only, h_token_lost_own },
	{ OP_TOKEN_LIST_OWN, PEER_SELF, k_none, h_token_list_own },
	{ OP_ENROLL_CODE_ISSUE, PEER_ADMIN, k_user, h_enroll_code_issue },
	{ OP_AUTH_ENROLL, PEER_VERIFIER | PEER_SELF, k_auth_enroll,
	    h_auth_enroll },
	{ OP_REQUEST_LIST, PEER_ADMIN | PEER_APPROVER, k_none, h_request_list },
	{ OP_REQUEST_SHOW, PEER_ADMIN | PEER_APPROVER, k_id, h_request_show },
	{ OP_REQUEST_APPROVE, PEER_APPROVER, k_id, h_request_approve },
	{ OP_REQUEST_REJECT, PEER_APPROVER, k_id_reason, h_request_reject },
	{ OP_BREAKGLASS_ISSUE, PEER_ADMIN, k_user, h_breakglass_issue },
	{ OP_BREAKGLASS_LIST, PEER_ADMIN | PEER_APPROVER, k_none,
	    h_breakglass_list },
	{ OP_BREAKGLASS_REPORT, PEER_ADMIN, k_id_reason, h_breakglass_report },
	{ OP_AUTH_FIDO2, PEER_VERIFIER | PEER_SELF, k_auth_fido2,
	    h_auth_fido2 },
	{ OP_TOKEN_FIDO2_BEGIN, PEER_ADMIN, k_fido2_begin,
	    h_token_fido2_begin },
	{ OP_TOKEN_FIDO2_FINISH, PEER_ADMIN, k_fido2_finish,
	    h_token_fido2_finish },
	{ OP_TOKEN_FIDO2_IMPORT, PEER_ADMIN, k_fido2_import,
	    h_token_fido2_import },
	{ OP_USER_ROLE, PEER_ADMIN, k_user_role, h_user_role },
	{ OP_VENDOR_ADD, PEER_ADMIN, k_vendor_add, h_vendor_add },
	{ OP_VENDOR_SHOW, PEER_ADMIN, k_user, h_vendor_show },
	{ OP_VENDOR_LIST, PEER_ADMIN, k_none, h_vendor_list },
	{ OP_SESSION_OPEN, PEER_VERIFIER | PEER_SELF, k_session_open,
	    h_session_open },
	{ OP_SESSION_CLOSE, PEER_VERIFIER | PEER_SELF, k_session_close,
	    h_session_close },
	{ OP_SESSION_LIST, PEER_ADMIN, k_none, h_session_list },
	/* Self-service FIDO2 enrollment: the caller's own account only. */
	{ OP_ENROLL_FIDO2_BEGIN, PEER_SELF, k_enroll_fido2_begin,
	    h_enroll_fido2_begin },
	{ OP_ENROLL_FIDO2_FINISH, PEER_SELF, k_enroll_fido2_finish,
	    h_enroll_fido2_finish },
	/* The SSH gateway's security keys (issue 16). */
	{ OP_TOKEN_SSHKEY_BEGIN, PEER_ADMIN, k_sshkey_begin,
	    h_token_sshkey_begin },
	{ OP_TOKEN_SSHKEY_FINISH, PEER_ADMIN, k_sshkey_finish,
	    h_token_sshkey_finish },
	{ OP_ENROLL_SSHKEY_BEGIN, PEER_SELF, k_enroll_sshkey_begin,
	    h_enroll_sshkey_begin },
	{ OP_ENROLL_SSHKEY_FINISH, PEER_SELF, k_enroll_sshkey_finish,
	    h_enroll_sshkey_finish },
	/* Root (sshd's PAM) only: a public key line is no secret, so a
	 * caller verifying itself would prove nothing with it. */
	{ OP_AUTH_SSHKEY, PEER_VERIFIER, k_auth_sshkey, h_auth_sshkey },
	/* Only the authkeys_user, decided by the handler (gateway.c). */
	{ OP_AUTHKEYS, PEER_SELF, k_authkeys, h_authkeys },
	/* The fleet's CA and hosts (issue 15, hosts.h). */
	{ OP_HOST_CA_INIT, PEER_ADMIN, k_none, h_host_ca_init },
	{ OP_HOST_ADD, PEER_ADMIN, k_host_add, h_host_add },
	{ OP_HOST_RENEW, PEER_ADMIN, k_host_renew, h_host_renew },
	{ OP_HOST_REVOKE, PEER_ADMIN, k_host, h_host_revoke },
	{ OP_HOST_LIST, PEER_ADMIN, k_none, h_host_list },
	{ OP_HOST_SHOW, PEER_ADMIN, k_host, h_host_show },
};

/*
 * The requests whose handler only reads the store, whoever calls: they
 * run in a read-only transaction (store_begin_read), where a write fails
 * (auth_begin, half of every log-in, then needs no write lock
 * and no flush).  Not a request that may write an audit record or an
 * alert on some path: account (a vendor's refusal), the administrators'
 * reads (a vendor's attempt, R-PRIV-4).  A list beside the table rather
 * than a column of it, so that rows are added without touching it.
 */
static const char *const read_only_ops[] = { OP_AUTH_BEGIN, OP_AUTHKEYS,
    NULL };

static const struct dispatch_entry *
dispatch_find(const char *op)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].op, op) == 0)
			return &table[i];
	return NULL;
}

handler_fn
dispatch_handler(const char *op)
{
	const struct dispatch_entry *e = dispatch_find(op);

	return e != NULL ? e->fn : NULL;
}

int
dispatch_read_only(const struct peer *peer, struct json_object *req)
{
	const char *op = NULL;
	size_t i;

	/* A refusal for the caller's class writes its record. */
	if (proto_get_str(req, "op", KAGI_NAME_MAX, &op) != 0 ||
	    dispatch_find(op) == NULL || !login_caller_may(peer, req))
		return 0;
	for (i = 0; read_only_ops[i] != NULL; i++)
		if (strcmp(read_only_ops[i], op) == 0)
			return 1;
	return 0;
}

int
dispatch_store_down(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object **reply)
{
	const struct dispatch_entry *e;
	struct json_object *ok = NULL;
	const char *op = NULL;
	int64_t v = 0;
	int r;

	*reply = NULL;
	/* status, from whom the table allows, exactly as it would run. */
	if (proto_get_int(req, "v", KAGI_PROTO_VERSION, KAGI_PROTO_VERSION,
	    &v) == 0 && proto_get_str(req, "op", KAGI_NAME_MAX, &op) == 0 &&
	    strcmp(op, OP_STATUS) == 0 && (e = dispatch_find(op)) != NULL &&
	    (e->who & peer->classes) != 0 &&
	    proto_check_keys(req, e->keys) == 0) {
		if ((ok = proto_reply_ok()) == NULL)
			return KAGI_ERR_NOMEM;
		if ((r = h_status_store_down(ctx, peer, req, ok)) == 0) {
			*reply = ok;
			return 0;
		}
		json_object_put(ok);
	}
	*reply = proto_reply_error(KAGI_ERR_STORE_DOWN,
	    "the state store is unreachable");
	return KAGI_ERR_STORE_DOWN;
}

int
dispatch(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object **reply)
{
	const struct dispatch_entry *e;
	struct json_object *ok = NULL;
	const char *op = NULL;
	const char *msg = "malformed request";
	char qop[KAGI_NAME_MAX * 4 + 8], field[128];
	int64_t v = 0;
	size_t nlogs;
	int r;

	*reply = NULL;
	refusal_clear(ctx);
	proto_bad_field_clear();
	if ((r = proto_get_int(req, "v", KAGI_PROTO_VERSION,
	    KAGI_PROTO_VERSION, &v)) != 0) {
		r = KAGI_ERR_VERSION;
		msg = "unsupported protocol version";
		goto refuse;
	}
	if ((r = proto_get_str(req, "op", KAGI_NAME_MAX, &op)) != 0)
		goto refuse;
	if ((e = dispatch_find(op)) == NULL) {
		r = KAGI_ERR_INVALID;
		msg = "unknown request";
		goto refuse;
	}
	if ((e->who & peer->classes) == 0) {
		kagi_warn("refused %s from uid %u (pid %d): not allowed for "
		    "its class", kagi_log_quote(op, qop, sizeof(qop)),
		    (unsigned)peer->uid, (int)peer->pid);
		r = KAGI_ERR_DENIED;
		msg = "not allowed for this caller";
		goto refuse;
	}
	if ((r = proto_check_keys(req, e->keys)) != 0) {
		msg = "unknown field in request";
		if (proto_bad_field() != NULL) {
			snprintf(field, sizeof(field), "unknown field '%s' in "
			    "request", proto_bad_field());
			msg = field;
		}
		goto refuse;
	}
	/* A caller that may verify only itself asks about another user:
	 * refused and recorded, before the savepoint, so that the record
	 * commits with the batch (login.c). */
	if ((e->who & PEER_VERIFIER) != 0 &&
	    (r = login_caller_check(ctx, peer, op, req)) != 0) {
		msg = r == KAGI_ERR_DENIED ? "not allowed for this caller" :
		    "state store failure";
		goto fail;
	}
	/* R-PRIV-4: a vendor administers nothing, whatever its groups. */
	if ((e->who & (PEER_VERIFIER | PEER_SELF)) == 0 &&
	    (r = vendor_refuse_admin(ctx, peer, op)) != 0) {
		/* Recorded by the rule itself ("vendor_refused"). */
		msg = r == KAGI_ERR_DENIED ? "not allowed for a vendor" :
		    "state store failure";
		goto fail;
	}
	/* R-PRIV-3: nobody administers their own account. */
	if ((e->who & (PEER_VERIFIER | PEER_SELF)) == 0 &&
	    (r = approval_refuse_self(ctx, peer, req)) != 0)
		goto refused;
	if ((ok = proto_reply_ok()) == NULL)
		return KAGI_ERR_NOMEM;
	nlogs = ctx->nlogs;
	if ((r = store_savepoint(ctx->store)) != 0) {
		msg = "state store failure";
		goto fail;
	}
	if ((r = e->fn(ctx, peer, req, ok)) != 0) {
		store_rollback_to(ctx->store);
		ctx_log_discard(ctx, nlogs);
		msg = kagi_strerror(r);
		/* An invalid request names its field. */
		if (r == KAGI_ERR_INVALID && proto_bad_field() != NULL) {
			snprintf(field, sizeof(field), "invalid field '%s'",
			    proto_bad_field());
			msg = field;
		}
		goto refused;
	}
	if ((r = store_release(ctx->store)) != 0) {
		store_rollback_to(ctx->store);
		ctx_log_discard(ctx, nlogs);
		msg = "state store failure";
		goto fail;
	}
	refusal_clear(ctx);
	*reply = ok;
	return 0;
refused:
	/* The rule's own words, and its record after the rollback. */
	if (refusal_get(ctx) != NULL) {
		(void)refusal_commit(ctx, peer, op);
		msg = refusal_get(ctx)->message;
	}
	goto fail;
refuse:
	/* Refused before any handler: the caller is recorded (at most once
	 * a minute, audit_daemon.c). */
	audit_caller_refused(ctx, peer, r == KAGI_ERR_DENIED ? "denied" :
	    "protocol", msg, op);
fail:
	json_object_put(ok);
	*reply = proto_reply_error(r, msg);
	if (*reply != NULL && refusal_get(ctx) != NULL &&
	    proto_set_str(*reply, "reason", refusal_get(ctx)->reason) != 0) {
		json_object_put(*reply);
		*reply = NULL;
	}
	refusal_clear(ctx);
	if (*reply == NULL)
		return KAGI_ERR_NOMEM;
	return r;
}
