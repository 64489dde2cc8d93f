/*
 * store_policy.h - the store's policy state: roles, vendor records,
 * failure counters by key and per-address throttles, remote lock records,
 * unknown names' failures, and moving deadlines after a clock step
 * (R-MFA-5, R-PRIV-5, R-REM-1, R-REM-3, R-LOG-4).  Same rules as store.h: SQL only in the backend,
 * writes inside the caller's transaction, arguments checked before any
 * SQL runs (KAGI_ERR_INVALID), a missing user KAGI_ERR_NOT_FOUND.
 */
#ifndef KAGI_STORE_POLICY_H
#define KAGI_STORE_POLICY_H

#include <stdint.h>

#include "store.h"

#define STORE_COMPANY_MAX 128
#define STORE_WINDOWS_MAX 256
#define STORE_SOURCES_MAX 512
#define STORE_FAILKEY_MAX 192
#define STORE_ADDR_MAX 128
#define STORE_PERMIT_MAX 128	/* a permit's worker, place, work */

/* A vendor account's terms (R-REM-1): one per vendor user. */
struct vendor_rec {
	int64_t user_id;
	char approver[STORE_NAME_MAX + 1];	/* who approved it */
	char company[STORE_COMPANY_MAX + 1];
	int64_t expires;			/* first second no longer valid */
	char windows[STORE_WINDOWS_MAX + 1];	/* policy_windows_parse() text */
	char sources[STORE_SOURCES_MAX + 1];	/* policy_cidrs_parse() text */
	/* Who works, from where, on what (R-REM-5); "" in permits made
	 * before they were asked for. */
	char worker[STORE_PERMIT_MAX + 1];
	char place[STORE_PERMIT_MAX + 1];
	char work[STORE_PERMIT_MAX + 1];
};

int store_user_set_role(struct store *s, int64_t id, int role);

/* Insert or replace the vendor record of v->user_id. */
int store_vendor_put(struct store *s, const struct vendor_rec *v);
/* KAGI_ERR_NOT_FOUND when the user has no vendor record. */
int store_vendor_get(struct store *s, int64_t user_id, struct vendor_rec *v);

/*
 * A user's failures under a key ("fs:FACTOR/SERVICE", "src:ADDRESS")
 * counted in the lockout interval that started at win; both read 0 when
 * there is no such counter.
 */
int store_failkey_get(struct store *s, int64_t user_id, const char *key,
    int64_t *win, int64_t *failures);
int store_failkey_put(struct store *s, int64_t user_id, const char *key,
    int64_t win, int64_t failures);

/* A source address's failures (all users) and its throttle. */
struct throttle_rec {
	int64_t failures;	/* in the interval that started at first */
	int64_t first;		/* 0 = none */
	int64_t until;		/* throttled before this time; 0 = not */
};
int store_throttle_get(struct store *s, const char *addr,
    struct throttle_rec *t);
int store_throttle_put(struct store *s, const char *addr,
    const struct throttle_rec *t);

/*
 * The lock record of a user's remote log-ins (those with an address:
 * issue 13, failures.c), beside the account's own (store_lock_get());
 * a user without one reads as all zero.
 */
int store_rlock_get(struct store *s, int64_t user_id, struct lock_rec *l);
int store_rlock_put(struct store *s, int64_t user_id,
    const struct lock_rec *l);

/*
 * Names that are no user, counted as users are (failures.c): a lock
 * record per name and class (remote 0 or 1) and counters by key, as
 * fail_keys has them.  Each table holds at most max rows: a put drops
 * the rows written least recently beyond that, so that guessing names
 * cannot fill the store.  A name or key absent reads as all zero.
 */
int store_unknown_lock_get(struct store *s, const char *name, int remote,
    struct lock_rec *l);
int store_unknown_lock_put(struct store *s, const char *name, int remote,
    const struct lock_rec *l, int64_t max);
int store_unknown_key_get(struct store *s, const char *name,
    const char *key, int64_t *win, int64_t *failures);
int store_unknown_key_put(struct store *s, const char *name,
    const char *key, int64_t win, int64_t failures, int64_t max);
/* How many rows the two tables hold (for tests and reports). */
int store_unknown_count(struct store *s, int64_t *locks, int64_t *keys);

/*
 * The wall clock stepped secs (> 0) seconds forward while kagid ran:
 * move every lock, failure interval and throttle secs later (lock
 * records, remote and unknown ones, the counters' interval starts, the
 * throttles' starts and ends), so that what was left of each is left
 * still (clocksync.c).  Times of 0 (none) and locks until an
 * administrator unlocks are kept.  *rows: how many rows moved.
 */
int store_deadlines_shift(struct store *s, int64_t secs, int64_t *rows);

#endif
