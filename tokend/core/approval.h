/*
 * approval.h - the two-person rule (R-PRIV-3, R-LOG-5): which acts need a
 * second person, and the requests that hold them until one approves.
 */
#ifndef KAGI_APPROVAL_H
#define KAGI_APPROVAL_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"

/* No role: the target does not exist yet, or the act gives no role. */
#define APPROVAL_NO_ROLE (-1)

/*
 * The act (an APPROVE_* bit of kagid_config.h, 0 for none) that op is,
 * done to a user whose role is role, giving it the role new_role (each an
 * enum user_role or APPROVAL_NO_ROLE).  KAGI_ERR_NOT_FOUND when op has no
 * row in the table: no request can hold it, none can carry it out.
 */
int approval_act(const char *op, int role, int new_role, unsigned *act);
/* The acts that need a second person: approval_required and the
 * mandatory ones, which no configuration leaves out. */
unsigned approval_mask(const struct kagid_config *cfg);
/* 1 when op, done to role giving new_role, needs a second person. */
int approval_needed(const struct kagid_config *cfg, const char *op,
    int role, int new_role);

/*
 * The gate every listed operation passes after its own checks: req is the
 * request as received (its "op" names the row), role and new_role as
 * above.  Returns 0 when the handler may act (the act needs nobody else,
 * or it is the approved request being carried out), APPROVAL_PENDING when
 * a request was stored and described in reply (the handler then returns 0
 * without acting), or an error.
 */
#define APPROVAL_PENDING 1
int approval_gate(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, int role, int new_role,
    struct json_object *reply);

/*
 * R-PRIV-3: an administrator never unlocks, enrolls a token or an
 * enrollment code for, issues break-glass codes for, re-enables, or
 * gives a role or vendor access to their own account (person.h: the
 * caller's user name, or its login uid's).  req is the request as
 * received; 0 when it may go on, else a refusal (refusal.h).  Called for
 * every administrative request before its handler (dispatch.c).
 */
int approval_refuse_self(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req);

struct request_rec;
/*
 * The approved request being carried out (its id and requester), or
 * NULL outside an approval: for an act whose approval grants a
 * permission instead of acting (fido2_reg.c, privileged enrollment).
 */
const struct request_rec *approval_executing(const struct kagid_ctx *ctx);

/* Every request, as "requests" in reply. */
int approval_list(struct kagid_ctx *ctx, struct json_object *reply);
/* Request id, as "request" in reply. */
int approval_show(struct kagid_ctx *ctx, int64_t id,
    struct json_object *reply);
/*
 * peer approves request id: the stored request is carried out by
 * ctx->approval_replay(op) in the caller's savepoint, with the decision
 * and its record; reply gets "request" and the act's own reply as
 * "result".  Refused (with a refusal that says why) when peer is no
 * person, is the requester, owns the target or is not in the act's
 * approver group; an act that cannot be carried out marks the request
 * failed (after the rollback: refusal_commit()).
 */
int approval_approve(struct kagid_ctx *ctx, const struct peer *peer,
    int64_t id, struct json_object *reply);
/* peer rejects request id, for reason (NULL: none given). */
int approval_reject(struct kagid_ctx *ctx, const struct peer *peer,
    int64_t id, const char *reason, struct json_object *reply);

/* Mark pending requests past their expiry expired, with a record. */
int approval_expire_due(struct kagid_ctx *ctx);

#endif
