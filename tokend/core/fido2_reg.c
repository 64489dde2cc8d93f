/*
 * fido2_reg.c - registering a FIDO2 key for a user (fido2_reg.h): the
 * challenge, the verification of the key's answer, the credential stored
 * as a token; by an administrator (with a grant when the user's
 * enrollment needs a second person), by the user with an enrollment code
 * (enrollment.c decides whether it may), and the import of pam_u2f keys.
 *
 * Guarantees:
 *  - a registration challenge is bound to the kind of enrollment, the
 *    user and a request number, and is spent by the finish that presents
 *    it, whatever the outcome;
 *  - a credential is stored only after its registration verified
 *    (relying party, challenge, attestation policy) or, on import, its
 *    public key parsed; a credential registered already, to anyone, is
 *    refused (R-TOK-1);
 *  - every key stored, and every key refused by policy or verification,
 *    leaves an audit record.
 *
 * Enrolling a key for a user whose enrollment needs a second person (a
 * privileged user: approval.c's table, R-PRIV-3): an administrator's
 * token_fido2_begin stores a request (approval_gate); its approval,
 * replaying token_fido2_begin, stores a grant bound to that user, valid
 * for request_lifetime but at most an hour.  The privileged user spends
 * it: `kagictl enroll --grant` (enroll_fido2_begin / _finish with
 * "grant"), run by the user's own account and logged in as themselves
 * (login uid = uid, person.h), with the key in their hand; the finish
 * that stores the key spends the grant in the same transaction.  No
 * administrator's finish, and no import, ever stores a privileged
 * user's key: whoever asked or approved never holds its credential.
 *
 * The attestation a registration must bring depends on the user's role
 * (fido2_attestation, _privileged, _vendor; fido2.h): by default a
 * privileged user's key needs a full attestation that chains to
 * fido2_attestation_roots or names an AAGUID of fido2_aaguids (R-PRIV-2).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <openssl/rand.h>

#include "approval.h"
#include "audit.h"
#include "b64.h"
#include "challenge.h"
#include "clock.h"
#include "describe.h"
#include "enrollment.h"
#include "fido2.h"
#include "fido2_factor.h"
#include "fido2_reg.h"
#include "fido2_wire.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "proto_ops.h"
#include "store_life.h"
#include "wipe.h"

/* How long an approval to enroll a privileged user's key lasts at most. */
#define GRANT_LIFETIME_MAX 3600
/* The kinds of registration: an administrator's, a user's own. */
#define KIND_ADMIN "admin"
#define KIND_SELF "self"
#define KIND_GRANT "grant"

static int
reg_bind(const char *kind, const char *user, int64_t request, char *out,
    size_t len)
{
	int n;

	n = snprintf(out, len, "reg|%s|%zu:%s|%lld", kind, strlen(user), user,
	    (long long)request);
	return n < 0 || (size_t)n >= len ? KAGI_ERR_TOO_LARGE : 0;
}

/*
 * Begin a registration of kind for u: reply gets the challenge, rp_id,
 * user_id, exclude and uv.  kind is bound into the challenge with u and a
 * request number, so a challenge serves only the kind of request that
 * asked for it.
 */
static int
reg_begin(struct kagid_ctx *ctx, const struct user_rec *u, const char *kind,
    struct json_object *reply)
{
	struct fido2_cred_walk w;
	uint8_t chal[CHAL_LEN], uid[32];
	char bind[CHAL_BIND_MAX + 1];
	int64_t request;
	int r;

	memset(&w, 0, sizeof(w));
	if ((w.ids = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	request = ++ctx->fido2_reg_seq;
	if ((r = fido2_cred_walk(ctx, u->id, 0, &w)) != 0 ||
	    (r = reg_bind(kind, u->name, request, bind, sizeof(bind))) != 0 ||
	    (r = chal_issue(ctx->challenges, bind, kagi_now(),
	    ctx->cfg->fido2_challenge_lifetime, chal)) != 0)
		goto out;
	if (RAND_bytes(uid, sizeof(uid)) != 1) {
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	if ((r = proto_set_int(reply, "request", request)) != 0 ||
	    (r = b64_set(reply, "challenge", chal, sizeof(chal))) != 0 ||
	    (r = proto_set_str(reply, "rp_id", ctx->cfg->fido2_rp_id)) != 0 ||
	    (r = b64_set(reply, "user_id", uid, sizeof(uid))) != 0 ||
	    (r = proto_set_str(reply, "user", u->name)) != 0 ||
	    (r = proto_set_str(reply, "uv",
	    fido2_uv_policy_names[ctx->cfg->fido2_uv])) != 0)
		goto out;
	json_object_object_add(reply, "exclude", w.ids);
	w.ids = NULL;
 out:
	kagi_wipe(chal, sizeof(chal));
	json_object_put(w.ids);
	return r;
}

/* An approval replayed: the requester may enroll one key for u. */
int
fido2_reg_grant_create(struct kagid_ctx *ctx, const struct peer *peer,
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
	    (r = proto_set_str(f, "spent_by", u->name)) != 0 ||
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
	char ag[37];
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
	r = fido2_factor_add(ctx, u, pk, pk_len, &t, &f, &id);
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

/* The attestation policy of role's keys (R-PRIV-2). */
void
fido2_reg_att_policy(const struct kagid_config *cfg, int role,
    struct fido2_att_policy *pol)
{
	if (role == ROLE_PRIVILEGED)
		pol->mode = cfg->fido2_attestation_privileged;
	else if (role == ROLE_VENDOR)
		pol->mode = cfg->fido2_attestation_vendor;
	else
		pol->mode = cfg->fido2_attestation;
	pol->roots = cfg->fido2_attestation_roots;
	pol->aaguids = cfg->fido2_aaguids;
}

/*
 * Finish it: take the challenge (single use), verify the key's answer in
 * req and store the credential as an active token of u: *token its id,
 * or 0 when refused (reply's "refused" says why, and a record is kept).
 */
static int
reg_finish(struct kagid_ctx *ctx, const struct peer *peer,
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
	fido2_reg_att_policy(ctx->cfg, u->role, &pol);
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

/* Does enrolling a key for u need a second person's grant? */
static int
grant_needed(const struct kagid_ctx *ctx, const struct user_rec *u)
{
	return fido2_reg_grant_needed(ctx, OP_TOKEN_FIDO2_BEGIN, u);
}

int
fido2_reg_grant_needed(const struct kagid_ctx *ctx, const char *op,
    const struct user_rec *u)
{
	return approval_needed(ctx->cfg, op, u->role, APPROVAL_NO_ROLE);
}

int
fido2_reg_admin_gate(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *op, struct json_object *req,
    struct json_object *reply, int *done)
{
	const struct request_rec *q;
	int r;

	*done = 1;
	if ((q = approval_executing(ctx)) != NULL)
		return fido2_reg_grant_create(ctx, peer, u, q, reply);
	if (fido2_reg_grant_needed(ctx, op, u)) {
		/* Always a request: its grant goes to the user, not to us. */
		r = approval_gate(ctx, peer, req, u->role, APPROVAL_NO_ROLE,
		    reply);
		return r == APPROVAL_PENDING ? 0 : r != 0 ? r :
		    KAGI_ERR_DENIED;
	}
	*done = 0;
	return 0;
}

int
fido2_reg_admin_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *req,
    struct json_object *reply)
{
	int r, done = 0;

	if ((r = fido2_reg_admin_gate(ctx, peer, u, OP_TOKEN_FIDO2_BEGIN, req,
	    reply, &done)) != 0 || done)
		return r;
	return reg_begin(ctx, u, KIND_ADMIN, reply);
}

int
fido2_reg_admin_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *req,
    struct json_object *reply)
{
	int64_t token = 0;

	/* R-PRIV-3: a privileged user's key only from that user's hand. */
	if (grant_needed(ctx, u))
		return refuse(ctx, peer, u->name, "enrolled_by_user", reply);
	return reg_finish(ctx, peer, u, KIND_ADMIN, req, reply, &token);
}

int
fido2_reg_import(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct fido2_import *im,
    struct json_object *reply)
{
	static const uint8_t no_aaguid[FIDO2_AAGUID_LEN];
	uint8_t *cid = NULL, *pk = NULL;
	size_t cid_len = 0, pk_len = 0;
	int64_t token = 0;
	int r;

	/* A key an administrator brings is never a privileged user's
	 * (R-PRIV-3): it was never shown to be in that user's hand. */
	if (u->role == ROLE_PRIVILEGED)
		return refuse(ctx, peer, u->name, "enrolled_by_user", reply);
	/* A key without user verification would fail every log-in while
	 * fido2_uv = required: refused now, on record, not at the door. */
	if (im->uv == fido2_uv_from_name("none") &&
	    ctx->cfg->fido2_uv == UVPOLICY_REQUIRED)
		return refuse(ctx, peer, u->name, "no_uv", reply);
	if ((r = b64_decode(im->credential, 1, FIDO2_CRED_ID_MAX, &cid,
	    &cid_len)) != 0 ||
	    (r = b64_decode(im->public_key, 1, FIDO2_PK_MAX, &pk,
	    &pk_len)) != 0)
		goto out;
	if (fido2_pk_check(im->alg, pk, pk_len) != 0) {
		r = refuse(ctx, peer, u->name, "public_key", reply);
		goto out;
	}
	r = add_cred(ctx, peer, u, im->label, im->alg, cid, cid_len, pk,
	    pk_len, no_aaguid, 0, im->uv, "pam_u2f", reply, &token);
 out:
	free(cid);
	free(pk);
	return r;
}

/*
 * May the caller spend an enrollment grant on its own account now?  *g
 * the grant; *why NULL when it may, else "no_grant", "not_in_person",
 * "disabled" or "locked".
 */
static int
grant_self_check(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, struct user_rec *u, struct enroll_grant_rec *g,
    const char **why)
{
	struct lock_rec l;
	int r;

	*why = NULL;
	if ((r = enroll_self_user(ctx, peer, asked, u)) != 0 ||
	    (r = store_lock_get(ctx->store, u->id, &l)) != 0)
		return r;
	/* The user, logged in as themselves: nobody else's hand. */
	if (peer->uid == 0 || peer->loginuid != peer->uid)
		*why = "not_in_person";
	else if (u->disabled)
		*why = "disabled";
	else if (lockout_is_locked(&l, kagi_now()))
		*why = "locked";
	else {
		r = store_enroll_grant_find(ctx->store, u->id, kagi_now(), g);
		if (r == KAGI_ERR_NOT_FOUND) {
			*why = "no_grant";
			r = 0;
		}
	}
	return r;
}

/*
 * May the caller enroll its own key now, with its enrollment code or,
 * code NULL, its grant (*g)?  0 with *ok set and *u its account when it
 * may; 0 with *ok clear when refused (reply says why, a record is kept);
 * else an error.
 */
int
fido2_reg_self_may(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked,
    const char *code, struct user_rec *u, struct enroll_grant_rec *g,
    struct json_object *reply, int *ok)
{
	const char *why = NULL;
	int r;

	*ok = 0;
	r = code == NULL ? grant_self_check(ctx, peer, asked, u, g, &why) :
	    enroll_self_check(ctx, peer, asked, code, u, &why);
	if (r != 0)
		return r;
	if (why == NULL) {
		*ok = 1;
		return 0;
	}
	return code == NULL ? refuse(ctx, peer, u->name, why, reply) :
	    enroll_self_refuse(ctx, peer, u, why, reply);
}

int
fido2_reg_self_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *reply)
{
	struct enroll_grant_rec g;
	struct user_rec u;
	int r, ok = 0;

	if ((r = fido2_reg_self_may(ctx, peer, asked, code, &u, &g, reply,
	    &ok)) != 0 ||
	    !ok)
		return r;
	if (code == NULL && (r = proto_set_int(reply, "grant", g.id)) != 0)
		return r;
	return reg_begin(ctx, &u, code == NULL ? KIND_GRANT : KIND_SELF,
	    reply);
}

/* The grant g of u is spent on token, with its record. */
static int
grant_spend(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct enroll_grant_rec *g, int64_t token)
{
	struct json_object *f = NULL;
	int r;

	if ((r = store_enroll_grant_use(ctx->store, g->id, kagi_now(),
	    token)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "grant", g->id)) == 0 &&
	    (r = proto_set_int(f, "request", g->request_id)) == 0 &&
	    (r = proto_set_str(f, "requester", g->requester)) == 0 &&
	    (r = proto_set_str(f, "approver", g->approver)) == 0 &&
	    (r = proto_set_int(f, "token", token)) == 0)
		r = audit_record(ctx, peer, LOG_NOTICE, "enroll_grant_use",
		    u->name, f);
	json_object_put(f);
	return r;
}

int
fido2_reg_self_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *req,
    struct json_object *reply)
{
	struct enroll_grant_rec g;
	struct user_rec u;
	int64_t token = 0;
	int r, ok = 0;

	if ((r = fido2_reg_self_may(ctx, peer, asked, code, &u, &g, reply,
	    &ok)) != 0 ||
	    !ok)
		return r;
	if ((r = reg_finish(ctx, peer, &u, code == NULL ? KIND_GRANT :
	    KIND_SELF, req, reply, &token)) != 0 || token == 0)
		return r;
	return fido2_reg_self_spend(ctx, peer, &u, code, &g, token);
}

int
fido2_reg_self_spend(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *code,
    const struct enroll_grant_rec *g, int64_t token)
{
	/* The grant or the code is spent with the key, in one transaction. */
	return code == NULL ? grant_spend(ctx, peer, u, g, token) :
	    enroll_code_spend(ctx, peer, u, token);
}
