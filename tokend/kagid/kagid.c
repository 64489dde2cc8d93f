/*
 * kagid.c - the token daemon: start-up, privilege drop, shutdown.
 *
 * Start-up refuses, naming the file and the reason, when the config file,
 * the state directory or the key file is a symlink, owned by the wrong
 * user, or writable by group or others, and when any directory on the
 * way from "/" to one of them, to the database, the socket or the
 * break-glass file could be changed by anyone but root or kagid's user
 * (safefile_check_parents(), naming that directory).  Started as root, kagid creates
 * its socket, then drops to the configured user (no supplementary groups,
 * no way back) before it opens the key or the store.  SIGTERM and SIGINT
 * end it cleanly, also when they come during start-up: the current batch
 * commits, the socket is removed.
 * Messages go to standard error with -f, natively to the systemd journal
 * when standard error is the journal (journal.c), to syslog otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_daemon.h"
#include "config_audit.h"
#include "dispatch.h"
#include "edge.h"
#include "fido2.h"
#include "journal.h"
#include "kagi_err.h"
#include "keycheck.h"
#include "kagid_config.h"
#include "log.h"
#include "maint.h"
#include "pidfile.h"
#include "proto.h"
#include "safefile.h"
#include "seal.h"
#include "server.h"
#include "store.h"
#include "tls.h"
#include "totp.h"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: kagid [-d] [-f] [-t] [-c config] [-p pidfile] "
	    "[-A seq]\n"
	    "  -A SEQ   accept the audit chain as it is, ending at record "
	    "SEQ,\n"
	    "           though its last checkpoint disagrees (recorded)\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -d       debug logging\n"
	    "  -f       stay in the foreground, log to standard error\n"
	    "  -p FILE  write the process id to FILE, removed at exit\n"
	    "  -t       check the configuration and exit\n"
	    "  -V       print the version and exit\n", KAGI_CONF_FILE);
}

struct runas {
	int change;
	uid_t uid;
	gid_t gid;
};

static int
runas_resolve(const struct kagid_config *cfg, struct runas *ra, char *err,
    size_t errlen)
{
	struct passwd pw, *pwp = NULL;
	char buf[4096];

	memset(ra, 0, sizeof(*ra));
	ra->uid = geteuid();
	ra->gid = getegid();
	if (cfg->user[0] == '\0')
		return 0;
	if (getpwnam_r(cfg->user, &pw, buf, sizeof(buf), &pwp) != 0 ||
	    pwp == NULL) {
		snprintf(err, errlen, "user '%s' (key 'user') does not exist",
		    cfg->user);
		return KAGI_ERR_CONFIG;
	}
	if (pw.pw_uid == geteuid())
		return 0;
	if (geteuid() != 0) {
		snprintf(err, errlen, "cannot run as user '%s': kagid is not "
		    "started as root (set 'user =' to stay as is)", cfg->user);
		return KAGI_ERR_CONFIG;
	}
	ra->change = 1;
	ra->uid = pw.pw_uid;
	ra->gid = pw.pw_gid;
	return 0;
}

/* Create dir (mode) owned by ra when absent. */
static int
ensure_dir(const char *path, mode_t mode, const struct runas *ra, char *err,
    size_t errlen)
{
	if (mkdir(path, mode) == 0) {
		if (ra->change && chown(path, ra->uid, ra->gid) != 0) {
			snprintf(err, errlen, "%s: chown: %s", path,
			    strerror(errno));
			return KAGI_ERR_IO;
		}
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
	return KAGI_ERR_IO;
}

static int
socket_open(const char *path, const struct runas *ra, int *fdp, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	char dir[sizeof(sun.sun_path)];
	int fd = -1, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return KAGI_ERR_CONFIG;
	}
	strcpy(sun.sun_path, path);
	strcpy(dir, path);
	if ((r = ensure_dir(dirname(dir), 0755, ra, err, errlen)) != 0)
		return r;
	strcpy(dir, path);
	if ((r = safefile_check_dir(dirname(dir), ra->uid, 1, err,
	    errlen)) != 0)
		return r;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a socket",
			    path);
			return KAGI_ERR_UNSAFE_FILE;
		}
		/* A live kagid answers on it: do not steal its socket. */
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			snprintf(err, errlen, "%s: another kagid is running",
			    path);
			return KAGI_ERR_EXISTS;
		}
		if (fd >= 0)
			close(fd);
		if (unlink(path) != 0) {
			snprintf(err, errlen, "%s: cannot remove stale socket: "
			    "%s", path, strerror(errno));
			return KAGI_ERR_IO;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, 128) != 0 ||
	    /* Anyone may connect; SO_PEERCRED decides what they may do. */
	    chmod(path, 0666) != 0 ||
	    (ra->change && chown(path, ra->uid, ra->gid) != 0)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return KAGI_ERR_IO;
	}
	*fdp = fd;
	return 0;
}

/*
 * Keep CAP_KILL, and nothing else, across the switch to the run-as user:
 * kagid ends over-time sessions of other users (R-PRIV-7).  While still
 * root, every other capability leaves the bounding set (so none can come
 * back through exec) and PR_SET_KEEPCAPS keeps the permitted set over
 * setresuid(); keep_cap_kill() then narrows it to CAP_KILL.
 */
static int
bound_to_cap_kill(void)
{
	int cap;

	for (cap = 0; cap <= 63; cap++) {
		if (cap == CAP_KILL)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
		    errno != EINVAL)
			return -1;
	}
	return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
}

static int
keep_cap_kill(void)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	h.pid = 0;
	d[0].effective = d[0].permitted = 1u << CAP_KILL;
	if (syscall(SYS_capset, &h, d) != 0)
		return -1;
	return prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

static int
drop_privileges(const struct runas *ra, char *err, size_t errlen)
{
	if (!ra->change)
		return 0;
	if (bound_to_cap_kill() != 0 ||
	    setgroups(0, NULL) != 0 ||
	    setresgid(ra->gid, ra->gid, ra->gid) != 0 ||
	    setresuid(ra->uid, ra->uid, ra->uid) != 0 ||
	    keep_cap_kill() != 0) {
		snprintf(err, errlen, "cannot drop privileges: %s",
		    strerror(errno));
		return KAGI_ERR_DENIED;
	}
	if (setuid(0) == 0 || geteuid() == 0) {
		snprintf(err, errlen, "privileges could be regained: refusing "
		    "to run");
		return KAGI_ERR_DENIED;
	}
	return 0;
}

/* The banner (R-MFA-5): owned by root or the run-as user, not writable
 * by group or others, at most BANNER_MAX bytes of UTF-8. */
#define BANNER_MAX 2048
static int
banner_load(const struct kagid_config *cfg, const struct runas *ra,
    char **out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if (cfg->banner_file == NULL || cfg->banner_file[0] == '\0')
		return 0;
	if ((r = safefile_read(cfg->banner_file, ra->uid, BANNER_MAX, &buf,
	    &len, err, errlen)) != 0)
		return r;
	if (len == 0 || !proto_str_valid(buf, BANNER_MAX)) {
		snprintf(err, errlen, "%s: the banner must be 1 to %d bytes "
		    "of UTF-8 text", cfg->banner_file, BANNER_MAX);
		free(buf);
		return KAGI_ERR_CONFIG;
	}
	*out = buf;
	return 0;
}

static int
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return KAGI_ERR_IO;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return KAGI_ERR_IO;
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return chdir("/") == 0 ? 0 : KAGI_ERR_IO;
}

/* One kagid process: its options and what it holds while it runs. */
struct kagid {
	const char *conf;
	const char *pidpath;
	int foreground, test, debug;
	int64_t accept_seq;	/* -A: the chain's head the operator accepts */
	int audit_started;	/* its start recorded: record the stop */
	struct kagid_config cfg;
	struct kagid_ctx ctx;
	struct runas ra;
	struct server *srv;
	int lfd;
	int tfd;		/* listen_tls (role = core), or -1 */
	SSL_CTX *tls;
	int pidfd;
	sigset_t orig;		/* the signal mask to wait with */
};

/* -A's operand: a decimal sequence number, 0 or more. */
static int
accept_arg(const char *s, int64_t *out)
{
	long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9' || strlen(s) > 19)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* The command line into k: -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct kagid *k)
{
	int opt;

	/* The long forms every program of kagi answers. */
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("kagid %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	while ((opt = getopt(argc, argv, "A:c:dfp:tVh")) != -1) {
		switch (opt) {
		case 'A':
			if (accept_arg(optarg, &k->accept_seq) != 0) {
				fprintf(stderr, "kagid: -A needs the sequence "
				    "number the audit chain ends at, not "
				    "'%s'\n", optarg);
				return 2;
			}
			break;
		case 'c': k->conf = optarg; break;
		case 'd': k->debug = 1; break;
		case 'f': k->foreground = 1; break;
		case 'p': k->pidpath = optarg; break;
		case 't': k->test = 1; break;
		case 'V': printf("kagid %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/*
 * The configuration, checked as far as it can be without root's acts:
 * the file, the time zone of vendors' windows, the user to run as, the
 * banner.  What kagid -t checks.
 */
static int
load_config(struct kagid *k, char *err, size_t errlen)
{
	int r;

	kagid_config_defaults(&k->cfg);
	err[0] = '\0';
	if ((r = kagid_config_load(&k->cfg, k->conf, (unsigned)geteuid(), err,
	    errlen)) != 0)
		return r;
	if (k->cfg.debug)
		kagi_log_open("kagid", k->foreground || k->test, 1);
	/* Vendors' windows and expiry dates are read in this zone. */
	if (setenv("TZ", k->cfg.timezone, 1) != 0) {
		snprintf(err, errlen, "cannot set the time zone %s",
		    k->cfg.timezone);
		return KAGI_ERR_CONFIG;
	}
	tzset();
	if ((r = runas_resolve(&k->cfg, &k->ra, err, errlen)) != 0)
		return r;
	return banner_load(&k->cfg, &k->ra, &k->ctx.banner, err, errlen);
}

/*
 * What kagid -t says besides "OK": a role whose keys need a trusted
 * attestation while the roots file trusts nothing (R-PRIV-2).
 */
static void
config_warnings(const struct kagid_config *cfg)
{
	const int modes[3] = { cfg->fido2_attestation,
	    cfg->fido2_attestation_privileged, cfg->fido2_attestation_vendor };
	const char *keys[3] = { "fido2_attestation",
	    "fido2_attestation_privileged", "fido2_attestation_vendor" };
	int i, n = 0, r;

	for (i = 0; i < 3; i++) {
		if (modes[i] != ATTEST_ROOTS && modes[i] != ATTEST_TRUSTED)
			continue;
		r = fido2_roots_count(cfg->fido2_attestation_roots, &n);
		if (r == 0 && n > 0)
			continue;
		kagi_log(LOG_WARNING, "warning: %s = %s, but %s %s: %s (R-PRIV-2)",
		    keys[i], modes[i] == ATTEST_ROOTS ? "roots" : "trusted",
		    cfg->fido2_attestation_roots, r == KAGI_ERR_NOT_FOUND ?
		    "does not exist" : "holds no certificate",
		    modes[i] == ATTEST_TRUSTED && cfg->fido2_aaguids[0] !=
		    '\0' ? "only keys of a model listed in fido2_aaguids can "
		    "be enrolled for that role" : "no key can be enrolled for "
		    "that role: add the roots of the security keys you use, "
		    "or list their AAGUIDs in fido2_aaguids");
	}
}

/*
 * What root does before it drops to kagid's user: the state directory
 * (created when absent, then checked as found), the socket, the pid file.
 */
static int
as_root(struct kagid *k, char *err, size_t errlen)
{
	int r;

	if ((r = ensure_dir(k->cfg.state_dir, 0700, &k->ra, err,
	    errlen)) != 0 ||
	    (r = safefile_check_dir(k->cfg.state_dir, k->ra.uid, 0, err,
	    errlen)) != 0 ||
	    (r = socket_open(k->cfg.socket, &k->ra, &k->lfd, err,
	    errlen)) != 0 ||
	    (k->cfg.role == KAGID_CORE &&
	    (r = tls_listen(k->cfg.listen_tls, &k->tfd, err, errlen)) != 0) ||
	    (k->pidpath != NULL &&
	    (r = pidfile_open(k->pidpath, &k->pidfd, err, errlen)) != 0))
		return r;
	return drop_privileges(&k->ra, err, errlen);
}

/* The core, as kagid's user: the sealing key, the store, the rest. */
static int
open_core(struct kagid *k, char *err, size_t errlen)
{
	struct kagid_ctx *ctx = &k->ctx;
	int r, created = 0;

	umask(077);
	/* Every directory on the way to the store and the break-glass file
	 * is root's or kagid's own (safefile_check_parents()). */
	if ((k->cfg.store == STORE_SQLITE &&
	    (r = safefile_check_file(k->cfg.database, geteuid(), err,
	    errlen)) != 0) ||
	    (k->cfg.breakglass && (r = safefile_check_parents(
	    k->cfg.breakglass_file, geteuid(), err, errlen)) != 0))
		return r;
	if ((r = seal_key_load_or_create(k->cfg.key_file, &ctx->key, &created,
	    err, errlen)) != 0)
		return r;
	if (created)
		kagi_log(LOG_NOTICE, "created sealing key %s", k->cfg.key_file);
	if ((r = totp_global_init()) != 0) {
		snprintf(err, errlen, "%s", kagi_strerror(r));
		return r;
	}
	if (k->cfg.store == STORE_POSTGRESQL) {
		char why[256] = "";

		/* Never the connection string: it may hold credentials. */
		if ((r = store_open_pg(k->cfg.store_conninfo, &ctx->store, why,
		    sizeof(why))) != 0) {
			snprintf(err, errlen, "PostgreSQL store: %s%s%s",
			    kagi_strerror(r), why[0] != '\0' ? ": " : "", why);
			return r;
		}
	} else if ((r = store_open(k->cfg.database, &ctx->store)) != 0) {
		int v = -1;

		/* A later release's database: say which, never touch it. */
		if (r == KAGI_ERR_VERSION && store_file_version(
		    k->cfg.database, &v) == 0 && v > store_schema_known())
			snprintf(err, errlen, "%s: schema version %d was made "
			    "by a newer release of kagi; this kagid (%s) knows "
			    "schema versions up to %d: install that release, or "
			    "restore a backup made by this one", k->cfg.database,
			    v, PACKAGE_VERSION, store_schema_known());
		else
			snprintf(err, errlen, "%s: %s", k->cfg.database,
			    kagi_strerror(r));
		return r;
	}
	/* Every record this core appends names it (checked by the config). */
	if ((r = store_set_core(ctx->store, k->cfg.core_name)) != 0) {
		snprintf(err, errlen, "core_name: %s", kagi_strerror(r));
		return r;
	}
	/* No two cores on one database under one name: this one holds its
	 * name (PostgreSQL: an advisory lock) from now until it exits. */
	{
		char why[320] = "";

		if ((r = store_core_claim(ctx->store, why,
		    sizeof(why))) != 0) {
			snprintf(err, errlen, "PostgreSQL store: %s",
			    why[0] != '\0' ? why : kagi_strerror(r));
			return r;
		}
	}
	/* Every core on one store holds the same key: this one's must open
	 * what the store holds (keycheck.c). */
	{
		char why[320] = "";

		if ((r = keycheck_run(ctx, why, sizeof(why))) != 0) {
			snprintf(err, errlen, "%s: %s", k->cfg.key_file,
			    why[0] != '\0' ? why : kagi_strerror(r));
			return r;
		}
	}
	if ((r = chal_table_new(&ctx->challenges)) != 0) {
		snprintf(err, errlen, "%s", kagi_strerror(r));
		return r;
	}
	ctx->cfg = &k->cfg;
	ctx_set_lockouts(ctx);
	if ((r = alert_runner_new(k->cfg.alert_command,
	    k->cfg.alert_timeout * 1000, &ctx->alerts)) != 0) {
		snprintf(err, errlen, "alert_command: %s", kagi_strerror(r));
		return r;
	}
	if (k->cfg.alert_command[0] != '\0' &&
	    access(k->cfg.alert_command, X_OK) != 0)
		kagi_log(LOG_WARNING, "alert_command %s cannot be run: %s",
		    k->cfg.alert_command, strerror(errno));
	/* The audit chain agrees with its last checkpoint, or the
	 * operator accepted it (-A): then kagid records its start. */
	if ((r = audit_daemon_open(ctx, err, errlen)) != 0 ||
	    (r = audit_daemon_start(ctx, k->accept_seq, err, errlen)) != 0)
		return r;
	k->audit_started = 1;
	return 0;
}

/*
 * SIGTERM and SIGINT stop kagid; they stay blocked but while the server
 * waits (k->orig); SIGPIPE and SIGHUP are ignored.
 */
static void
signals_set(struct kagid *k)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &k->orig);
	sigdelset(&k->orig, SIGTERM);
	sigdelset(&k->orig, SIGINT);
}

/* Everything k holds, released; the socket and pid file we made gone. */
static void
release(struct kagid *k)
{
	if (k->pidfd >= 0 && pidfile_remove(k->pidpath, k->pidfd) != 0)
		kagi_log(LOG_WARNING, "%s: cannot remove the pid file: %s",
		    k->pidpath, strerror(errno));
	server_free(&k->srv);
	SSL_CTX_free(k->tls);
	if (k->tfd >= 0)
		close(k->tfd);
	if (k->lfd >= 0) {
		close(k->lfd);
		/* We bound it: nobody else's socket is removed. */
		if (k->cfg.socket != NULL)
			(void)unlink(k->cfg.socket);
	}
	if (k->audit_started)
		audit_daemon_stop(&k->ctx);
	audit_daemon_free(&k->ctx);
	ctx_log_discard(&k->ctx, 0);
	free(k->ctx.logs);
	alert_runner_free(&k->ctx.alerts);
	free(k->ctx.banner);
	store_close(&k->ctx.store);
	chal_table_free(&k->ctx.challenges);
	seal_key_free(&k->ctx.key);
	kagid_config_free(&k->cfg);
}

/* Each line of msg (a file's every error, cfg.c) logged on its own. */
static void
log_lines(const char *what, char *msg)
{
	char *line, *save = NULL;

	for (line = strtok_r(msg, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		kagi_log(LOG_ERR, "%s: %s", what, line);
}

int
main(int argc, char **argv)
{
	static struct kagid k;
	char err[CFG_ERRLEN * 16];
	sigset_t early;
	int r, status = 1;

	k.conf = KAGI_CONF_FILE;
	k.lfd = -1;
	k.tfd = -1;
	k.pidfd = -1;
	/* An approved request runs through the table's handler (approval.c). */
	k.ctx.approval_replay = dispatch_handler;
	if ((r = parse_args(argc, argv, &k)) >= 0)
		return r;
	/* A stop asked for during start-up waits for the handlers
	 * (signals_set) and is then an orderly stop: killed half-way, a start
	 * would leave its start record without the checkpoint that covers
	 * it, and the next start would refuse the chain (audit_daemon.c). */
	sigemptyset(&early);
	sigaddset(&early, SIGTERM);
	sigaddset(&early, SIGINT);
	sigprocmask(SIG_BLOCK, &early, NULL);
	kagi_log_open("kagid", k.foreground || k.test, k.debug);
	if (k.foreground && journal_attached())
		journal_start();
	else
		kagi_log_set_journal(k.foreground &&
		    getenv("JOURNAL_STREAM") != NULL);
	if ((r = load_config(&k, err, sizeof(err))) != 0) {
		log_lines("configuration refused", err);
		goto out;
	}
	if (k.test) {
		config_warnings(&k.cfg);
		printf("%s: configuration OK\n", k.conf);
		status = 0;
		goto out;
	}
	/* An edge: no store, no sealing key, no decision (edge.h). */
	if (k.cfg.role == KAGID_EDGE) {
		if ((r = as_root(&k, err, sizeof(err))) != 0) {
			kagi_log(LOG_ERR, "refusing to start: %s", err);
			goto out;
		}
		signals_set(&k);
		if (!k.foreground && (r = daemonize()) != 0) {
			kagi_log(LOG_ERR, "cannot daemonize: %s",
			    kagi_strerror(r));
			goto out;
		}
		if (k.pidfd >= 0 &&
		    (r = pidfile_write(k.pidfd, err, sizeof(err))) != 0) {
			kagi_log(LOG_ERR, "refusing to start: %s: %s",
			    k.pidpath, err);
			goto out;
		}
		if ((r = edge_run(&k.cfg, k.lfd, &stop_flag, &k.orig)) != 0) {
			kagi_log(LOG_ERR, "refusing to start: the edge's "
			    "TLS settings: %s", kagi_strerror(r));
			goto out;
		}
		status = 0;
		goto out;
	}
	if ((r = as_root(&k, err, sizeof(err))) != 0 ||
	    (r = open_core(&k, err, sizeof(err))) != 0) {
		kagi_log(LOG_ERR, "refusing to start: %s", err);
		goto out;
	}
	if ((r = server_new(&k.ctx, k.lfd, &k.srv)) != 0)
		goto out;
	/* A core: its edges over TLS, against the store's CA (issue 15). */
	if (k.cfg.role == KAGID_CORE) {
		if ((r = tls_server_ctx(&k.ctx, &k.tls, err,
		    sizeof(err))) != 0) {
			kagi_log(LOG_ERR, "refusing to start: %s", err);
			goto out;
		}
		server_set_tls(k.srv, k.tfd, k.tls);
		kagi_log(LOG_INFO, "kagid core listening for edges on %s "
		    "(TLS 1.3)", k.cfg.listen_tls);
	}
	/* The effective configuration on the chain (R-LOG-1, R-LOG-5). */
	if ((r = config_audit_start(&k.ctx, k.conf)) != 0) {
		kagi_log(LOG_ERR, "refusing to start: the configuration cannot "
		    "be recorded: %s", kagi_strerror(r));
		goto out;
	}
	/* Dormant accounts, expired requests, the break-glass file. */
	maint_tick(&k.ctx, 1);
	signals_set(&k);
	if (!k.foreground && (r = daemonize()) != 0) {
		kagi_log(LOG_ERR, "cannot daemonize: %s", kagi_strerror(r));
		goto out;
	}
	if (k.pidfd >= 0 &&
	    (r = pidfile_write(k.pidfd, err, sizeof(err))) != 0) {
		kagi_log(LOG_ERR, "refusing to start: %s: %s", k.pidpath, err);
		goto out;
	}
	kagi_log(LOG_INFO, "kagid %s listening on %s (uid %u, store %s)",
	    PACKAGE_VERSION, k.cfg.socket, (unsigned)geteuid(),
	    k.cfg.store == STORE_POSTGRESQL ? "postgresql" :
	    k.cfg.database);
	audit_tick(&k.ctx);	/* the clock state and an anchor at start */
	if ((r = server_run(k.srv, &stop_flag, &k.orig)) != 0)
		goto out;
	kagi_log(LOG_INFO, "kagid stopping");
	status = 0;
out:
	release(&k);
	return status;
}
