/*
 * audit_daemon.h - what the audit trail says about kagid itself: signed
 * checkpoints of the chain, kagid's start and stop and the outage between
 * them, callers whose requests were refused, audit writes that failed
 * (R-LOG-2, R-LOG-1, R-AVL-1, R-INC-1).
 *
 * Checkpoints (checkpoint.h) are made at start, at stop, at every
 * archive, within audit_checkpoint_interval of any new record, and every
 * audit_anchor_interval when nothing happened; each goes to the
 * checkpoint log (audit_checkpoint_log, append-only), to syslog as
 * "audit checkpoint LINE", and to audit_checkpoint_command, run like the
 * alert hook (alert.h: no shell, time-limited) with the line on its
 * standard input.
 *
 * At start kagid compares the chain with its last checkpoint and refuses
 * a chain shorter than it, or one whose record at the checkpoint's
 * sequence has another hash: records were removed or rewritten.  The
 * operator may accept the chain as it is, once, by starting kagid with
 * -A HEAD (HEAD the sequence number the chain now ends at); the
 * acceptance is an alert-priority "chain_accepted" record.  Every start
 * is a "kagid_start" record with the last checkpoint and the gap since
 * it; every orderly stop a "kagid_stop" record.
 *
 * A request refused before its handler (malformed, unknown, not allowed
 * for its caller) is a "caller_refused" record, at most one per caller
 * uid and minute: refusals in between are counted ("suppressed") in the
 * caller's next record.  An audit record that cannot be written makes
 * the audit "degraded" (status shows it; an alert goes to syslog and the
 * alert hook; the request that wanted the record fails, so a log-in is
 * refused); once writing works again an "audit_degraded" record says
 * from when to when, and how many writes failed.
 */
#ifndef KAGI_AUDIT_DAEMON_H
#define KAGI_AUDIT_DAEMON_H

#include <stdint.h>

#include <json-c/json.h>

#include "checkpoint.h"
#include "ctx.h"
#include "peer.h"

/* The signing key, verifying keys, log and command (as kagid's user). */
int audit_daemon_open(struct kagid_ctx *ctx, char *err, size_t errlen);
/*
 * The start: compare the chain with the last checkpoint (refuse, naming
 * both, unless accept_seq is the chain's head; 0 = no acceptance), write
 * the start records and a checkpoint.
 */
int audit_daemon_start(struct kagid_ctx *ctx, int64_t accept_seq, char *err,
    size_t errlen);
/* The orderly stop: its record and a last checkpoint. */
void audit_daemon_stop(struct kagid_ctx *ctx);
void audit_daemon_free(struct kagid_ctx *ctx);
/* Periodic work, after audit_tick() (server.c): refusals, recovery,
 * checkpoints. */
void audit_daemon_tick(struct kagid_ctx *ctx);

/*
 * A signed checkpoint of record seq with hash, for reason, now: to the
 * log, syslog and the command.  An error when it cannot be logged.
 */
int audit_checkpoint(struct kagid_ctx *ctx, int64_t seq,
    const uint8_t hash[32], const char *reason);

/*
 * 1 when the chain still holds the last checkpoint's record and every
 * record after it links on from it: kagid signs nothing else.
 */
int audit_chain_extends(struct kagid_ctx *ctx);

/* Every verifying key kagid knows (its own first), for kagictl. */
int audit_daemon_keys(struct kagid_ctx *ctx, struct json_object *reply);
/*
 * What the checkpoint log says of the chain (verify, compliance, status):
 * reply gets "checkpoint" {state, seq, time, key, reason} and "boundary"
 * {state, seq}.  States: checkpoint "ok", "cut" (the chain is shorter),
 * "differs" (another hash), "archived" (checked at the archive),
 * "none" (no checkpoint yet), "bad" (the log's last line is not validly
 * signed by a known key); boundary "none" (nothing archived), "covered"
 * (a signed archive checkpoint names it), "uncovered".
 */
int audit_daemon_verify(struct kagid_ctx *ctx, struct json_object *reply);
/* The audit's state for status: audit ok|degraded, key, checkpoint. */
int audit_daemon_status(struct kagid_ctx *ctx, struct json_object *reply);
/* 1 while audit writes fail. */
int audit_degraded(const struct kagid_ctx *ctx);
/* How the runs of audit_checkpoint_command ended (alert_outcomes()). */
void audit_shipped(const struct kagid_ctx *ctx, int64_t *ok, int64_t *failed,
    int *last_failed);

/* A request of peer refused before its handler (op may be NULL). */
void audit_caller_refused(struct kagid_ctx *ctx, const struct peer *peer,
    const char *kind, const char *what, const char *op);
/* An audit write failed (where: "append", "commit"). */
void audit_write_failed(struct kagid_ctx *ctx, const char *where, int err);

#endif
