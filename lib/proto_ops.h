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

/*
 * Two-person rule, enrollment codes, lifecycle, break-glass (policy2):
 *   user_role     user role                    (admin) -> user
 *   user_offboard user                         (admin) -> user, revoked
 *   token_lost    user token                   (admin) -> token
 *   enroll_code_issue user                     (admin) -> code, expires
 *   request_list                     (admin, approver) -> requests
 *   request_show  id                 (admin, approver) -> request
 *   request_approve id                      (approver) -> request, result
 *   request_reject id reason?               (approver) -> request
 *   breakglass_issue user                      (admin) -> codes (array)
 *   breakglass_list                  (admin, approver) -> exceptions
 *   breakglass_report id reason                (admin) -> exception
 *   auth_enroll   user service tty? rhost? zone? token code
 *       (verifier, self) -> verdict "success" | "denied"
 * An act that needs approval answers "ok" with pending_approval: true and
 * the stored request instead of acting.  auth_totp may answer verdict
 * "enroll" with token, digits, uri and qr (the QR code as text) when the
 * code typed was a valid enrollment code: the module shows them and
 * sends auth_enroll with a code from the new authenticator.
 */
#define OP_USER_ROLE "user_role"
#define OP_USER_OFFBOARD "user_offboard"
#define OP_TOKEN_LOST "token_lost"
#define OP_ENROLL_CODE_ISSUE "enroll_code_issue"
#define OP_REQUEST_LIST "request_list"
#define OP_REQUEST_SHOW "request_show"
#define OP_REQUEST_APPROVE "request_approve"
#define OP_REQUEST_REJECT "request_reject"
#define OP_BREAKGLASS_ISSUE "breakglass_issue"
#define OP_BREAKGLASS_LIST "breakglass_list"
#define OP_BREAKGLASS_REPORT "breakglass_report"
#define OP_AUTH_ENROLL "auth_enroll"
#define VERDICT_ENROLL "enroll"

#define VERDICT_SUCCESS "success"
#define VERDICT_DENIED "denied"
#define VERDICT_OK "ok"
#define VERDICT_LOCKED "locked"
#define VERDICT_DISABLED "disabled"
#define VERDICT_UNKNOWN "unknown"
#define VERDICT_UNENROLLED "unenrolled"

#endif
