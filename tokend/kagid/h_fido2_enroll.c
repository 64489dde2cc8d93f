/*
 * h_fido2_enroll.c - FIDO2 enrollment by administrators:
 * token_fido2_begin / _finish, and the import of pam_u2f keys
 * (token_fido2_import); an SSH security key's (token_sshkey_begin /
 * _finish, sshkey_reg.c).
 *
 * Each reads its fields and calls fido2_reg.c, which registers the key,
 * and with approval.c decides when a privileged user's key needs a second
 * person (R-PRIV-3).  Users enroll their own keys with a code, and
 * privileged users with an approved grant, through enroll_fido2_begin /
 * _finish (h_enroll.c).
 */
#include "config.h"

#include "approval.h"
#include "fido2.h"
#include "fido2_reg.h"
#include "fido2_wire.h"
#include "handlers.h"
#include "kagi_err.h"
#include "proto.h"
#include "sshkey_reg.h"
#include "username.h"

#define B64_FIELD_MAX FIDO2_B64_FIELD_MAX

static int
req_user(struct kagid_ctx *ctx, struct json_object *req, struct user_rec *u)
{
	const char *name = NULL;
	int r;

	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &name)) != 0)
		return r;
	if (!user_name_valid(name))
		return KAGI_ERR_INVALID;
	return store_user_get(ctx->store, name, u);
}

int
h_token_fido2_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	const char *label = NULL;
	int r;

	/* Administrators only (dispatch.c: PEER_ADMIN). */
	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = proto_get_str_opt(req, "label", STORE_LABEL_MAX, &label)) != 0)
		return r;
	return fido2_reg_admin_begin(ctx, peer, &u, req, reply);
}

int
h_token_fido2_finish(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0)
		return r;
	return fido2_reg_admin_finish(ctx, peer, &u, req, reply);
}

int
h_token_fido2_import(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct fido2_import im;
	struct user_rec u;
	const char *alg = NULL, *uvs = NULL;
	int r;

	im.label = "pam_u2f";
	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = proto_get_str_opt(req, "label", STORE_LABEL_MAX,
	    &im.label)) != 0 ||
	    (r = proto_get_str(req, "credential", B64_FIELD_MAX,
	    &im.credential)) != 0 ||
	    (r = proto_get_str(req, "public_key", B64_FIELD_MAX,
	    &im.public_key)) != 0 ||
	    (r = proto_get_str(req, "alg", KAGI_NAME_MAX, &alg)) != 0 ||
	    (r = proto_get_str(req, "uv", KAGI_NAME_MAX, &uvs)) != 0)
		return r;
	if ((im.alg = fido2_alg_from_name(alg)) == 0 ||
	    (im.uv = fido2_uv_from_name(uvs)) < 0)
		return KAGI_ERR_INVALID;
	/* R-PRIV-3: never a privileged user's (fido2_reg.c); others'
	 * pass the two-person rule like every token act. */
	if (u.role != ROLE_PRIVILEGED && (r = approval_gate(ctx, peer, req,
	    u.role, APPROVAL_NO_ROLE, reply)) != 0)
		return r == APPROVAL_PENDING ? 0 : r;
	return fido2_reg_import(ctx, peer, &u, &im, reply);
}

/* An SSH security key (sshkey_reg.c), by an administrator. */
int
h_token_sshkey_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0)
		return r;
	return sshkey_reg_admin_begin(ctx, peer, &u, req, reply);
}

int
h_token_sshkey_finish(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0)
		return r;
	return sshkey_reg_admin_finish(ctx, peer, &u, req, reply);
}
