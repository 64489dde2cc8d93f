/*
 * describe.c - how kagid shows users and tokens to its clients: the JSON
 * objects of user_add, user_show, user_list, token_list and the token
 * replies (describe.h).
 *
 * A description never carries a secret: a TOTP token is shown with its
 * algorithm, digits and period, never its seed; a FIDO2 token with its
 * credential ID, algorithm, AAGUID and counter, never its public key.
 */
#include "config.h"

#include <stdio.h>

#include "b64.h"
#include "clock.h"
#include "describe.h"
#include "fido2.h"
#include "kagi_err.h"
#include "lockout.h"
#include "names.h"
#include "proto.h"
#include "totp.h"

static const char *const state_names[] = { "pending", "active", "revoked" };

int
user_to_json(struct kagid_ctx *ctx, const struct user_rec *u,
    struct json_object **out)
{
	struct json_object *o;
	struct lock_rec l;
	int64_t now = kagi_now();
	int r, locked;

	if ((r = store_lock_get(ctx->store, u->id, &l)) != 0)
		return r;
	locked = lockout_is_locked(&l, now);
	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(o, "name", u->name)) != 0 ||
	    (r = proto_set_str(o, "role", role_name(u->role))) != 0 ||
	    (r = proto_set_bool(o, "disabled", u->disabled)) != 0 ||
	    (r = proto_set_int(o, "created", u->created)) != 0 ||
	    (r = proto_set_int(o, "last_success", u->last_success)) != 0 ||
	    (r = proto_set_bool(o, "locked", locked)) != 0 ||
	    (r = proto_set_int(o, "locked_until", !locked ? 0 :
	    l.locked_until == LOCK_UNTIL_ADMIN ? -1 : l.locked_until)) != 0) {
		json_object_put(o);
		return r;
	}
	*out = o;
	return 0;
}

int
token_to_json(const struct token_rec *t, const char *user,
    struct json_object **out)
{
	struct json_object *o;
	int r;

	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if (t->type == TOKEN_FIDO2 || t->type == TOKEN_SSHKEY) {
		/* Its credential's details: fido2_token_json(). */
		if ((r = proto_set_int(o, "id", t->id)) != 0 ||
		    (r = proto_set_str(o, "user", user)) != 0 ||
		    (r = proto_set_str(o, "type", t->type == TOKEN_FIDO2 ?
		    "fido2" : "sshkey")) != 0 ||
		    (r = proto_set_str(o, "label", t->label)) != 0 ||
		    (r = proto_set_str(o, "state", t->state >= 0 &&
		    t->state <= 2 ? state_names[t->state] : "unknown")) != 0 ||
		    (r = proto_set_int(o, "created", t->created)) != 0 ||
		    (r = proto_set_int(o, "last_used", t->last_used)) != 0) {
			json_object_put(o);
			return r;
		}
		*out = o;
		return 0;
	}
	if ((r = proto_set_int(o, "id", t->id)) != 0 ||
	    (r = proto_set_str(o, "user", user)) != 0 ||
	    (r = proto_set_str(o, "type", "totp")) != 0 ||
	    (r = proto_set_str(o, "label", t->label)) != 0 ||
	    (r = proto_set_str(o, "state", t->state >= 0 && t->state <= 2 ?
	    state_names[t->state] : "unknown")) != 0 ||
	    (r = proto_set_str(o, "algorithm", totp_alg_name(t->algorithm))) != 0 ||
	    (r = proto_set_int(o, "digits", t->digits)) != 0 ||
	    (r = proto_set_int(o, "period", t->period)) != 0 ||
	    (r = proto_set_int(o, "created", t->created)) != 0 ||
	    (r = proto_set_int(o, "last_used", t->last_used)) != 0) {
		json_object_put(o);
		return r;
	}
	*out = o;
	return 0;
}

/* The token object of a FIDO2 token, with its credential's details. */
int
cred_token_json(const struct token_rec *t, const struct fido2_rec *f,
    const char *user, struct json_object **out)
{
	struct json_object *o = NULL;
	char aaguid[37];
	int r;

	if ((r = token_to_json(t, user, &o)) != 0)
		return r;
	fido2_aaguid_format(f->aaguid, aaguid);
	if ((r = proto_set_str(o, "algorithm", fido2_alg_name(f->cose_alg))) ||
	    (r = b64_set(o, "credential", f->cred_id, f->cred_id_len)) != 0 ||
	    (r = proto_set_str(o, "aaguid", aaguid)) != 0 ||
	    (r = proto_set_str(o, "uv", fido2_uv_name(f->uv))) != 0 ||
	    (r = proto_set_int(o, "counter", f->counter)) != 0 ||
	    (r = proto_set_str(o, "reason", f->reason)) != 0) {
		json_object_put(o);
		return r;
	}
	*out = o;
	return 0;
}

int
fido2_token_json(struct kagid_ctx *ctx, const struct token_rec *t,
    const char *user, struct json_object **out)
{
	struct fido2_rec f;
	struct sshkey_rec k;
	struct json_object *o = NULL;
	char aaguid[37];
	int r;

	if (t->type == TOKEN_SSHKEY) {
		if ((r = store_sshkey_get(ctx->store, t->id, &k)) != 0 ||
		    (r = token_to_json(t, user, &o)) != 0)
			return r;
		fido2_aaguid_format(k.aaguid, aaguid);
		if ((r = proto_set_str(o, "fingerprint", k.fingerprint)) != 0 ||
		    (r = proto_set_str(o, "aaguid", aaguid)) != 0) {
			json_object_put(o);
			return r;
		}
		*out = o;
		return 0;
	}
	if (t->type != TOKEN_FIDO2)
		return token_to_json(t, user, out);
	if ((r = store_fido2_get(ctx->store, t->id, &f)) != 0)
		return r;
	return cred_token_json(t, &f, user, out);
}
