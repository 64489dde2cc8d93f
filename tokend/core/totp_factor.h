/*
 * totp_factor.h - the TOTP factor: making a token's seed and checking a
 * typed code against it (R-MFA-1, R-TOK-4, R-TOK-8).
 *
 * One of the two places that use the sealing key (the other is
 * fido2_factor.c): a seed is made from the OpenSSL random generator,
 * sealed before it is stored, unsealed only to check a code, and wiped on
 * every path.  Log-in, token confirmation and enrollment at log-in all
 * check a code through totp_check(), so normalisation, the window, the
 * step spent at most once and the activation of a pending token mean the
 * same thing everywhere.
 */
#ifndef KAGI_TOTP_FACTOR_H
#define KAGI_TOTP_FACTOR_H

#include <stdint.h>

#include "ctx.h"
#include "store.h"

/* What a new token is made with. */
struct totp_settings {
	int algorithm;		/* enum totp_alg */
	int digits;		/* 6 or 8 */
	int period;		/* seconds */
	int state;		/* TOKEN_PENDING, or TOKEN_ACTIVE */
	const char *label;
};

/*
 * Make a TOTP token for u with a fresh seed, sealed, and store it: *t
 * receives the stored record (its id set; t->sealed owned: clear it with
 * token_rec_clear()), *uri the otpauth:// URI that carries the seed to
 * the person enrolling (free with kagi_free_str()).  Nothing is handed
 * over on failure.
 */
int totp_token_new(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct totp_settings *s, int64_t now, struct token_rec *t,
    char **uri);

/*
 * A secret another program kept (an import: kagictl import
 * google-authenticator, pam-oath) as an active TOTP token of u, sealed
 * like totp_token_new()'s; *t as there.  The caller checked the secret's
 * length (totp_secret_decode()) and wipes it.
 */
int totp_token_import(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct totp_settings *s, const uint8_t *secret, size_t len,
    int64_t now, struct token_rec *t);

/* What totp_check() found. */
enum totp_result {
	TOTP_ACCEPTED = 0,	/* the code matched; its step is now spent */
	TOTP_WRONG = 1,		/* not this token's code (or not a code) */
	TOTP_REPLAY = 2		/* the code matched a step already spent */
};

/* What to do with a pending token whose code matched. */
enum totp_mode {
	TOTP_LOG_IN = 0,	/* active tokens only: a pending one is a
				 * replay (its step cannot be spent) */
	TOTP_ACTIVATE = 1	/* confirmation, enrollment: make it active,
				 * then spend the step */
};

/*
 * Check typed against token t of user u at now: normalise it (full-width
 * digits, exactly t->digits digits), unseal the seed, match it within
 * totp_window steps, and spend the matched step in the store (a step is
 * accepted at most once per token, even by two log-ins at once).
 * *result says what was found; the return is 0, or an error (a seed that
 * does not unseal, a store failure): the caller then refuses.
 */
int totp_check(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct token_rec *t, const char *typed, int64_t now,
    enum totp_mode mode, enum totp_result *result);

/*
 * The work of totp_check() on a token that is not there, for a name that
 * is no user, a user without a TOTP token or a locked one (issue 13: a
 * refusal takes as long whatever it refuses): a throw-away seed sealed
 * and unsealed under the sealing key, bound to name, and a code matched
 * against it within the window.  Changes nothing; 0 unless the crypto
 * fails.
 */
int totp_check_dummy(struct kagid_ctx *ctx, const char *name, int64_t now);

/*
 * 0 when t's sealed secret opens under user's name, as a log-in would
 * open it; KAGI_ERR_CRYPTO when it does not (a row copied or moved to
 * another user, R-TOK-1).  The secret is wiped at once (compliance.c).
 */
int totp_factor_sealed_to(struct kagid_ctx *ctx, const char *user,
    const struct token_rec *t);

#endif
