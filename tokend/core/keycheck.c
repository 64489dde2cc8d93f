/*
 * keycheck.c - does this kagid's sealing key open the store's tokens
 * (keycheck.h)?
 *
 * Several cores share one PostgreSQL store; each seals and opens with its
 * own copy of the sealing key.  A core started with another key would
 * answer every log-in "wrong code" (nothing it unseals opens) and seal
 * new tokens that no other core can open.  So at start kagid trial-opens
 * the newest tokens, as a log-in would (totp_factor.c, fido2_factor.c:
 * the key's only users), and refuses to start when none opens.  What
 * opens is wiped at once (the factors' *_sealed_to()).  The same check
 * runs on SQLite: a key file swapped under a standalone kagid is found
 * at start too.
 *
 * Guarantees: nothing is written (a read-only transaction, rolled back);
 * the sentence in why names the problem and how many tokens were tried,
 * never the key or a secret.
 */
#include "config.h"

#include <stdio.h>

#include "fido2_factor.h"
#include "kagi_err.h"
#include "keycheck.h"
#include "totp_factor.h"

struct keycheck {
	struct kagid_ctx *ctx;
	int tried;
	int opened;
};

static int
try_one(const struct token_rec *t, const char *user, void *arg)
{
	struct keycheck *k = arg;
	int r;

	k->tried++;
	r = t->type == TOKEN_TOTP ? totp_factor_sealed_to(k->ctx, user, t) :
	    fido2_factor_sealed_to(k->ctx, user, t);
	if (r == 0)
		k->opened++;
	else if (r != KAGI_ERR_CRYPTO && r != KAGI_ERR_INVALID)
		return r;
	return 0;
}

int
keycheck_run(struct kagid_ctx *ctx, char *why, size_t whylen)
{
	struct keycheck k = { ctx, 0, 0 };
	int r;

	if ((r = store_begin_read(ctx->store)) != 0)
		return r;
	r = store_token_newest(ctx->store, KEYCHECK_TOKENS, try_one, &k);
	(void)store_end_read(ctx->store);
	if (r != 0)
		return r;
	if (k.tried > 0 && k.opened == 0) {
		snprintf(why, whylen, "the sealing key opens none of the %d "
		    "newest tokens in the store: it is not the key they were "
		    "sealed with (every kagid on one store needs the same "
		    "key file: copy it from a running core, README)",
		    k.tried);
		return KAGI_ERR_CRYPTO;
	}
	return 0;
}
