/*
 * proto_ops.h - the requests kagid accepts, their fields and replies.
 *
 * Every request: {"v": 1, "op": OP, ...fields}.  Unknown fields are errors.
 * Every reply: {"status": "ok", ...} or {"status": "error", "error": CODE,
 * "message": TEXT}.  Listings and reports (user_list, token_list,
 * request_list, vendor_list, session_list, breakglass_list, report_*,
 * and any reply) have no cursor of their own: a reply over KAGI_FRAME_MAX
 * goes as a stream of frames cutting its longest array, every frame but
 * the last with "continues": true (proto.h, proto_encode_reply(), the one
 * mechanism, in server.c's conn_reply); client_call() joins it.  Chosen
 * over after/limit paging because every listing gets it at once and the
 * listing is read in one transaction, so it is consistent however long.
 * audit_records keeps its own after/limit paging: the archive is read in
 * pieces on purpose.  A reply no stream can carry (one element over the
 * frame) is answered with error "too_large", never a silent hang-up.  Who may send what is decided in kagid's dispatch
 * table (tokend/dispatch.c) by the caller's SO_PEERCRED class:
 *   verifier  root: may verify any user
 *   self      any other uid: may verify itself only
 *   admin     root, or a member of the admin group (kagi-admin)
 *
 * Authentication (verifier, or self for its own name):
 *   auth_begin  user service tty? rhost? zone?
 *       -> methods (array, in order of preference: "fido2", "totp"),
 *          method (= methods[0]), digits (6|8), and when methods holds
 *          "fido2": fido2 {challenge (base64 of 32 random bytes),
 *          rp_id, credentials (array of base64 credential IDs),
 *          uv ("required"|"preferred"|"discouraged")}.
 *          A user with an active FIDO2 credential gets ["fido2"], or
 *          ["fido2","totp"] with an active TOTP token too; everyone else
 *          (TOTP-only, unenrolled, unknown) gets ["totp"], so unknown and
 *          unenrolled users look like TOTP users.  A FIDO2 user's answer
 *          is the same whether locked or disabled: the refusal comes at
 *          auth_fido2.  Each fido2 answer issues a fresh challenge for
 *          (user, service, tty), replacing the one before; it is valid
 *          for kagid.conf's fido2_challenge_lifetime and taken by the
 *          first auth_fido2 for the same triple, whatever its outcome.
 *   auth_fido2  user service tty? rhost? zone? then either
 *          credential authdata sig (base64; authdata as libfido2's
 *          fido_assert_authdata_ptr gives it, a CBOR byte string)
 *          uv_method ("pin"|"builtin"|"none": how the key verified the
 *          user, as far as the module knows)
 *       or failure ("no_key"|"key_removed"|"timeout"|"touch_refused"|
 *          "pin_invalid"|"pin_blocked"|"uv_blocked"|"no_credential"|"no_uv"|
 *          "device"): what went wrong at the terminal, counted as a
 *          failed attempt; with failure "no_key", fallback ("totp")
 *          asks to go on with a code instead: "fallback" (recorded, not
 *          counted) when the user may, else "denied" (counted).
 *       -> verdict: "success" | "denied" | "fallback"
 *   auth_totp   user service tty? rhost? zone? code
 *       -> verdict: "success" | "denied" | "throttled" (the address has
 *          failed too often: nothing about the user is said)
 *   account     user service tty? rhost? zone? confirm?
 *       -> verdict: "ok" | "locked" | "disabled" | "unknown" | "unenrolled"
 *          | "refused" (a vendor outside its window, after its expiry or
 *          from an address not allowed) | "unconfirmed" (with confirm:
 *          the id is no pending log-in of this user, service, tty,
 *          rhost, zone and caller (uid and pid), or it expired)
 *   User names are canonicalised by kagid (tokend/username.h).
 *   auth_begin also gives "banner" (banner_file's text) when configured.
 *   An auth_* (and auth_enroll) "success" is provisional and gives only
 *   "confirm", the base64 of 32 random bytes: the account request of the
 *   same PAM handle sends it back once the whole stack passed
 *   (login_confirm.c).  An account "ok" to a confirm gives the previous
 *   success and the failures since (R-MFA-5): last_time (0 = none
 *   before), last_from (its rhost, else tty), last_factors, last_ended
 *   (when the session opened for it ended, 0 while open; absent when no
 *   session was seen), failures_since.
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
 *   token_fido2_begin  user label?
 *                  -> request (integer), challenge, rp_id, user_id
 *                     (base64, 32 bytes, new per request), exclude
 *                     (base64 IDs of the user's credentials), uv
 *   token_fido2_finish user request alg ("es256"|"eddsa"|"rs256")
 *                  fmt ("packed"|"fido-u2f"|"none") authdata x5c? sig?
 *                  uv ("none"|"pin"|"builtin": how the key can verify
 *                  its user) label?       -> token (object)
 *                  The registration challenge is bound to the user and
 *                  the request number and taken by the first finish.
 *   token_fido2_import user credential public_key (base64, as pam_u2f
 *                  stores them) alg uv label?   -> token (object)
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
 * "period", "created", "last_used"}; a FIDO2 token has "algorithm" (es256,
 * eddsa, rs256), "credential" (base64 ID), "aaguid", "uv", "counter" and
 * "reason" (why it was disabled, e.g. "cloned") instead of digits and
 * period.  A lock object: {"failures",
 * "first_failure", "locked_until", "lock_count", "locked"}; locked_until
 * -1 means until an administrator unlocks.  Times are seconds since the
 * epoch (0 = never).
 */
#ifndef KAGI_PROTO_OPS_H
#define KAGI_PROTO_OPS_H

/*
 * After answering auth_begin, kagid keeps the connection this long (or
 * its client_timeout, when shorter) for the request that follows: a
 * client that waits for a person (a code typed, a key touched) sends that
 * request on a new connection.
 */
#define KAGI_FOLLOW_UP_MS 1000

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
#define OP_AUDIT_KEY "audit_key"
#define OP_REPORT_DORMANT "report_dormant"
#define OP_REPORT_ACCESS "report_access"
#define OP_REPORT_PRIVILEGED "report_privileged"
#define OP_REPORT_LOCKOUTS "report_lockouts"
#define OP_REPORT_VENDORS "report_vendors"
#define OP_REPORT_EXCEPTIONS "report_exceptions"
#define OP_COMPLIANCE "compliance"
#define OP_AUTH_FIDO2 "auth_fido2"
#define OP_TOKEN_FIDO2_BEGIN "token_fido2_begin"
#define OP_TOKEN_FIDO2_FINISH "token_fido2_finish"
#define OP_TOKEN_FIDO2_IMPORT "token_fido2_import"

/*
 * Two-person rule, enrollment codes, lifecycle, break-glass:
 *   user_role     user role                    (admin) -> user
 *   user_offboard user                         (admin) -> user, revoked
 *   token_lost    user token                   (admin) -> token
 *   backup                                     (admin) -> backup (array
 *       of base64 pieces of the database copy, in order), bytes, sha256
 *       (hex, of the whole copy), audit_seq (the "backup" record, the
 *       copy's last), schema.  Streamed (above).  No keys are in it.
 *   token_import_totp user secret (base64, 10..64 bytes) source
 *       ("google-authenticator"|"pam_oath") label? algorithm? digits?
 *       period? (must be totp_period)        (admin) -> token (active);
 *       refused for a privileged user (R-PRIV-2); "token_import" record
 *   token_lost_own token                        (self) -> token
 *       the caller's own token (its SO_PEERCRED name; a request naming a
 *       user is refused as an unknown field), revoked at once, recorded
 *       "token_lost" with reported_by "user" at alert priority (R-TOK-2);
 *       a token of someone else is not_found.
 *   token_list_own                              (self) -> user, tokens
 *       the caller's own tokens (its SO_PEERCRED name), as token_list;
 *       not_found when kagi has no account of that name.
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
#define OP_TOKEN_LOST_OWN "token_lost_own"
#define OP_TOKEN_LIST_OWN "token_list_own"
#define OP_BACKUP "backup"
#define OP_TOKEN_IMPORT_TOTP "token_import_totp"
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
#define VERDICT_THROTTLED "throttled"	/* auth: the address, not the user */
#define VERDICT_REFUSED "refused"	/* account: outside a vendor's terms */
/* account: the confirmation id of the auth success is not this log-in's */
#define VERDICT_UNCONFIRMED "unconfirmed"
/* auth_fido2 with fallback: no key, go on with a code (recorded) */
#define VERDICT_FALLBACK "fallback"
#define OP_VENDOR_ADD "vendor_add"
#define OP_VENDOR_SHOW "vendor_show"
#define OP_VENDOR_LIST "vendor_list"
#define OP_SESSION_OPEN "session_open"
#define OP_SESSION_CLOSE "session_close"
#define OP_SESSION_LIST "session_list"

/*
 * Self-service FIDO2 enrollment with an enrollment code (self: the
 * caller's own account, named by SO_PEERCRED; "user", when given, must
 * be the same account):
 *   enroll_fido2_begin  user? code label?
 *       -> as token_fido2_begin, or refused ("bad_code"|"used"|"expired"|
 *          "privileged"|"disabled"|"locked")
 *   enroll_fido2_finish user? code request alg fmt authdata x5c? sig? uv
 *          label?  -> token (object), or refused (the reasons above, or
 *          token_fido2_finish's).  The code is spent with the key.
 * token_fido2_begin for a privileged user (R-PRIV-3) answers
 * pending_approval and the request unless an approval granted the caller
 * one enrollment ("grant": its id); approving that request answers
 * result.grant {id, user, requester, expires}; token_fido2_finish for a
 * privileged user without an unspent grant answers refused
 * "approval_missing".
 */
#define OP_ENROLL_FIDO2_BEGIN "enroll_fido2_begin"
#define OP_ENROLL_FIDO2_FINISH "enroll_fido2_finish"

/*
 * The SSH gateway's security keys (issue 16):
 *   token_sshkey_begin user                    (admin) -> challenge
 *   token_sshkey_finish user key attestation label? (admin) -> token
 *   enroll_sshkey_begin user? code? grant?      (self) -> challenge
 *   enroll_sshkey_finish user? code? grant? key attestation label?
 *                                               (self) -> token
 *   authkeys user rhost?        (authkeys_user only) -> lines (array)
 *   auth_sshkey AUTH key? failure?        (verifier) -> verdict
 * A finish refused by policy or verification answers "refused" (why).
 */
#define OP_TOKEN_SSHKEY_BEGIN "token_sshkey_begin"
#define OP_TOKEN_SSHKEY_FINISH "token_sshkey_finish"
#define OP_ENROLL_SSHKEY_BEGIN "enroll_sshkey_begin"
#define OP_ENROLL_SSHKEY_FINISH "enroll_sshkey_finish"
#define OP_AUTHKEYS "authkeys"
#define OP_AUTH_SSHKEY "auth_sshkey"

/*
 * The fleet's CA and hosts (issue 15; administrators, on a core):
 *   host_ca_init                      -> cert (PEM), fingerprint
 *   host_add host zone class csr      -> the record, cert, ca (PEM)
 *   host_renew host csr               -> as host_add
 *   host_revoke host                  -> {}
 *   host_list                         -> hosts (array of records)
 *   host_show host                    -> the record, cert, ca
 * A record: name zone class state ("active"|"revoked") serial
 * fingerprint (hex SHA-256 of the DER) not_before not_after created
 * changed.
 */
#define OP_HOST_CA_INIT "host_ca_init"
#define OP_HOST_ADD "host_add"
#define OP_HOST_RENEW "host_renew"
#define OP_HOST_REVOKE "host_revoke"
#define OP_HOST_LIST "host_list"
#define OP_HOST_SHOW "host_show"

#endif
