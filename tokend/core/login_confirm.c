/*
 * login_confirm.c - a second factor's success stays provisional until the
 * rest of the PAM stack has passed (login.h; R-MFA-2, R-MFA-5).
 *
 * pam_kagi comes after the password module, and a "required" line lets
 * the stack run on after a wrong password: a right code then proves
 * nothing about the log-in.  So an auth_* success (login_provisional()):
 *  - spends what it checked (the TOTP step, the FIDO2 challenge and
 *    signature counter, a break-glass or enrollment code), as before;
 *  - forgives no failure, records no last log-in and shows nothing: the
 *    reply carries a confirmation id, CONFIRM_LEN random bytes of which
 *    the store keeps only the SHA-256, bound to the user, the service,
 *    terminal, remote host and zone, and the caller's uid and pid, for
 *    login_confirm_time seconds;
 *  - is an "auth" record with outcome "provisional".
 * The account phase of the same PAM handle, which an application runs
 * only after the whole auth stack passed, sends the id back
 * (login_confirm()).  The pending log-in is taken at once (single use,
 * whatever follows).  When it is this request's own (same user, service,
 * terminal, remote host, zone, caller uid and pid), has not expired and
 * the account may be used now, the log-in is confirmed: the failures of
 * its factor and service are forgiven, the previous log-in (with when
 * its session ended) and the failures since go into the reply, this one
 * becomes the last log-in, and an "auth" record with outcome "success"
 * and reason "confirmed" is written.  Anything else refuses the account
 * phase ("unconfirmed", or the account's own verdict) and records the
 * provisional success as "unconfirmed" with why.  A provisional success
 * nobody confirms in time is recorded "unconfirmed" (reason "expired")
 * by login_confirm_tick(); every unconfirmed one counts among the failed
 * attempts the next log-in shows (R-MFA-5), never toward a lock: the
 * factor itself was right.
 *
 * What an id is worth to someone who gets it: it confirms only the
 * log-in that made it, for the caller that made it (a local user cannot
 * confirm another's: kagid refuses that user's name to it, and the
 * binding names the caller), once, within minutes; and a confirmation
 * grants nothing -- the PAM stack already decided -- it only forgives and
 * records.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "audit.h"
#include "b64.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "login.h"
#include "names.h"
#include "proto.h"
#include "proto_ops.h"
#include "store_session.h"
#include "wipe.h"

#define CONFIRM_LEN 32

static int
confirm_hash(const uint8_t *id, size_t len,
    uint8_t out[STORE_CONFIRM_HASH_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(id, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != STORE_CONFIRM_HASH_LEN)
		return KAGI_ERR_INTERNAL;
	return 0;
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

int
login_provisional(struct kagid_ctx *ctx, const struct peer *peer,
    const struct user_rec *u, const struct login_req *a, const char *factor,
    const char *label, struct json_object *extra, int64_t now,
    struct json_object *reply)
{
	struct pending_rec p;
	struct json_object *f = NULL;
	uint8_t id[CONFIRM_LEN];
	int64_t pid = 0;
	int r;

	memset(&p, 0, sizeof(p));
	if (RAND_bytes(id, sizeof(id)) != 1) {
		r = KAGI_ERR_INTERNAL;
		goto out;
	}
	if ((r = confirm_hash(id, sizeof(id), p.hash)) != 0)
		goto out;
	p.user_id = u->id;
	copy_str(p.service, sizeof(p.service), a->service);
	copy_str(p.tty, sizeof(p.tty), a->tty);
	copy_str(p.rhost, sizeof(p.rhost), a->rhost);
	copy_str(p.zone, sizeof(p.zone), a->zone);
	copy_str(p.factor, sizeof(p.factor), factor);
	copy_str(p.label, sizeof(p.label), label);
	p.peer_uid = (int64_t)peer->uid;
	p.peer_pid = (int64_t)peer->pid;
	p.created = now;
	p.expires = now + ctx->cfg->login_confirm_time;
	if ((r = store_pending_add(ctx->store, &p, &pid)) != 0 ||
	    (r = b64_set(reply, "confirm", id, sizeof(id))) != 0)
		goto out;
	if ((f = login_fields(a, "provisional", "ok")) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if (extra != NULL) {
		json_object_object_foreach(extra, k, v) {
			if (json_object_object_add(f, k,
			    json_object_get(v)) != 0) {
				json_object_put(v);
				r = KAGI_ERR_NOMEM;
				goto out;
			}
		}
	}
	if ((r = proto_set_str(f, "factor", label)) != 0 ||
	    (r = proto_set_int(f, "login", pid)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_INFO, "auth", u->name, f)) != 0)
		goto out;
	/* The earliest expiry stays known: no sweep (a write transaction)
	 * until this one or an earlier one is due.  Should this request be
	 * rolled back, the sweep comes early and finds nothing: harmless. */
	if (ctx->confirm_known && (ctx->confirm_next == 0 ||
	    p.expires < ctx->confirm_next))
		ctx->confirm_next = p.expires;
 out:
	json_object_put(f);
	kagi_wipe(id, sizeof(id));
	kagi_wipe_obj(&p);
	return r;
}

/* The login_req a pending log-in was made with. */
static void
pending_req(const struct pending_rec *p, struct login_req *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->user, sizeof(a->user), "%s", p->user);
	a->name_ok = 1;
	a->service = p->service;
	a->tty = p->tty[0] != '\0' ? p->tty : NULL;
	a->rhost = p->rhost[0] != '\0' ? p->rhost : NULL;
	a->zone = p->zone;
	if (zone_from_name(p->zone, &a->zone_idx) != 0)
		a->zone_idx = 0;
}

/*
 * The "unconfirmed" record of p, for why, and one more failed attempt
 * shown at the next log-in.
 */
static int
unconfirmed(struct kagid_ctx *ctx, const struct peer *peer,
    const struct pending_rec *p, const char *why)
{
	struct login_req pa;
	struct json_object *f;
	int r;

	pending_req(p, &pa);
	if ((f = login_fields(&pa, "unconfirmed", why)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "factor", p->label)) == 0 &&
	    (r = proto_set_int(f, "login", p->id)) == 0 &&
	    (r = audit_record(ctx, peer, LOG_WARNING, "auth", p->user,
	    f)) == 0)
		r = store_login_failure(ctx->store, p->user_id);
	json_object_put(f);
	return r;
}

/* Same string, "" standing for none. */
static int
same(const char *stored, const char *given)
{
	return strcmp(stored, given != NULL ? given : "") == 0;
}

/* Why p is not the log-in of request a by peer at now, or NULL. */
static const char *
mismatch(const struct pending_rec *p, const struct user_rec *u,
    const struct login_req *a, const struct peer *peer, int64_t now)
{
	if (u == NULL || p->user_id != u->id)
		return "other_user";
	if (!same(p->service, a->service) || !same(p->tty, a->tty) ||
	    !same(p->rhost, a->rhost) || !same(p->zone, a->zone))
		return "other_context";
	if (p->peer_uid != (int64_t)peer->uid ||
	    p->peer_pid != (int64_t)peer->pid)
		return "other_caller";
	if (now >= p->expires || now < p->created)
		return "expired";
	return NULL;
}

/* A confirmation id nobody is waiting for: recorded, never counted. */
static int
unknown_confirmation(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a)
{
	struct json_object *f;
	int r;

	if ((f = login_fields(a, "failure", "unknown_confirmation")) == NULL)
		return KAGI_ERR_NOMEM;
	r = audit_record(ctx, peer, LOG_WARNING, "auth", a->user, f);
	json_object_put(f);
	return r;
}

int
login_confirm(struct kagid_ctx *ctx, const struct peer *peer,
    const struct login_req *a, const char *confirm, int64_t now,
    struct json_object *reply, const char **verdict)
{
	struct pending_rec p;
	struct user_rec u;
	struct lock_rec l;
	struct json_object *f = NULL;
	uint8_t hash[STORE_CONFIRM_HASH_LEN];
	uint8_t *id = NULL;
	size_t idlen = 0;
	const char *account = NULL, *why;
	int r, have_user;

	memset(&p, 0, sizeof(p));
	*verdict = VERDICT_UNCONFIRMED;
	if ((r = login_account(ctx, peer, a, now, &account)) != 0)
		goto out;
	/* An id that is not one of ours is one nobody waits for. */
	if (b64_decode(confirm, CONFIRM_LEN, CONFIRM_LEN, &id, &idlen) != 0) {
		r = unknown_confirmation(ctx, peer, a);
		goto out;
	}
	if ((r = confirm_hash(id, idlen, hash)) != 0)
		goto out;
	/* Taken now: whatever follows, this confirmation is spent. */
	r = store_pending_take(ctx->store, hash, &p);
	if (r == KAGI_ERR_NOT_FOUND) {
		r = unknown_confirmation(ctx, peer, a);
		goto out;
	}
	if (r != 0)
		goto out;
	/* ctx->confirm_next is left as it is: with one fewer waiting, the
	 * known earliest expiry can only be early, which costs a sweep that
	 * finds nothing. */
	r = a->name_ok ? store_user_get(ctx->store, a->user, &u) :
	    KAGI_ERR_NOT_FOUND;
	if (r != 0 && r != KAGI_ERR_NOT_FOUND)
		goto out;
	have_user = r == 0;
	why = mismatch(&p, have_user ? &u : NULL, a, peer, now);
	if (why == NULL && strcmp(account, VERDICT_OK) != 0) {
		why = account;
		*verdict = account;
	}
	if (why != NULL) {
		r = unconfirmed(ctx, peer, &p, why);
		goto out;
	}
	/* Confirmed: forgive, show the previous log-in, record this one. */
	if ((r = store_lock_get(ctx->store, u.id, &l)) != 0 ||
	    (r = login_succeed(ctx, &u, a, p.factor, p.label, now, &l,
	    reply)) != 0)
		goto out;
	if ((f = login_fields(a, "success", "confirmed")) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_str(f, "factor", p.label)) != 0 ||
	    (r = proto_set_int(f, "login", p.id)) != 0 ||
	    (r = proto_set_str(f, "role", role_name(u.role))) != 0 ||
	    (r = audit_record(ctx, peer, LOG_INFO, "auth", u.name, f)) != 0)
		goto out;
	*verdict = VERDICT_OK;
 out:
	json_object_put(f);
	kagi_free_secret(id, idlen);
	kagi_wipe(hash, sizeof(hash));
	kagi_wipe_obj(&p);
	return r;
}

/* --- provisional successes nobody confirmed ----------------------------- */

#define SWEEP_BATCH 64

struct sweep {
	struct pending_rec p[SWEEP_BATCH];
	size_t n;
};

static int
sweep_cb(const struct pending_rec *p, void *arg)
{
	struct sweep *s = arg;

	s->p[s->n++] = *p;
	return s->n == SWEEP_BATCH ? 1 : 0;
}

int
login_confirm_expire(struct kagid_ctx *ctx, int64_t now, size_t *n)
{
	static struct sweep s;		/* kagid is single-threaded */
	size_t i;
	int r;

	*n = 0;
	memset(&s, 0, sizeof(s));
	if ((r = store_pending_expired(ctx->store, now, sweep_cb, &s)) != 0)
		goto out;
	for (i = 0; i < s.n; i++)
		if ((r = store_pending_delete(ctx->store, s.p[i].id)) != 0 ||
		    (r = unconfirmed(ctx, NULL, &s.p[i], "expired")) != 0)
			goto out;
	*n = s.n;
 out:
	kagi_wipe_obj(&s);
	return r;
}

void
login_confirm_tick(struct kagid_ctx *ctx)
{
	int64_t now = kagi_now(), next = 0;
	size_t n = 0;
	int r;

	if (ctx->confirm_known && (ctx->confirm_next == 0 ||
	    ctx->confirm_next > now))
		return;
	if ((r = store_begin(ctx->store)) != 0) {
		kagi_error("cannot begin a transaction: %s", kagi_strerror(r));
		return;
	}
	if ((r = login_confirm_expire(ctx, now, &n)) != 0 ||
	    (r = store_pending_next(ctx->store, &next)) != 0 ||
	    (r = store_commit(ctx->store)) != 0) {
		store_rollback(ctx->store);
		ctx_log_discard(ctx, 0);
		kagi_error("unconfirmed log-ins not recorded: %s",
		    kagi_strerror(r));
		/* Tried again in a second, not spun on. */
		ctx->confirm_known = 1;
		ctx->confirm_next = now + 1;
		return;
	}
	ctx_log_flush(ctx);
	/* A full batch: the rest at the next tick. */
	ctx->confirm_known = n < SWEEP_BATCH;
	ctx->confirm_next = next;
}
