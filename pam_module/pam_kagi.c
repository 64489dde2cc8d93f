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
 * This file holds the options, the per-call context, the one mapping
 * from outcomes to PAM codes and the five entry points, which call the
 * log-in flows (pk_flow.h: pk_auth.c, pk_account.c, pk_session.c).  The
 * flows call the person (pk_conv.c), kagid (pk_kagid.c), the key
 * (pk_fido2.c) and the break-glass file (pk_breakglass.c), which call
 * none of each other; pk_int.h draws the layers.
 *
 * Guarantees (of the module as a whole):
 *  - Only an explicit verdict from kagid ("success" for auth, "ok" for
 *    account) gives PAM_SUCCESS.  Every other outcome, including any
 *    failure to reach kagid or to understand its reply, denies: fail
 *    closed (R-AVL-1, R-MFA-1).  PAM_IGNORE is never returned.
 *  - kagid's auth "success" is provisional: the account step of the same
 *    handle confirms it with the id kagid gave (pk_state.c), for the
 *    user who authenticated and no other; only then does kagid forgive
 *    failures and record the log-in, and only then is the last log-in
 *    shown (R-MFA-5).  A stack that fails after pam_kagi (a wrong
 *    password) never reaches the account step: nothing is confirmed.
 *  - Every allocation that fails, the module's own or one of a library
 *    it calls that says so, ends the call with PAM_BUF_ERR (PK_NOMEM).
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
 *  - At the log-in screen (R-MFA-5): kagid's banner before the first
 *    prompt of every factor (the key's PIN or touch, or the code), and
 *    once the account step confirmed the log-in, the previous success,
 *    when its session ended and the failures since; never under
 *    PAM_SILENT.
 *  - Only the five pam_sm_* entry points are exported (authenticate,
 *    setcred, acct_mgmt, open_session, close_session); nothing reads the
 *    process's environment (pam_getenv reads PAM's).
 */
#include "config.h"

#include <locale.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "cfg.h"
#include "i18n.h"
#include "kagi_err.h"
#include "log.h"
#include "names.h"
#include "pk_conv.h"
#include "pk_flow.h"
#include "pk_int.h"
#include "pk_kagid.h"
#include "proto.h"

#define PK_EXPORT __attribute__((visibility("default")))

#define OFF(f) offsetof(struct pk_opts, f)
static const struct cfg_key pk_keys[] = {
	{ "socket", CFG_PATH, OFF(socket), 0, 0, NULL },
	{ "zone", CFG_ENUM, OFF(zone), 0, 0, kagi_zone_names },
	{ "timeout", CFG_DURATION, OFF(timeout), 1, 60, NULL },
	{ "debug", CFG_FLAG, OFF(debug), 0, 0, NULL },
	{ "lang", CFG_STR, OFF(lang), 0, 0, NULL },
	{ "breakglass_file", CFG_PATH, OFF(breakglass_file), 0, 0, NULL },
	{ "sshkey", CFG_FLAG, OFF(sshkey), 0, 0, NULL },
	{ NULL, CFG_END, 0, 0, 0, NULL }
};
#undef OFF

/*
 * The one mapping from outcomes to PAM codes.  Only PK_GRANTED gives
 * PAM_SUCCESS; nothing gives PAM_IGNORE.  PK_CONTINUE reaching here would
 * be a bug: it denies like an unreachable kagid.
 */
static int
pk_pam_code(enum pk_outcome o, int session)
{
	/* An allocation failed, anywhere: PAM_BUF_ERR, whatever the call. */
	if (o == PK_NOMEM)
		return PAM_BUF_ERR;
	/* The session part knows one failure: the session may not be. */
	if (session)
		return o == PK_GRANTED ? PAM_SUCCESS : PAM_SESSION_ERR;
	switch (o) {
	case PK_GRANTED:
		return PAM_SUCCESS;
	case PK_NOMEM:
		return PAM_BUF_ERR;
	case PK_DENIED:
		return PAM_AUTH_ERR;
	case PK_LOCKED:
	case PK_UNENROLLED:
	case PK_REFUSED:
	case PK_UNCONFIRMED:
	case PK_USER_CHANGED:
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

/* --- context ----------------------------------------------------------- */

static void
pk_ctx_free(struct pk_ctx *ctx)
{
	pk_kagid_close(ctx);
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
	ctx->silent = (flags & (int)PAM_SILENT) != 0;
	ctx->loc = (locale_t)0;
	ctx->opts.zone = 0;		/* mynumber */
	ctx->opts.timeout = 10;
	err[0] = '\0';
	if ((r = cfg_parse_argv(argc, argv, pk_keys, &ctx->opts, err,
	    sizeof(err))) != 0) {
		pam_syslog(pamh, LOG_ERR, "bad module option: %s",
		    err[0] != '\0' ? err : kagi_strerror(r));
		return r == KAGI_ERR_NOMEM ? PK_NOMEM : PK_BAD_CONFIG;
	}
	if (ctx->opts.lang != NULL && !pk_lang_valid(ctx->opts.lang)) {
		char q[64];

		pam_syslog(pamh, LOG_ERR, "bad module option: 'lang' must be "
		    "xx or xx_YY, not %s",
		    kagi_log_quote(ctx->opts.lang, q, sizeof(q)));
		return PK_BAD_CONFIG;
	}
	kagi_i18n_bind();
	return pk_locale_open(ctx);
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
	if (pr == PAM_BUF_ERR) {
		pam_syslog(ctx->pamh, LOG_CRIT, "cannot get the user name: %s",
		    pam_strerror(ctx->pamh, pr));
		return PK_NOMEM;
	}
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

/* Tell the user what an outcome means for them, then give its PAM code. */
static int
pk_finish(struct pk_ctx *ctx, enum pk_outcome o, int session)
{
	int pr;

	if (pk_conv_show_outcome(ctx, o) == PK_NOMEM)
		o = PK_NOMEM;
	pr = pk_pam_code(o, session);
	/* pam_strerror() translates, and so allocates: only when asked. */
	if (ctx->opts.debug)
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
	char q[KAGI_NAME_MAX * 4 + 16];
	int pr;

	/* Nothing of an earlier attempt of this handle stays (pk_state.c). */
	pk_state_clear(pamh);
	if ((o = pk_ctx_init(&ctx, pamh, flags, argc, argv)) != PK_CONTINUE ||
	    (o = pk_ctx_gather(&ctx)) != PK_CONTINUE)
		goto out;
	pk_debug(&ctx, "auth: user %s, zone %s",
	    kagi_log_quote(ctx.user, q, sizeof(q)), kagi_zone_names[ctx.opts.zone]);
	if (!pk_user_valid(ctx.user)) {
		pam_syslog(pamh, LOG_NOTICE, "auth: refusing unusable user "
		    "name %s", kagi_log_quote(ctx.user, q, sizeof(q)));
		o = pk_auth_unusable(&ctx);
		goto out;
	}
	o = pk_auth(&ctx);
 out:
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
	    kagi_log_quote(ctx.user, q, sizeof(q)), kagi_zone_names[ctx.opts.zone]);
	if (!pk_user_valid(ctx.user)) {
		pam_syslog(pamh, LOG_NOTICE, "account: refusing unusable user "
		    "name %s", kagi_log_quote(ctx.user, q, sizeof(q)));
		o = PK_UNKNOWN;
		goto out;
	}
	o = pk_account(&ctx);
 out:
	pr = pk_finish(&ctx, o, 0);
	pk_ctx_free(&ctx);
	return pr;
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
