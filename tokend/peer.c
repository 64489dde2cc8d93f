/*
 * peer.c - classifying a connection by its SO_PEERCRED credentials.
 *
 * Nothing the peer sends is consulted: only the kernel's record of its
 * uid, gid and pid, and the system's user and group databases.  A peer
 * whose groups cannot be read is not an administrator.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kagi_err.h"
#include "peer.h"

#define GROUPS_MAX 256

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
	struct passwd pw, *pwp = NULL;
	char buf[4096];

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 ||
	    len != sizeof(uc))
		return KAGI_ERR_IO;
	p->pid = uc.pid;
	p->uid = uc.uid;
	p->gid = uc.gid;
	if (getpwuid_r(uc.uid, &pw, buf, sizeof(buf), &pwp) == 0 &&
	    pwp != NULL && strlen(pw.pw_name) <= STORE_NAME_MAX)
		strcpy(p->name, pw.pw_name);
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
