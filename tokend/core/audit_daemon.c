/*
 * audit_daemon.c - signed checkpoints, kagid's start and stop, refused
 * callers and failed audit writes (audit_daemon.h).
 *
 * Guarantees:
 *  - a checkpoint is made only of committed state (the tick runs between
 *    transactions; an archive checkpoints a record already committed) and
 *    is on disk (fdatasync) before it goes to syslog and the command;
 *  - kagid starts only on a chain that agrees with its last checkpoint,
 *    or after the operator's explicit acceptance, which is recorded; on
 *    a store several cores share, the records after its stop must name
 *    other cores whose keys it knows (their checkpoints vouch for them);
 *  - each checkpoint names this core (core_name) and is signed with its
 *    own key; a checkpoint verifies only with a key configured for the
 *    core it names (checkpoint.h);
 *  - every record about kagid itself is written in a transaction of its
 *    own, outside any request: a refusal in a read-only request, a write
 *    that failed, are recorded all the same;
 *  - at most one "caller_refused" record per caller uid per minute,
 *    whatever the caller sends; the table of callers is bounded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "alert.h"
#include "kagid_config.h"
#include "audit.h"
#include "audit_chain.h"
#include "audit_daemon.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "safefile.h"

#define CALLERS_MAX 256
#define CALLER_WINDOW 60		/* seconds */
#define VERIFY_KEYS_MAX (64 * 1024)
#define WHAT_MAX 64

/* One caller's refusals in its current minute. */
struct caller {
	int used;
	int pending;			/* a record to write at the tick */
	struct peer peer;
	int64_t window;			/* start of its minute */
	int64_t suppressed;		/* refusals not recorded one by one */
	int64_t reported;		/* suppressed count the record carries */
	char kind[16];
	char what[WHAT_MAX];
	char op[KAGI_NAME_MAX + 1];
};

struct audit_daemon {
	struct cp_signer *signer;
	struct cp_keys keys;		/* own key first */
	struct alert_runner *cmd;
	int log_fd;
	/* The last checkpoint made. */
	int64_t cp_seq;
	uint8_t cp_hash[32];
	int64_t cp_time;
	int have_cp;			/* cp_* hold the last checkpoint */
	int changed;			/* the chain no longer extends it */
	int64_t next_ms, beat_ms;	/* monotonic */
	int64_t started;		/* wall time of this start */
	/* Audit writes failing: since when, how many, the last error. */
	int degraded;
	int64_t deg_since;
	int64_t deg_failures;
	char deg_error[96];
	struct caller callers[CALLERS_MAX];
};

/* --- opening ------------------------------------------------------------ */

static int
keys_load(struct kagid_ctx *ctx, struct audit_daemon *d, char *err,
    size_t errlen)
{
	uint8_t pub[CP_KEY_LEN];
	char *buf = NULL;
	size_t len = 0, bad = 0;
	int r;

	/* Its own key verifies this core's checkpoints. */
	cp_signer_public(d->signer, pub);
	if ((r = cp_keys_add(&d->keys, pub, ctx->cfg->core_name)) != 0 ||
	    ctx->cfg->audit_verify_keys[0] == '\0')
		return r;
	if ((r = safefile_read(ctx->cfg->audit_verify_keys, geteuid(),
	    VERIFY_KEYS_MAX, &buf, &len, err, errlen)) != 0)
		return r;
	if ((r = cp_keys_parse(&d->keys, buf, &bad)) == KAGI_ERR_EXISTS)
		snprintf(err, errlen, "%s, line %zu: this key is already "
		    "configured for another core (each core signs with its "
		    "own key)", ctx->cfg->audit_verify_keys, bad);
	else if (r != 0)
		snprintf(err, errlen, "%s, line %zu: not a verifying key "
		    "(\"ed25519\", 64 hex digits and \"core=NAME\", as "
		    "kagictl audit key prints it)", ctx->cfg->audit_verify_keys,
		    bad);
	free(buf);
	return r;
}

int
audit_daemon_open(struct kagid_ctx *ctx, char *err, size_t errlen)
{
	const struct kagid_config *cfg = ctx->cfg;
	struct audit_daemon *d;
	int r, created = 0;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return KAGI_ERR_NOMEM;
	d->log_fd = -1;
	d->started = kagi_now();
	ctx->audit = d;
	ctx->audit_write_failed = audit_write_failed;
	if ((r = cp_signer_load_or_create(cfg->audit_key_file, &d->signer,
	    &created, err, errlen)) != 0)
		return r;
	if (created)
		kagi_log(LOG_NOTICE, "created audit signing key %s (key %s)",
		    cfg->audit_key_file, cp_signer_key_id(d->signer));
	if ((r = keys_load(ctx, d, err, errlen)) != 0 ||
	    (r = cp_log_open(cfg->audit_checkpoint_log, geteuid(), &d->log_fd,
	    err, errlen)) != 0)
		return r;
	if ((r = alert_runner_new(cfg->audit_checkpoint_command,
	    cfg->alert_timeout * 1000, &d->cmd)) != 0) {
		snprintf(err, errlen, "audit_checkpoint_command: %s",
		    kagi_strerror(r));
		return r;
	}
	if (cfg->audit_checkpoint_command[0] != '\0' &&
	    access(cfg->audit_checkpoint_command, X_OK) != 0)
		kagi_log(LOG_WARNING, "audit_checkpoint_command %s cannot be "
		    "run: %s", cfg->audit_checkpoint_command, strerror(errno));
	return 0;
}

void
audit_daemon_free(struct kagid_ctx *ctx)
{
	struct audit_daemon *d = ctx->audit;

	if (d == NULL)
		return;
	cp_signer_free(&d->signer);
	alert_runner_free(&d->cmd);
	if (d->log_fd >= 0)
		close(d->log_fd);
	free(d);
	ctx->audit = NULL;
	ctx->audit_write_failed = NULL;
}

/* --- checkpoints ---------------------------------------------------------- */

int
audit_checkpoint(struct kagid_ctx *ctx, int64_t seq, const uint8_t hash[32],
    const char *reason)
{
	struct audit_daemon *d = ctx->audit;
	struct checkpoint cp;
	char *line = NULL;
	int r;

	if (d == NULL)
		return 0;
	memset(&cp, 0, sizeof(cp));
	cp.seq = seq;
	memcpy(cp.hash, hash, sizeof(cp.hash));
	cp.time = kagi_now();
	snprintf(cp.host, sizeof(cp.host), "%s", audit_host());
	/* Signed by this core, naming it (checkpoint.h). */
	snprintf(cp.core, sizeof(cp.core), "%s", ctx->cfg->core_name);
	snprintf(cp.reason, sizeof(cp.reason), "%s", reason);
	if ((r = cp_sign(d->signer, &cp)) != 0 ||
	    (r = cp_format(&cp, &line)) != 0)
		goto out;
	if ((r = cp_log_append(d->log_fd, line)) != 0) {
		kagi_log(LOG_ALERT, "audit checkpoint %lld not written to %s: "
		    "%s", (long long)seq, ctx->cfg->audit_checkpoint_log,
		    strerror(errno));
		goto out;
	}
	kagi_log(LOG_NOTICE, "audit checkpoint %s", line);
	(void)alert_spawn(d->cmd, line);
	/* An archive's checkpoint is of an older record: the newest stays. */
	if (!d->have_cp || seq >= d->cp_seq) {
		d->cp_seq = seq;
		memcpy(d->cp_hash, hash, sizeof(d->cp_hash));
		d->cp_time = cp.time;
		d->have_cp = 1;
	}
	d->beat_ms = kagi_monotonic_ms() + ctx->cfg->audit_anchor_interval *
	    1000;
 out:
	free(line);
	return r;
}

struct extends {
	struct audit_walk w;
	int broken;
};

static int
extends_cb(const struct audit_rec *rec, void *arg)
{
	struct extends *e = arg;
	enum audit_break why;
	int r;

	if ((r = audit_walk_next(&e->w, rec, &why)) == KAGI_ERR_INVALID) {
		e->broken = 1;
		return 1;
	}
	return r;
}

/*
 * Does the chain still hold the last checkpoint's record, and does every
 * record after it link on from it?  kagid signs nothing else: a chain
 * changed behind its back (the store written by another hand) is never
 * covered by a fresh signature (R-LOG-2).
 */
int
audit_chain_extends(struct kagid_ctx *ctx)
{
	struct audit_daemon *d = ctx->audit;
	struct extends e;
	uint8_t prev[32], h[32];
	int64_t first = 1;
	int r;

	if (d == NULL || !d->have_cp)
		return 1;
	if ((r = store_audit_boundary(ctx->store, &first, prev)) != 0)
		return 0;
	if (d->cp_seq >= first) {
		if (store_audit_hash_at(ctx->store, d->cp_seq, h) != 0 ||
		    memcmp(h, d->cp_hash, 32) != 0)
			return 0;
	} else if (d->cp_seq == first - 1) {
		if (memcmp(prev, d->cp_hash, 32) != 0)
			return 0;
	}
	/* Archived since: the archive checked the whole chain first. */
	memset(&e, 0, sizeof(e));
	audit_walk_start(&e.w, d->cp_seq >= first - 1 ? d->cp_seq + 1 :
	    first, d->cp_seq >= first - 1 ? d->cp_hash : prev);
	if (store_audit_scan(ctx->store, e.w.next_seq - 1, extends_cb,
	    &e) != 0)
		return 0;
	return !e.broken;
}

/* Say once that the chain changed behind kagid's back. */
static void
changed_behind(struct kagid_ctx *ctx)
{
	struct audit_daemon *d = ctx->audit;
	char json[256];

	if (d->changed)
		return;
	d->changed = 1;
	kagi_log(LOG_ALERT, "the audit chain no longer extends checkpoint "
	    "%lld: it was changed behind kagid's back; no checkpoint is "
	    "signed for it (R-LOG-2; kagictl audit verify)",
	    (long long)d->cp_seq);
	snprintf(json, sizeof(json), "{\"event\":\"audit_chain_changed\","
	    "\"priority\":\"alert\",\"time\":%lld,\"host\":\"%s\","
	    "\"checkpoint\":%lld}", (long long)kagi_now(), audit_host(),
	    (long long)d->cp_seq);
	(void)alert_spawn(ctx->alerts, json);
}

/* A checkpoint of the chain's head, when it extends the last one. */
static int
checkpoint_head(struct kagid_ctx *ctx, const char *reason)
{
	uint8_t head[32];
	int64_t seq = 0;
	int r;

	if (!audit_chain_extends(ctx)) {
		struct store_state st;

		/* A store out of reach (PostgreSQL) says nothing about the
		 * chain: no alarm, and checkpoints go on once it is back. */
		store_state(ctx->store, &st);
		if (!st.connected)
			return KAGI_ERR_STORE_DOWN;
		changed_behind(ctx);
		return KAGI_ERR_STATE;
	}
	if ((r = store_audit_head(ctx->store, &seq, head)) != 0)
		return r;
	return audit_checkpoint(ctx, seq, head, reason);
}

enum cp_state { CPS_NONE, CPS_OK, CPS_CUT, CPS_DIFFERS, CPS_ARCHIVED,
    CPS_BAD, CPS_ADDED };
static const char *const cp_state_names[] = { "none", "ok", "cut",
    "differs", "archived", "bad", "added" };

struct archive_find {
	int64_t seq;
	int found;
	uint8_t hash[32];
};

static int
archive_find_cb(const struct audit_archive_rec *a, void *arg)
{
	struct archive_find *f = arg;

	if (a->through_seq == f->seq) {
		f->found = 1;
		memcpy(f->hash, a->hash, 32);
	}
	return 0;
}

/* What cp says of the chain as it is now. */
static int
against_chain(struct kagid_ctx *ctx, const struct checkpoint *cp,
    enum cp_state *state)
{
	struct archive_find af;
	uint8_t prev[32], head[32], h[32];
	int64_t first = 1, seq = 0;
	int r;

	if ((r = store_audit_boundary(ctx->store, &first, prev)) != 0 ||
	    (r = store_audit_head(ctx->store, &seq, head)) != 0)
		return r;
	if (cp->seq > seq) {
		*state = CPS_CUT;
		return 0;
	}
	if (cp->seq == 0) {
		*state = CPS_OK;
		return 0;
	}
	if (cp->seq >= first) {
		if ((r = store_audit_hash_at(ctx->store, cp->seq, h)) != 0)
			return r == KAGI_ERR_NOT_FOUND ? (*state = CPS_CUT, 0) :
			    r;
	} else if (cp->seq == first - 1) {
		memcpy(h, prev, sizeof(h));
	} else {
		memset(&af, 0, sizeof(af));
		af.seq = cp->seq;
		if ((r = store_audit_archives(ctx->store, archive_find_cb,
		    &af)) != 0)
			return r;
		if (!af.found) {
			*state = CPS_ARCHIVED;
			return 0;
		}
		memcpy(h, af.hash, sizeof(h));
	}
	*state = memcmp(h, cp->hash, sizeof(h)) == 0 ? CPS_OK : CPS_DIFFERS;
	return 0;
}

/* The log's last checkpoint and what it says now (*state). */
static int
last_checkpoint(struct kagid_ctx *ctx, struct checkpoint *cp,
    enum cp_state *state, char *err, size_t errlen)
{
	size_t bad = 0;
	int r, found = 0;

	*state = CPS_NONE;
	memset(cp, 0, sizeof(*cp));
	err[0] = '\0';
	r = cp_log_last(ctx->cfg->audit_checkpoint_log, geteuid(), cp, &found,
	    &bad, err, errlen);
	if (r == KAGI_ERR_INVALID) {
		*state = CPS_BAD;
		return 0;
	}
	if (r != 0 || !found)
		return r;
	if ((r = cp_verify(&ctx->audit->keys, cp)) != 0) {
		if (r == KAGI_ERR_NOT_FOUND && cp->core[0] != '\0')
			snprintf(err, errlen, "%s: its last checkpoint, of core "
			    "%s, is signed by key %s, which is not a key of core "
			    "%s", ctx->cfg->audit_checkpoint_log, cp->core,
			    cp->key, cp->core);
		else
			snprintf(err, errlen, "%s: its last checkpoint is %s",
			    ctx->cfg->audit_checkpoint_log,
			    r == KAGI_ERR_NOT_FOUND ?
			    "signed by an unknown key" : "not validly signed");
		*state = CPS_BAD;
		return 0;
	}
	return against_chain(ctx, cp, state);
}

/* --- start and stop ------------------------------------------------------- */

/* The login uid of this process (who started kagid), -1 when unset. */
static int64_t
own_login_uid(void)
{
	char buf[32];
	ssize_t n;
	long long v;
	int fd;

	if ((fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%lld", &v) != 1 || v < 0 || v >= 4294967295LL)
		return -1;
	return v;
}

/*
 * Records after this core's orderly stop.  On one store, nothing may
 * follow.  On a store several cores share (PostgreSQL), the other cores
 * write on while this one is stopped: a record there is accepted when it
 * names another core whose key this one knows (audit_verify_keys), whose
 * own checkpoints vouch for it; one naming this core, no core, or a core
 * nobody configured was added behind kagid's back (*who: its core).
 */
struct added {
	const struct cp_keys *keys;
	const char *own;
	int by_self;
	char who[CP_CORE_MAX + 1];
};

static int
added_cb(const struct audit_rec *rec, void *arg)
{
	struct added *a = arg;

	if (rec->core != NULL && strcmp(rec->core, a->own) != 0 &&
	    cp_keys_have_core(a->keys, rec->core))
		return 0;
	a->by_self = 1;
	snprintf(a->who, sizeof(a->who), "%s", rec->core != NULL ?
	    rec->core : "");
	return 1;
}

static int
added_while_stopped(struct kagid_ctx *ctx, int64_t after, struct added *a)
{
	memset(a, 0, sizeof(*a));
	a->keys = &ctx->audit->keys;
	a->own = ctx->cfg->core_name;
	if (ctx->cfg->store != STORE_POSTGRESQL) {
		a->by_self = 1;
		return 0;
	}
	return store_audit_scan(ctx->store, after, added_cb, a);
}

struct start_arg {
	const struct checkpoint *cp;
	enum cp_state state;
	int accepted;
	int64_t head_seq;		/* the chain as accepted */
	uint8_t head[32];
};

static int
start_records(struct kagid_ctx *ctx, const struct start_arg *a)
{
	const struct checkpoint *cp = a->cp;
	enum cp_state state = a->state;
	struct json_object *f = NULL;
	char hex[AUDIT_HEX_LEN + 1];
	int64_t now = kagi_now();
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "version", PACKAGE_VERSION)) != 0 ||
	    (r = proto_set_int(f, "pid", (int64_t)getpid())) != 0)
		goto out;
	if (state != CPS_NONE && state != CPS_BAD &&
	    ((r = proto_set_int(f, "last_checkpoint", cp->seq)) != 0 ||
	    (r = proto_set_int(f, "last_checkpoint_time", cp->time)) != 0 ||
	    (r = proto_set_str(f, "last_checkpoint_reason",
	    cp->reason)) != 0 ||
	    /* The outage: kagid wrote nothing between the two. */
	    (r = proto_set_int(f, "gap", now - cp->time)) != 0 ||
	    (r = proto_set_bool(f, "clean_stop",
	    strcmp(cp->reason, "stop") == 0)) != 0))
		goto out;
	if ((r = audit_record(ctx, NULL, LOG_NOTICE, "kagid_start", NULL,
	    f)) != 0 || !a->accepted)
		goto out;
	json_object_put(f);
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	audit_hex(a->head, hex);
	if ((r = proto_set_str(f, "state", cp_state_names[state])) != 0 ||
	    (r = proto_set_int(f, "head_seq", a->head_seq)) != 0 ||
	    (r = proto_set_str(f, "head_hash", hex)) != 0 ||
	    (r = proto_set_int(f, "login_uid", own_login_uid())) != 0 ||
	    (r = proto_set_int(f, "uid", (int64_t)getuid())) != 0)
		goto out;
	if (state != CPS_BAD) {
		audit_hex(cp->hash, hex);
		if ((r = proto_set_int(f, "checkpoint_seq", cp->seq)) != 0 ||
		    (r = proto_set_str(f, "checkpoint_hash", hex)) != 0 ||
		    (r = proto_set_int(f, "checkpoint_time", cp->time)) != 0 ||
		    (r = proto_set_str(f, "checkpoint_key", cp->key)) != 0)
			goto out;
	}
	r = audit_record(ctx, NULL, LOG_ALERT, "chain_accepted", NULL, f);
 out:
	json_object_put(f);
	return r;
}

/* Run fn's records in a transaction of their own; syslog after commit. */
static int
own_transaction(struct kagid_ctx *ctx, int (*fn)(struct kagid_ctx *, void *),
    void *arg)
{
	int r;

	if ((r = store_begin(ctx->store)) != 0)
		return r;
	if ((r = fn(ctx, arg)) != 0 || (r = store_commit(ctx->store)) != 0) {
		store_rollback(ctx->store);
		ctx_log_discard(ctx, 0);
		return r;
	}
	ctx_log_flush(ctx);
	return 0;
}

static int
start_fn(struct kagid_ctx *ctx, void *arg)
{
	return start_records(ctx, arg);
}

int
audit_daemon_start(struct kagid_ctx *ctx, int64_t accept_seq, char *err,
    size_t errlen)
{
	struct start_arg a;
	struct added ad;
	struct checkpoint cp;
	enum cp_state state = CPS_NONE;
	uint8_t head[32];
	char why[256];
	int64_t seq = 0;
	int r, broken;

	ctx->audit->have_cp = 0;
	ctx->audit->changed = 0;
	if ((r = last_checkpoint(ctx, &cp, &state, why, sizeof(why))) != 0) {
		snprintf(err, errlen, "%s", why[0] != '\0' ? why :
		    kagi_strerror(r));
		return r;
	}
	if ((r = store_audit_head(ctx->store, &seq, head)) != 0) {
		snprintf(err, errlen, "audit chain: %s", kagi_strerror(r));
		return r;
	}
	/* After an orderly stop nothing may follow its checkpoint but the
	 * records of the other cores sharing the store. */
	memset(&ad, 0, sizeof(ad));
	if ((state == CPS_OK || state == CPS_ARCHIVED) &&
	    strcmp(cp.reason, "stop") == 0 && seq > cp.seq) {
		if ((r = added_while_stopped(ctx, cp.seq, &ad)) != 0) {
			snprintf(err, errlen, "audit chain: %s",
			    kagi_strerror(r));
			return r;
		}
		if (ad.by_self)
			state = CPS_ADDED;
	}
	broken = state == CPS_CUT || state == CPS_DIFFERS ||
	    state == CPS_BAD || state == CPS_ADDED;
	if (broken && accept_seq != seq) {
		if (state == CPS_ADDED && ad.who[0] != '\0' &&
		    strcmp(ad.who, ctx->cfg->core_name) != 0)
			snprintf(err, errlen, "records after %lld were added "
			    "to the audit chain while kagid was stopped, naming "
			    "core %s, whose key is not in audit_verify_keys: its "
			    "checkpoints cannot vouch for them (R-LOG-2); add "
			    "its key, or accept the chain as it is with -A %lld "
			    "(recorded)", (long long)cp.seq, ad.who,
			    (long long)seq);
		else if (state == CPS_ADDED)
			snprintf(err, errlen, "records %lld to %lld were added "
			    "to the audit chain while kagid was stopped: its "
			    "checkpoint at the stop (signed %lld by key %s) is "
			    "of record %lld (R-LOG-2); to start anyway, accept "
			    "the chain as it is with -A %lld (recorded)",
			    (long long)(cp.seq + 1), (long long)seq,
			    (long long)cp.time, cp.key, (long long)cp.seq,
			    (long long)seq);
		else if (state == CPS_BAD)
			snprintf(err, errlen, "%s: the chain cannot be checked "
			    "against it (R-LOG-2); to start anyway, accept the "
			    "chain as it is with -A %lld (recorded)", why,
			    (long long)seq);
		else
			snprintf(err, errlen, "the audit chain ends at record "
			    "%lld but checkpoint %lld (signed %lld by key %s) "
			    "%s: records were %s (R-LOG-2); to start anyway, "
			    "accept the chain as it is with -A %lld "
			    "(recorded)", (long long)seq, (long long)cp.seq,
			    (long long)cp.time, cp.key, state == CPS_CUT ?
			    "says it had reached that record" :
			    "gives that record another hash", state == CPS_CUT ?
			    "removed" : "rewritten", (long long)seq);
		return KAGI_ERR_STATE;
	}
	if (!broken && accept_seq != 0) {
		snprintf(err, errlen, "-A %lld: the audit chain agrees with its "
		    "last checkpoint, there is nothing to accept; start "
		    "without -A", (long long)accept_seq);
		return KAGI_ERR_INVALID;
	}
	if (state == CPS_NONE)
		kagi_log(LOG_NOTICE, "no audit checkpoint yet in %s: this "
		    "start makes the first", ctx->cfg->audit_checkpoint_log);
	if (broken)
		kagi_log(LOG_ALERT, "audit chain accepted as it is at record "
		    "%lld (-A): %s", (long long)seq, cp_state_names[state]);
	/* Records are signed only as they extend this checkpoint. */
	if (!broken && state != CPS_NONE) {
		ctx->audit->cp_seq = cp.seq;
		memcpy(ctx->audit->cp_hash, cp.hash, 32);
		ctx->audit->cp_time = cp.time;
		ctx->audit->have_cp = 1;
	}
	a.cp = &cp;
	a.state = state;
	a.accepted = broken;
	a.head_seq = seq;
	memcpy(a.head, head, sizeof(a.head));
	if ((r = own_transaction(ctx, start_fn, &a)) != 0) {
		snprintf(err, errlen, "cannot write the start to the audit "
		    "chain: %s", kagi_strerror(r));
		return r;
	}
	if ((r = checkpoint_head(ctx, broken ? "accept" : "start")) != 0) {
		snprintf(err, errlen, "cannot write a checkpoint to %s",
		    ctx->cfg->audit_checkpoint_log);
		return r;
	}
	ctx->audit->next_ms = kagi_monotonic_ms() +
	    ctx->cfg->audit_checkpoint_interval * 1000;
	return 0;
}

static int
stop_fn(struct kagid_ctx *ctx, void *arg)
{
	struct json_object *f;
	int r;

	(void)arg;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "pid", (int64_t)getpid())) == 0 &&
	    (r = proto_set_int(f, "uptime", kagi_now() -
	    ctx->audit->started)) == 0)
		r = audit_record(ctx, NULL, LOG_NOTICE, "kagid_stop", NULL, f);
	json_object_put(f);
	return r;
}

void
audit_daemon_stop(struct kagid_ctx *ctx)
{
	int r;

	if (ctx->audit == NULL)
		return;
	if ((r = own_transaction(ctx, stop_fn, NULL)) != 0)
		kagi_error("cannot write the stop to the audit chain: %s",
		    kagi_strerror(r));
	if ((r = checkpoint_head(ctx, "stop")) != 0)
		kagi_error("cannot write the last checkpoint: %s",
		    kagi_strerror(r));
}

/* --- refused callers -------------------------------------------------------- */

/* A caller's minute is over (or the clock went back past its start). */
static int
window_over(const struct caller *c, int64_t now)
{
	return now - c->window >= CALLER_WINDOW || now < c->window;
}

void
audit_caller_refused(struct kagid_ctx *ctx, const struct peer *peer,
    const char *kind, const char *what, const char *op)
{
	struct audit_daemon *d = ctx->audit;
	struct caller *c = NULL, *free_slot = NULL, *victim = NULL;
	int64_t now = kagi_now();
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < CALLERS_MAX && c == NULL; i++) {
		struct caller *e = &d->callers[i];

		if (e->used && e->peer.uid == peer->uid)
			c = e;
		else if (!e->used && free_slot == NULL)
			free_slot = e;
		else if (e->used && !e->pending && (victim == NULL ||
		    e->window < victim->window))
			victim = e;
	}
	if (c != NULL && !window_over(c, now)) {
		c->suppressed++;	/* in this caller's minute already */
		return;
	}
	if (c == NULL) {
		/* The table is bounded: the oldest minute gives way. */
		if ((c = free_slot != NULL ? free_slot : victim) == NULL) {
			kagi_warn("refused request of uid %u not recorded: "
			    "%d callers pending", (unsigned)peer->uid,
			    CALLERS_MAX);
			return;
		}
		if (c->used && c->suppressed > 0)
			kagi_warn("%lld refused requests of uid %u not "
			    "recorded (table full)", (long long)c->suppressed,
			    (unsigned)c->peer.uid);
		memset(c, 0, sizeof(*c));
	}
	c->reported = c->suppressed;
	c->suppressed = 0;
	c->used = 1;
	c->pending = 1;
	c->window = now;
	c->peer = *peer;
	snprintf(c->kind, sizeof(c->kind), "%s", kind);
	snprintf(c->what, sizeof(c->what), "%s", what);
	snprintf(c->op, sizeof(c->op), "%s", op != NULL ? op : "");
}

static int
caller_record(struct kagid_ctx *ctx, struct caller *c, int64_t count)
{
	struct json_object *f;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "kind", c->kind)) == 0 &&
	    (r = proto_set_str(f, "what", c->what)) == 0 &&
	    (c->op[0] == '\0' || (r = proto_set_str(f, "op", c->op)) == 0) &&
	    (r = proto_set_int(f, "pid", (int64_t)c->peer.pid)) == 0 &&
	    (count == 0 || (r = proto_set_int(f, "suppressed", count)) == 0))
		r = audit_record(ctx, &c->peer, LOG_WARNING, "caller_refused",
		    NULL, f);
	json_object_put(f);
	return r;
}

/* The records the callers' table owes, as one transaction's work. */
static int
callers_fn(struct kagid_ctx *ctx, void *arg)
{
	struct audit_daemon *d = ctx->audit;
	int64_t now = *(int64_t *)arg;
	size_t i;
	int r;

	for (i = 0; i < CALLERS_MAX; i++) {
		struct caller *c = &d->callers[i];

		if (!c->used)
			continue;
		if (c->pending && (r = caller_record(ctx, c, c->reported)) != 0)
			return r;
		if (!window_over(c, now))
			continue;
		/* The minute is over: what it held back, then a new one. */
		if (c->suppressed > 0 &&
		    (r = caller_record(ctx, c, c->suppressed)) != 0)
			return r;
	}
	return 0;
}

static void
callers_tick(struct kagid_ctx *ctx, int64_t now)
{
	struct audit_daemon *d = ctx->audit;
	size_t i;
	int due = 0, r;

	for (i = 0; i < CALLERS_MAX; i++)
		due |= d->callers[i].used && (d->callers[i].pending ||
		    window_over(&d->callers[i], now));
	if (!due)
		return;
	if ((r = own_transaction(ctx, callers_fn, &now)) != 0) {
		kagi_error("refused requests not recorded yet: %s",
		    kagi_strerror(r));
		return;
	}
	for (i = 0; i < CALLERS_MAX; i++) {
		struct caller *c = &d->callers[i];

		if (!c->used)
			continue;
		c->pending = 0;
		c->reported = 0;
		if (!window_over(c, now))
			continue;
		if (c->suppressed > 0) {
			c->suppressed = 0;
			c->window = now;	/* at most one a minute */
		} else
			memset(c, 0, sizeof(*c));
	}
}

/* --- failed writes ---------------------------------------------------------- */

int
audit_degraded(const struct kagid_ctx *ctx)
{
	return ctx->audit != NULL && ctx->audit->degraded;
}

void
audit_shipped(const struct kagid_ctx *ctx, int64_t *ok, int64_t *failed,
    int *last_failed)
{
	alert_outcomes(ctx->audit != NULL ? ctx->audit->cmd : NULL, ok, failed,
	    last_failed);
}

void
audit_write_failed(struct kagid_ctx *ctx, const char *where, int err)
{
	struct audit_daemon *d = ctx->audit;
	char json[512];

	if (d == NULL)
		return;
	d->deg_failures++;
	snprintf(d->deg_error, sizeof(d->deg_error), "%s: %s", where,
	    kagi_strerror(err));
	if (d->degraded)
		return;
	d->degraded = 1;
	d->deg_since = kagi_now();
	kagi_log(LOG_ALERT, "audit records cannot be written (%s): every "
	    "request that needs one, log-ins included, is refused until they "
	    "can (R-AVL-1)", d->deg_error);
	/* No record can say it: the alert hook hears it directly. */
	snprintf(json, sizeof(json), "{\"event\":\"audit_degraded\","
	    "\"priority\":\"alert\",\"time\":%lld,\"host\":\"%s\","
	    "\"error\":\"%s\"}", (long long)d->deg_since, audit_host(),
	    d->deg_error);
	(void)alert_spawn(ctx->alerts, json);
}

static int
recovered_fn(struct kagid_ctx *ctx, void *arg)
{
	struct audit_daemon *d = ctx->audit;
	struct json_object *f;
	int r;

	(void)arg;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "since", d->deg_since)) == 0 &&
	    (r = proto_set_int(f, "until", kagi_now())) == 0 &&
	    (r = proto_set_int(f, "failures", d->deg_failures)) == 0 &&
	    (r = proto_set_str(f, "error", d->deg_error)) == 0)
		r = audit_record(ctx, NULL, LOG_ALERT, "audit_degraded", NULL,
		    f);
	json_object_put(f);
	return r;
}

static void
degraded_tick(struct kagid_ctx *ctx)
{
	struct audit_daemon *d = ctx->audit;

	if (!d->degraded || own_transaction(ctx, recovered_fn, NULL) != 0)
		return;
	kagi_log(LOG_NOTICE, "audit records are written again after %lld "
	    "failed writes since %lld", (long long)d->deg_failures,
	    (long long)d->deg_since);
	d->degraded = 0;
	d->deg_failures = 0;
	d->deg_error[0] = '\0';
}

/* --- the tick ----------------------------------------------------------------- */

void
audit_daemon_tick(struct kagid_ctx *ctx)
{
	struct audit_daemon *d = ctx->audit;
	uint8_t head[32];
	int64_t now = kagi_monotonic_ms(), seq = 0;
	int r;

	if (d == NULL)
		return;
	alert_reap(d->cmd, now);
	degraded_tick(ctx);
	callers_tick(ctx, kagi_now());
	if (now < d->next_ms)
		return;
	d->next_ms = now + ctx->cfg->audit_checkpoint_interval * 1000;
	if ((r = store_audit_head(ctx->store, &seq, head)) != 0) {
		kagi_error("cannot read the audit chain head: %s",
		    kagi_strerror(r));
		return;
	}
	/* New records, or nothing for audit_anchor_interval. */
	if (seq != d->cp_seq || memcmp(head, d->cp_hash, 32) != 0 ||
	    now >= d->beat_ms)
		(void)checkpoint_head(ctx, "interval");
}

/* --- what kagictl asks -------------------------------------------------------- */

int
audit_daemon_keys(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct audit_daemon *d = ctx->audit;
	struct json_object *arr, *o;
	char text[CP_KEY_LEN * 2 + 16];
	size_t i;
	int r;

	if (d == NULL)
		return KAGI_ERR_STATE;
	if ((arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	json_object_object_add(reply, "keys", arr);
	for (i = 0; i < d->keys.n; i++) {
		if ((o = json_object_new_object()) == NULL ||
		    json_object_array_add(arr, o) != 0) {
			json_object_put(o);
			return KAGI_ERR_NOMEM;
		}
		cp_key_format(d->keys.k[i].pub, text, sizeof(text));
		if ((r = proto_set_str(o, "id", d->keys.k[i].id)) != 0 ||
		    (r = proto_set_str(o, "key", text)) != 0 ||
		    (d->keys.k[i].core[0] != '\0' && (r = proto_set_str(o,
		    "core", d->keys.k[i].core)) != 0) ||
		    (r = proto_set_bool(o, "own", i == 0)) != 0)
			return r;
	}
	if ((r = proto_set_str(reply, "core", ctx->cfg->core_name)) != 0)
		return r;
	return proto_set_str(reply, "host", audit_host());
}

/* Find a validly signed archive checkpoint of (seq, hash). */
struct cover {
	const struct cp_keys *keys;
	int64_t seq;
	const uint8_t *hash;
	int found;
};

static int
cover_cb(const struct checkpoint *cp, size_t line, void *arg)
{
	struct cover *c = arg;

	(void)line;
	if (cp->seq == c->seq && strcmp(cp->reason, "archive") == 0 &&
	    memcmp(cp->hash, c->hash, 32) == 0 && cp_verify(c->keys, cp) == 0) {
		c->found = 1;
		return 1;
	}
	return 0;
}

int
audit_daemon_verify(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct json_object *o;
	struct checkpoint cp;
	struct cover cv;
	enum cp_state state = CPS_NONE;
	uint8_t prev[32];
	char why[256], hex[AUDIT_HEX_LEN + 1];
	int64_t first = 1;
	size_t bad = 0;
	int r;

	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	json_object_object_add(reply, "checkpoint", o);
	memset(&cp, 0, sizeof(cp));
	if (ctx->audit != NULL &&
	    (r = last_checkpoint(ctx, &cp, &state, why, sizeof(why))) != 0)
		return r;
	if ((r = proto_set_str(o, "state", cp_state_names[state])) != 0)
		return r;
	audit_hex(cp.hash, hex);
	if (state != CPS_NONE && state != CPS_BAD &&
	    ((r = proto_set_int(o, "seq", cp.seq)) != 0 ||
	    (r = proto_set_str(o, "hash", hex)) != 0 ||
	    (r = proto_set_int(o, "time", cp.time)) != 0 ||
	    (r = proto_set_str(o, "key", cp.key)) != 0 ||
	    (r = proto_set_str(o, "reason", cp.reason)) != 0))
		return r;
	/* The boundary with the archives: a signed checkpoint names it. */
	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	json_object_object_add(reply, "boundary", o);
	if ((r = store_audit_boundary(ctx->store, &first, prev)) != 0)
		return r;
	memset(&cv, 0, sizeof(cv));
	if (first > 1 && ctx->audit != NULL) {
		cv.keys = &ctx->audit->keys;
		cv.seq = first - 1;
		cv.hash = prev;
		r = cp_log_read(ctx->cfg->audit_checkpoint_log, geteuid(),
		    cover_cb, &cv, &bad, why, sizeof(why));
		if (r != 0 && r != KAGI_ERR_NOT_FOUND &&
		    r != KAGI_ERR_INVALID)
			return r;
	}
	if ((r = proto_set_str(o, "state", first == 1 ? "none" : cv.found ?
	    "covered" : "uncovered")) != 0 ||
	    (r = proto_set_int(o, "seq", first - 1)) != 0)
		return r;
	return 0;
}

int
audit_daemon_status(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct audit_daemon *d = ctx->audit;
	int r;

	if (d == NULL)
		return 0;
	if ((r = proto_set_str(reply, "audit", d->degraded ? "degraded" :
	    "ok")) != 0 ||
	    (d->degraded && ((r = proto_set_int(reply, "audit_degraded_since",
	    d->deg_since)) != 0 ||
	    (r = proto_set_int(reply, "audit_write_failures",
	    d->deg_failures)) != 0)) ||
	    (r = proto_set_str(reply, "audit_key",
	    cp_signer_key_id(d->signer))) != 0 ||
	    (r = proto_set_int(reply, "checkpoint_seq", d->cp_seq)) != 0 ||
	    (r = proto_set_int(reply, "checkpoint_time", d->cp_time)) != 0)
		return r;
	return 0;
}
