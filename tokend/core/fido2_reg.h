/*
 * fido2_reg.h - registering a FIDO2 key for a user (fido2_reg.c): the
 * challenge, the verification of the key's answer, the credential stored
 * as a token; administrators' enrollment and the import of pam_u2f keys.
 */
#ifndef KAGI_FIDO2_REG_H
#define KAGI_FIDO2_REG_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "store.h"

/* The kinds of registration: an administrator's, a user's own. */
#define FIDO2_REG_ADMIN "admin"
#define FIDO2_REG_SELF "self"

/*
 * FIDO2 registration, shared by token_fido2_* and the self-service
 * enroll_fido2_* (enrollment.c).  kind (FIDO2_REG_*) is bound into the
 * challenge with u and a request number, so a challenge serves only the
 * kind of request that asked for it.  begin fills reply with the
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

/*
 * An administrator (peer) enrolls a key for u: token_fido2_begin's req
 * and token_fido2_finish's.  When u's enrollment needs a second person
 * (approval.c), begin without the peer's unspent grant stores a request;
 * carried out on approval, begin stores that grant instead; finish
 * without the grant is refused ("approval_missing") and spends it with
 * the key it stores.
 */
int fido2_reg_admin_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *req,
    struct json_object *reply);
int fido2_reg_admin_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *req,
    struct json_object *reply);

/* A pam_u2f key, as token_fido2_import carries it. */
struct fido2_import {
	const char *label;
	const char *credential;	/* base64 credential ID */
	const char *public_key;	/* base64 */
	int alg;		/* COSE algorithm */
	int uv;			/* enum fido2_uv_kind */
};
/* Store im as an active token of u, or refuse it ("public_key",
 * "duplicate") with a record.  The caller passed the two-person rule. */
int fido2_reg_import(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct fido2_import *im,
    struct json_object *reply);

#endif
