/*
 * failures.c - what a failed log-in counts toward (failures.h).
 *
 * Counters kept beside the lock record carry the start of the interval
 * they were counted in; one read in another interval reads as zero, so no
 * counter needs resetting when an interval ends.
 */
#include "config.h"

#include <stdio.h>

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

/* A counter beside the lock record, read in the interval win. */
static int
counter_read(struct store *s, int64_t user_id, const char *key, int64_t win,
    int64_t *n)
{
	int64_t w = 0;
	int r;

	if ((r = store_failkey_get(s, user_id, key, &w, n)) != 0)
		return r;
	if (w != win)
		*n = 0;		/* from an earlier interval */
	return 0;
}

static void
factor_key(const char *factor, const char *service, char *out, size_t len)
{
	snprintf(out, len, "fs:%s/%s", factor, service);
}

int
failures_count(struct store *s, const struct lockout_policy *p,
    int64_t user_id, const char *rhost, const char *factor,
    const char *service, int64_t now, struct failure_outcome *out)
{
	char key[STORE_FAILKEY_MAX + 1];
	struct lock_rec l;
	int64_t win, n = 0, cap;
	int r, locked;

	out->counted = 1;
	out->locked = 0;
	if ((r = store_lock_get(s, user_id, &l)) != 0 ||
	    (r = store_login_failure(s, user_id)) != 0)
		return r;
	win = lockout_window_start(&l, p, now);
	locked = lockout_is_locked(&l, now);
	if (!locked && rhost != NULL) {
		cap = p->max_failures > 1 ? p->max_failures - 1 : 1;
		snprintf(key, sizeof(key), "src:%s", rhost);
		if ((r = counter_read(s, user_id, key, win, &n)) != 0)
			return r;
		if (n >= cap)
			out->counted = 0;
		else if ((r = store_failkey_put(s, user_id, key, win,
		    n + 1)) != 0)
			return r;
	}
	out->lock = l;
	if (!out->counted)
		return 0;
	if (!locked) {
		factor_key(factor, service, key, sizeof(key));
		if ((r = counter_read(s, user_id, key, win, &n)) != 0 ||
		    (r = store_failkey_put(s, user_id, key, win, n + 1)) != 0)
			return r;
	}
	if ((locked = lockout_record_failure(&l, p, now)) < 0)
		return locked;
	if ((r = store_lock_put(s, user_id, &l)) != 0)
		return r;
	out->locked = locked;
	out->lock = l;
	return 0;
}

int
failures_forgive(struct store *s, int64_t user_id, const char *factor,
    const char *service, struct lock_rec *l)
{
	char key[STORE_FAILKEY_MAX + 1];
	int64_t n = 0;
	int r;

	if (l->first_failure == 0)
		return 0;
	factor_key(factor, service, key, sizeof(key));
	if ((r = counter_read(s, user_id, key, l->first_failure, &n)) != 0)
		return r;
	if (n == 0)
		return 0;
	lockout_forgive(l, n);
	return store_failkey_put(s, user_id, key, l->first_failure, 0);
}
