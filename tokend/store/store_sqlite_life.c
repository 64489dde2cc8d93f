/*
 * store_sqlite_life.c - the lifecycle tables on SQLite (store_life.h):
 * two-person requests, enrollment codes and grants, break-glass codes,
 * exceptions, role changes and the dates the dormant-account rule reads.
 *
 * These statements are rare (administration, a code that is not a TOTP
 * code), so each is prepared when used and finalized at once instead of
 * joining the table of statements prepared at open.  Same guarantees as
 * the rest of the store: every SQLite failure becomes a KAGI_ERR_* code,
 * nothing here logs, and a row that breaks an invariant (a blob of the
 * wrong size, a text too long) reads as KAGI_ERR_STORE.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "kagi_err.h"
#include "store_life.h"
#include "store_sqlite_int.h"

static int
bind_blob(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
	return sqlite3_bind_blob(st, i, p, (int)n, SQLITE_TRANSIENT) ==
	    SQLITE_OK ? 0 : KAGI_ERR_STORE;
}

static int
col_blob(sqlite3_stmt *st, int col, uint8_t *dst, size_t len)
{
	const void *p = sqlite3_column_blob(st, col);

	if (sqlite3_column_type(st, col) != SQLITE_BLOB || p == NULL ||
	    sqlite3_column_bytes(st, col) != (int)len)
		return KAGI_ERR_STORE;
	memcpy(dst, p, len);
	return 0;
}

/* Step a statement expected to change exactly one row; then finalize. */
static int
run_one(struct store *s, sqlite3_stmt *st, int none_err)
{
	int r = sq_step_one_change(s, st);

	sqlite3_finalize(st);
	return r == KAGI_ERR_NOT_FOUND ? none_err : r;
}

/* --- requests -------------------------------------------------------------- */

#define REQ_COLS "id, action, params, requester_uid, requester, created, " \
	"expires, state, decider_uid, decider, decided, reason, " \
	"requester_luid, requester_group, decider_luid, decider_group"

static int
request_from_row(sqlite3_stmt *st, struct request_rec *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	if ((rc = sq_col_str(st, 1, r->action, REQ_ACTION_MAX)) != 0 ||
	    (rc = sq_col_str(st, 2, r->params, REQ_PARAMS_MAX)) != 0 ||
	    (rc = sq_col_str(st, 4, r->requester, STORE_NAME_MAX)) != 0 ||
	    (rc = sq_col_str(st, 9, r->decider, STORE_NAME_MAX)) != 0 ||
	    (rc = sq_col_str(st, 11, r->reason, REQ_REASON_MAX)) != 0 ||
	    (rc = sq_col_str(st, 13, r->requester_group,
	    STORE_NAME_MAX)) != 0 ||
	    (rc = sq_col_str(st, 15, r->decider_group, STORE_NAME_MAX)) != 0)
		return rc;
	r->requester_luid = sqlite3_column_int64(st, 12);
	r->decider_luid = sqlite3_column_int64(st, 14);
	r->requester_uid = sqlite3_column_int64(st, 3);
	r->created = sqlite3_column_int64(st, 5);
	r->expires = sqlite3_column_int64(st, 6);
	r->state = sqlite3_column_int(st, 7);
	r->decider_uid = sqlite3_column_int64(st, 8);
	r->decided = sqlite3_column_int64(st, 10);
	if (r->state < REQ_PENDING || r->state > REQ_FAILED)
		return KAGI_ERR_STORE;
	return 0;
}

int
store_request_add(struct store *s, const struct request_rec *q, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "INSERT INTO requests (action, params, requester_uid,"
	    " requester, created, expires, state, requester_luid, "
	    "requester_group) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
	    &st)) != 0)
		return r;
	if ((r = sq_bind_text(s, st, 1, q->action)) != 0 ||
	    (r = sq_bind_text(s, st, 2, q->params)) != 0 ||
	    (r = sq_bind_int(s, st, 3, q->requester_uid)) != 0 ||
	    (r = sq_bind_text(s, st, 4, q->requester)) != 0 ||
	    (r = sq_bind_int(s, st, 5, q->created)) != 0 ||
	    (r = sq_bind_int(s, st, 6, q->expires)) != 0 ||
	    (r = sq_bind_int(s, st, 7, q->requester_luid)) != 0 ||
	    (r = sq_bind_text(s, st, 8, q->requester_group)) != 0 ||
	    (r = sq_step_done(s, st)) != 0)
		goto out;
	*id = sqlite3_last_insert_rowid(s->db);
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_request_get(struct store *s, int64_t id, struct request_rec *q)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = sq_prep(s, "SELECT " REQ_COLS " FROM requests WHERE id = ?1",
	    &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, id)) != 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = sq_fail(s);
	else
		r = request_from_row(st, q);
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_request_list(struct store *s, store_request_cb cb, void *arg)
{
	struct request_rec *q = NULL;
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = sq_prep(s, "SELECT " REQ_COLS " FROM requests ORDER BY id DESC",
	    &st)) != 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = request_from_row(st, q)) != 0 ||
		    (r = cb(q, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = sq_fail(s);
 out:
	sqlite3_finalize(st);
	free(q);
	return r < 0 ? r : 0;
}

int
store_request_decide(struct store *s, int64_t id, int state,
    const struct request_decider *d, int64_t now, const char *reason)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (state <= REQ_PENDING || state > REQ_FAILED)
		return KAGI_ERR_INVALID;
	if ((r = sq_prep(s, "UPDATE requests SET state = ?2, decider_uid = ?3, "
	    "decider = ?4, decided = ?5, reason = ?6, decider_luid = ?7, "
	    "decider_group = ?8 WHERE id = ?1 AND state = 0", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, id)) != 0 ||
	    (r = sq_bind_int(s, st, 2, state)) != 0 ||
	    (r = sq_bind_int(s, st, 3, d->uid)) != 0 ||
	    (r = sq_bind_text(s, st, 4, d->name)) != 0 ||
	    (r = sq_bind_int(s, st, 5, now)) != 0 ||
	    (r = sq_bind_text(s, st, 6, reason != NULL ? reason : "")) != 0 ||
	    (r = sq_bind_int(s, st, 7, d->luid)) != 0 ||
	    (r = sq_bind_text(s, st, 8, d->group != NULL ? d->group :
	    "")) != 0) {
		sqlite3_finalize(st);
		return r;
	}
	return run_one(s, st, KAGI_ERR_STATE);
}

/* --- enrollment codes ------------------------------------------------------ */

int
store_enroll_code_put(struct store *s, const struct enroll_code_rec *e)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "INSERT OR REPLACE INTO enroll_codes (user_id, salt, "
	    "hash, created, expires, used, token_id) VALUES (?1, ?2, ?3, ?4, "
	    "?5, 0, 0)", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, e->user_id)) != 0 ||
	    (r = bind_blob(st, 2, e->salt, sizeof(e->salt))) != 0 ||
	    (r = bind_blob(st, 3, e->hash, sizeof(e->hash))) != 0 ||
	    (r = sq_bind_int(s, st, 4, e->created)) != 0 ||
	    (r = sq_bind_int(s, st, 5, e->expires)) != 0) {
		sqlite3_finalize(st);
		return r;
	}
	return run_one(s, st, KAGI_ERR_NOT_FOUND);
}

int
store_enroll_code_get(struct store *s, int64_t user_id,
    struct enroll_code_rec *e)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	memset(e, 0, sizeof(*e));
	if ((r = sq_prep(s, "SELECT user_id, salt, hash, created, expires, used, "
	    "token_id FROM enroll_codes WHERE user_id = ?1", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, user_id)) != 0)
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
	e->user_id = sqlite3_column_int64(st, 0);
	if ((r = col_blob(st, 1, e->salt, sizeof(e->salt))) != 0 ||
	    (r = col_blob(st, 2, e->hash, sizeof(e->hash))) != 0)
		goto out;
	e->created = sqlite3_column_int64(st, 3);
	e->expires = sqlite3_column_int64(st, 4);
	e->used = sqlite3_column_int64(st, 5);
	e->token_id = sqlite3_column_int64(st, 6);
 out:
	sqlite3_finalize(st);
	return r;
}

/*
 * Spend a code or grant once: ?1 names it, ?2 the time, ?3 the token it
 * gave; KAGI_ERR_STATE when it was spent already (or is not there).
 */
static int
mark_used(struct store *s, const char *sql, int64_t key, int64_t now,
    int64_t token_id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, sql, &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, key)) != 0 ||
	    (r = sq_bind_int(s, st, 2, now)) != 0 ||
	    (r = sq_bind_int(s, st, 3, token_id)) != 0) {
		sqlite3_finalize(st);
		return r;
	}
	return run_one(s, st, KAGI_ERR_STATE);
}

int
store_enroll_code_use(struct store *s, int64_t user_id, int64_t now,
    int64_t token_id)
{
	return mark_used(s, "UPDATE enroll_codes SET used = ?2, token_id = ?3 "
	    "WHERE user_id = ?1 AND used = 0", user_id, now, token_id);
}

int
store_enroll_code_delete(struct store *s, int64_t user_id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "DELETE FROM enroll_codes WHERE user_id = ?1",
	    &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, user_id)) == 0)
		r = sq_step_done(s, st);
	sqlite3_finalize(st);
	return r;
}

/* --- enrollment grants ----------------------------------------------------- */

int
store_enroll_grant_add(struct store *s, const struct enroll_grant_rec *g,
    int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "INSERT INTO enroll_grants (user_id, request_id, "
	    "requester_uid, requester, approver, created, expires) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, g->user_id)) != 0 ||
	    (r = sq_bind_int(s, st, 2, g->request_id)) != 0 ||
	    (r = sq_bind_int(s, st, 3, g->requester_uid)) != 0 ||
	    (r = sq_bind_text(s, st, 4, g->requester)) != 0 ||
	    (r = sq_bind_text(s, st, 5, g->approver)) != 0 ||
	    (r = sq_bind_int(s, st, 6, g->created)) != 0 ||
	    (r = sq_bind_int(s, st, 7, g->expires)) != 0) {
		sqlite3_finalize(st);
		return r;
	}
	if ((r = run_one(s, st, KAGI_ERR_STORE)) != 0)
		return r;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_enroll_grant_find(struct store *s, int64_t user_id, int64_t now,
    struct enroll_grant_rec *g)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	memset(g, 0, sizeof(*g));
	if ((r = sq_prep(s, "SELECT id, user_id, request_id, requester_uid, "
	    "requester, approver, created, expires, used, token_id FROM "
	    "enroll_grants WHERE user_id = ?1 AND used = 0 AND expires > ?2 "
	    "ORDER BY id LIMIT 1", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, user_id)) != 0 ||
	    (r = sq_bind_int(s, st, 2, now)) != 0)
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
	g->id = sqlite3_column_int64(st, 0);
	g->user_id = sqlite3_column_int64(st, 1);
	g->request_id = sqlite3_column_int64(st, 2);
	g->requester_uid = sqlite3_column_int64(st, 3);
	if ((r = sq_col_str(st, 4, g->requester, STORE_NAME_MAX)) != 0 ||
	    (r = sq_col_str(st, 5, g->approver, STORE_NAME_MAX)) != 0)
		goto out;
	g->created = sqlite3_column_int64(st, 6);
	g->expires = sqlite3_column_int64(st, 7);
	g->used = sqlite3_column_int64(st, 8);
	g->token_id = sqlite3_column_int64(st, 9);
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_enroll_grant_use(struct store *s, int64_t id, int64_t now,
    int64_t token_id)
{
	return mark_used(s, "UPDATE enroll_grants SET used = ?2, "
	    "token_id = ?3 WHERE id = ?1 AND used = 0", id, now, token_id);
}

/* --- break-glass codes ----------------------------------------------------- */

int
store_bg_code_add(struct store *s, const struct bg_code_rec *c, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "INSERT INTO breakglass_codes (user_id, salt, hash, "
	    "iterations, created) VALUES (?1, ?2, ?3, ?4, ?5)", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, c->user_id)) != 0 ||
	    (r = bind_blob(st, 2, c->salt, sizeof(c->salt))) != 0 ||
	    (r = bind_blob(st, 3, c->hash, sizeof(c->hash))) != 0 ||
	    (r = sq_bind_int(s, st, 4, c->iterations)) != 0 ||
	    (r = sq_bind_int(s, st, 5, c->created)) != 0 ||
	    (r = sq_step_done(s, st)) != 0)
		goto out;
	*id = sqlite3_last_insert_rowid(s->db);
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_bg_code_list(struct store *s, int64_t user_id, store_bg_code_cb cb,
    void *arg)
{
	struct bg_code_rec c;
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = sq_prep(s, "SELECT b.id, b.user_id, u.name, b.salt, b.hash, "
	    "b.iterations, b.created, b.used FROM breakglass_codes b JOIN "
	    "users u ON u.id = b.user_id WHERE b.used = 0 AND (?1 = 0 OR "
	    "b.user_id = ?1) ORDER BY b.id", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, user_id)) != 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		c.id = sqlite3_column_int64(st, 0);
		c.user_id = sqlite3_column_int64(st, 1);
		if ((r = sq_col_str(st, 2, c.user, STORE_NAME_MAX)) != 0 ||
		    (r = col_blob(st, 3, c.salt, sizeof(c.salt))) != 0 ||
		    (r = col_blob(st, 4, c.hash, sizeof(c.hash))) != 0)
			goto out;
		c.iterations = sqlite3_column_int64(st, 5);
		c.created = sqlite3_column_int64(st, 6);
		c.used = sqlite3_column_int64(st, 7);
		if (c.iterations < 1) {
			r = KAGI_ERR_STORE;
			goto out;
		}
		if ((r = cb(&c, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = sq_fail(s);
 out:
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int
store_bg_code_use(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "UPDATE breakglass_codes SET used = ?2 WHERE id = ?1 "
	    "AND used = 0", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, id)) != 0 || (r = sq_bind_int(s, st, 2, now)) != 0) {
		sqlite3_finalize(st);
		return r;
	}
	return run_one(s, st, KAGI_ERR_STATE);
}

int
store_bg_code_revoke_user(struct store *s, int64_t user_id, int64_t now,
    int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "UPDATE breakglass_codes SET used = ?2 WHERE "
	    "user_id = ?1 AND used = 0", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, user_id)) == 0 &&
	    (r = sq_bind_int(s, st, 2, now)) == 0 &&
	    (r = sq_step_done(s, st)) == 0 && n != NULL)
		*n = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return r;
}

/* --- exceptions ------------------------------------------------------------ */

#define EXC_COLS "id, user, code_id, source, opened, closed, closer, reason"

static int
exception_from_row(sqlite3_stmt *st, struct exception_rec *e)
{
	int r;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, 0);
	if ((r = sq_col_str(st, 1, e->user, STORE_NAME_MAX)) != 0 ||
	    (r = sq_col_str(st, 3, e->source, EXC_SOURCE_MAX)) != 0 ||
	    (r = sq_col_str(st, 6, e->closer, STORE_NAME_MAX)) != 0 ||
	    (r = sq_col_str(st, 7, e->reason, REQ_REASON_MAX)) != 0)
		return r;
	e->code_id = sqlite3_column_int64(st, 2);
	e->opened = sqlite3_column_int64(st, 4);
	e->closed = sqlite3_column_int64(st, 5);
	return 0;
}

int
store_exception_add(struct store *s, const char *user, int64_t code_id,
    const char *source, int64_t opened, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "INSERT INTO exceptions (user, code_id, source, "
	    "opened) VALUES (?1, ?2, ?3, ?4)", &st)) != 0)
		return r;
	if ((r = sq_bind_text(s, st, 1, user)) != 0 ||
	    (r = sq_bind_int(s, st, 2, code_id)) != 0 ||
	    (r = sq_bind_text(s, st, 3, source)) != 0 ||
	    (r = sq_bind_int(s, st, 4, opened)) != 0 ||
	    (r = sq_step_done(s, st)) != 0)
		goto out;
	*id = sqlite3_last_insert_rowid(s->db);
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_exception_get(struct store *s, int64_t id, struct exception_rec *e)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = sq_prep(s, "SELECT " EXC_COLS " FROM exceptions WHERE id = ?1",
	    &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, id)) != 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = sq_fail(s);
	else
		r = exception_from_row(st, e);
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_exception_close(struct store *s, int64_t id, const char *closer,
    const char *reason, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "UPDATE exceptions SET closed = ?2, closer = ?3, "
	    "reason = ?4 WHERE id = ?1 AND closed = 0", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, id)) != 0 || (r = sq_bind_int(s, st, 2, now)) != 0 ||
	    (r = sq_bind_text(s, st, 3, closer)) != 0 ||
	    (r = sq_bind_text(s, st, 4, reason)) != 0) {
		sqlite3_finalize(st);
		return r;
	}
	return run_one(s, st, KAGI_ERR_STATE);
}

int
store_exception_list(struct store *s, int open_only, store_exception_cb cb,
    void *arg)
{
	struct exception_rec e;
	sqlite3_stmt *st = NULL;
	int r, rc;

	if ((r = sq_prep(s, "SELECT " EXC_COLS " FROM exceptions WHERE ?1 = 0 OR "
	    "closed = 0 ORDER BY id", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, open_only)) != 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((r = exception_from_row(st, &e)) != 0 ||
		    (r = cb(&e, arg)) != 0)
			goto out;
	if (rc != SQLITE_DONE)
		r = sq_fail(s);
 out:
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

int
store_exception_recent(struct store *s, const char *user, int64_t since,
    int *found)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	*found = 0;
	if ((r = sq_prep(s, "SELECT count(*) FROM exceptions WHERE user = ?1 AND "
	    "opened >= ?2", &st)) != 0)
		return r;
	if ((r = sq_bind_text(s, st, 1, user)) != 0 ||
	    (r = sq_bind_int(s, st, 2, since)) != 0)
		goto out;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		r = sq_fail(s);
		goto out;
	}
	*found = sqlite3_column_int64(st, 0) > 0;
 out:
	sqlite3_finalize(st);
	return r;
}

/* --- users ----------------------------------------------------------------- */

int
store_user_set_enabled_at(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = sq_prep(s, "INSERT OR REPLACE INTO user_activity (user_id, "
	    "enabled_at) VALUES (?1, ?2)", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, id)) != 0 || (r = sq_bind_int(s, st, 2, now)) != 0) {
		sqlite3_finalize(st);
		return r;
	}
	return run_one(s, st, KAGI_ERR_NOT_FOUND);
}

int
store_user_enabled_at(struct store *s, int64_t id, int64_t *at)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	*at = 0;
	if ((r = sq_prep(s, "SELECT enabled_at FROM user_activity WHERE "
	    "user_id = ?1", &st)) != 0)
		return r;
	if ((r = sq_bind_int(s, st, 1, id)) != 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*at = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		r = sq_fail(s);
 out:
	sqlite3_finalize(st);
	return r;
}
