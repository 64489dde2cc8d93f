/*
 * dispatch.h - kagid's table of requests and the context handlers share.
 *
 * dispatch() looks the request's "op" up in one table of {op, who may
 * send it, allowed fields, handler}; a request from a class not listed,
 * with an unknown op or an unknown field, is refused before its handler
 * runs.  Each request runs inside its own savepoint: a handler that
 * returns an error leaves no change behind; one that returns 0 keeps its
 * changes and audit records (a refused log-in is a success of the
 * handler: its failure count and record must commit).
 */
#ifndef KAGI_DISPATCH_H
#define KAGI_DISPATCH_H

#include <json-c/json.h>

#include "alert.h"
#include "challenge.h"
#include "kagid_config.h"
#include "lockout.h"
#include "peer.h"
#include "seal.h"
#include "store.h"

/* An audit line waiting for its transaction to commit before syslog. */
struct pending_log {
	int prio;
	char *line;
	char *alert;	/* JSON for the alert hook, or NULL (audit.c) */
	/* The record's user, event and outcome for the journal, or NULL. */
	char *user;
	char *event;
	char *outcome;
};

struct kagid_ctx {
	const struct kagid_config *cfg;
	struct store *store;
	struct seal_key *key;
	struct lockout_policy lockout;	/* the staff role's */
	/* Per role (enum user_role): staff, privileged, vendor (R-PRIV-5). */
	struct lockout_policy lockout_role[3];
	struct pending_log *logs;	/* mirrored after commit */
	size_t nlogs;
	size_t logs_cap;
	/* Audit anchors, clock state, alert hook (audit.c, alert.c). */
	struct alert_runner *alerts;
	int64_t anchor_next_ms;		/* monotonic; 0 = at the next tick */
	int64_t clock_next_ms;
	int clock_synced;		/* last adjtimex answer */
	int clock_known;		/* 0 until the first check */
	/* Sessions (session.c): the next due time, valid when known. */
	int session_known;
	int64_t session_next;		/* 0 = nothing due */
	/* banner_file's text, read at start (R-MFA-5), or NULL. */
	char *banner;
	struct chal_table *challenges;	/* FIDO2 challenges in flight */
};

/* Queue a syslog line for after the commit (audit.c). */
int ctx_log_queue(struct kagid_ctx *ctx, int prio, const char *line);
/* After a commit: log and drop the queued lines from index from on. */
void ctx_log_flush(struct kagid_ctx *ctx);
/* After a rollback: drop the lines from index from on, unlogged. */
void ctx_log_discard(struct kagid_ctx *ctx, size_t from);

/*
 * Handle one request; *reply is always set (an error reply on failure)
 * unless the return is KAGI_ERR_NOMEM.  Returns the handler's result.
 */
int dispatch(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object **reply);

/*
 * 1 when req names a request whose handler only reads (auth_begin): the
 * server may run it in a read-only transaction (store_begin_read), where
 * any write fails.  0 for every other request, malformed ones included.
 */
int dispatch_read_only(struct json_object *req);

/* Handlers (h_auth.c, h_admin.c): fill reply (an "ok" object) or fail. */
typedef int (*handler_fn)(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply);

int h_auth_begin(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_auth_totp(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_account(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_add(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_show(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_disable(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_enable(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_user_delete(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_add_totp(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_confirm(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_revoke(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_unlock(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_status(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
/* The audit chain (h_audit.c); reports and compliance are in report.h. */
int h_audit_verify(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_audit_head(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_audit_records(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_audit_archive(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* FIDO2 (h_fido2.c). */
int h_auth_fido2(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_fido2_begin(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_fido2_finish(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_token_fido2_import(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* Policy (h_policy.c). */
int h_user_role(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_vendor_add(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_vendor_show(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_vendor_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* Sessions (h_session.c). */
int h_session_open(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_session_close(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);
int h_session_list(struct kagid_ctx *, const struct peer *,
    struct json_object *, struct json_object *);

/* Shared by the handlers (h_admin.c). */
int user_to_json(struct kagid_ctx *ctx, const struct user_rec *u,
    struct json_object **out);
int token_to_json(const struct token_rec *t, const char *user,
    struct json_object **out);
/* The same, with a FIDO2 token's credential details (h_fido2.c). */
int fido2_token_json(struct kagid_ctx *ctx, const struct token_rec *t,
    const char *user, struct json_object **out);
/*
 * FIDO2 registration (h_fido2.c), shared by token_fido2_* and the
 * self-service enroll_fido2_*.  kind ("admin" or "self") is bound into
 * the challenge with u and a request number, so a challenge serves only
 * the kind of request that asked for it.  begin fills reply with the
 * challenge, rp_id, user_id, exclude and uv; finish takes that challenge
 * (single use), verifies the key's answer in req and stores the
 * credential as an active token of u: *token its id, or 0 when refused
 * (reply's "refused" says why, and a record is kept).
 */
int fido2_reg_begin(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *kind, struct json_object *reply);
int fido2_reg_finish(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *kind, struct json_object *req,
    struct json_object *reply, int64_t *token);
/* Check a user name: 1..STORE_NAME_MAX bytes of [A-Za-z0-9._@-], not "-" first. */
int user_name_valid(const char *name);
/* The request's "user", canonical (username.h) and valid, into name. */
int user_req_name(struct json_object *req, char name[STORE_NAME_MAX + 1]);
/*
 * R-PRIV-4: KAGI_ERR_DENIED, with an alert committed on its own
 * savepoint, when the caller's name is a kagi vendor user; 0 otherwise
 * (h_policy.c).  Called before any administrative request runs.
 */
int policy_refuse_vendor_peer(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op);

#endif
