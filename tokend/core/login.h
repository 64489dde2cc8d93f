/*
 * login.h - deciding a log-in: the steps every log-in shares and the
 * flows of each request (R-MFA-1, R-MFA-5, R-PRIV-2, R-PRIV-5, R-REM-1,
 * R-REM-3, R-AVL-1).
 *
 * The order of the shared checks is the policy (login_precheck()):
 *   1. an address (PAM_RHOST) that has failed throttle_failures times in
 *      throttle_interval is throttled (throttle.c): "throttled", audited,
 *      nothing else looked at or counted, whoever the user is;
 *   2. an unknown or disabled user is refused without the factor being
 *      looked at; its failure counts toward the address's throttle;
 *   3. a locked user is refused without the factor being looked at, and
 *      the attempt still counts (a lock cannot be waited out by guessing);
 *   4. a vendor outside its terms (expiry, maintenance window, source
 *      address) is refused and an alert raised (vendor.c);
 *   5. a factor the zone or the role does not allow is refused
 *      ("factor_not_allowed": TOTP for a privileged user, R-PRIV-2; a
 *      factor a zone's list lacks, R-MFA-1).
 * Refusals at 4 and 5 are not guesses and do not count.  The factor is
 * then checked (login_totp.c, login_fido2.c); a failure is counted by
 * failures.c (one address never locks an account alone) and the
 * throttle.  A success is provisional (login_confirm.c): it spends what
 * it checked and hands out a confirmation id, and only the account phase
 * of the same PAM handle, run once the whole stack passed, confirms it:
 * then it forgives the failures of its own factor and service, and
 * records itself as the last log-in.  Every outcome is an audit record
 * in the request's transaction.  What the person at the terminal sees is
 * the same for every refusal but the throttle, which speaks of the
 * address and not of the account.
 */
#ifndef KAGI_LOGIN_H
#define KAGI_LOGIN_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "fido2_wire.h"
#include "peer.h"
#include "store.h"

/* What every log-in request carries, once parsed. */
struct login_req {
	char user[STORE_NAME_MAX + 1];	/* canonical (or as sent: unknown) */
	int name_ok;			/* user has a canonical form */
	const char *service;
	const char *tty;
	const char *rhost;
	const char *zone;
	int zone_idx;			/* enum kagi_zone */
};

/*
 * user (canonicalised, username.h), service, tty?, rhost?, zone? (default
 * mynumber).  The strings point into req.  An unknown zone is
 * KAGI_ERR_INVALID; a name with no canonical form is kept as sent with
 * name_ok 0 (it then matches no user).
 */
int login_req_parse(struct json_object *req, struct login_req *a);

/* A new object: outcome, reason, service, zone, tty?, rhost?. */
struct json_object *login_fields(const struct login_req *a,
    const char *outcome, const char *reason);
/* One "auth" record; factor may be NULL. */
int login_record(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *outcome, const char *reason,
    const char *factor);

/*
 * The shared checks above, each refusal recorded (and counted where it is
 * a guess).  *verdict is set when the attempt ends here; NULL means go on
 * with u and l filled in.
 */
int login_precheck(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, unsigned factor, int64_t now,
    struct user_rec *u, struct lock_rec *l, const char **verdict);
/*
 * A failed attempt with factor ("totp", "fido2"): its record, the count
 * toward the account (failures.c) and the address's throttle, and the
 * lock with its own record when this failure locked the account.
 */
int login_fail(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a, const char *reason,
    const char *factor, int64_t now);
/*
 * A confirmed success with factor (login_confirm()): forgive that
 * factor's and service's failures, store l when that changed it, put the
 * previous success (last_time, last_from, last_factors, and last_ended
 * when a session of it was seen: 0 while it is open, else when it ended)
 * and the failures since into reply (R-MFA-5), and make this one, called
 * label, the last log-in.
 */
int login_succeed(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct login_req *a, const char *factor, const char *label,
    int64_t now, struct lock_rec *l, struct json_object *reply);
/*
 * Who may ask about whom: a caller that is not a verifier (anyone but
 * root: screen lockers, kagictl enroll) may name only itself in a
 * verification request (auth_*, account, session_*).  1 when req's
 * "user" (canonicalised) is one the caller may ask about.  Reads only.
 */
int login_caller_may(const struct peer *peer, struct json_object *req);
/*
 * The same, for dispatch.c before the request's handler runs: 0 when
 * the caller may; else an "auth" record (outcome failure, reason
 * caller_not_allowed, the request op, service and rhost, the user asked
 * about, the caller as actor) and KAGI_ERR_DENIED (R-LOG-1).  Not a
 * guess at that user's factor: nothing is counted against it.
 */
int login_caller_check(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op, struct json_object *req);
/*
 * A second factor's success of u, made provisional (login_confirm.c):
 * its confirmation id into reply ("confirm"), the pending log-in bound to
 * a and peer for login_confirm_time, and an "auth" record with outcome
 * "provisional" (extra's members added to its fields; extra may be
 * NULL).  factor is what a confirmation forgives ("totp", "fido2"), label
 * what the records and the last log-in call it.
 */
int login_provisional(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a, const char *factor,
    const char *label, struct json_object *extra, int64_t now,
    struct json_object *reply);
/*
 * account with the confirmation id of an auth success of the same PAM
 * handle: the account's verdict (login_account()) and, when it is "ok"
 * and the id names a pending log-in of this request and caller, not
 * expired, the log-in confirmed (login_succeed(), reply as there).
 * Otherwise *verdict is the account's refusal or VERDICT_UNCONFIRMED, and
 * the pending log-in, if any, is recorded "unconfirmed".  The id is spent
 * either way.
 */
int login_confirm(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *confirm, int64_t now,
    struct json_object *reply, const char **verdict);
/*
 * Record the pending log-ins expired at now as "unconfirmed" and delete
 * them, at most a batch (*n of them), in the caller's transaction.
 */
int login_confirm_expire(struct kagid_ctx *ctx, int64_t now, size_t *n);
/* kagid's loop: login_confirm_expire() in its own transaction when due. */
void login_confirm_tick(struct kagid_ctx *ctx);
/* Where a log-in is from, for the last log-in: rhost, else tty, or "". */
const char *login_place(const char *rhost, const char *tty);
/* FACTOR_* bits (policy.h) this user may use in this zone. */
unsigned login_factors_allowed(const struct kagid_ctx *ctx,
    const struct user_rec *u, const struct login_req *a);

/*
 * auth_begin: how the user is to be asked (methods, method, fido2 with a
 * fresh challenge, digits, banner).  Unknown, unenrolled and TOTP-only
 * users get the same answer; a FIDO2 user's does not depend on lock or
 * disabled state.  Reads only.
 */
int login_begin(struct kagid_ctx *ctx, const struct login_req *a,
    struct json_object *reply);

/*
 * account: may the account be used now?  *verdict: VERDICT_UNKNOWN,
 * _DISABLED, _LOCKED, _REFUSED (a vendor outside its terms, with an
 * alert), _UNENROLLED (no active token, and no break-glass log-in just
 * now) or _OK.
 */
int login_account(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, int64_t now, const char **verdict);

/*
 * auth_totp (login_totp.c): the code typed, matched against each active
 * TOTP token; a code no token matched may be the user's enrollment code
 * (reply then says "enroll", *verdict is NULL) or a break-glass code.
 */
int login_totp(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *code, int64_t now,
    struct json_object *reply, const char **verdict);

/*
 * auth_enroll (login_totp.c): the first code of the authenticator a
 * user enrolled at log-in with an enrollment code, for its pending token;
 * a right code activates the token and logs in (provisionally: reply
 * gets the confirmation id), anything else counts as a wrong code.
 */
int login_enroll(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, int64_t token, const char *code, int64_t now,
    struct json_object *reply, const char **verdict);

/* auth_begin's FIDO2 part (login_fido2.c): methods, method, fido2. */
int login_fido2_begin(struct kagid_ctx *ctx, const struct login_req *a,
    struct json_object *reply);
/* 1 when failure is one a module may report instead of an assertion. */
int login_fido2_failure_known(const char *failure);
/*
 * auth_fido2 (login_fido2.c): the challenge held for (user, service,
 * tty) is spent whatever happens; then the shared checks, the module's
 * reported failure or the answer (NULL: malformed), verified by
 * fido2_factor.c.  With want_fallback and failure "no_key", a user who
 * may use TOTP gets VERDICT_FALLBACK, recorded and not counted.
 */
int login_fido2(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *failure, int want_fallback,
    const struct fido2_answer *an, int64_t now, struct json_object *reply,
    const char **verdict);

/*
 * auth_sshkey (login_sshkey.c): a log-in through the SSH gateway with the
 * security key sshd took, key the "publickey" line of SSH_AUTH_INFO_0
 * ("TYPE BASE64"), or failure what the module found instead (one of
 * login_sshkey_failure_known()).  The shared checks, the gateway's terms,
 * then the key: one of u's active security keys; success is provisional.
 */
int login_sshkey(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *key, const char *failure,
    int64_t now, struct json_object *reply, const char **verdict);
/* 1 when failure is one a module may report instead of a key. */
int login_sshkey_failure_known(const char *failure);

#endif
