/*
 * login.c - the steps every log-in shares, and account (login.h).
 *
 * The TOTP and enrollment flows are in login_totp.c, auth_begin and the
 * FIDO2 flow in login_fido2.c; what a failure counts toward is failures.c's, the
 * address's throttle throttle.c's, a vendor's terms vendor.c's.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "breakglass.h"
#include "failures.h"
#include "kagi_err.h"
#include "lockout.h"
#include "login.h"
#include "names.h"
#include "policy.h"
#include "proto.h"
#include "proto_ops.h"
#include "store_session.h"
#include "throttle.h"
#include "totp_factor.h"
#include "username.h"
#include "vendor.h"

int
login_req_parse(struct json_object *req, struct login_req *a)
{
	const char *raw = NULL;
	int r;

	memset(a, 0, sizeof(*a));
	a->zone = kagi_zone_names[ZONE_MYNUMBER];
	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &raw)) != 0 ||
	    (r = proto_get_str(req, "service", KAGI_NAME_MAX,
	    &a->service)) != 0 ||
	    (r = proto_get_str_opt(req, "tty", KAGI_FIELD_MAX, &a->tty)) != 0 ||
	    (r = proto_get_str_opt(req, "rhost", KAGI_FIELD_MAX,
	    &a->rhost)) != 0 ||
	    (r = proto_get_str_opt(req, "zone", KAGI_NAME_MAX, &a->zone)) != 0)
		return r;
	a->name_ok = user_canonical(raw, a->user) == 0;
	if (!a->name_ok)
		snprintf(a->user, sizeof(a->user), "%s", raw);
	return zone_from_name(a->zone, &a->zone_idx);
}

struct json_object *
login_fields(const struct login_req *a, const char *outcome,
    const char *reason)
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

int
login_record(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *outcome, const char *reason,
    const char *factor)
{
	struct json_object *f;
	int r;

	if ((f = login_fields(a, outcome, reason)) == NULL)
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

/* One failure from the caller's address; at the limit, the throttle's
 * alert record. */
static int
throttle_failure(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, int64_t now)
{
	struct json_object *f = NULL;
	int64_t until = 0;
	int r;

	if ((r = throttle_count(ctx->store, ctx->cfg->throttle_failures,
	    ctx->cfg->throttle_interval, a->rhost, now, &until)) != 0 ||
	    until == 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "rhost", a->rhost)) != 0 ||
	    (r = proto_set_int(f, "until", until)) != 0 ||
	    (r = proto_set_str(f, "service", a->service)) != 0)
		goto out;
	r = audit_record(ctx, peer, LOG_ALERT, "throttle", NULL, f);
out:
	json_object_put(f);
	return r;
}

/*
 * Hold the answer to this failure as its record asks (lockout_delay_ms():
 * growing with the failures of the interval, the longest while locked);
 * server.c sends it then, without waiting in its loop.
 */
static void
login_hold(struct kagid_ctx *ctx, const struct lock_rec *l, int64_t now)
{
	int64_t ms = lockout_delay_ms(&ctx->delay, l, now);

	if (ms > ctx->hold_ms)
		ctx->hold_ms = ms;
}

/*
 * The lockout record of the lock o caused, for name (role: its role's
 * name, NULL for a name that is no user).  scope: "remote" closes log-ins
 * with an address only, "account" every log-in; sources: the addresses
 * that caused it.  A lock caused by more than one source is an attack: an
 * alert (R-INC-1); audit_priority() raises a privileged account's lock to
 * LOG_ALERT too.
 */
static int
lockout_record(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name, const char *role, const struct login_req *a,
    const struct failure_outcome *o)
{
	struct json_object *f;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "locked_until",
	    o->lock.locked_until == LOCK_UNTIL_ADMIN ? -1 :
	    o->lock.locked_until)) == 0 &&
	    (r = proto_set_int(f, "lock_count", o->lock.lock_count)) == 0 &&
	    (r = (role != NULL ? proto_set_str(f, "role", role) :
	    proto_set_bool(f, "unknown_user", 1))) == 0 &&
	    (r = proto_set_str(f, "scope", o->remote ? "remote" :
	    "account")) == 0 &&
	    (r = proto_set_int(f, "sources", o->sources)) == 0 &&
	    (a->rhost == NULL || (r = proto_set_str(f, "rhost",
	    a->rhost)) == 0))
		r = audit_record(ctx, peer, o->sources > 1 ? LOG_ALERT :
		    LOG_WARNING, "lockout", name, f);
	json_object_put(f);
	return r;
}

int
login_fail(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a, const char *reason,
    const char *factor, int64_t now)
{
	const struct fail_subject who = { u->id, NULL, 0 };
	struct failure_outcome o;
	struct json_object *f = NULL;
	int r;

	if ((r = failures_count(ctx->store, failures_policy(ctx, u->role),
	    &who, a->rhost, factor, a->service, now, &o)) != 0)
		return r;
	login_hold(ctx, &o.lock, now);
	if ((f = login_fields(a, "failure", reason)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "factor", factor)) != 0 ||
	    (r = proto_set_str(f, "role", role_name(u->role))) != 0 ||
	    (!o.counted && (r = proto_set_bool(f, "counted", 0)) != 0) ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "auth", a->user,
	    f)) != 0 ||
	    (r = throttle_failure(ctx, peer, a, now)) != 0 || !o.locked)
		goto out;
	r = lockout_record(ctx, peer, u->name, role_name(u->role), a, &o);
out:
	json_object_put(f);
	return r;
}

static int
count_cb(const struct token_rec *t, void *arg)
{
	int64_t *n = arg;

	if (t->type == TOKEN_TOTP)
		(*n)++;
	return 0;
}

/*
 * Every TOTP attempt lists the user's active tokens; one that no token
 * will check (a name that is no user, a user without an active TOTP
 * token, refused: a locked user) then does the work of a wrong code
 * (issue 13, item 6).  user_id 0 lists nobody's tokens.
 */
static int
totp_same_work(struct kagid_ctx *ctx, int64_t user_id, const char *name,
    int64_t now, int refused)
{
	int64_t n = 0;
	int r;

	r = store_token_list(ctx->store, user_id, TOKEN_ACTIVE, count_cb, &n);
	if (r < 0)
		return r;
	if (n > 0 && !refused)
		return 0;	/* the real check follows */
	return totp_check_dummy(ctx, name, now);
}

/*
 * A name that is no user, or a disabled user: refused without the factor
 * being looked at, after the work a wrong code takes; an unknown name's
 * failure is counted under its own records (failures.c) and held as a
 * user's would be; both count toward the address's throttle.
 */
static int
refuse_unknown(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, unsigned factor, const struct user_rec *u,
    int64_t now)
{
	const struct fail_subject who = { 0, a->user,
	    ctx->cfg->unknown_names_max };
	struct failure_outcome o;
	int r;

	memset(&o, 0, sizeof(o));
	if (factor == FACTOR_TOTP &&
	    (r = totp_same_work(ctx, 0, a->user, now, 1)) != 0)
		return r;
	if (u == NULL) {
		if ((r = failures_count(ctx->store, failures_policy(ctx,
		    ROLE_STAFF), &who, a->rhost, policy_factor_name(factor),
		    a->service, now, &o)) != 0)
			return r;
		login_hold(ctx, &o.lock, now);
	}
	if ((r = login_record(ctx, peer, a, "failure", u != NULL ?
	    "disabled" : "unknown_user", NULL)) != 0 ||
	    (r = throttle_failure(ctx, peer, a, now)) != 0 || !o.locked)
		return r;
	/* A name's lock is recorded as a user's: a flood on names that are
	 * no user, from several addresses, is an alert too (R-INC-1). */
	return lockout_record(ctx, peer, a->user, NULL, a, &o);
}

static int
lock_same(const struct lock_rec *a, const struct lock_rec *b)
{
	return a->failures == b->failures &&
	    a->first_failure == b->first_failure &&
	    a->locked_until == b->locked_until &&
	    a->lock_count == b->lock_count && a->relock == b->relock;
}

/*
 * When the session opened for the previous log-in ended (R-MFA-5):
 * "last_ended" in reply, 0 while it is still open; nothing when no
 * session was seen for it (pam_kagi's session part not in the stack, or
 * a log-in that never opened one).
 */
static int
last_session(struct kagid_ctx *ctx, const struct login_rec *l,
    struct json_object *reply)
{
	struct session_rec s;
	int r;

	if (l->time == 0 || l->session == 0)
		return 0;
	r = store_session_get(ctx->store, l->session, &s);
	if (r == KAGI_ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return r;
	return proto_set_int(reply, "last_ended", s.ended);
}

/*
 * R-MFA-5: put the previous success (time, where from, factors, when its
 * session ended) and the failed attempts since into the reply, then make
 * this one the last.  Where is the remote host, else the terminal.
 */
static int
last_login(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct login_req *a, const char *factors, int64_t now,
    struct json_object *reply)
{
	struct login_rec l;
	int r;

	if ((r = store_login_get(ctx->store, u->id, &l)) != 0)
		return r;
	if ((r = proto_set_int(reply, "last_time", l.time)) != 0 ||
	    (l.time != 0 && l.place[0] != '\0' &&
	    (r = proto_set_str(reply, "last_from", l.place)) != 0) ||
	    (l.time != 0 && l.factors[0] != '\0' &&
	    (r = proto_set_str(reply, "last_factors", l.factors)) != 0) ||
	    (r = last_session(ctx, &l, reply)) != 0 ||
	    (r = proto_set_int(reply, "failures_since", l.failures)) != 0)
		return r;
	memset(&l, 0, sizeof(l));
	l.time = now;
	snprintf(l.place, sizeof(l.place), "%s", login_place(a->rhost, a->tty));
	snprintf(l.factors, sizeof(l.factors), "%s", factors);
	snprintf(l.service, sizeof(l.service), "%s", a->service);
	return store_login_put(ctx->store, u->id, &l);
}

const char *
login_place(const char *rhost, const char *tty)
{
	return rhost != NULL && rhost[0] != '\0' ? rhost :
	    tty != NULL ? tty : "";
}

int
login_succeed(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct login_req *a, const char *factor, const char *label,
    int64_t now, struct lock_rec *l, struct json_object *reply)
{
	struct lock_rec before = *l;
	int r;

	/* Nothing forgiven (the usual case): no lock row to write. */
	if ((r = failures_forgive(ctx->store, u->id, factor, a->service,
	    l)) != 0 ||
	    (!lock_same(&before, l) &&
	    (r = store_lock_put(ctx->store, u->id, l)) != 0) ||
	    (r = last_login(ctx, u, a, label, now, reply)) != 0)
		return r;
	return store_user_set_success(ctx->store, u->id, now);
}

/* The request's "user" as a caller who may verify only itself sees it:
 * canonical when it has a canonical form, else as sent (NULL: none). */
static const char *
caller_target(struct json_object *req, char name[STORE_NAME_MAX + 1])
{
	const char *raw = NULL;

	if (proto_get_str(req, "user", KAGI_NAME_MAX, &raw) != 0)
		return NULL;
	if (user_canonical(raw, name) != 0)
		return raw;
	return name;
}

int
login_caller_may(const struct peer *peer, struct json_object *req)
{
	char name[STORE_NAME_MAX + 1];
	const char *user;

	if (peer->classes & PEER_VERIFIER)
		return 1;
	user = caller_target(req, name);
	return user != NULL && peer_may_verify(peer, user);
}

int
login_caller_check(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op, struct json_object *req)
{
	char name[STORE_NAME_MAX + 1];
	const char *user, *service = NULL, *rhost = NULL;
	struct json_object *f;
	int r;

	if (login_caller_may(peer, req))
		return 0;
	/* Malformed fields are the handler's to refuse; here only recorded
	 * when present. */
	if (proto_get_str_opt(req, "service", KAGI_NAME_MAX, &service) != 0)
		service = NULL;
	if (proto_get_str_opt(req, "rhost", KAGI_FIELD_MAX, &rhost) != 0)
		rhost = NULL;
	user = caller_target(req, name);
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "outcome", "failure")) == 0 &&
	    (r = proto_set_str(f, "reason", "caller_not_allowed")) == 0 &&
	    (r = proto_set_str(f, "op", op)) == 0 &&
	    (service == NULL || (r = proto_set_str(f, "service",
	    service)) == 0) &&
	    (rhost == NULL || (r = proto_set_str(f, "rhost", rhost)) == 0))
		r = audit_record(ctx, peer, LOG_WARNING, "auth", user, f);
	json_object_put(f);
	return r != 0 ? r : KAGI_ERR_DENIED;
}

/* The alert for a vendor refused at phase ("auth" or "account"). */
static int
vendor_refused(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *why, const char *phase)
{
	struct json_object *f;
	int r;

	if ((f = login_fields(a, "failure", why)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "phase", phase)) == 0)
		r = audit_record(ctx, peer, LOG_ALERT, "vendor_refused",
		    a->user, f);
	json_object_put(f);
	return r;
}

/*
 * NULL when the zone and the role allow factor as the second factor,
 * else which of them forbids it.
 */
static const char *
factor_forbidden_by(const struct kagid_ctx *ctx, const struct user_rec *u,
    const struct login_req *a, unsigned factor)
{
	if ((ctx->cfg->zone_factors[a->zone_idx] & factor) == 0)
		return "zone";
	if (u->role == ROLE_PRIVILEGED && factor != FACTOR_FIDO2)
		return "role";
	return NULL;
}

unsigned
login_factors_allowed(const struct kagid_ctx *ctx, const struct user_rec *u,
    const struct login_req *a)
{
	unsigned allowed = 0;

	if (factor_forbidden_by(ctx, u, a, FACTOR_FIDO2) == NULL)
		allowed |= FACTOR_FIDO2;
	if (factor_forbidden_by(ctx, u, a, FACTOR_TOTP) == NULL)
		allowed |= FACTOR_TOTP;
	return allowed;
}

int
login_precheck(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, unsigned factor, int64_t now,
    struct user_rec *u, struct lock_rec *l, const char **verdict)
{
	const char *fname = policy_factor_name(factor);
	const char *why = NULL, *rule;
	struct fail_subject who = { 0, NULL, 0 };
	struct json_object *f;
	int r, throttled = 0, locked = 0;

	*verdict = VERDICT_DENIED;
	if ((r = throttle_active(ctx->store, a->rhost, now, &throttled)) != 0)
		return r;
	if (throttled) {
		*verdict = VERDICT_THROTTLED;
		return login_record(ctx, peer, a, "failure", "throttled", NULL);
	}
	r = a->name_ok ? store_user_get(ctx->store, a->user, u) :
	    KAGI_ERR_NOT_FOUND;
	if (r == KAGI_ERR_NOT_FOUND || (r == 0 && u->disabled))
		return refuse_unknown(ctx, peer, a, factor, r == 0 ? u : NULL,
		    now);
	if (r != 0)
		return r;
	who.user_id = u->id;
	if ((r = failures_locked(ctx->store, &who, a->rhost, now, l,
	    &locked)) != 0)
		return r;
	/* As long as a wrong code takes, locked or not, tokens or none. */
	if (factor == FACTOR_TOTP && (r = totp_same_work(ctx, u->id, u->name,
	    now, locked != 0)) != 0)
		return r;
	if (locked)
		return login_fail(ctx, peer, u, a, locked == FAIL_LOCKED ?
		    "locked" : "locked_remote", fname, now);
	if ((r = vendor_terms(ctx, u, a->rhost, now, &why)) != 0)
		return r;
	if (why != NULL) {
		if ((r = vendor_refused(ctx, peer, a, why, "auth")) != 0)
			return r;
		return login_record(ctx, peer, a, "failure", why, fname);
	}
	if ((rule = factor_forbidden_by(ctx, u, a, factor)) != NULL) {
		if ((f = login_fields(a, "failure", "factor_not_allowed")) ==
		    NULL)
			return KAGI_ERR_NOMEM;
		if ((r = proto_set_str(f, "factor", fname)) == 0 &&
		    (r = proto_set_str(f, "rule", rule)) == 0 &&
		    (r = proto_set_str(f, "role", role_name(u->role))) == 0)
			r = audit_record(ctx, peer, LOG_WARNING, "auth", a->user,
			    f);
		json_object_put(f);
		return r;
	}
	*verdict = NULL;
	return 0;
}

static int
has_token_cb(const struct token_rec *t, void *arg)
{
	int *any = arg;

	(void)t;
	*any = 1;
	return 1;
}

int
login_account(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, int64_t now, const char **verdict)
{
	struct user_rec u;
	struct lock_rec l;
	struct fail_subject who = { 0, NULL, 0 };
	const char *why = NULL;
	int r, any = 0, bg = 0, locked = 0;

	r = a->name_ok ? store_user_get(ctx->store, a->user, &u) :
	    KAGI_ERR_NOT_FOUND;
	if (r == KAGI_ERR_NOT_FOUND) {
		*verdict = VERDICT_UNKNOWN;
		return 0;
	}
	who.user_id = u.id;
	if (r != 0 || (r = failures_locked(ctx->store, &who, a->rhost, now,
	    &l, &locked)) != 0)
		return r;
	r = store_token_list(ctx->store, u.id, TOKEN_ACTIVE, has_token_cb,
	    &any);
	if (r < 0)
		return r;
	/* A break-glass log-in needs no token (breakglass.h). */
	if (!any && (r = breakglass_recent(ctx, &u, &bg)) != 0)
		return r;
	any |= bg;
	if ((r = vendor_terms(ctx, &u, a->rhost, now, &why)) != 0)
		return r;
	if (u.disabled)
		*verdict = VERDICT_DISABLED;
	else if (locked)
		*verdict = VERDICT_LOCKED;
	else if (why != NULL) {
		if ((r = vendor_refused(ctx, peer, a, why, "account")) != 0)
			return r;
		*verdict = VERDICT_REFUSED;
	} else if (!any)
		*verdict = VERDICT_UNENROLLED;
	else
		*verdict = VERDICT_OK;
	return 0;
}
