/*
 * failures.h - counting failed log-ins toward an account's lock
 * (R-MFA-5, R-PRIV-5, R-AVL-1).
 *
 * lockout.c is the arithmetic (an interval, a threshold, a growing
 * lock); this file decides what counts and keeps the counters beside the
 * lock record in the store:
 *  - the role's policy applies (staff, privileged, vendor);
 *  - per source: in one lockout interval at most max_failures - 1 of the
 *    failures from one address (PAM_RHOST) count toward the account, so
 *    one address can never lock an account by itself; beyond that its
 *    failures are recorded but not counted (the per-address throttle
 *    stops it soon after).  A failure without an address counts fully;
 *  - per factor and service: each counted failure is also counted under
 *    "fs:FACTOR/SERVICE", so that a success forgives the failures of its
 *    own factor and service only, never a run of wrong FIDO2 assertions
 *    or of wrong codes at another service;
 *  - a failure while locked still counts (a lock cannot be waited out by
 *    guessing) but feeds no per-source or per-service counter.
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

struct failure_outcome {
	int counted;		/* toward the account (0: capped by source) */
	int locked;		/* this failure locked the account */
	struct lock_rec lock;	/* the account's lock record afterwards */
};

/*
 * Count one failed log-in of user_id with factor at service from rhost
 * (NULL: local) at now under policy p, and count it in the user's
 * failures since the last success (shown at the next one).
 */
int failures_count(struct store *s, const struct lockout_policy *p,
    int64_t user_id, const char *rhost, const char *factor,
    const char *service, int64_t now, struct failure_outcome *out);

/*
 * A success with factor at service forgives the failures of that factor
 * and service counted in the current interval of l (lockout_forgive()),
 * and clears their counter.  l is updated, not stored.
 */
int failures_forgive(struct store *s, int64_t user_id, const char *factor,
    const char *service, struct lock_rec *l);

#endif
