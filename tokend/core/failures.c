/*
 * failures.c - what a failed log-in counts toward (failures.h).
 *
 * Counters kept beside a lock record carry the start of the interval
 * they were counted in; one read in another interval reads as zero, so no
 * counter needs resetting when an interval ends.  A user's records are
 * the account's lock (locks), its remote lock (remote_locks) and its
 * counters (fail_keys); an unknown name's are the same in the bounded
 * unknown_* tables.  The two go through the same steps below, so that
 * neither the time taken nor what follows tells them apart.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "failures.h"
#include "store_policy.h"
#include "store_session.h"

const struct lockout_policy *
failures_policy(const struct kagid_ctx *ctx, int role)
{
	if (role == ROLE_PRIVILEGED || role == ROLE_VENDOR)
		return &ctx->lockout_role[role];
	return &ctx->lockout_role[ROLE_STAFF];
}

int
failures_remote(const char *rhost)
{
	return rhost != NULL && rhost[0] != '\0';
}

/* --- who's records ----------------------------------------------------- */

static int
rec_get(struct store *s, const struct fail_subject *w, int remote,
    struct lock_rec *l)
{
	if (w->user_id > 0)
		return remote ? store_rlock_get(s, w->user_id, l) :
		    store_lock_get(s, w->user_id, l);
	return store_unknown_lock_get(s, w->name, remote, l);
}

static int
rec_put(struct store *s, const struct fail_subject *w, int remote,
    const struct lock_rec *l)
{
	if (w->user_id > 0)
		return remote ? store_rlock_put(s, w->user_id, l) :
		    store_lock_put(s, w->user_id, l);
	return store_unknown_lock_put(s, w->name, remote, l, w->max);
}

/* A counter beside the lock record, read in the interval win. */
static int
counter_read(struct store *s, const struct fail_subject *w, const char *key,
    int64_t win, int64_t *n)
{
	int64_t got = 0;
	int r;

	r = w->user_id > 0 ? store_failkey_get(s, w->user_id, key, &got, n) :
	    store_unknown_key_get(s, w->name, key, &got, n);
	if (r != 0)
		return r;
	if (got != win)
		*n = 0;		/* from an earlier interval */
	return 0;
}

static int
counter_put(struct store *s, const struct fail_subject *w, const char *key,
    int64_t win, int64_t n)
{
	if (w->user_id > 0)
		return store_failkey_put(s, w->user_id, key, win, n);
	return store_unknown_key_put(s, w->name, key, win, n, w->max);
}

static void
factor_key(int remote, const char *factor, const char *service, char *out,
    size_t len)
{
	snprintf(out, len, "%s:%s/%s", remote ? "rfs" : "fs", factor, service);
}

/* --- counting ------------------------------------------------------------ */

/*
 * A remote failure's address in the interval win: counted unless the
 * address has reached cap, a new address adding one to the interval's
 * sources.
 */
static int
count_source(struct store *s, const struct fail_subject *w, const char *rhost,
    int64_t cap, int64_t win, struct failure_outcome *out)
{
	char key[STORE_FAILKEY_MAX + 1];
	int64_t n = 0, srcs = 0;
	int r;

	snprintf(key, sizeof(key), "src:%s", rhost);
	if ((r = counter_read(s, w, key, win, &n)) != 0 ||
	    (r = counter_read(s, w, "srcs", win, &srcs)) != 0)
		return r;
	if (n >= cap)
		out->counted = 0;
	else if ((r = counter_put(s, w, key, win, n + 1)) != 0)
		return r;
	if (out->counted && n == 0 &&
	    (r = counter_put(s, w, "srcs", win, ++srcs)) != 0)
		return r;
	out->sources = srcs > 0 ? srcs : 1;
	return 0;
}

int
failures_count(struct store *s, const struct lockout_policy *p,
    const struct fail_subject *who, const char *rhost, const char *factor,
    const char *service, int64_t now, struct failure_outcome *out)
{
	char key[STORE_FAILKEY_MAX + 1];
	struct lock_rec l;
	int64_t win, n = 0;
	int r, locked;

	memset(out, 0, sizeof(*out));
	out->counted = 1;
	out->sources = 1;
	out->remote = failures_remote(rhost);
	if ((r = rec_get(s, who, out->remote, &l)) != 0 ||
	    (who->user_id > 0 &&
	    (r = store_login_failure(s, who->user_id)) != 0))
		return r;
	win = lockout_window_start(&l, p, now);
	locked = lockout_is_locked(&l, now);
	if (!locked && out->remote &&
	    (r = count_source(s, who, rhost, p->max_failures > 1 ?
	    p->max_failures - 1 : 1, win, out)) != 0)
		return r;
	out->lock = l;
	if (!out->counted)
		return 0;
	if (!locked) {
		factor_key(out->remote, factor, service, key, sizeof(key));
		if ((r = counter_read(s, who, key, win, &n)) != 0 ||
		    (r = counter_put(s, who, key, win, n + 1)) != 0)
			return r;
	}
	if ((locked = lockout_record_failure(&l, p, now)) < 0)
		return locked;
	if ((r = rec_put(s, who, out->remote, &l)) != 0)
		return r;
	out->locked = locked;
	out->lock = l;
	return 0;
}

/* The account's lock, then (remote set) the remote one. */
static int
locked_in(struct store *s, const struct fail_subject *who, int remote,
    int64_t now, struct lock_rec *l, int *locked)
{
	struct lock_rec rl;
	int r;

	*locked = 0;
	if ((r = rec_get(s, who, 0, l)) != 0)
		return r;
	if (lockout_is_locked(l, now)) {
		*locked = FAIL_LOCKED;
		return 0;
	}
	if (!remote)
		return 0;
	if ((r = rec_get(s, who, 1, &rl)) != 0)
		return r;
	if (lockout_is_locked(&rl, now))
		*locked = FAIL_LOCKED_REMOTE;
	return 0;
}

int
failures_locked(struct store *s, const struct fail_subject *who,
    const char *rhost, int64_t now, struct lock_rec *l, int *locked)
{
	return locked_in(s, who, failures_remote(rhost), now, l, locked);
}

int
failures_any_locked(struct store *s, int64_t user_id, int64_t now,
    struct lock_rec *l, int *locked)
{
	const struct fail_subject who = { user_id, NULL, 0 };

	return locked_in(s, &who, 1, now, l, locked);
}

/* --- a success, an unlock ------------------------------------------------- */

/* Forgive factor's and service's failures in one class's record l. */
static int
forgive_one(struct store *s, const struct fail_subject *w, int remote,
    const char *factor, const char *service, struct lock_rec *l)
{
	char key[STORE_FAILKEY_MAX + 1];
	int64_t n = 0;
	int r;

	if (l->first_failure == 0) {
		lockout_forgive(l, 0);	/* the relock ends all the same */
		return 0;
	}
	factor_key(remote, factor, service, key, sizeof(key));
	if ((r = counter_read(s, w, key, l->first_failure, &n)) != 0)
		return r;
	lockout_forgive(l, n);
	if (n == 0)
		return 0;
	return counter_put(s, w, key, l->first_failure, 0);
}

int
failures_forgive(struct store *s, int64_t user_id, const char *factor,
    const char *service, struct lock_rec *l)
{
	const struct fail_subject who = { user_id, NULL, 0 };
	struct lock_rec rl, before;
	int r;

	if ((r = forgive_one(s, &who, 0, factor, service, l)) != 0 ||
	    (r = store_rlock_get(s, user_id, &rl)) != 0)
		return r;
	before = rl;
	if ((r = forgive_one(s, &who, 1, factor, service, &rl)) != 0 ||
	    memcmp(&before, &rl, sizeof(rl)) == 0)
		return r;
	return store_rlock_put(s, user_id, &rl);
}

int
failures_unlock(struct store *s, int64_t user_id)
{
	struct lock_rec l;
	int r;

	if ((r = store_lock_get(s, user_id, &l)) != 0)
		return r;
	lockout_unlock(&l);
	if ((r = store_lock_put(s, user_id, &l)) != 0 ||
	    (r = store_rlock_get(s, user_id, &l)) != 0)
		return r;
	lockout_unlock(&l);
	return store_rlock_put(s, user_id, &l);
}
