/*
 * spawntime.c - the wall time of one command, spawned N times (bench only).
 *
 *   spawntime -n N -S LABEL -o SAMPLES [-u UID -g GID] [-x EXPECT]
 *             [-E] [-l LOG] -- COMMAND [ARG...]
 *
 * Each run is what sshd does for an AuthorizedKeysCommand: fork; in the
 * child drop to UID/GID (with no supplementary groups) when -u is given,
 * standard input from /dev/null, standard output into a pipe, standard
 * error to LOG (or /dev/null), then execv() with an empty environment
 * (-E keeps this process's environment: for ssh, which needs its askpass
 * variables).  The parent reads the pipe to its end and waits for the
 * child.  A run is timed with CLOCK_MONOTONIC from before fork() to after
 * waitpid(): process creation, the dynamic loader, the command's own work
 * and its exit.
 *
 * A run succeeds when the command exits 0 and, with -x, its output holds
 * EXPECT; anything else is a failure, counted, never dropped.  One line
 * per run is appended to SAMPLES: "LABEL OK NS" (OK 1 or 0, NS the wall
 * time in nanoseconds).  Exit 0 when every run was made (successful or
 * not), 1 when the tool itself failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

static void
usage(void)
{
	fprintf(stderr, "usage: spawntime -n N -S LABEL -o SAMPLES [-u UID -g GID]"
	    " [-x EXPECT] [-E] [-l LOG] -- COMMAND [ARG...]\n");
	exit(2);
}

/* The child's side of one run; never returns. */
static void
child(int out_fd, int err_fd, long uid, long gid, int keep_env, char **argv)
{
	static char *empty_env[] = { NULL };
	int null_fd = open("/dev/null", O_RDONLY);

	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(err_fd, 2) < 0)
		_exit(126);
	if (gid >= 0 && (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0))
		_exit(126);
	if (uid >= 0 && setuid((uid_t)uid) != 0)
		_exit(126);
	if (keep_env)
		execv(argv[0], argv);
	else
		execve(argv[0], argv, empty_env);
	_exit(127);
}

/* One run: 1 when it succeeded, 0 when not, -1 when the tool failed;
 * its wall time in *ns. */
static int
run_once(char **argv, long uid, long gid, int keep_env, int err_fd,
    const char *expect, long long *ns)
{
	char buf[8192];
	size_t len = 0;
	int p[2];
	int status = 0;
	pid_t pid;
	int64_t t0, t1;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	t0 = bench_mono_ns();
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		child(p[1], err_fd, uid, gid, keep_env, argv);
	close(p[1]);
	for (;;) {
		ssize_t r = read(p[0], buf + len, sizeof(buf) - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == sizeof(buf) - 1)
			len = 0;	/* only the end matters past 8 KiB */
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	t1 = bench_mono_ns();
	*ns = (long long)(t1 - t0);
	buf[len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 0;
	if (expect != NULL && strstr(buf, expect) == NULL)
		return 0;
	return 1;
}

int
main(int argc, char **argv)
{
	const char *label = NULL, *samples = NULL, *expect = NULL, *logf = NULL;
	long n = 0, uid = -1, gid = -1;
	int keep_env = 0, opt, err_fd;
	FILE *sf;
	long i, ok = 0;

	while ((opt = getopt(argc, argv, "n:S:o:u:g:x:El:")) != -1) {
		switch (opt) {
		case 'n': n = bench_num(optarg, 1, 1000000); break;
		case 'S': label = optarg; break;
		case 'o': samples = optarg; break;
		case 'u': uid = bench_num(optarg, 0, 4294967294L); break;
		case 'g': gid = bench_num(optarg, 0, 4294967294L); break;
		case 'x': expect = optarg; break;
		case 'E': keep_env = 1; break;
		case 'l': logf = optarg; break;
		default: usage();
		}
	}
	if (n == 0 || label == NULL || samples == NULL || optind >= argc ||
	    argv[optind][0] != '/' || (uid >= 0) != (gid >= 0))
		usage();
	err_fd = open(logf != NULL ? logf : "/dev/null",
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	sf = fopen(samples, "ae");
	if (err_fd < 0 || sf == NULL) {
		fprintf(stderr, "spawntime: %s: %s\n", err_fd < 0 ?
		    (logf != NULL ? logf : "/dev/null") : samples, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		long long ns = 0;
		int r = run_once(argv + optind, uid, gid, keep_env, err_fd,
		    expect, &ns);

		if (r < 0) {
			fprintf(stderr, "spawntime: %s: %s\n", argv[optind],
			    strerror(errno));
			return 1;
		}
		ok += r;
		fprintf(sf, "%s %d %lld\n", label, r, ns);
	}
	if (fclose(sf) != 0) {
		fprintf(stderr, "spawntime: %s: %s\n", samples, strerror(errno));
		return 1;
	}
	close(err_fd);
	return 0;
}
