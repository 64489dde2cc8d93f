/*
 * pk_kagid.c - pam_kagi's requests to kagid, one per question: auth_begin,
 * auth_totp, auth_fido2, account, enrollment at log-in, and break-glass
 * when kagid cannot be reached.
 *
 * Guarantees:
 *  - Every request carries the call's context (user, service, tty,
 *    remote host, zone); the connection is opened on first use.
 *  - Only kagid's "success" (auth) or "ok" (account) becomes PK_GRANTED;
 *    anything unreadable, unknown or unreachable is PK_UNAVAILABLE, logged
 *    with why: fail closed (R-AVL-1, R-MFA-1).  Break-glass is the one
 *    exception, only with breakglass_file= and only when kagid could not
 *    be reached at all (R-EXC-1).
 *  - The code, and an enrollment's secret, are wiped from the requests
 *    and replies (json-c keeps its own copies) before they are freed;
 *    never logged.  User-supplied strings are quoted in logs.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "pk_breakglass.h"
#include "pk_conv.h"
#include "pk_dl.h"
#include "pk_fido2.h"
#include "pk_int.h"
#include "proto.h"
#include "proto_ops.h"
#include "wipe.h"

/* The zones as kagid names them; zone= takes one of these (pam_kagi.c). */
const char *const pk_zones[] = { "mynumber", "lgwan", "internet", NULL };

/* A request with the context every authentication request carries. */
int
pk_request_new(const struct pk_ctx *ctx, const char *op,
    struct json_object **out)
{
	struct json_object *req;
	int r = KAGI_ERR_NOMEM;

	*out = NULL;
	if ((req = proto_request_new(op)) == NULL)
		goto out;
	if ((r = proto_set_str(req, "user", ctx->user)) != 0 ||
	    (ctx->service != NULL &&
	    (r = proto_set_str(req, "service", ctx->service)) != 0) ||
	    (ctx->tty != NULL &&
	    (r = proto_set_str(req, "tty", ctx->tty)) != 0) ||
	    (ctx->rhost != NULL &&
	    (r = proto_set_str(req, "rhost", ctx->rhost)) != 0) ||
	    (r = proto_set_str(req, "zone", pk_zones[ctx->opts.zone])) != 0)
		goto out;
	*out = req;
	req = NULL;
	r = 0;
 out:
	json_object_put(req);
	return r;
}

/* Send req over the call's connection (opened on first use). */
int
pk_call(struct pk_ctx *ctx, struct json_object *req,
    struct json_object **reply)
{
	const char *sock = ctx->opts.socket != NULL ? ctx->opts.socket :
	    KAGI_DEFAULT_SOCKET;
	int r;

	*reply = NULL;
	if (ctx->client == NULL) {
		pk_debug(ctx, "connecting to %s", sock);
		if ((r = client_connect(sock, (int)ctx->opts.timeout * 1000,
		    &ctx->client)) != 0)
			return r;
	}
	if ((r = client_call(ctx->client, req, reply)) == 0)
		ctx->reply_ms = kagi_monotonic_ms();
	return r;
}

void
pk_client_after_wait(struct pk_ctx *ctx)
{
	if (ctx->client != NULL &&
	    kagi_monotonic_ms() - ctx->reply_ms >= PK_REUSE_MS) {
		pk_debug(ctx, "kagid's connection idle for too long: closed");
		client_free(&ctx->client);
	}
}

/*
 * Log why kagid could not be used, with the error reply's message when
 * there is one.  The outcome is always PK_UNAVAILABLE.
 */
enum pk_outcome
pk_unavailable(const struct pk_ctx *ctx, const char *op, int r,
    struct json_object *reply)
{
	const char *msg = NULL;
	char q[KAGI_FIELD_MAX + 16];

	if (reply != NULL &&
	    proto_get_str_opt(reply, "message", KAGI_FIELD_MAX, &msg) != 0)
		msg = NULL;
	if (msg != NULL)
		pam_syslog(ctx->pamh, LOG_ERR, "%s: kagid answered an error: "
		    "%s (%s)", op, kagi_strerror(r),
		    kagi_log_quote(msg, q, sizeof(q)));
	else
		pam_syslog(ctx->pamh, LOG_ERR, "%s: kagid unavailable: %s",
		    op, kagi_strerror(r));
	return PK_UNAVAILABLE;
}

/*
 * auth_begin's methods: the first one kagid prefers decides; "totp"
 * anywhere in the list allows falling back to a code.
 */
static int
pk_methods(struct pk_ctx *ctx, struct json_object *reply, const char **first)
{
	struct json_object *m = NULL, *v;
	size_t i, n;

	*first = NULL;
	if (!json_object_object_get_ex(reply, "methods", &m))
		return proto_get_str(reply, "method", KAGI_NAME_MAX, first);
	if (!json_object_is_type(m, json_type_array) ||
	    (n = json_object_array_length(m)) == 0 || n > 8)
		return KAGI_ERR_INVALID;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(m, i);
		if (!json_object_is_type(v, json_type_string))
			return KAGI_ERR_INVALID;
		if (i == 0)
			*first = json_object_get_string(v);
		if (strcmp(json_object_get_string(v), "totp") == 0)
			ctx->totp_allowed = 1;
	}
	return 0;
}

/* auth_begin: kagid says how this user is to be asked. */
enum pk_outcome
pk_auth_begin(struct pk_ctx *ctx)
{
	struct json_object *req = NULL, *reply = NULL, *fo = NULL;
	const char *method = NULL, *banner = NULL;
	int64_t digits = 0;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r;

	if ((r = pk_request_new(ctx, OP_AUTH_BEGIN, &req)) != 0 ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = pk_methods(ctx, reply, &method)) != 0 ||
	    (r = proto_get_int(reply, "digits", 6, 8, &digits)) != 0) {
		ctx->unreachable = reply == NULL;
		o = pk_unavailable(ctx, OP_AUTH_BEGIN, r, reply);
		goto out;
	}
	if (strcmp(method, "fido2") == 0) {
		if (!json_object_object_get_ex(reply, "fido2", &fo) ||
		    (r = pkf_request_parse(fo, &ctx->freq)) != 0) {
			o = pk_unavailable(ctx, OP_AUTH_BEGIN, KAGI_ERR_INVALID,
			    NULL);
			goto out;
		}
		ctx->fido2 = 1;
		pk_debug(ctx, "%s: method fido2, %zu credentials%s",
		    OP_AUTH_BEGIN, ctx->freq.ncred,
		    ctx->totp_allowed ? ", totp allowed" : "");
		o = PK_CONTINUE;
		goto out;
	}
	if (strcmp(method, "totp") != 0) {
		char q[KAGI_NAME_MAX + 16];

		pam_syslog(ctx->pamh, LOG_ERR, "%s: unsupported method %s",
		    OP_AUTH_BEGIN, kagi_log_quote(method, q, sizeof(q)));
		goto out;
	}
	pk_debug(ctx, "%s: method totp, %d digits", OP_AUTH_BEGIN,
	    (int)digits);
	/* The banner comes before the prompt, as it is, untranslated. */
	if ((r = proto_get_str_opt(reply, "banner", PK_BANNER_MAX,
	    &banner)) != 0) {
		o = pk_unavailable(ctx, OP_AUTH_BEGIN, r, reply);
		goto out;
	}
	pk_conv_show_banner(ctx, banner);
	o = PK_CONTINUE;
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/*
 * Wipe a string member's bytes inside a json-c object before the object
 * goes: json-c keeps its own copy of every string it is given.
 */
static void
pk_wipe_member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;
	int len;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	len = json_object_get_string_len(v);
	if (len > 0)
		kagi_wipe((void *)(uintptr_t)json_object_get_string(v),
		    (size_t)len);
}

/*
 * The previous success from a "success" reply (R-MFA-5).  A success
 * whose reply cannot be read is still a success: these fields only
 * inform, and the line is then not shown.
 */
static enum pk_outcome
pk_last_login_read(struct pk_ctx *ctx, struct json_object *reply)
{
	const char *from = NULL, *factors = NULL;
	int64_t t = 0, n = 0;

	if (proto_get_int_opt(reply, "last_time", 0, INT64_MAX, &t) != 0 ||
	    proto_get_int_opt(reply, "failures_since", 0, INT32_MAX, &n) != 0 ||
	    proto_get_str_opt(reply, "last_from", KAGI_FIELD_MAX, &from) != 0 ||
	    proto_get_str_opt(reply, "last_factors", KAGI_NAME_MAX,
	    &factors) != 0) {
		pam_syslog(ctx->pamh, LOG_WARNING, "%s: unreadable last "
		    "log-in fields", OP_AUTH_TOTP);
		return PK_GRANTED;
	}
	ctx->last_time = t;
	ctx->failures_since = n;
	snprintf(ctx->last_from, sizeof(ctx->last_from), "%s",
	    from != NULL ? from : "-");
	snprintf(ctx->last_factors, sizeof(ctx->last_factors), "%s",
	    factors != NULL ? factors : "-");
	return PK_GRANTED;
}

/*
 * --- policy2: enrolling at log-in with an enrollment code (R-TOK-4) -----
 *
 * kagid accepted an enrollment code and made a pending TOTP token: show
 * its QR code and otpauth URI (they carry the new secret: wiped from the
 * reply afterwards), then ask for codes from the new authenticator, up to
 * three, each on a connection of its own.  Only kagid's "success" for one
 * of them logs in.
 */
#define PK_ENROLL_TRIES 3
#define PK_QR_MAX 16384

static enum pk_outcome
pk_enroll(struct pk_ctx *ctx, struct json_object *reply)
{
	struct json_object *req = NULL, *rep = NULL;
	const char *uri = NULL, *qr = NULL, *verdict = NULL;
	char *code = NULL;
	int64_t token = 0;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r, i;

	if ((r = proto_get_int(reply, "token", 1, INT64_MAX, &token)) != 0 ||
	    (r = proto_get_str(reply, "uri", KAGI_FIELD_MAX * 4, &uri)) != 0 ||
	    (r = proto_get_str(reply, "qr", PK_QR_MAX, &qr)) != 0) {
		o = pk_unavailable(ctx, OP_AUTH_TOTP, r, NULL);
		goto out;
	}
	pam_syslog(ctx->pamh, LOG_NOTICE, "enrolling a TOTP token at log-in "
	    "(token %lld)", (long long)token);
	pk_conv_show_enroll(ctx, qr, uri);
	client_free(&ctx->client);
	for (i = 0; i < PK_ENROLL_TRIES; i++) {
		if ((o = pk_conv_ask_code(ctx, &code)) != PK_CONTINUE)
			goto out;
		o = PK_UNAVAILABLE;
		if ((r = pk_request_new(ctx, OP_AUTH_ENROLL, &req)) != 0 ||
		    (r = proto_set_int(req, "token", token)) != 0 ||
		    (r = proto_set_str(req, "code", code)) != 0 ||
		    (r = pk_call(ctx, req, &rep)) != 0 ||
		    (r = proto_get_str(rep, "verdict", KAGI_NAME_MAX,
		    &verdict)) != 0) {
			o = pk_unavailable(ctx, OP_AUTH_ENROLL, r, rep);
			goto out;
		}
		client_free(&ctx->client);
		kagi_free_str(code);
		code = NULL;
		pk_wipe_member(req, "code");
		json_object_put(req);
		req = NULL;
		if (strcmp(verdict, VERDICT_SUCCESS) == 0) {
			o = PK_GRANTED;
			goto out;
		}
		json_object_put(rep);
		rep = NULL;
		o = PK_DENIED;
		if (i + 1 < PK_ENROLL_TRIES)
			pk_conv_show_enroll_retry(ctx);
	}
	pk_conv_show_enroll_failed(ctx);
 out:
	kagi_free_str(code);
	pk_wipe_member(req, "code");
	json_object_put(req);
	json_object_put(rep);
	pk_wipe_member(reply, "uri");
	pk_wipe_member(reply, "qr");
	return o;
}

/*
 * --- policy2: break-glass while kagid is unreachable (R-EXC-1) ---------
 *
 * Only with breakglass_file= and only when kagid could not be reached at
 * all: the code is checked against the file kagid keeps, spent there, and
 * the log-in is logged at alert priority.  The PAM handle remembers it so
 * that the account step, which cannot reach kagid either, lets it pass.
 */

static void
pk_bg_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

enum pk_outcome
pk_breakglass_offline(struct pk_ctx *ctx)
{
	char err[512], q[KAGI_NAME_MAX * 4 + 16];
	struct pk_crypto crypto;
	char *code = NULL;
	int64_t id = 0;
	enum pk_outcome o;
	int r;

	/* libcrypto (the KDF, pk_kdf.c) is loaded only on this path. */
	if (pk_crypto_open(&crypto, err, sizeof(err)) != 0) {
		pam_syslog(ctx->pamh, LOG_ERR, "break-glass: %s", err);
		return PK_UNAVAILABLE;
	}
	pk_crypto_close(&crypto);
	if ((o = pk_conv_ask_code(ctx, &code)) != PK_CONTINUE)
		return o;
	r = pk_breakglass_use(ctx->opts.breakglass_file, ctx->user, code,
	    kagi_now(), &id, err, sizeof(err));
	kagi_free_str(code);
	if (r == KAGI_ERR_BAD_CODE) {
		pam_syslog(ctx->pamh, LOG_NOTICE, "kagid unreachable; no "
		    "unused break-glass code of %s matched",
		    kagi_log_quote(ctx->user, q, sizeof(q)));
		return PK_UNAVAILABLE;
	}
	if (r != 0) {
		pam_syslog(ctx->pamh, LOG_ERR, "break-glass file refused: %s",
		    err[0] != '\0' ? err : kagi_strerror(r));
		return PK_UNAVAILABLE;
	}
	pam_syslog(ctx->pamh, LOG_ALERT, "BREAK-GLASS log-in of %s with code "
	    "%lld while kagid is unreachable: report it (kagictl breakglass "
	    "list)", kagi_log_quote(ctx->user, q, sizeof(q)), (long long)id);
	if (pam_set_data(ctx->pamh, PK_BG_DATA, strdup("1"),
	    pk_bg_cleanup) != PAM_SUCCESS)
		return PK_SYSTEM;
	pk_conv_show_breakglass(ctx);
	return PK_GRANTED;
}

/* auth_totp: hand the code over; kagid gives the verdict. */
enum pk_outcome
pk_auth_totp(struct pk_ctx *ctx, const char *code)
{
	struct json_object *req = NULL, *reply = NULL;
	const char *verdict = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	char q[KAGI_NAME_MAX + 16];
	int r;

	if ((r = pk_request_new(ctx, OP_AUTH_TOTP, &req)) != 0 ||
	    (r = proto_set_str(req, "code", code)) != 0 ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_str(reply, "verdict", KAGI_NAME_MAX,
	    &verdict)) != 0) {
		o = pk_unavailable(ctx, OP_AUTH_TOTP, r, reply);
		goto out;
	}
	if (strcmp(verdict, VERDICT_SUCCESS) == 0)
		o = pk_last_login_read(ctx, reply);
	else if (strcmp(verdict, VERDICT_DENIED) == 0)
		o = PK_DENIED;
	else if (strcmp(verdict, VERDICT_ENROLL) == 0)
		o = pk_enroll(ctx, reply);	/* policy2: enrollment code */
	else if (strcmp(verdict, VERDICT_THROTTLED) == 0)
		o = PK_THROTTLED;
	else
		pam_syslog(ctx->pamh, LOG_ERR, "%s: unknown verdict %s",
		    OP_AUTH_TOTP, kagi_log_quote(verdict, q, sizeof(q)));
	pk_debug(ctx, "%s: verdict %s", OP_AUTH_TOTP,
	    kagi_log_quote(verdict, q, sizeof(q)));
 out:
	pk_wipe_member(req, "code");
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/* auth_fido2: the assertion, or what went wrong; kagid gives the verdict. */
enum pk_outcome
pk_auth_fido2(struct pk_ctx *ctx, enum pkf_result res,
    const struct pkf_answer *ans)
{
	struct json_object *req = NULL, *reply = NULL;
	const char *verdict = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	char q[KAGI_NAME_MAX + 16];
	int r;

	if ((r = pk_request_new(ctx, OP_AUTH_FIDO2, &req)) != 0)
		goto fail;
	if (res == PKF_OK) {
		if ((r = proto_set_str(req, "credential", ans->credential)) != 0 ||
		    (r = proto_set_str(req, "authdata", ans->authdata)) != 0 ||
		    (r = proto_set_str(req, "sig", ans->sig)) != 0 ||
		    (r = proto_set_str(req, "uv_method", ans->uv_method)) != 0)
			goto fail;
	} else if ((r = proto_set_str(req, "failure",
	    pkf_failure_name(res))) != 0) {
		goto fail;
	}
	if ((r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_str(reply, "verdict", KAGI_NAME_MAX,
	    &verdict)) != 0)
		goto fail;
	if (strcmp(verdict, VERDICT_SUCCESS) == 0 && res == PKF_OK)
		o = pk_last_login_read(ctx, reply);
	else if (strcmp(verdict, VERDICT_DENIED) == 0 ||
	    strcmp(verdict, VERDICT_SUCCESS) == 0)
		o = PK_DENIED;
	else
		pam_syslog(ctx->pamh, LOG_ERR, "%s: unknown verdict %s",
		    OP_AUTH_FIDO2, kagi_log_quote(verdict, q, sizeof(q)));
	pk_debug(ctx, "%s: verdict %s", OP_AUTH_FIDO2,
	    kagi_log_quote(verdict, q, sizeof(q)));
	goto out;
 fail:
	o = pk_unavailable(ctx, OP_AUTH_FIDO2, r, reply);
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/* account: kagid says whether the account may be used now. */
enum pk_outcome
pk_account(struct pk_ctx *ctx)
{
	static const struct {
		const char *verdict;
		enum pk_outcome outcome;
	} verdicts[] = {
		{ VERDICT_OK, PK_GRANTED },
		{ VERDICT_LOCKED, PK_LOCKED },
		{ VERDICT_DISABLED, PK_DISABLED },
		{ VERDICT_UNKNOWN, PK_UNKNOWN },
		{ VERDICT_UNENROLLED, PK_UNENROLLED },
		{ VERDICT_REFUSED, PK_REFUSED },
	};
	struct json_object *req = NULL, *reply = NULL;
	const char *verdict = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	char q[KAGI_NAME_MAX + 16];
	size_t i;
	int r;

	if ((r = pk_request_new(ctx, OP_ACCOUNT, &req)) != 0 ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_str(reply, "verdict", KAGI_NAME_MAX,
	    &verdict)) != 0) {
		o = pk_unavailable(ctx, OP_ACCOUNT, r, reply);
		goto out;
	}
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (strcmp(verdict, verdicts[i].verdict) == 0)
			break;
	if (i == sizeof(verdicts) / sizeof(verdicts[0])) {
		pam_syslog(ctx->pamh, LOG_ERR, "%s: unknown verdict %s",
		    OP_ACCOUNT, kagi_log_quote(verdict, q, sizeof(q)));
		goto out;
	}
	o = verdicts[i].outcome;
	pk_debug(ctx, "%s: verdict %s", OP_ACCOUNT, verdicts[i].verdict);
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}
