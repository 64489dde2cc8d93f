/*
 * ctx.h - what kagid's core works with: the configuration, the store, the
 * sealing key, the roles' lockout policies, the audit lines waiting for
 * their commit, the clock and session state, the FIDO2 challenges in
 * flight, the approved request being carried out.
 *
 * One context per kagid process, set up by kagid.c, handed to every rule
 * and handler.  Nothing in it is a decision; the rules in this directory
 * make those.  The audit lines queued here reach syslog only after the
 * transaction that wrote their records commits (audit.c).
 */
#ifndef KAGI_CTX_H
#define KAGI_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "challenge.h"
#include "clocksync.h"
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

/* Why the request being handled is refused (refusal.c). */
#define REFUSAL_MSG_MAX 512
#define REFUSAL_REASON_MAX 32
struct refusal {
	int set;
	int err;				/* the KAGI_ERR_* returned */
	char reason[REFUSAL_REASON_MAX + 1];	/* "self_approval", ... */
	char message[REFUSAL_MSG_MAX + 1];
	char user[STORE_NAME_MAX + 1];		/* "" = none */
	char event[REFUSAL_REASON_MAX + 1];	/* "refused" by default */
	int64_t request;			/* request to mark failed, 0 */
};

struct request_rec;
struct kagid_ctx;
struct audit_daemon;
struct peer;
struct json_object;

/* What carries an operation out: kagid's handler for it (dispatch.c). */
typedef int (*approval_act_fn)(struct kagid_ctx *ctx,
    const struct peer *peer, struct json_object *req,
    struct json_object *reply);
typedef approval_act_fn (*approval_lookup_fn)(const char *op);

struct kagid_ctx {
	const struct kagid_config *cfg;
	struct store *store;
	struct seal_key *key;
	struct lockout_policy lockout;	/* the staff role's */
	/* Per role (enum user_role): staff, privileged, vendor (R-PRIV-5). */
	struct lockout_policy lockout_role[3];
	/* The answer to a failure waits (failure_delay, issue 13): set by
	 * the rules while a request runs (hold_ms), read by server.c. */
	struct lockout_delay delay;
	int64_t hold_ms;
	struct pending_log *logs;	/* mirrored after commit */
	size_t nlogs;
	size_t logs_cap;
	/* Audit anchors, clock state, alert hook (audit.c, alert.c). */
	struct alert_runner *alerts;
	/* Signed checkpoints, refused callers, failed writes
	 * (audit_daemon.c); NULL outside kagid (tests, kagictl). */
	struct audit_daemon *audit;
	/* Told when an audit record cannot be written (set by
	 * audit_daemon_open(): the audit degraded, an alert); NULL: none.
	 * audit.c calls it so as not to call up into audit_daemon.c. */
	void (*audit_write_failed)(struct kagid_ctx *ctx, const char *where,
	    int err);
	int64_t anchor_next_ms;		/* monotonic; 0 = at the next tick */
	int64_t clock_next_ms;
	int clock_synced;		/* last adjtimex answer */
	int clock_known;		/* 0 until the first check */
	struct clockstep clockstep;	/* steps of the wall clock */
	/* Sessions (session.c): the next due time, valid when known. */
	int session_known;
	int64_t session_next;		/* 0 = nothing due */
	int64_t idle_next;		/* next look at idleness (kagi_now) */
	int idle_bus_warned;		/* logind unreachable: said once */
	/* Provisional log-ins (login_confirm.c): the earliest expiry,
	 * valid when known, 0 = none waits. */
	int confirm_known;
	int64_t confirm_next;
	/* The two-person rule (approval.c): the approved request being
	 * carried out, or NULL, and what carries one out (set by kagid.c:
	 * dispatch's table). */
	const struct request_rec *approving;
	approval_lookup_fn approval_replay;
	/* The edge host the request being handled came through (issue 15,
	 * set by server.c), or NULL: its records name it ("edge"). */
	const char *via;
	/* A host was revoked in this batch: its connections go (hosts.c
	 * sets it, server.c acts on it once the batch commits). */
	int hosts_revoked;
	/* banner_file's text, read at start (R-MFA-5), or NULL. */
	char *banner;
	struct chal_table *challenges;	/* FIDO2 challenges in flight */
	/* A commit changed break-glass codes: rewrite the file (breakglass.c). */
	int breakglass_dirty;
	int64_t breakglass_retry;	/* a failed sync: not before then */
	int64_t fido2_reg_seq;		/* registrations begun (fido2_reg.c) */
	/* Why the current request is refused, when a rule said (refusal.c). */
	struct refusal refusal;
	/* The effective configuration's record (config_audit.c): its
	 * digest's audit record, and when the policy last changed. */
	int64_t config_seq;
	int64_t config_changed;		/* time; 0 = unknown */
	int64_t config_changed_seq;
};

/* The roles' lockout policies (lockout, lockout_role) from ctx->cfg. */
void ctx_set_lockouts(struct kagid_ctx *ctx);

/* Queue a syslog line for after the commit (audit.c). */
int ctx_log_queue(struct kagid_ctx *ctx, int prio, const char *line);
/* After a commit: log and drop the queued lines from index from on. */
void ctx_log_flush(struct kagid_ctx *ctx);
/* After a rollback: drop the lines from index from on, unlogged. */
void ctx_log_discard(struct kagid_ctx *ctx, size_t from);

#endif
