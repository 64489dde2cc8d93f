/*
 * breakglass.h - break-glass codes and the exceptions they open
 * (R-EXC-1, R-INC-1): trying one at log-in, the short pass it gives the
 * account step, and the break-glass file pam_kagi reads without kagid.
 */
#ifndef KAGI_BREAKGLASS_H
#define KAGI_BREAKGLASS_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "enrollment.h"
#include "peer.h"
#include "store.h"

/*
 * Called by auth_totp for a code no TOTP token matched, for an enabled,
 * unlocked user, after enroll_code_try(); *took (enrollment.h) says what
 * happened.
 */
int breakglass_try(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *code, int *took);
/* May a user without an active token pass account after break-glass? */
int breakglass_recent(struct kagid_ctx *ctx, const struct user_rec *u,
    int *yes);
/*
 * Replace u's break-glass codes with breakglass_codes fresh ones, shown
 * once in reply ("codes") and stored hashed (PBKDF2 over a per-code
 * salt); recorded at warning priority.  The caller checked that
 * break-glass is on and the act approved where it must be.
 */
int breakglass_issue(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *reply);
/* The open exceptions into reply ("exceptions", "enabled"). */
int breakglass_list(struct kagid_ctx *ctx, struct json_object *reply);
/* Close exception id with the report reason (not empty), recorded. */
int breakglass_report(struct kagid_ctx *ctx, const struct peer *peer,
    int64_t id, const char *reason, struct json_object *reply);

/* The break-glass file must be rewritten after the next commit. */
void breakglass_mark_dirty(struct kagid_ctx *ctx);
/*
 * Bring the break-glass file and the store together: import uses that
 * pam_kagi recorded while kagid was unreachable (each opens an
 * exception), then rewrite the file from the store.  Runs its own
 * transaction: call outside a batch.
 */
int breakglass_sync(struct kagid_ctx *ctx);
/*
 * Has a commit changed the codes since the last sync, or did the last
 * sync fail BREAKGLASS_RETRY seconds ago or more?
 */
int breakglass_sync_due(const struct kagid_ctx *ctx);
/*
 * How long breakglass_sync() waits for the file's lock (pam_kagi holds it
 * for one user's codes' KDFs and a rewrite): kagid, one loop for every
 * request, never hangs on it.  A sync that fails (a lock held longer, a
 * file that is not a regular file) is logged and tried again
 * BREAKGLASS_RETRY seconds later.
 */
#define BREAKGLASS_LOCK_MS 3000
#define BREAKGLASS_RETRY 60

#endif
