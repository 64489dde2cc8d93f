/*
 * h_enroll.c - enrollment (R-TOK-4): enroll_code_issue, a user enrolling
 * their own FIDO2 key with a code (enroll_fido2_begin / _finish) or
 * SSH security key (enroll_sshkey_begin / _finish), and
 * auth_enroll, the log-in that finishes enrolling a TOTP authenticator.
 *
 * The code's handlers read their fields and call enrollment.c, which
 * decides who gets a code and what one is good for, and fido2_reg.c,
 * which registers a key enrolled with one.  A code typed at
 * log-in (enroll_code_try()) leaves a pending TOTP token; auth_enroll
 * succeeds only when it brings a right code from that new
 * authenticator, within pending_lifetime of the code's presentation.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "clock.h"
#include "enrollment.h"
#include "fido2_reg.h"
#include "handlers.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "sshkey_reg.h"
#include "store_life.h"
#include "totp_factor.h"
#include "username.h"
#include "wipe.h"

int
h_enroll_code_issue(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct user_rec u;
	const char *name = NULL;
	int r;

	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &name)) != 0)
		return r;
	if (!user_name_valid(name))
		return KAGI_ERR_INVALID;
	if ((r = store_user_get(ctx->store, name, &u)) != 0)
		return r;
	return enroll_code_issue(ctx, peer, &u, reply);
}

/* A user's own FIDO2 key, with a code (fido2_reg.c, enrollment.c). */

/*
 * Either "code" (an enrollment code) or "grant": true (an approved
 * grant, R-PRIV-3; *code NULL), never both, never neither.
 */
static int
req_code_or_grant(struct json_object *req, const char **code)
{
	int grant = 0, r;

	*code = NULL;
	if ((r = proto_get_str_opt(req, "code", KAGI_FIELD_MAX, code)) != 0 ||
	    (r = proto_get_bool_opt(req, "grant", &grant)) != 0)
		return r;
	if ((*code == NULL) == (grant == 0))
		return KAGI_ERR_INVALID;
	return 0;
}

int
h_enroll_fido2_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *label = NULL, *code = NULL, *asked = NULL;
	int r;

	if ((r = proto_get_str_opt(req, "label", STORE_LABEL_MAX,
	    &label)) != 0 ||
	    (r = req_code_or_grant(req, &code)) != 0 ||
	    (r = proto_get_str_opt(req, "user", KAGI_NAME_MAX, &asked)) != 0)
		return r;
	return fido2_reg_self_begin(ctx, peer, asked, code, reply);
}

/* The code or grant, and the user asked for (NULL: the caller). */
static int
self_fields(struct json_object *req, const char **code, const char **asked)
{
	int r;

	if ((r = req_code_or_grant(req, code)) != 0)
		return r;
	return proto_get_str_opt(req, "user", KAGI_NAME_MAX, asked);
}

int
h_enroll_fido2_finish(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *code = NULL, *asked = NULL;
	int r;

	if ((r = self_fields(req, &code, &asked)) != 0)
		return r;
	return fido2_reg_self_finish(ctx, peer, asked, code, req, reply);
}

/* A user's own SSH security key, with a code or a grant (sshkey_reg.c):
 * the same fields as a FIDO2 key's. */
int
h_enroll_sshkey_begin(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *code = NULL, *asked = NULL;
	int r;

	if ((r = self_fields(req, &code, &asked)) != 0)
		return r;
	return sshkey_reg_self_begin(ctx, peer, asked, code, reply);
}

int
h_enroll_sshkey_finish(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *code = NULL, *asked = NULL;
	int r;

	if ((r = self_fields(req, &code, &asked)) != 0)
		return r;
	return sshkey_reg_self_finish(ctx, peer, asked, code, req, reply);
}
