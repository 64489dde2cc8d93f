/*
 * pk_flow.h - the log-in flows, which the entry points (pam_kagi.c)
 * call: auth (pk_auth.c), account (pk_account.c), session
 * (pk_session.c).  A flow calls the parts below it (pk_conv.h,
 * pk_kagid.h, pk_fido2.h, pk_breakglass.h) and the helpers, never
 * another flow.  Internal to the module (hidden symbols).
 */
#ifndef KAGI_PK_FLOW_H
#define KAGI_PK_FLOW_H

#include "pk_int.h"

/*
 * The second factor: kagid's method, asked of the key or the person;
 * enrollment at log-in; break-glass while kagid is unreachable.
 */
enum pk_outcome pk_auth(struct pk_ctx *ctx);
/*
 * A name kagid never sees: the code is asked anyway, so that this looks
 * like any other refusal, and the answer is PK_DENIED.
 */
enum pk_outcome pk_auth_unusable(struct pk_ctx *ctx);
/*
 * Whether the account may be used now (pk_account.c), for the user who
 * authenticated, and the confirmation of this handle's auth success.
 */
enum pk_outcome pk_account(struct pk_ctx *ctx);
/* session_open: register; keep kagid's id for close; say when it ends. */
enum pk_outcome pk_session_open(struct pk_ctx *ctx);
/* session_close: by the id kept at open, else by this process's pid. */
enum pk_outcome pk_session_close(struct pk_ctx *ctx);

#endif
