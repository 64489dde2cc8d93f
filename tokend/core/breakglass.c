/*
 * breakglass.c - break-glass codes and the exceptions they open
 * (R-EXC-1, R-INC-1).
 *
 * Off unless kagid.conf says breakglass = yes: then no code is issued and
 * none is accepted.  `kagictl breakglass issue USER` replaces the user's
 * codes with breakglass_codes fresh ones, shown once and stored as
 * PBKDF2-HMAC-SHA256 over a per-code salt.  Typed at the code prompt, one
 * logs the user in even when the normal second factor cannot work (no
 * token, a lost phone) - privileged users included, since that is what
 * an emergency looks like - and opens an exception, audited at alert
 * priority, that stays open until `kagictl breakglass report ID --reason`
 * closes it.  Lockout still applies: break-glass is not a way around a
 * lock.
 *
 * So that a code also works while kagid is unreachable, kagid keeps the
 * break-glass file (breakglass_file): the unused codes' hashes, mode 0600,
 * replaced atomically, next to a lock file both sides take with flock().
 * pam_kagi checks a code against it only when kagid cannot be reached,
 * and marks the code it used in place; breakglass_sync() imports such
 * uses as exceptions before every rewrite, so a used code never comes
 * back.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "bgfile.h"
#include "breakglass.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "store_life.h"
#include "ucode.h"
#include "username.h"
#include "wipe.h"

/* account passes a token-less user this long after a break-glass log-in */
#define BG_ACCOUNT_GRACE 600


void
breakglass_mark_dirty(struct kagid_ctx *ctx)
{
	ctx->breakglass_dirty = 1;
	ctx->breakglass_retry = 0;	/* a new change: at once */
}

int
breakglass_issue(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, struct json_object *reply)
{
	struct json_object *codes = NULL, *f = NULL;
	struct bg_code_rec c;
	char shown[UCODE_SHOWN_LEN + 1], code[UCODE_LEN + 1];
	int64_t now = kagi_now(), id = 0, first = 0, old = 0;
	long long i;
	int r;

	memset(&c, 0, sizeof(c));
	if ((codes = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_bg_code_revoke_user(ctx->store, u->id, now, &old)) != 0)
		goto out;
	for (i = 0; i < ctx->cfg->breakglass_codes; i++) {
		c.user_id = u->id;
		c.iterations = ctx->cfg->breakglass_iterations;
		c.created = now;
		if ((r = ucode_generate(shown)) != 0 ||
		    (r = ucode_normalise(shown, code)) != 0 ||
		    (r = ucode_salt(c.salt)) != 0 ||
		    (r = ucode_kdf(c.salt, code, (long)c.iterations,
		    c.hash)) != 0 ||
		    (r = store_bg_code_add(ctx->store, &c, &id)) != 0)
			goto out;
		if (first == 0)
			first = id;
		if (json_object_array_add(codes,
		    json_object_new_string(shown)) != 0) {
			r = KAGI_ERR_NOMEM;
			goto out;
		}
	}
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "id", first)) != 0 ||
	    (r = proto_set_int(f, "count", ctx->cfg->breakglass_codes)) != 0 ||
	    (r = proto_set_int(f, "replaced", old)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_WARNING, "breakglass_issue",
	    u->name, f)) != 0 ||
	    (r = proto_set_str(reply, "user", u->name)) != 0)
		goto out;
	json_object_object_add(reply, "codes", codes);
	codes = NULL;
	breakglass_mark_dirty(ctx);
 out:
	json_object_put(codes);
	json_object_put(f);
	kagi_wipe(shown, sizeof(shown));
	kagi_wipe(code, sizeof(code));
	kagi_wipe_obj(&c);
	return r;
}

struct bg_match {
	const char *code;
	int64_t id;
	int err;
};

static int
bg_match_cb(const struct bg_code_rec *c, void *arg)
{
	struct bg_match *m = arg;
	uint8_t h[BG_HASH_LEN];
	int r;

	if ((r = ucode_kdf(c->salt, m->code, (long)c->iterations, h)) != 0) {
		m->err = r;
		return r;
	}
	if (kagi_ct_memcmp(h, c->hash, sizeof(h)) == 0)
		m->id = c->id;
	kagi_wipe(h, sizeof(h));
	return 0;		/* try all: the time does not tell which */
}

/* Open an exception for a used code, with its alert record. */
static int
open_exception(struct kagid_ctx *ctx, const struct peer *peer,
    const char *user, int64_t code_id, const char *source, int64_t when)
{
	struct json_object *f;
	int64_t id = 0;
	int r;

	if ((r = store_exception_add(ctx->store, user, code_id, source, when,
	    &id)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "id", id)) == 0 &&
	    (r = proto_set_int(f, "code", code_id)) == 0 &&
	    (r = proto_set_str(f, "source", source)) == 0 &&
	    (r = proto_set_int(f, "used", when)) == 0)
		r = audit_record(ctx, peer, LOG_ALERT, "breakglass_use", user,
		    f);
	json_object_put(f);
	return r;
}

int
breakglass_try(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const char *typed, int *took)
{
	struct bg_match m;
	char code[UCODE_LEN + 1];
	int64_t now = kagi_now();
	int r;

	*took = CODE_TOOK_NONE;
	if (!ctx->cfg->breakglass || ucode_normalise(typed, code) != 0)
		return 0;
	memset(&m, 0, sizeof(m));
	m.code = code;
	r = store_bg_code_list(ctx->store, u->id, bg_match_cb, &m);
	if (r == 0)
		r = m.err;
	if (r != 0 || m.id == 0)
		goto out;
	if ((r = store_bg_code_use(ctx->store, m.id, now)) != 0 ||
	    (r = open_exception(ctx, peer, u->name, m.id, "kagid", now)) != 0)
		goto out;
	breakglass_mark_dirty(ctx);
	*took = CODE_TOOK_LOGIN;
 out:
	kagi_wipe(code, sizeof(code));
	return r;
}

int
breakglass_recent(struct kagid_ctx *ctx, const struct user_rec *u, int *yes)
{
	*yes = 0;
	if (!ctx->cfg->breakglass)
		return 0;
	return store_exception_recent(ctx->store, u->name,
	    kagi_now() - BG_ACCOUNT_GRACE, yes);
}

static int
exception_to_json(const struct exception_rec *e, struct json_object **out)
{
	struct json_object *o = json_object_new_object();
	int r;

	if (o == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(o, "id", e->id)) != 0 ||
	    (r = proto_set_str(o, "user", e->user)) != 0 ||
	    (r = proto_set_int(o, "code", e->code_id)) != 0 ||
	    (r = proto_set_str(o, "source", e->source)) != 0 ||
	    (r = proto_set_int(o, "opened", e->opened)) != 0 ||
	    (r = proto_set_int(o, "closed", e->closed)) != 0 ||
	    (r = proto_set_str(o, "closer", e->closer)) != 0 ||
	    (r = proto_set_str(o, "reason", e->reason)) != 0) {
		json_object_put(o);
		return r;
	}
	*out = o;
	return 0;
}

static int
exc_list_cb(const struct exception_rec *e, void *arg)
{
	struct json_object *o = NULL;
	int r;

	if ((r = exception_to_json(e, &o)) != 0)
		return r;
	if (json_object_array_add(arg, o) != 0) {
		json_object_put(o);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}

int
breakglass_list(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct json_object *arr = json_object_new_array();
	int r;

	if (arr == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_exception_list(ctx->store, 1, exc_list_cb, arr)) != 0) {
		json_object_put(arr);
		return r;
	}
	json_object_object_add(reply, "exceptions", arr);
	return proto_set_bool(reply, "enabled", ctx->cfg->breakglass);
}

int
breakglass_report(struct kagid_ctx *ctx, const struct peer *peer, int64_t id,
    const char *reason, struct json_object *reply)
{
	struct exception_rec e;
	struct json_object *f = NULL, *o = NULL;
	int64_t now = kagi_now();
	int r;

	if (reason[0] == '\0')
		return KAGI_ERR_INVALID;
	if ((r = store_exception_get(ctx->store, id, &e)) != 0 ||
	    (r = store_exception_close(ctx->store, id, peer->name, reason,
	    now)) != 0 ||
	    (r = store_exception_get(ctx->store, id, &e)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_int(f, "id", id)) != 0 ||
	    (r = proto_set_str(f, "reason", reason)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "breakglass_report",
	    e.user, f)) != 0 ||
	    (r = exception_to_json(&e, &o)) != 0)
		goto out;
	json_object_object_add(reply, "exception", o);
 out:
	json_object_put(f);
	return r;
}

/* --- the break-glass file ------------------------------------------------- */

/* Read the current file, if any: f->buf NULL when there is none. */
static int
file_read(const char *path, struct bgfile *f, char *err, size_t errlen)
{
	int r = bgfile_read(path, BGFILE_KAGID, f, err, errlen);

	if (r == KAGI_ERR_NOT_FOUND) {
		err[0] = '\0';
		return 0;
	}
	return r;
}

/* Import the "used" lines of f whose codes the store still holds. */
static int
file_import(struct kagid_ctx *ctx, struct bgfile *f)
{
	struct bgfile_line l;
	struct bg_code_rec c;
	struct user_rec u;
	const char *line;
	int r, n = 0;

	while ((line = bgfile_next_line(f)) != NULL) {
		if (strcmp(line, BGFILE_MAGIC) == 0 ||
		    bgfile_line_parse(line, &l) != 0 || !l.used)
			continue;
		if (store_user_get(ctx->store, l.user, &u) != 0)
			continue;
		memset(&c, 0, sizeof(c));
		r = store_bg_code_use(ctx->store, l.id, kagi_now());
		if (r == KAGI_ERR_STATE)
			continue;	/* imported before, or unknown */
		if (r != 0)
			return r;
		if ((r = open_exception(ctx, NULL, u.name, l.id, "offline",
		    l.time)) != 0)
			return r;
		n++;
	}
	if (n > 0)
		kagi_log(LOG_ALERT, "imported %d break-glass use(s) made while "
		    "kagid was unreachable", n);
	return 0;
}

struct file_out {
	FILE *f;
	int err;
};

static int
file_code_cb(const struct bg_code_rec *c, void *arg)
{
	struct file_out *fo = arg;
	struct bgfile_line l;
	char line[512];
	int r;

	memset(&l, 0, sizeof(l));
	l.id = c->id;
	snprintf(l.user, sizeof(l.user), "%s", c->user);
	l.iterations = (long)c->iterations;
	memcpy(l.salt, c->salt, sizeof(l.salt));
	memcpy(l.hash, c->hash, sizeof(l.hash));
	if ((r = bgfile_line_format(&l, line, sizeof(line))) != 0)
		return r;
	if (fputs(line, fo->f) == EOF)
		return KAGI_ERR_IO;
	return 0;
}

/* Write the store's unused codes (none when off) in place of the file. */
static int
file_write(struct kagid_ctx *ctx, const char *path, char *err,
    size_t errlen)
{
	struct file_out fo;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((fo.f = open_memstream(&buf, &len)) == NULL)
		return KAGI_ERR_NOMEM;
	fo.err = 0;
	r = fprintf(fo.f, "%s\n", BGFILE_MAGIC) < 0 ? KAGI_ERR_IO : 0;
	if (r == 0 && ctx->cfg->breakglass)
		r = store_bg_code_list(ctx->store, 0, file_code_cb, &fo);
	if (fclose(fo.f) != 0)
		r = r != 0 ? r : KAGI_ERR_NOMEM;
	if (r == 0)
		r = bgfile_write(path, buf, len, err, errlen);
	free(buf);
	return r;
}

int
breakglass_sync(struct kagid_ctx *ctx)
{
	const char *path = ctx->cfg->breakglass_file;
	struct stat st;
	struct bgfile f;
	char err[512];
	int lfd = -1, r;

	ctx->breakglass_dirty = 0;
	ctx->breakglass_retry = 0;
	memset(&f, 0, sizeof(f));
	err[0] = '\0';
	/* Off and never written: nothing to keep in step. */
	if (!ctx->cfg->breakglass && lstat(path, &st) != 0 && errno == ENOENT)
		return 0;
	/* kagid waits for pam_kagi's rewrite, never for longer (issue 13). */
	if ((r = bgfile_lock(path, BGFILE_KAGID, BREAKGLASS_LOCK_MS, &lfd, err,
	    sizeof(err))) != 0 ||
	    (r = file_read(path, &f, err, sizeof(err))) != 0)
		goto out;
	if (f.buf != NULL) {
		if ((r = store_begin(ctx->store)) != 0)
			goto out;
		if ((r = file_import(ctx, &f)) != 0 ||
		    (r = store_commit(ctx->store)) != 0) {
			store_rollback(ctx->store);
			ctx_log_discard(ctx, 0);
			goto out;
		}
		ctx_log_flush(ctx);
	}
	r = file_write(ctx, path, err, sizeof(err));
 out:
	if (r != 0 && err[0] != '\0')
		kagi_error("break-glass file %s (%s)", err, kagi_strerror(r));
	else if (r != 0)
		kagi_error("break-glass file %s: %s", path, kagi_strerror(r));
	/* Not in step: tried again in a while, never in a tight loop. */
	if (r != 0) {
		ctx->breakglass_dirty = 1;
		ctx->breakglass_retry = kagi_now() + BREAKGLASS_RETRY;
	}
	bgfile_clear(&f);
	if (lfd >= 0)
		close(lfd);
	return r;
}

int
breakglass_sync_due(const struct kagid_ctx *ctx)
{
	return ctx->breakglass_dirty && kagi_now() >= ctx->breakglass_retry;
}
