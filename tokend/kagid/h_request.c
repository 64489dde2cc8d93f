/*
 * h_request.c - the requests of the two-person rule (R-PRIV-3, R-LOG-5):
 * request_list, request_show, request_approve, request_reject.
 *
 * Each reads its fields and calls approval.c, which decides: who may
 * approve, which requests can be carried out and when one has expired.
 * An approved request is carried out by the handler dispatch.c's table
 * names for its operation (ctx->approval_replay, set by kagid.c).
 */
#include "config.h"

#include "approval.h"
#include "handlers.h"
#include "kagi_err.h"
#include "proto.h"
#include "store_life.h"

int
h_request_list(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	(void)req;
	return approval_list(ctx, reply);
}

int
h_request_show(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	int64_t id = 0;
	int r;

	(void)peer;
	if ((r = proto_get_int(req, "id", 1, INT64_MAX, &id)) != 0)
		return r;
	return approval_show(ctx, id, reply);
}

int
h_request_approve(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	int64_t id = 0;
	int r;

	if ((r = proto_get_int(req, "id", 1, INT64_MAX, &id)) != 0)
		return r;
	return approval_approve(ctx, peer, id, reply);
}

int
h_request_reject(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *reason = NULL;
	int64_t id = 0;
	int r;

	if ((r = proto_get_str_opt(req, "reason", REQ_REASON_MAX,
	    &reason)) != 0 ||
	    (r = proto_get_int(req, "id", 1, INT64_MAX, &id)) != 0)
		return r;
	return approval_reject(ctx, peer, id, reason, reply);
}
