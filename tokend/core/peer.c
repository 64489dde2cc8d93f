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
 *
 * The login uid (person.h) is read from /proc/PID/loginuid of the peer's
 * pid, held by a pidfd: SO_PEERPIDFD where the kernel and headers have it
 * (Linux 6.5), else pidfd_open() of the SO_PEERCRED pid.  After the read
 * the pidfd must show the process still alive, so the number read was
 * that process's and not a later one's that took over its pid.  Without
 * SO_PEERPIDFD a peer that exits between connect() and pidfd_open() and
 * whose pid is reused at once could lend the reused process's login uid:
 * kernels that have SO_PEERPIDFD close that gap.  Anything unreadable
 * reads as unset, which is no person (fail closed).  A person's approver
 * groups are those of the login uid's account: for a caller logged in as
 * itself its process's groups, for root (or su) the account's own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "kagi_err.h"
#include "log.h"
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

/* Is the account name (primary group gid) a member of group? */
static int
in_group(const char *name, gid_t gid, const char *group)
{
	struct group gr, *grp = NULL;
	gid_t groups[GROUPS_MAX];
	int n = GROUPS_MAX, i;
	char buf[4096];

	if (group == NULL || group[0] == '\0' || name[0] == '\0')
		return 0;
	if (getgrnam_r(group, &gr, buf, sizeof(buf), &grp) != 0 || grp == NULL)
		return 0;
	if (gid == grp->gr_gid)
		return 1;
	if (getgrouplist(name, gid, groups, &n) < 0)
		return 0;	/* more groups than we look at: not a member */
	for (i = 0; i < n; i++)
		if (groups[i] == grp->gr_gid)
			return 1;
	return 0;
}

static int
peer_in_group(const struct peer *p, const char *group)
{
	return in_group(p->name, p->gid, group);
}

/* A decimal uid as /proc shows it, nothing else; -1 when it is not one. */
static int
loginuid_parse(const char *s, uid_t *out)
{
	unsigned long long v = 0;
	const char *c;

	if (*s == '\0')
		return -1;
	for (c = s; *c != '\0' && *c != '\n'; c++) {
		if (*c < '0' || *c > '9' || c - s >= 10)
			return -1;
		v = v * 10 + (unsigned long long)(*c - '0');
	}
	if ((*c == '\n' && c[1] != '\0') || v > 0xffffffffULL)
		return -1;
	*out = (uid_t)v;
	return 0;
}

/* A pidfd for the peer of fd (pid as SO_PEERCRED gave it), or -1. */
static int
peer_pidfd(int fd, pid_t pid)
{
#ifdef SO_PEERPIDFD
	int pfd = -1;
	socklen_t len = sizeof(pfd);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pfd, &len) == 0 &&
	    len == sizeof(pfd) && pfd >= 0)
		return pfd;
#endif
	(void)fd;
	return pidfd_open(pid, 0);
}

/* The peer's login uid; PEER_NO_LOGINUID when unset or uncertain. */
static uid_t
peer_loginuid(int fd, pid_t pid)
{
	static int warned;
	struct pollfd pf;
	char path[64], buf[32];
	uid_t luid = PEER_NO_LOGINUID;
	ssize_t n;
	int pfd, lfd = -1;

	if (pid <= 0)
		return PEER_NO_LOGINUID;
	if ((pfd = peer_pidfd(fd, pid)) < 0) {
		if (!warned++)
			kagi_warn("cannot hold the callers' processes (pidfd: "
			    "%s): no caller counts as a person", strerror(errno));
		return PEER_NO_LOGINUID;
	}
	snprintf(path, sizeof(path), "/proc/%d/loginuid", (int)pid);
	if ((lfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (n = read(lfd, buf, sizeof(buf) - 1)) <= 0)
		goto out;
	buf[n] = '\0';
	if (loginuid_parse(buf, &luid) != 0) {
		luid = PEER_NO_LOGINUID;
		goto out;
	}
	/* Still the process we asked about: its pid was not reused. */
	pf.fd = pfd;
	pf.events = POLLIN;
	pf.revents = 0;
	if (poll(&pf, 1, 0) != 0)
		luid = PEER_NO_LOGINUID;
 out:
	if (lfd >= 0)
		close(lfd);
	close(pfd);
	return luid;
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
	p->loginuid = peer_loginuid(fd, uc.pid);
	if (p->loginuid != PEER_NO_LOGINUID) {
		if (p->loginuid == uc.uid)
			memcpy(p->person, p->name, sizeof(p->person));
		else
			peer_name_of(p->loginuid, p->person);
	}
	p->classes = PEER_SELF;
	if (uc.uid == 0)
		p->classes |= PEER_VERIFIER | PEER_ADMIN;
	else if (peer_in_group(p, admin_group))
		p->classes |= PEER_ADMIN;
	return 0;
}

/* Is the person behind p (its login uid's account) in group? */
static int
person_in_group(const struct peer *p, const char *group)
{
	struct passwd pw, *pwp = NULL;
	char buf[4096];

	if (p->loginuid == PEER_NO_LOGINUID || p->loginuid == 0)
		return 0;
	/* Logged in as itself: its process's groups. */
	if (p->loginuid == p->uid)
		return peer_in_group(p, group);
	/* root (or su): the groups of the account that logged in. */
	if (getpwuid_r(p->loginuid, &pw, buf, sizeof(buf), &pwp) != 0 ||
	    pwp == NULL)
		return 0;
	return in_group(pw.pw_name, pw.pw_gid, group);
}

void
peer_set_approves(struct peer *p, const struct kagid_config *cfg)
{
	const char *seen[APPROVE_ACTS];
	unsigned in[APPROVE_ACTS];
	size_t i, j, nseen = 0;
	unsigned bit;
	int member;

	p->approves = 0;
	if (p->uid == 0)
		p->classes |= PEER_APPROVER;
	if (p->loginuid == PEER_NO_LOGINUID || p->loginuid == 0) {
		/* No person: approves nothing, but an approver's account is
		 * let through to be told why (approval.c). */
		for (i = 0; i < APPROVE_ACTS && p->uid != 0; i++)
			if (peer_in_group(p, approval_group(cfg, 1u << i))) {
				p->classes |= PEER_APPROVER;
				break;
			}
		return;
	}
	/* One look-up per distinct group, however many acts share it. */
	for (i = 0; i < APPROVE_ACTS; i++) {
		const char *g = approval_group(cfg, 1u << i);

		bit = 1u << i;
		member = -1;
		for (j = 0; j < nseen; j++)
			if (strcmp(seen[j], g) == 0)
				member = (int)in[j];
		if (member < 0) {
			member = person_in_group(p, g);
			seen[nseen] = g;
			in[nseen++] = (unsigned)member;
		}
		if (member)
			p->approves |= bit;
	}
	if (p->approves != 0)
		p->classes |= PEER_APPROVER;
}

int
peer_may_verify(const struct peer *p, const char *user)
{
	if (p->classes & PEER_VERIFIER)
		return 1;
	return p->name[0] != '\0' && strcmp(p->name, user) == 0;
}
