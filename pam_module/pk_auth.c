/*
 * pk_auth.c - the auth flows: the second factor as kagid asked for it.
 *
 * A flow calls the parts below it and nothing else: the person
 * (pk_conv.c), kagid (pk_kagid.c), the key (pk_fido2.c), the break-glass
 * file (pk_breakglass.c); those never call each other.
 *
 * Guarantees:
 *  - The key step: libfido2 is loaded for it only (pk_dl.h), and without
 *    it the log-in fails closed.  With no key plugged in and TOTP
 *    allowed, the flow falls back to a code and kagid is told nothing;
 *    otherwise kagid is sent the assertion or what went wrong, and gives
 *    the verdict.
 *  - A failed conversation is PK_CONV_FAILED, never a success.
 */
#include "config.h"

#include <syslog.h>

#include <security/pam_ext.h>

#include "pk_conv.h"
#include "pk_fido2.h"
#include "pk_flow.h"
#include "pk_int.h"

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

enum pk_outcome
pk_auth_key(struct pk_ctx *ctx, int *fallback)
{
	struct pkf_ui ui = { ctx, pk_auth_touch, pk_auth_pin };
	struct pkf_answer ans;
	struct pkf_lib *lib = NULL;
	enum pkf_result res;
	enum pk_outcome o;
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
	pk_conv_show_key_failure(ctx, res);
	o = pk_auth_fido2(ctx, res, &ans);
	pkf_answer_clear(&ans);
	return o;
}
