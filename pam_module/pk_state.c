/*
 * pk_state.c - what a PAM handle remembers from pam_kagi's auth step for
 * its account step: who authenticated, the confirmation id of kagid's
 * provisional success, and whether it was a break-glass log-in made
 * while kagid was unreachable.
 *
 * Guarantees:
 *  - The state lives in the handle's module data (pam_set_data), so only
 *    the account step of the same handle sees it; a new auth step clears
 *    it first, so a success of an earlier attempt never outlives a later
 *    one.
 *  - The account step refuses a user other than the one recorded here
 *    (pk_account.c): a module between auth and account that changes
 *    PAM_USER gains nothing.
 *  - The confirmation id is sent once: after the account step used it,
 *    only the user stays (a second account call checks the user and
 *    confirms nothing).
 *  - The state is wiped when PAM drops it (pam_end, or replaced).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pk_int.h"
#include "wipe.h"

#define PK_STATE_DATA "pam_kagi_auth"

static void
pk_state_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	if (data != NULL) {
		kagi_wipe(data, sizeof(struct pk_auth_state));
		free(data);
	}
}

/* Put st into the handle; an allocation failure is PK_NOMEM. */
static enum pk_outcome
pk_state_put(pam_handle_t *pamh, const struct pk_auth_state *st)
{
	struct pk_auth_state *keep;
	int pr;

	if ((keep = malloc(sizeof(*keep))) == NULL) {
		pam_syslog(pamh, LOG_CRIT, "out of memory");
		return PK_NOMEM;
	}
	*keep = *st;
	if ((pr = pam_set_data(pamh, PK_STATE_DATA, keep,
	    pk_state_cleanup)) != PAM_SUCCESS) {
		pk_state_cleanup(pamh, keep, 0);
		pam_syslog(pamh, LOG_ERR, "pam_set_data: %s",
		    pam_strerror(pamh, pr));
		return pr == PAM_BUF_ERR ? PK_NOMEM : PK_SYSTEM;
	}
	return PK_CONTINUE;
}

enum pk_outcome
pk_state_set(const struct pk_ctx *ctx, int breakglass)
{
	struct pk_auth_state st;
	enum pk_outcome o;

	memset(&st, 0, sizeof(st));
	if (strlen(ctx->user) >= sizeof(st.user))
		return PK_SYSTEM;	/* pk_user_valid() keeps this out */
	memcpy(st.user, ctx->user, strlen(ctx->user) + 1);
	memcpy(st.confirm, ctx->confirm, sizeof(st.confirm));
	st.breakglass = breakglass;
	o = pk_state_put(ctx->pamh, &st);
	kagi_wipe_obj(&st);
	return o;
}

void
pk_state_clear(pam_handle_t *pamh)
{
	const void *old = NULL;

	if (pam_get_data(pamh, PK_STATE_DATA, &old) == PAM_SUCCESS &&
	    old != NULL)
		(void)pam_set_data(pamh, PK_STATE_DATA, NULL, NULL);
}

const struct pk_auth_state *
pk_state_get(pam_handle_t *pamh)
{
	const void *st = NULL;

	if (pam_get_data(pamh, PK_STATE_DATA, &st) != PAM_SUCCESS)
		return NULL;
	return st;
}

enum pk_outcome
pk_state_spend(pam_handle_t *pamh)
{
	const struct pk_auth_state *st = pk_state_get(pamh);
	struct pk_auth_state left;
	enum pk_outcome o;

	if (st == NULL || st->confirm[0] == '\0')
		return PK_CONTINUE;
	memset(&left, 0, sizeof(left));
	memcpy(left.user, st->user, sizeof(left.user));
	left.breakglass = st->breakglass;
	o = pk_state_put(pamh, &left);
	kagi_wipe_obj(&left);
	return o;
}
