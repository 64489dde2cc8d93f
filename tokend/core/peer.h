/*
 * peer.h - who is on the other end of a connection.
 *
 * Decided once, from SO_PEERCRED, right after accept() and before a byte
 * is read.  The classes are bits: a root peer is both verifier and
 * administrator; a member of the admin group administers; every peer may
 * act for itself (verify its own name, under the same lockout).
 */
#ifndef KAGI_PEER_H
#define KAGI_PEER_H

#include <sys/types.h>

#include "store.h"

enum peer_class {
	PEER_VERIFIER = 1 << 0,	/* may verify any user: root */
	PEER_ADMIN = 1 << 1,	/* root or admin group */
	PEER_SELF = 1 << 2,	/* every peer: itself only */
	PEER_APPROVER = 1 << 3	/* root or approver group: approvals */
};

struct peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	unsigned classes;
	char name[STORE_NAME_MAX + 1];	/* "" when the uid has no name */
};

/* Fill p from the connected socket fd. */
int peer_identify(int fd, const char *admin_group, struct peer *p);
/* Add PEER_APPROVER when p is root or a member of group. */
void peer_add_approver(struct peer *p, const char *group);
/* May p act on the kagi user `user` as a verifier (auth, account)? */
int peer_may_verify(const struct peer *p, const char *user);

#endif
