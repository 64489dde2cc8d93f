/*
 * proto_ops.h - the requests kagid accepts, their fields and replies.
 *
 * Every request: {"v": 1, "op": OP, ...fields}.  Unknown fields are errors.
 * Every reply: {"status": "ok", ...} or {"status": "error", "error": CODE,
 * "message": TEXT}.  Who may send what is decided in kagid's dispatch
 * table (tokend/dispatch.c) by the caller's SO_PEERCRED class:
 *   verifier  root: may verify any user
 *   self      any other uid: may verify itself only
 *   admin     root, or a member of the admin group (kagi-admin)
 *
 * Authentication (verifier, or self for its own name):
 *   auth_begin  user service tty? rhost? zone?
 *       -> method ("totp"), digits (6|8).  Identical for unknown,
 *          unenrolled and locked users, so nothing is learnt from it.
 *   auth_totp   user service tty? rhost? zone? code
 *       -> verdict: "success" | "denied"
 *   account     user service tty? rhost? zone?
 *       -> verdict: "ok" | "locked" | "disabled" | "unknown" | "unenrolled"
 *
 * Administration (admin):
 *   user_add      user role? ("staff")        -> user (object)
 *   user_list                                  -> users (array of objects)
 *   user_show     user                         -> user, tokens, lock
 *   user_disable  user ; user_enable user ; user_delete user
 *   token_add_totp user label? algorithm? ("sha1"|"sha256"|"sha512")
 *                  digits? (6|8)               -> token (object), uri
 *   token_confirm user token code              -> token
 *   token_list    user                         -> tokens (array)
 *   token_revoke  user token                   -> token
 *   unlock        user                         -> (nothing)
 *   status                                     -> version, users, ...
 *
 * Audit (admin; tokend/h_audit.c, report.c, compliance.c):
 *   audit_verify  anchor_seq? anchor_hash?     -> intact, bad_seq, why,
 *                 first_seq, first_prev, head_seq, head_hash, anchor?
 *                 ("ok"|"cut"|"differs"|"archived")
 *   audit_head                                 -> seq, hash
 *   audit_records after? since? until? user? event? limit?
 *                 -> records (archive-form objects), next, more
 *   audit_archive through_seq hash             -> (nothing)
 *   report_dormant days? ; report_access ; report_privileged ;
 *   report_lockouts since? ; report_vendors since? ; report_exceptions
 *                 -> report, columns, rows
 *   compliance                                 -> checks, fail, warn
 *
 * A user object: {"name", "role", "disabled", "created", "last_success",
 * "locked", "locked_until"}.  A token object: {"id", "user", "type",
 * "label", "state" ("pending"|"active"|"revoked"), "algorithm", "digits",
 * "period", "created", "last_used"}.  A lock object: {"failures",
 * "first_failure", "locked_until", "lock_count", "locked"}; locked_until
 * -1 means until an administrator unlocks.  Times are seconds since the
 * epoch (0 = never).
 */
#ifndef KAGI_PROTO_OPS_H
#define KAGI_PROTO_OPS_H

#define OP_AUTH_BEGIN "auth_begin"
#define OP_AUTH_TOTP "auth_totp"
#define OP_ACCOUNT "account"
#define OP_USER_ADD "user_add"
#define OP_USER_LIST "user_list"
#define OP_USER_SHOW "user_show"
#define OP_USER_DISABLE "user_disable"
#define OP_USER_ENABLE "user_enable"
#define OP_USER_DELETE "user_delete"
#define OP_TOKEN_ADD_TOTP "token_add_totp"
#define OP_TOKEN_CONFIRM "token_confirm"
#define OP_TOKEN_LIST "token_list"
#define OP_TOKEN_REVOKE "token_revoke"
#define OP_UNLOCK "unlock"
#define OP_STATUS "status"
#define OP_AUDIT_VERIFY "audit_verify"
#define OP_AUDIT_HEAD "audit_head"
#define OP_AUDIT_RECORDS "audit_records"
#define OP_AUDIT_ARCHIVE "audit_archive"
#define OP_REPORT_DORMANT "report_dormant"
#define OP_REPORT_ACCESS "report_access"
#define OP_REPORT_PRIVILEGED "report_privileged"
#define OP_REPORT_LOCKOUTS "report_lockouts"
#define OP_REPORT_VENDORS "report_vendors"
#define OP_REPORT_EXCEPTIONS "report_exceptions"
#define OP_COMPLIANCE "compliance"

#define VERDICT_SUCCESS "success"
#define VERDICT_DENIED "denied"
#define VERDICT_OK "ok"
#define VERDICT_LOCKED "locked"
#define VERDICT_DISABLED "disabled"
#define VERDICT_UNKNOWN "unknown"
#define VERDICT_UNENROLLED "unenrolled"

#endif
