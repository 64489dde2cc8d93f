/*
 * store_sqlite_policy.c - store_policy.h on the statement layer
 * (store_int.h): roles,
 * vendor records, failure counters by key and address throttles, remote
 * lock records, unknown names' failures, deadlines moved after a clock
 * step.
 *
 * Most statements are prepared per call (they run a few times per log-in
 * at most); those of a failed log-in's counters, a user's or an unknown
 * name's, are kept prepared (ST_FAILKEY_*, ST_UNKNOWN_*), so that the two
 * take the same time.  The tables come from the schema's second and
 * eighth migrations.
 * Guarantees as in store_sqlite_data.c: arguments checked first, a row
 * that breaks an invariant (a string too long, a negative count) is
 * KAGI_ERR_STORE, an update that matches nothing KAGI_ERR_NOT_FOUND.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "kagi_err.h"
#include "store_policy.h"
#include "store_int.h"

int
store_user_set_role(struct store *s, int64_t id, int role)
{
	struct db_stmt *st = NULL;
	int r;

	if (role < ROLE_STAFF || role > ROLE_VENDOR)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "UPDATE users SET role = ?1 WHERE id = ?2",
	    &st)) != 0 ||
	    (r = db_bind_int(st, 1, role)) != 0 ||
	    (r = db_bind_int(st, 2, id)) != 0)
		goto out;
	r = db_step_one_change(st);
out:
	db_done(st);
	return r;
}

int
store_vendor_put(struct store *s, const struct vendor_rec *v)
{
	struct db_stmt *st = NULL;
	int r;

	if (v == NULL || !db_str_ok(v->approver, STORE_NAME_MAX) ||
	    !db_str_ok(v->company, STORE_COMPANY_MAX) ||
	    !db_str_ok(v->windows, STORE_WINDOWS_MAX) ||
	    !db_str_ok(v->sources, STORE_SOURCES_MAX) ||
	    !db_str_ok(v->worker, STORE_PERMIT_MAX) ||
	    !db_str_ok(v->place, STORE_PERMIT_MAX) ||
	    !db_str_ok(v->work, STORE_PERMIT_MAX) || v->expires < 0)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "INSERT INTO vendors (user_id, approver, company, "
	    "expires, windows, sources, worker, place, work) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (user_id) DO "
	    "UPDATE SET approver = excluded.approver, "
	    "company = excluded.company, expires = excluded.expires, "
	    "windows = excluded.windows, sources = excluded.sources, "
	    "worker = excluded.worker, place = excluded.place, "
	    "work = excluded.work", &st)) != 0 ||
	    (r = db_bind_int(st, 1, v->user_id)) != 0 ||
	    (r = db_bind_text(st, 2, v->approver)) != 0 ||
	    (r = db_bind_text(st, 3, v->company)) != 0 ||
	    (r = db_bind_int(st, 4, v->expires)) != 0 ||
	    (r = db_bind_text(st, 5, v->windows)) != 0 ||
	    (r = db_bind_text(st, 6, v->sources)) != 0 ||
	    (r = db_bind_text(st, 7, v->worker)) != 0 ||
	    (r = db_bind_text(st, 8, v->place)) != 0 ||
	    (r = db_bind_text(st, 9, v->work)) != 0)
		goto out;
	r = db_step_done(st);
out:
	db_done(st);
	return r;
}

int
store_vendor_get(struct store *s, int64_t user_id, struct vendor_rec *v)
{
	struct db_stmt *st = NULL;
	int r;

	memset(v, 0, sizeof(*v));
	if ((r = db_prep(s, "SELECT approver, company, expires, windows, sources, "
	    "worker, place, work FROM vendors WHERE user_id = ?1", &st)) != 0 ||
	    (r = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE) {
		r = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (r != DB_ROW)
		goto out;
	v->user_id = user_id;
	v->expires = db_col_int(st, 2);
	if ((r = db_col_str(st, 0, v->approver, STORE_NAME_MAX)) != 0 ||
	    (r = db_col_str(st, 1, v->company, STORE_COMPANY_MAX)) != 0 ||
	    (r = db_col_str(st, 3, v->windows, STORE_WINDOWS_MAX)) != 0 ||
	    (r = db_col_str(st, 4, v->sources, STORE_SOURCES_MAX)) != 0 ||
	    (r = db_col_str(st, 5, v->worker, STORE_PERMIT_MAX)) != 0 ||
	    (r = db_col_str(st, 6, v->place, STORE_PERMIT_MAX)) != 0 ||
	    (r = db_col_str(st, 7, v->work, STORE_PERMIT_MAX)) != 0)
		goto out;
out:
	if (r != 0)
		memset(v, 0, sizeof(*v));
	db_done(st);
	return r;
}

/* Step a counter's SELECT (win_start, failures); no row reads as 0, 0. */
static int
key_select(struct db_stmt *st, int64_t *win, int64_t *failures)
{
	int r = db_step(st);

	if (r != DB_ROW)
		return r;
	*win = db_col_int(st, 0);
	*failures = db_col_int(st, 1);
	if (*failures < 0) {
		*win = *failures = 0;
		return KAGI_ERR_STORE;
	}
	return 0;
}

int
store_failkey_get(struct store *s, int64_t user_id, const char *key,
    int64_t *win, int64_t *failures)
{
	struct db_stmt *st = NULL;
	int r;

	*win = 0;
	*failures = 0;
	if (!db_str_ok(key, STORE_FAILKEY_MAX))
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_FAILKEY_GET, &st)) != 0 ||
	    (r = db_bind_int(st, 1, user_id)) != 0 ||
	    (r = db_bind_text(st, 2, key)) != 0)
		goto out;
	r = key_select(st, win, failures);
out:
	db_done(st);
	return r;
}

int
store_failkey_put(struct store *s, int64_t user_id, const char *key,
    int64_t win, int64_t failures)
{
	struct db_stmt *st = NULL;
	int r;

	if (!db_str_ok(key, STORE_FAILKEY_MAX) || failures < 0)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_FAILKEY_PUT, &st)) != 0 ||
	    (r = db_bind_int(st, 1, user_id)) != 0 ||
	    (r = db_bind_text(st, 2, key)) != 0 ||
	    (r = db_bind_int(st, 3, win)) != 0 ||
	    (r = db_bind_int(st, 4, failures)) != 0)
		goto out;
	r = db_step_done(st);
out:
	db_done(st);
	return r;
}

int
store_throttle_get(struct store *s, const char *addr, struct throttle_rec *t)
{
	struct db_stmt *st = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	if (!db_str_ok(addr, STORE_ADDR_MAX))
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT failures, first, until FROM throttle "
	    "WHERE addr = ?1", &st)) != 0 ||
	    (r = db_bind_text(st, 1, addr)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_ROW) {
		r = 0;
		t->failures = db_col_int(st, 0);
		t->first = db_col_int(st, 1);
		t->until = db_col_int(st, 2);
		if (t->failures < 0) {
			memset(t, 0, sizeof(*t));
			r = KAGI_ERR_STORE;
		}
	}
out:
	db_done(st);
	return r;
}

int
store_throttle_put(struct store *s, const char *addr,
    const struct throttle_rec *t)
{
	struct db_stmt *st = NULL;
	int r;

	if (!db_str_ok(addr, STORE_ADDR_MAX) || t == NULL || t->failures < 0)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "INSERT INTO throttle (addr, failures, first, until) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (addr) DO UPDATE SET "
	    "failures = excluded.failures, first = excluded.first, "
	    "until = excluded.until", &st)) != 0 ||
	    (r = db_bind_text(st, 1, addr)) != 0 ||
	    (r = db_bind_int(st, 2, t->failures)) != 0 ||
	    (r = db_bind_int(st, 3, t->first)) != 0 ||
	    (r = db_bind_int(st, 4, t->until)) != 0)
		goto out;
	r = db_step_done(st);
out:
	db_done(st);
	return r;
}

/* --- lock records kept by other keys than the account's ------------------ */

/* The row's columns failures, first_failure, locked_until, lock_count,
 * relock from col on, checked. */
static int
lock_from_row(struct db_stmt *st, int col, struct lock_rec *l)
{
	l->failures = db_col_int(st, col);
	l->first_failure = db_col_int(st, col + 1);
	l->locked_until = db_col_int(st, col + 2);
	l->lock_count = db_col_int(st, col + 3);
	l->relock = db_col_int(st, col + 4);
	if (l->failures < 0 || l->first_failure < 0 || l->locked_until < 0 ||
	    l->lock_count < 0 || l->relock < 0) {
		memset(l, 0, sizeof(*l));
		return KAGI_ERR_STORE;
	}
	return 0;
}

static int
lock_ok(const struct lock_rec *l)
{
	return l != NULL && l->failures >= 0 && l->first_failure >= 0 &&
	    l->locked_until >= 0 && l->lock_count >= 0 && l->relock >= 0;
}

/* Bind l's five fields from parameter i on. */
static int
bind_lock(struct db_stmt *st, int i, const struct lock_rec *l)
{
	int r;

	if ((r = db_bind_int(st, i, l->failures)) != 0 ||
	    (r = db_bind_int(st, i + 1, l->first_failure)) != 0 ||
	    (r = db_bind_int(st, i + 2, l->locked_until)) != 0 ||
	    (r = db_bind_int(st, i + 3, l->lock_count)) != 0)
		return r;
	return db_bind_int(st, i + 4, l->relock);
}

/* Step a one-row SELECT of a lock record; no row reads as all zero. */
static int
lock_select(struct db_stmt *st, struct lock_rec *l)
{
	int r = db_step(st);

	if (r == DB_ROW)
		return lock_from_row(st, 0, l);
	return r;
}

int
store_rlock_get(struct store *s, int64_t user_id, struct lock_rec *l)
{
	struct db_stmt *st = NULL;
	int r;

	memset(l, 0, sizeof(*l));
	if ((r = db_prep(s, "SELECT failures, first_failure, locked_until, "
	    "lock_count, relock FROM remote_locks WHERE user_id = ?1",
	    &st)) != 0 ||
	    (r = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	r = lock_select(st, l);
out:
	db_done(st);
	return r;
}

int
store_rlock_put(struct store *s, int64_t user_id, const struct lock_rec *l)
{
	struct db_stmt *st = NULL;
	int r;

	if (!lock_ok(l))
		return KAGI_ERR_INVALID;
	/* A missing user fails the foreign key: KAGI_ERR_NOT_FOUND. */
	if ((r = db_prep(s, "INSERT INTO remote_locks (user_id, failures, "
	    "first_failure, locked_until, lock_count, relock) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (user_id) DO UPDATE "
	    "SET failures = excluded.failures, "
	    "first_failure = excluded.first_failure, "
	    "locked_until = excluded.locked_until, "
	    "lock_count = excluded.lock_count, relock = excluded.relock", &st)) != 0 ||
	    (r = db_bind_int(st, 1, user_id)) != 0 ||
	    (r = bind_lock(st, 2, l)) != 0)
		goto out;
	r = db_step_done(st);
out:
	db_done(st);
	return r;
}

/* --- unknown names ---------------------------------------------------------- */

/*
 * Step the bound put statement *st (taken; released, *st NULL), then keep
 * its table at max rows with the trim statement trim (ST_UNKNOWN_*_TRIM).
 */
static int
unknown_put_trim(struct store *s, struct db_stmt **st, enum stmt_id trim,
    int64_t max)
{
	struct db_stmt *t = NULL;
	int r;

	r = db_step_done(*st);
	db_done(*st);
	*st = NULL;
	if (r != 0 ||
	    (r = db_take(s, trim, &t)) != 0 ||
	    (r = db_bind_int(t, 1, max)) != 0)
		goto out;
	r = db_step_done(t);
out:
	db_done(t);
	return r;
}

int
store_unknown_lock_get(struct store *s, const char *name, int remote,
    struct lock_rec *l)
{
	struct db_stmt *st = NULL;
	int r;

	memset(l, 0, sizeof(*l));
	if (!db_str_ok(name, STORE_NAME_MAX))
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_UNKNOWN_LOCK_GET, &st)) != 0 ||
	    (r = db_bind_text(st, 1, name)) != 0 ||
	    (r = db_bind_int(st, 2, remote != 0)) != 0)
		goto out;
	r = lock_select(st, l);
out:
	db_done(st);
	return r;
}

int
store_unknown_lock_put(struct store *s, const char *name, int remote,
    const struct lock_rec *l, int64_t max)
{
	struct db_stmt *st = NULL;
	int r;

	if (!db_str_ok(name, STORE_NAME_MAX) || !lock_ok(l) || max < 1)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_UNKNOWN_LOCK_PUT, &st)) != 0 ||
	    (r = db_bind_text(st, 1, name)) != 0 ||
	    (r = db_bind_int(st, 2, remote != 0)) != 0 ||
	    (r = bind_lock(st, 3, l)) != 0)
		goto out;
	r = unknown_put_trim(s, &st, ST_UNKNOWN_LOCK_TRIM, max);
out:
	db_done(st);
	return r;
}

int
store_unknown_key_get(struct store *s, const char *name, const char *key,
    int64_t *win, int64_t *failures)
{
	struct db_stmt *st = NULL;
	int r;

	*win = 0;
	*failures = 0;
	if (!db_str_ok(name, STORE_NAME_MAX) ||
	    !db_str_ok(key, STORE_FAILKEY_MAX))
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_UNKNOWN_KEY_GET, &st)) != 0 ||
	    (r = db_bind_text(st, 1, name)) != 0 ||
	    (r = db_bind_text(st, 2, key)) != 0)
		goto out;
	r = key_select(st, win, failures);
out:
	db_done(st);
	return r;
}

int
store_unknown_key_put(struct store *s, const char *name, const char *key,
    int64_t win, int64_t failures, int64_t max)
{
	struct db_stmt *st = NULL;
	int r;

	if (!db_str_ok(name, STORE_NAME_MAX) ||
	    !db_str_ok(key, STORE_FAILKEY_MAX) || failures < 0 || max < 1)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_UNKNOWN_KEY_PUT, &st)) != 0 ||
	    (r = db_bind_text(st, 1, name)) != 0 ||
	    (r = db_bind_text(st, 2, key)) != 0 ||
	    (r = db_bind_int(st, 3, win)) != 0 ||
	    (r = db_bind_int(st, 4, failures)) != 0)
		goto out;
	r = unknown_put_trim(s, &st, ST_UNKNOWN_KEY_TRIM, max);
out:
	db_done(st);
	return r;
}

int
store_unknown_count(struct store *s, int64_t *locks, int64_t *keys)
{
	struct db_stmt *st = NULL;
	int r;

	*locks = *keys = 0;
	if ((r = db_prep(s, "SELECT (SELECT count(*) FROM unknown_locks), "
	    "(SELECT count(*) FROM unknown_keys)", &st)) != 0)
		goto out;
	if ((r = db_step_row(st)) != 0)
		goto out;
	*locks = db_col_int(st, 0);
	*keys = db_col_int(st, 1);
out:
	db_done(st);
	return r;
}

/* --- a clock step ------------------------------------------------------------- */

/*
 * ?1 seconds later; ?2 the last value that may move without reaching
 * LOCK_UNTIL_ADMIN.  0 stays 0 (none), larger values stay (an
 * administrator's lock, or one as late as can be written).
 */
#define SHIFT(col) col " = CASE WHEN " col " > 0 AND " col " <= ?2 THEN " \
	col " + ?1 ELSE " col " END"
#define MOVES(col) "(" col " > 0 AND " col " <= ?2)"

static const char *const shift_sql[] = {
	"UPDATE locks SET " SHIFT("first_failure") ", " SHIFT("locked_until")
	    " WHERE " MOVES("first_failure") " OR " MOVES("locked_until"),
	"UPDATE remote_locks SET " SHIFT("first_failure") ", "
	    SHIFT("locked_until") " WHERE " MOVES("first_failure") " OR "
	    MOVES("locked_until"),
	"UPDATE unknown_locks SET " SHIFT("first_failure") ", "
	    SHIFT("locked_until") " WHERE " MOVES("first_failure") " OR "
	    MOVES("locked_until"),
	"UPDATE fail_keys SET " SHIFT("win_start") " WHERE "
	    MOVES("win_start"),
	"UPDATE unknown_keys SET " SHIFT("win_start") " WHERE "
	    MOVES("win_start"),
	"UPDATE throttle SET " SHIFT("first") ", " SHIFT("until") " WHERE "
	    MOVES("first") " OR " MOVES("until"),
};

int
store_deadlines_shift(struct store *s, int64_t secs, int64_t *rows)
{
	struct db_stmt *st = NULL;
	size_t i;
	int r = 0;

	*rows = 0;
	if (secs <= 0 || secs >= LOCK_UNTIL_ADMIN / 2)
		return KAGI_ERR_INVALID;
	for (i = 0; i < sizeof(shift_sql) / sizeof(shift_sql[0]); i++) {
		if ((r = db_prep(s, shift_sql[i], &st)) != 0 ||
		    (r = db_bind_int(st, 1, secs)) != 0 ||
		    (r = db_bind_int(st, 2,
		    LOCK_UNTIL_ADMIN - 1 - secs)) != 0 ||
		    (r = db_step_done(st)) != 0)
			break;
		*rows += db_changes(st);
		db_done(st);
		st = NULL;
	}
	db_done(st);
	return r;
}
