/*
 * lifecycle.h - a user's life in kagi (lifecycle.c): role changes
 * (R-TOK-5, R-PRIV-5), off-boarding (R-TOK-3), lost tokens (R-TOK-2) and
 * the re-enabling dormancy counts from (R-TOK-6).
 */
#ifndef KAGI_LIFECYCLE_H
#define KAGI_LIFECYCLE_H

#include <stdint.h>

#include "ctx.h"
#include "peer.h"
#include "store.h"

/* What an off-boarding took away. */
struct lifecycle_offboarded {
	int64_t tokens;		/* tokens revoked */
	int64_t breakglass;	/* break-glass codes revoked */
	int64_t sessions;	/* open sessions told to end */
};

/*
 * Off-board u: disabled, every token revoked, its enrollment code and
 * break-glass codes gone, its open sessions ended, one "offboard"
 * record; u->disabled is set.  When it had break-glass codes, the
 * break-glass file is rewritten after the commit.
 */
int lifecycle_offboard(struct kagid_ctx *ctx, const struct peer *peer,
    struct user_rec *u, struct lifecycle_offboarded *out);

/*
 * u reports token id lost: revoked at once, with a "token_lost" record.
 * KAGI_ERR_NOT_FOUND when it is not u's, KAGI_ERR_STATE when it is
 * revoked already.  On success *t is the revoked token (token_rec_clear
 * it); on failure *t is cleared.
 */
int lifecycle_token_lost(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, int64_t id, struct token_rec *t);
/*
 * The caller's own kagi account (*u): its SO_PEERCRED name, never one a
 * request names.  KAGI_ERR_NOT_FOUND when the caller is no kagi user.
 */
int lifecycle_caller_user(struct kagid_ctx *ctx, const struct peer *peer,
    struct user_rec *u);
/*
 * The caller reports their own token id lost (R-TOK-2): the kagi user
 * is the caller's SO_PEERCRED name, never one the request names; the
 * token is revoked at once and the "token_lost" record (reported_by
 * "user") has alert priority, so the alert hook runs: someone holding
 * the key may try it.  KAGI_ERR_NOT_FOUND when the caller is no kagi
 * user or the token is not theirs (logged); KAGI_ERR_STATE when revoked
 * already.  *u and *t as lifecycle_token_lost() leaves them.
 */
int lifecycle_token_lost_own(struct kagid_ctx *ctx, const struct peer *peer,
    int64_t id, struct user_rec *u, struct token_rec *t);

/*
 * u's role becomes role, and every token u holds is revoked (*revoked of
 * them), with one "role_change" record; u->role is set.  The caller has
 * checked that the role changes and passed the two-person rule.
 */
int lifecycle_role_change(struct kagid_ctx *ctx, const struct peer *peer,
    struct user_rec *u, int role, int64_t *revoked);

/* A user was enabled: dormancy counts from now (maint.c). */
int lifecycle_note_enable(struct kagid_ctx *ctx, int64_t user_id);

#endif
