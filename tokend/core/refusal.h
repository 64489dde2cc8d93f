/*
 * refusal.h - a refusal that says why, and stays on record.
 *
 * A rule that refuses a request calls refusal_set(): the caller gets the
 * code, a sentence (naming the rule, the setting and the requirement ID)
 * and a stable reason word in the error reply ("reason"), and the
 * refusal is an audit record ("refused", or the event given) written
 * after the request's own changes are rolled back, so it stays while
 * they go (dispatch.c calls refusal_commit()).  A refused approval may
 * also mark its request failed (refusal_fail_request()), visibly, in the
 * same step.
 *
 * One refusal per request: the first refusal_set() wins (the rule that
 * decided first is the one that says why).  A request that succeeds
 * drops whatever refusal a rule set on the way.
 */
#ifndef KAGI_REFUSAL_H
#define KAGI_REFUSAL_H

#include <stdint.h>

#include "ctx.h"
#include "peer.h"

/* struct refusal is in ctx.h (one per kagid context). */

/*
 * Refuse with err (returned, so that a rule can `return refusal_set(...)`),
 * the reason word, the kagi user concerned (or NULL) and the message.
 */
int refusal_set(struct kagid_ctx *ctx, int err, const char *reason,
    const char *user, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Put text (printf) before the refusal's message. */
void refusal_prefix(struct kagid_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The refusal also marks request id failed (approval.c). */
void refusal_fail_request(struct kagid_ctx *ctx, int64_t id);
/* The audit event to write instead of "refused". */
void refusal_event(struct kagid_ctx *ctx, const char *event);

/* Forget any refusal (dispatch.c, before each request). */
void refusal_clear(struct kagid_ctx *ctx);
/* The refusal set for this request, or NULL. */
const struct refusal *refusal_get(const struct kagid_ctx *ctx);
/*
 * After the request's savepoint was rolled back: in a savepoint of its
 * own, mark the request failed (when asked) and write the record
 * {op, reason, message[, request]}.  0 when there was nothing to do.
 */
int refusal_commit(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op);

#endif
