/*
 * failures.h - counting failed log-ins toward a lock (R-MFA-5, R-PRIV-5,
 * R-AVL-1).
 *
 * lockout.c is the arithmetic (an interval, a threshold, a growing
 * lock, the relock, the delay); this file decides what counts toward
 * what and keeps the counters beside the lock records in the store:
 *  - the role's policy applies (staff, privileged, vendor);
 *  - two classes, counted apart (issue 13): a failure with an address
 *    (PAM_RHOST: sshd, a gateway) is remote, one without (the console,
 *    su, a screen locker) is local.  Local failures count toward the
 *    account's own lock, which closes every log-in; remote failures
 *    toward the remote lock, which closes remote log-ins only.  So
 *    nobody on the network can lock a user, an administrator included,
 *    out of the console, while the console keeps the role's rule
 *    (R-PRIV-5: a privileged account's three local failures lock it
 *    until an administrator unlocks it);
 *  - per source: in one interval at most max_failures - 1 of the
 *    failures from one address count toward the remote lock, so one
 *    address never locks by itself; beyond that its failures are
 *    recorded but not counted (the per-address throttle stops it soon
 *    after).  The distinct addresses counted in the interval are the
 *    lock's "sources": a lock caused by more than one raises an alert;
 *  - per factor and service: each counted failure is also counted under
 *    its class's "fs:FACTOR/SERVICE" (local) or "rfs:FACTOR/SERVICE"
 *    (remote) key, so that a success forgives the failures of its own
 *    factor and service only;
 *  - a failure while locked still counts (a lock cannot be waited out by
 *    guessing) but feeds no per-source or per-service counter;
 *  - a name that is no user is counted the same way, under its own
 *    records (store_unknown_*, bounded), so that an unknown name and a
 *    user look alike: the same work, the same delays, the same locks.
 * Store-backed, no clock of its own, no records: the log-in steps
 * (login.c) write the records from the outcome.
 */
#ifndef KAGI_FAILURES_H
#define KAGI_FAILURES_H

#include <stdint.h>

#include "ctx.h"
#include "lockout.h"
#include "store.h"

/* The lockout policy of a role; the staff role's for anything else. */
const struct lockout_policy *failures_policy(const struct kagid_ctx *ctx,
    int role);

/* Whose failures: a user, or a name that is no user. */
struct fail_subject {
	int64_t user_id;	/* > 0: this user */
	const char *name;	/* user_id 0: the name as asked */
	int64_t max;		/* unknown names: the tables' bound */
};

/* 1 when rhost makes a log-in remote (an address was given). */
int failures_remote(const char *rhost);

struct failure_outcome {
	int counted;		/* toward the lock (0: capped by source) */
	int locked;		/* this failure locked its class */
	int remote;		/* the class: 1 remote, 0 local */
	int64_t sources;	/* distinct sources counted in the interval */
	struct lock_rec lock;	/* the class's lock record afterwards */
};

/*
 * Count one failed log-in of who with factor at service from rhost
 * (NULL or "": local) at now under policy p; for a user, count it also
 * in the failures since the last success (shown at the next one).
 */
int failures_count(struct store *s, const struct lockout_policy *p,
    const struct fail_subject *who, const char *rhost, const char *factor,
    const char *service, int64_t now, struct failure_outcome *out);

/*
 * Is who locked for a log-in from rhost at now?  *l gets the account's
 * own record; *locked is 0, FAIL_LOCKED (the account's own lock) or
 * FAIL_LOCKED_REMOTE (its remote lock, rhost set).
 */
#define FAIL_LOCKED 1
#define FAIL_LOCKED_REMOTE 2
int failures_locked(struct store *s, const struct fail_subject *who,
    const char *rhost, int64_t now, struct lock_rec *l, int *locked);
/* The same for reports: either lock of user_id, whatever the address. */
int failures_any_locked(struct store *s, int64_t user_id, int64_t now,
    struct lock_rec *l, int *locked);

/*
 * A success with factor at service forgives the failures of that factor
 * and service counted in the current intervals of both classes
 * (lockout_forgive()), clears their counters and ends both relocks.  l
 * is the account's own record: updated, not stored; the remote record
 * is stored here.
 */
int failures_forgive(struct store *s, int64_t user_id, const char *factor,
    const char *service, struct lock_rec *l);

/* An administrator's unlock: both records of user_id (lockout_unlock()). */
int failures_unlock(struct store *s, int64_t user_id);

#endif
