/*
 * audit.h - writing audit records from kagid's handlers, their syslog
 * mirror, chain anchors and the alert hook.
 *
 * audit_record() appends one record to the hash chain in the current
 * transaction (so it commits or vanishes with the change it describes)
 * and queues its syslog mirror (LOG_AUTHPRIV), which is written only once
 * the transaction has committed.  The fields never hold a secret.
 *
 * Priority: the more urgent of the caller's prio and audit_priority(),
 * which makes these LOG_ALERT (R-INC-1): a lockout of a privileged
 * account, a suspected cloned key, a break-glass use, a refused log-in of
 * a vendor account.  Alert-priority records also go, as JSON on standard
 * input, to kagid.conf's alert_command after the commit (alert.c).
 *
 * After every administrative record (anything but the log-in events
 * below) a line "audit anchor seq=N hash=H" follows it in syslog, and
 * audit_tick() writes one every audit_anchor_interval, so a chain cut
 * back can be proven against syslog or a copy kept elsewhere (R-LOG-2).
 *
 * THE EVENTS AND FIELDS THE REPORTS, STATUS AND COMPLIANCE READ
 * (report.c, compliance.c).  Other issues emit these names; a field not
 * listed may be added freely, a listed one keeps its meaning.  "user" is
 * the record's user column (the kagi user concerned); times are seconds
 * since the epoch.
 *
 *   auth            outcome ("success"|"failure"|"provisional"|
 *                   "unconfirmed"|"fallback"), reason ("ok",
 *                   "confirmed", "bad_code", "replay", "locked",
 *                   "locked_remote", "disabled", "unknown_user",
 *                   "clock_unsynced", "caller_not_allowed", "expired",
 *                   "no_key", ...), service, zone, tty?, rhost?, factor?
 *                   or factors? (array), role? (the user's role when
 *                   known), op? (caller_not_allowed), login? (the id
 *                   tying a provisional success to its "success" or
 *                   "unconfirmed").  A second factor's success is
 *                   "provisional" until the account phase confirms it
 *                   ("success", reason "confirmed"): only that is a
 *                   log-in (login_confirm.c).
 *   lockout         locked_until (-1 = until an administrator unlocks),
 *                   lock_count, rhost?, role?, scope? ("account": every
 *                   log-in, "remote": log-ins with an address), sources?
 *                   (addresses that caused it; more than one: an alert)
 *   unlock          (none)
 *   user_add        role, approved_by?
 *   role_change     role (new), from (old), approved_by?
 *   token_add, token_activate, token_revoke   token (id), ...
 *   clone_suspected token, ... (a FIDO2 signature counter went back)
 *   session_open    session (id, unique per kagid), service, tty?,
 *                   rhost?, pid, started
 *   session_close   session, service, tty?, rhost?, pid, started, ended,
 *                   duration (seconds), reason?
 *   request         request (id), action, target?, reason?
 *   approve, reject request (id), requester?, requester_loginuid?,
 *                   requester_group?, approver_loginuid?, approver_group?
 *   request_failed  request (id), reason, message: an approved request
 *                   whose act could not be carried out (state failed)
 *   refused         op, reason (refusal.c's word), message: a request
 *                   refused by a rule, kept though the request was not
 *   config          digest, changed, changes, policy_changed,
 *                   policy_changed_seq, settings (config_audit.c)
 *   breakglass_use  id (break-glass use id), service?, rhost?, reason?
 *   breakglass_report  id (the use it reports), report?
 *   audit_archive   through_seq, hash (hex): records moved to an archive
 *   clock_step      seconds (forward > 0), direction, moved (rows moved
 *                   later), totp_window_seconds (an alert beyond it)
 *
 * Every record of an administrative act (any event but the log-in events
 * of audit_is_login_event()) written for a caller also carries
 * "actor_loginuid": the caller's audit login uid, the person behind it
 * (person.h), -1 when unset.
 *
 * A vendor session is a session_open/session_close pair of a user whose
 * role is vendor (the store's, or the record's "role" field), matched by
 * "session".  A break-glass use is open until a breakglass_report with
 * its "id"; a request is open until an approve, reject, request_expire
 * or request_failed with its "request".
 */
#ifndef KAGI_AUDIT_H
#define KAGI_AUDIT_H

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "store.h"

/*
 * fields: a JSON object or NULL (not consumed).  prio: LOG_INFO normally,
 * LOG_NOTICE for administrative acts; raised by audit_priority().
 */
int audit_record(struct kagid_ctx *ctx, const struct peer *peer, int prio,
    const char *event, const char *user, struct json_object *fields);

/*
 * The syslog priority an event calls for by itself: LOG_ALERT for the
 * R-INC-1 events above (role: enum user_role of the user concerned, or -1
 * when unknown), LOG_INFO otherwise.
 */
int audit_priority(const char *event, struct json_object *fields, int role);

/* 1 when event is part of a log-in (no anchor line follows it). */
int audit_is_login_event(const char *event);

/*
 * Periodic work, called by the server loop at least once a second outside
 * any transaction: the anchor line at its interval, the clock check at
 * its interval, steps of the clock (audit_clock_tick()), reaping and
 * time-limiting alert commands.
 */
void audit_tick(struct kagid_ctx *ctx);

/*
 * Steps of the wall clock (clocksync.h, R-LOG-4), outside any
 * transaction; the server also calls it just before each batch.  Every
 * step is a "clock_step" record, at alert priority when it is larger
 * than the TOTP window (totp_window steps of totp_period, one at
 * least).  A forward step moves every running lock, failure interval and
 * throttle as far later, in the same transaction, so that a clock moved
 * ahead ends none of them early; one moved back only makes them look
 * longer, and moves nothing.  When that cannot be committed,
 * ctx->clockstep.pending_s stays set and the next call tries again; the
 * server refuses log-ins meanwhile.
 */
void audit_clock_tick(struct kagid_ctx *ctx);

#endif
