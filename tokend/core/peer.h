/*
 * peer.h - who is on the other end of a connection.
 *
 * Decided once, from SO_PEERCRED, right after accept() and before a byte
 * is read.  The classes are bits: a root peer is both verifier and
 * administrator; a member of the admin group administers; every peer may
 * act for itself (verify its own name, under the same lockout).
 *
 * The person behind the caller is its audit login uid (person.h): read
 * from /proc/PID/loginuid of the peer at the same moment, and the acts it
 * may approve are the APPROVE_* acts whose approver group (kagid.conf's
 * approver_group_<act>, else approver_group) holds that person.
 */
#ifndef KAGI_PEER_H
#define KAGI_PEER_H

#include <sys/types.h>

#include "kagid_config.h"
#include "store.h"

enum peer_class {
	PEER_VERIFIER = 1 << 0,	/* may verify any user: root */
	PEER_ADMIN = 1 << 1,	/* root or admin group */
	PEER_SELF = 1 << 2,	/* every peer: itself only */
	/* root, or a person in some approver group: may send approvals;
	 * approval.c decides per act (peer.approves) */
	PEER_APPROVER = 1 << 3
};

/* An unset login uid, as the kernel shows it (4294967295). */
#define PEER_NO_LOGINUID ((uid_t)-1)

struct peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	/* The peer process's audit login uid, PEER_NO_LOGINUID when unset
	 * or when it cannot be read for certain (the process is gone). */
	uid_t loginuid;
	unsigned classes;
	/* APPROVE_* acts whose approver group holds the person (the login
	 * uid's account); 0 when the caller is no person. */
	unsigned approves;
	char name[STORE_NAME_MAX + 1];	/* "" when the uid has no name */
	/* The login uid's account name; "" when unset or it has none. */
	char person[STORE_NAME_MAX + 1];
};

/* Fill p from the connected socket fd. */
int peer_identify(int fd, const char *admin_group, struct peer *p);
/*
 * The acts p's person may approve (p->approves), by cfg's approver
 * groups, and PEER_APPROVER when p is root or approves anything.
 */
void peer_set_approves(struct peer *p, const struct kagid_config *cfg);
/* May p act on the kagi user `user` as a verifier (auth, account)? */
int peer_may_verify(const struct peer *p, const char *user);

#endif
