/*
 * h_breakglass.c - break-glass requests: breakglass_issue, _list, _report
 * (core/breakglass.c decides; R-EXC-1, R-INC-1).
 */
#include "config.h"

#include <stdint.h>

#include "approval.h"
#include "breakglass.h"
#include "handlers.h"
#include "kagi_err.h"
#include "proto.h"
#include "store_life.h"
#include "username.h"

int
h_breakglass_issue(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	const char *name = NULL;
	int r;

	if (!ctx->cfg->breakglass)
		return KAGI_ERR_STATE;
	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &name)) != 0)
		return r;
	if (!user_name_valid(name))
		return KAGI_ERR_INVALID;
	if ((r = store_user_get(ctx->store, name, &u)) != 0)
		return r;
	if ((r = approval_gate(ctx, peer, req, u.role, APPROVAL_NO_ROLE,
	    reply)) != 0)
		return r == APPROVAL_PENDING ? 0 : r;
	return breakglass_issue(ctx, peer, &u, reply);
}

int
h_breakglass_list(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	(void)req;
	return breakglass_list(ctx, reply);
}

int
h_breakglass_report(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *reason = NULL;
	int64_t id = 0;
	int r;

	if ((r = proto_get_int(req, "id", 1, INT64_MAX, &id)) != 0 ||
	    (r = proto_get_str(req, "reason", REQ_REASON_MAX, &reason)) != 0)
		return r;
	return breakglass_report(ctx, peer, id, reason, reply);
}
