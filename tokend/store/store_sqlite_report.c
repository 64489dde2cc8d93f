/*
 * store_sqlite_report.c - store_report.h: role grants, failure and
 * lockout counts by hour, the reports' last runs (the schema's twelfth
 * migration), on the statement layer (store_int.h).
 *
 * Statements are prepared per call, in the SQL both engines read
 * (upserts with the target's columns named by table, CASE instead of
 * SQLite's two-argument min/max, sums cast to BIGINT); store_durability() alone asks the
 * engine about itself, in each engine's words.  Guarantees as in
 * store_sqlite_policy.c: arguments checked first, a row that breaks an
 * invariant (a string too long or with a NUL) is KAGI_ERR_STORE.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "kagi_err.h"
#include "store_report.h"
#include "store_int.h"

#define HOUR 3600

int
store_grant_put(struct store *s, const struct grant_rec *g)
{
	struct db_stmt *st = NULL;
	int e;

	if (g == NULL || g->user_id < 1 || g->role < 0 ||
	    !db_str_ok(g->granted_by, STORE_NAME_MAX) ||
	    !db_str_ok(g->approved_by, STORE_NAME_MAX) || g->request_id < 0)
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, "INSERT INTO role_grants (user_id, role, since, "
	    "granted_by, approved_by, request_id) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (user_id) DO UPDATE SET "
	    "role = excluded.role, since = excluded.since, "
	    "granted_by = excluded.granted_by, "
	    "approved_by = excluded.approved_by, "
	    "request_id = excluded.request_id", &st)) != 0 ||
	    (e = db_bind_int(st, 1, g->user_id)) != 0 ||
	    (e = db_bind_int(st, 2, g->role)) != 0 ||
	    (e = db_bind_int(st, 3, g->since)) != 0 ||
	    (e = db_bind_text(st, 4, g->granted_by)) != 0 ||
	    (e = db_bind_text(st, 5, g->approved_by)) != 0 ||
	    (e = db_bind_int(st, 6, g->request_id)) != 0)
		goto out;
	e = db_step_done(st);
out:
	db_done(st);
	return e;
}

int
store_grant_get(struct store *s, int64_t user_id, struct grant_rec *g)
{
	struct db_stmt *st = NULL;
	int e;

	if (g == NULL)
		return KAGI_ERR_INVALID;
	memset(g, 0, sizeof(*g));
	if ((e = db_prep(s, "SELECT role, since, granted_by, approved_by, "
	    "request_id FROM role_grants WHERE user_id = ?1", &st)) != 0 ||
	    (e = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	if ((e = db_step(st)) == DB_DONE) {
		e = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (e != DB_ROW)
		goto out;
	g->user_id = user_id;
	g->role = (int)db_col_int(st, 0);
	g->since = db_col_int(st, 1);
	g->request_id = db_col_int(st, 4);
	e = db_col_str(st, 2, g->granted_by, STORE_NAME_MAX);
	if (e == 0)
		e = db_col_str(st, 3, g->approved_by, STORE_NAME_MAX);
out:
	db_done(st);
	return e;
}

int
store_authstat_add(struct store *s, const char *user, const char *source,
    int64_t time, int64_t failures, int64_t lockouts, int64_t unconfirmed)
{
	struct db_stmt *st = NULL;
	int64_t hour = time >= 0 ? time / HOUR : (time - HOUR + 1) / HOUR;
	int e;

	if (!db_str_ok(user, STORE_NAME_MAX) ||
	    !db_str_ok(source, STORE_SOURCE_MAX) || failures < 0 ||
	    lockouts < 0 || unconfirmed < 0)
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, "INSERT INTO auth_stats (\"user\", source, hour, "
	    "failures, lockouts, first, last, unconfirmed) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?6, ?7) ON CONFLICT (\"user\", source, hour) DO "
	    "UPDATE SET failures = auth_stats.failures + excluded.failures, "
	    "lockouts = auth_stats.lockouts + excluded.lockouts, "
	    "unconfirmed = auth_stats.unconfirmed + excluded.unconfirmed, "
	    "first = CASE WHEN excluded.first < auth_stats.first "
	    "THEN excluded.first ELSE auth_stats.first END, "
	    "last = CASE WHEN excluded.last > auth_stats.last "
	    "THEN excluded.last ELSE auth_stats.last END", &st)) != 0 ||
	    (e = db_bind_text(st, 1, user)) != 0 ||
	    (e = db_bind_text(st, 2, source)) != 0 ||
	    (e = db_bind_int(st, 3, hour)) != 0 ||
	    (e = db_bind_int(st, 4, failures)) != 0 ||
	    (e = db_bind_int(st, 5, lockouts)) != 0 ||
	    (e = db_bind_int(st, 6, time)) != 0 ||
	    (e = db_bind_int(st, 7, unconfirmed)) != 0)
		goto out;
	e = db_step_done(st);
out:
	db_done(st);
	return e;
}

int
store_authstat_list(struct store *s, int64_t since, store_authstat_cb cb,
    void *arg)
{
	struct authstat_rec a;
	struct db_stmt *st = NULL;
	int64_t hour = since >= 0 ? since / HOUR : (since - HOUR + 1) / HOUR;
	int e;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	/* PostgreSQL's sum of BIGINT is NUMERIC: cast back. */
	if ((e = db_prep(s, "SELECT \"user\", source, "
	    "CAST(sum(failures) AS BIGINT), CAST(sum(lockouts) AS BIGINT), "
	    "min(first), max(last), CAST(sum(unconfirmed) AS BIGINT) "
	    "FROM auth_stats "
	    "WHERE hour >= ?1 GROUP BY \"user\", source "
	    "ORDER BY \"user\", source",
	    &st)) != 0 ||
	    (e = db_bind_int(st, 1, hour)) != 0)
		goto out;
	while ((e = db_step(st)) == DB_ROW) {
		memset(&a, 0, sizeof(a));
		if ((e = db_col_str(st, 0, a.user, STORE_NAME_MAX)) != 0 ||
		    (e = db_col_str(st, 1, a.source, STORE_SOURCE_MAX)) != 0)
			goto out;
		a.failures = db_col_int(st, 2);
		a.lockouts = db_col_int(st, 3);
		a.first = db_col_int(st, 4);
		a.last = db_col_int(st, 5);
		a.unconfirmed = db_col_int(st, 6);
		if ((e = cb(&a, arg)) != 0)
			goto out;
	}
out:
	db_done(st);
	return e < 0 ? e : 0;
}

int
store_authstat_prune(struct store *s, int64_t before)
{
	struct db_stmt *st = NULL;
	int e;

	if ((e = db_prep(s, "DELETE FROM auth_stats WHERE (hour + 1) * 3600 "
	    "<= ?1", &st)) != 0 ||
	    (e = db_bind_int(st, 1, before)) != 0)
		goto out;
	e = db_step_done(st);
out:
	db_done(st);
	return e;
}

int
store_report_run_put(struct store *s, const char *name, int64_t time,
    const char *actor)
{
	struct db_stmt *st = NULL;
	int e;

	if (!db_str_ok(name, STORE_REPORT_NAME_MAX) || name[0] == '\0' ||
	    !db_str_ok(actor, STORE_NAME_MAX))
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, "INSERT INTO report_runs (name, time, actor) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET "
	    "time = excluded.time, actor = excluded.actor", &st)) != 0 ||
	    (e = db_bind_text(st, 1, name)) != 0 ||
	    (e = db_bind_int(st, 2, time)) != 0 ||
	    (e = db_bind_text(st, 3, actor)) != 0)
		goto out;
	e = db_step_done(st);
out:
	db_done(st);
	return e;
}

int
store_report_run_get(struct store *s, const char *name, int64_t *time,
    char actor[STORE_NAME_MAX + 1])
{
	struct db_stmt *st = NULL;
	int e;

	*time = 0;
	actor[0] = '\0';
	if (!db_str_ok(name, STORE_REPORT_NAME_MAX))
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, "SELECT time, actor FROM report_runs WHERE "
	    "name = ?1", &st)) != 0 ||
	    (e = db_bind_text(st, 1, name)) != 0)
		goto out;
	if ((e = db_step(st)) == DB_ROW) {
		*time = db_col_int(st, 0);
		e = db_col_str(st, 1, actor, STORE_NAME_MAX);
	}
out:
	db_done(st);
	return e;
}

int
store_token_revived(struct store *s, store_revived_cb cb, void *arg,
    int64_t *revoked)
{
	char user[STORE_NAME_MAX + 1];
	struct db_stmt *st = NULL;
	int e;

	*revoked = 0;
	if ((e = db_prep(s, "SELECT count(*) FROM tokens WHERE revoked != 0",
	    &st)) != 0)
		return e;
	if ((e = db_step(st)) == DB_ROW)
		*revoked = db_col_int(st, 0);
	db_done(st);
	if (e < 0)
		return e;
	st = NULL;
	if ((e = db_prep(s, "SELECT t.id, u.name FROM tokens t JOIN users u "
	    "ON u.id = t.user_id WHERE t.revoked != 0 AND t.state != 2 "
	    "ORDER BY t.id", &st)) != 0)
		return e;
	while ((e = db_step(st)) == DB_ROW) {
		if ((e = db_col_str(st, 1, user, STORE_NAME_MAX)) != 0 ||
		    (e = cb(db_col_int(st, 0), user, arg)) != 0)
			goto out;
	}
out:
	db_done(st);
	return e < 0 ? e : 0;
}

/* The first column of a statement's one row, as text, into out: SQLite's
 * pragmas, PostgreSQL's current_setting(). */
static int
pragma_text(struct store *s, const char *sql, char *out, size_t len)
{
	struct db_stmt *st = NULL;
	const char *t;
	int e;

	out[0] = '\0';
	if ((e = db_prep(s, sql, &st)) != 0)
		return e;
	if (db_step(st) == DB_ROW && (t = db_col_text(st, 0, NULL)) != NULL)
		snprintf(out, len, "%s", t);
	db_done(st);
	return 0;
}

int
store_durability(struct store *s, int *wal, int *sync_full)
{
	char v[32];
	int e;

	if (s->engine == DB_PG) {
		/* PostgreSQL always writes ahead; a commit is on disk before
		 * it returns when fsync is on and synchronous_commit is not
		 * off (local, on, remote_write, remote_apply). */
		*wal = 1;
		if ((e = pragma_text(s, "SELECT current_setting('fsync')", v,
		    sizeof(v))) != 0)
			return e;
		*sync_full = strcmp(v, "on") == 0;
		if ((e = pragma_text(s, "SELECT "
		    "current_setting('synchronous_commit')", v, sizeof(v))) != 0)
			return e;
		*sync_full = *sync_full && strcmp(v, "off") != 0;
		return 0;
	}
	if ((e = pragma_text(s, "PRAGMA journal_mode", v, sizeof(v))) != 0)
		return e;
	*wal = strcmp(v, "wal") == 0;
	if ((e = pragma_text(s, "PRAGMA synchronous", v, sizeof(v))) != 0)
		return e;
	*sync_full = strcmp(v, "2") == 0 || strcmp(v, "3") == 0;
	return 0;
}
