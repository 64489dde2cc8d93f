/*
 * store_sqlite_report.c - the SQLite side of store_report.h: role
 * grants, failure and lockout counts by hour, the reports' last runs
 * (the schema's eighth migration).
 *
 * Statements are prepared per call.  Guarantees as in
 * store_sqlite_policy.c: arguments checked first, a row that breaks an
 * invariant (a string too long or with a NUL) is KAGI_ERR_STORE.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "kagi_err.h"
#include "store_report.h"
#include "store_sqlite_int.h"

#define HOUR 3600

int
store_grant_put(struct store *s, const struct grant_rec *g)
{
	sqlite3_stmt *st = NULL;
	int e;

	if (g == NULL || g->user_id < 1 || g->role < 0 ||
	    !sq_str_ok(g->granted_by, STORE_NAME_MAX) ||
	    !sq_str_ok(g->approved_by, STORE_NAME_MAX) || g->request_id < 0)
		return KAGI_ERR_INVALID;
	if ((e = sq_prep(s, "INSERT OR REPLACE INTO role_grants (user_id, "
	    "role, since, granted_by, approved_by, request_id) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6)", &st)) != 0 ||
	    (e = sq_bind_int(s, st, 1, g->user_id)) != 0 ||
	    (e = sq_bind_int(s, st, 2, g->role)) != 0 ||
	    (e = sq_bind_int(s, st, 3, g->since)) != 0 ||
	    (e = sq_bind_text(s, st, 4, g->granted_by)) != 0 ||
	    (e = sq_bind_text(s, st, 5, g->approved_by)) != 0 ||
	    (e = sq_bind_int(s, st, 6, g->request_id)) != 0)
		goto out;
	e = sq_step_done(s, st);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_grant_get(struct store *s, int64_t user_id, struct grant_rec *g)
{
	sqlite3_stmt *st = NULL;
	int e, rc;

	if (g == NULL)
		return KAGI_ERR_INVALID;
	memset(g, 0, sizeof(*g));
	if ((e = sq_prep(s, "SELECT role, since, granted_by, approved_by, "
	    "request_id FROM role_grants WHERE user_id = ?1", &st)) != 0 ||
	    (e = sq_bind_int(s, st, 1, user_id)) != 0)
		goto out;
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		e = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		e = sq_fail(s);
		goto out;
	}
	g->user_id = user_id;
	g->role = sqlite3_column_int(st, 0);
	g->since = sqlite3_column_int64(st, 1);
	g->request_id = sqlite3_column_int64(st, 4);
	e = sq_col_str(st, 2, g->granted_by, STORE_NAME_MAX);
	if (e == 0)
		e = sq_col_str(st, 3, g->approved_by, STORE_NAME_MAX);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_authstat_add(struct store *s, const char *user, const char *source,
    int64_t time, int64_t failures, int64_t lockouts, int64_t unconfirmed)
{
	sqlite3_stmt *st = NULL;
	int64_t hour = time >= 0 ? time / HOUR : (time - HOUR + 1) / HOUR;
	int e;

	if (!sq_str_ok(user, STORE_NAME_MAX) ||
	    !sq_str_ok(source, STORE_SOURCE_MAX) || failures < 0 ||
	    lockouts < 0 || unconfirmed < 0)
		return KAGI_ERR_INVALID;
	if ((e = sq_prep(s, "INSERT INTO auth_stats (user, source, hour, "
	    "failures, lockouts, first, last, unconfirmed) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?6, ?7) ON CONFLICT (user, source, hour) DO UPDATE SET "
	    "failures = failures + excluded.failures, "
	    "lockouts = lockouts + excluded.lockouts, "
	    "unconfirmed = unconfirmed + excluded.unconfirmed, "
	    "first = min(first, excluded.first), "
	    "last = max(last, excluded.last)", &st)) != 0 ||
	    (e = sq_bind_text(s, st, 1, user)) != 0 ||
	    (e = sq_bind_text(s, st, 2, source)) != 0 ||
	    (e = sq_bind_int(s, st, 3, hour)) != 0 ||
	    (e = sq_bind_int(s, st, 4, failures)) != 0 ||
	    (e = sq_bind_int(s, st, 5, lockouts)) != 0 ||
	    (e = sq_bind_int(s, st, 6, time)) != 0 ||
	    (e = sq_bind_int(s, st, 7, unconfirmed)) != 0)
		goto out;
	e = sq_step_done(s, st);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_authstat_list(struct store *s, int64_t since, store_authstat_cb cb,
    void *arg)
{
	struct authstat_rec a;
	sqlite3_stmt *st = NULL;
	int64_t hour = since >= 0 ? since / HOUR : (since - HOUR + 1) / HOUR;
	int e, rc;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((e = sq_prep(s, "SELECT user, source, sum(failures), "
	    "sum(lockouts), min(first), max(last), sum(unconfirmed) "
	    "FROM auth_stats "
	    "WHERE hour >= ?1 GROUP BY user, source ORDER BY user, source",
	    &st)) != 0 ||
	    (e = sq_bind_int(s, st, 1, hour)) != 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		if ((e = sq_col_str(st, 0, a.user, STORE_NAME_MAX)) != 0 ||
		    (e = sq_col_str(st, 1, a.source, STORE_SOURCE_MAX)) != 0)
			goto out;
		a.failures = sqlite3_column_int64(st, 2);
		a.lockouts = sqlite3_column_int64(st, 3);
		a.first = sqlite3_column_int64(st, 4);
		a.last = sqlite3_column_int64(st, 5);
		a.unconfirmed = sqlite3_column_int64(st, 6);
		if ((e = cb(&a, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		e = sq_fail(s);
out:
	sqlite3_finalize(st);
	return e < 0 ? e : 0;
}

int
store_authstat_prune(struct store *s, int64_t before)
{
	sqlite3_stmt *st = NULL;
	int e;

	if ((e = sq_prep(s, "DELETE FROM auth_stats WHERE (hour + 1) * 3600 "
	    "<= ?1", &st)) != 0 ||
	    (e = sq_bind_int(s, st, 1, before)) != 0)
		goto out;
	e = sq_step_done(s, st);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_report_run_put(struct store *s, const char *name, int64_t time,
    const char *actor)
{
	sqlite3_stmt *st = NULL;
	int e;

	if (!sq_str_ok(name, STORE_REPORT_NAME_MAX) || name[0] == '\0' ||
	    !sq_str_ok(actor, STORE_NAME_MAX))
		return KAGI_ERR_INVALID;
	if ((e = sq_prep(s, "INSERT OR REPLACE INTO report_runs (name, time, "
	    "actor) VALUES (?1, ?2, ?3)", &st)) != 0 ||
	    (e = sq_bind_text(s, st, 1, name)) != 0 ||
	    (e = sq_bind_int(s, st, 2, time)) != 0 ||
	    (e = sq_bind_text(s, st, 3, actor)) != 0)
		goto out;
	e = sq_step_done(s, st);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_report_run_get(struct store *s, const char *name, int64_t *time,
    char actor[STORE_NAME_MAX + 1])
{
	sqlite3_stmt *st = NULL;
	int e, rc;

	*time = 0;
	actor[0] = '\0';
	if (!sq_str_ok(name, STORE_REPORT_NAME_MAX))
		return KAGI_ERR_INVALID;
	if ((e = sq_prep(s, "SELECT time, actor FROM report_runs WHERE "
	    "name = ?1", &st)) != 0 ||
	    (e = sq_bind_text(s, st, 1, name)) != 0)
		goto out;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*time = sqlite3_column_int64(st, 0);
		e = sq_col_str(st, 1, actor, STORE_NAME_MAX);
	} else if (rc != SQLITE_DONE)
		e = sq_fail(s);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_token_revived(struct store *s, store_revived_cb cb, void *arg,
    int64_t *revoked)
{
	char user[STORE_NAME_MAX + 1];
	sqlite3_stmt *st = NULL;
	int e, rc;

	*revoked = 0;
	if ((e = sq_prep(s, "SELECT count(*) FROM tokens WHERE revoked != 0",
	    &st)) != 0)
		return e;
	if (sqlite3_step(st) == SQLITE_ROW)
		*revoked = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if ((e = sq_prep(s, "SELECT t.id, u.name FROM tokens t JOIN users u "
	    "ON u.id = t.user_id WHERE t.revoked != 0 AND t.state != 2 "
	    "ORDER BY t.id", &st)) != 0)
		return e;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((e = sq_col_str(st, 1, user, STORE_NAME_MAX)) != 0 ||
		    (e = cb(sqlite3_column_int64(st, 0), user, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		e = sq_fail(s);
out:
	sqlite3_finalize(st);
	return e < 0 ? e : 0;
}

/* The first column of a pragma's one row, as text, into out. */
static int
pragma_text(struct store *s, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int e;

	out[0] = '\0';
	if ((e = sq_prep(s, sql, &st)) != 0)
		return e;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0)) != NULL)
		snprintf(out, len, "%s", (const char *)t);
	sqlite3_finalize(st);
	return 0;
}

int
store_durability(struct store *s, int *wal, int *sync_full)
{
	char v[32];
	int e;

	if ((e = pragma_text(s, "PRAGMA journal_mode", v, sizeof(v))) != 0)
		return e;
	*wal = strcmp(v, "wal") == 0;
	if ((e = pragma_text(s, "PRAGMA synchronous", v, sizeof(v))) != 0)
		return e;
	*sync_full = strcmp(v, "2") == 0 || strcmp(v, "3") == 0;
	return 0;
}
