/*
 * pam_kagi.c - the PAM module: the second factor, decided by kagid.
 *
 * The module is thin.  It reads its options, gathers the context (user,
 * service, tty, remote host, zone), asks kagid one question per PAM call
 * over its UNIX socket, talks to the user through the PAM conversation,
 * and turns kagid's verdict into a PAM code.  It makes no policy decision
 * and holds no secret beyond one call: the code typed by the user is
 * wiped as soon as it has been sent.
 *
 * Guarantees:
 *  - Only an explicit verdict from kagid ("success" for auth, "ok" for
 *    account) gives PAM_SUCCESS.  Every other outcome, including any
 *    failure to reach kagid or to understand its reply, denies: fail
 *    closed (R-AVL-1, R-MFA-1).  PAM_IGNORE is never returned.
 *  - A bad or unknown option is PAM_SERVICE_ERR, logged by name.
 *  - Outcomes become PAM codes in exactly one place, pk_pam_code().
 *  - The host's locale is never changed: a lang= option switches the
 *    thread locale only while a message is translated.
 *  - Logs never hold the code; user-supplied strings are quoted.
 *  - The session part registers each session with kagid (user, service,
 *    tty, remote host, the host process's pid and session id, the logind
 *    session id from PAM's own environment) and ends it at close; kagid
 *    may end it earlier (R-PRIV-7, R-REM-4).  A session kagid does not
 *    register is refused (PAM_SESSION_ERR): fail closed.
 *  - At the log-in screen (R-MFA-5): kagid's banner before the code
 *    prompt, and after a success the previous success and the failures
 *    since; never under PAM_SILENT.
 *  - Only the five pam_sm_* entry points are exported (authenticate,
 *    setcred, acct_mgmt, open_session, close_session); nothing reads the
 *    process's environment (pam_getenv reads PAM's).
 */
#include "config.h"

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "cfg.h"
#include "client.h"
#include "clock.h"
#include "i18n.h"
#include "kagi_err.h"
#include "log.h"
#include "pk_dl.h"
#include "pk_fido2.h"
#include "proto.h"
#include "proto_ops.h"
#include "pk_breakglass.h"
#include "wipe.h"

#define PK_EXPORT __attribute__((visibility("default")))

/* The zones, in the order of the zone= choices. */
static const char *const pk_zones[] = { "mynumber", "lgwan", "internet",
    NULL };

struct pk_opts {
	char *socket;		/* NULL: KAGI_DEFAULT_SOCKET */
	int zone;		/* index into pk_zones */
	long long timeout;	/* seconds, per step of an exchange */
	int debug;
	char *lang;		/* NULL: the host's locale */
	char *breakglass_file;	/* NULL: no break-glass without kagid */
};

#define OFF(f) offsetof(struct pk_opts, f)
static const struct cfg_key pk_keys[] = {
	{ "socket", CFG_PATH, OFF(socket), 0, 0, NULL },
	{ "zone", CFG_ENUM, OFF(zone), 0, 0, pk_zones },
	{ "timeout", CFG_DURATION, OFF(timeout), 1, 60, NULL },
	{ "debug", CFG_FLAG, OFF(debug), 0, 0, NULL },
	{ "lang", CFG_STR, OFF(lang), 0, 0, NULL },
	{ "breakglass_file", CFG_PATH, OFF(breakglass_file), 0, 0, NULL },
	{ NULL, CFG_END, 0, 0, 0, NULL }
};
#undef OFF

/* What one PAM call came to; pk_pam_code() turns it into a PAM code. */
enum pk_outcome {
	PK_CONTINUE,		/* a step went well: not an outcome, denies */
	PK_GRANTED,		/* auth "success" or account "ok" */
	PK_DENIED,		/* auth "denied", or a name kagid never sees */
	PK_LOCKED,		/* account "locked" */
	PK_DISABLED,		/* account "disabled" */
	PK_UNKNOWN,		/* account "unknown" */
	PK_UNENROLLED,		/* account "unenrolled" */
	PK_THROTTLED,		/* auth "throttled": the address, not the user */
	PK_REFUSED,		/* account "refused": outside a vendor's terms */
	PK_CONV_FAILED,		/* the conversation failed */
	PK_BAD_CONFIG,		/* a bad module option */
	PK_SYSTEM,		/* PAM itself failed us (pam_get_user) */
	PK_UNAVAILABLE		/* anything wrong on the way to kagid */
};

/* One PAM call's context. */
struct pk_ctx {
	pam_handle_t *pamh;
	struct pk_opts opts;
	int silent;		/* PAM_SILENT: no messages */
	locale_t loc;		/* lang=, or (locale_t)0 */
	const char *user;	/* PAM's strings, not ours */
	const char *service;
	const char *tty;
	const char *rhost;
	struct kagi_client *client;
	/* From an auth "success" (R-MFA-5); last_time 0: none before. */
	int64_t last_time;
	char last_from[KAGI_FIELD_MAX + 1];
	char last_factors[KAGI_NAME_MAX + 1];
	int64_t failures_since;
	int unreachable;	/* kagid could not be reached at all */
	/* auth_begin's answer */
	int fido2;		/* methods[0] is "fido2" */
	int totp_allowed;	/* methods holds "totp" */
	struct pkf_request freq;
};

/* Longest banner kagid sends (kagid's BANNER_MAX). */
#define PK_BANNER_MAX 2048
/* pam_set_data name of the session id kagid gave at open. */
#define PK_SESSION_DATA "pam_kagi_session"

/*
 * The one mapping from outcomes to PAM codes.  Only PK_GRANTED gives
 * PAM_SUCCESS; nothing gives PAM_IGNORE.  PK_CONTINUE reaching here would
 * be a bug: it denies like an unreachable kagid.
 */
static int
pk_pam_code(enum pk_outcome o, int session)
{
	/* The session part knows one failure: the session may not be. */
	if (session)
		return o == PK_GRANTED ? PAM_SUCCESS : PAM_SESSION_ERR;
	switch (o) {
	case PK_GRANTED:
		return PAM_SUCCESS;
	case PK_DENIED:
		return PAM_AUTH_ERR;
	case PK_LOCKED:
	case PK_UNENROLLED:
	case PK_REFUSED:
		return PAM_PERM_DENIED;
	case PK_THROTTLED:
		return PAM_MAXTRIES;
	case PK_DISABLED:
		return PAM_ACCT_EXPIRED;
	case PK_UNKNOWN:
		return PAM_USER_UNKNOWN;
	case PK_CONV_FAILED:
		return PAM_CONV_ERR;
	case PK_BAD_CONFIG:
		return PAM_SERVICE_ERR;
	case PK_SYSTEM:
		return PAM_SYSTEM_ERR;
	case PK_CONTINUE:
	case PK_UNAVAILABLE:
		return PAM_AUTHINFO_UNAVAIL;
	}
	return PAM_AUTHINFO_UNAVAIL;
}

/* What the user is told for an outcome, untranslated; NULL: nothing. */
static const char *
pk_user_message(enum pk_outcome o)
{
	switch (o) {
	case PK_LOCKED:
		return N_("Your account is locked. Contact your administrator.");
	case PK_DISABLED:
		return N_("Your account is disabled. Contact your "
		    "administrator.");
	case PK_UNENROLLED:
		return N_("No second factor is enrolled for your account. "
		    "Contact your administrator.");
	case PK_THROTTLED:
		return N_("Too many attempts from your address. Try again "
		    "later.");
	case PK_REFUSED:
		return N_("Your account may not log in at this time or from "
		    "this address. Contact your administrator.");
	case PK_CONTINUE:
	case PK_UNAVAILABLE:
		return N_("The authentication service is not available. "
		    "Contact your administrator.");
	case PK_GRANTED:
	case PK_DENIED:
	case PK_UNKNOWN:
	case PK_CONV_FAILED:
	case PK_BAD_CONFIG:
	case PK_SYSTEM:
		break;
	}
	return NULL;
}

static void
pk_debug(const struct pk_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
pk_debug(const struct pk_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->opts.debug)
		return;
	va_start(ap, fmt);
	pam_vsyslog(ctx->pamh, LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* --- locale ------------------------------------------------------------ */

/*
 * lang= is "xx" or "xx_YY", lower-case language and upper-case country:
 * nothing else reaches newlocale().
 */
static int
pk_lang_valid(const char *s)
{
	size_t n = strlen(s);

	if (n != 2 && n != 5)
		return 0;
	if (s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z')
		return 0;
	if (n == 2)
		return 1;
	return s[2] == '_' && s[3] >= 'A' && s[3] <= 'Z' &&
	    s[4] >= 'A' && s[4] <= 'Z';
}

/*
 * The locale for lang=: "en" is the plain C locale (the untranslated
 * texts; gettext honours a LANGUAGE variable in the host's environment
 * under any other locale, C.UTF-8 included), "ja" is ja_JP.UTF-8, another bare "xx" is xx_XX.UTF-8, and "xx_YY" is
 * xx_YY.UTF-8.  A locale that is not installed is logged once and the
 * host's locale is kept.
 */
static void
pk_locale_open(struct pk_ctx *ctx)
{
	const char *lang = ctx->opts.lang;
	char name[32];

	if (lang == NULL)
		return;
	if (strcmp(lang, "en") == 0)
		snprintf(name, sizeof(name), "C");
	else if (strcmp(lang, "ja") == 0)
		snprintf(name, sizeof(name), "ja_JP.UTF-8");
	else if (strlen(lang) == 2)
		snprintf(name, sizeof(name), "%s_%c%c.UTF-8", lang,
		    lang[0] - 'a' + 'A', lang[1] - 'a' + 'A');
	else
		snprintf(name, sizeof(name), "%s.UTF-8", lang);
	ctx->loc = newlocale(LC_MESSAGES_MASK, name, (locale_t)0);
	if (ctx->loc == (locale_t)0)
		pam_syslog(ctx->pamh, LOG_WARNING, "locale %s for lang=%s is "
		    "not installed; messages stay in the default language",
		    name, lang);
}

static void
pk_locale_close(struct pk_ctx *ctx)
{
	if (ctx->loc != (locale_t)0)
		freelocale(ctx->loc);
	ctx->loc = (locale_t)0;
}

/*
 * Translate msgid.  The thread locale is switched only around the
 * lookup, so the host's conversation function runs in its own locale.
 */
static const char *
pk_text(const struct pk_ctx *ctx, const char *msgid)
    __attribute__((format_arg(2)));

static const char *
pk_text(const struct pk_ctx *ctx, const char *msgid)
{
	locale_t prev;
	const char *s;

	if (ctx->loc == (locale_t)0)
		return _(msgid);
	prev = uselocale(ctx->loc);
	s = _(msgid);
	if (prev != (locale_t)0)
		uselocale(prev);
	return s;
}

/* --- context ----------------------------------------------------------- */

static void
pk_ctx_free(struct pk_ctx *ctx)
{
	client_free(&ctx->client);
	pkf_request_clear(&ctx->freq);
	pk_locale_close(ctx);
	cfg_free(pk_keys, &ctx->opts);
}

/*
 * Parse the options.  Nothing unknown or malformed is ignored: it is
 * logged by name and the call fails.
 */
static enum pk_outcome
pk_ctx_init(struct pk_ctx *ctx, pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	char err[CFG_ERRLEN];
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->pamh = pamh;
	ctx->silent = (flags & PAM_SILENT) != 0;
	ctx->loc = (locale_t)0;
	ctx->opts.zone = 0;		/* mynumber */
	ctx->opts.timeout = 10;
	err[0] = '\0';
	if ((r = cfg_parse_argv(argc, argv, pk_keys, &ctx->opts, err,
	    sizeof(err))) != 0) {
		pam_syslog(pamh, LOG_ERR, "bad module option: %s",
		    err[0] != '\0' ? err : kagi_strerror(r));
		return PK_BAD_CONFIG;
	}
	if (ctx->opts.lang != NULL && !pk_lang_valid(ctx->opts.lang)) {
		char q[64];

		pam_syslog(pamh, LOG_ERR, "bad module option: 'lang' must be "
		    "xx or xx_YY, not %s",
		    kagi_log_quote(ctx->opts.lang, q, sizeof(q)));
		return PK_BAD_CONFIG;
	}
	kagi_i18n_bind();
	pk_locale_open(ctx);
	return PK_CONTINUE;
}

/*
 * A name kagid can take: 1..KAGI_NAME_MAX bytes, no control characters.
 * Anything else is answered locally, looking the same to the user.
 */
static int
pk_user_valid(const char *user)
{
	size_t n;

	if (user == NULL || (n = strlen(user)) == 0 || n > KAGI_NAME_MAX)
		return 0;
	for (; *user != '\0'; user++) {
		unsigned char c = (unsigned char)*user;

		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

/* A PAM string item, or NULL when it is absent or empty. */
static const char *
pk_item(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL ||
	    *(const char *)v == '\0')
		return NULL;
	return v;
}

/* The user name and the items every request carries. */
static enum pk_outcome
pk_ctx_gather(struct pk_ctx *ctx)
{
	const char *user = NULL;
	int pr;

	pr = pam_get_user(ctx->pamh, &user, NULL);
	if (pr == PAM_CONV_ERR || pr == PAM_CONV_AGAIN) {
		pam_syslog(ctx->pamh, LOG_ERR, "cannot get the user name: %s",
		    pam_strerror(ctx->pamh, pr));
		return PK_CONV_FAILED;
	}
	if (pr != PAM_SUCCESS || user == NULL) {
		pam_syslog(ctx->pamh, LOG_ERR, "cannot get the user name: %s",
		    pam_strerror(ctx->pamh, pr));
		return PK_SYSTEM;
	}
	ctx->user = user;
	ctx->service = pk_item(ctx->pamh, PAM_SERVICE);
	ctx->tty = pk_item(ctx->pamh, PAM_TTY);
	ctx->rhost = pk_item(ctx->pamh, PAM_RHOST);
	return PK_CONTINUE;
}

/* --- talking to kagid -------------------------------------------------- */

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
	return client_call(ctx->client, req, reply);
}

/*
 * Log why kagid could not be used, with the error reply's message when
 * there is one.  The outcome is always PK_UNAVAILABLE.
 */
static enum pk_outcome
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
static enum pk_outcome
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
	if (banner != NULL && !ctx->silent)
		(void)pam_info(ctx->pamh, "%s", banner);
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

/* A time for the user, in the host's time zone. */
static void
pk_time_text(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}

/* "Last successful log-in ..." after a success, when there was one. */
static void
pk_last_login_show(struct pk_ctx *ctx)
{
	char when[64];

	if (ctx->silent || ctx->last_time == 0)
		return;
	pk_time_text(ctx->last_time, when, sizeof(when));
	(void)pam_info(ctx->pamh, pk_text(ctx, N_("Last successful log-in: "
	    "%s from %s (%s); %d failed attempts since")), when,
	    ctx->last_from, ctx->last_factors, (int)ctx->failures_since);
}

/* Ask for the code; *code is the caller's to wipe with kagi_free_str(). */
static enum pk_outcome pk_ask_code(struct pk_ctx *ctx, char **code);

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
	(void)pam_info(ctx->pamh, "%s", pk_text(ctx, N_("Your enrollment code "
	    "is accepted. Add this account to your authenticator app: scan "
	    "the QR code below, or type in the key from the link after it.")));
	(void)pam_info(ctx->pamh, "%s", qr);
	(void)pam_info(ctx->pamh, "%s", uri);
	client_free(&ctx->client);
	for (i = 0; i < PK_ENROLL_TRIES; i++) {
		if ((o = pk_ask_code(ctx, &code)) != PK_CONTINUE)
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
			(void)pam_error(ctx->pamh, "%s", pk_text(ctx,
			    N_("That code is not right. Try again with the "
			    "code the app shows now.")));
	}
	(void)pam_error(ctx->pamh, "%s", pk_text(ctx, N_("Enrollment was not "
	    "finished. Ask your administrator for a new enrollment code.")));
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
#define PK_BG_DATA "pam_kagi_breakglass"

static void
pk_bg_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

static enum pk_outcome
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
	if ((o = pk_ask_code(ctx, &code)) != PK_CONTINUE)
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
	(void)pam_info(ctx->pamh, "%s", pk_text(ctx, N_("Break-glass code "
	    "accepted. This emergency log-in is recorded and must be "
	    "reported.")));
	return PK_GRANTED;
}

/* auth_totp: hand the code over; kagid gives the verdict. */
static enum pk_outcome
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
static enum pk_outcome
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
static enum pk_outcome
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

/* --- conversation ------------------------------------------------------ */

/* Ask for the code; *code is the caller's to wipe with kagi_free_str(). */
static enum pk_outcome
pk_ask_code(struct pk_ctx *ctx, char **code)
{
	char *resp = NULL;
	int pr;

	*code = NULL;
	pr = pam_prompt(ctx->pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s",
	    pk_text(ctx, N_("Verification code: ")));
	if (pr != PAM_SUCCESS || resp == NULL) {
		kagi_free_str(resp);
		pam_syslog(ctx->pamh, LOG_ERR, "conversation failed: %s",
		    pr != PAM_SUCCESS ? pam_strerror(ctx->pamh, pr) :
		    "no answer");
		return PK_CONV_FAILED;
	}
	/*
	 * An answer kagid could not even read (too long, not UTF-8) is sent
	 * as a plainly wrong code, so that it counts as the failure it is.
	 */
	if (!proto_str_valid(resp, KAGI_FIELD_MAX)) {
		kagi_free_str(resp);
		if ((resp = strdup("-")) == NULL)
			return PK_SYSTEM;
	}
	*code = resp;
	return PK_CONTINUE;
}

/* --- the FIDO2 step ---------------------------------------------------- */

static void
pk_info(struct pk_ctx *ctx, const char *msgid)
{
	if (!ctx->silent)
		(void)pam_info(ctx->pamh, "%s", pk_text(ctx, msgid));
}

static void
pk_ui_touch(void *arg)
{
	pk_info(arg, N_("Touch your security key."));
}

static int
pk_ui_ask_pin(void *arg, char **pin)
{
	struct pk_ctx *ctx = arg;
	char *resp = NULL;
	int pr;

	*pin = NULL;
	pr = pam_prompt(ctx->pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s",
	    pk_text(ctx, N_("Enter the PIN of your security key: ")));
	if (pr != PAM_SUCCESS || resp == NULL || resp[0] == '\0' ||
	    strlen(resp) > 255) {
		kagi_free_str(resp);
		pam_syslog(ctx->pamh, LOG_ERR, "conversation failed: %s",
		    pr != PAM_SUCCESS ? pam_strerror(ctx->pamh, pr) :
		    "no PIN");
		return -1;
	}
	*pin = resp;
	return 0;
}

/* What the person is told when the key step fails, untranslated. */
static const char *
pk_fido2_message(enum pkf_result res)
{
	switch (res) {
	case PKF_NO_KEY:
		return N_("No security key found. Insert your security key and "
		    "try again.");
	case PKF_KEY_REMOVED:
		return N_("The security key was removed. Insert it and try "
		    "again.");
	case PKF_TIMEOUT:
		return N_("The security key was not touched in time.");
	case PKF_TOUCH_REFUSED:
		return N_("The security key refused the request.");
	case PKF_PIN_INVALID:
		return N_("The PIN of your security key is wrong.");
	case PKF_PIN_BLOCKED:
		return N_("The PIN of your security key is blocked. Contact "
		    "your administrator.");
	case PKF_UV_BLOCKED:
		return N_("Your security key can no longer verify your "
		    "fingerprint. Contact your administrator.");
	case PKF_NO_CREDENTIAL:
		return N_("This security key is not registered for your "
		    "account.");
	case PKF_NO_UV:
		return N_("This security key has no PIN or fingerprint, which "
		    "your account requires. Contact your administrator.");
	case PKF_DEVICE:
		return N_("The security key did not answer correctly. Remove it, "
		    "insert it again and try again.");
	case PKF_OK:
	case PKF_CONV:
	case PKF_SYSTEM:
		break;
	}
	return NULL;
}

/*
 * Ask the key and send kagid the outcome.  With no key plugged in and
 * TOTP allowed, *fallback is set and nothing is sent.
 */
static enum pk_outcome
pk_fido2(struct pk_ctx *ctx, int *fallback)
{
	struct pkf_ui ui = { ctx, pk_ui_touch, pk_ui_ask_pin };
	struct pkf_answer ans;
	struct pkf_lib *lib = NULL;
	enum pkf_result res;
	enum pk_outcome o;
	const char *msg;
	char err[256];

	*fallback = 0;
	/* libfido2 is loaded only now (pk_dl.h); without it, fail closed. */
	if (pkf_lib_open(&lib, err, sizeof(err)) != 0) {
		pam_syslog(ctx->pamh, LOG_ERR, "auth: security key: %s", err);
		return PK_UNAVAILABLE;
	}
	/* The key may take a while: kagid gets a fresh connection after. */
	client_free(&ctx->client);
	res = pkf_get_assertion(lib, &ctx->freq, (int)ctx->opts.timeout * 1000,
	    &ui, &ans);
	pkf_lib_close(&lib);
	pk_debug(ctx, "auth: security key: %s", res == PKF_OK ? "assertion" :
	    pkf_failure_name(res));
	if (res == PKF_NO_KEY && ctx->totp_allowed) {
		*fallback = 1;
		return PK_CONTINUE;
	}
	if (res == PKF_CONV)
		return PK_CONV_FAILED;
	if (res == PKF_SYSTEM)
		return PK_SYSTEM;
	if ((msg = pk_fido2_message(res)) != NULL && !ctx->silent)
		(void)pam_error(ctx->pamh, "%s", pk_text(ctx, msg));
	o = pk_auth_fido2(ctx, res, &ans);
	pkf_answer_clear(&ans);
	return o;
}

/* Tell the user what an outcome means for them, then give its PAM code. */
static int
pk_finish(struct pk_ctx *ctx, enum pk_outcome o, int session)
{
	const char *msg = pk_user_message(o);
	int pr = pk_pam_code(o, session);

	if (msg != NULL && !ctx->silent)
		(void)pam_error(ctx->pamh, "%s", pk_text(ctx, msg));
	pk_debug(ctx, "returning %s", pam_strerror(ctx->pamh, pr));
	return pr;
}

/* --- the PAM entry points ---------------------------------------------- */

PK_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pk_ctx ctx;
	enum pk_outcome o;
	char *code = NULL;
	char q[KAGI_NAME_MAX * 4 + 16];
	int pr;

	if ((o = pk_ctx_init(&ctx, pamh, flags, argc, argv)) != PK_CONTINUE ||
	    (o = pk_ctx_gather(&ctx)) != PK_CONTINUE)
		goto out;
	pk_debug(&ctx, "auth: user %s, zone %s",
	    kagi_log_quote(ctx.user, q, sizeof(q)), pk_zones[ctx.opts.zone]);
	if (!pk_user_valid(ctx.user)) {
		/* Ask anyway, so that this looks like any other refusal. */
		pam_syslog(pamh, LOG_NOTICE, "auth: refusing unusable user "
		    "name %s", kagi_log_quote(ctx.user, q, sizeof(q)));
		if ((o = pk_ask_code(&ctx, &code)) == PK_CONTINUE)
			o = PK_DENIED;
		goto out;
	}
	if ((o = pk_auth_begin(&ctx)) != PK_CONTINUE) {
		/* policy2: break-glass without kagid (pk_breakglass.c) */
		if (o == PK_UNAVAILABLE && ctx.unreachable &&
		    ctx.opts.breakglass_file != NULL)
			o = pk_breakglass_offline(&ctx);
		goto out;
	}
	if (ctx.fido2) {
		int fallback = 0;

		o = pk_fido2(&ctx, &fallback);
		if (o == PK_GRANTED)
			pk_last_login_show(&ctx);
		if (!fallback)
			goto out;
		pk_debug(&ctx, "auth: no security key, falling back to a code");
	}
	/*
	 * A person may take a while to type the code: kagid drops a silent
	 * connection after its client_timeout, and a slot held per waiting
	 * prompt would let idle log-in screens starve kagid (R-AVL-1).
	 * auth_totp carries its whole context, so it goes on a connection
	 * of its own, opened once the code is in hand.
	 */
	client_free(&ctx.client);
	pk_debug(&ctx, "auth: asking for the code");
	if ((o = pk_ask_code(&ctx, &code)) != PK_CONTINUE)
		goto out;
	/* An empty answer goes to kagid too: it counts as a failure there. */
	pk_debug(&ctx, "auth: sending the code");
	o = pk_auth_totp(&ctx, code);
	if (o == PK_GRANTED)
		pk_last_login_show(&ctx);
 out:
	kagi_free_str(code);
	pr = pk_finish(&ctx, o, 0);
	pk_ctx_free(&ctx);
	return pr;
}

/*
 * Deliberately PAM_SUCCESS: the second factor establishes no credential
 * (no ticket, key or group) to set, refresh or delete.  This cannot let
 * anyone in: pam_setcred() is not an authentication, and a failed
 * pam_sm_authenticate has already failed the auth stack.
 */
PK_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

PK_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pk_ctx ctx;
	enum pk_outcome o;
	char q[KAGI_NAME_MAX * 4 + 16];
	int pr;

	if ((o = pk_ctx_init(&ctx, pamh, flags, argc, argv)) != PK_CONTINUE ||
	    (o = pk_ctx_gather(&ctx)) != PK_CONTINUE)
		goto out;
	pk_debug(&ctx, "account: user %s, zone %s",
	    kagi_log_quote(ctx.user, q, sizeof(q)), pk_zones[ctx.opts.zone]);
	if (!pk_user_valid(ctx.user)) {
		pam_syslog(pamh, LOG_NOTICE, "account: refusing unusable user "
		    "name %s", kagi_log_quote(ctx.user, q, sizeof(q)));
		o = PK_UNKNOWN;
		goto out;
	}
	o = pk_account(&ctx);
	/* policy2: a break-glass log-in of this handle, kagid unreachable */
	if (o == PK_UNAVAILABLE) {
		const void *bg = NULL;

		if (pam_get_data(pamh, PK_BG_DATA, &bg) == PAM_SUCCESS &&
		    bg != NULL) {
			pam_syslog(pamh, LOG_ALERT, "account: kagid unreachable; "
			    "passing the break-glass log-in");
			o = PK_GRANTED;
		}
	}
 out:
	pr = pk_finish(&ctx, o, 0);
	pk_ctx_free(&ctx);
	return pr;
}

/* --- sessions (R-PRIV-7, R-REM-4) -------------------------------------- */

static void
pk_session_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

/* A logind session id worth sending: 1..64 of [A-Za-z0-9_.-]. */
static const char *
pk_logind_id(pam_handle_t *pamh)
{
	const char *v = pam_getenv(pamh, "XDG_SESSION_ID");
	const char *p;

	if (v == NULL || *v == '\0' || strlen(v) > 64)
		return NULL;
	for (p = v; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			return NULL;
	return v;
}

/* session_open: register; keep kagid's id for close; say when it ends. */
static enum pk_outcome
pk_session_open(struct pk_ctx *ctx)
{
	struct json_object *req = NULL, *reply = NULL;
	const char *logind = pk_logind_id(ctx->pamh);
	int64_t id = 0, ends = 0, *keep = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	char when[64];
	int r, pr;

	if ((r = pk_request_new(ctx, OP_SESSION_OPEN, &req)) != 0 ||
	    (r = proto_set_int(req, "pid", (int64_t)getpid())) != 0 ||
	    (r = proto_set_int(req, "sid", (int64_t)getsid(0))) != 0 ||
	    (logind != NULL &&
	    (r = proto_set_str(req, "logind", logind)) != 0) ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_int(reply, "session", 1, INT64_MAX, &id)) != 0 ||
	    (r = proto_get_int(reply, "ends", 0, INT64_MAX, &ends)) != 0) {
		o = pk_unavailable(ctx, OP_SESSION_OPEN, r, reply);
		goto out;
	}
	if ((keep = malloc(sizeof(*keep))) == NULL) {
		o = PK_SYSTEM;
		goto out;
	}
	*keep = id;
	if ((pr = pam_set_data(ctx->pamh, PK_SESSION_DATA, keep,
	    pk_session_cleanup)) != PAM_SUCCESS) {
		free(keep);
		pam_syslog(ctx->pamh, LOG_ERR, "pam_set_data: %s",
		    pam_strerror(ctx->pamh, pr));
		o = PK_SYSTEM;
		goto out;
	}
	pk_debug(ctx, "%s: session %lld, ends %lld", OP_SESSION_OPEN,
	    (long long)id, (long long)ends);
	if (ends != 0 && !ctx->silent) {
		pk_time_text(ends, when, sizeof(when));
		(void)pam_info(ctx->pamh, pk_text(ctx,
		    N_("This session will be ended at %s.")), when);
	}
	o = PK_GRANTED;
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/* session_close: by the id kept at open, else by this process's pid. */
static enum pk_outcome
pk_session_close(struct pk_ctx *ctx)
{
	struct json_object *req = NULL, *reply = NULL;
	const void *data = NULL;
	int64_t ended = 0;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r;

	if (pam_get_data(ctx->pamh, PK_SESSION_DATA, &data) != PAM_SUCCESS)
		data = NULL;
	if ((r = pk_request_new(ctx, OP_SESSION_CLOSE, &req)) != 0 ||
	    (r = proto_set_int(req, "pid", (int64_t)getpid())) != 0 ||
	    (data != NULL && (r = proto_set_int(req, "session",
	    *(const int64_t *)data)) != 0) ||
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

/* Both session entry points: context, a valid name, then op. */
static int
pk_session(pam_handle_t *pamh, int flags, int argc, const char **argv,
    enum pk_outcome (*op)(struct pk_ctx *), const char *what)
{
	struct pk_ctx ctx;
	enum pk_outcome o;
	char q[KAGI_NAME_MAX * 4 + 16];
	int pr;

	if ((o = pk_ctx_init(&ctx, pamh, flags, argc, argv)) != PK_CONTINUE ||
	    (o = pk_ctx_gather(&ctx)) != PK_CONTINUE)
		goto out;
	pk_debug(&ctx, "%s: user %s", what,
	    kagi_log_quote(ctx.user, q, sizeof(q)));
	if (!pk_user_valid(ctx.user)) {
		pam_syslog(pamh, LOG_NOTICE, "%s: refusing unusable user "
		    "name %s", what, kagi_log_quote(ctx.user, q, sizeof(q)));
		o = PK_UNKNOWN;
		goto out;
	}
	o = op(&ctx);
 out:
	pr = pk_finish(&ctx, o, 1);
	pk_ctx_free(&ctx);
	return pr;
}

PK_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	return pk_session(pamh, flags, argc, argv, pk_session_open,
	    "open_session");
}

PK_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	return pk_session(pamh, flags, argc, argv, pk_session_close,
	    "close_session");
}
