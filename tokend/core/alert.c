/*
 * alert.c - running the alert hook without a shell, without waiting
 * (alert.h).
 *
 * Guarantees: the command's path comes only from kagid.conf and is
 * executed as is (no shell, no PATH search, argv = { path }); the JSON is
 * written to a pipe before kagid moves on (it fits the pipe's buffer, so
 * the write never waits for the child); children are reaped with
 * waitpid(WNOHANG) and killed with SIGKILL past their deadline; the
 * number running is bounded; the child starts with no signal blocked
 * (kagid blocks SIGTERM and SIGINT); how each run ended is counted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alert.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"

/* The JSON of one alert; larger ones are cut by the caller's record size. */
#define ALERT_JSON_MAX 16384

struct alert_slot {
	pid_t pid;		/* 0 = free */
	int64_t deadline;	/* monotonic ms */
	int killed;
};

struct alert_runner {
	char *cmd;
	int64_t timeout_ms;
	struct alert_slot slot[ALERT_MAX_INFLIGHT];
	int64_t ok, failed;
	int last_failed;
};

static void
outcome(struct alert_runner *ar, int good)
{
	if (good)
		ar->ok++;
	else
		ar->failed++;
	ar->last_failed = !good;
}

int
alert_runner_new(const char *cmd, int64_t timeout_ms,
    struct alert_runner **out)
{
	struct alert_runner *ar;

	if ((ar = calloc(1, sizeof(*ar))) == NULL)
		return KAGI_ERR_NOMEM;
	if (cmd != NULL && cmd[0] != '\0' &&
	    (ar->cmd = strdup(cmd)) == NULL) {
		free(ar);
		return KAGI_ERR_NOMEM;
	}
	ar->timeout_ms = timeout_ms;
	*out = ar;
	return 0;
}

void
alert_runner_free(struct alert_runner **arp)
{
	if (arp == NULL || *arp == NULL)
		return;
	free((*arp)->cmd);
	free(*arp);
	*arp = NULL;
}

int
alert_spawn(struct alert_runner *ar, const char *json)
{
	static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *envp[] = { path_env, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	char *argv[2];
	size_t len, off = 0;
	ssize_t n;
	pid_t pid;
	int p[2] = { -1, -1 }, i, r, fa_ok = 0, at_ok = 0;

	if (ar == NULL || ar->cmd == NULL)
		return 0;
	for (i = 0; i < ALERT_MAX_INFLIGHT; i++)
		if (ar->slot[i].pid == 0)
			break;
	if (i == ALERT_MAX_INFLIGHT) {
		kagi_error("alert not sent: %d alert commands still running",
		    ALERT_MAX_INFLIGHT);
		r = KAGI_ERR_TOO_LARGE;
		goto out;
	}
	len = strlen(json);
	if (len > ALERT_JSON_MAX) {
		r = KAGI_ERR_TOO_LARGE;
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		r = KAGI_ERR_IO;
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	fa_ok = 1;
	if (posix_spawn_file_actions_adddup2(&fa, p[0], 0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
	    0) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
	    0) != 0) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	sigemptyset(&none);
	if (posix_spawnattr_init(&at) != 0) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	at_ok = 1;
	if (posix_spawnattr_setsigmask(&at, &none) != 0 ||
	    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK) != 0) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	argv[0] = ar->cmd;
	argv[1] = NULL;
	if ((errno = posix_spawn(&pid, ar->cmd, &fa, &at, argv, envp)) != 0) {
		kagi_error("alert command %s cannot be started: %s", ar->cmd,
		    strerror(errno));
		r = KAGI_ERR_IO;
		goto out;
	}
	close(p[0]);
	p[0] = -1;
	/* Non-blocking: a command that never reads cannot hold kagid. */
	(void)fcntl(p[1], F_SETFL, O_NONBLOCK);
	while (off < len) {
		n = write(p[1], json + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off < len || write(p[1], "\n", 1) != 1)
		kagi_warn("alert command %s (pid %d): input cut short",
		    ar->cmd, (int)pid);
	ar->slot[i].pid = pid;
	ar->slot[i].deadline = kagi_monotonic_ms() + ar->timeout_ms;
	ar->slot[i].killed = 0;
	r = 0;
 out:
	if (r != 0)
		outcome(ar, 0);
	if (at_ok)
		posix_spawnattr_destroy(&at);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	return r;
}

void
alert_reap(struct alert_runner *ar, int64_t now_ms)
{
	struct alert_slot *s;
	pid_t got;
	int i, st = 0;

	if (ar == NULL)
		return;
	for (i = 0; i < ALERT_MAX_INFLIGHT; i++) {
		s = &ar->slot[i];
		if (s->pid == 0)
			continue;
		got = waitpid(s->pid, &st, WNOHANG);
		if (got == s->pid || (got < 0 && errno == ECHILD)) {
			if (got == s->pid && !s->killed &&
			    (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
				kagi_warn("alert command %s (pid %d) failed "
				    "(status %d)", ar->cmd, (int)s->pid, st);
			if (got == s->pid)
				outcome(ar, !s->killed && WIFEXITED(st) &&
				    WEXITSTATUS(st) == 0);
			s->pid = 0;
			continue;
		}
		if (!s->killed && now_ms > s->deadline) {
			kagi_warn("alert command %s (pid %d) still running "
			    "after %llds: killed", ar->cmd, (int)s->pid,
			    (long long)(ar->timeout_ms / 1000));
			(void)kill(s->pid, SIGKILL);
			s->killed = 1;
		}
	}
}

int
alert_inflight(const struct alert_runner *ar)
{
	int i, n = 0;

	if (ar == NULL)
		return 0;
	for (i = 0; i < ALERT_MAX_INFLIGHT; i++)
		if (ar->slot[i].pid != 0)
			n++;
	return n;
}

void
alert_outcomes(const struct alert_runner *ar, int64_t *ok, int64_t *failed,
    int *last_failed)
{
	*ok = ar != NULL ? ar->ok : 0;
	*failed = ar != NULL ? ar->failed : 0;
	*last_failed = ar != NULL ? ar->last_failed : 0;
}
