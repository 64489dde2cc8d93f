/*
 * h_auth.c - deciding a log-in: auth_begin, auth_totp, account.
 *
 * The order of checks in auth_totp is the policy:
 *   1. the name is canonicalised (username.h) and the caller may verify
 *      this user (root, or the user itself);
 *   2. an address (PAM_RHOST) that has failed throttle_failures times in
 *      throttle_interval is throttled: "throttled", audited, nothing else
 *      looked at or counted, whoever the user is;
 *   3. an unknown, disabled or locked user is refused without the code
 *      being looked at (a locked user's attempt still counts, so a lock
 *      cannot be waited out by guessing);
 *   4. a vendor outside its terms (expiry, maintenance window, source
 *      address) is refused and an alert raised (R-REM-1, R-REM-3);
 *   5. a factor the zone or the role does not allow is refused
 *      ("factor_not_allowed": TOTP for a privileged user, R-PRIV-2; TOTP
 *      in a zone whose list lacks it, R-MFA-1) without the code being
 *      looked at;
 *   6. the code is normalised (full-width digits) and matched against each
 *      active TOTP token within the window;
 *   7. a matched step is accepted only if it is later than the token's
 *      last accepted step (replay), atomically in the store;
 *   8. a failure is counted against the address's throttle and, with the
 *      role's lockout policy, against the account; a success forgives
 *      only the failures of its own factor and service.
 * Refusals at 4 and 5 are not guesses and do not count.  One address can
 * never lock an account alone: in one lockout interval at most
 * max_failures - 1 of its failures count toward the account (a local
 * attempt without PAM_RHOST counts fully); beyond that it is throttled.
 * Every outcome is an audit record in the same transaction.  What the
 * person at the terminal sees is the same for every refusal but the
 * throttle, which speaks of the address and not of the account.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "breakglass.h"
#include "clock.h"
#include "enrollment.h"
#include "h_auth.h"
#include "handlers.h"
#include "kagi_err.h"
#include "log.h"
#include "names.h"
#include "policy.h"
#include "proto.h"
#include "proto_ops.h"
#include "store_policy.h"
#include "store_session.h"
#include "totp.h"
#include "totp_factor.h"
#include "username.h"
#include "vendor.h"
#include "wipe.h"

int
auth_req_parse(struct json_object *req, struct auth_req *a)
{
	const char *raw = NULL;
	int r;

	memset(a, 0, sizeof(*a));
	a->zone = "mynumber";
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

/* The fields every authentication record carries. */
struct json_object *
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

int
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

/* The lockout policy of a role; the staff role's for anything else. */
static const struct lockout_policy *
role_policy(const struct kagid_ctx *ctx, int role)
{
	if (role == ROLE_PRIVILEGED || role == ROLE_VENDOR)
		return &ctx->lockout_role[role];
	return &ctx->lockout_role[ROLE_STAFF];
}

/* The address as a store key (the first STORE_ADDR_MAX bytes). */
static void
addr_key(const char *rhost, char out[STORE_ADDR_MAX + 1])
{
	snprintf(out, STORE_ADDR_MAX + 1, "%s", rhost);
}

/* Is the caller's address throttled at now? */
static int
throttle_active(struct kagid_ctx *ctx, const struct auth_req *a, int64_t now,
    int *throttled)
{
	struct throttle_rec t;
	char key[STORE_ADDR_MAX + 1];
	int r;

	*throttled = 0;
	if (a->rhost == NULL)
		return 0;
	addr_key(a->rhost, key);
	if ((r = store_throttle_get(ctx->store, key, &t)) != 0)
		return r;
	*throttled = t.until != 0 && now < t.until;
	return 0;
}

/* One failure from the caller's address; throttle it at the limit. */
static int
throttle_count(struct kagid_ctx *ctx, const struct peer *peer,
    const struct auth_req *a, int64_t now)
{
	const struct kagid_config *cfg = ctx->cfg;
	struct json_object *f = NULL;
	struct throttle_rec t;
	char key[STORE_ADDR_MAX + 1];
	int r;

	if (a->rhost == NULL)
		return 0;
	addr_key(a->rhost, key);
	if ((r = store_throttle_get(ctx->store, key, &t)) != 0)
		return r;
	if (t.first == 0 || (now >= t.first &&
	    now - t.first >= cfg->throttle_interval)) {
		t.first = now;
		t.failures = 0;
	}
	t.failures++;
	if (t.failures < cfg->throttle_failures)
		return store_throttle_put(ctx->store, key, &t);
	t.until = now + cfg->throttle_interval;
	t.failures = 0;
	t.first = 0;
	if ((r = store_throttle_put(ctx->store, key, &t)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "rhost", a->rhost)) != 0 ||
	    (r = proto_set_int(f, "until", t.until)) != 0 ||
	    (r = proto_set_str(f, "service", a->service)) != 0)
		goto out;
	r = audit_record(ctx, peer, LOG_ALERT, "throttle", NULL, f);
out:
	json_object_put(f);
	return r;
}

/* A counter beside the lock record, read in the interval win. */
static int
failkey_read(struct kagid_ctx *ctx, int64_t user_id, const char *key,
    int64_t win, int64_t *failures)
{
	int64_t w = 0;
	int r;

	if ((r = store_failkey_get(ctx->store, user_id, key, &w,
	    failures)) != 0)
		return r;
	if (w != win)
		*failures = 0;	/* from an earlier interval */
	return 0;
}

static void
fs_key(const char *factor, const char *service, char *out, size_t len)
{
	snprintf(out, len, "fs:%s/%s", factor, service);
}

/*
 * Count a failure; lock when the role's policy says so, with its own
 * record.  The failure counts toward the account unless its address has
 * already had max_failures - 1 of its failures counted in this interval.
 */
int
auth_fail(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct auth_req *a, const char *reason,
    const char *factor, int64_t now)
{
	const struct lockout_policy *p = role_policy(ctx, u->role);
	char key[STORE_FAILKEY_MAX + 1];
	struct lock_rec l;
	struct json_object *f = NULL;
	int64_t win, n = 0, cap;
	int r, locked, counted = 1;

	if ((r = store_lock_get(ctx->store, u->id, &l)) != 0 ||
	    (r = store_login_failure(ctx->store, u->id)) != 0)
		return r;
	win = lockout_window_start(&l, p, now);
	if (!lockout_is_locked(&l, now) && a->rhost != NULL) {
		cap = p->max_failures > 1 ? p->max_failures - 1 : 1;
		snprintf(key, sizeof(key), "src:%s", a->rhost);
		if ((r = failkey_read(ctx, u->id, key, win, &n)) != 0)
			return r;
		if (n >= cap)
			counted = 0;
		else if ((r = store_failkey_put(ctx->store, u->id, key, win,
		    n + 1)) != 0)
			return r;
	}
	if ((f = auth_fields(a, "failure", reason)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "factor", factor)) != 0 ||
	    (r = proto_set_str(f, "role", role_name(u->role))) != 0 ||
	    (!counted && (r = proto_set_bool(f, "counted", 0)) != 0) ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "auth", a->user,
	    f)) != 0 ||
	    (r = throttle_count(ctx, peer, a, now)) != 0)
		goto out;
	json_object_put(f);
	f = NULL;
	if (!counted)
		goto out;
	if (!lockout_is_locked(&l, now)) {
		fs_key(factor, a->service, key, sizeof(key));
		if ((r = failkey_read(ctx, u->id, key, win, &n)) != 0 ||
		    (r = store_failkey_put(ctx->store, u->id, key, win,
		    n + 1)) != 0)
			goto out;
	}
	locked = lockout_record_failure(&l, p, now);
	if (locked < 0) {
		r = locked;
		goto out;
	}
	if ((r = store_lock_put(ctx->store, u->id, &l)) != 0 || !locked)
		goto out;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "locked_until",
	    l.locked_until == LOCK_UNTIL_ADMIN ? -1 : l.locked_until)) != 0 ||
	    (r = proto_set_int(f, "lock_count", l.lock_count)) != 0 ||
	    (r = proto_set_str(f, "role", role_name(u->role))) != 0 ||
	    (a->rhost != NULL && (r = proto_set_str(f, "rhost", a->rhost)) != 0))
		goto out;
	/* audit_priority() raises a privileged account's lock to LOG_ALERT. */
	r = audit_record(ctx, peer, LOG_WARNING, "lockout", u->name, f);
out:
	json_object_put(f);
	return r;
}

/*
 * A success forgives the failures of its own factor and service only: a
 * run of wrong FIDO2 assertions, or of wrong codes at another service,
 * stays counted (R-MFA-5).
 */
int
auth_forgive(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct auth_req *a, const char *factor, struct lock_rec *l)
{
	char key[STORE_FAILKEY_MAX + 1];
	int64_t n = 0;
	int r;

	if (l->first_failure == 0)
		return 0;
	fs_key(factor, a->service, key, sizeof(key));
	if ((r = failkey_read(ctx, u->id, key, l->first_failure, &n)) != 0)
		return r;
	if (n == 0)
		return 0;
	lockout_forgive(l, n);
	return store_failkey_put(ctx->store, u->id, key, l->first_failure, 0);
}

/* The alert for a vendor refused at phase ("auth" or "account"). */
static int
vendor_refused(struct kagid_ctx *ctx, const struct peer *peer,
    const struct auth_req *a, const char *why, const char *phase)
{
	struct json_object *f;
	int r;

	if ((f = auth_fields(a, "failure", why)) == NULL)
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
    const struct auth_req *a, unsigned factor)
{
	if ((ctx->cfg->zone_factors[a->zone_idx] & factor) == 0)
		return "zone";
	if (u->role == ROLE_PRIVILEGED && factor != FACTOR_FIDO2)
		return "role";
	return NULL;
}

/*
 * R-MFA-5: put the previous success (time, where from, factors) and the
 * failed attempts since into the success reply, then make this one the
 * last.  Where is the remote host, else the terminal.
 */
int
auth_last_login(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct auth_req *a, const char *factors, int64_t now,
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
	    (r = proto_set_int(reply, "failures_since", l.failures)) != 0)
		return r;
	memset(&l, 0, sizeof(l));
	l.time = now;
	snprintf(l.place, sizeof(l.place), "%s", a->rhost != NULL ? a->rhost :
	    a->tty != NULL ? a->tty : "");
	snprintf(l.factors, sizeof(l.factors), "%s", factors);
	return store_login_put(ctx->store, u->id, &l);
}

/*
 * The checks every log-in makes before its factor is looked at, in this
 * order: a throttled address, an unknown user, a disabled user, a lock,
 * a vendor's terms, the factor's place in the zone and the role.  Each
 * refusal is recorded (and counted where it is a guess).  *verdict is set
 * when the attempt ends here; NULL means go on with u and l filled in.
 */
int
auth_precheck(struct kagid_ctx *ctx, const struct peer *peer,
    const struct auth_req *a, unsigned factor, int64_t now,
    struct user_rec *u, struct lock_rec *l, const char **verdict)
{
	const char *fname = factor == FACTOR_FIDO2 ? "fido2" : "totp";
	const char *why = NULL, *rule;
	struct json_object *f;
	int r, throttled = 0;

	*verdict = VERDICT_DENIED;
	if ((r = throttle_active(ctx, a, now, &throttled)) != 0)
		return r;
	if (throttled) {
		*verdict = VERDICT_THROTTLED;
		return auth_audit(ctx, peer, a, "failure", "throttled", NULL);
	}
	r = a->name_ok ? store_user_get(ctx->store, a->user, u) :
	    KAGI_ERR_NOT_FOUND;
	if (r == KAGI_ERR_NOT_FOUND || (r == 0 && u->disabled)) {
		if ((r = auth_audit(ctx, peer, a, "failure", r == 0 ?
		    "disabled" : "unknown_user", NULL)) != 0)
			return r;
		return throttle_count(ctx, peer, a, now);
	}
	if (r != 0)
		return r;
	if ((r = store_lock_get(ctx->store, u->id, l)) != 0)
		return r;
	if (lockout_is_locked(l, now))
		return auth_fail(ctx, peer, u, a, "locked", fname, now);
	if ((r = vendor_terms(ctx, u, a->rhost, now, &why)) != 0)
		return r;
	if (why != NULL) {
		if ((r = vendor_refused(ctx, peer, a, why, "auth")) != 0)
			return r;
		return auth_audit(ctx, peer, a, "failure", why, fname);
	}
	if ((rule = factor_forbidden_by(ctx, u, a, factor)) != NULL) {
		if ((f = auth_fields(a, "failure", "factor_not_allowed")) ==
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

unsigned
auth_factors_allowed(const struct kagid_ctx *ctx, const struct user_rec *u,
    const struct auth_req *a)
{
	unsigned allowed = 0;

	if (factor_forbidden_by(ctx, u, a, FACTOR_FIDO2) == NULL)
		allowed |= FACTOR_FIDO2;
	if (factor_forbidden_by(ctx, u, a, FACTOR_TOTP) == NULL)
		allowed |= FACTOR_TOTP;
	return allowed;
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
	/*
	 * Unknown, unenrolled and TOTP-only users get the same answer; a
	 * FIDO2 user's does not depend on lock or disabled state.
	 */
	if ((r = fido2_auth_begin(ctx, &a, reply)) != 0 ||
	    (r = proto_set_int(reply, "digits", ctx->cfg->totp_digits)) != 0 ||
	    (ctx->banner != NULL &&
	    (r = proto_set_str(reply, "banner", ctx->banner)) != 0))
		return r;
	return 0;
}

static int
lock_same(const struct lock_rec *a, const struct lock_rec *b)
{
	return a->failures == b->failures &&
	    a->first_failure == b->first_failure &&
	    a->locked_until == b->locked_until &&
	    a->lock_count == b->lock_count;
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
	const char *factor = "totp";
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

	if ((r = auth_precheck(ctx, peer, &a, FACTOR_TOTP, now, &u, &l,
	    &verdict)) != 0)
		return r;
	if (verdict != NULL)
		goto out;
	verdict = VERDICT_DENIED;
	/* R-LOG-4: TOTP needs the right time; kagid.conf may refuse it. */
	if (ctx->clock_known && !ctx->clock_synced &&
	    ctx->cfg->totp_when_unsynced == UNSYNCED_REFUSE) {
		r = auth_audit(ctx, peer, &a, "failure", "clock_unsynced",
		    "totp");
		goto out;
	}

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
		/* policy2: an enrollment or break-glass code (h_enroll.c,
		 * h_breakglass.c) */
		int took = CODE_TOOK_NONE;

		if ((r = enroll_code_try(ctx, peer, &u, code, reply,
		    &took)) != 0 || (took == CODE_TOOK_NONE &&
		    (r = breakglass_try(ctx, peer, &u, code, &took)) != 0))
			return r;
		if (took == CODE_TOOK_ENROLL)
			return 0;
		m.matched = took == CODE_TOOK_LOGIN;
		factor = m.matched ? "breakglass" : factor;
	}
	if (m.matched && !m.replay) {
		struct lock_rec before = l;

		/* Nothing forgiven (the usual case): no lock row to write. */
		if ((r = auth_forgive(ctx, &u, &a, "totp", &l)) != 0 ||
		    (!lock_same(&before, &l) &&
		    (r = store_lock_put(ctx->store, u.id, &l)) != 0) ||
		    (r = auth_last_login(ctx, &u, &a, "totp", now,
		    reply)) != 0 ||
		    (r = store_user_set_success(ctx->store, u.id, now)) != 0 ||
		    (r = auth_audit(ctx, peer, &a, "success", "ok", factor)) != 0)
			return r;
		verdict = VERDICT_SUCCESS;
		goto out;
	}
	r = auth_fail(ctx, peer, &u, &a, m.replay ? "replay" : "bad_code",
	    "totp", now);
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
	const char *verdict, *why = NULL;
	int64_t now = kagi_now();
	int r, bg = 0;

	if ((r = auth_req_parse(req, &a)) != 0)
		return r;
	if (!peer_may_verify(peer, a.user))
		return KAGI_ERR_DENIED;
	r = a.name_ok ? store_user_get(ctx->store, a.user, &u) :
	    KAGI_ERR_NOT_FOUND;
	if (r == KAGI_ERR_NOT_FOUND)
		return proto_set_str(reply, "verdict", VERDICT_UNKNOWN);
	if (r != 0)
		return r;
	if ((r = store_lock_get(ctx->store, u.id, &l)) != 0)
		return r;
	r = store_token_list(ctx->store, u.id, TOKEN_ACTIVE, has_token_cb, &h);
	if (r < 0)
		return r;
	/* policy2: a break-glass log-in needs no token (h_breakglass.c) */
	if (!h.any && (r = breakglass_recent(ctx, &u, &bg)) != 0)
		return r;
	h.any |= bg;
	if ((r = vendor_terms(ctx, &u, a.rhost, now, &why)) != 0)
		return r;
	if (u.disabled)
		verdict = VERDICT_DISABLED;
	else if (lockout_is_locked(&l, now))
		verdict = VERDICT_LOCKED;
	else if (why != NULL) {
		if ((r = vendor_refused(ctx, peer, &a, why, "account")) != 0)
			return r;
		verdict = VERDICT_REFUSED;
	} else if (!h.any)
		verdict = VERDICT_UNENROLLED;
	else
		verdict = VERDICT_OK;
	return proto_set_str(reply, "verdict", verdict);
}
