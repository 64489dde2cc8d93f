/*
 * h_life.c - off-boarding (R-TOK-3) and lost tokens (R-TOK-2): the
 * requests user_offboard, token_lost and token_lost_own (a user's own
 * token, named by SO_PEERCRED).
 *
 * Each reads its user and token and calls lifecycle.c, which decides and
 * records; a role change is h_policy.c's user_role.  Neither waits for a
 * second person: taking access away acts at once.
 */
#include "config.h"


#include "describe.h"
#include "handlers.h"
#include "kagi_err.h"
#include "lifecycle.h"
#include "proto.h"
#include "username.h"

static int
req_user(struct kagid_ctx *ctx, struct json_object *req, struct user_rec *u)
{
	const char *name = NULL;
	int r;

	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &name)) != 0)
		return r;
	if (!user_name_valid(name))
		return KAGI_ERR_INVALID;
	return store_user_get(ctx->store, name, u);
}

int
h_user_offboard(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct lifecycle_offboarded out;
	struct json_object *uo = NULL;
	struct user_rec u;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = lifecycle_offboard(ctx, peer, &u, &out)) != 0)
		return r;
	if ((r = user_to_json(ctx, &u, &uo)) != 0)
		return r;
	if ((r = proto_set_int(reply, "revoked", out.tokens)) != 0) {
		json_object_put(uo);
		return r;
	}
	json_object_object_add(reply, "user", uo);
	return 0;
}

/* The revoked token as the reply carries it; t cleared. */
static int
lost_reply(struct token_rec *t, const struct user_rec *u,
    struct json_object *reply)
{
	struct json_object *to = NULL;
	int r;

	if ((r = token_to_json(t, u->name, &to)) == 0)
		json_object_object_add(reply, "token", to);
	token_rec_clear(t);
	return r;
}

int
h_token_lost(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	struct token_rec t;
	int64_t id = 0;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = proto_get_int(req, "token", 1, INT64_MAX, &id)) != 0 ||
	    (r = lifecycle_token_lost(ctx, peer, &u, id, &t)) != 0)
		return r;
	return lost_reply(&t, &u, reply);
}

int
h_token_lost_own(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	struct token_rec t;
	int64_t id = 0;
	int r;

	if ((r = proto_get_int(req, "token", 1, INT64_MAX, &id)) != 0 ||
	    (r = lifecycle_token_lost_own(ctx, peer, id, &u, &t)) != 0)
		return r;
	return lost_reply(&t, &u, reply);
}
