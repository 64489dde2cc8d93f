/*
 * pk_auth.c - the auth flows: the second factor as kagid asks for it.
 *
 * kagid says how the user is to be asked (auth_begin) and shows its
 * banner before the first prompt of every factor (R-MFA-5); then either
 * the security key is asked, falling back to a code when no key is
 * plugged in and kagid, told of it, allows and records the fallback, or
 * the person types a code.  A code that is
 * an enrollment code leads into enrolling a new authenticator
 * (R-TOK-4).  When kagid cannot be reached at all and breakglass_file=
 * is set, a break-glass code is checked against that file instead
 * (R-EXC-1).  A flow calls only the parts below it: the person
 * (pk_conv.c), kagid (pk_kagid.c), the key (pk_fido2.c), the
 * break-glass file (pk_breakglass.c) and the helpers; those never call
 * each other.
 *
 * Guarantees:
 *  - Only kagid's verdict grants, except a break-glass code matched in
 *    the file while kagid is unreachable, which is logged at alert
 *    priority.  Everything else denies: fail closed (R-AVL-1, R-MFA-1).
 *  - A grant is remembered in the PAM handle for the account step
 *    (pk_state.c): who authenticated and kagid's confirmation id; kagid
 *    holds its "success" provisional until then (R-MFA-5).
 *  - The code typed is wiped as soon as it has been sent or checked;
 *    an enrollment's secret once it has been shown and the enrollment
 *    is over.  Neither is logged.
 *  - libfido2 is loaded for the key step only, libcrypto for the
 *    break-glass step only (pk_dl.h); without them the log-in fails
 *    closed.
 *  - While the person or the key takes its time, no connection of
 *    kagid's is held longer than PK_REUSE_MS (pk_kagid.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "pk_breakglass.h"
#include "pk_conv.h"
#include "pk_dl.h"
#include "pk_fido2.h"
#include "pk_flow.h"
#include "pk_int.h"
#include "pk_kagid.h"
#include "wipe.h"

#define PK_ENROLL_TRIES 3

/* --- the key ----------------------------------------------------------- */

/* The key asks the person through these. */
static void
pk_auth_touch(void *arg)
{
	pk_conv_show_touch(arg);
}

static int
pk_auth_pin(void *arg, char **pin)
{
	return pk_conv_ask_pin(arg, pin);
}

/*
 * Ask the key and send kagid the outcome.  With no key plugged in and
 * TOTP allowed, kagid is told and records the fallback (issue 13): its
 * "fallback" sets *fallback; a refused fallback asks for a code anyway,
 * to look like any refusal, and denies.
 */
static enum pk_outcome
pk_auth_key(struct pk_ctx *ctx, int *fallback)
{
	struct pkf_ui ui = { ctx, pk_auth_touch, pk_auth_pin };
	struct pkf_answer ans;
	struct pkf_lib *lib = NULL;
	enum pkf_result res;
	enum pk_outcome o;
	char err[256];
	int r;

	*fallback = 0;
	memset(&ans, 0, sizeof(ans));
	/* libfido2 is loaded only now (pk_dl.h); without it, fail closed. */
	if ((r = pkf_lib_open(&lib, err, sizeof(err))) != 0) {
		pam_syslog(ctx->pamh, LOG_ERR, "auth: security key: %s", err);
		return r == KAGI_ERR_NOMEM ? PK_NOMEM : PK_UNAVAILABLE;
	}
	res = pkf_get_assertion(lib, &ctx->freq, (int)ctx->opts.timeout * 1000,
	    &ui, &ans);
	pk_kagid_after_wait(ctx);
	pkf_lib_close(&lib);
	pk_debug(ctx, "auth: security key: %s", res == PKF_OK ? "assertion" :
	    pkf_failure_name(res));
	if (res == PKF_NO_KEY && ctx->totp_allowed) {
		pam_syslog(ctx->pamh, LOG_NOTICE, "auth: no security key "
		    "plugged in; asking kagid to fall back to a code");
		if ((o = pk_kagid_auth_fido2(ctx, res, NULL, 1)) ==
		    PK_CONTINUE)
			*fallback = 1;
		else if (o == PK_DENIED)
			o = pk_auth_unusable(ctx);
		return o;
	}
	if (res == PKF_CONV)
		return PK_CONV_FAILED;
	/* Out of memory, the module's or libfido2's (pk_fido2_wire.h). */
	if (res == PKF_SYSTEM)
		return PK_NOMEM;
	if ((o = pk_conv_show_key_failure(ctx, res)) == PK_CONTINUE)
		o = pk_kagid_auth_fido2(ctx, res, &ans, 0);
	pkf_answer_clear(&ans);
	return o;
}

/* --- the code ---------------------------------------------------------- */

/*
 * Enrolling at log-in with an enrollment code (R-TOK-4).  kagid
 * made a pending TOTP token: show its QR code and otpauth URI, then ask
 * for codes from the new authenticator, up to PK_ENROLL_TRIES, each on a
 * connection of its own.  Only kagid's "success" for one of them logs
 * in.
 */
static enum pk_outcome
pk_auth_enroll(struct pk_ctx *ctx, const struct pk_enrollment *enr)
{
	enum pk_outcome o = PK_DENIED;
	char *code = NULL;
	int i;

	pam_syslog(ctx->pamh, LOG_NOTICE, "enrolling a TOTP token at log-in "
	    "(token %lld)", (long long)enr->token);
	if ((o = pk_conv_show_enroll(ctx, enr->qr, enr->uri)) != PK_CONTINUE)
		return o;
	pk_kagid_close(ctx);
	for (i = 0; i < PK_ENROLL_TRIES; i++) {
		if ((o = pk_conv_ask_code(ctx, &code)) != PK_CONTINUE)
			return o;
		o = pk_kagid_auth_enroll(ctx, enr->token, code);
		kagi_free_str(code);
		code = NULL;
		if (o != PK_DENIED)
			return o;
		if (i + 1 < PK_ENROLL_TRIES &&
		    (o = pk_conv_show_enroll_retry(ctx)) != PK_CONTINUE)
			return o;
	}
	if (pk_conv_show_enroll_failed(ctx) == PK_NOMEM)
		return PK_NOMEM;
	return PK_DENIED;
}

/*
 * Ask for the code and hand it to kagid.  A person takes a while to type
 * it: kagid keeps the connection for KAGI_FOLLOW_UP_MS only, so a waiting
 * prompt holds no slot of kagid's for long (R-AVL-1), and auth_totp,
 * which carries its whole context, then goes on a new connection.  An
 * answer in hand at once (a program's conversation) uses the one
 * auth_begin opened.
 */
static enum pk_outcome
pk_auth_code(struct pk_ctx *ctx)
{
	struct pk_enrollment enr;
	enum pk_outcome o;
	char *code = NULL;

	memset(&enr, 0, sizeof(enr));
	pk_debug(ctx, "auth: asking for the code");
	o = pk_conv_ask_code(ctx, &code);
	pk_kagid_after_wait(ctx);
	if (o != PK_CONTINUE)
		goto out;
	/* An empty answer goes to kagid too: it counts as a failure there. */
	pk_debug(ctx, "auth: sending the code");
	o = pk_kagid_auth_totp(ctx, code, &enr);
	kagi_free_str(code);
	code = NULL;
	if (o == PK_CONTINUE)		/* an enrollment code */
		o = pk_auth_enroll(ctx, &enr);
 out:
	kagi_free_str(code);
	pk_enrollment_clear(&enr);
	return o;
}

/* --- break-glass while kagid is unreachable (R-EXC-1) ------------------- */

/*
 * Break-glass: the code is checked against the file kagid keeps and spent
 * there, and the log-in is logged at alert priority.  The PAM handle
 * remembers it (pk_state.c) so that the account step, which cannot
 * reach kagid either, lets it pass.
 */
static enum pk_outcome
pk_auth_breakglass(struct pk_ctx *ctx)
{
	char err[512], q[KAGI_NAME_MAX * 4 + 16];
	struct pk_crypto crypto;
	char *code = NULL;
	int64_t id = 0;
	enum pk_outcome o;
	int r;

	/* libcrypto (the KDF, pk_kdf.c) is loaded only on this path. */
	if ((r = pk_crypto_open(&crypto, err, sizeof(err))) != 0) {
		pam_syslog(ctx->pamh, LOG_ERR, "break-glass: %s", err);
		return r == KAGI_ERR_NOMEM ? PK_NOMEM : PK_UNAVAILABLE;
	}
	pk_crypto_close(&crypto);
	if ((o = pk_conv_ask_code(ctx, &code)) != PK_CONTINUE)
		return o;
	r = pk_breakglass_use(ctx->opts.breakglass_file, ctx->user, code,
	    kagi_now(), (int)ctx->opts.timeout * 1000, &id, err, sizeof(err));
	kagi_free_str(code);
	if (r == KAGI_ERR_NOMEM) {
		pam_syslog(ctx->pamh, LOG_CRIT, "break-glass: out of memory");
		return PK_NOMEM;
	}
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
	if ((o = pk_state_set(ctx, 1)) != PK_CONTINUE ||
	    (o = pk_conv_show_breakglass(ctx)) != PK_CONTINUE)
		return o;
	return PK_GRANTED;
}

/* --- the SSH gateway's security key (issue 16) -------------------------- */

#define PK_AUTH_INFO "SSH_AUTH_INFO_0"
#define PK_PUBLICKEY "publickey "
#define PK_SSHKEY_LINE_MAX 2048

/*
 * sshd took a security key (AuthenticationMethods
 * publickey,keyboard-interactive:pam) and says which in SSH_AUTH_INFO_0,
 * which only sshd sets in the PAM environment (pam_getenv: never the
 * process's, which a client's SendEnv may reach).  Exactly one
 * "publickey TYPE BASE64" line is the key kagid binds; none, two or a
 * malformed one is sent as what it is, and kagid refuses and records it.
 * No prompt: the password came before, in the stack (R-MFA-2).
 */
static enum pk_outcome
pk_auth_sshkey(struct pk_ctx *ctx)
{
	const char *info = pam_getenv(ctx->pamh, PK_AUTH_INFO), *p, *nl;
	const char *found = NULL, *failure = NULL;
	char key[PK_SSHKEY_LINE_MAX + 1];
	size_t n = 0, len = 0, i;
	int count = 0;

	key[0] = '\0';
	for (p = info; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 :
	    NULL) {
		nl = strchr(p, '\n');
		if (strncmp(p, PK_PUBLICKEY, strlen(PK_PUBLICKEY)) != 0)
			continue;
		count++;
		found = p + strlen(PK_PUBLICKEY);
		len = nl != NULL ? (size_t)(nl - found) : strlen(found);
	}
	if (count == 0)
		failure = "auth_info_absent";
	else if (count > 1)
		failure = "auth_info_ambiguous";
	else if (len == 0 || len > PK_SSHKEY_LINE_MAX)
		failure = "auth_info_malformed";
	else {
		for (i = 0; i < len; i++)
			if ((unsigned char)found[i] < 0x20 ||
			    (unsigned char)found[i] > 0x7e)
				failure = "auth_info_malformed";
		memcpy(key, found, len);
		key[len] = '\0';
		n = len;
	}
	pk_debug(ctx, "auth: %s: %d publickey line(s), %zu bytes",
	    PK_AUTH_INFO, count, n);
	if (failure != NULL)
		pam_syslog(ctx->pamh, LOG_NOTICE, "auth: %s: %s", PK_AUTH_INFO,
		    failure);
	return pk_kagid_auth_sshkey(ctx, failure == NULL ? key : NULL,
	    failure);
}

/* --- the flows --------------------------------------------------------- */

enum pk_outcome
pk_auth(struct pk_ctx *ctx)
{
	enum pk_outcome o;
	char *banner = NULL;
	int fallback = 0;

	/* The gateway: the key sshd took, no prompt, no break-glass. */
	if (ctx->opts.sshkey) {
		o = pk_auth_sshkey(ctx);
		goto granted;
	}
	if ((o = pk_kagid_auth_begin(ctx, &banner)) != PK_CONTINUE) {
		/* Break-glass without kagid. */
		if (o == PK_UNAVAILABLE && ctx->unreachable &&
		    ctx->opts.breakglass_file != NULL)
			o = pk_auth_breakglass(ctx);
		goto out;
	}
	/* kagid's banner before the first prompt of any factor (R-MFA-5). */
	if ((o = pk_conv_show_banner(ctx, banner)) != PK_CONTINUE)
		goto out;
	if (ctx->fido2) {
		o = pk_auth_key(ctx, &fallback);
		if (!fallback)
			goto granted;
		pk_debug(ctx, "auth: no security key, falling back to a code");
	}
	o = pk_auth_code(ctx);
 granted:
	/* Provisional at kagid: the account step confirms it (pk_state.c). */
	if (o == PK_GRANTED && (o = pk_state_set(ctx, 0)) == PK_CONTINUE)
		o = PK_GRANTED;
 out:
	free(banner);
	return o;
}

enum pk_outcome
pk_auth_unusable(struct pk_ctx *ctx)
{
	enum pk_outcome o;
	char *code = NULL;

	if ((o = pk_conv_ask_code(ctx, &code)) == PK_CONTINUE)
		o = PK_DENIED;
	kagi_free_str(code);
	return o;
}
