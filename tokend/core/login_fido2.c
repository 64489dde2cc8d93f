/*
 * login_fido2.c - auth_begin (which methods are offered, and the FIDO2
 * challenge) and auth_fido2 (login.h).
 *
 * The order of checks in auth_fido2 is the policy:
 *   1. the challenge held for (user, service, tty) is taken: from here it
 *      is gone, whatever happens next (single use);
 *   2. the shared checks (login_precheck(): throttle, unknown, disabled,
 *      locked, a vendor's terms, the factor allowed by zone and role);
 *   3. a failure reported by the module (no key, wrong PIN...) counts;
 *   4. no challenge (never issued, expired, replaced by a newer one,
 *      already used) refuses, as does an answer that does not parse;
 *   5. the answer is verified by fido2_factor.c (credential, signature
 *      with user presence and verification, signature counter);
 *   6. only then is the success recorded with the factors it proved
 *      (R-MFA-1: possession, and knowledge for a PIN or inherence for
 *      built-in verification), provisionally: the account phase confirms
 *      it, and only that forgives the failures (login_confirm.c).
 * Every refusal counts like a wrong TOTP code and may lock.  One
 * exception at 3: "no_key" with the module asking to fall back to a code
 * is not counted when the user may use TOTP; it is recorded as a
 * fallback ("auth", outcome "fallback") and answered "fallback".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "b64.h"
#include "challenge.h"
#include "clock.h"
#include "fido2.h"
#include "fido2_factor.h"
#include "kagi_err.h"
#include "login.h"
#include "policy.h"
#include "proto.h"
#include "proto_ops.h"
#include "wipe.h"

/* What a module may report instead of an assertion. */
static const char *const client_failures[] = { "no_key", "key_removed",
    "timeout", "touch_refused", "pin_invalid", "pin_blocked", "uv_blocked",
    "no_credential", "no_uv", "device", NULL };

/* The binding of a log-in challenge: length-prefixed, so unambiguous. */
static int
auth_bind(const struct login_req *a, char *out, size_t len)
{
	const char *tty = a->tty != NULL ? a->tty : "";
	int n;

	n = snprintf(out, len, "auth|%zu:%s|%zu:%s|%zu:%s", strlen(a->user),
	    a->user, strlen(a->service), a->service, strlen(tty), tty);
	return n < 0 || (size_t)n >= len ? KAGI_ERR_TOO_LARGE : 0;
}

static int
set_methods(struct json_object *reply, int fido2, int totp)
{
	struct json_object *m;

	if ((m = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((fido2 && json_object_array_add(m,
	    json_object_new_string(FIDO2_METHOD)) != 0) ||
	    ((totp || !fido2) && json_object_array_add(m,
	    json_object_new_string("totp")) != 0)) {
		json_object_put(m);
		return KAGI_ERR_NOMEM;
	}
	json_object_object_add(reply, "methods", m);
	return proto_set_str(reply, "method", fido2 ? FIDO2_METHOD : "totp");
}

int
login_fido2_begin(struct kagid_ctx *ctx, const struct login_req *a,
    struct json_object *reply)
{
	struct fido2_cred_walk w;
	struct json_object *fo = NULL;
	struct user_rec u;
	uint8_t chal[CHAL_LEN];
	char bind[CHAL_BIND_MAX + 1];
	unsigned allowed;
	int r;

	memset(&w, 0, sizeof(w));
	r = a->name_ok ? store_user_get(ctx->store, a->user, &u) :
	    KAGI_ERR_NOT_FOUND;
	if (r == KAGI_ERR_NOT_FOUND)
		return set_methods(reply, 0, 1);
	if (r != 0)
		return r;
	allowed = login_factors_allowed(ctx, &u, a);
	if ((fo = json_object_new_object()) == NULL ||
	    (w.ids = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = fido2_cred_walk(ctx, u.id, 1, &w)) != 0)
		goto out;
	/* Offer only what the zone and the role allow (R-MFA-1, R-PRIV-2). */
	if (w.fido2 == 0 || (allowed & FACTOR_FIDO2) == 0) {
		r = set_methods(reply, 0, 1);
		goto out;
	}
	if ((r = auth_bind(a, bind, sizeof(bind))) != 0 ||
	    (r = chal_issue(ctx->challenges, bind, kagi_now(),
	    ctx->cfg->fido2_challenge_lifetime, chal)) != 0 ||
	    (r = b64_set(fo, "challenge", chal, sizeof(chal))) != 0 ||
	    (r = proto_set_str(fo, "rp_id", ctx->cfg->fido2_rp_id)) != 0 ||
	    (r = proto_set_str(fo, "uv",
	    fido2_uv_policy_names[ctx->cfg->fido2_uv])) != 0)
		goto out;
	json_object_object_add(fo, "credentials", w.ids);
	w.ids = NULL;
	if ((r = set_methods(reply, 1, w.totp > 0 &&
	    (allowed & FACTOR_TOTP) != 0)) != 0)
		goto out;
	json_object_object_add(reply, "fido2", fo);
	fo = NULL;
 out:
	kagi_wipe(chal, sizeof(chal));
	json_object_put(w.ids);
	json_object_put(fo);
	return r;
}

static int
factors_json(unsigned f, struct json_object **out)
{
	struct json_object *a;

	if ((a = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	if (((f & FACTOR_POSSESSION) && json_object_array_add(a,
	    json_object_new_string("possession")) != 0) ||
	    ((f & FACTOR_KNOWLEDGE) && json_object_array_add(a,
	    json_object_new_string("knowledge")) != 0) ||
	    ((f & FACTOR_INHERENCE) && json_object_array_add(a,
	    json_object_new_string("inherence")) != 0)) {
		json_object_put(a);
		return KAGI_ERR_NOMEM;
	}
	*out = a;
	return 0;
}

/*
 * The assertion's success, provisional until the account phase confirms
 * it (login_confirm.c): recorded with the token and the factors proved.
 */
static int
provisional(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a, int64_t token,
    unsigned factors, int uv_method, int64_t now, struct json_object *reply)
{
	struct json_object *f, *fa = NULL;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "token", token)) != 0 ||
	    (r = proto_set_str(f, "uv_method", fido2_uv_name(uv_method))) != 0 ||
	    (r = factors_json(factors, &fa)) != 0)
		goto out;
	json_object_object_add(f, "factors", fa);
	r = login_provisional(ctx, peer, u, a, FIDO2_METHOD, FIDO2_METHOD, f,
	    now, reply);
 out:
	json_object_put(f);
	return r;
}

/*
 * No key plugged in, and the module asks to go on with a code: allowed
 * when the zone and the role allow TOTP and the user has an active TOTP
 * token, recorded as an "auth" record with outcome "fallback" and not
 * counted; else a failure "no_key" like any other.  *ok says which.
 */
static int
fallback(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a, int *ok)
{
	struct fido2_cred_walk w;
	struct json_object *f;
	int r;

	*ok = 0;
	memset(&w, 0, sizeof(w));
	if ((login_factors_allowed(ctx, u, a) & FACTOR_TOTP) == 0)
		return 0;
	if ((r = fido2_cred_walk(ctx, u->id, 1, &w)) != 0 || w.totp == 0)
		return r;
	if ((f = login_fields(a, "fallback", "no_key")) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "factor", FIDO2_METHOD)) == 0 &&
	    (r = proto_set_str(f, "to", "totp")) == 0 &&
	    (r = proto_set_str(f, "role", role_name(u->role))) == 0 &&
	    (r = audit_record(ctx, peer, LOG_NOTICE, "auth", a->user,
	    f)) == 0)
		*ok = 1;
	json_object_put(f);
	return r;
}

int
login_begin(struct kagid_ctx *ctx, const struct login_req *a,
    struct json_object *reply)
{
	int r;

	if ((r = login_fido2_begin(ctx, a, reply)) != 0 ||
	    (r = proto_set_int(reply, "digits", ctx->cfg->totp_digits)) != 0 ||
	    (ctx->banner != NULL &&
	    (r = proto_set_str(reply, "banner", ctx->banner)) != 0))
		return r;
	return 0;
}

int
login_fido2_failure_known(const char *failure)
{
	size_t i;

	for (i = 0; client_failures[i] != NULL; i++)
		if (strcmp(client_failures[i], failure) == 0)
			return 1;
	return 0;
}

int
login_fido2(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *failure, int want_fallback,
    const struct fido2_answer *an, int64_t now, struct json_object *reply,
    const char **verdict)
{
	struct user_rec u;
	struct lock_rec l;
	const char *reason = NULL;
	uint8_t chal[CHAL_LEN];
	char bind[CHAL_BIND_MAX + 1];
	int64_t token = 0;
	unsigned factors = 0;
	int r, have_chal, ok = 0;

	*verdict = VERDICT_DENIED;
	if ((r = auth_bind(a, bind, sizeof(bind))) != 0)
		return r;
	/* Taken now: whatever follows, this challenge is spent. */
	r = chal_take(ctx->challenges, bind, now, chal);
	if (r != 0 && r != KAGI_ERR_NOT_FOUND)
		return r;
	have_chal = r == 0;

	if ((r = login_precheck(ctx, peer, a, FACTOR_FIDO2, now, &u, &l,
	    verdict)) != 0 || *verdict != NULL)
		goto out;
	*verdict = VERDICT_DENIED;
	if (want_fallback && failure != NULL &&
	    strcmp(failure, "no_key") == 0) {
		if ((r = fallback(ctx, peer, &u, a, &ok)) != 0)
			goto out;
		if (ok) {
			*verdict = VERDICT_FALLBACK;
			goto out;
		}
	}
	if (failure != NULL)
		reason = failure;
	else if (!have_chal)
		reason = "no_challenge";
	else if (an == NULL)		/* a failed attempt */
		reason = "malformed";
	else if ((r = fido2_factor_verify(ctx, peer, &u, a, chal, an,
	    &reason, &token, &factors)) != 0)
		goto out;
	if (reason != NULL) {
		r = login_fail(ctx, peer, &u, a, reason, FIDO2_METHOD, now);
		goto out;
	}
	if ((r = provisional(ctx, peer, &u, a, token, factors, an->uv_method,
	    now, reply)) != 0)
		goto out;
	*verdict = VERDICT_SUCCESS;
 out:
	kagi_wipe(chal, sizeof(chal));
	return r;
}
