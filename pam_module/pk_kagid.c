/*
 * pk_kagid.c - kagid: pam_kagi's requests to kagid, one per question
 * (auth_begin, auth_totp, auth_enroll, auth_fido2, account,
 * session_open, session_close), and kagid's answers read into what the
 * flows need.  Nothing here talks to the person or the key.
 *
 * Guarantees:
 *  - Every request carries the call's context (user, service, tty,
 *    remote host, zone); the connection is opened on first use.
 *  - Only kagid's "success" (auth, enrollment) with a confirmation id,
 *    "ok" (account) or a registration (session) becomes PK_GRANTED;
 *    anything unreadable, unknown or unreachable is PK_UNAVAILABLE,
 *    logged with why: fail closed (R-AVL-1, R-MFA-1).  An allocation
 *    that fails on the way is PK_NOMEM.
 *  - The code, and an enrollment's secret, are wiped from the requests
 *    and replies (json-c keeps its own copies) before they are freed;
 *    never logged.  The secret handed to the caller is a copy it wipes
 *    (pk_enrollment_clear()).  User-supplied strings are quoted in logs.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "names.h"
#include "pk_fido2_wire.h"
#include "pk_int.h"
#include "pk_kagid.h"
#include "proto.h"
#include "proto_ops.h"
#include "wipe.h"

/* Longest banner kagid sends (kagid's BANNER_MAX). */
#define PK_BANNER_MAX 2048
/* Longest QR code of an enrollment, as text. */
#define PK_QR_MAX 16384


/* A request with the context every authentication request carries. */
static int
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
	    (r = proto_set_str(req, "zone", kagi_zone_names[ctx->opts.zone])) != 0)
		goto out;
	*out = req;
	req = NULL;
	r = 0;
 out:
	json_object_put(req);
	return r;
}

/* Send req over the call's connection (opened on first use). */
static int
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
pk_kagid_after_wait(struct pk_ctx *ctx)
{
	if (ctx->client != NULL &&
	    kagi_monotonic_ms() - ctx->reply_ms >= PK_REUSE_MS) {
		pk_debug(ctx, "kagid's connection idle for too long: closed");
		client_free(&ctx->client);
	}
}

void
pk_kagid_close(struct pk_ctx *ctx)
{
	client_free(&ctx->client);
}

/*
 * Log why kagid could not be used, with the error reply's message when
 * there is one; note a state store kagid cannot reach (ctx->store_down).  The outcome is PK_UNAVAILABLE, or PK_NOMEM when what
 * failed was an allocation of ours.
 */
static enum pk_outcome
pk_unavailable(struct pk_ctx *ctx, const char *op, int r,
    struct json_object *reply)
{
	const char *msg = NULL;
	char q[KAGI_FIELD_MAX + 16];

	if (r == KAGI_ERR_NOMEM) {
		pam_syslog(ctx->pamh, LOG_CRIT, "%s: out of memory", op);
		return PK_NOMEM;
	}
	/* kagid answers, its state store does not (issue 14): the user is
	 * told so in plain words (pk_conv_show_outcome()). */
	if (r == KAGI_ERR_STORE_DOWN) {
		ctx->store_down = 1;
		pam_syslog(ctx->pamh, LOG_ERR, "%s: kagid cannot reach its "
		    "state store: log-in refused", op);
		return PK_UNAVAILABLE;
	}
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
pk_kagid_auth_begin(struct pk_ctx *ctx, char **banner)
{
	struct json_object *req = NULL, *reply = NULL, *fo = NULL;
	const char *method = NULL, *b = NULL;
	int64_t digits = 0;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r;

	*banner = NULL;
	if ((r = pk_request_new(ctx, OP_AUTH_BEGIN, &req)) != 0 ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = pk_methods(ctx, reply, &method)) != 0 ||
	    (r = proto_get_int(reply, "digits", 6, 8, &digits)) != 0) {
		ctx->unreachable = reply == NULL && r != KAGI_ERR_NOMEM;
		o = pk_unavailable(ctx, OP_AUTH_BEGIN, r, reply);
		goto out;
	}
	/* The banner, for before the first prompt, as it is, untranslated. */
	if ((r = proto_get_str_opt(reply, "banner", PK_BANNER_MAX, &b)) != 0) {
		o = pk_unavailable(ctx, OP_AUTH_BEGIN, r, reply);
		goto out;
	}
	if (b != NULL && (*banner = strdup(b)) == NULL) {
		o = pk_unavailable(ctx, OP_AUTH_BEGIN, KAGI_ERR_NOMEM, NULL);
		goto out;
	}
	if (strcmp(method, "fido2") == 0) {
		if (!json_object_object_get_ex(reply, "fido2", &fo) ||
		    (r = pkf_request_parse(fo, &ctx->freq)) != 0) {
			o = pk_unavailable(ctx, OP_AUTH_BEGIN,
			    r == KAGI_ERR_NOMEM ? r : KAGI_ERR_INVALID, NULL);
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
	o = PK_CONTINUE;
 out:
	if (o != PK_CONTINUE) {
		free(*banner);
		*banner = NULL;
	}
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/*
 * An auth "success": provisional until the account step sends its
 * confirmation id back (pk_state.c).  A success without one is not a
 * success this module understands: fail closed.
 */
static enum pk_outcome
pk_success_read(struct pk_ctx *ctx, const char *op,
    struct json_object *reply)
{
	const char *id = NULL;
	int r;

	if ((r = proto_get_str(reply, "confirm", KAGI_NAME_MAX, &id)) != 0)
		return pk_unavailable(ctx, op, r, NULL);
	snprintf(ctx->confirm, sizeof(ctx->confirm), "%s", id);
	return PK_GRANTED;
}

/*
 * The previous success from an account "ok" that confirmed this log-in
 * (R-MFA-5).  A reply whose fields cannot be read is still "ok": these
 * fields only inform, and the line is then not shown.
 */
static void
pk_last_login_read(struct pk_ctx *ctx, struct json_object *reply)
{
	const char *from = NULL, *factors = NULL;
	int64_t t = 0, n = 0, ended = -1;

	ctx->last_time = 0;
	if (proto_get_int_opt(reply, "last_time", 0, INT64_MAX, &t) != 0 ||
	    proto_get_int_opt(reply, "failures_since", 0, INT32_MAX, &n) != 0 ||
	    proto_get_int_opt(reply, "last_ended", 0, INT64_MAX, &ended) != 0 ||
	    proto_get_str_opt(reply, "last_from", KAGI_FIELD_MAX, &from) != 0 ||
	    proto_get_str_opt(reply, "last_factors", KAGI_NAME_MAX,
	    &factors) != 0) {
		pam_syslog(ctx->pamh, LOG_WARNING, "%s: unreadable last "
		    "log-in fields", OP_ACCOUNT);
		return;
	}
	ctx->last_time = t;
	ctx->failures_since = n;
	ctx->last_ended = ended;
	snprintf(ctx->last_from, sizeof(ctx->last_from), "%s",
	    from != NULL ? from : "-");
	snprintf(ctx->last_factors, sizeof(ctx->last_factors), "%s",
	    factors != NULL ? factors : "-");
}

void
pk_enrollment_clear(struct pk_enrollment *enr)
{
	kagi_free_str(enr->qr);
	kagi_free_str(enr->uri);
	memset(enr, 0, sizeof(*enr));
}

/*
 * kagid accepted an enrollment code and made a pending TOTP
 * token (R-TOK-4): its id, and copies of its QR code and otpauth URI,
 * which carry the new secret.
 */
static enum pk_outcome
pk_enrollment_read(struct pk_ctx *ctx, struct json_object *reply,
    struct pk_enrollment *enr)
{
	const char *uri = NULL, *qr = NULL;
	int64_t token = 0;
	int r;

	if ((r = proto_get_int(reply, "token", 1, INT64_MAX, &token)) != 0 ||
	    (r = proto_get_str(reply, "uri", KAGI_FIELD_MAX * 4, &uri)) != 0 ||
	    (r = proto_get_str(reply, "qr", PK_QR_MAX, &qr)) != 0)
		return pk_unavailable(ctx, OP_AUTH_TOTP, r, NULL);
	if ((enr->qr = strdup(qr)) == NULL ||
	    (enr->uri = strdup(uri)) == NULL) {
		pk_enrollment_clear(enr);
		return pk_unavailable(ctx, OP_AUTH_TOTP, KAGI_ERR_NOMEM, NULL);
	}
	enr->token = token;
	return PK_CONTINUE;
}

/* auth_totp: hand the code over; kagid gives the verdict. */
enum pk_outcome
pk_kagid_auth_totp(struct pk_ctx *ctx, const char *code,
    struct pk_enrollment *enr)
{
	struct json_object *req = NULL, *reply = NULL;
	const char *verdict = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	char q[KAGI_NAME_MAX + 16];
	int r;

	memset(enr, 0, sizeof(*enr));
	if ((r = pk_request_new(ctx, OP_AUTH_TOTP, &req)) != 0 ||
	    (r = proto_set_str(req, "code", code)) != 0 ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_str(reply, "verdict", KAGI_NAME_MAX,
	    &verdict)) != 0) {
		o = pk_unavailable(ctx, OP_AUTH_TOTP, r, reply);
		goto out;
	}
	if (strcmp(verdict, VERDICT_SUCCESS) == 0)
		o = pk_success_read(ctx, OP_AUTH_TOTP, reply);
	else if (strcmp(verdict, VERDICT_DENIED) == 0)
		o = PK_DENIED;
	else if (strcmp(verdict, VERDICT_ENROLL) == 0)
		o = pk_enrollment_read(ctx, reply, enr);
	else if (strcmp(verdict, VERDICT_THROTTLED) == 0)
		o = PK_THROTTLED;
	else
		pam_syslog(ctx->pamh, LOG_ERR, "%s: unknown verdict %s",
		    OP_AUTH_TOTP, kagi_log_quote(verdict, q, sizeof(q)));
	pk_debug(ctx, "%s: verdict %s", OP_AUTH_TOTP,
	    kagi_log_quote(verdict, q, sizeof(q)));
 out:
	/* The code, the otpauth URI and its QR code carry secrets. */
	proto_wipe_put(reply);
	proto_wipe_put(req);
	return o;
}

enum pk_outcome
pk_kagid_auth_sshkey(struct pk_ctx *ctx, const char *key, const char *failure)
{
	struct json_object *req = NULL, *reply = NULL;
	const char *verdict = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	char q[KAGI_NAME_MAX + 16];
	int r;

	if ((r = pk_request_new(ctx, OP_AUTH_SSHKEY, &req)) != 0 ||
	    (key != NULL && (r = proto_set_str(req, "key", key)) != 0) ||
	    (failure != NULL &&
	    (r = proto_set_str(req, "failure", failure)) != 0) ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_str(reply, "verdict", KAGI_NAME_MAX,
	    &verdict)) != 0) {
		o = pk_unavailable(ctx, OP_AUTH_SSHKEY, r, reply);
		goto out;
	}
	/* A success is one only for a key sent. */
	if (strcmp(verdict, VERDICT_SUCCESS) == 0 && key != NULL)
		o = pk_success_read(ctx, OP_AUTH_SSHKEY, reply);
	else if (strcmp(verdict, VERDICT_THROTTLED) == 0)
		o = PK_THROTTLED;
	else
		o = PK_DENIED;
	pk_debug(ctx, "%s: verdict %s", OP_AUTH_SSHKEY,
	    kagi_log_quote(verdict, q, sizeof(q)));
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/* auth_enroll: a code of the new authenticator; kagid gives the verdict. */
enum pk_outcome
pk_kagid_auth_enroll(struct pk_ctx *ctx, int64_t token, const char *code)
{
	struct json_object *req = NULL, *reply = NULL;
	const char *verdict = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r;

	if ((r = pk_request_new(ctx, OP_AUTH_ENROLL, &req)) != 0 ||
	    (r = proto_set_int(req, "token", token)) != 0 ||
	    (r = proto_set_str(req, "code", code)) != 0 ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_str(reply, "verdict", KAGI_NAME_MAX,
	    &verdict)) != 0) {
		o = pk_unavailable(ctx, OP_AUTH_ENROLL, r, reply);
		goto out;
	}
	/* The next code waits for the person: on a connection of its own. */
	client_free(&ctx->client);
	o = strcmp(verdict, VERDICT_SUCCESS) == 0 ?
	    pk_success_read(ctx, OP_AUTH_ENROLL, reply) : PK_DENIED;
 out:
	json_object_put(reply);
	proto_wipe_put(req);
	return o;
}

/*
 * auth_fido2: the assertion, or what went wrong; kagid gives the verdict.
 * With fallback (no key, and a code allowed), kagid's "fallback" is
 * PK_CONTINUE.
 */
enum pk_outcome
pk_kagid_auth_fido2(struct pk_ctx *ctx, enum pkf_result res,
    const struct pkf_answer *ans, int fallback)
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
	    pkf_failure_name(res))) != 0 ||
	    (fallback && (r = proto_set_str(req, "fallback", "totp")) != 0)) {
		goto fail;
	}
	if ((r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_str(reply, "verdict", KAGI_NAME_MAX,
	    &verdict)) != 0)
		goto fail;
	if (strcmp(verdict, VERDICT_SUCCESS) == 0 && res == PKF_OK)
		o = pk_success_read(ctx, OP_AUTH_FIDO2, reply);
	else if (strcmp(verdict, VERDICT_FALLBACK) == 0 && fallback)
		o = PK_CONTINUE;
	else if (strcmp(verdict, VERDICT_DENIED) == 0 ||
	    strcmp(verdict, VERDICT_SUCCESS) == 0 ||
	    strcmp(verdict, VERDICT_FALLBACK) == 0)
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

/*
 * account: kagid says whether the account may be used now, and with
 * confirm, confirms this handle's auth success: its "ok" then carries the
 * previous log-in.
 */
enum pk_outcome
pk_kagid_account(struct pk_ctx *ctx, const char *confirm)
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
		{ VERDICT_UNCONFIRMED, PK_UNCONFIRMED },
	};
	struct json_object *req = NULL, *reply = NULL;
	const char *verdict = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	char q[KAGI_NAME_MAX + 16];
	size_t i;
	int r;

	if ((r = pk_request_new(ctx, OP_ACCOUNT, &req)) != 0 ||
	    (confirm != NULL &&
	    (r = proto_set_str(req, "confirm", confirm)) != 0) ||
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
	if (o == PK_GRANTED && confirm != NULL)
		pk_last_login_read(ctx, reply);
	pk_debug(ctx, "%s: verdict %s%s", OP_ACCOUNT, verdicts[i].verdict,
	    confirm != NULL ? " (confirming)" : "");
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/* session_open: register; kagid's id and when it will end the session. */
enum pk_outcome
pk_kagid_session_open(struct pk_ctx *ctx, const char *logind,
    int64_t *session, int64_t *ends)
{
	struct json_object *req = NULL, *reply = NULL;
	int64_t id = 0, end = 0;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r;

	*session = 0;
	*ends = 0;
	if ((r = pk_request_new(ctx, OP_SESSION_OPEN, &req)) != 0 ||
	    (r = proto_set_int(req, "pid", (int64_t)getpid())) != 0 ||
	    (r = proto_set_int(req, "sid", (int64_t)getsid(0))) != 0 ||
	    (logind != NULL &&
	    (r = proto_set_str(req, "logind", logind)) != 0) ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_int(reply, "session", 1, INT64_MAX, &id)) != 0 ||
	    (r = proto_get_int(reply, "ends", 0, INT64_MAX, &end)) != 0) {
		o = pk_unavailable(ctx, OP_SESSION_OPEN, r, reply);
		goto out;
	}
	pk_debug(ctx, "%s: session %lld, ends %lld", OP_SESSION_OPEN,
	    (long long)id, (long long)end);
	*session = id;
	*ends = end;
	o = PK_GRANTED;
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/* session_close: by kagid's id when there is one, else by this pid. */
enum pk_outcome
pk_kagid_session_close(struct pk_ctx *ctx, const int64_t *session)
{
	struct json_object *req = NULL, *reply = NULL;
	int64_t ended = 0;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r;

	if ((r = pk_request_new(ctx, OP_SESSION_CLOSE, &req)) != 0 ||
	    (r = proto_set_int(req, "pid", (int64_t)getpid())) != 0 ||
	    (session != NULL &&
	    (r = proto_set_int(req, "session", *session)) != 0) ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_int(reply, "ended", 0, INT64_MAX, &ended)) != 0) {
		o = pk_unavailable(ctx, OP_SESSION_CLOSE, r, reply);
		goto out;
	}
	pk_debug(ctx, "%s: %lld sessions ended", OP_SESSION_CLOSE,
	    (long long)ended);
	o = PK_GRANTED;
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}
