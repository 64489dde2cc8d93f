/*
 * h_fido2.c - FIDO2 in kagid: auth_begin's FIDO2 part, auth_fido2, and
 * enrollment (token_fido2_begin / _finish) and import of pam_u2f keys.
 *
 * The order of checks in auth_fido2 is the policy:
 *   1. the caller may verify this user (root, or the user itself);
 *   2. the challenge held for (user, service, tty) is taken: from here it
 *      is gone, whatever happens next (single use);
 *   3. an unknown or disabled user is refused; a locked user is refused
 *      without the assertion being looked at (and the attempt counts);
 *   4. a failure reported by the module (no key, wrong PIN...) counts;
 *   5. no challenge (never issued, expired, replaced by a newer one,
 *      already used) refuses;
 *   6. the credential must exist, belong to this user and be active;
 *   7. the assertion must verify with the stored key: relying party,
 *      SHA-256 of the challenge, user presence always, user
 *      verification when fido2_uv = required;
 *   8. the signature counter must move forward (R-INC-1): a clone is
 *      refused, its token revoked with reason "cloned" and an alert
 *      record written;
 *   9. only then is the counter stored, the failure count cleared and
 *      the success recorded with the factors it proved.
 * Every refusal counts like a wrong TOTP code and may lock.
 *
 * Enrolling a privileged user's key needs a second person (R-PRIV-3):
 * token_fido2_begin without a grant stores a request (request_gate);
 * its approval, replaying token_fido2_begin, stores a grant for the
 * requester's uid, valid for request_lifetime but at most an hour; the
 * requester's next begin finds it, and the finish that stores the key
 * spends it in the same transaction.  Without an unspent grant of its
 * own, no administrator's finish stores a privileged user's key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/rand.h>

#include "audit.h"
#include "b64.h"
#include "challenge.h"
#include "clock.h"
#include "dispatch.h"
#include "fido2.h"
#include "fido2_wire.h"
#include "h_auth.h"
#include "kagi_err.h"
#include "lifecycle.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "proto_ops.h"
#include "seal.h"
#include "store_life.h"
#include "wipe.h"

#define FIDO2_METHOD "fido2"
#define KIND_ADMIN "admin"
/* How long an approval to enroll a privileged user's key lasts at most. */
#define GRANT_LIFETIME_MAX 3600
#define B64_FIELD_MAX FIDO2_B64_FIELD_MAX

static const char *const uv_policy_names[] = { "required", "preferred",
    "discouraged" };

/* What a module may report instead of an assertion. */
static const char *const client_failures[] = { "no_key", "key_removed",
    "timeout", "touch_refused", "pin_invalid", "pin_blocked", "uv_blocked",
    "no_credential", "no_uv", "device", NULL };

/* Registration requests, numbered for the life of this kagid. */
static int64_t next_request = 1;

/* The binding of a log-in challenge: length-prefixed, so unambiguous. */
static int
auth_bind(const struct auth_req *a, char *out, size_t len)
{
	const char *tty = a->tty != NULL ? a->tty : "";
	int n;

	n = snprintf(out, len, "auth|%zu:%s|%zu:%s|%zu:%s", strlen(a->user),
	    a->user, strlen(a->service), a->service, strlen(tty), tty);
	return n < 0 || (size_t)n >= len ? KAGI_ERR_TOO_LARGE : 0;
}

static int
reg_bind(const char *kind, const char *user, int64_t request, char *out,
    size_t len)
{
	int n;

	n = snprintf(out, len, "reg|%s|%zu:%s|%lld", kind, strlen(user), user,
	    (long long)request);
	return n < 0 || (size_t)n >= len ? KAGI_ERR_TOO_LARGE : 0;
}

static int
set_b64(struct json_object *o, const char *key, const uint8_t *p, size_t n)
{
	char *s = NULL;
	int r;

	if ((r = b64_encode(p, n, &s)) != 0)
		return r;
	r = proto_set_str(o, key, s);
	free(s);
	return r;
}

static int
array_add_b64(struct json_object *arr, const uint8_t *p, size_t n)
{
	struct json_object *v;
	char *s = NULL;
	int r;

	if ((r = b64_encode(p, n, &s)) != 0)
		return r;
	v = json_object_new_string(s);
	free(s);
	if (v == NULL || json_object_array_add(arr, v) != 0) {
		json_object_put(v);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}

/* --- the user's credentials ---------------------------------------------- */

struct cred_walk {
	struct kagid_ctx *ctx;
	struct json_object *ids;	/* base64 IDs, or NULL */
	int only_active;
	int fido2;			/* active FIDO2 credentials seen */
	int totp;			/* active TOTP tokens seen */
	int err;
};

static int
cred_walk_cb(const struct token_rec *t, void *arg)
{
	struct cred_walk *w = arg;
	struct fido2_rec f;
	int r;

	if (t->type == TOKEN_TOTP) {
		w->totp += t->state == TOKEN_ACTIVE;
		return 0;
	}
	if (t->type != TOKEN_FIDO2 ||
	    (w->only_active && t->state != TOKEN_ACTIVE))
		return 0;
	if ((r = store_fido2_get(w->ctx->store, t->id, &f)) != 0 ||
	    (w->ids != NULL &&
	    (r = array_add_b64(w->ids, f.cred_id, f.cred_id_len)) != 0)) {
		w->err = r;
		return 1;
	}
	w->fido2 += t->state == TOKEN_ACTIVE;
	return 0;
}

static int
cred_walk(struct kagid_ctx *ctx, int64_t user_id, int only_active,
    struct cred_walk *w)
{
	int r;

	w->ctx = ctx;
	w->only_active = only_active;
	r = store_token_list(ctx->store, user_id, -1, cred_walk_cb, w);
	if (r < 0)
		return r;
	return w->err;
}

/* --- auth_begin ---------------------------------------------------------- */

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
fido2_auth_begin(struct kagid_ctx *ctx, const struct auth_req *a,
    struct json_object *reply)
{
	struct cred_walk w;
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
	allowed = auth_factors_allowed(ctx, &u, a);
	if ((fo = json_object_new_object()) == NULL ||
	    (w.ids = json_object_new_array()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = cred_walk(ctx, u.id, 1, &w)) != 0)
		goto out;
	/* Offer only what the zone and the role allow (R-MFA-1, R-PRIV-2). */
	if (w.fido2 == 0 || (allowed & FACTOR_FIDO2) == 0) {
		r = set_methods(reply, 0, 1);
		goto out;
	}
	if ((r = auth_bind(a, bind, sizeof(bind))) != 0 ||
	    (r = chal_issue(ctx->challenges, bind, kagi_now(),
	    ctx->cfg->fido2_challenge_lifetime, chal)) != 0 ||
	    (r = set_b64(fo, "challenge", chal, sizeof(chal))) != 0 ||
	    (r = proto_set_str(fo, "rp_id", ctx->cfg->fido2_rp_id)) != 0 ||
	    (r = proto_set_str(fo, "uv",
	    uv_policy_names[ctx->cfg->fido2_uv])) != 0)
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

/* --- auth_fido2 ---------------------------------------------------------- */

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

static int
audit_success(struct kagid_ctx *ctx, const struct peer *peer,
    const struct auth_req *a, int64_t token, unsigned factors, int uv_method)
{
	struct json_object *f, *fa = NULL;
	int r;

	if ((f = auth_fields(a, "success", "ok")) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "factor", FIDO2_METHOD)) != 0 ||
	    (r = proto_set_int(f, "token", token)) != 0 ||
	    (r = proto_set_str(f, "uv_method", fido2_uv_name(uv_method))) != 0 ||
	    (r = factors_json(factors, &fa)) != 0)
		goto out;
	json_object_object_add(f, "factors", fa);
	r = audit_record(ctx, peer, LOG_INFO, "auth", a->user, f);
 out:
	json_object_put(f);
	return r;
}

/* A cloned key: revoke it and raise an alert (R-INC-1). */
static int
cloned(struct kagid_ctx *ctx, const struct peer *peer,
    const struct auth_req *a, const struct fido2_rec *f, uint32_t received)
{
	struct json_object *o;
	int r;

	if ((r = store_fido2_disable(ctx->store, f->token_id, "cloned")) != 0)
		return r;
	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(o, "token", f->token_id)) != 0 ||
	    (r = proto_set_int(o, "stored_counter", f->counter)) != 0 ||
	    (r = proto_set_int(o, "received_counter", received)) != 0 ||
	    (r = proto_set_str(o, "service", a->service)) != 0 ||
	    (a->tty != NULL && (r = proto_set_str(o, "tty", a->tty)) != 0) ||
	    (a->rhost != NULL && (r = proto_set_str(o, "rhost", a->rhost)) != 0))
		goto out;
	r = audit_record(ctx, peer, LOG_ALERT, "fido2_cloned", a->user, o);
 out:
	json_object_put(o);
	return r;
}

/* Steps 6 to 9 for a known, usable user; *reason on refusal. */
static int
check_answer(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct auth_req *a,
    const uint8_t chal[CHAL_LEN], const struct fido2_answer *an,
    const char **reason, int64_t *token, unsigned *factors)
{
	struct fido2_rec f;
	struct token_rec t;
	uint8_t *pk = NULL, flags = 0;
	size_t pklen = 0;
	uint32_t counter = 0;
	char aad[STORE_NAME_MAX + 16];
	int require_uv = ctx->cfg->fido2_uv == UVPOLICY_REQUIRED;
	int r;

	memset(&t, 0, sizeof(t));
	*reason = NULL;
	r = store_fido2_get_cred(ctx->store, an->cred, an->cred_len, &f);
	if (r == KAGI_ERR_NOT_FOUND) {
		*reason = "unknown_credential";
		return 0;
	}
	if (r != 0 || (r = store_token_get(ctx->store, f.token_id, &t)) != 0)
		return r;
	if (t.user_id != u->id) {
		*reason = "foreign_credential";
		r = 0;
		goto out;
	}
	if (t.state != TOKEN_ACTIVE || t.type != TOKEN_FIDO2) {
		*reason = "revoked";
		r = 0;
		goto out;
	}
	snprintf(aad, sizeof(aad), "fido2:%s", u->name);
	if ((r = unseal(ctx->key, aad, strlen(aad), t.sealed, t.sealed_len,
	    &pk, &pklen)) != 0) {
		kagi_error("token %lld of user %s does not unseal: %s",
		    (long long)t.id, u->name, kagi_strerror(r));
		goto out;
	}
	r = fido2_verify_assertion(f.cose_alg, pk, pklen, ctx->cfg->fido2_rp_id,
	    chal, require_uv, an->authdata, an->authdata_len, an->sig,
	    an->sig_len, &flags, &counter);
	if (r == KAGI_ERR_CRYPTO || r == KAGI_ERR_INVALID) {
		/* Say whether the key answered for another relying party,
		 * or whether only user verification was missing. */
		if (!fido2_authdata_rp_ok(ctx->cfg->fido2_rp_id, an->authdata,
		    an->authdata_len))
			*reason = "relying_party";
		else
			*reason = require_uv && fido2_verify_assertion(f.cose_alg, pk,
			    pklen, ctx->cfg->fido2_rp_id, chal, 0,
			    an->authdata, an->authdata_len, an->sig,
			    an->sig_len, &flags, &counter) == 0 ?
			    "uv_missing" : "bad_assertion";
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if (fido2_counter_check(f.counter, counter) != 0) {
		*reason = "cloned";
		r = cloned(ctx, peer, a, &f, counter);
		goto out;
	}
	r = store_fido2_set_counter(ctx->store, f.token_id, f.counter, counter,
	    kagi_now());
	if (r == KAGI_ERR_REPLAY) {
		*reason = "replay";
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	*token = t.id;
	*factors = fido2_factors(flags, an->uv_method, f.uv);
 out:
	kagi_free_secret(pk, pklen);
	token_rec_clear(&t);
	return r;
}

int
h_auth_fido2(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct auth_req a;
	struct fido2_answer an;
	struct user_rec u;
	struct lock_rec l;
	const char *failure = NULL, *reason = NULL;
	const char *verdict = VERDICT_DENIED;
	uint8_t chal[CHAL_LEN];
	char bind[CHAL_BIND_MAX + 1];
	int64_t now = kagi_now(), token = 0;
	unsigned factors = 0;
	int r, have_chal, i;

	memset(&an, 0, sizeof(an));
	if ((r = auth_req_parse(req, &a)) != 0 ||
	    (r = proto_get_str_opt(req, "failure", KAGI_NAME_MAX,
	    &failure)) != 0)
		return r;
	if (failure != NULL) {
		for (i = 0; client_failures[i] != NULL; i++)
			if (strcmp(client_failures[i], failure) == 0)
				break;
		if (client_failures[i] == NULL)
			return KAGI_ERR_INVALID;
	}
	if (!peer_may_verify(peer, a.user))
		return KAGI_ERR_DENIED;
	if ((r = auth_bind(&a, bind, sizeof(bind))) != 0)
		return r;
	/* Taken now: whatever follows, this challenge is spent. */
	r = chal_take(ctx->challenges, bind, now, chal);
	if (r != 0 && r != KAGI_ERR_NOT_FOUND)
		return r;
	have_chal = r == 0;

	if ((r = auth_precheck(ctx, peer, &a, FACTOR_FIDO2, now, &u, &l,
	    &verdict)) != 0)
		goto out;
	if (verdict != NULL)
		goto out;
	verdict = VERDICT_DENIED;
	if (failure != NULL)
		reason = failure;
	else if (!have_chal)
		reason = "no_challenge";
	else if (fido2_answer_parse(req, &an) != 0)	/* a failed attempt */
		reason = "malformed";
	else if ((r = check_answer(ctx, peer, &u, &a, chal, &an, &reason,
	    &token, &factors)) != 0)
		goto out;
	if (reason != NULL) {
		r = auth_fail(ctx, peer, &u, &a, reason, FIDO2_METHOD, now);
		goto out;
	}
	if ((r = auth_forgive(ctx, &u, &a, FIDO2_METHOD, &l)) != 0 ||
	    (r = store_lock_put(ctx->store, u.id, &l)) != 0 ||
	    (r = store_user_set_success(ctx->store, u.id, now)) != 0 ||
	    (r = audit_success(ctx, peer, &a, token, factors,
	    an.uv_method)) != 0 ||
	    (r = auth_last_login(ctx, &u, &a, FIDO2_METHOD, now, reply)) != 0)
		goto out;
	verdict = VERDICT_SUCCESS;
 out:
	kagi_wipe(chal, sizeof(chal));
	fido2_answer_clear(&an);
	if (r != 0)
		return r;
	return proto_set_str(reply, "verdict", verdict);
}

/* --- enrollment ---------------------------------------------------------- */

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

/* The token object of a FIDO2 token, with its credential's details. */
static int
cred_token_json(const struct token_rec *t, const struct fido2_rec *f,
    const char *user, struct json_object **out)
{
	struct json_object *o = NULL;
	char aaguid[37];
	int r;

	if ((r = token_to_json(t, user, &o)) != 0)
		return r;
	fido2_aaguid_format(f->aaguid, aaguid);
	if ((r = proto_set_str(o, "algorithm", fido2_alg_name(f->cose_alg))) ||
	    (r = set_b64(o, "credential", f->cred_id, f->cred_id_len)) != 0 ||
	    (r = proto_set_str(o, "aaguid", aaguid)) != 0 ||
	    (r = proto_set_str(o, "uv", fido2_uv_name(f->uv))) != 0 ||
	    (r = proto_set_int(o, "counter", f->counter)) != 0 ||
	    (r = proto_set_str(o, "reason", f->reason)) != 0) {
		json_object_put(o);
		return r;
	}
	*out = o;
	return 0;
}

int
fido2_token_json(struct kagid_ctx *ctx, const struct token_rec *t,
    const char *user, struct json_object **out)
{
	struct fido2_rec f;
	int r;

	if (t->type != TOKEN_FIDO2)
		return token_to_json(t, user, out);
	if ((r = store_fido2_get(ctx->store, t->id, &f)) != 0)
		return r;
	return cred_token_json(t, &f, user, out);
}

int
fido2_reg_begin(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *kind, struct json_object *reply)
{
	struct cred_walk w;
	uint8_t chal[CHAL_LEN], uid[32];
	char bind[CHAL_BIND_MAX + 1];
	int64_t request;
	int r;

	memset(&w, 0, sizeof(w));
	if ((w.ids = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	request = next_request++;
	if ((r = cred_walk(ctx, u->id, 0, &w)) != 0 ||
	    (r = reg_bind(kind, u->name, request, bind, sizeof(bind))) != 0 ||
	    (r = chal_issue(ctx->challenges, bind, kagi_now(),
	    ctx->cfg->fido2_challenge_lifetime, chal)) != 0)
		goto out;
	if (RAND_bytes(uid, sizeof(uid)) != 1) {
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	if ((r = proto_set_int(reply, "request", request)) != 0 ||
	    (r = set_b64(reply, "challenge", chal, sizeof(chal))) != 0 ||
	    (r = proto_set_str(reply, "rp_id", ctx->cfg->fido2_rp_id)) != 0 ||
	    (r = set_b64(reply, "user_id", uid, sizeof(uid))) != 0 ||
	    (r = proto_set_str(reply, "user", u->name)) != 0 ||
	    (r = proto_set_str(reply, "uv",
	    uv_policy_names[ctx->cfg->fido2_uv])) != 0)
		goto out;
	json_object_object_add(reply, "exclude", w.ids);
	w.ids = NULL;
 out:
	kagi_wipe(chal, sizeof(chal));
	json_object_put(w.ids);
	return r;
}

/* An approval replayed: the requester may enroll one key for u. */
static int
grant_create(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct request_rec *q,
    struct json_object *reply)
{
	struct enroll_grant_rec g;
	struct json_object *f = NULL, *go = NULL;
	int64_t now = kagi_now(), life = ctx->cfg->request_lifetime, id = 0;
	int r;

	memset(&g, 0, sizeof(g));
	g.user_id = u->id;
	g.request_id = q->id;
	g.requester_uid = q->requester_uid;
	snprintf(g.requester, sizeof(g.requester), "%s", q->requester);
	snprintf(g.approver, sizeof(g.approver), "%s", peer->name);
	g.created = now;
	g.expires = now + (life < GRANT_LIFETIME_MAX ? life :
	    GRANT_LIFETIME_MAX);
	if ((r = store_enroll_grant_add(ctx->store, &g, &id)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL ||
	    (go = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "grant", id)) != 0 ||
	    (r = proto_set_str(f, "type", FIDO2_METHOD)) != 0 ||
	    (r = proto_set_int(f, "request", q->id)) != 0 ||
	    (r = proto_set_str(f, "requester", q->requester)) != 0 ||
	    (r = proto_set_str(f, "approver", peer->name)) != 0 ||
	    (r = proto_set_int(f, "expires", g.expires)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "enroll_grant", u->name,
	    f)) != 0 ||
	    (r = proto_set_int(go, "id", id)) != 0 ||
	    (r = proto_set_str(go, "user", u->name)) != 0 ||
	    (r = proto_set_str(go, "requester", q->requester)) != 0 ||
	    (r = proto_set_int(go, "expires", g.expires)) != 0)
		goto out;
	json_object_object_add(reply, "grant", go);
	go = NULL;
 out:
	json_object_put(f);
	json_object_put(go);
	return r;
}

int
h_token_fido2_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const struct request_rec *q;
	struct enroll_grant_rec g;
	struct user_rec u;
	const char *label = NULL;
	int r;

	/* Administrators only (dispatch.c: PEER_ADMIN); users enroll their
	 * own keys with a code through enroll_fido2_begin (h_enroll.c). */
	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = proto_get_str_opt(req, "label", STORE_LABEL_MAX, &label)) != 0)
		return r;
	if ((q = request_executing()) != NULL)
		return grant_create(ctx, peer, &u, q, reply);
	if (u.role == ROLE_PRIVILEGED) {
		r = store_enroll_grant_find(ctx->store, u.id,
		    (int64_t)peer->uid, kagi_now(), &g);
		if (r == KAGI_ERR_NOT_FOUND) {
			r = request_gate(ctx, peer, APPROVE_TOKEN_PRIVILEGED,
			    req, reply);
			/* The act is always gated: 0 would be a bug. */
			return r == REQUEST_CREATED ? 0 : r != 0 ? r :
			    KAGI_ERR_DENIED;
		}
		if (r != 0 || (r = proto_set_int(reply, "grant", g.id)) != 0)
			return r;
	}
	return fido2_reg_begin(ctx, &u, KIND_ADMIN, reply);
}

/* Refused by policy or verification: say why, and keep a record. */
static int
refuse(struct kagid_ctx *ctx, const struct peer *peer, const char *user,
    const char *why, struct json_object *reply)
{
	struct json_object *f;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "type", FIDO2_METHOD)) != 0 ||
	    (r = proto_set_str(f, "reason", why)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_WARNING, "token_refused", user,
	    f)) != 0)
		goto out;
	r = proto_set_str(reply, "refused", why);
 out:
	json_object_put(f);
	return r;
}

/* Store a verified credential as a new active token of u. */
static int
add_cred(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *label, int alg, const uint8_t *cid,
    size_t cid_len, const uint8_t *pk, size_t pk_len,
    const uint8_t aaguid[FIDO2_AAGUID_LEN], uint32_t counter, int uv,
    const char *origin, struct json_object *reply, int64_t *token)
{
	struct token_rec t;
	struct fido2_rec f;
	struct json_object *to = NULL, *af = NULL;
	char aad[STORE_NAME_MAX + 16], ag[37];
	int64_t id = 0;
	int r;

	memset(&t, 0, sizeof(t));
	memset(&f, 0, sizeof(f));
	t.user_id = u->id;
	t.type = TOKEN_FIDO2;
	t.state = TOKEN_ACTIVE;
	snprintf(t.label, sizeof(t.label), "%s", label);
	t.last_step = -1;
	t.created = kagi_now();
	memcpy(f.cred_id, cid, cid_len);
	f.cred_id_len = cid_len;
	f.cose_alg = alg;
	f.counter = counter;
	memcpy(f.aaguid, aaguid, FIDO2_AAGUID_LEN);
	f.uv = uv;
	snprintf(aad, sizeof(aad), "fido2:%s", u->name);
	if ((r = seal(ctx->key, aad, strlen(aad), pk, pk_len, &t.sealed,
	    &t.sealed_len)) != 0)
		goto out;
	r = store_fido2_add(ctx->store, &t, &f, &id);
	if (r == KAGI_ERR_EXISTS) {
		/* Registered already, to this user or another (R-TOK-1). */
		r = refuse(ctx, peer, u->name, "duplicate", reply);
		goto out;
	}
	if (r != 0)
		goto out;
	t.id = id;
	f.token_id = id;
	fido2_aaguid_format(aaguid, ag);
	if ((r = cred_token_json(&t, &f, u->name, &to)) != 0)
		goto out;
	if ((af = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(af, "token", id)) != 0 ||
	    (r = proto_set_str(af, "type", FIDO2_METHOD)) != 0 ||
	    (r = proto_set_str(af, "label", t.label)) != 0 ||
	    (r = proto_set_str(af, "algorithm", fido2_alg_name(alg))) != 0 ||
	    (r = proto_set_str(af, "aaguid", ag)) != 0 ||
	    (r = proto_set_str(af, "uv", fido2_uv_name(uv))) != 0 ||
	    (r = proto_set_str(af, "origin", origin)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "token_add", u->name,
	    af)) != 0)
		goto out;
	json_object_object_add(reply, "token", to);
	to = NULL;
	*token = id;
 out:
	json_object_put(af);
	json_object_put(to);
	token_rec_clear(&t);
	return r;
}

int
fido2_reg_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *kind, struct json_object *req,
    struct json_object *reply, int64_t *token)
{
	struct fido2_att_policy pol;
	struct fido2_reg_msg m;
	struct fido2_reg_in in;
	struct fido2_reg_out out;
	const char *label = "security key", *why = NULL;
	uint8_t chal[CHAL_LEN];
	char bind[CHAL_BIND_MAX + 1];
	int64_t request = 0;
	int r;

	*token = 0;
	memset(&m, 0, sizeof(m));
	if ((r = proto_get_int(req, "request", 1, INT64_MAX, &request)) != 0 ||
	    (r = proto_get_str_opt(req, "label", STORE_LABEL_MAX, &label)) != 0)
		return r;
	if ((r = reg_bind(kind, u->name, request, bind, sizeof(bind))) != 0)
		return r;
	/* Single use: a registration challenge is spent here. */
	if ((r = chal_take(ctx->challenges, bind, kagi_now(), chal)) != 0)
		return r == KAGI_ERR_NOT_FOUND ? KAGI_ERR_STATE : r;
	if ((r = fido2_reg_msg_parse(req, &m)) != 0)
		goto out;
	fido2_reg_msg_in(&m, &in);
	pol.mode = ctx->cfg->fido2_attestation;
	pol.roots = ctx->cfg->fido2_attestation_roots;
	pol.aaguids = ctx->cfg->fido2_aaguids;
	r = fido2_verify_registration(&in, ctx->cfg->fido2_rp_id, chal, &pol,
	    &out, &why);
	if (r == KAGI_ERR_CONFIG) {
		kagi_error("attestation roots %s cannot be used",
		    pol.roots != NULL ? pol.roots : "(none)");
		goto out;
	}
	if (r != 0) {
		r = refuse(ctx, peer, u->name, why != NULL ? why : "malformed",
		    reply);
		goto out;
	}
	r = add_cred(ctx, peer, u, label, in.alg, out.cred_id,
	    out.cred_id_len, out.pk, out.pk_len, out.aaguid, out.counter, m.uv,
	    in.fmt, reply, token);
 out:
	kagi_wipe(chal, sizeof(chal));
	fido2_reg_msg_clear(&m);
	return r;
}

int
h_token_fido2_finish(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct enroll_grant_rec g;
	struct json_object *f = NULL;
	struct user_rec u;
	int64_t now = kagi_now(), token = 0;
	int r, granted = 0;

	memset(&g, 0, sizeof(g));
	if ((r = req_user(ctx, req, &u)) != 0)
		return r;
	/* R-PRIV-3: a privileged user's key only on an unspent grant. */
	if (u.role == ROLE_PRIVILEGED) {
		r = store_enroll_grant_find(ctx->store, u.id,
		    (int64_t)peer->uid, now, &g);
		if (r == KAGI_ERR_NOT_FOUND)
			return refuse(ctx, peer, u.name, "approval_missing",
			    reply);
		if (r != 0)
			return r;
		granted = 1;
	}
	if ((r = fido2_reg_finish(ctx, peer, &u, KIND_ADMIN, req, reply,
	    &token)) != 0 || token == 0 || !granted)
		return r;
	if ((r = store_enroll_grant_use(ctx->store, g.id, now, token)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "grant", g.id)) == 0 &&
	    (r = proto_set_int(f, "request", g.request_id)) == 0 &&
	    (r = proto_set_str(f, "approver", g.approver)) == 0 &&
	    (r = proto_set_int(f, "token", token)) == 0)
		r = audit_record(ctx, peer, LOG_NOTICE, "enroll_grant_use",
		    u.name, f);
	json_object_put(f);
	return r;
}

int
h_token_fido2_import(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	static const uint8_t no_aaguid[FIDO2_AAGUID_LEN];
	struct user_rec u;
	const char *label = "pam_u2f", *cred = NULL, *pks = NULL, *alg = NULL;
	const char *uvs = NULL;
	uint8_t *cid = NULL, *pk = NULL;
	size_t cid_len = 0, pk_len = 0;
	int64_t token = 0;
	int r, a, uv;

	if ((r = req_user(ctx, req, &u)) != 0 ||
	    (r = proto_get_str_opt(req, "label", STORE_LABEL_MAX, &label)) != 0 ||
	    (r = proto_get_str(req, "credential", B64_FIELD_MAX, &cred)) != 0 ||
	    (r = proto_get_str(req, "public_key", B64_FIELD_MAX, &pks)) != 0 ||
	    (r = proto_get_str(req, "alg", KAGI_NAME_MAX, &alg)) != 0 ||
	    (r = proto_get_str(req, "uv", KAGI_NAME_MAX, &uvs)) != 0)
		return r;
	if ((a = fido2_alg_from_name(alg)) == 0 ||
	    (uv = fido2_uv_from_name(uvs)) < 0)
		return KAGI_ERR_INVALID;
	/* R-PRIV-3: a privileged user's key is imported on approval. */
	if (u.role == ROLE_PRIVILEGED && (r = request_gate(ctx, peer,
	    APPROVE_TOKEN_PRIVILEGED, req, reply)) != 0)
		return r == REQUEST_CREATED ? 0 : r;
	if ((r = b64_decode(cred, 1, FIDO2_CRED_ID_MAX, &cid, &cid_len)) != 0 ||
	    (r = b64_decode(pks, 1, FIDO2_PK_MAX, &pk, &pk_len)) != 0)
		goto out;
	if (fido2_pk_check(a, pk, pk_len) != 0) {
		r = refuse(ctx, peer, u.name, "public_key", reply);
		goto out;
	}
	r = add_cred(ctx, peer, &u, label, a, cid, cid_len, pk, pk_len,
	    no_aaguid, 0, uv, "pam_u2f", reply, &token);
 out:
	free(cid);
	free(pk);
	return r;
}
