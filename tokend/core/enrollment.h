/*
 * enrollment.h - enrollment codes (R-TOK-4): what a code typed at log-in
 * may turn out to be besides a TOTP code, and spending one.
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

#endif
