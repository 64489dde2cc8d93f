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
 *       -> verdict: "success" | "denied" | "throttled" (the address has
 *          failed too often: nothing about the user is said)
 *   account     user service tty? rhost? zone?
 *       -> verdict: "ok" | "locked" | "disabled" | "unknown" | "unenrolled"
 *          | "refused" (a vendor outside its window, after its expiry or
 *          from an address not allowed)
 *   User names are canonicalised by kagid (tokend/username.h).
 *   auth_begin also gives "banner" (banner_file's text) when configured;
 *   an auth_* "success" also gives the previous success and the failures
 *   since (R-MFA-5): last_time (0 = none before), last_from (its rhost,
 *   else tty), last_factors, failures_since.
 *
 * Sessions (verifier, or self for its own name; R-PRIV-7, R-REM-4):
 *   session_open  user service tty? rhost? zone? pid sid logind?
 *       -> session (id), ends (time kagid will end it, 0 = no limit),
 *          limit? ("time_limit" | "window_end").  pid must be the
 *          caller's and sid its session id.
 *   session_close user service? tty? rhost? zone? pid session?
 *       -> ended (how many sessions this closed; by session id, else
 *          every open one of this user registered by pid)
 *   session_list (admin)                       -> sessions (array)
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
 *   user_role     user role                    -> user (tokens revoked)
 *   vendor_add    user company expires ("YYYY-MM-DD") windows sources
 *                                              -> user, vendor
 *   vendor_show   user                         -> user, vendor
 *   vendor_list                                -> vendors (array)
 * A vendor object: {"user", "company", "approver", "expires", "windows",
 * "sources", "expired"}.  A caller whose name is a kagi vendor user is
 * never an administrator (R-PRIV-4).
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

#define VERDICT_SUCCESS "success"
#define VERDICT_DENIED "denied"
#define VERDICT_OK "ok"
#define VERDICT_LOCKED "locked"
#define VERDICT_DISABLED "disabled"
#define VERDICT_UNKNOWN "unknown"
#define VERDICT_UNENROLLED "unenrolled"
#define VERDICT_THROTTLED "throttled"	/* auth: the address, not the user */
#define VERDICT_REFUSED "refused"	/* account: outside a vendor's terms */
#define OP_USER_ROLE "user_role"
#define OP_VENDOR_ADD "vendor_add"
#define OP_VENDOR_SHOW "vendor_show"
#define OP_VENDOR_LIST "vendor_list"
#define OP_SESSION_OPEN "session_open"
#define OP_SESSION_CLOSE "session_close"
#define OP_SESSION_LIST "session_list"

#endif
