/*
 * session.c - ending sessions on time: deadlines, warnings, logind,
 * signals, and the idle time-out from logind's idle hints (R-PRIV-7,
 * R-REM-4, R-MFA-5).  What it guarantees is in session.h.
 *
 * Everything here runs in kagid's loop, only when the earliest deadline
 * the store knows of has come (the loop's ppoll time-out brings it
 * there), and in a transaction of its own after the batch of requests:
 * a log-in is never held back by it.  Signals are sent before the
 * transaction that records them commits: when that commit fails, a
 * session was ended without its record, never the other way round.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-bus.h>
#endif

#include "audit.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "names.h"
#include "proto.h"
#include "session.h"
#include "store_session.h"
#include "username.h"

/* Read /proc/PID/stat: ppid, session id and start time. */
static int
proc_stat(int64_t pid, int64_t *ppid, int64_t *sid, int64_t *start)
{
	char path[64], buf[1024], *p, *end;
	long long v[20];
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT || errno == ESRCH ? KAGI_ERR_NOT_FOUND :
		    KAGI_ERR_IO;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return KAGI_ERR_NOT_FOUND;	/* gone while we read */
	buf[n] = '\0';
	/* "pid (comm) state ppid pgrp session ... starttime(22)": the
	 * name may hold anything, so parse after its last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return KAGI_ERR_INVALID;
	p += 3;				/* past ") " and the state */
	for (i = 0; i < 19; i++) {	/* fields 4 .. 22 */
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p) && *p != '-')
			return KAGI_ERR_INVALID;
		errno = 0;
		v[i] = strtoll(p, &end, 10);
		if (errno != 0 || end == p)
			return KAGI_ERR_INVALID;
		p = end;
	}
	*ppid = v[0];
	*sid = v[2];
	*start = v[18];
	return 0;
}

int
session_proc_stat(int64_t pid, int64_t *sid, int64_t *start)
{
	int64_t ppid;

	if (pid <= 0)
		return KAGI_ERR_INVALID;
	return proc_stat(pid, &ppid, sid, start);
}

struct proc {
	int64_t pid, ppid, sid, start;
	int64_t uid;
	int mark;
};

struct proc_list {
	struct proc *p;
	size_t n, cap;
};

static int
proc_list_read(struct proc_list *l)
{
	DIR *d;
	struct dirent *de;
	struct proc *np;
	struct stat st;
	char *end;
	long long pid;
	int r = 0;

	memset(l, 0, sizeof(*l));
	if ((d = opendir("/proc")) == NULL)
		return KAGI_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		errno = 0;
		pid = strtoll(de->d_name, &end, 10);
		if (errno != 0 || *end != '\0' || pid <= 0)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap == 0 ? 256 : l->cap * 2;
			if ((np = realloc(l->p, cap * sizeof(*np))) == NULL) {
				r = KAGI_ERR_NOMEM;
				break;
			}
			l->p = np;
			l->cap = cap;
		}
		np = &l->p[l->n];
		memset(np, 0, sizeof(*np));
		np->pid = pid;
		if (proc_stat(pid, &np->ppid, &np->sid, &np->start) != 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;	/* gone meanwhile */
		np->uid = (int64_t)st.st_uid;
		l->n++;
	}
	closedir(d);
	if (r != 0) {
		free(l->p);
		memset(l, 0, sizeof(*l));
	}
	return r;
}

static struct proc *
proc_find(struct proc_list *l, int64_t pid)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->p[i].pid == pid)
			return &l->p[i];
	return NULL;
}

/* Mark the processes listed in victims ("PID:START;...") still alive. */
static void
mark_victims(struct proc_list *l, const char *v)
{
	long long pid, start;
	struct proc *p;
	char *end;

	while (*v != '\0') {
		errno = 0;
		pid = strtoll(v, &end, 10);
		if (errno != 0 || end == v || *end != ':')
			return;
		v = end + 1;
		start = strtoll(v, &end, 10);
		if (errno != 0 || end == v || *end != ';')
			return;
		v = end + 1;
		if ((p = proc_find(l, pid)) != NULL && p->start == start)
			p->mark = 1;
	}
}

/*
 * Signal the session's processes; returns how many were signalled (or
 * a negative error).  See session.h for which processes those are; the
 * ones signalled before (s->victims) count too, orphans as they may be
 * now.  When victims is not NULL it receives "PID:START;..." of the
 * processes signalled (as many as fit).
 */
static int
session_signal(const struct session_rec *s, int sig, char *victims,
    size_t vlen)
{
	struct proc_list l;
	struct proc *leader, *host, *par;
	int64_t self = (int64_t)getpid(), own_sid = (int64_t)getsid(0);
	int sid_ok, changed, n = 0, r;
	size_t i;

	if ((r = proc_list_read(&l)) != 0)
		return r;
	leader = proc_find(&l, s->sid);
	sid_ok = s->sid > 1 && (leader == NULL || s->sid_start == 0 ||
	    leader->start == s->sid_start);
	host = proc_find(&l, s->pid);
	if (host != NULL && s->pid_start != 0 && host->start != s->pid_start)
		host = NULL;		/* another process now */
	for (i = 0; i < l.n; i++)
		l.p[i].mark = (sid_ok && l.p[i].sid == s->sid) ||
		    &l.p[i] == host;
	mark_victims(&l, s->victims);
	if (victims != NULL && vlen > 0)
		victims[0] = '\0';
	do {
		changed = 0;
		for (i = 0; i < l.n; i++) {
			if (l.p[i].mark)
				continue;
			par = proc_find(&l, l.p[i].ppid);
			if (par != NULL && par->mark) {
				l.p[i].mark = 1;
				changed = 1;
			}
		}
	} while (changed);
	for (i = 0; i < l.n; i++) {
		struct proc *p = &l.p[i];

		if (!p->mark || p->pid <= 1 || p->pid == self ||
		    p->sid == own_sid ||
		    (s->owner_uid >= 0 && p->uid != s->owner_uid))
			continue;
		if (kill((pid_t)p->pid, sig) == 0) {
			n++;
			if (victims != NULL) {
				size_t used = strlen(victims);
				int w = snprintf(victims + used, vlen - used,
				    "%lld:%lld;", (long long)p->pid,
				    (long long)p->start);
				if (w < 0 || (size_t)w >= vlen - used)
					victims[used] = '\0';
			}
		} else if (errno != ESRCH)
			kagi_warn("session %lld: cannot signal pid %lld: %s",
			    (long long)s->id, (long long)p->pid,
			    strerror(errno));
	}
	free(l.p);
	return n;
}

/* Through systemd-logind, when it runs and knows the session: 0 if done. */
static int
session_logind_end(const struct session_rec *s)
{
#ifdef HAVE_LIBSYSTEMD
	sd_bus *bus = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	struct stat st;
	int r;

	if (s->logind[0] == '\0' || stat("/run/systemd/seats", &st) != 0)
		return KAGI_ERR_NOT_FOUND;	/* logind does not run */
	if ((r = sd_bus_open_system(&bus)) < 0) {
		kagi_warn("session %lld: no system bus: %s", (long long)s->id,
		    strerror(-r));
		return KAGI_ERR_IO;
	}
	r = sd_bus_call_method(bus, "org.freedesktop.login1",
	    "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
	    "TerminateSession", &err, NULL, "s", s->logind);
	if (r < 0)
		kagi_warn("session %lld: logind TerminateSession %s: %s",
		    (long long)s->id, s->logind,
		    err.message != NULL ? err.message : strerror(-r));
	sd_bus_error_free(&err);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? KAGI_ERR_IO : 0;
#else
	(void)s;
	return KAGI_ERR_NOT_FOUND;
#endif
}

/* A terminal kagid may write to: pts/N or ttyXN under /dev. */
static int
tty_path(const char *tty, char *out, size_t len)
{
	const char *p;

	if (strncmp(tty, "/dev/", 5) == 0)
		tty += 5;
	if (strncmp(tty, "pts/", 4) != 0 && strncmp(tty, "tty", 3) != 0)
		return 0;
	for (p = tty; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '/')
			return 0;
	return snprintf(out, len, "/dev/%s", tty) < (int)len;
}

/*
 * Warn on the terminal: best effort.  kagid running as its own user can
 * open a user's terminal only if given the right (kagid.8); syslog gets
 * the warning either way.
 */
static void
session_warn_tty(const struct session_rec *s, int64_t left)
{
	char path[96], line[256];
	struct stat st;
	int fd, n;

	if (s->tty[0] == '\0' || !tty_path(s->tty, path, sizeof(path)))
		return;
	if ((fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC |
	    O_NOFOLLOW)) < 0) {
		kagi_debug("session %lld: cannot open %s: %s",
		    (long long)s->id, path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		n = snprintf(line, sizeof(line), "\r\n*** kagi: this session "
		    "ends in %lld seconds (%s). ***\r\n", (long long)left,
		    s->deadline_reason);
		if (n > 0 && write(fd, line, (size_t)n) < 0)
			kagi_debug("session %lld: write %s: %s",
			    (long long)s->id, path, strerror(errno));
	}
	close(fd);
}

/* The fields of a session's audit records. */
static int
session_fields(const struct session_rec *s, struct json_object **out)
{
	struct json_object *f;
	int r;

	*out = NULL;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "session", s->id)) != 0 ||
	    (r = proto_set_str(f, "service", s->service)) != 0 ||
	    (s->tty[0] != '\0' && (r = proto_set_str(f, "tty", s->tty)) != 0) ||
	    (s->rhost[0] != '\0' &&
	    (r = proto_set_str(f, "rhost", s->rhost)) != 0) ||
	    (r = proto_set_int(f, "pid", s->pid)) != 0 ||
	    (r = proto_set_int(f, "sid", s->sid)) != 0 ||
	    (s->logind[0] != '\0' &&
	    (r = proto_set_str(f, "logind", s->logind)) != 0) ||
	    (r = proto_set_int(f, "started", s->started)) != 0) {
		json_object_put(f);
		return r;
	}
	*out = f;
	return 0;
}

int
session_audit_close(struct kagid_ctx *ctx, const struct peer *peer,
    const struct session_rec *s, int64_t ended, const char *reason,
    const char *how)
{
	struct json_object *f = NULL;
	int r;

	if ((r = session_fields(s, &f)) != 0)
		return r;
	if ((r = proto_set_int(f, "ended", ended)) != 0 ||
	    (r = proto_set_str(f, "reason", reason)) != 0 ||
	    (how != NULL && (r = proto_set_str(f, "how", how)) != 0))
		goto out;
	r = audit_record(ctx, peer, strcmp(reason, "logout") == 0 ? LOG_INFO :
	    LOG_NOTICE, "session_close", s->user, f);
out:
	json_object_put(f);
	return r;
}

int
session_audit_open(struct kagid_ctx *ctx, const struct peer *peer,
    const struct session_rec *s)
{
	struct json_object *f = NULL;
	int r;

	if ((r = session_fields(s, &f)) != 0)
		return r;
	if (s->deadline != 0 &&
	    ((r = proto_set_int(f, "deadline", s->deadline)) != 0 ||
	    (r = proto_set_str(f, "limit", s->deadline_reason)) != 0))
		goto out;
	r = audit_record(ctx, peer, LOG_INFO, "session_open", s->user, f);
out:
	json_object_put(f);
	return r;
}

struct due {
	struct session_rec *s;
	size_t n, cap;
	int err;
};

static int
due_collect(const struct session_rec *s, void *arg)
{
	struct due *d = arg;
	struct session_rec *n;

	if (d->n == d->cap) {
		size_t cap = d->cap == 0 ? 8 : d->cap * 2;
		if ((n = realloc(d->s, cap * sizeof(*n))) == NULL) {
			d->err = KAGI_ERR_NOMEM;
			return KAGI_ERR_NOMEM;
		}
		d->s = n;
		d->cap = cap;
	}
	d->s[d->n++] = *s;
	return 0;
}

/* One due session: warn, end, or finish off. */
static int
session_act(struct kagid_ctx *ctx, const struct session_rec *s, int64_t now)
{
	char qu[STORE_NAME_MAX * 4 + 8];
	static char victims[STORE_VICTIMS_MAX + 1];
	const char *how;
	int n, r;

	kagi_log_quote(s->user, qu, sizeof(qu));
	if (s->ended != 0) {
		n = session_signal(s, SIGKILL, NULL, 0);
		if (n > 0)
			kagi_log(LOG_NOTICE, "session %lld of %s: %d processes "
			    "left after the grace time: SIGKILL",
			    (long long)s->id, qu, n);
		return store_session_set_killed(ctx->store, s->id);
	}
	if (s->deadline > now) {
		kagi_log(LOG_NOTICE, "session %lld of %s (%s) ends in %lld "
		    "seconds: %s", (long long)s->id, qu, s->service,
		    (long long)(s->deadline - now), s->deadline_reason);
		session_warn_tty(s, s->deadline - now);
		return store_session_set_warned(ctx->store, s->id);
	}
	victims[0] = '\0';
	if (session_logind_end(s) == 0) {
		how = "logind";
		n = 0;
	} else {
		how = "signal";
		n = session_signal(s, SIGHUP, victims, sizeof(victims));
	}
	kagi_log(LOG_NOTICE, "session %lld of %s (%s) ended: %s (%s, %d "
	    "processes signalled)", (long long)s->id, qu, s->service,
	    s->deadline_reason, how, n < 0 ? 0 : n);
	if ((r = store_session_end(ctx->store, s->id, now,
	    s->deadline_reason)) != 0 ||
	    (r = store_session_set_victims(ctx->store, s->id, victims)) != 0)
		return r;
	return session_audit_close(ctx, NULL, s, now, s->deadline_reason, how);
}

/* The idle time-out of a role's sessions, seconds (0: none). */
static int64_t
idle_limit(const struct kagid_config *cfg, int role)
{
	switch (role) {
	case ROLE_PRIVILEGED:
		return cfg->privileged_session_idle;
	case ROLE_VENDOR:
		return cfg->vendor_session_idle;
	default:
		return cfg->staff_session_idle;
	}
}

/* How often idleness is looked at: a quarter of the shortest time-out,
 * between 1 s and 60 s; 0 when no role has one. */
static int64_t
idle_period(const struct kagid_config *cfg)
{
	int64_t m = 0, l;
	int role;

	for (role = 0; role < ROLE_COUNT; role++)
		if ((l = idle_limit(cfg, role)) > 0 && (m == 0 || l < m))
			m = l;
	if (m == 0)
		return 0;
	m /= 4;
	return m < 1 ? 1 : m > 60 ? 60 : m;
}

#ifdef HAVE_LIBSYSTEMD
/*
 * logind's idle hint of a session: *since is when it went idle (seconds)
 * or 0 when it is not idle.  Each call waits at most IDLE_BUS_MS;
 * KAGI_ERR_TIMEOUT when logind did not answer in time.
 */
#define IDLE_BUS_MS 250
/* After logind left a question unanswered: the next look, seconds. */
#define IDLE_BACKOFF 60
static int
logind_idle_since(sd_bus *bus, const char *id, int64_t *since)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	const char *path;
	uint64_t us = 0;
	int hint = 0, r;

	*since = 0;
	if ((r = sd_bus_call_method(bus, "org.freedesktop.login1",
	    "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
	    "GetSession", &err, &m, "s", id)) < 0 ||
	    (r = sd_bus_message_read(m, "o", &path)) < 0 ||
	    (r = sd_bus_get_property_trivial(bus, "org.freedesktop.login1",
	    path, "org.freedesktop.login1.Session", "IdleHint", &err, 'b',
	    &hint)) < 0 ||
	    (hint && (r = sd_bus_get_property_trivial(bus,
	    "org.freedesktop.login1", path, "org.freedesktop.login1.Session",
	    "IdleSinceHint", &err, 't', &us)) < 0))
		kagi_debug("logind session %s: no idle hint: %s", id,
		    err.message != NULL ? err.message : strerror(-r));
	else if (hint && us > 0)
		*since = (int64_t)(us / 1000000);
	sd_bus_error_free(&err);
	sd_bus_message_unref(m);
	return r == -ETIMEDOUT ? KAGI_ERR_TIMEOUT : r < 0 ? KAGI_ERR_IO : 0;
}
#endif

/*
 * Open sessions logind reports idle for longer than their role's
 * time-out get their deadline now (reason "idle"); the next tick ends
 * them as any other.  Sessions logind does not know (no logind id, or
 * logind does not run) are not looked at: the man page says what this
 * covers.  A bus that cannot be reached is said once, then quietly
 * retried at every period.  The whole scan holds kagid's loop at most
 * about IDLE_BUS_MS: it stops at the first question logind leaves
 * unanswered, and then asks again only IDLE_BACKOFF later, or when that
 * time has gone, and goes on at the next period (a hung logind never
 * starves log-ins).
 */
static int
session_idle_scan(struct kagid_ctx *ctx, int64_t now)
{
#ifdef HAVE_LIBSYSTEMD
	const struct kagid_config *cfg = ctx->cfg;
	char qu[STORE_NAME_MAX * 4 + 8];
	struct user_rec u;
	struct due d;
	sd_bus *bus = NULL;
	int64_t limit, since, start = kagi_monotonic_ms();
	size_t i;
	int r;

	memset(&d, 0, sizeof(d));
	if ((r = store_session_list_open(ctx->store, 0, due_collect,
	    &d)) != 0 || (r = d.err) != 0)
		goto out;
	for (i = 0; i < d.n; i++) {
		const struct session_rec *s = &d.s[i];

		if (s->logind[0] == '\0' || (s->deadline != 0 &&
		    s->deadline <= now))
			continue;
		if ((r = store_user_get(ctx->store, s->user, &u)) != 0) {
			if (r != KAGI_ERR_NOT_FOUND)
				goto out;
			r = 0;
			continue;
		}
		if ((limit = idle_limit(cfg, u.role)) <= 0)
			continue;
		if (bus == NULL) {
			if ((r = sd_bus_open_system(&bus)) < 0) {
				if (!ctx->idle_bus_warned)
					kagi_warn("idle time-out: no system "
					    "bus: %s", strerror(-r));
				ctx->idle_bus_warned = 1;
				bus = NULL;
				r = 0;
				goto out;
			}
			(void)sd_bus_set_method_call_timeout(bus,
			    IDLE_BUS_MS * 1000);
		}
		if (kagi_monotonic_ms() - start >= IDLE_BUS_MS) {
			kagi_debug("idle time-out: scan stopped after %d ms",
			    IDLE_BUS_MS);
			break;
		}
		if ((r = logind_idle_since(bus, s->logind, &since)) ==
		    KAGI_ERR_TIMEOUT) {
			kagi_warn("idle time-out: logind did not answer in "
			    "%d ms; asking again in %d s", IDLE_BUS_MS,
			    IDLE_BACKOFF);
			ctx->idle_next = now + IDLE_BACKOFF;
			r = 0;
			break;
		}
		r = 0;
		if (since == 0 || now - since < limit)
			continue;
		kagi_log_quote(s->user, qu, sizeof(qu));
		kagi_log(LOG_NOTICE, "session %lld of %s (%s): idle for %lld "
		    "seconds (logind %s), over %lld: ending it",
		    (long long)s->id, qu, s->service,
		    (long long)(now - since), s->logind, (long long)limit);
		if ((r = store_session_set_deadline(ctx->store, s->id, now,
		    "idle")) != 0)
			goto out;
		ctx->session_known = 0;
	}
out:
	if (bus != NULL)
		sd_bus_flush_close_unref(bus);
	free(d.s);
	return r;
#else
	(void)ctx;
	(void)now;
	return 0;
#endif
}

void
session_tick(struct kagid_ctx *ctx)
{
	const struct kagid_config *cfg = ctx->cfg;
	struct due d;
	int64_t now = kagi_now(), period = idle_period(cfg);
	int idle = period > 0 && now >= ctx->idle_next;
	size_t i;
	int r;

	if (session_due_ms(ctx) != 0 && !idle)
		return;
	if (idle)
		ctx->idle_next = now + period;
	memset(&d, 0, sizeof(d));
	if ((r = store_begin(ctx->store)) != 0) {
		kagi_error("cannot begin a transaction: %s", kagi_strerror(r));
		return;
	}
	r = store_session_due(ctx->store, now, cfg->session_warn,
	    cfg->session_grace, due_collect, &d);
	if (r == 0 && d.err != 0)
		r = d.err;
	for (i = 0; r == 0 && i < d.n; i++)
		r = session_act(ctx, &d.s[i], now);
	if (r == 0 && idle)
		r = session_idle_scan(ctx, now);
	if (r == 0)
		r = store_commit(ctx->store);
	else
		store_rollback(ctx->store);
	if (r == 0)
		ctx_log_flush(ctx);
	else {
		ctx_log_discard(ctx, 0);
		kagi_error("session deadlines not recorded: %s",
		    kagi_strerror(r));
	}
	free(d.s);
	ctx->session_known = 0;
	/* A store that keeps failing is retried once a second, not spun on. */
	if (r != 0) {
		ctx->session_known = 1;
		ctx->session_next = now + 1;
	}
}

int64_t
session_due_ms(struct kagid_ctx *ctx)
{
	const struct kagid_config *cfg = ctx->cfg;
	int64_t next = 0, now;
	int r;

	if (!ctx->session_known) {
		if ((r = store_session_next(ctx->store, cfg->session_warn,
		    cfg->session_grace, &next)) != 0) {
			kagi_error("cannot read session deadlines: %s",
			    kagi_strerror(r));
			next = kagi_now() + 1;
		}
		ctx->session_next = next;
		ctx->session_known = 1;
	}
	if (ctx->session_next == 0)
		return -1;
	now = kagi_now();
	if (ctx->session_next <= now)
		return 0;
	return (ctx->session_next - now) * 1000;
}

int
session_end_user(struct kagid_ctx *ctx, const char *user, const char *reason,
    int64_t *n)
{
	struct user_rec u;
	struct due d;
	char canon[STORE_NAME_MAX + 1];
	int64_t now = kagi_now();
	size_t i;
	int r;

	memset(&d, 0, sizeof(d));
	if (n != NULL)
		*n = 0;
	if (reason == NULL || reason[0] == '\0' ||
	    strlen(reason) > STORE_REASON_MAX)
		return KAGI_ERR_INVALID;
	if (user_canonical(user, canon) != 0)
		return KAGI_ERR_NOT_FOUND;
	if ((r = store_user_get(ctx->store, canon, &u)) != 0)
		return r;
	if ((r = store_session_list_open(ctx->store, u.id, due_collect,
	    &d)) != 0 || (r = d.err) != 0)
		goto out;
	for (i = 0; i < d.n; i++)
		if ((r = store_session_set_deadline(ctx->store, d.s[i].id, now,
		    reason)) != 0)
			goto out;
	ctx->session_known = 0;
	if (n != NULL)
		*n = (int64_t)d.n;
out:
	free(d.s);
	return r;
}
