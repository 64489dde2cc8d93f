/*
 * h_session.c - session_open, session_close and session_list: the
 * requests of pam_kagi's session part and of `kagictl session list`
 * (R-PRIV-7, R-REM-4).
 *
 * A session is registered by the process that hosts PAM, for itself:
 * the pid it gives must be the caller's (SO_PEERCRED) and the session id
 * must be that process's, read from /proc, so no caller can point kagid
 * at another's processes.  A session id of 0 (the leader is outside
 * kagid's sight, as in a container) or 1 (init's) is taken: the log-in
 * is registered, and only the process and its descendants are its.  A caller acting for itself (not root) gets
 * only its own processes signalled.  The deadline is kagid's to set: a
 * privileged user's session lasts privileged_session_max; a vendor's
 * ends with its current maintenance window (or its expiry, if sooner;
 * at once when it is outside them).  Open and close are audited.  A
 * session opened on the service and from the place of the log-in just
 * confirmed becomes that log-in's session: the next log-in shows when
 * it ended (R-MFA-5).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "describe.h"
#include "handlers.h"
#include "kagi_err.h"
#include "log.h"
#include "login.h"
#include "policy.h"
#include "proto.h"
#include "proto_ops.h"
#include "session.h"
#include "store_policy.h"
#include "store_session.h"
#include "username.h"
#include "vendor.h"

#define PID_MAX_WIRE 0x7fffffffLL

/* A logind session id: 1..64 of [A-Za-z0-9_.-]. */
static int
logind_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STORE_LOGIND_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
		    *s == '-'))
			return 0;
	return 1;
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

/* The deadline of u's session opened at now from rhost, and why (0:
 * none). */
static int
session_deadline(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *rhost, int64_t now, int64_t *deadline, const char **why)
{
	struct policy_cidrs c;
	const char *out = NULL;
	int64_t ends = 0;
	int r;

	*deadline = 0;
	*why = "";
	if (u->role == ROLE_PRIVILEGED) {
		*deadline = now + ctx->cfg->privileged_session_max;
		*why = "time_limit";
	}
	/* A vendor's session ends with its window, wherever it is from; a
	 * staff or privileged user's from an address of their remote-access
	 * grant (gateway.c) too, if that comes first. */
	if (u->role != ROLE_VENDOR && rhost == NULL)
		return 0;
	if ((r = vendor_terms_until(ctx, u, u->role == ROLE_VENDOR ? NULL :
	    rhost, now, &out, &ends, &c)) != 0)
		return r;
	if (u->role != ROLE_VENDOR && out != NULL)
		return 0;
	if (out != NULL || ends <= now)
		ends = now;		/* outside its terms: at once */
	if (*deadline == 0 || ends < *deadline) {
		*deadline = ends;
		*why = "window_end";
	}
	return 0;
}

int
h_session_open(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct session_rec s;
	struct user_rec u;
	const char *raw = NULL, *service = NULL, *tty = NULL, *rhost = NULL;
	const char *logind = NULL, *why = "";
	char name[STORE_NAME_MAX + 1];
	int64_t pid = 0, sid = 0, psid = 0, start = 0, lstart = 0, id = 0;
	int64_t now = kagi_now();
	int r, linked = 0;

	memset(&s, 0, sizeof(s));
	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &raw)) != 0 ||
	    (r = proto_get_str(req, "service", KAGI_NAME_MAX, &service)) != 0 ||
	    (r = proto_get_str_opt(req, "tty", STORE_TTY_MAX, &tty)) != 0 ||
	    (r = proto_get_str_opt(req, "rhost", STORE_HOST_MAX,
	    &rhost)) != 0 ||
	    (r = proto_get_str_opt(req, "logind", STORE_LOGIND_MAX,
	    &logind)) != 0 ||
	    (r = proto_get_int(req, "pid", 2, PID_MAX_WIRE, &pid)) != 0 ||
	    (r = proto_get_int(req, "sid", 0, PID_MAX_WIRE, &sid)) != 0)
		return r;
	if (logind != NULL && !logind_id_valid(logind))
		return KAGI_ERR_INVALID;
	if (user_canonical(raw, name) != 0)
		return KAGI_ERR_NOT_FOUND;
	if (!peer_may_verify(peer, name))
		return KAGI_ERR_DENIED;
	/* The caller registers itself, and only itself. */
	if (pid != (int64_t)peer->pid ||
	    session_proc_stat(pid, &psid, &start) != 0 || psid != sid) {
		kagi_warn("session_open for %s: pid %lld / sid %lld are not "
		    "the caller's (pid %d)", name, (long long)pid,
		    (long long)sid, (int)peer->pid);
		return KAGI_ERR_DENIED;
	}
	if (sid <= 1 || session_proc_stat(sid, &psid, &lstart) != 0)
		lstart = 0;		/* the leader has gone: no reuse check */
	if ((r = store_user_get(ctx->store, name, &u)) != 0)
		return r;
	if (u.disabled)
		return KAGI_ERR_DENIED;
	if ((r = session_deadline(ctx, &u, rhost, now, &s.deadline, &why)) != 0)
		return r;
	s.user_id = u.id;
	copy_str(s.user, sizeof(s.user), u.name);
	copy_str(s.service, sizeof(s.service), service);
	copy_str(s.tty, sizeof(s.tty), tty);
	copy_str(s.rhost, sizeof(s.rhost), rhost);
	copy_str(s.logind, sizeof(s.logind), logind);
	copy_str(s.deadline_reason, sizeof(s.deadline_reason), why);
	s.pid = pid;
	s.pid_start = start;
	s.sid = sid;
	s.sid_start = lstart;
	s.owner_uid = (peer->classes & PEER_VERIFIER) ? -1 :
	    (int64_t)peer->uid;
	s.started = now;
	if ((r = store_session_add(ctx->store, &s, &id)) != 0)
		return r;
	s.id = id;
	/* The session of the log-in just confirmed: its end is shown at
	 * the next log-in (R-MFA-5). */
	if ((r = store_login_link_session(ctx->store, u.id, s.service,
	    login_place(rhost, tty), now - ctx->cfg->login_confirm_time, id,
	    &linked)) != 0)
		return r;
	if (linked)
		kagi_debug("session %lld of %s: the session of its last log-in",
		    (long long)id, u.name);
	if ((r = session_audit_open(ctx, peer, &s)) != 0)
		return r;
	ctx->session_known = 0;
	if ((r = proto_set_int(reply, "session", id)) != 0 ||
	    (r = proto_set_int(reply, "ends", s.deadline)) != 0 ||
	    (s.deadline != 0 &&
	    (r = proto_set_str(reply, "limit", s.deadline_reason)) != 0))
		return r;
	return 0;
}

struct by_pid {
	int64_t pid;
	struct session_rec s[8];
	size_t n;
};

static int
by_pid_cb(const struct session_rec *s, void *arg)
{
	struct by_pid *b = arg;

	if (s->pid != b->pid)
		return 0;
	b->s[b->n++] = *s;
	return b->n == sizeof(b->s) / sizeof(b->s[0]) ? 1 : 0;
}

/* End one open session at the user's request. */
static int
session_logout(struct kagid_ctx *ctx, const struct peer *peer,
    const struct session_rec *s, int64_t now)
{
	int r;

	if ((r = store_session_end(ctx->store, s->id, now, "logout")) != 0 ||
	    (r = store_session_set_killed(ctx->store, s->id)) != 0)
		return r;
	return session_audit_close(ctx, peer, s, now, "logout", NULL);
}

int
h_session_close(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	static struct by_pid b;		/* kagid is single-threaded */
	struct session_rec s;
	struct user_rec u;
	const char *raw = NULL;
	char name[STORE_NAME_MAX + 1];
	int64_t id = 0, pid = 0, ended = 0, now = kagi_now();
	size_t i;
	int r;

	if ((r = proto_get_str(req, "user", KAGI_NAME_MAX, &raw)) != 0 ||
	    (r = proto_get_int_opt(req, "session", 1, INT64_MAX, &id)) != 0 ||
	    (r = proto_get_int(req, "pid", 2, PID_MAX_WIRE, &pid)) != 0)
		return r;
	if (user_canonical(raw, name) != 0)
		return KAGI_ERR_NOT_FOUND;
	if (!peer_may_verify(peer, name) || pid != (int64_t)peer->pid)
		return KAGI_ERR_DENIED;
	if ((r = store_user_get(ctx->store, name, &u)) != 0)
		return r;
	memset(&b, 0, sizeof(b));
	b.pid = pid;
	if (id != 0) {
		if ((r = store_session_get(ctx->store, id, &s)) != 0)
			return r;
		if (s.user_id != u.id || s.pid != pid)
			return KAGI_ERR_NOT_FOUND;
		if (s.ended == 0)
			b.s[b.n++] = s;
	} else if ((r = store_session_list_open(ctx->store, u.id, by_pid_cb,
	    &b)) != 0)
		return r;
	for (i = 0; i < b.n; i++, ended++)
		if ((r = session_logout(ctx, peer, &b.s[i], now)) != 0)
			return r;
	ctx->session_known = 0;
	return proto_set_int(reply, "ended", ended);
}

struct list_ctx {
	struct json_object *arr;
};

static int
list_cb(const struct session_rec *s, void *arg)
{
	struct list_ctx *l = arg;
	struct json_object *o;
	int r;

	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(o, "id", s->id)) != 0 ||
	    (r = proto_set_str(o, "user", s->user)) != 0 ||
	    (r = proto_set_str(o, "service", s->service)) != 0 ||
	    (r = proto_set_str(o, "tty", s->tty)) != 0 ||
	    (r = proto_set_str(o, "rhost", s->rhost)) != 0 ||
	    (r = proto_set_int(o, "pid", s->pid)) != 0 ||
	    (r = proto_set_int(o, "sid", s->sid)) != 0 ||
	    (r = proto_set_str(o, "logind", s->logind)) != 0 ||
	    (r = proto_set_int(o, "started", s->started)) != 0 ||
	    (r = proto_set_int(o, "deadline", s->deadline)) != 0 ||
	    (r = proto_set_str(o, "limit", s->deadline_reason)) != 0 ||
	    json_object_array_add(l->arr, o) != 0) {
		json_object_put(o);
		return r != 0 ? r : KAGI_ERR_NOMEM;
	}
	return 0;
}

int
h_session_list(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct list_ctx l;
	int r;

	(void)peer;
	(void)req;
	if ((l.arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_session_list_open(ctx->store, 0, list_cb, &l)) != 0) {
		json_object_put(l.arr);
		return r;
	}
	json_object_object_add(reply, "sessions", l.arr);
	return 0;
}
