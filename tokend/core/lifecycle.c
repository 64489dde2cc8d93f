/*
 * lifecycle.c - a user's life in kagi: role changes (R-TOK-5, R-PRIV-5),
 * off-boarding (R-TOK-3), lost tokens (R-TOK-2), and the re-enabling
 * that dormancy counts from (R-TOK-6).
 *
 * Guarantees:
 *  - each runs inside its request's savepoint: the change and its audit
 *    record commit together or not at all;
 *  - a role change revokes every token the user holds, in the same step
 *    as the change and its "role_change" record: credentials issued
 *    under one role never serve another (R-PRIV-5);
 *  - off-boarding disables the user and revokes every token, the
 *    enrollment code and the break-glass codes in one audited step, and
 *    the user's open sessions end once it commits (R-TOK-3);
 *  - a lost token is revoked at once; the next authentication anywhere
 *    fails, since nothing outside the store remembers it (R-TOK-2);
 *  - taking access away never waits for a second person, whatever the
 *    user's role: stopping access is always the safe direction.
 *    Granting or removing the privileged role, and making a user a
 *    vendor, pass the two-person rule (approval.c) before they get here.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "gateway.h"
#include "breakglass.h"
#include "clock.h"
#include "kagi_err.h"
#include "lifecycle.h"
#include "log.h"
#include "names.h"
#include "proto.h"
#include "session.h"
#include "store_life.h"
#include "store_policy.h"
#include "username.h"

struct revoke_all {
	int64_t ids[256];
	size_t n;
	int more;
};

static int
collect_cb(const struct token_rec *t, void *arg)
{
	struct revoke_all *ra = arg;

	if (t->state == TOKEN_REVOKED)
		return 0;
	if (ra->n == sizeof(ra->ids) / sizeof(ra->ids[0])) {
		ra->more = 1;
		return 1;
	}
	ra->ids[ra->n++] = t->id;
	return 0;
}

/* Revoke every token of user_id that is not revoked; *count of them. */
static int
revoke_all(struct kagid_ctx *ctx, int64_t user_id, int64_t *count)
{
	struct revoke_all ra;
	size_t i;
	int r;

	*count = 0;
	/* Collect first: the token list holds its statement while it runs. */
	do {
		memset(&ra, 0, sizeof(ra));
		r = store_token_list(ctx->store, user_id, -1, collect_cb, &ra);
		if (r < 0)
			return r;
		for (i = 0; i < ra.n; i++)
			if ((r = store_token_set_state(ctx->store, ra.ids[i],
			    TOKEN_REVOKED)) != 0)
				return r;
		*count += (int64_t)ra.n;
	} while (ra.more);
	return 0;
}

int
lifecycle_offboard(struct kagid_ctx *ctx, const struct peer *peer,
    struct user_rec *u, struct lifecycle_offboarded *out)
{
	struct json_object *f = NULL;
	int64_t now = kagi_now();
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = store_user_set_disabled(ctx->store, u->id, 1)) != 0 ||
	    (r = revoke_all(ctx, u->id, &out->tokens)) != 0 ||
	    (r = store_enroll_code_delete(ctx->store, u->id)) != 0 ||
	    (r = store_bg_code_revoke_user(ctx->store, u->id, now,
	    &out->breakglass)) != 0)
		return r;
	if (out->breakglass > 0)
		breakglass_mark_dirty(ctx);
	/* Open sessions end in this same step, once it commits (R-TOK-3). */
	if ((r = session_end_user(ctx, u->name, "offboard",
	    &out->sessions)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "tokens_revoked", out->tokens)) == 0 &&
	    (r = proto_set_int(f, "breakglass_revoked",
	    out->breakglass)) == 0 &&
	    (r = proto_set_int(f, "sessions_ended", out->sessions)) == 0 &&
	    (r = audit_record(ctx, peer, LOG_NOTICE, "offboard", u->name,
	    f)) == 0)
		u->disabled = 1;
	json_object_put(f);
	return r;
}

/* Revoke u's token id as lost, recorded at prio; by: who reported it. */
static int
token_lost(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, int64_t id, struct token_rec *t, int prio,
    const char *by)
{
	struct json_object *f = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = store_token_get(ctx->store, id, t)) != 0)
		goto out;
	if (t->user_id != u->id) {
		r = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (t->state == TOKEN_REVOKED) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	if ((r = store_token_set_state(ctx->store, t->id,
	    TOKEN_REVOKED)) != 0)
		goto out;
	t->state = TOKEN_REVOKED;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "token", t->id)) != 0 ||
	    (r = proto_set_str(f, "label", t->label)) != 0 ||
	    (r = proto_set_str(f, "reported_by", by)) != 0)
		goto out;
	if ((r = audit_record(ctx, peer, prio, "token_lost", u->name,
	    f)) != 0)
		goto out;
	r = gateway_key_revoked(ctx, u, t);
 out:
	json_object_put(f);
	if (r != 0)
		token_rec_clear(t);
	return r;
}

int
lifecycle_token_lost(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, int64_t id, struct token_rec *t)
{
	return token_lost(ctx, peer, u, id, t, LOG_WARNING, "administrator");
}

int
lifecycle_caller_user(struct kagid_ctx *ctx, const struct peer *peer,
    struct user_rec *u)
{
	char mine[STORE_NAME_MAX + 1];

	if (peer->name[0] == '\0' || user_canonical(peer->name, mine) != 0)
		return KAGI_ERR_NOT_FOUND;
	return store_user_get(ctx->store, mine, u);
}

int
lifecycle_token_lost_own(struct kagid_ctx *ctx, const struct peer *peer,
    int64_t id, struct user_rec *u, struct token_rec *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = lifecycle_caller_user(ctx, peer, u)) != 0)
		return r;
	/* Another user's token is "no such token of yours": no more said. */
	if ((r = token_lost(ctx, peer, u, id, t, LOG_ALERT, "user")) ==
	    KAGI_ERR_NOT_FOUND)
		kagi_warn("uid %u (%s) reported token %lld lost, which is not "
		    "theirs: refused", (unsigned)peer->uid, u->name,
		    (long long)id);
	return r;
}

int
lifecycle_role_change(struct kagid_ctx *ctx, const struct peer *peer,
    struct user_rec *u, int role, int64_t *revoked)
{
	struct json_object *f = NULL;
	int r, privileged = role == ROLE_PRIVILEGED ||
	    u->role == ROLE_PRIVILEGED;

	*revoked = 0;
	if ((r = store_user_set_role(ctx->store, u->id, role)) != 0 ||
	    (r = revoke_all(ctx, u->id, revoked)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "from", role_name(u->role))) == 0 &&
	    (r = proto_set_str(f, "to", role_name(role))) == 0 &&
	    (r = proto_set_int(f, "revoked", *revoked)) == 0 &&
	    (r = audit_record(ctx, peer, privileged ? LOG_WARNING :
	    LOG_NOTICE, "role_change", u->name, f)) == 0)
		u->role = role;
	json_object_put(f);
	return r;
}

int
lifecycle_note_enable(struct kagid_ctx *ctx, int64_t user_id)
{
	return store_user_set_enabled_at(ctx->store, user_id, kagi_now());
}
