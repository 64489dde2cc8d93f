/*
 * h_auth.h - what the log-in handlers share (h_auth.c for TOTP and the
 * common steps, h_fido2.c for FIDO2): the parsed request, the audit
 * fields every log-in record carries, and counting a failure.
 */
#ifndef KAGI_H_AUTH_H
#define KAGI_H_AUTH_H

#include <stdint.h>

#include <json-c/json.h>

#include "dispatch.h"

struct auth_req {
	const char *user;
	const char *service;
	const char *tty;
	const char *rhost;
	const char *zone;
};

int auth_req_parse(struct json_object *req, struct auth_req *a);
/* A new object: outcome, reason, service, zone, tty?, rhost?. */
struct json_object *auth_fields(const struct auth_req *a, const char *outcome,
    const char *reason);
/*
 * Record a failed attempt by method ("totp", "fido2") and count it; lock
 * when the policy says so, with its own alert record.
 */
int auth_fail(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct auth_req *a, const char *reason,
    const char *method, int64_t now);
/* auth_begin's FIDO2 part: methods, method and fido2 (h_fido2.c). */
int fido2_auth_begin(struct kagid_ctx *ctx, const struct auth_req *a,
    struct json_object *reply);

#endif
