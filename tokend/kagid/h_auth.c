/*
 * h_auth.c - the log-in requests: auth_begin, auth_totp, auth_fido2,
 * auth_enroll, account.
 *
 * Each handler reads its fields, checks that the caller may verify this
 * user (root, or the user itself: peer_may_verify()), hands the decision
 * to core/login*.c and puts the verdict into the reply.  A refused
 * log-in is a success of the handler: its count and its records commit.
 * An auth_* success is provisional: account with its confirmation id
 * confirms it (login_confirm.c).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "fido2_wire.h"
#include "handlers.h"
#include "gateway.h"
#include "kagi_err.h"
#include "login.h"
#include "proto.h"
#include "proto_ops.h"
#include "sshkey.h"

/* The verdict into the reply; NULL when the flow wrote its own reply. */
static int
reply_verdict(struct json_object *reply, const char *verdict)
{
	return verdict != NULL ? proto_set_str(reply, "verdict", verdict) : 0;
}

/* The log-in request's fields, and may the caller verify this user? */
static int
login_request(const struct peer *peer, struct json_object *req,
    struct login_req *a)
{
	int r;

	if ((r = login_req_parse(req, a)) != 0)
		return r;
	return peer_may_verify(peer, a->user) ? 0 : KAGI_ERR_DENIED;
}

int
h_auth_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct login_req a;
	int r;

	if ((r = login_request(peer, req, &a)) != 0)
		return r;
	return login_begin(ctx, &a, reply);
}

int
h_auth_totp(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct login_req a;
	const char *code = NULL, *verdict = NULL;
	int r;

	if ((r = login_req_parse(req, &a)) != 0)
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
	if ((r = login_totp(ctx, peer, &a, code, kagi_now(), reply,
	    &verdict)) != 0)
		return r;
	return reply_verdict(reply, verdict);
}

int
h_auth_fido2(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct login_req a;
	struct fido2_answer an;
	const char *failure = NULL, *verdict = NULL, *fallback = NULL;
	int r, parsed;

	memset(&an, 0, sizeof(an));
	if ((r = login_req_parse(req, &a)) != 0 ||
	    (r = proto_get_str_opt(req, "failure", KAGI_NAME_MAX,
	    &failure)) != 0 ||
	    (r = proto_get_str_opt(req, "fallback", KAGI_NAME_MAX,
	    &fallback)) != 0)
		return r;
	if ((failure != NULL && !login_fido2_failure_known(failure)) ||
	    (fallback != NULL && (failure == NULL ||
	    strcmp(fallback, "totp") != 0)))
		return KAGI_ERR_INVALID;
	if (!peer_may_verify(peer, a.user))
		return KAGI_ERR_DENIED;
	/* An answer that does not parse is a failed attempt, not an error. */
	parsed = failure == NULL && fido2_answer_parse(req, &an) == 0;
	r = login_fido2(ctx, peer, &a, failure, fallback != NULL,
	    parsed ? &an : NULL, kagi_now(), reply, &verdict);
	fido2_answer_clear(&an);
	return r != 0 ? r : reply_verdict(reply, verdict);
}

int
h_auth_enroll(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct login_req a;
	const char *code = NULL, *verdict = NULL;
	int64_t token = 0;
	int r;

	if ((r = login_req_parse(req, &a)) != 0 ||
	    (r = proto_get_int(req, "token", 1, INT64_MAX, &token)) != 0 ||
	    (r = proto_get_str(req, "code", KAGI_FIELD_MAX, &code)) != 0)
		return r;
	if (!peer_may_verify(peer, a.user))
		return KAGI_ERR_DENIED;
	if ((r = login_enroll(ctx, peer, &a, token, code, kagi_now(), reply,
	    &verdict)) != 0)
		return r;
	return reply_verdict(reply, verdict);
}

int
h_account(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct login_req a;
	const char *verdict = NULL, *confirm = NULL;
	int r;

	if ((r = login_request(peer, req, &a)) != 0 ||
	    (r = proto_get_str_opt(req, "confirm", KAGI_NAME_MAX,
	    &confirm)) != 0)
		return r;
	/* With the id of this handle's auth success: confirm it too. */
	r = confirm != NULL ?
	    login_confirm(ctx, peer, &a, confirm, kagi_now(), reply,
	    &verdict) :
	    login_account(ctx, peer, &a, kagi_now(), &verdict);
	return r != 0 ? r : reply_verdict(reply, verdict);
}

/* auth_sshkey: the gateway's key, after the password (login_sshkey.c). */
int
h_auth_sshkey(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct login_req a;
	const char *key = NULL, *failure = NULL, *verdict = NULL;
	int r;

	if ((r = login_request(peer, req, &a)) != 0 ||
	    (r = proto_get_str_opt(req, "key", SSHKEY_LINE_MAX, &key)) != 0 ||
	    (r = proto_get_str_opt(req, "failure", KAGI_NAME_MAX,
	    &failure)) != 0)
		return r;
	/* One of them, and a failure the module may report. */
	if ((key == NULL) == (failure == NULL) ||
	    (failure != NULL && !login_sshkey_failure_known(failure)))
		return KAGI_ERR_INVALID;
	if ((r = login_sshkey(ctx, peer, &a, key, failure, kagi_now(), reply,
	    &verdict)) != 0)
		return r;
	return reply_verdict(reply, verdict);
}

/* authkeys: sshd's AuthorizedKeysCommand asks (gateway.c); reads only. */
int
h_authkeys(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *user = NULL, *rhost = NULL;
	int r;

	if ((r = gateway_authkeys_caller(ctx, peer)) != 0)
		return r;
	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &user)) != 0 ||
	    (r = proto_get_str_opt(req, "rhost", KAGI_NAME_MAX, &rhost)) != 0)
		return r;
	return gateway_authkeys(ctx, user, rhost, kagi_now(), reply);
}
