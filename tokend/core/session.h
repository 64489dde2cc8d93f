/*
 * session.h - kagid's side of log-in sessions (R-PRIV-7, R-REM-4).
 *
 * pam_kagi's session part registers each session (session_open) and
 * ends it (session_close); both are audited ("session_open",
 * "session_close" with service, tty, rhost, pid, sid, started, ended,
 * reason).  A privileged user's session gets a deadline of
 * privileged_session_max; a vendor's the end of its current maintenance
 * window.  kagid's loop calls session_tick(): session_warn before the
 * deadline it warns (syslog, and a line on the session's terminal when
 * kagid may open it); at the deadline it ends the session, through
 * systemd-logind when logind runs and knows the session, otherwise by
 * SIGHUP to the session's processes and, session_grace later, SIGKILL
 * to those left.  The session's processes are those whose session id is
 * the registered one and the descendants of the registered process
 * (only the descendants when the session id is 0 or 1: a process whose
 * session leader kagid cannot see, or init's session, shares it with
 * processes that are not the log-in's); a
 * process ID or session ID reused since registration (another start
 * time) is never taken for it.  kagid never signals itself, pid 1, or a
 * process in its own session; for a session registered by an
 * unprivileged caller (for itself) only processes of that caller's uid.
 *
 * The idle time-out (R-MFA-5): every quarter of the shortest of
 * staff_session_idle, privileged_session_idle and vendor_session_idle
 * (1 s to 60 s), session_tick() asks systemd-logind, over the system bus
 * and at most a quarter second per question, for the idle hint of each open
 * session registered with a logind id; one idle for longer than its
 * user's role allows gets its deadline now, reason "idle", and is ended
 * as above.  Sessions logind does not know are never looked at.  A
 * look holds kagid's loop about a quarter second at most, and a logind
 * that leaves a question unanswered is asked again only a minute later.
 */
#ifndef KAGI_SESSION_H
#define KAGI_SESSION_H

#include <stdint.h>

#include "ctx.h"
#include "peer.h"

/*
 * End every open session of user (canonical name) with reason (e.g.
 * "offboard"), inside the caller's transaction: each gets its deadline
 * now, and the loop ends it (signals, audit "session_close" with this
 * reason) right after the transaction commits; a rollback ends none.
 * *n (when not NULL) receives how many sessions will end.  A user that
 * does not exist is KAGI_ERR_NOT_FOUND.  For offboarding.
 */
int session_end_user(struct kagid_ctx *ctx, const char *user,
    const char *reason, int64_t *n);

/*
 * Milliseconds until session_tick() has work (0: now), or -1 when no
 * session has a deadline.  Cheap: reads the store only after a change.
 */
int64_t session_due_ms(struct kagid_ctx *ctx);

/* Warn, end and kill what is due, in a transaction of its own. */
void session_tick(struct kagid_ctx *ctx);

/*
 * A process's session id and start time (clock ticks since boot) from
 * /proc/PID/stat; KAGI_ERR_NOT_FOUND when it does not exist.
 */
int session_proc_stat(int64_t pid, int64_t *sid, int64_t *start);

/*
 * The audit records "session_open" and "session_close" (fields service,
 * tty, rhost, pid, sid, logind, started; ended and reason on close; how:
 * "logind" or "signal" when kagid ended it).  peer NULL: kagid itself.
 */
struct session_rec;
int session_audit_open(struct kagid_ctx *ctx, const struct peer *peer,
    const struct session_rec *s);
int session_audit_close(struct kagid_ctx *ctx, const struct peer *peer,
    const struct session_rec *s, int64_t ended, const char *reason,
    const char *how);

#endif
