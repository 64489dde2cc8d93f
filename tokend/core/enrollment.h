/*
 * enrollment.h - enrollment codes (R-TOK-4): issuing one, what a code
 * typed at log-in may turn out to be besides a TOTP code, and a user
 * enrolling their own FIDO2 key with one (enrollment.c).
 */
#ifndef KAGI_ENROLLMENT_H
#define KAGI_ENROLLMENT_H

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "store.h"

/* What a typed code turned out to be, besides a TOTP code. */
enum code_took {
	CODE_TOOK_NONE = 0,	/* neither: a wrong code */
	CODE_TOOK_ENROLL = 1,	/* an enrollment code: reply says "enroll" */
	CODE_TOOK_LOGIN = 2	/* a break-glass code: log in */
};

/*
 * Called by auth_totp for a code no TOTP token matched, for an enabled,
 * unlocked user.  Each records what it did; *took says what happened.
 */
int enroll_code_try(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *code, struct json_object *reply,
    int *took);

/*
 * Issue u a new enrollment code, replacing any it had, with a record:
 * reply gets "user", "code" (shown this once) and "expires".
 * KAGI_ERR_STATE for a privileged or disabled user.
 */
int enroll_code_issue(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *reply);

/*
 * The caller (peer) enrolls its own FIDO2 key with its enrollment code:
 * asked is the request's "user" or NULL, and must name the caller's own
 * account.  begin answers as fido2_reg_begin(); finish as
 * fido2_reg_finish() with req, and spends the code with the key it
 * stores.  A disabled or locked account, or a code that is not good
 * (wrong, used, expired, a privileged user's), is refused in reply's
 * "refused", with a record; the code stays as it was.
 */
int enroll_self_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *reply);
int enroll_self_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *req,
    struct json_object *reply);

#endif
