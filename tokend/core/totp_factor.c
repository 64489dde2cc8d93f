/*
 * totp_factor.c - the TOTP factor: new tokens and code checks
 * (totp_factor.h).
 *
 * Guarantees:
 *  - a seed exists in the clear only inside these functions, and is wiped
 *    before they return, whatever the path; it leaves kagid only inside
 *    the otpauth URI handed to the enrolling person;
 *  - the sealed blob is bound to "totp:<user>" (seal_aad()), so a seed
 *    moved onto another user's token does not open;
 *  - a matched step is spent in the store before a success is reported:
 *    the store moves the token's last step forward in one statement, so
 *    of two log-ins with one code exactly one is accepted;
 *  - a seed that does not unseal is an error, logged with the token and
 *    user (never the seed), and the caller refuses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kagi_err.h"
#include "log.h"
#include "seal.h"
#include "totp.h"
#include "totp_factor.h"
#include "wipe.h"

/* A new TOTP token record of u as s says, its seed not yet sealed. */
static void
token_init(struct token_rec *n, const struct user_rec *u,
    const struct totp_settings *s, int64_t now)
{
	memset(n, 0, sizeof(*n));
	n->user_id = u->id;
	n->type = TOKEN_TOTP;
	n->state = s->state;
	snprintf(n->label, sizeof(n->label), "%s", s->label);
	n->algorithm = s->algorithm;
	n->digits = s->digits;
	n->period = s->period;
	n->last_step = -1;
	n->created = now;
}

int
totp_token_new(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct totp_settings *s, int64_t now, struct token_rec *t,
    char **uri)
{
	uint8_t secret[TOTP_SECRET_LEN];
	char aad[SEAL_AAD_MAX];
	struct token_rec n;
	size_t aadlen = 0;
	char *link = NULL;
	int64_t id = 0;
	int r;

	token_init(&n, u, s, now);
	if ((r = totp_new_secret(secret, sizeof(secret))) != 0 ||
	    (r = seal_aad(SEAL_TOTP_SEED, u->name, aad, &aadlen)) != 0 ||
	    (r = seal(ctx->key, aad, aadlen, secret, sizeof(secret),
	    &n.sealed, &n.sealed_len)) != 0 ||
	    (r = store_token_add(ctx->store, &n, &id)) != 0 ||
	    (r = totp_uri(ctx->cfg->issuer, u->name, secret, sizeof(secret),
	    n.algorithm, n.digits, n.period, &link)) != 0)
		goto out;
	n.id = id;
	*t = n;
	memset(&n, 0, sizeof(n));
	*uri = link;
	link = NULL;
 out:
	kagi_wipe(secret, sizeof(secret));
	kagi_free_str(link);
	token_rec_clear(&n);
	return r;
}

int
totp_token_import(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct totp_settings *s, const uint8_t *secret, size_t len,
    int64_t now, struct token_rec *t)
{
	char aad[SEAL_AAD_MAX];
	struct token_rec n;
	size_t aadlen = 0;
	int64_t id = 0;
	int r;

	token_init(&n, u, s, now);
	n.state = TOKEN_ACTIVE;
	/* Sealed like a seed of our own, bound to the user's name. */
	if ((r = seal_aad(SEAL_TOTP_SEED, u->name, aad, &aadlen)) != 0 ||
	    (r = seal(ctx->key, aad, aadlen, secret, len, &n.sealed,
	    &n.sealed_len)) != 0 ||
	    (r = store_token_add(ctx->store, &n, &id)) != 0)
		goto out;
	n.id = id;
	*t = n;
	memset(&n, 0, sizeof(n));
 out:
	token_rec_clear(&n);
	return r;
}

int
totp_check(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct token_rec *t, const char *typed, int64_t now,
    enum totp_mode mode, enum totp_result *result)
{
	char code[TOTP_CODE_MAX + 1];
	char aad[SEAL_AAD_MAX];
	uint8_t *secret = NULL;
	size_t secret_len = 0, aadlen = 0;
	int64_t step = 0;
	int r;

	*result = TOTP_WRONG;
	if (t->type != TOKEN_TOTP ||
	    totp_normalise_code(typed, t->digits, code) != 0) {
		r = 0;		/* not a code of this token's length */
		goto out;
	}
	if ((r = seal_aad(SEAL_TOTP_SEED, u->name, aad, &aadlen)) != 0)
		goto out;
	if ((r = unseal(ctx->key, aad, aadlen, t->sealed, t->sealed_len,
	    &secret, &secret_len)) != 0) {
		kagi_error("token %lld of user %s does not unseal: %s",
		    (long long)t->id, u->name, kagi_strerror(r));
		goto out;
	}
	r = totp_verify(secret, secret_len, t->algorithm, t->digits,
	    t->period, (int)ctx->cfg->totp_window, now, code, &step);
	if (r == KAGI_ERR_BAD_CODE) {
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if (mode == TOTP_ACTIVATE && t->state == TOKEN_PENDING &&
	    (r = store_token_set_state(ctx->store, t->id,
	    TOKEN_ACTIVE)) != 0)
		goto out;
	r = store_token_accept_step(ctx->store, t->id, step, now);
	if (r == KAGI_ERR_REPLAY) {
		*result = TOTP_REPLAY;
		r = 0;
		goto out;
	}
	if (r == 0)
		*result = TOTP_ACCEPTED;
 out:
	kagi_free_secret(secret, secret_len);
	kagi_wipe(code, sizeof(code));
	return r;
}

int
totp_check_dummy(struct kagid_ctx *ctx, const char *name, int64_t now)
{
	static const char zeros[] = "00000000";
	uint8_t seed[TOTP_SECRET_LEN];
	uint8_t *sealed = NULL, *secret = NULL;
	size_t sealed_len = 0, secret_len = 0, aadlen = 0;
	char aad[SEAL_AAD_MAX], code[TOTP_CODE_MAX + 1];
	int64_t step = 0;
	int digits = (int)ctx->cfg->totp_digits, r;

	/* What a check of a real token does: normalise, unseal, match. */
	if ((r = totp_normalise_code(zeros + (8 - digits), digits,
	    code)) != 0 ||
	    (r = totp_new_secret(seed, sizeof(seed))) != 0 ||
	    (r = seal_aad(SEAL_TOTP_SEED, name, aad, &aadlen)) != 0 ||
	    (r = seal(ctx->key, aad, aadlen, seed, sizeof(seed), &sealed,
	    &sealed_len)) != 0 ||
	    (r = unseal(ctx->key, aad, aadlen, sealed, sealed_len, &secret,
	    &secret_len)) != 0)
		goto out;
	r = totp_verify(secret, secret_len, ctx->cfg->totp_algorithm, digits,
	    (int)ctx->cfg->totp_period, (int)ctx->cfg->totp_window, now, code,
	    &step);
	r = r == KAGI_ERR_BAD_CODE ? 0 : r;	/* a match means nothing */
 out:
	kagi_wipe(seed, sizeof(seed));
	kagi_wipe(code, sizeof(code));
	kagi_free_secret(secret, secret_len);
	free(sealed);
	return r;
}

int
totp_factor_sealed_to(struct kagid_ctx *ctx, const char *user, const struct token_rec *t)
{
	char aad[SEAL_AAD_MAX];
	uint8_t *pt = NULL;
	size_t aadlen = 0, ptlen = 0;
	int r;

	if (t->type != TOKEN_TOTP)
		return KAGI_ERR_INVALID;
	if ((r = seal_aad(SEAL_TOTP_SEED, user, aad, &aadlen)) != 0)
		return r;
	/* Opened only to see that it opens: wiped at once. */
	r = unseal(ctx->key, aad, aadlen, t->sealed, t->sealed_len, &pt,
	    &ptlen);
	kagi_free_secret(pt, ptlen);
	return r;
}
