/*
 * store_sqlite_policy.c - the SQLite side of store_policy.h: roles,
 * vendor records, failure counters by key and address throttles.
 *
 * These statements are prepared per call (they run a few times per
 * log-in at most); the tables come from the schema's second migration.
 * Guarantees as in store_sqlite_data.c: arguments checked first, a row
 * that breaks an invariant (a string too long, a negative count) is
 * KAGI_ERR_STORE, an update that matches nothing KAGI_ERR_NOT_FOUND.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "kagi_err.h"
#include "store_policy.h"
#include "store_sqlite_int.h"

int
store_user_set_role(struct store *s, int64_t id, int role)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (role < ROLE_STAFF || role > ROLE_VENDOR)
		return KAGI_ERR_INVALID;
	if ((r = sq_prep(s, "UPDATE users SET role = ?1 WHERE id = ?2",
	    &st)) != 0 ||
	    (r = sq_bind_int(s, st, 1, role)) != 0 ||
	    (r = sq_bind_int(s, st, 2, id)) != 0)
		goto out;
	r = sq_step_one_change(s, st);
out:
	sqlite3_finalize(st);
	return r;
}

int
store_vendor_put(struct store *s, const struct vendor_rec *v)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (v == NULL || !sq_str_ok(v->approver, STORE_NAME_MAX) ||
	    !sq_str_ok(v->company, STORE_COMPANY_MAX) ||
	    !sq_str_ok(v->windows, STORE_WINDOWS_MAX) ||
	    !sq_str_ok(v->sources, STORE_SOURCES_MAX) ||
	    !sq_str_ok(v->worker, STORE_PERMIT_MAX) ||
	    !sq_str_ok(v->place, STORE_PERMIT_MAX) ||
	    !sq_str_ok(v->work, STORE_PERMIT_MAX) || v->expires < 0)
		return KAGI_ERR_INVALID;
	if ((r = sq_prep(s, "INSERT OR REPLACE INTO vendors (user_id, approver, "
	    "company, expires, windows, sources, worker, place, work) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st)) != 0 ||
	    (r = sq_bind_int(s, st, 1, v->user_id)) != 0 ||
	    (r = sq_bind_text(s, st, 2, v->approver)) != 0 ||
	    (r = sq_bind_text(s, st, 3, v->company)) != 0 ||
	    (r = sq_bind_int(s, st, 4, v->expires)) != 0 ||
	    (r = sq_bind_text(s, st, 5, v->windows)) != 0 ||
	    (r = sq_bind_text(s, st, 6, v->sources)) != 0 ||
	    (r = sq_bind_text(s, st, 7, v->worker)) != 0 ||
	    (r = sq_bind_text(s, st, 8, v->place)) != 0 ||
	    (r = sq_bind_text(s, st, 9, v->work)) != 0)
		goto out;
	r = sq_step_done(s, st);
out:
	sqlite3_finalize(st);
	return r;
}

int
store_vendor_get(struct store *s, int64_t user_id, struct vendor_rec *v)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	memset(v, 0, sizeof(*v));
	if ((r = sq_prep(s, "SELECT approver, company, expires, windows, sources, "
	    "worker, place, work FROM vendors WHERE user_id = ?1", &st)) != 0 ||
	    (r = sq_bind_int(s, st, 1, user_id)) != 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = sq_fail(s);
		goto out;
	}
	v->user_id = user_id;
	v->expires = sqlite3_column_int64(st, 2);
	if ((r = sq_col_str(st, 0, v->approver, STORE_NAME_MAX)) != 0 ||
	    (r = sq_col_str(st, 1, v->company, STORE_COMPANY_MAX)) != 0 ||
	    (r = sq_col_str(st, 3, v->windows, STORE_WINDOWS_MAX)) != 0 ||
	    (r = sq_col_str(st, 4, v->sources, STORE_SOURCES_MAX)) != 0 ||
	    (r = sq_col_str(st, 5, v->worker, STORE_PERMIT_MAX)) != 0 ||
	    (r = sq_col_str(st, 6, v->place, STORE_PERMIT_MAX)) != 0 ||
	    (r = sq_col_str(st, 7, v->work, STORE_PERMIT_MAX)) != 0)
		goto out;
out:
	if (r != 0)
		memset(v, 0, sizeof(*v));
	sqlite3_finalize(st);
	return r;
}

int
store_failkey_get(struct store *s, int64_t user_id, const char *key,
    int64_t *win, int64_t *failures)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	*win = 0;
	*failures = 0;
	if (!sq_str_ok(key, STORE_FAILKEY_MAX))
		return KAGI_ERR_INVALID;
	if ((r = sq_prep(s, "SELECT win_start, failures FROM fail_keys "
	    "WHERE user_id = ?1 AND key = ?2", &st)) != 0 ||
	    (r = sq_bind_int(s, st, 1, user_id)) != 0 ||
	    (r = sq_bind_text(s, st, 2, key)) != 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*win = sqlite3_column_int64(st, 0);
		*failures = sqlite3_column_int64(st, 1);
		if (*failures < 0) {
			*win = *failures = 0;
			r = KAGI_ERR_STORE;
		}
	} else if (rc != SQLITE_DONE)
		r = sq_fail(s);
out:
	sqlite3_finalize(st);
	return r;
}

int
store_failkey_put(struct store *s, int64_t user_id, const char *key,
    int64_t win, int64_t failures)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!sq_str_ok(key, STORE_FAILKEY_MAX) || failures < 0)
		return KAGI_ERR_INVALID;
	if ((r = sq_prep(s, "INSERT OR REPLACE INTO fail_keys (user_id, key, "
	    "win_start, failures) VALUES (?1, ?2, ?3, ?4)", &st)) != 0 ||
	    (r = sq_bind_int(s, st, 1, user_id)) != 0 ||
	    (r = sq_bind_text(s, st, 2, key)) != 0 ||
	    (r = sq_bind_int(s, st, 3, win)) != 0 ||
	    (r = sq_bind_int(s, st, 4, failures)) != 0)
		goto out;
	r = sq_step_done(s, st);
out:
	sqlite3_finalize(st);
	return r;
}

int
store_throttle_get(struct store *s, const char *addr, struct throttle_rec *t)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	memset(t, 0, sizeof(*t));
	if (!sq_str_ok(addr, STORE_ADDR_MAX))
		return KAGI_ERR_INVALID;
	if ((r = sq_prep(s, "SELECT failures, first, until FROM throttle "
	    "WHERE addr = ?1", &st)) != 0 ||
	    (r = sq_bind_text(s, st, 1, addr)) != 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->failures = sqlite3_column_int64(st, 0);
		t->first = sqlite3_column_int64(st, 1);
		t->until = sqlite3_column_int64(st, 2);
		if (t->failures < 0) {
			memset(t, 0, sizeof(*t));
			r = KAGI_ERR_STORE;
		}
	} else if (rc != SQLITE_DONE)
		r = sq_fail(s);
out:
	sqlite3_finalize(st);
	return r;
}

int
store_throttle_put(struct store *s, const char *addr,
    const struct throttle_rec *t)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!sq_str_ok(addr, STORE_ADDR_MAX) || t == NULL || t->failures < 0)
		return KAGI_ERR_INVALID;
	if ((r = sq_prep(s, "INSERT OR REPLACE INTO throttle (addr, failures, "
	    "first, until) VALUES (?1, ?2, ?3, ?4)", &st)) != 0 ||
	    (r = sq_bind_text(s, st, 1, addr)) != 0 ||
	    (r = sq_bind_int(s, st, 2, t->failures)) != 0 ||
	    (r = sq_bind_int(s, st, 3, t->first)) != 0 ||
	    (r = sq_bind_int(s, st, 4, t->until)) != 0)
		goto out;
	r = sq_step_done(s, st);
out:
	sqlite3_finalize(st);
	return r;
}
