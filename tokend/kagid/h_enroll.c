/*
 * h_enroll.c - enrollment codes and enrolling at log-in (R-TOK-4).
 *
 * An administrator issues a user one enrollment code (kagictl user add
 * --enroll-code, or user enroll-code): 100 random bits, shown once,
 * stored as SHA-256 over a per-code salt and the code, valid for
 * enroll_code_lifetime.  Issuing another replaces it.
 *
 * At log-in the user types it where a TOTP code is asked for.  When no
 * TOTP token matches and the code is the user's unused, unexpired
 * enrollment code, kagid spends it at once (single use from its first
 * presentation), creates a pending TOTP token and answers "enroll" with
 * the otpauth URI and its QR code as text.  The log-in succeeds only when
 * auth_enroll then brings a right code from the new authenticator, within
 * pending_lifetime of the presentation; abandoned midway, the code stays
 * spent and the token pending, and an administrator issues a new code.
 * Privileged users never enroll this way (they need FIDO2 and approval):
 * no code is issued to them, and one issued before a role change is
 * refused.
 *
 * The same code lets a user enroll their own FIDO2 key with kagictl
 * enroll (enroll_fido2_begin / _finish, issue 3): the account is the
 * caller's own (SO_PEERCRED name, never the request's), enabled and not
 * locked, and the code is checked at both steps; it is spent only by
 * the finish that stores the key, in the same transaction, so a key that
 * fails or is refused leaves the code usable.  Each refusal is recorded
 * (enroll_code_refused).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "clock.h"
#include "enrollment.h"
#include "fido2_reg.h"
#include "handlers.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "proto_ops.h"
#include "qr.h"
#include "store_life.h"
#include "totp_factor.h"
#include "ucode.h"
#include "username.h"
#include "wipe.h"

int
h_enroll_code_issue(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct enroll_code_rec e;
	struct json_object *f = NULL;
	struct user_rec u;
	char shown[UCODE_SHOWN_LEN + 1], code[UCODE_LEN + 1];
	const char *name = NULL;
	int64_t now = kagi_now();
	int r;

	memset(&e, 0, sizeof(e));
	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &name)) != 0)
		return r;
	if (!user_name_valid(name))
		return KAGI_ERR_INVALID;
	if ((r = store_user_get(ctx->store, name, &u)) != 0)
		return r;
	if (u.role == ROLE_PRIVILEGED || u.disabled)
		return KAGI_ERR_STATE;
	e.user_id = u.id;
	e.created = now;
	e.expires = now + ctx->cfg->enroll_code_lifetime;
	if ((r = ucode_generate(shown)) != 0 ||
	    (r = ucode_normalise(shown, code)) != 0 ||
	    (r = ucode_salt(e.salt)) != 0 ||
	    (r = ucode_hash(e.salt, code, e.hash)) != 0 ||
	    (r = store_enroll_code_put(ctx->store, &e)) != 0)
		goto out;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "expires", e.expires)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "enroll_code_issue",
	    u.name, f)) != 0 ||
	    (r = proto_set_str(reply, "user", u.name)) != 0 ||
	    (r = proto_set_str(reply, "code", shown)) != 0 ||
	    (r = proto_set_int(reply, "expires", e.expires)) != 0)
		goto out;
 out:
	json_object_put(f);
	kagi_wipe(shown, sizeof(shown));
	kagi_wipe(code, sizeof(code));
	kagi_wipe_obj(&e);
	return r;
}

/* The QR code of text as UTF-8 half blocks, in a string to free. */
static int
qr_text(const char *text, char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return KAGI_ERR_NOMEM;
	r = qr_print(text, f, 0);
	if (fclose(f) != 0 && r == 0)
		r = KAGI_ERR_NOMEM;
	if (r != 0) {
		kagi_free_secret(buf, len);
		return r;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* A pending TOTP token for u with the configured defaults; *uri to free. */
static int
new_pending_totp(struct kagid_ctx *ctx, const struct user_rec *u,
    int64_t now, int64_t *id, char **uri, int *digits)
{
	const struct kagid_config *cfg = ctx->cfg;
	struct totp_settings ts;
	struct token_rec t;
	int r;

	memset(&t, 0, sizeof(t));
	ts.algorithm = cfg->totp_algorithm;
	ts.digits = (int)cfg->totp_digits;
	ts.period = (int)cfg->totp_period;
	ts.state = TOKEN_PENDING;
	ts.label = "enrolled at log-in";
	if ((r = totp_token_new(ctx, u, &ts, now, &t, uri)) != 0)
		return r;
	*id = t.id;
	*digits = t.digits;
	token_rec_clear(&t);
	return 0;
}

/*
 * Is typed u's enrollment code, usable now?  *why is NULL when it is;
 * else "bad_code" (not a code, no code, or not this user's code),
 * "used", "expired" or "privileged".
 */
static int
code_check(struct kagid_ctx *ctx, const struct user_rec *u, const char *typed,
    int64_t now, const char **why)
{
	struct enroll_code_rec e;
	uint8_t hash[UCODE_HASH_LEN];
	char code[UCODE_LEN + 1];
	int r;

	*why = "bad_code";
	memset(&e, 0, sizeof(e));
	if (ucode_normalise(typed, code) != 0)
		return 0;
	r = store_enroll_code_get(ctx->store, u->id, &e);
	if (r == KAGI_ERR_NOT_FOUND) {
		r = 0;
		goto out;
	}
	if (r != 0 || (r = ucode_hash(e.salt, code, hash)) != 0)
		goto out;
	if (kagi_ct_memcmp(hash, e.hash, sizeof(hash)) != 0)
		goto out;		/* not this user's code: a wrong code */
	*why = e.used != 0 ? "used" : now >= e.expires ? "expired" :
	    u->role == ROLE_PRIVILEGED ? "privileged" : NULL;
 out:
	kagi_wipe(code, sizeof(code));
	kagi_wipe(hash, sizeof(hash));
	kagi_wipe_obj(&e);
	return r;
}

int
enroll_code_try(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *typed, struct json_object *reply,
    int *took)
{
	struct json_object *f = NULL;
	const char *why = NULL;
	char *uri = NULL, *qr = NULL;
	size_t qrlen = 0;
	int64_t now = kagi_now(), token = 0;
	int r, digits = 0;

	*took = CODE_TOOK_NONE;
	if ((r = code_check(ctx, u, typed, now, &why)) != 0)
		return r;
	if (why != NULL) {
		if (strcmp(why, "bad_code") != 0)
			kagi_info("user %s: enrollment code refused (%s)",
			    u->name, why);
		return 0;
	}
	if ((r = new_pending_totp(ctx, u, now, &token, &uri, &digits)) != 0 ||
	    (r = store_enroll_code_use(ctx->store, u->id, now, token)) != 0 ||
	    (r = qr_text(uri, &qr, &qrlen)) != 0)
		goto out;
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "token", token)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "enroll_code_use",
	    u->name, f)) != 0 ||
	    (r = proto_set_str(reply, "verdict", VERDICT_ENROLL)) != 0 ||
	    (r = proto_set_int(reply, "token", token)) != 0 ||
	    (r = proto_set_int(reply, "digits", digits)) != 0 ||
	    (r = proto_set_str(reply, "uri", uri)) != 0 ||
	    (r = proto_set_str(reply, "qr", qr)) != 0)
		goto out;
	*took = CODE_TOOK_ENROLL;
 out:
	json_object_put(f);
	kagi_free_str(uri);
	kagi_free_secret(qr, qrlen);
	return r;
}

/* --- self-service FIDO2 enrollment (issue 3) ------------------------------ */

/*
 * The caller's own kagi user: the name comes from the peer (SO_PEERCRED),
 * never from the request; a "user" in the request must name the same
 * account, or the request is denied and recorded.
 */
static int
self_user(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct user_rec *u)
{
	const char *asked = NULL;
	char canon[STORE_NAME_MAX + 1], mine[STORE_NAME_MAX + 1];
	int r;

	if ((r = proto_get_str_opt(req, "user", KAGI_NAME_MAX, &asked)) != 0)
		return r;
	if (peer->name[0] == '\0' || user_canonical(peer->name, mine) != 0)
		return KAGI_ERR_DENIED;
	if (asked != NULL && (user_canonical(asked, canon) != 0 ||
	    strcmp(canon, mine) != 0)) {
		kagi_warn("uid %u (%s) asked to enroll a key for another "
		    "user: refused", (unsigned)peer->uid, mine);
		return KAGI_ERR_DENIED;
	}
	return store_user_get(ctx->store, mine, u);
}

/* A refused self-enrollment: say why, and keep a record. */
static int
self_refuse(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *why, struct json_object *reply)
{
	struct json_object *f;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "type", "fido2")) == 0 &&
	    (r = proto_set_str(f, "reason", why)) == 0 &&
	    (r = audit_record(ctx, peer, LOG_WARNING, "enroll_code_refused",
	    u->name, f)) == 0)
		r = proto_set_str(reply, "refused", why);
	json_object_put(f);
	return r;
}

/* The user and its code, checked; *why when refused. */
static int
self_check(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct user_rec *u, const char **why)
{
	struct lock_rec l;
	const char *code = NULL;
	int r;

	*why = NULL;
	if ((r = proto_get_str(req, "code", KAGI_FIELD_MAX, &code)) != 0 ||
	    (r = self_user(ctx, peer, req, u)) != 0 ||
	    (r = store_lock_get(ctx->store, u->id, &l)) != 0)
		return r;
	if (u->disabled)
		*why = "disabled";
	else if (lockout_is_locked(&l, kagi_now()))
		*why = "locked";
	else
		r = code_check(ctx, u, code, kagi_now(), why);
	return r;
}

int
h_enroll_fido2_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	const char *why = NULL, *label = NULL;
	int r;

	if ((r = proto_get_str_opt(req, "label", STORE_LABEL_MAX,
	    &label)) != 0 ||
	    (r = self_check(ctx, peer, req, &u, &why)) != 0)
		return r;
	if (why != NULL)
		return self_refuse(ctx, peer, &u, why, reply);
	return fido2_reg_begin(ctx, &u, FIDO2_REG_SELF, reply);
}

int
h_enroll_fido2_finish(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *f = NULL;
	struct user_rec u;
	const char *why = NULL;
	int64_t token = 0;
	int r;

	if ((r = self_check(ctx, peer, req, &u, &why)) != 0)
		return r;
	if (why != NULL)
		return self_refuse(ctx, peer, &u, why, reply);
	if ((r = fido2_reg_finish(ctx, peer, &u, FIDO2_REG_SELF, req, reply,
	    &token)) != 0 || token == 0)
		return r;
	/* The code is spent with the key, in the same transaction. */
	if ((r = store_enroll_code_use(ctx->store, u.id, kagi_now(),
	    token)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "token", token)) == 0 &&
	    (r = proto_set_str(f, "type", "fido2")) == 0)
		r = audit_record(ctx, peer, LOG_NOTICE, "enroll_code_use",
		    u.name, f);
	json_object_put(f);
	return r;
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
