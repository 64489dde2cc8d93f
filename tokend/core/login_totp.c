/*
 * login_totp.c - the TOTP log-in and the first log-in with an enrollment
 * code (login.h).
 *
 * The order of auth_totp after the shared checks (login_precheck()):
 *   1. with a clock kagid knows to be unsynchronised and
 *      totp_when_unsynced = refuse, the code is not looked at (R-LOG-4);
 *   2. the code is matched against each active TOTP token in turn
 *      (totp_check(): normalised, within the window, its step spent at
 *      most once, atomically in the store);
 *   3. a code no token matched may be the user's enrollment code
 *      (enrollment.c: the reply then leads through enrollment) or one of
 *      its break-glass codes (breakglass.c: a log-in, audited as such);
 *   4. anything else is a failure ("bad_code", or "replay" for a step
 *      already spent), counted (login_fail()).
 * A success, by a token's code or a break-glass code, or the first code
 * of a token enrolled at log-in, is provisional (login_provisional()):
 * the account phase confirms it.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "breakglass.h"
#include "enrollment.h"
#include "kagi_err.h"
#include "lockout.h"
#include "login.h"
#include "policy.h"
#include "proto.h"
#include "proto_ops.h"
#include "store_life.h"
#include "totp_factor.h"
#include "wipe.h"

struct totp_match {
	struct kagid_ctx *ctx;
	const struct user_rec *u;
	const char *code;	/* raw, as typed */
	int64_t now;
	int matched;		/* a token matched the code */
	int replay;		/* ... but its step was already used */
	int err;
};

static int
totp_try_token(const struct token_rec *t, void *arg)
{
	struct totp_match *m = arg;
	enum totp_result res = TOTP_WRONG;
	int r;

	if ((r = totp_check(m->ctx, m->u, t, m->code, m->now, TOTP_LOG_IN,
	    &res)) != 0) {
		m->err = r;
		return r;
	}
	if (res == TOTP_WRONG)
		return 0;	/* try the next token */
	m->matched = 1;
	m->replay = res == TOTP_REPLAY;
	return res == TOTP_ACCEPTED;	/* accepted: stop */
}

int
login_totp(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *code, int64_t now,
    struct json_object *reply, const char **verdict)
{
	struct user_rec u;
	struct lock_rec l;
	struct totp_match m;
	const char *factor = "totp";
	int r, took;

	if ((r = login_precheck(ctx, peer, a, FACTOR_TOTP, now, &u, &l,
	    verdict)) != 0 || *verdict != NULL)
		return r;
	*verdict = VERDICT_DENIED;
	/* R-LOG-4: TOTP needs the right time; kagid.conf may refuse it. */
	if (ctx->clock_known && !ctx->clock_synced &&
	    ctx->cfg->totp_when_unsynced == UNSYNCED_REFUSE)
		return login_record(ctx, peer, a, "failure", "clock_unsynced",
		    "totp");

	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	m.u = &u;
	m.code = code;
	m.now = now;
	r = store_token_list(ctx->store, u.id, TOKEN_ACTIVE, totp_try_token, &m);
	if (r < 0)
		return r;
	if (m.err != 0)
		return m.err;
	if (!m.matched) {
		took = CODE_TOOK_NONE;
		if ((r = enroll_code_try(ctx, peer, &u, code, reply,
		    &took)) != 0 || (took == CODE_TOOK_NONE &&
		    (r = breakglass_try(ctx, peer, &u, code, &took)) != 0))
			return r;
		if (took == CODE_TOOK_ENROLL) {
			*verdict = NULL;	/* reply says "enroll" */
			return 0;
		}
		m.matched = took == CODE_TOOK_LOGIN;
		factor = m.matched ? "breakglass" : factor;
	}
	/* Provisional until the account phase confirms it (login_confirm.c). */
	if (m.matched && !m.replay) {
		*verdict = VERDICT_SUCCESS;
		return login_provisional(ctx, peer, &u, a, "totp", factor, NULL,
		    now, reply);
	}
	return login_fail(ctx, peer, &u, a, m.replay ? "replay" : "bad_code",
	    "totp", now);
}

/* The "auth" record of an enrollment log-in. */
static int
enroll_record(struct kagid_ctx *ctx, const struct peer *peer,
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

/*
 * Why u may not finish enrolling token with code now, or NULL when the
 * code was right: the token is then active and the step spent.
 */
static int
enroll_check(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct lock_rec *l, int64_t token, const char *code, int64_t now,
    const char **reason)
{
	struct enroll_code_rec e;
	struct token_rec t;
	enum totp_result res = TOTP_WRONG;
	int r;

	memset(&t, 0, sizeof(t));
	memset(&e, 0, sizeof(e));
	*reason = u->disabled ? "disabled" : lockout_is_locked(l, now) ?
	    "locked" : NULL;
	if (*reason != NULL)
		return 0;
	r = store_enroll_code_get(ctx->store, u->id, &e);
	if (r != 0 && r != KAGI_ERR_NOT_FOUND)
		goto out;
	if (r != 0 || e.used == 0 || e.token_id != token ||
	    now - e.used > ctx->cfg->pending_lifetime) {
		*reason = "no_enrollment";
		r = 0;
		goto out;
	}
	if ((r = store_token_get(ctx->store, token, &t)) != 0)
		goto out;
	if (t.user_id != u->id || t.state != TOKEN_PENDING) {
		*reason = "no_enrollment";
		goto out;
	}
	/* Activated, and the step spent, when the code is right. */
	if ((r = totp_check(ctx, u, &t, code, now, TOTP_ACTIVATE,
	    &res)) != 0)
		goto out;
	if (res == TOTP_WRONG)
		*reason = "bad_code";
	else if (res == TOTP_REPLAY)
		r = KAGI_ERR_REPLAY;
 out:
	token_rec_clear(&t);
	kagi_wipe_obj(&e);
	return r;
}

int
login_enroll(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, int64_t token, const char *code, int64_t now,
    struct json_object *reply, const char **verdict)
{
	const char *user = a->user, *service = a->service;
	struct user_rec u;
	struct lock_rec l;
	struct json_object *f = NULL;
	const char *reason = NULL;
	int r, locked;

	*verdict = VERDICT_DENIED;
	r = a->name_ok ? store_user_get(ctx->store, user, &u) :
	    KAGI_ERR_NOT_FOUND;
	if (r != 0) {
		if (r != KAGI_ERR_NOT_FOUND)
			return r;
		return enroll_record(ctx, peer, user, service, "failure",
		    "unknown_user");
	}
	if ((r = store_lock_get(ctx->store, u.id, &l)) != 0 ||
	    (r = enroll_check(ctx, &u, &l, token, code, now, &reason)) != 0)
		return r;
	/*
	 * The token is active; the log-in is provisional like any other:
	 * the account phase confirms it, which forgives and records it.
	 */
	if (reason == NULL) {
		if ((f = json_object_new_object()) == NULL)
			return KAGI_ERR_NOMEM;
		if ((r = proto_set_int(f, "token", token)) == 0 &&
		    (r = audit_record(ctx, peer, LOG_NOTICE, "token_activate",
		    u.name, f)) == 0 &&
		    (r = login_provisional(ctx, peer, &u, a, "totp", "enroll",
		    f, now, reply)) == 0)
			*verdict = VERDICT_SUCCESS;
		json_object_put(f);
		return r;
	}
	/* A refusal counts like a wrong TOTP code, and may lock. */
	if ((r = enroll_record(ctx, peer, u.name, service, "failure",
	    reason)) != 0)
		return r;
	locked = lockout_record_failure(&l, &ctx->lockout, now);
	if ((r = store_lock_put(ctx->store, u.id, &l)) != 0 || !locked)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "lock_count", l.lock_count)) == 0)
		r = audit_record(ctx, peer, LOG_ALERT, "lockout", u.name, f);
	json_object_put(f);
	return r;
}
