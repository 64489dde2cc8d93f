/*
 * enrollment.h - enrollment codes (R-TOK-4): issuing one, what a code
 * typed at log-in may turn out to be besides a TOTP code, and a user
 * enrolling their own FIDO2 key with one (enrollment.c).
 */
#ifndef KAGI_ENROLLMENT_H
#define KAGI_ENROLLMENT_H

#include <stdint.h>

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
 * May the caller (peer) enroll its own FIDO2 key with code now?  asked
 * is the request's "user" or NULL, and must name the caller's own account
 * (KAGI_ERR_DENIED otherwise, or when the caller has no name); *u is that
 * account.  *why is NULL when it may, else "disabled", "locked",
 * "bad_code", "used", "expired" or "privileged".  Nothing is changed.
 */
int enroll_self_check(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct user_rec *u,
    const char **why);
/*
 * The caller's own kagi account *u: named by the peer (SO_PEERCRED),
 * never by the request; asked (the request's "user", or NULL) must name
 * the same account, else KAGI_ERR_DENIED (logged).
 */
int enroll_self_user(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, struct user_rec *u);
/* A refused self-enrollment: reply's "refused" says why; a record. */
int enroll_self_refuse(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *why, struct json_object *reply);
/* u's code is spent on the key stored as token, with a record. */
int enroll_code_spend(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, int64_t token);

#endif
