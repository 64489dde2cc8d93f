/*
 * lifecycle.h - the two-person rule, enrollment codes, off-boarding,
 * lost tokens, dormant accounts and break-glass codes: what kagid's
 * other files call to reach them, and the handlers dispatch.c lists.
 *
 *   h_request.c     the two-person rule (R-PRIV-3, R-LOG-5)
 *   h_enroll.c      enrollment codes and enrolling at log-in (R-TOK-4)
 *   h_life.c        role changes, off-boarding, lost tokens (R-TOK-2,3,5)
 *   h_breakglass.c  break-glass codes and exceptions (R-EXC-1, R-INC-1)
 *   maint.c         hourly work: dormant accounts (R-TOK-6), expired
 *                   requests, the break-glass file
 */
#ifndef KAGI_LIFECYCLE_H
#define KAGI_LIFECYCLE_H

#include <json-c/json.h>

#include "dispatch.h"

/*
 * The two-person rule.  act is an APPROVE_* bit (0: nothing to approve).
 * Returns 0 when the handler may act (the act needs no approval, or an
 * approved request is being carried out), REQUEST_CREATED when a request
 * was stored and described in reply (the handler then returns 0 without
 * acting), or an error.
 */
#define REQUEST_CREATED 1
int request_gate(struct kagid_ctx *ctx, const struct peer *peer,
    unsigned act, struct json_object *req, struct json_object *reply);

struct request_rec;
/*
 * The approved request being carried out (its id and requester), or
 * NULL outside an approval: for an act whose approval grants a
 * permission instead of acting (h_fido2.c, privileged enrollment).
 */
const struct request_rec *request_executing(void);

/* Mark pending requests past their expiry expired, with a record. */
int request_expire_due(struct kagid_ctx *ctx);

/* What a typed code turned out to be, besides a TOTP code. */
enum code_took {
	CODE_TOOK_NONE = 0,	/* neither: a wrong code */
	CODE_TOOK_ENROLL = 1,	/* an enrollment code: reply says "enroll" */
	CODE_TOOK_LOGIN = 2	/* a break-glass code: log in */
};

/*
 * Called by auth_totp for a code no TOTP token matched, for an enabled,
 * unlocked user.  Each records what it did; *took says what happened.
 */
int enroll_code_try(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *code, struct json_object *reply,
    int *took);
int breakglass_try(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *code, int *took);
/* May a user without an active token pass account after break-glass? */
int breakglass_recent(struct kagid_ctx *ctx, const struct user_rec *u,
    int *yes);
/* The break-glass file must be rewritten after the next commit. */
void breakglass_mark_dirty(void);
/*
 * Bring the break-glass file and the store together: import uses that
 * pam_kagi recorded while kagid was unreachable (each opens an
 * exception), then rewrite the file from the store.  Runs its own
 * transaction: call outside a batch.
 */
int breakglass_sync(struct kagid_ctx *ctx);
/* Has a commit changed the codes since the last sync? */
int breakglass_sync_due(void);

/* A user was enabled: dormancy counts from now (h_admin.c). */
int lifecycle_note_enable(struct kagid_ctx *ctx, int64_t user_id);

/*
 * Periodic work, outside any batch: at start (force) and then hourly,
 * dormant accounts and expired requests; after any commit that changed
 * break-glass codes, the break-glass file.
 */
void maint_tick(struct kagid_ctx *ctx, int force);

int h_user_offboard(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_lost(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_enroll_code_issue(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_auth_enroll(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
/* Self-service FIDO2 enrollment with an enrollment code (h_enroll.c). */
int h_enroll_fido2_begin(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_enroll_fido2_finish(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_request_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_request_show(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_request_approve(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_request_reject(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_breakglass_issue(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_breakglass_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_breakglass_report(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

#endif
