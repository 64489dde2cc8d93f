/*
 * fido2_reg.h - registering a FIDO2 key for a user: the challenge, the
 * verification of the key's answer, the credential stored as a token.
 */
#ifndef KAGI_FIDO2_REG_H
#define KAGI_FIDO2_REG_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "store.h"

/*
 * FIDO2 registration, shared by token_fido2_* and the
 * self-service enroll_fido2_*.  kind ("admin" or "self") is bound into
 * the challenge with u and a request number, so a challenge serves only
 * the kind of request that asked for it.  begin fills reply with the
 * challenge, rp_id, user_id, exclude and uv; finish takes that challenge
 * (single use), verifies the key's answer in req and stores the
 * credential as an active token of u: *token its id, or 0 when refused
 * (reply's "refused" says why, and a record is kept).
 */
int fido2_reg_begin(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *kind, struct json_object *reply);
int fido2_reg_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *kind, struct json_object *req,
    struct json_object *reply, int64_t *token);

#endif
