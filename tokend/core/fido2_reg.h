/*
 * fido2_reg.h - registering a FIDO2 key for a user (fido2_reg.c): by an
 * administrator, by the user with an enrollment code, and the import of
 * pam_u2f keys.
 */
#ifndef KAGI_FIDO2_REG_H
#define KAGI_FIDO2_REG_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "fido2.h"
#include "store.h"
#include "store_life.h"

/*
 * A registration challenge is bound to the kind of request that asked for
 * it (an administrator's, a user's own), the user and a request number,
 * and is spent by the finish that presents it.  Each begin fills reply
 * with the challenge, rp_id, user_id, user, exclude and uv; each finish
 * verifies the key's answer in req and stores the credential as an
 * active token, or refuses it (reply's "refused" says why, and a record
 * is kept).
 */

/*
 * An administrator (peer) enrolls a key for u: token_fido2_begin's req
 * and token_fido2_finish's.  When u's enrollment needs a second person
 * (a privileged user, approval.c), begin stores a request; carried out
 * on approval, begin stores a grant that only u spends (self_begin with
 * no code); an administrator's finish for such a user is always refused
 * ("enrolled_by_user").
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
 * "duplicate", "enrolled_by_user" for a privileged user) with a record.
 * The caller passed the two-person rule. */
int fido2_reg_import(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct fido2_import *im,
    struct json_object *reply);

/*
 * The caller (peer) enrolls its own key with its enrollment code:
 * enroll_self_check() (enrollment.c) decides whether it may, with asked
 * the request's "user" or NULL; a refusal is answered in reply's
 * "refused" and leaves the code as it was.  finish spends the code with
 * the key it stores.  With code NULL, the caller spends an approved
 * enrollment grant for its own account instead, and only when logged in
 * as itself (login uid = uid): refusals "no_grant", "not_in_person",
 * "disabled", "locked".
 */
int fido2_reg_self_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *reply);
int fido2_reg_self_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *req,
    struct json_object *reply);

/*
 * What the SSH security keys' enrolment (sshkey_reg.c) shares with the
 * FIDO2 one, so that both follow one rule.
 */
/* The attestation policy of role's keys (R-PRIV-2). */
void fido2_reg_att_policy(const struct kagid_config *cfg, int role,
    struct fido2_att_policy *pol);
/* Does op (an administrator's begin) for u need a second person? */
int fido2_reg_grant_needed(const struct kagid_ctx *ctx, const char *op,
    const struct user_rec *u);
/*
 * An administrator's begin of op for u under the two-person rule: *done
 * set when it was answered here (replayed on approval: the user's grant;
 * needing a second person: stored as a request); else the caller issues
 * its challenge.
 */
int fido2_reg_admin_gate(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *op, struct json_object *req,
    struct json_object *reply, int *done);
/* An approval replayed: the requester's enrollment grant for u. */
int fido2_reg_grant_create(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct request_rec *q,
    struct json_object *reply);
/*
 * May the caller enroll its own key now, with its enrollment code or,
 * code NULL, its grant (*g)?  0 with *ok set and *u its account when it
 * may; 0 with *ok clear when refused (reply says why, a record is kept).
 */
int fido2_reg_self_may(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct user_rec *u,
    struct enroll_grant_rec *g, struct json_object *reply, int *ok);
/* The code (or, code NULL, the grant g) of u spent on token, recorded. */
int fido2_reg_self_spend(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *code,
    const struct enroll_grant_rec *g, int64_t token);

#endif
