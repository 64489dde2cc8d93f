/*
 * enrollment.c - enrollment codes (R-TOK-4): issuing one, what a code
 * typed at log-in may turn out to be, and a user enrolling their own
 * FIDO2 key with one.
 *
 * An administrator issues a user one enrollment code (kagictl user add
 * --enroll-code, or user enroll-code): 100 random bits, shown once,
 * stored as SHA-256 over a per-code salt and the code, valid for
 * enroll_code_lifetime.  Issuing another replaces it.
 *
 * At log-in the user types it where a TOTP code is asked for.  When no
 * TOTP token matches and the code is the user's unused, unexpired
 * enrollment code, enroll_code_try() spends it at once (single use from
 * its first presentation), creates a pending TOTP token and answers
 * "enroll" with the otpauth URI and its QR code as text.  The log-in
 * succeeds only when auth_enroll (h_enroll.c) then brings a right code
 * from the new authenticator, within pending_lifetime of the
 * presentation; abandoned midway, the code stays spent and the token
 * pending, and an administrator issues a new code.
 *
 * The same code lets a user enroll their own FIDO2 key with kagictl
 * enroll (fido2_reg.c registers it): enroll_self_check() says whether
 * the account is the caller's own (SO_PEERCRED name, never the
 * request's), enabled and not locked, and the code good; it is checked
 * at both steps and spent (enroll_code_spend()) only by the finish that
 * stores the key, in the same transaction, so a key that fails or is
 * refused leaves the code usable.  Each refusal is recorded
 * (enroll_code_refused).
 *
 * Guarantees:
 *  - a code is single use and expires; the stored hash is compared in
 *    constant time, and the code is wiped wherever it was held;
 *  - a wrong code, someone else's code, a used or an expired one changes
 *    nothing;
 *  - privileged users never enroll this way (they need FIDO2 and a second
 *    person, R-PRIV-3): no code is issued to them, and one issued before
 *    a role change is refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "clock.h"
#include "enrollment.h"
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
enroll_code_issue(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *reply)
{
	struct enroll_code_rec e;
	struct json_object *f = NULL;
	char shown[UCODE_SHOWN_LEN + 1], code[UCODE_LEN + 1];
	int64_t now = kagi_now();
	int r;

	memset(&e, 0, sizeof(e));
	if (u->role == ROLE_PRIVILEGED || u->disabled)
		return KAGI_ERR_STATE;
	e.user_id = u->id;
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
	    u->name, f)) != 0 ||
	    (r = proto_set_str(reply, "user", u->name)) != 0 ||
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

/* --- a user enrolling their own FIDO2 key ------------------------------- */

/*
 * The caller's own kagi user: the name comes from the peer (SO_PEERCRED),
 * never from the request; a "user" asked for in the request must name the
 * same account, or the request is denied and logged.
 */
int
enroll_self_user(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, struct user_rec *u)
{
	char canon[STORE_NAME_MAX + 1], mine[STORE_NAME_MAX + 1];

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

int
enroll_self_refuse(struct kagid_ctx *ctx, const struct peer *peer,
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

int
enroll_self_check(struct kagid_ctx *ctx, const struct peer *peer,
    const char *asked, const char *code, struct user_rec *u,
    const char **why)
{
	struct lock_rec l;
	int r;

	*why = NULL;
	if ((r = enroll_self_user(ctx, peer, asked, u)) != 0 ||
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
enroll_code_spend(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, int64_t token)
{
	struct json_object *f = NULL;
	int r;

	if ((r = store_enroll_code_use(ctx->store, u->id, kagi_now(),
	    token)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "token", token)) == 0 &&
	    (r = proto_set_str(f, "type", "fido2")) == 0)
		r = audit_record(ctx, peer, LOG_NOTICE, "enroll_code_use",
		    u->name, f);
	json_object_put(f);
	return r;
}
