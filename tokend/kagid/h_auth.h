/*
 * h_auth.h - what the log-in handlers share (h_auth.c for TOTP and the
 * common steps, h_fido2.c for FIDO2): the parsed request, the audit
 * fields every log-in record carries, and counting a failure.
 */
#ifndef KAGI_H_AUTH_H
#define KAGI_H_AUTH_H

#include <stdint.h>

#include <json-c/json.h>


#include "ctx.h"
#include "login.h"
#include "store.h"

int auth_req_parse(struct json_object *req, struct auth_req *a);
/* A new object: outcome, reason, service, zone, tty?, rhost?. */
struct json_object *auth_fields(const struct auth_req *a, const char *outcome,
    const char *reason);
/* One "auth" record; factor may be NULL. */
int auth_audit(struct kagid_ctx *ctx, const struct peer *peer,
    const struct auth_req *a, const char *outcome, const char *reason,
    const char *factor);
/*
 * Record a failed attempt by factor ("totp", "fido2") and count it under
 * the role's policy and the per-address rules; lock when the policy says
 * so, with its own alert record.
 */
int auth_fail(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct auth_req *a, const char *reason,
    const char *factor, int64_t now);
/* A success forgives the failures of its own factor and service only. */
int auth_forgive(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct auth_req *a, const char *factor, struct lock_rec *l);
/*
 * The checks before the factor (throttle, unknown, disabled, locked,
 * vendor terms, factor allowed by zone and role), recorded; *verdict set
 * when the attempt ends there, NULL to go on with u and l.
 */
int auth_precheck(struct kagid_ctx *ctx, const struct peer *peer,
    const struct auth_req *a, unsigned factor, int64_t now,
    struct user_rec *u, struct lock_rec *l, const char **verdict);
/*
 * R-MFA-5: put the previous success and the failures since into a
 * success reply, and make this success the last.
 */
int auth_last_login(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct auth_req *a, const char *factors, int64_t now,
    struct json_object *reply);
/* FACTOR_* bits (policy.h) this user may use in this zone. */
unsigned auth_factors_allowed(const struct kagid_ctx *ctx,
    const struct user_rec *u, const struct auth_req *a);
/* auth_begin's FIDO2 part: methods, method and fido2 (h_fido2.c). */
int fido2_auth_begin(struct kagid_ctx *ctx, const struct auth_req *a,
    struct json_object *reply);

#endif
