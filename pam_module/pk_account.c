/*
 * pk_account.c - the account flow: kagid says whether the account may be
 * used now (locks, expiry, maintenance windows, enrollment required).
 *
 * Guarantees:
 *  - Only kagid's "ok" is PK_GRANTED; anything else denies, and an
 *    unreachable kagid is PK_UNAVAILABLE: fail closed (R-AVL-1).
 *  - The one exception is a break-glass log-in this PAM handle made
 *    while kagid was unreachable (PK_BG_DATA, set by pk_auth.c): with
 *    kagid still unreachable it passes, logged at alert priority
 *    (R-EXC-1).
 */
#include "config.h"

#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pk_flow.h"
#include "pk_int.h"
#include "pk_kagid.h"

enum pk_outcome
pk_account(struct pk_ctx *ctx)
{
	enum pk_outcome o = pk_kagid_account(ctx);
	const void *bg = NULL;

	/* A break-glass log-in of this handle, kagid unreachable. */
	if (o == PK_UNAVAILABLE &&
	    pam_get_data(ctx->pamh, PK_BG_DATA, &bg) == PAM_SUCCESS &&
	    bg != NULL) {
		pam_syslog(ctx->pamh, LOG_ALERT, "account: kagid unreachable; "
		    "passing the break-glass log-in");
		o = PK_GRANTED;
	}
	return o;
}
