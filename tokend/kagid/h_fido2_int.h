/*
 * h_fido2_int.h - what the two FIDO2 handler files share, and no one else
 * may use: h_fido2.c (log-in) and h_fido2_enroll.c (enrollment, import).
 * Not part of kagid's handler interface (dispatch.h, h_auth.h).
 *
 * fido2_cred_walk() lists a user's FIDO2 credentials the same way for the
 * log-in challenge (the keys that may answer) and for registration (the
 * keys the authenticator must not register again).
 */
#ifndef KAGI_H_FIDO2_INT_H
#define KAGI_H_FIDO2_INT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"

#define FIDO2_METHOD "fido2"

/* The names of enum fido2_uv_policy, in its order, as sent to clients. */
extern const char *const fido2_uv_policy_names[];

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

#endif
