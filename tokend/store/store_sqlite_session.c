/*
 * store_sqlite_session.c - store_session.h's sessions and last log-ins,
 * on the statement layer (store_int.h), from the schema's sixth migration (the last log-in's
 * service and session from the eighth).  Log-ins waiting for their
 * confirmation are in store_sqlite_pending.c.
 *
 * Statements are prepared per call: they run once per session event or
 * per due deadline, never per request.  Guarantees as in
 * store_sqlite_policy.c: arguments checked first, a row that breaks an
 * invariant (a string too long or with a NUL) is KAGI_ERR_STORE, an
 * update that matches nothing KAGI_ERR_NOT_FOUND.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "store_session.h"
#include "store_int.h"

#define SESSION_COLS "s.id, s.user_id, u.name, s.service, s.tty, s.rhost, " \
	"s.pid, s.pid_start, s.sid, s.sid_start, s.logind, s.owner_uid, " \
	"s.started, s.deadline, s.deadline_reason, s.warned, s.ended, " \
	"s.end_reason, s.killed, s.victims"
#define SESSION_FROM " FROM sessions s JOIN users u ON u.id = s.user_id "

static int
session_from_row(struct db_stmt *st, struct session_rec *r)
{
	int e;

	memset(r, 0, sizeof(*r));
	r->id = db_col_int(st, 0);
	r->user_id = db_col_int(st, 1);
	r->pid = db_col_int(st, 6);
	r->pid_start = db_col_int(st, 7);
	r->sid = db_col_int(st, 8);
	r->sid_start = db_col_int(st, 9);
	r->owner_uid = db_col_int(st, 11);
	r->started = db_col_int(st, 12);
	r->deadline = db_col_int(st, 13);
	r->warned = (int)db_col_int(st, 15) != 0;
	r->ended = db_col_int(st, 16);
	r->killed = (int)db_col_int(st, 18) != 0;
	if ((e = db_col_str(st, 2, r->user, STORE_NAME_MAX)) != 0 ||
	    (e = db_col_str(st, 3, r->service, STORE_NAME_MAX)) != 0 ||
	    (e = db_col_str(st, 4, r->tty, STORE_TTY_MAX)) != 0 ||
	    (e = db_col_str(st, 5, r->rhost, STORE_HOST_MAX)) != 0 ||
	    (e = db_col_str(st, 10, r->logind, STORE_LOGIND_MAX)) != 0 ||
	    (e = db_col_str(st, 14, r->deadline_reason, STORE_REASON_MAX)) != 0 ||
	    (e = db_col_str(st, 17, r->end_reason, STORE_REASON_MAX)) != 0 ||
	    (e = db_col_str(st, 19, r->victims, STORE_VICTIMS_MAX)) != 0)
		return e;
	if (r->pid <= 1 || r->sid < 0 || r->deadline < 0)
		return KAGI_ERR_STORE;
	return 0;
}

int
store_session_add(struct store *s, const struct session_rec *r, int64_t *id)
{
	struct db_stmt *st = NULL;
	int e;

	if (r == NULL || !db_str_ok(r->service, STORE_NAME_MAX) ||
	    r->service[0] == '\0' || !db_str_ok(r->tty, STORE_TTY_MAX) ||
	    !db_str_ok(r->rhost, STORE_HOST_MAX) ||
	    !db_str_ok(r->logind, STORE_LOGIND_MAX) ||
	    !db_str_ok(r->deadline_reason, STORE_REASON_MAX) ||
	    r->pid <= 1 || r->sid < 0 || r->deadline < 0)
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, "INSERT INTO sessions (user_id, service, tty, rhost, "
	    "pid, pid_start, sid, sid_start, logind, owner_uid, started, "
	    "deadline, deadline_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8, ?9, ?10, ?11, ?12, ?13) RETURNING id", &st)) != 0 ||
	    (e = db_bind_int(st, 1, r->user_id)) != 0 ||
	    (e = db_bind_text(st, 2, r->service)) != 0 ||
	    (e = db_bind_text(st, 3, r->tty)) != 0 ||
	    (e = db_bind_text(st, 4, r->rhost)) != 0 ||
	    (e = db_bind_int(st, 5, r->pid)) != 0 ||
	    (e = db_bind_int(st, 6, r->pid_start)) != 0 ||
	    (e = db_bind_int(st, 7, r->sid)) != 0 ||
	    (e = db_bind_int(st, 8, r->sid_start)) != 0 ||
	    (e = db_bind_text(st, 9, r->logind)) != 0 ||
	    (e = db_bind_int(st, 10, r->owner_uid)) != 0 ||
	    (e = db_bind_int(st, 11, r->started)) != 0 ||
	    (e = db_bind_int(st, 12, r->deadline)) != 0 ||
	    (e = db_bind_text(st, 13, r->deadline_reason)) != 0)
		goto out;
	e = db_step_id(st, id);
out:
	db_done(st);
	return e;
}

int
store_session_get(struct store *s, int64_t id, struct session_rec *r)
{
	struct db_stmt *st = NULL;
	int e;

	memset(r, 0, sizeof(*r));
	if ((e = db_prep(s, "SELECT " SESSION_COLS SESSION_FROM
	    "WHERE s.id = ?1", &st)) != 0 ||
	    (e = db_bind_int(st, 1, id)) != 0)
		goto out;
	if ((e = db_step(st)) == DB_DONE)
		e = KAGI_ERR_NOT_FOUND;
	else if (e == DB_ROW)
		e = session_from_row(st, r);
out:
	db_done(st);
	return e;
}

/* An UPDATE of an open session: ?1 its id, ?2 a time, ?3 a reason. */
static int
session_update(struct store *s, const char *sql, int64_t id, int64_t when,
    const char *reason)
{
	struct db_stmt *st = NULL;
	int e;

	if (!db_str_ok(reason, STORE_REASON_MAX) || reason[0] == '\0' ||
	    when <= 0)
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, sql, &st)) != 0 ||
	    (e = db_bind_int(st, 1, id)) != 0 ||
	    (e = db_bind_int(st, 2, when)) != 0 ||
	    (e = db_bind_text(st, 3, reason)) != 0)
		goto out;
	e = db_step_one_change(st);
out:
	db_done(st);
	return e;
}

int
store_session_end(struct store *s, int64_t id, int64_t when,
    const char *reason)
{
	return session_update(s, "UPDATE sessions SET ended = ?2, "
	    "end_reason = ?3 WHERE id = ?1 AND ended = 0", id, when, reason);
}

int
store_session_set_deadline(struct store *s, int64_t id, int64_t deadline,
    const char *reason)
{
	return session_update(s, "UPDATE sessions SET deadline = ?2, "
	    "deadline_reason = ?3 WHERE id = ?1 AND ended = 0", id, deadline,
	    reason);
}

int
store_session_set_victims(struct store *s, int64_t id, const char *victims)
{
	struct db_stmt *st = NULL;
	int e;

	if (!db_str_ok(victims, STORE_VICTIMS_MAX))
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, "UPDATE sessions SET victims = ?2 WHERE id = ?1",
	    &st)) != 0 ||
	    (e = db_bind_int(st, 1, id)) != 0 ||
	    (e = db_bind_text(st, 2, victims)) != 0)
		goto out;
	e = db_step_one_change(st);
out:
	db_done(st);
	return e;
}

static int
session_set(struct store *s, int64_t id, const char *sql)
{
	struct db_stmt *st = NULL;
	int e;

	if ((e = db_prep(s, sql, &st)) != 0 || (e = db_bind_int(st, 1, id)) != 0)
		goto out;
	e = db_step_one_change(st);
out:
	db_done(st);
	return e;
}

int
store_session_set_warned(struct store *s, int64_t id)
{
	return session_set(s, id, "UPDATE sessions SET warned = 1 "
	    "WHERE id = ?1");
}

int
store_session_set_killed(struct store *s, int64_t id)
{
	return session_set(s, id, "UPDATE sessions SET killed = 1 "
	    "WHERE id = ?1");
}

static int
session_walk(struct db_stmt *st, store_session_cb cb, void *arg)
{
	struct session_rec r;
	int e;

	while ((e = db_step(st)) == DB_ROW) {
		if ((e = session_from_row(st, &r)) != 0)
			return e;
		if ((e = cb(&r, arg)) != 0)
			return e < 0 ? e : 0;
	}
	return e;
}

/* The condition of store_session_due(), on ?1 now, ?2 warn, ?3 grace. */
#define DUE_WHERE "(s.ended = 0 AND s.deadline > 0 AND " \
	"(s.deadline <= ?1 OR (s.warned = 0 AND s.deadline - ?2 <= ?1))) OR " \
	"(s.ended > 0 AND s.killed = 0 AND s.ended + ?3 <= ?1)"

int
store_session_due(struct store *s, int64_t now, int64_t warn, int64_t grace,
    store_session_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	int e;

	if ((e = db_prep(s, "SELECT " SESSION_COLS SESSION_FROM "WHERE "
	    DUE_WHERE " ORDER BY s.id", &st)) != 0 ||
	    (e = db_bind_int(st, 1, now)) != 0 ||
	    (e = db_bind_int(st, 2, warn)) != 0 ||
	    (e = db_bind_int(st, 3, grace)) != 0)
		goto out;
	e = session_walk(st, cb, arg);
out:
	db_done(st);
	return e;
}

int
store_session_list_since(struct store *s, int64_t since,
    store_session_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	int e;

	if ((e = db_prep(s, "SELECT " SESSION_COLS SESSION_FROM "WHERE "
	    "s.ended = 0 OR s.ended >= ?1 ORDER BY s.id", &st)) != 0 ||
	    (e = db_bind_int(st, 1, since)) != 0)
		goto out;
	e = session_walk(st, cb, arg);
out:
	db_done(st);
	return e;
}

int
store_session_list_open(struct store *s, int64_t user_id,
    store_session_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	int e;

	if ((e = db_prep(s, "SELECT " SESSION_COLS SESSION_FROM "WHERE "
	    "s.ended = 0 AND (?1 = 0 OR s.user_id = ?1) ORDER BY s.id",
	    &st)) != 0 ||
	    (e = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	e = session_walk(st, cb, arg);
out:
	db_done(st);
	return e;
}

int
store_session_next(struct store *s, int64_t warn, int64_t grace,
    int64_t *when)
{
	struct db_stmt *st = NULL;
	int e;

	*when = 0;
	if ((e = db_prep(s, "SELECT min(t) FROM ("
	    "SELECT CASE WHEN warned = 0 THEN deadline - ?1 ELSE deadline END "
	    "AS t FROM sessions WHERE ended = 0 AND deadline > 0 "
	    "UNION ALL SELECT ended + ?2 FROM sessions "
	    "WHERE ended > 0 AND killed = 0) AS due", &st)) != 0 ||
	    (e = db_bind_int(st, 1, warn)) != 0 ||
	    (e = db_bind_int(st, 2, grace)) != 0)
		goto out;
	if ((e = db_step_row(st)) != 0)
		goto out;
	if (db_col_type(st, 0) != DB_NULL) {
		*when = db_col_int(st, 0);
		if (*when <= 0)
			*when = 1;	/* due at once */
	}
out:
	db_done(st);
	return e;
}

int
store_login_get(struct store *s, int64_t user_id, struct login_rec *l)
{
	struct db_stmt *st = NULL;
	int e;

	memset(l, 0, sizeof(*l));
	if ((e = db_take(s, ST_LOGIN_GET, &st)) != 0 ||
	    (e = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	if ((e = db_step(st)) != DB_ROW)
		goto out;
	e = 0;
	l->time = db_col_int(st, 0);
	l->failures = db_col_int(st, 3);
	l->session = db_col_int(st, 5);
	if ((e = db_col_str(st, 1, l->place, STORE_PLACE_MAX)) != 0 ||
	    (e = db_col_str(st, 2, l->factors, STORE_FACTORS_MAX)) != 0 ||
	    (e = db_col_str(st, 4, l->service, STORE_NAME_MAX)) != 0)
		goto out;
	if (l->time < 0 || l->failures < 0 || l->session < 0)
		e = KAGI_ERR_STORE;
out:
	if (e != 0)
		memset(l, 0, sizeof(*l));
	db_done(st);
	return e;
}

int
store_login_put(struct store *s, int64_t user_id, const struct login_rec *l)
{
	struct db_stmt *st = NULL;
	int e;

	if (l == NULL || l->time < 0 || l->failures < 0 || l->session < 0 ||
	    !db_str_ok(l->place, STORE_PLACE_MAX) ||
	    !db_str_ok(l->factors, STORE_FACTORS_MAX) ||
	    !db_str_ok(l->service, STORE_NAME_MAX))
		return KAGI_ERR_INVALID;
	if ((e = db_take(s, ST_LOGIN_PUT, &st)) != 0 ||
	    (e = db_bind_int(st, 1, user_id)) != 0 ||
	    (e = db_bind_int(st, 2, l->time)) != 0 ||
	    (e = db_bind_text(st, 3, l->place)) != 0 ||
	    (e = db_bind_text(st, 4, l->factors)) != 0 ||
	    (e = db_bind_int(st, 5, l->failures)) != 0 ||
	    (e = db_bind_text(st, 6, l->service)) != 0 ||
	    (e = db_bind_int(st, 7, l->session)) != 0)
		goto out;
	e = db_step_done(st);
out:
	db_done(st);
	return e;
}

int
store_login_failure(struct store *s, int64_t user_id)
{
	struct db_stmt *st = NULL;
	int e;

	if ((e = db_take(s, ST_LOGIN_FAILURE, &st)) != 0 ||
	    (e = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	e = db_step_done(st);
out:
	db_done(st);
	return e;
}

int
store_login_link_session(struct store *s, int64_t user_id,
    const char *service, const char *place, int64_t since, int64_t session,
    int *linked)
{
	struct db_stmt *st = NULL;
	int e;

	*linked = 0;
	if (!db_str_ok(service, STORE_NAME_MAX) ||
	    !db_str_ok(place, STORE_PLACE_MAX) || session <= 0)
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, "UPDATE logins SET session = ?5 WHERE "
	    "user_id = ?1 AND session = 0 AND time > 0 AND time >= ?4 AND "
	    "service = ?2 AND place = ?3", &st)) != 0 ||
	    (e = db_bind_int(st, 1, user_id)) != 0 ||
	    (e = db_bind_text(st, 2, service)) != 0 ||
	    (e = db_bind_text(st, 3, place)) != 0 ||
	    (e = db_bind_int(st, 4, since)) != 0 ||
	    (e = db_bind_int(st, 5, session)) != 0 ||
	    (e = db_step_done(st)) != 0)
		goto out;
	*linked = db_changes(st) == 1;
out:
	db_done(st);
	return e;
}
