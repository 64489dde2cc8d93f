/*
 * h_life.c - a user's life in kagi: role changes (R-TOK-5), off-boarding
 * (R-TOK-3) and lost tokens (R-TOK-2).
 *
 * Each is one request, so one savepoint: the change and its audit record
 * commit together or not at all.  Granting or removing the privileged
 * role, and making a user a vendor, pass the two-person rule first.
 * Taking access away never waits for a second person: off-boarding and a
 * lost token act at once, whatever the user's role, because stopping
 * access is always the safe direction.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "breakglass.h"
#include "clock.h"
#include "describe.h"
#include "handlers.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "maint.h"
#include "proto.h"
#include "session.h"
#include "store_life.h"
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

struct revoke_all {
	struct store *store;
	int64_t n;
};

static int
revoke_cb(const struct token_rec *t, void *arg)
{
	struct revoke_all *ra = arg;
	int r;

	if (t->state == TOKEN_REVOKED)
		return 0;
	if ((r = store_token_set_state(ra->store, t->id, TOKEN_REVOKED)) != 0)
		return r;
	ra->n++;
	return 0;
}

int
h_user_offboard(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *f = NULL, *uo = NULL;
	struct revoke_all ra = { ctx->store, 0 };
	struct user_rec u;
	int64_t now = kagi_now(), bg = 0, sessions = 0;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0)
		return r;
	if ((r = store_user_set_disabled(ctx->store, u.id, 1)) != 0 ||
	    (r = store_token_list(ctx->store, u.id, -1, revoke_cb, &ra)) != 0 ||
	    (r = store_enroll_code_delete(ctx->store, u.id)) != 0 ||
	    (r = store_bg_code_revoke_user(ctx->store, u.id, now, &bg)) != 0)
		return r;
	/* Open sessions end in this same step, once it commits (R-TOK-3). */
	if ((r = session_end_user(ctx, u.name, "offboard", &sessions)) != 0)
		return r;
	if (bg > 0)
		breakglass_mark_dirty();
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "tokens_revoked", ra.n)) != 0 ||
	    (r = proto_set_int(f, "breakglass_revoked", bg)) != 0 ||
	    (r = proto_set_int(f, "sessions_ended", sessions)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "offboard", u.name,
	    f)) != 0)
		goto out;
	u.disabled = 1;
	if ((r = user_to_json(ctx, &u, &uo)) != 0 ||
	    (r = proto_set_int(reply, "revoked", ra.n)) != 0)
		goto out;
	json_object_object_add(reply, "user", uo);
	uo = NULL;
 out:
	json_object_put(uo);
	json_object_put(f);
	return r;
}

int
h_token_lost(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *f = NULL, *to = NULL;
	struct user_rec u;
	struct token_rec t;
	int64_t id = 0;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = proto_get_int(req, "token", 1, INT64_MAX, &id)) != 0 ||
	    (r = store_token_get(ctx->store, id, &t)) != 0)
		goto out;
	if (t.user_id != u.id) {
		r = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (t.state == TOKEN_REVOKED) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	if ((r = store_token_set_state(ctx->store, t.id, TOKEN_REVOKED)) != 0)
		goto out;
	t.state = TOKEN_REVOKED;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "token", t.id)) != 0 ||
	    (r = proto_set_str(f, "label", t.label)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_WARNING, "token_lost", u.name,
	    f)) != 0 ||
	    (r = token_to_json(&t, u.name, &to)) != 0)
		goto out;
	json_object_object_add(reply, "token", to);
 out:
	json_object_put(f);
	token_rec_clear(&t);
	return r;
}

int
lifecycle_note_enable(struct kagid_ctx *ctx, int64_t user_id)
{
	return store_user_set_enabled_at(ctx->store, user_id, kagi_now());
}
