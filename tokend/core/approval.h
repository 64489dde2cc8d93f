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

/*
 * The two-person rule.  act is an APPROVE_* bit (0: nothing to approve).
 * Returns 0 when the handler may act (the act needs no approval, or an
 * approved request is being carried out), REQUEST_CREATED when a request
 * was stored and described in reply (the handler then returns 0 without
 * acting), or an error.
 */
#define REQUEST_CREATED 1
int request_gate(struct kagid_ctx *ctx, const struct peer *peer,
    unsigned act, struct json_object *req, struct json_object *reply);

struct request_rec;
/*
 * The approved request being carried out (its id and requester), or
 * NULL outside an approval: for an act whose approval grants a
 * permission instead of acting (h_fido2.c, privileged enrollment).
 */
const struct request_rec *request_executing(void);

/* Mark pending requests past their expiry expired, with a record. */
int request_expire_due(struct kagid_ctx *ctx);

#endif
