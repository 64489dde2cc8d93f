/*
 * login_sshkey.c - a log-in through the SSH gateway with an OpenSSH
 * security key (auth_sshkey; login.h, issue 16, R-MFA-2, R-MFA-3,
 * R-REM-1, R-REM-3, R-PRIV-2).
 *
 * sshd took the key (kagi-authkeys listed it, with verify-required, and
 * the key signed with its user verified); pam_kagi, after the password,
 * hands over the one "publickey" line sshd exposed in SSH_AUTH_INFO_0,
 * or says why there is none.  The decision, in order:
 *   1. the shared checks (login_precheck: throttle, unknown or disabled,
 *      locked, a vendor's terms from this address now, the factor);
 *   2. the gateway's terms (gateway.c: staff and privileged users need a
 *      remote-access grant);
 *   3. what the module reported ("auth_info_absent", "_malformed",
 *      "_ambiguous"): a refusal, recorded, not counted (not a guess);
 *   4. the key: a security key of this user, active, sealed to this user
 *      with this key at enrolment ("unknown_key", "foreign_key" -- also
 *      a row moved in the store --, "revoked"): a failure, counted;
 *   5. success, provisional like every other (login_confirm.c), recorded
 *      with the token, the key's fingerprint and the factors it proved:
 *      possession, and knowledge or inherence through the user
 *      verification sshd required of the key.
 * Nothing here is spent: the key's signature was sshd's to check.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "fido2_factor.h"
#include "gateway.h"
#include "kagi_err.h"
#include "login.h"
#include "policy.h"
#include "proto.h"
#include "proto_ops.h"
#include "sshkey.h"

#define SSHKEY_METHOD "sshkey"

static const char *const module_failures[] = { "auth_info_absent",
    "auth_info_malformed", "auth_info_ambiguous", NULL };

int
login_sshkey_failure_known(const char *failure)
{
	size_t i;

	for (i = 0; module_failures[i] != NULL; i++)
		if (strcmp(module_failures[i], failure) == 0)
			return 1;
	return 0;
}

/* The key's token of u, or why it is none. */
static int
key_token(struct kagid_ctx *ctx, const struct user_rec *u,
    const struct sshkey_sk *k, struct sshkey_rec *rec, const char **why)
{
	struct token_rec t;
	int r;

	memset(&t, 0, sizeof(t));
	*why = NULL;
	r = store_sshkey_find(ctx->store, k->blob, k->blob_len, rec);
	if (r == KAGI_ERR_NOT_FOUND) {
		*why = "unknown_key";
		return 0;
	}
	if (r != 0 || (r = store_token_get(ctx->store, rec->token_id,
	    &t)) != 0)
		return r;
	if (t.user_id != u->id)
		*why = "foreign_key";
	else if (t.state != TOKEN_ACTIVE || t.type != TOKEN_SSHKEY)
		*why = "revoked";
	/* Sealed to this user with this key at enrolment (R-TOK-1). */
	else if ((r = fido2_factor_sshkey_sealed_to(ctx, u->name, &t,
	    rec)) == KAGI_ERR_CRYPTO || r == KAGI_ERR_INVALID)
		*why = "foreign_key";
	else if (r != 0) {
		token_rec_clear(&t);
		return r;
	}
	token_rec_clear(&t);
	return 0;
}

/* A refusal that is no guess: recorded, not counted. */
static int
refused(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *why)
{
	struct json_object *f;
	int r;

	if ((f = login_fields(a, "failure", why)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "factor", SSHKEY_METHOD)) == 0)
		r = audit_record(ctx, peer, LOG_WARNING, "auth", a->user, f);
	json_object_put(f);
	return r;
}

static int
provisional(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a,
    const struct sshkey_rec *rec, int64_t now, struct json_object *reply)
{
	struct json_object *f, *fa = NULL;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((fa = json_object_new_array()) == NULL ||
	    json_object_array_add(fa, json_object_new_string("possession")) ||
	    json_object_array_add(fa,
	    json_object_new_string("knowledge_or_inherence"))) {
		json_object_put(fa);
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	json_object_object_add(f, "factors", fa);
	if ((r = proto_set_int(f, "token", rec->token_id)) != 0 ||
	    (r = proto_set_str(f, "fingerprint", rec->fingerprint)) != 0 ||
	    (r = proto_set_str(f, "uv", "required")) != 0)
		goto out;
	r = login_provisional(ctx, peer, u, a, SSHKEY_METHOD, SSHKEY_METHOD, f,
	    now, reply);
 out:
	json_object_put(f);
	return r;
}

int
login_sshkey(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *key, const char *failure,
    int64_t now, struct json_object *reply, const char **verdict)
{
	struct user_rec u;
	struct lock_rec l;
	struct sshkey_sk k;
	struct sshkey_rec rec;
	const char *why = NULL;
	char from[GATEWAY_FROM_MAX];
	int64_t ends = 0;
	int r;

	*verdict = VERDICT_DENIED;
	if ((r = login_precheck(ctx, peer, a, FACTOR_FIDO2, now, &u, &l,
	    verdict)) != 0 || *verdict != NULL)
		return r;
	*verdict = VERDICT_DENIED;
	if ((r = gateway_terms(ctx, &u, a->rhost != NULL ? a->rhost : "", now,
	    &why, &ends, from)) != 0)
		return r;
	if (why != NULL)
		return refused(ctx, peer, a, why);
	if (failure != NULL)
		return refused(ctx, peer, a, failure);
	if (key == NULL || sshkey_sk_from_line(key, strlen(key), &k) != 0)
		return refused(ctx, peer, a, "auth_info_malformed");
	if ((r = key_token(ctx, &u, &k, &rec, &why)) != 0)
		return r;
	if (why != NULL)
		return login_fail(ctx, peer, &u, a, why, SSHKEY_METHOD, now);
	if ((r = provisional(ctx, peer, &u, a, &rec, now, reply)) != 0)
		return r;
	*verdict = VERDICT_SUCCESS;
	return 0;
}
