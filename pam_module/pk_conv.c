/*
 * pk_conv.c - the person: everything pam_kagi asks and tells the person
 * logging in, through the PAM conversation.
 *
 * Guarantees:
 *  - The code and the PIN are handed over to the caller or wiped; they
 *    are never logged.
 *  - A failed conversation is PK_CONV_FAILED (or -1 for the PIN), never
 *    a success; one that failed for want of memory is PK_NOMEM (-2 for
 *    the PIN), and so is a message that could not be shown for want of
 *    memory (what the person is told is never silently dropped).
 *  - An answer kagid could not read is handed over as a plainly wrong
 *    code, so that it counts as a failure there.
 *  - Texts are shown in lang='s language (pk_text()); kagid's banner,
 *    and the QR code and link of an enrollment, are shown as they came.
 *  - Nothing is shown under PAM_SILENT, except what an enrollment at
 *    log-in and a break-glass log-in show: the person is in the middle
 *    of an exchange that needs them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "i18n.h"
#include "pk_conv.h"
#include "proto.h"
#include "wipe.h"

/* --- asking ------------------------------------------------------------ */

enum pk_outcome
pk_conv_ask_code(const struct pk_ctx *ctx, char **code)
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
		return pr == PAM_BUF_ERR ? PK_NOMEM : PK_CONV_FAILED;
	}
	/*
	 * An answer kagid could not even read (too long, not UTF-8) is sent
	 * as a plainly wrong code, so that it counts as the failure it is.
	 */
	if (!proto_str_valid(resp, KAGI_FIELD_MAX)) {
		kagi_free_str(resp);
		if ((resp = strdup("-")) == NULL)
			return PK_NOMEM;
	}
	*code = resp;
	return PK_CONTINUE;
}

int
pk_conv_ask_pin(const struct pk_ctx *ctx, char **pin)
{
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
		return pr == PAM_BUF_ERR ? -2 : -1;
	}
	*pin = resp;
	return 0;
}

/*
 * What showing a message came to: only a failure for want of memory
 * counts (PK_NOMEM); a conversation that cannot show messages at all
 * (a program's) loses nothing it could act on.
 */
static enum pk_outcome
pk_shown(int pr)
{
	return pr == PAM_BUF_ERR ? PK_NOMEM : PK_CONTINUE;
}

/* --- telling, except under PAM_SILENT ----------------------------------- */

/* msgid, translated, as information. */
static enum pk_outcome
pk_conv_info(const struct pk_ctx *ctx, const char *msgid)
{
	if (ctx->silent)
		return PK_CONTINUE;
	return pk_shown(pam_info(ctx->pamh, "%s", pk_text(ctx, msgid)));
}

/* msgid, translated, as an error. */
static enum pk_outcome
pk_conv_error(const struct pk_ctx *ctx, const char *msgid)
{
	if (ctx->silent)
		return PK_CONTINUE;
	return pk_shown(pam_error(ctx->pamh, "%s", pk_text(ctx, msgid)));
}

enum pk_outcome
pk_conv_show_outcome(const struct pk_ctx *ctx, enum pk_outcome o)
{
	const char *msg = pk_user_message(o);

	if (o == PK_UNAVAILABLE && ctx->store_down)
		msg = N_("The authentication service cannot reach its "
		    "database. Nobody can log in until it is back. Contact "
		    "your administrator.");
	return msg != NULL ? pk_conv_error(ctx, msg) : PK_CONTINUE;
}

enum pk_outcome
pk_conv_show_banner(const struct pk_ctx *ctx, const char *banner)
{
	if (banner == NULL || ctx->silent)
		return PK_CONTINUE;
	return pk_shown(pam_info(ctx->pamh, "%s", banner));
}

void
pk_conv_show_touch(const struct pk_ctx *ctx)
{
	/* The key's own step; what it comes to decides (pk_fido2.c). */
	(void)pk_conv_info(ctx, N_("Touch your security key."));
}

enum pk_outcome
pk_conv_show_key_failure(const struct pk_ctx *ctx, enum pkf_result res)
{
	const char *msg = pk_fido2_message(res);

	return msg != NULL ? pk_conv_error(ctx, msg) : PK_CONTINUE;
}

enum pk_outcome
pk_conv_show_last_login(const struct pk_ctx *ctx)
{
	char when[64], ended[64];
	int pr;

	if (ctx->silent || ctx->last_time == 0)
		return PK_CONTINUE;
	pk_time_text(ctx->last_time, when, sizeof(when));
	if (ctx->last_ended > 0) {
		pk_time_text(ctx->last_ended, ended, sizeof(ended));
		pr = pam_info(ctx->pamh, pk_text(ctx, N_("Last successful "
		    "log-in: %s from %s (%s), ended %s; %d failed attempts "
		    "since")), when, ctx->last_from, ctx->last_factors, ended,
		    (int)ctx->failures_since);
	} else if (ctx->last_ended == 0) {
		pr = pam_info(ctx->pamh, pk_text(ctx, N_("Last successful "
		    "log-in: %s from %s (%s), still open; %d failed attempts "
		    "since")), when, ctx->last_from, ctx->last_factors,
		    (int)ctx->failures_since);
	} else {
		pr = pam_info(ctx->pamh, pk_text(ctx, N_("Last successful "
		    "log-in: %s from %s (%s); %d failed attempts since")), when,
		    ctx->last_from, ctx->last_factors,
		    (int)ctx->failures_since);
	}
	return pk_shown(pr);
}

enum pk_outcome
pk_conv_show_session_end(const struct pk_ctx *ctx, int64_t ends)
{
	char when[64];

	if (ctx->silent || ends == 0)
		return PK_CONTINUE;
	pk_time_text(ends, when, sizeof(when));
	return pk_shown(pam_info(ctx->pamh, pk_text(ctx,
	    N_("This session will be ended at %s.")), when));
}

/* --- telling, even under PAM_SILENT ------------------------------------ */

enum pk_outcome
pk_conv_show_enroll(const struct pk_ctx *ctx, const char *qr,
    const char *uri)
{
	enum pk_outcome o;

	if ((o = pk_shown(pam_info(ctx->pamh, "%s", pk_text(ctx,
	    N_("Your enrollment code is accepted. Add this account to your "
	    "authenticator app: scan the QR code below, or type in the key "
	    "from the link after it."))))) != PK_CONTINUE ||
	    (o = pk_shown(pam_info(ctx->pamh, "%s", qr))) != PK_CONTINUE)
		return o;
	return pk_shown(pam_info(ctx->pamh, "%s", uri));
}

enum pk_outcome
pk_conv_show_enroll_retry(const struct pk_ctx *ctx)
{
	return pk_shown(pam_error(ctx->pamh, "%s", pk_text(ctx, N_("That code "
	    "is not right. Try again with the code the app shows now."))));
}

enum pk_outcome
pk_conv_show_enroll_failed(const struct pk_ctx *ctx)
{
	return pk_shown(pam_error(ctx->pamh, "%s", pk_text(ctx,
	    N_("Enrollment was not finished. Ask your administrator for a new "
	    "enrollment code."))));
}

enum pk_outcome
pk_conv_show_breakglass(const struct pk_ctx *ctx)
{
	return pk_shown(pam_info(ctx->pamh, "%s", pk_text(ctx,
	    N_("Break-glass code accepted. This emergency log-in is recorded "
	    "and must be reported."))));
}
