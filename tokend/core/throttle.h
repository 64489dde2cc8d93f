/*
 * throttle.h - the per-address throttle (R-MFA-5, R-AVL-1).
 *
 * An address (PAM_RHOST) that fails throttle_failures times within
 * throttle_interval, whichever users it tried, is throttled for one
 * interval: its attempts are refused without anything else being looked
 * at.  A log-in without an address (a local terminal) is never throttled.
 * Store-backed, no clock of its own (the caller passes now), no records
 * (the log-in steps write them, login.c).
 */
#ifndef KAGI_THROTTLE_H
#define KAGI_THROTTLE_H

#include <stdint.h>

#include "store.h"

/* *throttled: 1 when rhost is throttled at now.  NULL rhost: 0. */
int throttle_active(struct store *s, const char *rhost, int64_t now,
    int *throttled);

/*
 * Count one failure from rhost at now (NULL rhost: nothing).  When this
 * failure is the limit-th of the interval, the address is throttled
 * until *until (else *until is 0) and its count starts again.  A clock
 * that went back starts no new interval early.
 */
int throttle_count(struct store *s, int64_t limit, int64_t interval,
    const char *rhost, int64_t now, int64_t *until);

#endif
