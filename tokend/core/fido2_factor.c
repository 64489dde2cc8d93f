/*
 * fido2_factor.c - the FIDO2 factor: a credential's public key sealed
 * and stored, an assertion verified against it (fido2_factor.h).
 *
 * One of the two places that use the sealing key (the other is
 * totp_factor.c); it also seals the attestation of an OpenSSH security
 * key at its enrolment (issue 16).  The order of the checks of an answer is the policy:
 *   1. the credential must exist, belong to this user and be active;
 *   2. the assertion must verify with the stored key: relying party,
 *      SHA-256 of the challenge, user presence always, user verification
 *      when fido2_uv = required;
 *   3. the signature counter must move forward (R-INC-1): a clone is
 *      refused, its token revoked with reason "cloned" and an alert
 *      record written;
 *   4. only then is the counter stored (a compare-and-set: of two answers
 *      with one counter value, one is a replay).
 * The public key exists unsealed only inside fido2_factor_verify() and
 * is wiped before it returns.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "b64.h"
#include "clock.h"
#include "fido2_factor.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "seal.h"
#include "wipe.h"

int
fido2_factor_add(struct kagid_ctx *ctx, const struct user_rec *u,
    const uint8_t *pk, size_t pk_len, struct token_rec *t,
    const struct fido2_rec *f, int64_t *id)
{
	char aad[SEAL_AAD_MAX];
	size_t aadlen = 0;
	int r;

	if ((r = seal_aad(SEAL_FIDO2_KEY, u->name, aad, &aadlen)) != 0 ||
	    (r = seal(ctx->key, aad, aadlen, pk, pk_len, &t->sealed,
	    &t->sealed_len)) != 0)
		return r;
	return store_fido2_add(ctx->store, t, f, id);
}

/*
 * What an SSH key's token seals: the key's wire form (2-byte length,
 * then the blob) and its enrolment's attestation, so that a row moved
 * to another user, or a key written into the store, does not open as
 * that user's key.
 */
int
fido2_factor_sshkey_add(struct kagid_ctx *ctx, const struct user_rec *u,
    const uint8_t *att, size_t att_len, struct token_rec *t,
    const struct sshkey_rec *k, int64_t *id)
{
	char aad[SEAL_AAD_MAX];
	uint8_t *pt = NULL;
	size_t aadlen = 0, n = 2 + k->blob_len + att_len;
	int r;

	if (k->blob_len == 0 || k->blob_len > SSHKEY_REC_BLOB_MAX)
		return KAGI_ERR_INVALID;
	if ((pt = malloc(n)) == NULL)
		return KAGI_ERR_NOMEM;
	pt[0] = (uint8_t)(k->blob_len >> 8);
	pt[1] = (uint8_t)(k->blob_len & 0xff);
	memcpy(pt + 2, k->blob, k->blob_len);
	memcpy(pt + 2 + k->blob_len, att, att_len);
	if ((r = seal_aad(SEAL_SSHKEY_ATT, u->name, aad, &aadlen)) != 0 ||
	    (r = seal(ctx->key, aad, aadlen, pt, n, &t->sealed,
	    &t->sealed_len)) != 0)
		goto out;
	r = store_sshkey_add(ctx->store, t, k, id);
 out:
	kagi_free_secret(pt, n);
	return r;
}

int
fido2_factor_sshkey_sealed_to(struct kagid_ctx *ctx, const char *user,
    const struct token_rec *t, const struct sshkey_rec *k)
{
	char aad[SEAL_AAD_MAX];
	uint8_t *pt = NULL;
	size_t aadlen = 0, ptlen = 0;
	int r;

	if (t->type != TOKEN_SSHKEY || t->id != k->token_id)
		return KAGI_ERR_INVALID;
	if ((r = seal_aad(SEAL_SSHKEY_ATT, user, aad, &aadlen)) != 0)
		return r;
	if ((r = unseal(ctx->key, aad, aadlen, t->sealed, t->sealed_len, &pt,
	    &ptlen)) != 0)
		return r;
	/* The key sealed at enrolment is the key the row names. */
	if (ptlen < 2 || ((size_t)pt[0] << 8 | pt[1]) != k->blob_len ||
	    ptlen < 2 + k->blob_len ||
	    memcmp(pt + 2, k->blob, k->blob_len) != 0)
		r = KAGI_ERR_CRYPTO;
	kagi_free_secret(pt, ptlen);
	return r;
}

/* A cloned key: revoke it and raise an alert (R-INC-1). */
static int
cloned(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const struct fido2_rec *f, uint32_t received)
{
	struct json_object *o;
	int r;

	if ((r = store_fido2_disable(ctx->store, f->token_id, "cloned")) != 0)
		return r;
	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(o, "token", f->token_id)) != 0 ||
	    (r = proto_set_int(o, "stored_counter", f->counter)) != 0 ||
	    (r = proto_set_int(o, "received_counter", received)) != 0 ||
	    (r = proto_set_str(o, "service", a->service)) != 0 ||
	    (a->tty != NULL && (r = proto_set_str(o, "tty", a->tty)) != 0) ||
	    (a->rhost != NULL && (r = proto_set_str(o, "rhost", a->rhost)) != 0))
		goto out;
	r = audit_record(ctx, peer, LOG_ALERT, "fido2_cloned", a->user, o);
 out:
	json_object_put(o);
	return r;
}

int
fido2_factor_verify(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a,
    const uint8_t chal[CHAL_LEN], const struct fido2_answer *an,
    const char **reason, int64_t *token, unsigned *factors)
{
	struct fido2_rec f;
	struct token_rec t;
	uint8_t *pk = NULL, flags = 0;
	size_t pklen = 0;
	uint32_t counter = 0;
	char aad[SEAL_AAD_MAX];
	size_t aadlen = 0;
	int require_uv = ctx->cfg->fido2_uv == UVPOLICY_REQUIRED;
	int r;

	memset(&t, 0, sizeof(t));
	*reason = NULL;
	r = store_fido2_get_cred(ctx->store, an->cred, an->cred_len, &f);
	if (r == KAGI_ERR_NOT_FOUND) {
		*reason = "unknown_credential";
		return 0;
	}
	if (r != 0 || (r = store_token_get(ctx->store, f.token_id, &t)) != 0)
		return r;
	if (t.user_id != u->id) {
		*reason = "foreign_credential";
		r = 0;
		goto out;
	}
	if (t.state != TOKEN_ACTIVE || t.type != TOKEN_FIDO2) {
		*reason = "revoked";
		r = 0;
		goto out;
	}
	if ((r = seal_aad(SEAL_FIDO2_KEY, u->name, aad, &aadlen)) != 0)
		goto out;
	if ((r = unseal(ctx->key, aad, aadlen, t.sealed, t.sealed_len,
	    &pk, &pklen)) != 0) {
		kagi_error("token %lld of user %s does not unseal: %s",
		    (long long)t.id, u->name, kagi_strerror(r));
		goto out;
	}
	r = fido2_verify_assertion(f.cose_alg, pk, pklen, ctx->cfg->fido2_rp_id,
	    chal, require_uv, an->authdata, an->authdata_len, an->sig,
	    an->sig_len, &flags, &counter);
	if (r == KAGI_ERR_CRYPTO || r == KAGI_ERR_INVALID) {
		/* Say whether the key answered for another relying party,
		 * or whether only user verification was missing. */
		if (!fido2_authdata_rp_ok(ctx->cfg->fido2_rp_id, an->authdata,
		    an->authdata_len))
			*reason = "relying_party";
		else
			*reason = require_uv && fido2_verify_assertion(f.cose_alg, pk,
			    pklen, ctx->cfg->fido2_rp_id, chal, 0,
			    an->authdata, an->authdata_len, an->sig,
			    an->sig_len, &flags, &counter) == 0 ?
			    "uv_missing" : "bad_assertion";
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if (fido2_counter_check(f.counter, counter) != 0) {
		*reason = "cloned";
		r = cloned(ctx, peer, a, &f, counter);
		goto out;
	}
	r = store_fido2_set_counter(ctx->store, f.token_id, f.counter, counter,
	    kagi_now());
	if (r == KAGI_ERR_REPLAY) {
		*reason = "replay";
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	*token = t.id;
	*factors = fido2_factors(flags, an->uv_method, f.uv);
 out:
	kagi_free_secret(pk, pklen);
	token_rec_clear(&t);
	return r;
}

static int
cred_walk_cb(const struct token_rec *t, void *arg)
{
	struct fido2_cred_walk *w = arg;
	struct fido2_rec f;
	int r;

	if (t->type == TOKEN_TOTP) {
		w->totp += t->state == TOKEN_ACTIVE;
		return 0;
	}
	if (t->type != TOKEN_FIDO2 ||
	    (w->only_active && t->state != TOKEN_ACTIVE))
		return 0;
	if ((r = store_fido2_get(w->ctx->store, t->id, &f)) != 0 ||
	    (w->ids != NULL &&
	    (r = b64_append(w->ids, f.cred_id, f.cred_id_len)) != 0)) {
		w->err = r;
		return 1;
	}
	w->fido2 += t->state == TOKEN_ACTIVE;
	return 0;
}

int
fido2_cred_walk(struct kagid_ctx *ctx, int64_t user_id, int only_active,
    struct fido2_cred_walk *w)
{
	int r;

	w->ctx = ctx;
	w->only_active = only_active;
	r = store_token_list(ctx->store, user_id, -1, cred_walk_cb, w);
	if (r < 0)
		return r;
	return w->err;
}

int
fido2_factor_sealed_to(struct kagid_ctx *ctx, const char *user, const struct token_rec *t)
{
	char aad[SEAL_AAD_MAX];
	uint8_t *pt = NULL;
	size_t aadlen = 0, ptlen = 0;
	int r;

	if (t->type != TOKEN_FIDO2 && t->type != TOKEN_SSHKEY)
		return KAGI_ERR_INVALID;
	if ((r = seal_aad(t->type == TOKEN_FIDO2 ? SEAL_FIDO2_KEY :
	    SEAL_SSHKEY_ATT, user, aad, &aadlen)) != 0)
		return r;
	/* Opened only to see that it opens: wiped at once. */
	r = unseal(ctx->key, aad, aadlen, t->sealed, t->sealed_len, &pt,
	    &ptlen);
	kagi_free_secret(pt, ptlen);
	return r;
}
