/*
 * handlers.h - kagid's request handlers, one per request of dispatch.c's
 * table.
 *
 * A handler reads its request's fields, calls the rule that decides (in
 * tokend/core/), and fills reply (an "ok" object), or fails with a
 * KAGI_ERR_* code.  It runs inside its request's savepoint: a failure
 * leaves no change; a refusal that must be kept (a failed log-in and its
 * count) is a success of the handler.  Handlers call the core, never one
 * another.
 */
#ifndef KAGI_HANDLERS_H
#define KAGI_HANDLERS_H

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"

typedef int (*handler_fn)(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply);

int h_auth_begin(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_auth_totp(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_account(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_add(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_show(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_disable(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_enable(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_delete(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_add_totp(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_confirm(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_list_own(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_revoke(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_unlock(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_status(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
/* status while the store is unreachable (dispatch_store_down()). */
int h_status_store_down(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
/* The audit chain (h_audit.c). */
int h_audit_verify(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_audit_head(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_audit_records(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_audit_archive(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_audit_key(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* FIDO2 (h_fido2.c). */
int h_auth_fido2(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_fido2_begin(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_fido2_finish(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_fido2_import(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* Policy (h_policy.c). */
int h_user_role(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_vendor_add(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_vendor_show(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_vendor_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* Sessions (h_session.c). */
int h_session_open(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_session_close(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_session_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* Lifecycle, two-person rule, enrollment, break-glass. */
int h_user_offboard(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_import_totp(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_backup(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_lost_own(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_lost(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_enroll_code_issue(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_auth_enroll(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
/* Self-service FIDO2 enrollment with an enrollment code (h_enroll.c). */
int h_enroll_fido2_begin(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_enroll_fido2_finish(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_request_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_request_show(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_request_approve(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_request_reject(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_breakglass_issue(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_breakglass_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_breakglass_report(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* Reports and the compliance check (h_report.c). */
int h_report_dormant(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_report_access(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_report_privileged(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_report_lockouts(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_report_vendors(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_report_exceptions(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_compliance(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* The SSH gateway's security keys (issue 16). */
int h_token_sshkey_begin(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_sshkey_finish(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_enroll_sshkey_begin(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_enroll_sshkey_finish(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_authkeys(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_auth_sshkey(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
/* The fleet's CA and hosts (issue 15, h_host.c). */
int h_host_ca_init(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_host_add(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_host_renew(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_host_revoke(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_host_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_host_show(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

#endif
