/*
 * pidfile.c - kagid's pid file (pidfile.h).
 *
 * kagid opens it while it may still be root, before it drops privileges,
 * so an administrator can put it where root alone may write; it writes
 * its id once it has daemonised, so the file names the process to signal.
 * The file is created exclusively without following a symbolic link and
 * is never written through a name an attacker can swap later: every write
 * goes through the descriptor.  At exit kagid removes the name only while
 * it still is that same file (device and inode); the directory must let
 * the user kagid runs as remove it (/run/kagi, kagid's socket directory,
 * does).  A pid file left over by a kagid killed with SIGKILL is replaced
 * only when it is a small regular file that names no live process: kagid
 * has already bound its socket, so no other kagid serves it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kagi_err.h"
#include "pidfile.h"

#define PIDFILE_MAX 32

/* 1 when the leftover file at path names a live process, 0 when not,
 * -1 when it is not a small regular file (refuse it). */
static int
names_live_process(const char *path, long *pidp)
{
	char buf[PIDFILE_MAX + 1];
	struct stat st;
	ssize_t n;
	char *end;
	long pid;
	int fd;

	*pidp = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > PIDFILE_MAX) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, PIDFILE_MAX);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') ||
	    pid <= 1)
		return 0;	/* no process named: stale */
	*pidp = pid;
	if (pid == (long)getpid())
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int
pidfile_open(const char *path, int *fdp, char *err, size_t errlen)
{
	long pid;
	int fd, live, tries;

	*fdp = -1;
	if (path[0] != '/') {
		snprintf(err, errlen, "%s: the pid file needs an absolute path",
		    path);
		return KAGI_ERR_CONFIG;
	}
	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST || tries > 0) {
			snprintf(err, errlen, "%s: cannot create: %s", path,
			    strerror(errno));
			return KAGI_ERR_IO;
		}
		live = names_live_process(path, &pid);
		if (live < 0) {
			snprintf(err, errlen, "%s: exists and is not a pid "
			    "file (a regular file of at most %d bytes)", path,
			    PIDFILE_MAX);
			return KAGI_ERR_UNSAFE_FILE;
		}
		if (live > 0) {
			snprintf(err, errlen, "%s: names process %ld, which "
			    "is running", path, pid);
			return KAGI_ERR_EXISTS;
		}
		if (unlink(path) != 0) {
			snprintf(err, errlen, "%s: cannot remove the stale "
			    "pid file: %s", path, strerror(errno));
			return KAGI_ERR_IO;
		}
	}
	/* 0644 whatever the umask: init scripts read it as any user. */
	if (fchmod(fd, 0644) != 0) {
		snprintf(err, errlen, "%s: chmod: %s", path, strerror(errno));
		close(fd);
		(void)unlink(path);
		return KAGI_ERR_IO;
	}
	*fdp = fd;
	return 0;
}

int
pidfile_write(int fd, char *err, size_t errlen)
{
	char buf[PIDFILE_MAX];
	int n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(buf) ||
	    ftruncate(fd, 0) != 0 ||
	    pwrite(fd, buf, (size_t)n, 0) != (ssize_t)n ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write the pid file: %s",
		    strerror(errno));
		return KAGI_ERR_IO;
	}
	return 0;
}

int
pidfile_remove(const char *path, int fd)
{
	struct stat a, b;
	int r = 0, e = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &a) == 0 && lstat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
	    unlink(path) != 0) {
		e = errno;
		r = -1;
	}
	close(fd);
	errno = e;
	return r;
}
