/*
 * h_admin.c - administration: users, tokens, unlocks, status.
 *
 * Only PEER_ADMIN callers reach these (dispatch.c).  Every change writes
 * its audit record in the same savepoint; a request that fails changes
 * nothing.  TOTP secrets leave kagid exactly once, in the reply to
 * token_add_totp, inside the otpauth URI the enrolling person must see;
 * they are sealed before they are stored.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "approval.h"
#include "audit.h"
#include "audit_daemon.h"
#include "breakglass.h"
#include "clock.h"
#include "config_audit.h"
#include "describe.h"
#include "failures.h"
#include "gateway.h"
#include "handlers.h"
#include "kagi_err.h"
#include "lifecycle.h"
#include "names.h"
#include "b64.h"
#include "proto.h"
#include "refusal.h"
#include "report.h"
#include "store_policy.h"
#include "totp.h"
#include "totp_factor.h"
#include "username.h"
#include "wipe.h"


/* The user named in the request, which must exist. */
static int
req_user(struct kagid_ctx *ctx, struct json_object *req, struct user_rec *u)
{
	char name[STORE_NAME_MAX + 1];
	int r;

	if ((r = user_req_name(req, name)) != 0)
		return r;
	return store_user_get(ctx->store, name, u);
}

/* The token named in the request, which must belong to u. */
static int
req_token(struct kagid_ctx *ctx, struct json_object *req,
    const struct user_rec *u, struct token_rec *t)
{
	int64_t id = 0;
	int r;

	if ((r = proto_get_int(req, "token", 1, INT64_MAX, &id)) != 0)
		return r;
	if ((r = store_token_get(ctx->store, id, t)) != 0)
		return r;
	if (t->user_id != u->id) {
		token_rec_clear(t);
		return KAGI_ERR_NOT_FOUND;
	}
	return 0;
}

static int
audit_simple(struct kagid_ctx *ctx, const struct peer *peer,
    const char *event, const char *user, const char *key, int64_t val)
{
	struct json_object *f = NULL;
	int r;

	if (key != NULL) {
		if ((f = json_object_new_object()) == NULL)
			return KAGI_ERR_NOMEM;
		if ((r = proto_set_int(f, key, val)) != 0) {
			json_object_put(f);
			return r;
		}
	}
	r = audit_record(ctx, peer, LOG_NOTICE, event, user, f);
	json_object_put(f);
	return r;
}

int
h_user_add(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *rolename = "staff";
	char name[STORE_NAME_MAX + 1];
	struct json_object *uo = NULL, *f = NULL;
	struct user_rec u;
	int64_t id = 0;
	int role = ROLE_STAFF, r;

	/* Stored in the canonical form every handler looks up. */
	if ((r = user_req_name(req, name)) != 0 ||
	    (r = proto_get_str_opt(req, "role", KAGI_NAME_MAX, &rolename)) != 0)
		return r;
	if (role_from_name(rolename, &role) != 0)
		return KAGI_ERR_INVALID;
	/* The two-person rule (approval.c). */
	if ((r = approval_gate(ctx, peer, req, APPROVAL_NO_ROLE, role,
	    reply)) != 0)
		return r == APPROVAL_PENDING ? 0 : r;
	if ((r = store_user_add(ctx->store, name, role, kagi_now(), &id)) != 0 ||
	    (r = store_user_get_id(ctx->store, id, &u)) != 0 ||
	    (r = user_to_json(ctx, &u, &uo)) != 0)
		goto out;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_str(f, "role", role_name(role))) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "user_add", name,
	    f)) != 0)
		goto out;
	json_object_object_add(reply, "user", uo);
	uo = NULL;
out:
	json_object_put(uo);
	json_object_put(f);
	return r;
}

/*
 * token_import_totp: a secret from google-authenticator or pam_oath
 * (kagictl import), an active token at once: the user already logs in
 * with it.  Privileged users never get one (R-PRIV-2).  Like
 * token_add_totp, no second person for staff and vendors (approval.c's
 * table), and nobody imports for their own account (R-PRIV-3).
 */
int
h_token_import_totp(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const struct kagid_config *cfg = ctx->cfg;
	struct json_object *to = NULL, *f = NULL;
	const char *label = NULL, *alg = "sha1", *b64 = NULL, *source = NULL;
	struct totp_settings ts;
	struct user_rec u;
	struct token_rec t;
	uint8_t *secret = NULL;
	size_t len = 0;
	int64_t digits = 6, period = 30;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = proto_get_str(req, "secret", 256, &b64)) != 0 ||
	    (r = proto_get_str(req, "source", KAGI_NAME_MAX, &source)) != 0 ||
	    (r = proto_get_str_opt(req, "label", STORE_LABEL_MAX, &label)) != 0 ||
	    (r = proto_get_str_opt(req, "algorithm", 16, &alg)) != 0 ||
	    (r = proto_get_int_opt(req, "digits", 6, 8, &digits)) != 0 ||
	    (r = proto_get_int_opt(req, "period", 1, 3600, &period)) != 0)
		goto out;
	if (digits == 7 || (strcmp(source, "google-authenticator") != 0 &&
	    strcmp(source, "pam_oath") != 0) ||
	    (r = b64_decode(b64, TOTP_IMPORT_MIN, TOTP_IMPORT_MAX, &secret,
	    &len)) != 0) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if (u.role == ROLE_PRIVILEGED) {
		r = refusal_set(ctx, KAGI_ERR_DENIED, "privileged", u.name,
		    "a privileged user logs in with FIDO2 and user "
		    "verification only: no TOTP secret is imported (R-PRIV-2)");
		goto out;
	}
	/* Every token of kagid steps as kagid.conf says. */
	if (period != cfg->totp_period) {
		r = refusal_set(ctx, KAGI_ERR_INVALID, "period", u.name,
		    "the token steps every %lld s, kagid every %lld s "
		    "(totp_period): enroll this user afresh",
		    (long long)period, (long long)cfg->totp_period);
		goto out;
	}
	if ((r = totp_alg_from_name(alg, &ts.algorithm)) != 0)
		goto out;
	ts.digits = (int)digits;
	ts.period = (int)period;
	ts.state = TOKEN_ACTIVE;
	ts.label = label != NULL ? label : source;
	if ((r = totp_token_import(ctx, &u, &ts, secret, len, kagi_now(),
	    &t)) != 0 || (r = token_to_json(&t, u.name, &to)) != 0)
		goto out;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "token", t.id)) != 0 ||
	    (r = proto_set_str(f, "label", t.label)) != 0 ||
	    (r = proto_set_str(f, "algorithm", totp_alg_name(t.algorithm))) != 0 ||
	    (r = proto_set_int(f, "digits", t.digits)) != 0 ||
	    (r = proto_set_str(f, "source", source)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "token_import", u.name,
	    f)) != 0)
		goto out;
	json_object_object_add(reply, "token", to);
	to = NULL;
out:
	kagi_free_secret(secret, len);
	token_rec_clear(&t);
	json_object_put(to);
	json_object_put(f);
	return r;
}

static int
user_list_cb(const struct user_rec *u, void *arg)
{
	void **a = arg;
	struct kagid_ctx *ctx = a[0];
	struct json_object *arr = a[1], *o = NULL;
	int r;

	if ((r = user_to_json(ctx, u, &o)) != 0)
		return r;
	if (json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}

int
h_user_list(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *arr = json_object_new_array();
	void *a[2];
	int r;

	if (arr == NULL)
		return KAGI_ERR_NOMEM;
	a[0] = ctx;
	a[1] = arr;
	if ((r = store_user_list(ctx->store, user_list_cb, a)) != 0) {
		json_object_put(arr);
		return r;
	}
	json_object_object_add(reply, "users", arr);
	return 0;
}

struct tok_list {
	struct kagid_ctx *ctx;
	const char *user;
	struct json_object *arr;
};

static int
token_list_cb(const struct token_rec *t, void *arg)
{
	struct tok_list *tl = arg;
	struct json_object *o = NULL;
	int r;

	if ((r = fido2_token_json(tl->ctx, t, tl->user, &o)) != 0)
		return r;
	if (json_object_array_add(tl->arr, o) != 0) {
		json_object_put(o);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}

static int
tokens_json(struct kagid_ctx *ctx, const struct user_rec *u,
    struct json_object **out)
{
	struct tok_list tl;
	int r;

	tl.ctx = ctx;
	tl.user = u->name;
	if ((tl.arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_token_list(ctx->store, u->id, -1, token_list_cb,
	    &tl)) != 0) {
		json_object_put(tl.arr);
		return r;
	}
	*out = tl.arr;
	return 0;
}

/* A lock record as user show puts it: -1 for "until an unlock". */
static int
lock_json(const struct lock_rec *l, struct json_object **out)
{
	struct json_object *lo;
	int r;

	if ((lo = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(lo, "failures", l->failures)) != 0 ||
	    (r = proto_set_int(lo, "first_failure", l->first_failure)) != 0 ||
	    (r = proto_set_int(lo, "locked_until",
	    l->locked_until == LOCK_UNTIL_ADMIN ? -1 : l->locked_until)) != 0 ||
	    (r = proto_set_int(lo, "lock_count", l->lock_count)) != 0 ||
	    (r = proto_set_bool(lo, "relock", l->relock != 0)) != 0 ||
	    (r = proto_set_bool(lo, "locked",
	    lockout_is_locked(l, kagi_now()))) != 0) {
		json_object_put(lo);
		return r;
	}
	*out = lo;
	return 0;
}

int
h_user_show(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *uo = NULL, *to = NULL, *lo = NULL, *ro = NULL;
	struct user_rec u;
	struct lock_rec l, rl;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = store_lock_get(ctx->store, u.id, &l)) != 0 ||
	    (r = store_rlock_get(ctx->store, u.id, &rl)) != 0 ||
	    (r = user_to_json(ctx, &u, &uo)) != 0 ||
	    (r = tokens_json(ctx, &u, &to)) != 0 ||
	    (r = lock_json(&l, &lo)) != 0 ||
	    (r = lock_json(&rl, &ro)) != 0)
		goto out;
	json_object_object_add(reply, "user", uo);
	json_object_object_add(reply, "tokens", to);
	/* The lock of log-ins from an address (issue 13, failures.h), then
	 * the account's own, which stays last as it always was. */
	json_object_object_add(reply, "remote_lock", ro);
	json_object_object_add(reply, "lock", lo);
	uo = to = lo = ro = NULL;
out:
	json_object_put(uo);
	json_object_put(to);
	json_object_put(lo);
	json_object_put(ro);
	return r;
}

static int
user_set_disabled(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, int disabled)
{
	struct user_rec u;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = store_user_set_disabled(ctx->store, u.id, disabled)) != 0)
		return r;
	/* Dormancy counts from a re-enabling (lifecycle.c). */
	if (!disabled && (r = lifecycle_note_enable(ctx, u.id)) != 0)
		return r;
	return audit_simple(ctx, peer, disabled ? "user_disable" :
	    "user_enable", u.name, NULL, 0);
}

int
h_user_disable(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	return user_set_disabled(ctx, peer, req, 1);
}

int
h_user_enable(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	return user_set_disabled(ctx, peer, req, 0);
}

int
h_user_delete(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0)
		return r;
	/* The two-person rule (approval.c). */
	if ((r = approval_gate(ctx, peer, req, u.role, APPROVAL_NO_ROLE,
	    reply)) != 0)
		return r == APPROVAL_PENDING ? 0 : r;
	if ((r = store_user_delete(ctx->store, u.id)) != 0)
		return r;
	breakglass_mark_dirty(ctx);
	return audit_simple(ctx, peer, "user_delete", u.name, NULL, 0);
}

int
h_token_add_totp(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const struct kagid_config *cfg = ctx->cfg;
	struct json_object *to = NULL, *f = NULL;
	const char *label = "totp", *alg = NULL;
	struct totp_settings ts;
	char *uri = NULL;
	struct user_rec u;
	struct token_rec t;
	int64_t digits = cfg->totp_digits;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = proto_get_str_opt(req, "label", STORE_LABEL_MAX, &label)) != 0 ||
	    (r = proto_get_str_opt(req, "algorithm", 16, &alg)) != 0 ||
	    (r = proto_get_int_opt(req, "digits", 6, 8, &digits)) != 0)
		goto out;
	if (digits == 7) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	/*
	 * Privileged users prove themselves with FIDO2 and user verification
	 * only (R-PRIV-2): a TOTP secret is never made for them, so none can
	 * be shown to an approver or anyone else either.
	 */
	if (u.role == ROLE_PRIVILEGED) {
		r = KAGI_ERR_DENIED;
		goto out;
	}
	ts.algorithm = cfg->totp_algorithm;
	if (alg != NULL && (r = totp_alg_from_name(alg, &ts.algorithm)) != 0)
		goto out;
	ts.digits = (int)digits;
	ts.period = (int)cfg->totp_period;
	ts.state = TOKEN_PENDING;
	ts.label = label;
	if ((r = totp_token_new(ctx, &u, &ts, kagi_now(), &t, &uri)) != 0 ||
	    (r = token_to_json(&t, u.name, &to)) != 0)
		goto out;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "token", t.id)) != 0 ||
	    (r = proto_set_str(f, "label", t.label)) != 0 ||
	    (r = proto_set_str(f, "algorithm", totp_alg_name(t.algorithm))) != 0 ||
	    (r = proto_set_int(f, "digits", t.digits)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "token_add", u.name,
	    f)) != 0 ||
	    (r = proto_set_str(reply, "uri", uri)) != 0)
		goto out;
	json_object_object_add(reply, "token", to);
	to = NULL;
out:
	kagi_free_str(uri);
	token_rec_clear(&t);
	json_object_put(to);
	json_object_put(f);
	return r;
}

int
h_token_confirm(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *to = NULL;
	enum totp_result res = TOTP_WRONG;
	struct user_rec u;
	struct token_rec t;
	const char *raw = NULL;
	int64_t now = kagi_now();
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = req_token(ctx, req, &u, &t)) != 0 ||
	    (r = proto_get_str(req, "code", KAGI_NAME_MAX, &raw)) != 0)
		goto out;
	if (t.state != TOKEN_PENDING ||
	    now - t.created > ctx->cfg->pending_lifetime) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	/* Activated, and the confirming step spent so it cannot log in. */
	if ((r = totp_check(ctx, &u, &t, raw, now, TOTP_ACTIVATE,
	    &res)) != 0)
		goto out;
	if (res != TOTP_ACCEPTED) {
		r = res == TOTP_REPLAY ? KAGI_ERR_REPLAY : KAGI_ERR_BAD_CODE;
		goto out;
	}
	t.state = TOKEN_ACTIVE;
	t.last_used = now;
	if ((r = token_to_json(&t, u.name, &to)) != 0 ||
	    (r = audit_simple(ctx, peer, "token_activate", u.name, "token",
	    t.id)) != 0)
		goto out;
	json_object_object_add(reply, "token", to);
	to = NULL;
out:
	token_rec_clear(&t);
	json_object_put(to);
	return r;
}

int
h_token_list(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *to = NULL;
	struct user_rec u;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = tokens_json(ctx, &u, &to)) != 0)
		return r;
	json_object_object_add(reply, "tokens", to);
	return 0;
}

/*
 * token_list_own: the caller's own tokens, the account named by
 * SO_PEERCRED, never by the request, so that a user who lost a key finds
 * its number for token_lost_own (R-TOK-2).  No account: none.
 */
int
h_token_list_own(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *to = NULL;
	struct user_rec u;
	int r;

	(void)req;
	if ((r = lifecycle_caller_user(ctx, peer, &u)) != 0 ||
	    (r = tokens_json(ctx, &u, &to)) != 0)
		return r;
	json_object_object_add(reply, "tokens", to);
	return proto_set_str(reply, "user", u.name);
}

int
h_token_revoke(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *to = NULL;
	struct user_rec u;
	struct token_rec t;
	int r;

	memset(&t, 0, sizeof(t));
	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = req_token(ctx, req, &u, &t)) != 0)
		goto out;
	if (t.state == TOKEN_REVOKED) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	/* The two-person rule (approval.c). */
	if ((r = approval_gate(ctx, peer, req, u.role, APPROVAL_NO_ROLE,
	    reply)) != 0) {
		if (r == APPROVAL_PENDING)
			r = 0;
		goto out;
	}
	if ((r = store_token_set_state(ctx->store, t.id, TOKEN_REVOKED)) != 0)
		goto out;
	t.state = TOKEN_REVOKED;
	if ((r = token_to_json(&t, u.name, &to)) != 0 ||
	    (r = audit_simple(ctx, peer, "token_revoke", u.name, "token",
	    t.id)) != 0 ||
	    (r = gateway_key_revoked(ctx, &u, &t)) != 0)
		goto out;
	json_object_object_add(reply, "token", to);
	to = NULL;
out:
	token_rec_clear(&t);
	json_object_put(to);
	return r;
}

int
h_unlock(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	int r;

	if ((r = req_user(ctx, req, &u)) != 0)
		return r;
	/* The two-person rule (approval.c). */
	if ((r = approval_gate(ctx, peer, req, u.role, APPROVAL_NO_ROLE,
	    reply)) != 0)
		return r == APPROVAL_PENDING ? 0 : r;
	/* The account's lock and its remote lock (failures.c). */
	if ((r = failures_unlock(ctx->store, u.id)) != 0)
		return r;
	return audit_simple(ctx, peer, "unlock", u.name, NULL, 0);
}

/* When the policy last changed (config_audit.c), as a sentence. */
static int
status_policy(struct kagid_ctx *ctx, struct json_object *reply)
{
	int64_t when = 0, seq = 0;
	char buf[128], t[64];
	struct tm tm;
	time_t tt;

	if (config_audit_last_change(ctx, &when, &seq) != 0 || when <= 0)
		return proto_set_str(reply, "policy_changed", "unknown");
	tt = (time_t)when;
	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(t, sizeof(t), "@%lld", (long long)when);
	snprintf(buf, sizeof(buf), "%s (audit record %lld)", t,
	    (long long)seq);
	return proto_set_str(reply, "policy_changed", buf);
}

/*
 * The store's state (issue 14): engine, connected or not since when, the
 * server it is (or was last) connected to, its schema version, the core's
 * name and whether it holds it.  Never the
 * connection string: it may hold credentials.
 */
static int
status_store(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct store_state st;
	int r;

	store_state(ctx->store, &st);
	if ((r = proto_set_str(reply, "store", st.engine)) != 0 ||
	    (r = proto_set_str(reply, "store_state", st.connected ?
	    "connected" : "unreachable")) != 0 ||
	    (r = proto_set_int(reply, "store_since", st.since)) != 0 ||
	    (r = proto_set_str(reply, "store_server", st.server)) != 0 ||
	    (r = proto_set_int(reply, "schema", st.schema_version)) != 0)
		return r;
	if (st.server_version > 0 &&
	    (r = proto_set_int(reply, "store_server_version",
	    st.server_version)) != 0)
		return r;
	if (st.reconnects > 0 &&
	    (r = proto_set_int(reply, "store_reconnects", st.reconnects)) != 0)
		return r;
	if (st.last_error[0] != '\0' &&
	    (r = proto_set_str(reply, "store_error", st.last_error)) != 0)
		return r;
	/* The name this core's records carry, and whether it holds it on
	 * the database (PostgreSQL: no other core can use it meanwhile). */
	if ((r = proto_set_str(reply, "core_name", st.core)) != 0)
		return r;
	if (st.core_lock != STORE_CORE_LOCK_NONE &&
	    (r = proto_set_str(reply, "core_name_lock", st.core_lock ==
	    STORE_CORE_LOCK_HELD ? "held" : "not held (kagid answers no "
	    "decision until it holds it again)")) != 0)
		return r;
	return 0;
}

/* What status says without the store: kagid's own state only. */
int
h_status_store_down(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	int r;

	(void)peer;
	(void)req;
	if ((r = proto_set_str(reply, "version", PACKAGE_VERSION)) != 0 ||
	    (r = status_store(ctx, reply)) != 0 ||
	    (r = proto_set_str(reply, "clock", !ctx->clock_known ? "unknown" :
	    ctx->clock_synced ? "synchronised" : "unsynchronised")) != 0)
		return r;
	return audit_daemon_status(ctx, reply);
}

/* Clock, sessions, exceptions, locks (report.c), the policy's change. */
static int
status_more(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct report_counts c;
	int r;

	if ((r = report_counts(ctx, &c)) != 0 ||
	    (r = status_store(ctx, reply)) != 0 ||
	    (r = proto_set_str(reply, "clock", !ctx->clock_known ? "unknown" :
	    ctx->clock_synced ? "synchronised" : "unsynchronised")) != 0 ||
	    (r = proto_set_int(reply, "open_sessions", c.open_sessions)) != 0 ||
	    (r = proto_set_int(reply, "open_exceptions", c.open_breakglass +
	    c.open_requests)) != 0 ||
	    (r = proto_set_int(reply, "locked_accounts", c.locked)) != 0 ||
	    (r = status_policy(ctx, reply)) != 0)
		return r;
	/* Audit writes, signing key, last checkpoint (audit_daemon.c). */
	return audit_daemon_status(ctx, reply);
}

int
h_status(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	uint8_t hash[32];
	char hex[65];
	int64_t users = 0, seq = 0;
	int r, i;

	if ((r = store_user_count(ctx->store, &users)) != 0 ||
	    (r = store_audit_head(ctx->store, &seq, hash)) != 0)
		return r;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", hash[i]);
	if ((r = proto_set_str(reply, "version", PACKAGE_VERSION)) != 0 ||
	    (r = proto_set_int(reply, "users", users)) != 0 ||
	    (r = proto_set_int(reply, "audit_seq", seq)) != 0 ||
	    (r = proto_set_str(reply, "audit_head", hex)) != 0)
		return r;
	return status_more(ctx, reply);
}
