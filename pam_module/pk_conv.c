/*
 * pk_conv.c - asking the person, through the PAM conversation: the code
 * prompt and the security-key step (the key itself is pk_fido2.c's).
 *
 * Guarantees:
 *  - The code and the PIN are handed over to the caller or wiped; they
 *    are never logged.
 *  - A failed conversation is PK_CONV_FAILED, never a success.
 *  - No message under PAM_SILENT.
 *  - An answer kagid could not read is sent as a plainly wrong code, so
 *    that it counts as a failure there.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "i18n.h"
#include "pk_fido2.h"
#include "pk_int.h"
#include "proto.h"
#include "wipe.h"

/* --- conversation ------------------------------------------------------ */

/* Ask for the code; *code is the caller's to wipe with kagi_free_str(). */
enum pk_outcome
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

/*
 * Ask the key and send kagid the outcome.  With no key plugged in and
 * TOTP allowed, *fallback is set and nothing is sent.
 */
enum pk_outcome
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
	/* The key takes a while: pk_client_after_wait() (pk_int.h). */
	res = pkf_get_assertion(lib, &ctx->freq, (int)ctx->opts.timeout * 1000,
	    &ui, &ans);
	pk_client_after_wait(ctx);
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
