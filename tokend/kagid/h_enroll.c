/*
 * h_enroll.c - enrollment (R-TOK-4): enroll_code_issue, a user enrolling
 * their own FIDO2 key with a code (enroll_fido2_begin / _finish), and
 * auth_enroll, the log-in that finishes enrolling a TOTP authenticator.
 *
 * The code's handlers read their fields and call enrollment.c, which
 * decides who gets a code and what one is good for, and fido2_reg.c,
 * which registers a key enrolled with one.  A code typed at
 * log-in (enroll_code_try()) leaves a pending TOTP token; auth_enroll
 * succeeds only when it brings a right code from that new
 * authenticator, within pending_lifetime of the code's presentation.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "clock.h"
#include "enrollment.h"
#include "fido2_reg.h"
#include "handlers.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "store_life.h"
#include "totp_factor.h"
#include "username.h"
#include "wipe.h"

int
h_enroll_code_issue(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	const char *name = NULL;
	int r;

	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &name)) != 0)
		return r;
	if (!user_name_valid(name))
		return KAGI_ERR_INVALID;
	if ((r = store_user_get(ctx->store, name, &u)) != 0)
		return r;
	return enroll_code_issue(ctx, peer, &u, reply);
}

/* A user's own FIDO2 key, with a code (fido2_reg.c, enrollment.c). */

int
h_enroll_fido2_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *label = NULL, *code = NULL, *asked = NULL;
	int r;

	if ((r = proto_get_str_opt(req, "label", STORE_LABEL_MAX,
	    &label)) != 0 ||
	    (r = proto_get_str(req, "code", KAGI_FIELD_MAX, &code)) != 0 ||
	    (r = proto_get_str_opt(req, "user", KAGI_NAME_MAX, &asked)) != 0)
		return r;
	return fido2_reg_self_begin(ctx, peer, asked, code, reply);
}

int
h_enroll_fido2_finish(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *code = NULL, *asked = NULL;
	int r;

	if ((r = proto_get_str(req, "code", KAGI_FIELD_MAX, &code)) != 0 ||
	    (r = proto_get_str_opt(req, "user", KAGI_NAME_MAX, &asked)) != 0)
		return r;
	return fido2_reg_self_finish(ctx, peer, asked, code, req, reply);
}

/* The "auth" record of an enrollment log-in. */
static int
enroll_audit(struct kagid_ctx *ctx, const struct peer *peer,
    const char *user, const char *service, const char *outcome,
    const char *reason)
{
	struct json_object *f;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "outcome", outcome)) == 0 &&
	    (r = proto_set_str(f, "reason", reason)) == 0 &&
	    (r = proto_set_str(f, "service", service)) == 0 &&
	    (r = proto_set_str(f, "factor", "enroll")) == 0)
		r = audit_record(ctx, peer, strcmp(outcome, "success") == 0 ?
		    LOG_INFO : LOG_NOTICE, "auth", user, f);
	json_object_put(f);
	return r;
}

int
h_auth_enroll(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct enroll_code_rec e;
	struct token_rec t;
	struct user_rec u;
	struct lock_rec l;
	struct json_object *f = NULL;
	const char *user = NULL, *service = NULL, *code = NULL, *reason;
	enum totp_result res = TOTP_WRONG;
	int64_t now = kagi_now(), token = 0;
	int r, locked;

	memset(&t, 0, sizeof(t));
	memset(&e, 0, sizeof(e));
	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &user)) != 0 ||
	    (r = proto_get_str(req, "service", KAGI_NAME_MAX, &service)) != 0 ||
	    (r = proto_get_int(req, "token", 1, INT64_MAX, &token)) != 0 ||
	    (r = proto_get_str(req, "code", KAGI_FIELD_MAX, &code)) != 0)
		return r;
	if (!peer_may_verify(peer, user))
		return KAGI_ERR_DENIED;
	if ((r = store_user_get(ctx->store, user, &u)) != 0) {
		if (r != KAGI_ERR_NOT_FOUND)
			return r;
		if ((r = enroll_audit(ctx, peer, user, service, "failure",
		    "unknown_user")) != 0)
			return r;
		return proto_set_str(reply, "verdict", VERDICT_DENIED);
	}
	if ((r = store_lock_get(ctx->store, u.id, &l)) != 0)
		return r;
	reason = u.disabled ? "disabled" : lockout_is_locked(&l, now) ?
	    "locked" : NULL;
	if (reason == NULL) {
		r = store_enroll_code_get(ctx->store, u.id, &e);
		if (r != 0 && r != KAGI_ERR_NOT_FOUND)
			goto out;
		if (r != 0 || e.used == 0 || e.token_id != token ||
		    now - e.used > ctx->cfg->pending_lifetime)
			reason = "no_enrollment";
	}
	if (reason == NULL) {
		if ((r = store_token_get(ctx->store, token, &t)) != 0)
			goto out;
		if (t.user_id != u.id || t.state != TOKEN_PENDING)
			reason = "no_enrollment";
	}
	if (reason == NULL) {
		/* Activated, and the step spent, when the code is right. */
		if ((r = totp_check(ctx, &u, &t, code, now, TOTP_ACTIVATE,
		    &res)) != 0)
			goto out;
		if (res == TOTP_WRONG)
			reason = "bad_code";
		else if (res == TOTP_REPLAY) {
			r = KAGI_ERR_REPLAY;
			goto out;
		}
	}
	if (reason == NULL) {
		lockout_record_success(&l);
		if ((r = store_lock_put(ctx->store, u.id, &l)) != 0 ||
		    (r = store_user_set_success(ctx->store, u.id, now)) != 0 ||
		    (r = enroll_audit(ctx, peer, u.name, service, "success",
		    "ok")) != 0)
			goto out;
		if ((f = json_object_new_object()) == NULL) {
			r = KAGI_ERR_NOMEM;
			goto out;
		}
		if ((r = proto_set_int(f, "token", t.id)) != 0 ||
		    (r = audit_record(ctx, peer, LOG_NOTICE, "token_activate",
		    u.name, f)) != 0)
			goto out;
		r = proto_set_str(reply, "verdict", VERDICT_SUCCESS);
		goto out;
	}
	/* A refusal counts like a wrong TOTP code, and may lock. */
	if ((r = enroll_audit(ctx, peer, u.name, service, "failure",
	    reason)) != 0)
		goto out;
	locked = lockout_record_failure(&l, &ctx->lockout, now);
	if ((r = store_lock_put(ctx->store, u.id, &l)) != 0)
		goto out;
	if (locked) {
		if ((f = json_object_new_object()) == NULL) {
			r = KAGI_ERR_NOMEM;
			goto out;
		}
		if ((r = proto_set_int(f, "lock_count", l.lock_count)) != 0 ||
		    (r = audit_record(ctx, peer, LOG_ALERT, "lockout", u.name,
		    f)) != 0)
			goto out;
	}
	r = proto_set_str(reply, "verdict", VERDICT_DENIED);
 out:
	json_object_put(f);
	token_rec_clear(&t);
	kagi_wipe_obj(&e);
	return r;
}
