/*
 * fido2_factor.h - the FIDO2 factor: storing a credential's public key,
 * sealed, and verifying a log-in's assertion against it (R-MFA-1,
 * R-PRIV-2, R-INC-1, R-TOK-1, R-TOK-8).
 */
#ifndef KAGI_FIDO2_FACTOR_H
#define KAGI_FIDO2_FACTOR_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "challenge.h"
#include "ctx.h"
#include "fido2.h"
#include "fido2_wire.h"
#include "login.h"
#include "peer.h"
#include "store.h"

/*
 * Seal pk (bound to "fido2:<user>") into t and store t with credential f
 * as a token of u; *id its id.  KAGI_ERR_EXISTS when the credential is
 * registered already, to u or anyone else (R-TOK-1): nothing is stored.
 */
int fido2_factor_add(struct kagid_ctx *ctx, const struct user_rec *u,
    const uint8_t *pk, size_t pk_len, struct token_rec *t,
    const struct fido2_rec *f, int64_t *id);

/*
 * Seal an OpenSSH security key's wire form k->blob and its attestation
 * att (bound to "sshkey:<user>") into t and store t with k as a token of
 * u; *id its id.  KAGI_ERR_EXISTS when the key is enrolled already, to
 * anyone (R-TOK-1).
 */
int fido2_factor_sshkey_add(struct kagid_ctx *ctx, const struct user_rec *u,
    const uint8_t *att, size_t att_len, struct token_rec *t,
    const struct sshkey_rec *k, int64_t *id);
/*
 * 0 when SSH key token t opens under user's name and sealed the key k
 * names; KAGI_ERR_CRYPTO when not (a row moved to another user, a key
 * written into the store by hand).  What opened is wiped at once.
 */
int fido2_factor_sshkey_sealed_to(struct kagid_ctx *ctx, const char *user,
    const struct token_rec *t, const struct sshkey_rec *k);

/*
 * Verify the answer an to challenge chal for user u (known, enabled, not
 * locked: the caller checked).  0 with *reason NULL: accepted, *token the
 * token and *factors the factors it proved (FACTOR_POSSESSION, _KNOWLEDGE,
 * _INHERENCE); 0 with *reason set: refused, and why ("unknown_credential",
 * "foreign_credential", "revoked", "relying_party", "uv_missing",
 * "bad_assertion", "cloned", "replay"); an error otherwise.
 */
int fido2_factor_verify(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a,
    const uint8_t chal[CHAL_LEN], const struct fido2_answer *an,
    const char **reason, int64_t *token, unsigned *factors);

/*
 * fido2_cred_walk() lists a user's FIDO2 credentials the same way for the
 * log-in challenge (the keys that may answer) and for registration (the
 * keys the authenticator must not register again).
 */
struct fido2_cred_walk {
	struct kagid_ctx *ctx;
	struct json_object *ids;	/* base64 IDs, or NULL */
	int only_active;
	int fido2;			/* active FIDO2 credentials seen */
	int totp;			/* active TOTP tokens seen */
	int err;
};

/* Walk the tokens of user_id: count its active FIDO2 credentials and
 * TOTP tokens, and append the base64 ID of each FIDO2 credential (of the
 * active ones only when only_active) to w->ids unless it is NULL.  The
 * caller zeroes w and sets w->ids first.  0, or the first error. */
int fido2_cred_walk(struct kagid_ctx *ctx, int64_t user_id, int only_active,
    struct fido2_cred_walk *w);

/*
 * 0 when t's sealed secret (a FIDO2 key's, or an SSH key's
 * attestation) opens under user's name, as a log-in would
 * open it; KAGI_ERR_CRYPTO when it does not (a row copied or moved to
 * another user, R-TOK-1).  The secret is wiped at once (compliance.c).
 */
int fido2_factor_sealed_to(struct kagid_ctx *ctx, const char *user,
    const struct token_rec *t);

#endif
