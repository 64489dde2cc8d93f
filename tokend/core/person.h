/*
 * person.h - who is a person (R-PRIV-3, R-LOG-5): the two-person rule
 * compares the people behind callers, not their uids.
 *
 * The person behind a caller is its audit login uid (peer.h: read from
 * /proc/PID/loginuid of the caller when it connects).  pam_loginuid sets
 * it once when someone logs in, and su, sudo and setuid programs keep it:
 * an administrator who becomes root with sudo is still that
 * administrator.  A caller whose login uid is unset (started by a
 * service, cron or systemd-run) or 0 (root logged in as root) is no
 * person: it can neither ask for nor approve a two-person act.  This
 * holds for named callers too, since root can start a program as any
 * uid with no login uid (systemd-run --uid).
 *
 * Two callers are the same person when their login uids are equal, or
 * when one's uid (not root) is the other's uid or login uid, or they
 * share a user name (not root).  A kagi account is a caller's own when
 * it bears the caller's user name (not root) or the name of the caller's
 * login uid account.
 *
 * Where the kernel lets a process with CAP_AUDIT_CONTROL change its
 * login uid again (loginuid_immutable off, the default), root can claim
 * to be anyone: auditctl --loginuid-immutable makes the login uid a fact.
 */
#ifndef KAGI_PERSON_H
#define KAGI_PERSON_H

#include <stddef.h>
#include <stdint.h>

#include "peer.h"

/* 1 when p's login uid names a person (set, and not 0). */
int person_known(const struct peer *p);
/* 1 when a stored login uid (-1 = unset) names a person. */
int person_luid_known(int64_t luid);

/*
 * Could p be the person who made a request: uid, login uid and user name
 * as stored?  1 when any of the identities above matches.
 */
int person_is(const struct peer *p, int64_t uid, int64_t luid,
    const char *name);

/* Is the kagi account user p's own, or its person's?  (Names compared in
 * their canonical form.) */
int person_owns(const struct peer *p, const char *user);

/*
 * For messages and records: "alice (login uid 1000)", "root (login uid
 * 1000, alice)", "root (no login uid)".
 */
const char *person_describe(const struct peer *p, char *buf, size_t len);

/* The login uid as stored in records: -1 when unset. */
int64_t person_luid(const struct peer *p);

#endif
