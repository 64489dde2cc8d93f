/*
 * pk_account.c - the account flow: kagid says whether the account may be
 * used now (locks, expiry, maintenance windows, enrollment required), and
 * confirms this handle's auth success.
 *
 * An application runs the account step only after the whole auth stack
 * passed, so this is where pam_kagi learns that the password (or
 * whatever came before it) was right too: kagid's auth "success" was
 * provisional until now (R-MFA-2, R-MFA-5).
 *
 * Guarantees:
 *  - After an auth success of this handle (pk_state.c), the user must be
 *    the one who authenticated: a module that changed PAM_USER in
 *    between gets PK_USER_CHANGED, logged at alert priority, and nothing
 *    is confirmed.
 *  - The confirmation id goes to kagid once, with the account request;
 *    only kagid's "ok" to it is PK_GRANTED, and only then is the last
 *    log-in shown (R-MFA-5).  An "unconfirmed" (the id is not this
 *    log-in's, or expired) denies.  Without an auth step of pam_kagi in
 *    this handle (sshd's public-key log-in, cron) there is nothing to
 *    confirm: the account is only checked.
 *  - Only kagid's "ok" is PK_GRANTED; anything else denies, and an
 *    unreachable kagid is PK_UNAVAILABLE: fail closed (R-AVL-1).  The
 *    one exception is a break-glass log-in this handle made while kagid
 *    was unreachable: with kagid still unreachable it passes, logged at
 *    alert priority (R-EXC-1).
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "log.h"
#include "pk_conv.h"
#include "pk_flow.h"
#include "pk_int.h"
#include "pk_kagid.h"

enum pk_outcome
pk_account(struct pk_ctx *ctx)
{
	const struct pk_auth_state *st = pk_state_get(ctx->pamh);
	const char *confirm = NULL;
	char q1[KAGI_NAME_MAX * 4 + 16], q2[KAGI_NAME_MAX * 4 + 16];
	enum pk_outcome o, spent;
	int bg = st != NULL && st->breakglass, confirming;

	if (st != NULL && strcmp(st->user, ctx->user) != 0) {
		pam_syslog(ctx->pamh, LOG_ALERT, "account: the user changed "
		    "from %s, who authenticated, to %s: refused",
		    kagi_log_quote(st->user, q1, sizeof(q1)),
		    kagi_log_quote(ctx->user, q2, sizeof(q2)));
		return PK_USER_CHANGED;
	}
	if (st != NULL && st->confirm[0] != '\0')
		confirm = st->confirm;
	confirming = confirm != NULL;
	o = pk_kagid_account(ctx, confirm);
	/* Sent once, whatever kagid answered (st is gone after this). */
	if (confirming && (spent = pk_state_spend(ctx->pamh)) != PK_CONTINUE)
		return spent;
	/* A break-glass log-in of this handle, kagid unreachable. */
	if (o == PK_UNAVAILABLE && bg) {
		pam_syslog(ctx->pamh, LOG_ALERT, "account: kagid unreachable; "
		    "passing the break-glass log-in");
		return PK_GRANTED;
	}
	/* Confirmed: the previous log-in, once the whole stack passed. */
	if (o == PK_GRANTED && confirming &&
	    pk_conv_show_last_login(ctx) == PK_NOMEM)
		return PK_NOMEM;
	return o;
}
