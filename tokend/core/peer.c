/*
 * peer.c - classifying a connection by its SO_PEERCRED credentials.
 *
 * Nothing the peer sends is consulted: only the kernel's record of its
 * uid, gid and pid, and the system's user and group databases.  A peer
 * whose groups cannot be read is not an administrator.
 *
 * A uid's name is kept for PEER_NAME_TTL_MS: pam_kagi opens a connection
 * or two per log-in, all from root, and each would otherwise read the user
 * database (/etc/passwd through NSS) again.  A renamed or removed
 * account is seen within that time; group memberships (administrators,
 * approvers) are read afresh for every connection.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "kagi_err.h"
#include "peer.h"

#define GROUPS_MAX 256
#define PEER_NAME_TTL_MS 1000
#define PEER_NAMES 16

/* uid -> name, each entry good until `until` (monotonic ms). */
static struct peer_name {
	uid_t uid;
	int64_t until;
	char name[STORE_NAME_MAX + 1];
} peer_names[PEER_NAMES];

/* The uid's name into name ("" when it has none or is too long). */
static void
peer_name_of(uid_t uid, char name[STORE_NAME_MAX + 1])
{
	struct passwd pw, *pwp = NULL;
	struct peer_name *e, *slot = &peer_names[0];
	int64_t now = kagi_monotonic_ms();
	char buf[4096];
	size_t i;

	for (i = 0; i < PEER_NAMES; i++) {
		e = &peer_names[i];
		if (e->until > now && e->uid == uid) {
			memcpy(name, e->name, sizeof(e->name));
			return;
		}
		if (e->until < slot->until)
			slot = e;
	}
	name[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) != 0 || pwp == NULL)
		return;		/* not kept: the next connection asks again */
	if (strlen(pw.pw_name) <= STORE_NAME_MAX)
		strcpy(name, pw.pw_name);
	slot->uid = uid;
	slot->until = now + PEER_NAME_TTL_MS;
	memcpy(slot->name, name, sizeof(slot->name));
}

static int
peer_in_group(const struct peer *p, const char *group)
{
	struct group gr, *grp = NULL;
	gid_t groups[GROUPS_MAX];
	int n = GROUPS_MAX, i;
	char buf[4096];

	if (group == NULL || group[0] == '\0' || p->name[0] == '\0')
		return 0;
	if (getgrnam_r(group, &gr, buf, sizeof(buf), &grp) != 0 || grp == NULL)
		return 0;
	if (p->gid == grp->gr_gid)
		return 1;
	if (getgrouplist(p->name, p->gid, groups, &n) < 0)
		return 0;	/* more groups than we look at: not admin */
	for (i = 0; i < n; i++)
		if (groups[i] == grp->gr_gid)
			return 1;
	return 0;
}

int
peer_identify(int fd, const char *admin_group, struct peer *p)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 ||
	    len != sizeof(uc))
		return KAGI_ERR_IO;
	p->pid = uc.pid;
	p->uid = uc.uid;
	p->gid = uc.gid;
	peer_name_of(uc.uid, p->name);
	p->classes = PEER_SELF;
	if (uc.uid == 0)
		p->classes |= PEER_VERIFIER | PEER_ADMIN;
	else if (peer_in_group(p, admin_group))
		p->classes |= PEER_ADMIN;
	return 0;
}

void
peer_add_approver(struct peer *p, const char *group)
{
	if (p->uid == 0 || peer_in_group(p, group))
		p->classes |= PEER_APPROVER;
}

int
peer_may_verify(const struct peer *p, const char *user)
{
	if (p->classes & PEER_VERIFIER)
		return 1;
	return p->name[0] != '\0' && strcmp(p->name, user) == 0;
}
