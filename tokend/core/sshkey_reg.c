/*
 * sshkey_reg.c - enrolling an OpenSSH security key (sshkey_reg.h): the
 * key an administrator or the user brings from `ssh-keygen -t
 * ed25519-sk -O verify-required -O challenge=FILE -O
 * write-attestation=FILE`, checked against the challenge kagid issued.
 *
 * Guarantees:
 *  - a challenge is bound to the kind of enrolment (an administrator's,
 *    the user's with a code, the user's with a grant) and the user, lasts
 *    sshkey_challenge_lifetime, and is spent by the finish that presents
 *    a key, whatever the outcome; a second begin replaces the first;
 *  - a key is stored only when sshkey_att_verify() accepted it: over
 *    this challenge, the attested key is the SSH key, user verification
 *    flagged and required by the credential, application "ssh:", the
 *    role's attestation policy and AAGUID allow-list; for vendors and
 *    privileged users self and none attestations are refused whatever
 *    the policy says (they prove nothing about the key's maker);
 *  - a key enrolled already, to anyone, is refused (R-TOK-1);
 *  - the attestation is kept sealed (fido2_factor.c, the one owner of
 *    the sealing key for keys);
 *  - every key stored, and every refusal, leaves an audit record.
 * A privileged user's key follows the FIDO2 rule (R-PRIV-3): an
 * administrator's begin stores a request, its approval a grant that the
 * user spends in person (fido2_reg.c decides who may), and no
 * administrator's finish ever stores it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "b64.h"
#include "challenge.h"
#include "clock.h"
#include "describe.h"
#include "fido2.h"
#include "fido2_factor.h"
#include "fido2_reg.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "proto_ops.h"
#include "sshkey.h"
#include "sshkey_att.h"
#include "sshkey_reg.h"
#include "wipe.h"

#define SSHKEY_METHOD "sshkey"
#define KIND_ADMIN "admin"
#define KIND_SELF "self"
#define KIND_GRANT "grant"

static int
reg_bind(const char *kind, const char *user, char *out, size_t len)
{
	int n;

	n = snprintf(out, len, "sshreg|%s|%zu:%s", kind, strlen(user), user);
	return n < 0 || (size_t)n >= len ? KAGI_ERR_TOO_LARGE : 0;
}

/* A fresh challenge for kind and u into reply. */
static int
reg_begin(struct kagid_ctx *ctx, const struct user_rec *u, const char *kind,
    struct json_object *reply)
{
	uint8_t chal[CHAL_LEN];
	char bind[CHAL_BIND_MAX + 1];
	int64_t now = kagi_now(), life = ctx->cfg->sshkey_challenge_lifetime;
	int r;

	if ((r = reg_bind(kind, u->name, bind, sizeof(bind))) != 0 ||
	    (r = chal_issue(ctx->challenges, bind, now, life, chal)) != 0)
		goto out;
	if ((r = b64_set(reply, "challenge", chal, sizeof(chal))) != 0 ||
	    (r = proto_set_str(reply, "user", u->name)) != 0 ||
	    (r = proto_set_str(reply, "application", SSHKEY_APP_DEFAULT)) != 0)
		goto out;
	r = proto_set_int(reply, "expires", now + life);
 out:
	kagi_wipe(chal, sizeof(chal));
	return r;
}

/* Refused by policy or verification: say why, and keep a record. */
static int
refuse(struct kagid_ctx *ctx, const struct peer *peer, const char *user,
    const char *why, const char *fp, struct json_object *reply)
{
	struct json_object *f;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "type", SSHKEY_METHOD)) != 0 ||
	    (r = proto_set_str(f, "reason", why)) != 0 ||
	    (fp != NULL && (r = proto_set_str(f, "fingerprint", fp)) != 0) ||
	    (r = audit_record(ctx, peer, LOG_WARNING, "token_refused", user,
	    f)) != 0)
		goto out;
	r = proto_set_str(reply, "refused", why);
 out:
	json_object_put(f);
	return r;
}

/* The attestation policy for u's SSH keys: the role's, and never self or
 * none for a vendor or a privileged user. */
static void
reg_policy(const struct kagid_config *cfg, int role,
    struct fido2_att_policy *pol)
{
	fido2_reg_att_policy(cfg, role, pol);
	if ((role == ROLE_VENDOR || role == ROLE_PRIVILEGED) &&
	    pol->mode == ATTEST_ANY)
		pol->mode = ATTEST_FULL;
}

/* Store the verified key k of u, its attestation sealed. */
static int
add_key(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *label, const struct sshkey_sk *k,
    const uint8_t *att, size_t att_len, const struct sshkey_att_result *res,
    struct json_object *reply, int64_t *token)
{
	struct token_rec t;
	struct sshkey_rec rec;
	struct json_object *to = NULL, *af = NULL;
	char ag[37];
	int64_t id = 0;
	int r;

	memset(&t, 0, sizeof(t));
	memset(&rec, 0, sizeof(rec));
	t.user_id = u->id;
	t.type = TOKEN_SSHKEY;
	t.state = TOKEN_ACTIVE;
	snprintf(t.label, sizeof(t.label), "%s", label);
	t.last_step = -1;
	t.created = kagi_now();
	memcpy(rec.blob, k->blob, k->blob_len);
	rec.blob_len = k->blob_len;
	snprintf(rec.fingerprint, sizeof(rec.fingerprint), "%s",
	    res->fingerprint);
	memcpy(rec.aaguid, res->aaguid, FIDO2_AAGUID_LEN);
	if ((r = fido2_factor_sshkey_add(ctx, u, att, att_len, &t, &rec,
	    &id)) != 0)
		goto out;
	t.id = id;
	fido2_aaguid_format(res->aaguid, ag);
	if ((r = fido2_token_json(ctx, &t, u->name, &to)) != 0)
		goto out;
	if ((af = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(af, "token", id)) != 0 ||
	    (r = proto_set_str(af, "type", SSHKEY_METHOD)) != 0 ||
	    (r = proto_set_str(af, "label", t.label)) != 0 ||
	    (r = proto_set_str(af, "algorithm", sshkey_sk_type_name(k->type)))
	    != 0 ||
	    (r = proto_set_str(af, "fingerprint", res->fingerprint)) != 0 ||
	    (r = proto_set_str(af, "aaguid", ag)) != 0 ||
	    (r = proto_set_str(af, "attestation", fido2_att_kind_name(res->kind)))
	    != 0 ||
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

/*
 * Take the challenge of kind for u (single use), verify req's key and
 * attestation and store the key: *token its id, or 0 when refused.
 */
static int
reg_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *kind, struct json_object *req,
    struct json_object *reply, int64_t *token)
{
	struct fido2_att_policy pol;
	struct sshkey_sk k;
	struct sshkey_rec old;
	struct sshkey_att_result res;
	const char *line = NULL, *att64 = NULL, *label = "security key";
	const char *why = NULL;
	uint8_t chal[CHAL_LEN], *att = NULL;
	char bind[CHAL_BIND_MAX + 1], fp[SSHKEY_FP_LEN];
	size_t att_len = 0;
	int r, have;

	*token = 0;
	memset(&res, 0, sizeof(res));
	if ((r = proto_get_str(req, "key", SSHKEY_LINE_MAX, &line)) != 0 ||
	    (r = proto_get_str(req, "attestation", SSHKEY_ATT_MAX * 2,
	    &att64)) != 0 ||
	    (r = proto_get_str_opt(req, "label", STORE_LABEL_MAX,
	    &label)) != 0 ||
	    (r = reg_bind(kind, u->name, bind, sizeof(bind))) != 0)
		return r;
	/* Single use: spent here, whatever follows. */
	r = chal_take(ctx->challenges, bind, kagi_now(), chal);
	if (r != 0 && r != KAGI_ERR_NOT_FOUND)
		return r;
	have = r == 0;
	if (sshkey_sk_from_line(line, strlen(line), &k) != 0) {
		r = refuse(ctx, peer, u->name, "public_key", NULL, reply);
		goto out;
	}
	if ((r = sshkey_sk_fingerprint(&k, fp)) != 0)
		goto out;
	if (!have) {
		r = refuse(ctx, peer, u->name, "no_challenge", fp, reply);
		goto out;
	}
	if (b64_decode(att64, 1, SSHKEY_ATT_MAX, &att, &att_len) != 0) {
		r = refuse(ctx, peer, u->name, "malformed", fp, reply);
		goto out;
	}
	reg_policy(ctx->cfg, u->role, &pol);
	r = sshkey_att_verify(&k, att, att_len, SSHKEY_APP_DEFAULT, chal, &pol,
	    &res, &why);
	if (r == KAGI_ERR_CONFIG) {
		kagi_error("attestation roots %s cannot be used",
		    pol.roots != NULL ? pol.roots : "(none)");
		goto out;
	}
	if (r != 0) {
		r = refuse(ctx, peer, u->name, why != NULL ? why : "malformed",
		    fp, reply);
		goto out;
	}
	/* Enrolled already, to this user or another (R-TOK-1). */
	r = store_sshkey_find(ctx->store, k.blob, k.blob_len, &old);
	if (r == 0) {
		r = refuse(ctx, peer, u->name, "duplicate", fp, reply);
		goto out;
	}
	if (r != KAGI_ERR_NOT_FOUND)
		goto out;
	r = add_key(ctx, peer, u, label, &k, att, att_len, &res, reply, token);
 out:
	kagi_wipe(chal, sizeof(chal));
	free(att);
	return r;
}

int
sshkey_reg_admin_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *req,
    struct json_object *reply)
{
	int r, done = 0;

	if ((r = fido2_reg_admin_gate(ctx, peer, u, OP_TOKEN_SSHKEY_BEGIN, req,
	    reply, &done)) != 0 || done)
		return r;
	return reg_begin(ctx, u, KIND_ADMIN, reply);
}

int
sshkey_reg_admin_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *req,
    struct json_object *reply)
{
	int64_t token = 0;

	/* R-PRIV-3: a privileged user's key only from that user's hand. */
	if (fido2_reg_grant_needed(ctx, OP_TOKEN_SSHKEY_BEGIN, u))
		return refuse(ctx, peer, u->name, "enrolled_by_user", NULL,
		    reply);
	return reg_finish(ctx, peer, u, KIND_ADMIN, req, reply, &token);
}

int
sshkey_reg_self_begin(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *reply)
{
	struct enroll_grant_rec g;
	struct user_rec u;
	int r, ok = 0;

	if ((r = fido2_reg_self_may(ctx, peer, asked, code, &u, &g, reply,
	    &ok)) != 0 || !ok)
		return r;
	if (code == NULL && (r = proto_set_int(reply, "grant", g.id)) != 0)
		return r;
	return reg_begin(ctx, &u, code == NULL ? KIND_GRANT : KIND_SELF,
	    reply);
}

int
sshkey_reg_self_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct json_object *req,
    struct json_object *reply)
{
	struct enroll_grant_rec g;
	struct user_rec u;
	int64_t token = 0;
	int r, ok = 0;

	if ((r = fido2_reg_self_may(ctx, peer, asked, code, &u, &g, reply,
	    &ok)) != 0 || !ok)
		return r;
	if ((r = reg_finish(ctx, peer, &u, code == NULL ? KIND_GRANT :
	    KIND_SELF, req, reply, &token)) != 0 || token == 0)
		return r;
	return fido2_reg_self_spend(ctx, peer, &u, code, &g, token);
}
