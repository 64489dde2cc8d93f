/*
 * ctl_doctor.c - kagictl doctor gateway (issue 16, item 5): what sshd
 * would really do for each vendor and privileged account, read from
 * `sshd -T -C user=U,addr=A,host=H` (its effective settings, Match blocks
 * applied), and every setting that would let such a user past the
 * gateway's rules named (R-MFA-2, R-MFA-3, R-REM-1, R-REM-2, R-PRIV-2):
 *   - authorized_keys files still read (a key nobody enrolled);
 *   - no keys command (the keys kagid lists are not asked for);
 *   - a method list without publickey, or without keyboard-interactive
 *     (the password and pam_kagi);
 *   - password-only log-in possible (sshd's own password method);
 *   - no verify-required (a key that did not verify its user);
 *   - agent, TCP or stream-local forwarding on;
 *   - SSH_AUTH_INFO_0 not exposed (pam_kagi sshkey refuses everyone).
 * sshd is run with a fixed argument vector (no shell), its output read
 * through a pipe, bounded.  Exit 0 when nothing is unsafe, 1 otherwise
 * (or when sshd cannot tell), 3 when kagid cannot be reached.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"

#define SSHD_PATH "/usr/sbin/sshd"
#define SSHD_OUT_MAX (256 * 1024)
#define DEFAULT_ADDR "198.51.100.1"
#define DEFAULT_HOST "gateway"

/* sshd -T's output for one connection, or NULL (with a message). */
static char *
sshd_settings(const char *config, const char *user, const char *addr)
{
	char spec[512], cfg[4096], *buf = NULL, *grown;
	char a0[] = SSHD_PATH, a1[] = "-T", a2[] = "-C", a4[] = "-f";
	char *argv[8];
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd[2], st = 0, i = 0;
	pid_t pid;

	if (snprintf(spec, sizeof(spec), "user=%s,addr=%s,host=%s", user,
	    addr, DEFAULT_HOST) >= (int)sizeof(spec) ||
	    (config != NULL &&
	    snprintf(cfg, sizeof(cfg), "%s", config) >= (int)sizeof(cfg)) ||
	    pipe(fd) != 0)
		return NULL;
	argv[i++] = a0;
	argv[i++] = a1;
	argv[i++] = a2;
	argv[i++] = spec;
	if (config != NULL) {
		argv[i++] = a4;
		argv[i++] = cfg;
	}
	argv[i] = NULL;
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return NULL;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(fd[1], STDOUT_FILENO);
		if (nul >= 0) {
			dup2(nul, STDIN_FILENO);
			dup2(nul, STDERR_FILENO);
		}
		close(fd[0]);
		close(fd[1]);
		execv(SSHD_PATH, argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			if (cap >= SSHD_OUT_MAX ||
			    (grown = realloc(buf, cap + 65536)) == NULL)
				break;
			buf = grown;
			cap += 65536;
		}
		n = read(fd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (buf == NULL || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
	    len == 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* The value of keyword (lower case, as sshd -T prints) in out, or "". */
static const char *
setting(const char *out, const char *keyword, char *val, size_t vlen)
{
	size_t k = strlen(keyword), n;
	const char *p = out, *e;

	val[0] = '\0';
	while (p != NULL && *p != '\0') {
		e = strchr(p, '\n');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n > k && strncmp(p, keyword, k) == 0 && p[k] == ' ') {
			n -= k + 1;
			if (n >= vlen)
				n = vlen - 1;
			memcpy(val, p + k + 1, n);
			val[n] = '\0';
			return val;
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return val;
}

/* Does every comma list of the space-separated method lists name m? */
static int
every_list_has(const char *methods, const char *m)
{
	char buf[1024], *save = NULL, *list, *one, *s2 = NULL;
	int found;

	snprintf(buf, sizeof(buf), "%s", methods);
	for (list = strtok_r(buf, " ", &save); list != NULL;
	    list = strtok_r(NULL, " ", &save)) {
		found = 0;
		for (one = strtok_r(list, ",", &s2); one != NULL;
		    one = strtok_r(NULL, ",", &s2))
			if (strncmp(one, m, strlen(m)) == 0)
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

/* Name each unsafe setting of out for user; how many. */
static int
check_user(const char *user, const char *out)
{
	char v[1024], u[128];
	int bad = 0;

	ctl_clean(user, u, sizeof(u));
#define UNSAFE(what) do { printf("%s: %s\n", u, what); bad++; } while (0)
	setting(out, "authorizedkeysfile", v, sizeof(v));
	if (strcmp(v, "none") != 0)
		UNSAFE(_("authorized_keys files are still read "
		    "(AuthorizedKeysFile none)"));
	setting(out, "authorizedkeyscommand", v, sizeof(v));
	if (strstr(v, "kagi-authkeys") == NULL)
		UNSAFE(_("kagi-authkeys is not the AuthorizedKeysCommand"));
	setting(out, "authenticationmethods", v, sizeof(v));
	if (strcmp(v, "any") == 0 || !every_list_has(v, "publickey"))
		UNSAFE(_("a method list without publickey "
		    "(AuthenticationMethods publickey,keyboard-interactive:pam)"));
	if (strcmp(v, "any") == 0 ||
	    !every_list_has(v, "keyboard-interactive"))
		UNSAFE(_("a method list without keyboard-interactive: the "
		    "password and pam_kagi are skipped"));
	setting(out, "passwordauthentication", v, sizeof(v));
	if (strcmp(v, "no") != 0)
		UNSAFE(_("password-only log-in possible "
		    "(PasswordAuthentication no)"));
	setting(out, "pubkeyauthoptions", v, sizeof(v));
	if (strstr(v, "verify-required") == NULL)
		UNSAFE(_("no verify-required (PubkeyAuthOptions "
		    "verify-required)"));
	setting(out, "allowagentforwarding", v, sizeof(v));
	if (strcmp(v, "no") != 0)
		UNSAFE(_("agent forwarding on (AllowAgentForwarding no)"));
	setting(out, "allowtcpforwarding", v, sizeof(v));
	if (strcmp(v, "no") != 0)
		UNSAFE(_("TCP forwarding on (AllowTcpForwarding no)"));
	setting(out, "exposeauthinfo", v, sizeof(v));
	if (strcmp(v, "yes") != 0)
		UNSAFE(_("SSH_AUTH_INFO_0 not exposed: pam_kagi sshkey refuses "
		    "every log-in (ExposeAuthInfo yes)"));
#undef UNSAFE
	return bad;
}

int
ctl_doctor_gateway(struct ctl *ctl)
{
	struct json_object *reply = NULL, *users, *o;
	const char *name, *role, *addr = ctl->from != NULL ? ctl->from :
	    DEFAULT_ADDR;
	char *out, clean[128];
	size_t i, n;
	int ex, bad = 0, checked = 0;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_USER_LIST), &reply)) != 0)
		return ex;
	if (!json_object_object_get_ex(reply, "users", &users) ||
	    !json_object_is_type(users, json_type_array)) {
		json_object_put(reply);
		return ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
	}
	n = json_object_array_length(users);
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(users, i);
		name = ctl_jstr(o, "name");
		role = ctl_jstr(o, "role");
		if (name == NULL || role == NULL ||
		    (strcmp(role, "vendor") != 0 &&
		    strcmp(role, "privileged") != 0))
			continue;
		checked++;
		if ((out = sshd_settings(ctl->sshd_config, name, addr)) ==
		    NULL) {
			printf(_("%s: sshd -T could not tell (%s -T -C "
			    "user=%s,addr=%s)\n"), ctl_clean(name, clean,
			    sizeof(clean)), SSHD_PATH, clean, addr);
			bad++;
			continue;
		}
		bad += check_user(name, out);
		free(out);
	}
	json_object_put(reply);
	printf(_("%d vendor and privileged accounts checked, %d unsafe "
	    "settings.\n"), checked, bad);
	return bad == 0 ? CTL_EXIT_OK : CTL_EXIT_REFUSED;
}
