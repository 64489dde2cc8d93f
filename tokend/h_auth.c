/*
 * h_auth.c - deciding a log-in: auth_begin, auth_totp, account.
 *
 * The order of checks in auth_totp is the policy:
 *   1. the caller may verify this user (root, or the user itself);
 *   2. an unknown, disabled or locked user is refused without the code
 *      being looked at (a locked user's attempt still counts, so a lock
 *      cannot be waited out by guessing);
 *   3. the code is normalised (full-width digits) and matched against each
 *      active TOTP token within the window;
 *   4. a matched step is accepted only if it is later than the token's
 *      last accepted step (replay), atomically in the store;
 *   5. a failure is counted and may lock; a success clears the count.
 * Every outcome is an audit record in the same transaction.  What the
 * person at the terminal sees is the same for every refusal.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "clock.h"
#include "dispatch.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "proto_ops.h"
#include "seal.h"
#include "totp.h"
#include "wipe.h"

struct auth_req {
	const char *user;
	const char *service;
	const char *tty;
	const char *rhost;
	const char *zone;
};

static const char *const zones[] = { "mynumber", "lgwan", "internet", NULL };

static int
auth_req_parse(struct json_object *req, struct auth_req *a)
{
	int r, i;

	memset(a, 0, sizeof(*a));
	a->zone = "mynumber";
	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &a->user)) != 0 ||
	    (r = proto_get_str(req, "service", KAGI_NAME_MAX,
	    &a->service)) != 0 ||
	    (r = proto_get_str_opt(req, "tty", KAGI_FIELD_MAX, &a->tty)) != 0 ||
	    (r = proto_get_str_opt(req, "rhost", KAGI_FIELD_MAX,
	    &a->rhost)) != 0 ||
	    (r = proto_get_str_opt(req, "zone", KAGI_NAME_MAX, &a->zone)) != 0)
		return r;
	for (i = 0; zones[i] != NULL; i++)
		if (strcmp(zones[i], a->zone) == 0)
			return 0;
	return KAGI_ERR_INVALID;
}

/* The fields every authentication record carries. */
static struct json_object *
auth_fields(const struct auth_req *a, const char *outcome, const char *reason)
{
	struct json_object *f = json_object_new_object();

	if (f == NULL)
		return NULL;
	if (proto_set_str(f, "outcome", outcome) != 0 ||
	    proto_set_str(f, "reason", reason) != 0 ||
	    proto_set_str(f, "service", a->service) != 0 ||
	    proto_set_str(f, "zone", a->zone) != 0 ||
	    (a->tty != NULL && proto_set_str(f, "tty", a->tty) != 0) ||
	    (a->rhost != NULL && proto_set_str(f, "rhost", a->rhost) != 0)) {
		json_object_put(f);
		return NULL;
	}
	return f;
}

static int
auth_audit(struct kagid_ctx *ctx, const struct peer *peer,
    const struct auth_req *a, const char *outcome, const char *reason,
    const char *factor)
{
	struct json_object *f;
	int r;

	if ((f = auth_fields(a, outcome, reason)) == NULL)
		return KAGI_ERR_NOMEM;
	if (factor != NULL && (r = proto_set_str(f, "factor", factor)) != 0)
		goto out;
	r = audit_record(ctx, peer,
	    strcmp(outcome, "success") == 0 ? LOG_INFO : LOG_NOTICE,
	    "auth", a->user, f);
out:
	json_object_put(f);
	return r;
}

struct totp_match {
	struct kagid_ctx *ctx;
	const char *user;
	const char *code;	/* raw, as typed */
	int64_t now;
	int matched;		/* a token matched the code */
	int replay;		/* ... but its step was already used */
	int64_t token;
	int err;
};

static int
totp_try_token(const struct token_rec *t, void *arg)
{
	struct totp_match *m = arg;
	char aad[STORE_NAME_MAX + 16];
	char code[TOTP_CODE_MAX + 1];
	uint8_t *secret = NULL;
	size_t secret_len = 0;
	int64_t step = 0;
	int r;

	if (t->type != TOKEN_TOTP)
		return 0;
	if (totp_normalise_code(m->code, t->digits, code) != 0)
		return 0;	/* not this token's length: try the next */
	snprintf(aad, sizeof(aad), "totp:%s", m->user);
	if ((r = unseal(m->ctx->key, aad, strlen(aad), t->sealed,
	    t->sealed_len, &secret, &secret_len)) != 0) {
		kagi_error("token %lld of user %s does not unseal: %s",
		    (long long)t->id, m->user, kagi_strerror(r));
		m->err = r;
		goto out;
	}
	r = totp_verify(secret, secret_len, t->algorithm, t->digits,
	    t->period, (int)m->ctx->cfg->totp_window, m->now, code, &step);
	if (r == KAGI_ERR_BAD_CODE) {
		r = 0;
		goto out;
	}
	if (r != 0) {
		m->err = r;
		goto out;
	}
	m->matched = 1;
	m->token = t->id;
	r = store_token_accept_step(m->ctx->store, t->id, step, m->now);
	if (r == KAGI_ERR_REPLAY) {
		m->replay = 1;
		r = 0;
		goto out;
	}
	if (r != 0) {
		m->err = r;
		goto out;
	}
	m->replay = 0;
	r = 1;		/* accepted: stop */
out:
	kagi_free_secret(secret, secret_len);
	kagi_wipe(code, sizeof(code));
	return r;
}

/* Count a failure; lock when the policy says so, with its own record. */
static int
auth_fail(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct auth_req *a, const char *reason,
    int64_t now)
{
	struct lock_rec l;
	struct json_object *f = NULL;
	int r, locked;

	if ((r = auth_audit(ctx, peer, a, "failure", reason, "totp")) != 0)
		return r;
	if ((r = store_lock_get(ctx->store, u->id, &l)) != 0)
		return r;
	locked = lockout_record_failure(&l, &ctx->lockout, now);
	if ((r = store_lock_put(ctx->store, u->id, &l)) != 0)
		return r;
	if (!locked)
		return 0;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "locked_until",
	    l.locked_until == LOCK_UNTIL_ADMIN ? -1 : l.locked_until)) != 0 ||
	    (r = proto_set_int(f, "lock_count", l.lock_count)) != 0 ||
	    (a->rhost != NULL && (r = proto_set_str(f, "rhost", a->rhost)) != 0))
		goto out;
	/* audit_priority() raises a privileged account's lock to LOG_ALERT. */
	r = audit_record(ctx, peer, LOG_WARNING, "lockout", u->name, f);
out:
	json_object_put(f);
	return r;
}

int
h_auth_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct auth_req a;
	int r;

	if ((r = auth_req_parse(req, &a)) != 0)
		return r;
	if (!peer_may_verify(peer, a.user))
		return KAGI_ERR_DENIED;
	/* The same answer for every user: nothing is learnt from it. */
	if ((r = proto_set_str(reply, "method", "totp")) != 0 ||
	    (r = proto_set_int(reply, "digits", ctx->cfg->totp_digits)) != 0)
		return r;
	return 0;
}

int
h_auth_totp(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct auth_req a;
	struct user_rec u;
	struct lock_rec l;
	struct totp_match m;
	const char *code = NULL;
	const char *verdict = VERDICT_DENIED;
	int64_t now = kagi_now();
	int r;

	if ((r = auth_req_parse(req, &a)) != 0)
		return r;
	/* An empty answer is a wrong code, not a malformed request. */
	if ((r = proto_get_str_opt(req, "code", KAGI_FIELD_MAX, &code)) != 0) {
		struct json_object *c = NULL;
		if (!json_object_object_get_ex(req, "code", &c) ||
		    !json_object_is_type(c, json_type_string) ||
		    json_object_get_string_len(c) != 0)
			return r;
		code = "";
	}
	if (code == NULL)
		return KAGI_ERR_INVALID;
	if (!peer_may_verify(peer, a.user))
		return KAGI_ERR_DENIED;

	r = store_user_get(ctx->store, a.user, &u);
	if (r == KAGI_ERR_NOT_FOUND) {
		r = auth_audit(ctx, peer, &a, "failure", "unknown_user", NULL);
		goto out;
	}
	if (r != 0)
		return r;
	if (u.disabled) {
		r = auth_audit(ctx, peer, &a, "failure", "disabled", NULL);
		goto out;
	}
	if ((r = store_lock_get(ctx->store, u.id, &l)) != 0)
		return r;
	if (lockout_is_locked(&l, now)) {
		r = auth_fail(ctx, peer, &u, &a, "locked", now);
		goto out;
	}
	/* R-LOG-4: TOTP needs the right time; kagid.conf may refuse it. */
	if (ctx->clock_known && !ctx->clock_synced &&
	    ctx->cfg->totp_when_unsynced == UNSYNCED_REFUSE) {
		r = auth_audit(ctx, peer, &a, "failure", "clock_unsynced",
		    "totp");
		goto out;
	}

	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	m.user = u.name;
	m.code = code;
	m.now = now;
	r = store_token_list(ctx->store, u.id, TOKEN_ACTIVE, totp_try_token, &m);
	if (r < 0)
		return r;
	if (m.err != 0)
		return m.err;
	if (m.matched && !m.replay) {
		lockout_record_success(&l);
		if ((r = store_lock_put(ctx->store, u.id, &l)) != 0 ||
		    (r = store_user_set_success(ctx->store, u.id, now)) != 0 ||
		    (r = auth_audit(ctx, peer, &a, "success", "ok", "totp")) != 0)
			return r;
		verdict = VERDICT_SUCCESS;
		goto out;
	}
	r = auth_fail(ctx, peer, &u, &a, m.replay ? "replay" : "bad_code", now);
out:
	if (r != 0)
		return r;
	return proto_set_str(reply, "verdict", verdict);
}

struct has_token {
	int any;
};

static int
has_token_cb(const struct token_rec *t, void *arg)
{
	struct has_token *h = arg;

	(void)t;
	h->any = 1;
	return 1;
}

int
h_account(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct auth_req a;
	struct user_rec u;
	struct lock_rec l;
	struct has_token h = { 0 };
	const char *verdict;
	int r;

	if ((r = auth_req_parse(req, &a)) != 0)
		return r;
	if (!peer_may_verify(peer, a.user))
		return KAGI_ERR_DENIED;
	r = store_user_get(ctx->store, a.user, &u);
	if (r == KAGI_ERR_NOT_FOUND)
		return proto_set_str(reply, "verdict", VERDICT_UNKNOWN);
	if (r != 0)
		return r;
	if ((r = store_lock_get(ctx->store, u.id, &l)) != 0)
		return r;
	r = store_token_list(ctx->store, u.id, TOKEN_ACTIVE, has_token_cb, &h);
	if (r < 0)
		return r;
	if (u.disabled)
		verdict = VERDICT_DISABLED;
	else if (lockout_is_locked(&l, kagi_now()))
		verdict = VERDICT_LOCKED;
	else if (!h.any)
		verdict = VERDICT_UNENROLLED;
	else
		verdict = VERDICT_OK;
	return proto_set_str(reply, "verdict", verdict);
}
