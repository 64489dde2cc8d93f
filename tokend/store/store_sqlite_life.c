/*
 * store_sqlite_life.c - the lifecycle tables (store_life.h), on the
 * statement layer (store_int.h):
 * two-person requests, enrollment codes and grants, break-glass codes,
 * exceptions, role changes and the dates the dormant-account rule reads.
 *
 * These statements are rare (administration, a code that is not a TOTP
 * code), so each is prepared when used and finalized at once instead of
 * joining the table of statements prepared at open.  Same guarantees as
 * the rest of the store: every failure becomes a KAGI_ERR_* code,
 * nothing here logs, and a row that breaks an invariant (a blob of the
 * wrong size, a text too long) reads as KAGI_ERR_STORE.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "store_life.h"
#include "store_int.h"

static int
col_blob(struct db_stmt *st, int col, uint8_t *dst, size_t len)
{
	const void *p;
	size_t n = 0;

	if (db_col_type(st, col) != DB_BLOB ||
	    (p = db_col_blob(st, col, &n)) == NULL || n != len)
		return KAGI_ERR_STORE;
	memcpy(dst, p, len);
	return 0;
}

/* Step a statement expected to change exactly one row; then finalize. */
static int
run_one(struct db_stmt *st, int none_err)
{
	int r = db_step_one_change(st);

	db_done(st);
	return r == KAGI_ERR_NOT_FOUND ? none_err : r;
}

/* --- requests -------------------------------------------------------------- */

#define REQ_COLS "id, action, params, requester_uid, requester, created, " \
	"expires, state, decider_uid, decider, decided, reason, " \
	"requester_luid, requester_group, decider_luid, decider_group"

static int
request_from_row(struct db_stmt *st, struct request_rec *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->id = db_col_int(st, 0);
	if ((rc = db_col_str(st, 1, r->action, REQ_ACTION_MAX)) != 0 ||
	    (rc = db_col_str(st, 2, r->params, REQ_PARAMS_MAX)) != 0 ||
	    (rc = db_col_str(st, 4, r->requester, STORE_NAME_MAX)) != 0 ||
	    (rc = db_col_str(st, 9, r->decider, STORE_NAME_MAX)) != 0 ||
	    (rc = db_col_str(st, 11, r->reason, REQ_REASON_MAX)) != 0 ||
	    (rc = db_col_str(st, 13, r->requester_group,
	    STORE_NAME_MAX)) != 0 ||
	    (rc = db_col_str(st, 15, r->decider_group, STORE_NAME_MAX)) != 0)
		return rc;
	r->requester_luid = db_col_int(st, 12);
	r->decider_luid = db_col_int(st, 14);
	r->requester_uid = db_col_int(st, 3);
	r->created = db_col_int(st, 5);
	r->expires = db_col_int(st, 6);
	r->state = (int)db_col_int(st, 7);
	r->decider_uid = db_col_int(st, 8);
	r->decided = db_col_int(st, 10);
	if (r->state < REQ_PENDING || r->state > REQ_FAILED)
		return KAGI_ERR_STORE;
	return 0;
}

int
store_request_add(struct store *s, const struct request_rec *q, int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "INSERT INTO requests (action, params, requester_uid,"
	    " requester, created, expires, state, requester_luid, "
	    "requester_group) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8) "
	    "RETURNING id",
	    &st)) != 0)
		return r;
	if ((r = db_bind_text(st, 1, q->action)) != 0 ||
	    (r = db_bind_text(st, 2, q->params)) != 0 ||
	    (r = db_bind_int(st, 3, q->requester_uid)) != 0 ||
	    (r = db_bind_text(st, 4, q->requester)) != 0 ||
	    (r = db_bind_int(st, 5, q->created)) != 0 ||
	    (r = db_bind_int(st, 6, q->expires)) != 0 ||
	    (r = db_bind_int(st, 7, q->requester_luid)) != 0 ||
	    (r = db_bind_text(st, 8, q->requester_group)) != 0)
		goto out;
	r = db_step_id(st, id);
 out:
	db_done(st);
	return r;
}

int
store_request_get(struct store *s, int64_t id, struct request_rec *q)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "SELECT " REQ_COLS " FROM requests WHERE id = ?1",
	    &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, id)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (r == DB_ROW)
		r = request_from_row(st, q);
 out:
	db_done(st);
	return r;
}

int
store_request_list(struct store *s, store_request_cb cb, void *arg)
{
	struct request_rec *q = NULL;
	struct db_stmt *st = NULL;
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = db_prep(s, "SELECT " REQ_COLS " FROM requests ORDER BY id DESC",
	    &st)) != 0)
		goto out;
	while ((r = db_step(st)) == DB_ROW) {
		if ((r = request_from_row(st, q)) != 0 ||
		    (r = cb(q, arg)) != 0)
			goto out;
	}
 out:
	db_done(st);
	free(q);
	return r < 0 ? r : 0;
}

int
store_request_decide(struct store *s, int64_t id, int state,
    const struct request_decider *d, int64_t now, const char *reason)
{
	struct db_stmt *st = NULL;
	int r;

	if (state <= REQ_PENDING || state > REQ_FAILED)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "UPDATE requests SET state = ?2, decider_uid = ?3, "
	    "decider = ?4, decided = ?5, reason = ?6, decider_luid = ?7, "
	    "decider_group = ?8 WHERE id = ?1 AND state = 0", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, id)) != 0 ||
	    (r = db_bind_int(st, 2, state)) != 0 ||
	    (r = db_bind_int(st, 3, d->uid)) != 0 ||
	    (r = db_bind_text(st, 4, d->name)) != 0 ||
	    (r = db_bind_int(st, 5, now)) != 0 ||
	    (r = db_bind_text(st, 6, reason != NULL ? reason : "")) != 0 ||
	    (r = db_bind_int(st, 7, d->luid)) != 0 ||
	    (r = db_bind_text(st, 8, d->group != NULL ? d->group :
	    "")) != 0) {
		db_done(st);
		return r;
	}
	return run_one(st, KAGI_ERR_STATE);
}

/* --- enrollment codes ------------------------------------------------------ */

int
store_enroll_code_put(struct store *s, const struct enroll_code_rec *e)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "INSERT INTO enroll_codes (user_id, salt, hash, "
	    "created, expires, used, token_id) VALUES (?1, ?2, ?3, ?4, ?5, 0, "
	    "0) ON CONFLICT (user_id) DO UPDATE SET salt = excluded.salt, "
	    "hash = excluded.hash, created = excluded.created, "
	    "expires = excluded.expires, used = 0, token_id = 0", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, e->user_id)) != 0 ||
	    (r = db_bind_blob(st, 2, e->salt, sizeof(e->salt))) != 0 ||
	    (r = db_bind_blob(st, 3, e->hash, sizeof(e->hash))) != 0 ||
	    (r = db_bind_int(st, 4, e->created)) != 0 ||
	    (r = db_bind_int(st, 5, e->expires)) != 0) {
		db_done(st);
		return r;
	}
	return run_one(st, KAGI_ERR_NOT_FOUND);
}

int
store_enroll_code_get(struct store *s, int64_t user_id,
    struct enroll_code_rec *e)
{
	struct db_stmt *st = NULL;
	int r;

	memset(e, 0, sizeof(*e));
	if ((r = db_prep(s, "SELECT user_id, salt, hash, created, expires, used, "
	    "token_id FROM enroll_codes WHERE user_id = ?1", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE) {
		r = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (r != DB_ROW)
		goto out;
	r = 0;
	e->user_id = db_col_int(st, 0);
	if ((r = col_blob(st, 1, e->salt, sizeof(e->salt))) != 0 ||
	    (r = col_blob(st, 2, e->hash, sizeof(e->hash))) != 0)
		goto out;
	e->created = db_col_int(st, 3);
	e->expires = db_col_int(st, 4);
	e->used = db_col_int(st, 5);
	e->token_id = db_col_int(st, 6);
 out:
	db_done(st);
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
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, sql, &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, key)) != 0 ||
	    (r = db_bind_int(st, 2, now)) != 0 ||
	    (r = db_bind_int(st, 3, token_id)) != 0) {
		db_done(st);
		return r;
	}
	return run_one(st, KAGI_ERR_STATE);
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
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "DELETE FROM enroll_codes WHERE user_id = ?1",
	    &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, user_id)) == 0)
		r = db_step_done(st);
	db_done(st);
	return r;
}

/* --- enrollment grants ----------------------------------------------------- */

int
store_enroll_grant_add(struct store *s, const struct enroll_grant_rec *g,
    int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "INSERT INTO enroll_grants (user_id, request_id, "
	    "requester_uid, requester, approver, created, expires) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, g->user_id)) != 0 ||
	    (r = db_bind_int(st, 2, g->request_id)) != 0 ||
	    (r = db_bind_int(st, 3, g->requester_uid)) != 0 ||
	    (r = db_bind_text(st, 4, g->requester)) != 0 ||
	    (r = db_bind_text(st, 5, g->approver)) != 0 ||
	    (r = db_bind_int(st, 6, g->created)) != 0 ||
	    (r = db_bind_int(st, 7, g->expires)) != 0)
		goto out;
	r = db_step_id(st, id);
 out:
	db_done(st);
	return r;
}

int
store_enroll_grant_find(struct store *s, int64_t user_id, int64_t now,
    struct enroll_grant_rec *g)
{
	struct db_stmt *st = NULL;
	int r;

	memset(g, 0, sizeof(*g));
	if ((r = db_prep(s, "SELECT id, user_id, request_id, requester_uid, "
	    "requester, approver, created, expires, used, token_id FROM "
	    "enroll_grants WHERE user_id = ?1 AND used = 0 AND expires > ?2 "
	    "ORDER BY id LIMIT 1", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, user_id)) != 0 ||
	    (r = db_bind_int(st, 2, now)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE) {
		r = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (r != DB_ROW)
		goto out;
	r = 0;
	g->id = db_col_int(st, 0);
	g->user_id = db_col_int(st, 1);
	g->request_id = db_col_int(st, 2);
	g->requester_uid = db_col_int(st, 3);
	if ((r = db_col_str(st, 4, g->requester, STORE_NAME_MAX)) != 0 ||
	    (r = db_col_str(st, 5, g->approver, STORE_NAME_MAX)) != 0)
		goto out;
	g->created = db_col_int(st, 6);
	g->expires = db_col_int(st, 7);
	g->used = db_col_int(st, 8);
	g->token_id = db_col_int(st, 9);
 out:
	db_done(st);
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
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "INSERT INTO breakglass_codes (user_id, salt, hash, "
	    "iterations, created) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
	    &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, c->user_id)) != 0 ||
	    (r = db_bind_blob(st, 2, c->salt, sizeof(c->salt))) != 0 ||
	    (r = db_bind_blob(st, 3, c->hash, sizeof(c->hash))) != 0 ||
	    (r = db_bind_int(st, 4, c->iterations)) != 0 ||
	    (r = db_bind_int(st, 5, c->created)) != 0)
		goto out;
	r = db_step_id(st, id);
 out:
	db_done(st);
	return r;
}

int
store_bg_code_list(struct store *s, int64_t user_id, store_bg_code_cb cb,
    void *arg)
{
	struct bg_code_rec c;
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "SELECT b.id, b.user_id, u.name, b.salt, b.hash, "
	    "b.iterations, b.created, b.used FROM breakglass_codes b JOIN "
	    "users u ON u.id = b.user_id WHERE b.used = 0 AND (?1 = 0 OR "
	    "b.user_id = ?1) ORDER BY b.id", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	while ((r = db_step(st)) == DB_ROW) {
		memset(&c, 0, sizeof(c));
		c.id = db_col_int(st, 0);
		c.user_id = db_col_int(st, 1);
		if ((r = db_col_str(st, 2, c.user, STORE_NAME_MAX)) != 0 ||
		    (r = col_blob(st, 3, c.salt, sizeof(c.salt))) != 0 ||
		    (r = col_blob(st, 4, c.hash, sizeof(c.hash))) != 0)
			goto out;
		c.iterations = db_col_int(st, 5);
		c.created = db_col_int(st, 6);
		c.used = db_col_int(st, 7);
		if (c.iterations < 1) {
			r = KAGI_ERR_STORE;
			goto out;
		}
		if ((r = cb(&c, arg)) != 0)
			goto out;
	}
 out:
	db_done(st);
	return r < 0 ? r : 0;
}

int
store_bg_code_use(struct store *s, int64_t id, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "UPDATE breakglass_codes SET used = ?2 WHERE id = ?1 "
	    "AND used = 0", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, id)) != 0 || (r = db_bind_int(st, 2, now)) != 0) {
		db_done(st);
		return r;
	}
	return run_one(st, KAGI_ERR_STATE);
}

int
store_bg_code_revoke_user(struct store *s, int64_t user_id, int64_t now,
    int64_t *n)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "UPDATE breakglass_codes SET used = ?2 WHERE "
	    "user_id = ?1 AND used = 0", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, user_id)) == 0 &&
	    (r = db_bind_int(st, 2, now)) == 0 &&
	    (r = db_step_done(st)) == 0 && n != NULL)
		*n = db_changes(st);
	db_done(st);
	return r;
}

/* --- exceptions ------------------------------------------------------------ */

#define EXC_COLS "id, \"user\", code_id, source, opened, closed, closer, reason"

static int
exception_from_row(struct db_stmt *st, struct exception_rec *e)
{
	int r;

	memset(e, 0, sizeof(*e));
	e->id = db_col_int(st, 0);
	if ((r = db_col_str(st, 1, e->user, STORE_NAME_MAX)) != 0 ||
	    (r = db_col_str(st, 3, e->source, EXC_SOURCE_MAX)) != 0 ||
	    (r = db_col_str(st, 6, e->closer, STORE_NAME_MAX)) != 0 ||
	    (r = db_col_str(st, 7, e->reason, REQ_REASON_MAX)) != 0)
		return r;
	e->code_id = db_col_int(st, 2);
	e->opened = db_col_int(st, 4);
	e->closed = db_col_int(st, 5);
	return 0;
}

int
store_exception_add(struct store *s, const char *user, int64_t code_id,
    const char *source, int64_t opened, int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "INSERT INTO exceptions (\"user\", code_id, "
	    "source, opened) VALUES (?1, ?2, ?3, ?4) RETURNING id", &st)) != 0)
		return r;
	if ((r = db_bind_text(st, 1, user)) != 0 ||
	    (r = db_bind_int(st, 2, code_id)) != 0 ||
	    (r = db_bind_text(st, 3, source)) != 0 ||
	    (r = db_bind_int(st, 4, opened)) != 0)
		goto out;
	r = db_step_id(st, id);
 out:
	db_done(st);
	return r;
}

int
store_exception_get(struct store *s, int64_t id, struct exception_rec *e)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "SELECT " EXC_COLS " FROM exceptions WHERE id = ?1",
	    &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, id)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (r == DB_ROW)
		r = exception_from_row(st, e);
 out:
	db_done(st);
	return r;
}

int
store_exception_close(struct store *s, int64_t id, const char *closer,
    const char *reason, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "UPDATE exceptions SET closed = ?2, closer = ?3, "
	    "reason = ?4 WHERE id = ?1 AND closed = 0", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, id)) != 0 || (r = db_bind_int(st, 2, now)) != 0 ||
	    (r = db_bind_text(st, 3, closer)) != 0 ||
	    (r = db_bind_text(st, 4, reason)) != 0) {
		db_done(st);
		return r;
	}
	return run_one(st, KAGI_ERR_STATE);
}

int
store_exception_list(struct store *s, int open_only, store_exception_cb cb,
    void *arg)
{
	struct exception_rec e;
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "SELECT " EXC_COLS " FROM exceptions WHERE ?1 = 0 OR "
	    "closed = 0 ORDER BY id", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, open_only)) != 0)
		goto out;
	while ((r = db_step(st)) == DB_ROW)
		if ((r = exception_from_row(st, &e)) != 0 ||
		    (r = cb(&e, arg)) != 0)
			goto out;
 out:
	db_done(st);
	return r < 0 ? r : 0;
}

int
store_exception_recent(struct store *s, const char *user, int64_t since,
    int *found)
{
	struct db_stmt *st = NULL;
	int r;

	*found = 0;
	if ((r = db_prep(s, "SELECT count(*) FROM exceptions WHERE \"user\" = ?1 "
	    "AND "
	    "opened >= ?2", &st)) != 0)
		return r;
	if ((r = db_bind_text(st, 1, user)) != 0 ||
	    (r = db_bind_int(st, 2, since)) != 0)
		goto out;
	if ((r = db_step_row(st)) != 0)
		goto out;
	*found = db_col_int(st, 0) > 0;
 out:
	db_done(st);
	return r;
}

/* --- users ----------------------------------------------------------------- */

int
store_user_set_enabled_at(struct store *s, int64_t id, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "INSERT INTO user_activity (user_id, enabled_at) "
	    "VALUES (?1, ?2) ON CONFLICT (user_id) DO UPDATE SET "
	    "enabled_at = excluded.enabled_at", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, id)) != 0 || (r = db_bind_int(st, 2, now)) != 0) {
		db_done(st);
		return r;
	}
	return run_one(st, KAGI_ERR_NOT_FOUND);
}

int
store_user_enabled_at(struct store *s, int64_t id, int64_t *at)
{
	struct db_stmt *st = NULL;
	int r;

	*at = 0;
	if ((r = db_prep(s, "SELECT enabled_at FROM user_activity WHERE "
	    "user_id = ?1", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, id)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_ROW) {
		r = 0;
		*at = db_col_int(st, 0);
	}
 out:
	db_done(st);
	return r;
}
