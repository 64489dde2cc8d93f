/*
 * store_sqlite_data.c - the store's users, tokens and lockout counters
 * (store.h), written on the statement layer (store_int.h), so for either
 * engine; the statements themselves are in store_sqlite.c's table.
 *
 * What it guarantees:
 *  - Arguments are checked before any SQL runs: names are 1 to
 *    STORE_NAME_MAX bytes, roles and token states within their enums,
 *    tokens and lock records as store.h describes; otherwise
 *    KAGI_ERR_INVALID and nothing is written.
 *  - A row read back that breaks the store's invariants is KAGI_ERR_STORE,
 *    never handed on; a token's sealed blob is wiped when its record is
 *    cleared, including between list callbacks.
 *  - An update or delete that matches no row is KAGI_ERR_NOT_FOUND, and so
 *    is a token or lock record for a user that does not exist (foreign
 *    key); a duplicate name is KAGI_ERR_EXISTS.
 *  - A TOTP step is accepted at most once: store_token_accept_step() moves
 *    last_step forward only, on an active token, in one statement; an old
 *    step, an inactive or a missing token are all KAGI_ERR_REPLAY.
 *  - Deleting a user takes its tokens and lock record along (ON DELETE
 *    CASCADE).
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "store.h"
#include "store_int.h"

/* --- Users ----------------------------------------------------------- */

static int
check_name(const char *name)
{
	size_t n;

	if (name == NULL)
		return KAGI_ERR_INVALID;
	n = strnlen(name, STORE_NAME_MAX + 1);
	if (n == 0 || n > STORE_NAME_MAX)
		return KAGI_ERR_INVALID;
	return 0;
}

/* Fetch at most one user row from a bound statement. */
static int
user_fetch(struct db_stmt *st, struct user_rec *u)
{
	int r = db_step(st);

	if (r == DB_DONE)
		return KAGI_ERR_NOT_FOUND;
	if (r != DB_ROW)
		return r;
	return db_user_from_row(st, u);
}

int
store_user_get(struct store *s, const char *name, struct user_rec *u)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = check_name(name)) != 0 || u == NULL) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = db_take(s, ST_USER_GET, &st)) != 0 ||
	    (r = db_bind_text(st, 1, name)) != 0)
		goto out;
	r = user_fetch(st, u);
 out:
	db_done(st);
	return r;
}

int
store_user_get_id(struct store *s, int64_t id, struct user_rec *u)
{
	struct db_stmt *st = NULL;
	int r;

	if (u == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_USER_GET_ID, &st)) != 0 ||
	    (r = db_bind_int(st, 1, id)) != 0)
		goto out;
	r = user_fetch(st, u);
 out:
	db_done(st);
	return r;
}

int
store_user_add(struct store *s, const char *name, int role, int64_t now,
    int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = check_name(name)) != 0)
		goto out;
	if (role < ROLE_STAFF || role > ROLE_VENDOR) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = db_take(s, ST_USER_ADD, &st)) != 0 ||
	    (r = db_bind_text(st, 1, name)) != 0 ||
	    (r = db_bind_int(st, 2, role)) != 0 ||
	    (r = db_bind_int(st, 3, now)) != 0)
		goto out;
	/* A name taken gives no row: KAGI_ERR_EXISTS. */
	r = db_step_id(st, id);
 out:
	db_done(st);
	return r;
}

/* UPDATE/DELETE ... WHERE id = ?1 [, ?2 = v]; no such row: NOT_FOUND. */
static int
change_by_id(struct store *s, enum stmt_id sid, int64_t id, int with_v,
    int64_t v)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_take(s, sid, &st)) != 0 ||
	    (r = db_bind_int(st, 1, id)) != 0 ||
	    (with_v && (r = db_bind_int(st, 2, v)) != 0))
		goto out;
	r = db_step_one_change(st);
 out:
	db_done(st);
	return r;
}

int
store_user_set_disabled(struct store *s, int64_t id, int disabled)
{
	return change_by_id(s, ST_USER_SET_DISABLED, id, 1, disabled != 0);
}

int
store_user_set_success(struct store *s, int64_t id, int64_t now)
{
	return change_by_id(s, ST_USER_SET_SUCCESS, id, 1, now);
}

int
store_user_delete(struct store *s, int64_t id)
{
	/* ON DELETE CASCADE takes the tokens and the lock record along. */
	return change_by_id(s, ST_USER_DELETE, id, 0, 0);
}

int
store_user_list(struct store *s, store_user_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	struct user_rec u;
	int r;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_USER_LIST, &st)) != 0)
		goto out;
	while ((r = db_step(st)) == DB_ROW) {
		if ((r = db_user_from_row(st, &u)) != 0 ||
		    (r = cb(&u, arg)) != 0)
			goto out;
	}
 out:
	db_done(st);
	return r;
}

int
store_user_count(struct store *s, int64_t *n)
{
	if (n == NULL)
		return KAGI_ERR_INVALID;
	return db_stmt_int64(s, ST_USER_COUNT, n);
}

/* --- Tokens ---------------------------------------------------------- */

int
store_token_add(struct store *s, const struct token_rec *t, int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if (t == NULL) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = db_token_valid(t)) != 0 ||
	    (r = db_take(s, ST_TOKEN_ADD, &st)) != 0 ||
	    (r = db_bind_int(st, 1, t->user_id)) != 0 ||
	    (r = db_bind_int(st, 2, t->type)) != 0 ||
	    (r = db_bind_int(st, 3, t->state)) != 0 ||
	    (r = db_bind_text(st, 4, t->label)) != 0 ||
	    (r = db_bind_int(st, 5, t->algorithm)) != 0 ||
	    (r = db_bind_int(st, 6, t->digits)) != 0 ||
	    (r = db_bind_int(st, 7, t->period)) != 0 ||
	    (r = db_bind_int(st, 8, t->last_step)) != 0 ||
	    (r = db_bind_int(st, 9, t->created)) != 0 ||
	    (r = db_bind_int(st, 10, t->last_used)) != 0 ||
	    (r = db_bind_blob(st, 11, t->sealed, t->sealed_len)) != 0)
		goto out;
	/* A missing user fails the foreign key: KAGI_ERR_NOT_FOUND. */
	r = db_step_id(st, id);
 out:
	db_done(st);
	return r;
}

int
store_token_get(struct store *s, int64_t id, struct token_rec *t)
{
	struct db_stmt *st = NULL;
	int r;

	if (t == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_TOKEN_GET, &st)) != 0 ||
	    (r = db_bind_int(st, 1, id)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (r == DB_ROW)
		r = db_token_from_row(st, t);
 out:
	db_done(st);
	return r;
}

/*
 * Each row of st as a token to cb, or with its owner's name (column
 * name_col) to ucb when ucb is not NULL; stops at the first non-zero.
 */
static int
token_rows(struct db_stmt *st, store_token_cb cb, int name_col,
    store_token_user_cb ucb, void *arg)
{
	struct token_rec t;
	char name[STORE_NAME_MAX + 1];
	int r;

	memset(&t, 0, sizeof(t));
	while ((r = db_step(st)) == DB_ROW) {
		if ((r = db_token_from_row(st, &t)) != 0 ||
		    (ucb != NULL && (r = db_col_str(st, name_col, name,
		    STORE_NAME_MAX)) != 0))
			break;
		r = ucb != NULL ? ucb(&t, name, arg) : cb(&t, arg);
		token_rec_clear(&t);
		if (r != 0)
			break;
	}
	token_rec_clear(&t);
	return r;
}

int
store_token_list(struct store *s, int64_t user_id, int state,
    store_token_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	int r;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_TOKEN_LIST, &st)) != 0 ||
	    (r = db_bind_int(st, 1, user_id)) != 0 ||
	    (r = db_bind_int(st, 2, state < 0 ? -1 : state)) != 0)
		goto out;
	r = token_rows(st, cb, -1, NULL, arg);
 out:
	db_done(st);
	return r;
}

int
store_token_set_state(struct store *s, int64_t id, int state)
{
	if (state < TOKEN_PENDING || state > TOKEN_REVOKED)
		return KAGI_ERR_INVALID;
	return change_by_id(s, ST_TOKEN_SET_STATE, id, 1, state);
}

int
store_token_accept_step(struct store *s, int64_t id, int64_t step,
    int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_take(s, ST_TOKEN_ACCEPT, &st)) != 0 ||
	    (r = db_bind_int(st, 1, step)) != 0 ||
	    (r = db_bind_int(st, 2, now)) != 0 ||
	    (r = db_bind_int(st, 3, id)) != 0 ||
	    (r = db_bind_int(st, 4, TOKEN_ACTIVE)) != 0)
		goto out;
	/* Old step, inactive or missing token: all the same refusal. */
	if ((r = db_step_one_change(st)) == KAGI_ERR_NOT_FOUND)
		r = KAGI_ERR_REPLAY;
 out:
	db_done(st);
	return r;
}

/* --- Lockout counters ------------------------------------------------ */

int
store_lock_get(struct store *s, int64_t user_id, struct lock_rec *l)
{
	struct db_stmt *st = NULL;
	struct lock_rec v;
	int r;

	memset(&v, 0, sizeof(v));
	if (l == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_LOCK_GET, &st)) != 0 ||
	    (r = db_bind_int(st, 1, user_id)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_ROW) {
		v.failures = db_col_int(st, 0);
		v.first_failure = db_col_int(st, 1);
		v.locked_until = db_col_int(st, 2);
		v.lock_count = db_col_int(st, 3);
		v.relock = db_col_int(st, 4);
		r = 0;
	} else if (r != DB_DONE)
		goto out;
	*l = v;
 out:
	db_done(st);
	return r;
}

int
store_lock_put(struct store *s, int64_t user_id, const struct lock_rec *l)
{
	struct db_stmt *st = NULL;
	int r;

	if (l == NULL || l->failures < 0 || l->first_failure < 0 ||
	    l->locked_until < 0 || l->lock_count < 0 || l->relock < 0)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_LOCK_PUT, &st)) != 0 ||
	    (r = db_bind_int(st, 1, user_id)) != 0 ||
	    (r = db_bind_int(st, 2, l->failures)) != 0 ||
	    (r = db_bind_int(st, 3, l->first_failure)) != 0 ||
	    (r = db_bind_int(st, 4, l->locked_until)) != 0 ||
	    (r = db_bind_int(st, 5, l->lock_count)) != 0 ||
	    (r = db_bind_int(st, 6, l->relock)) != 0)
		goto out;
	/* A missing user fails the foreign key: KAGI_ERR_NOT_FOUND. */
	r = db_step_done(st);
 out:
	db_done(st);
	return r;
}

/*
 * The newest tokens not revoked, with their owners' names: what kagid
 * trial-opens at start to see that its sealing key is the store's
 * (keycheck.c).  One statement on both engines; rarely run, so prepared
 * per use.
 */
int
store_token_newest(struct store *s, int limit, store_token_user_cb cb,
    void *arg)
{
	struct db_stmt *st = NULL;
	int r;

	if (cb == NULL || limit <= 0)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT t.id, t.user_id, t.type, t.state, "
	    "t.label, t.algorithm, t.digits, t.period, t.last_step, "
	    "t.created, t.last_used, t.sealed, u.name FROM tokens t "
	    "JOIN users u ON u.id = t.user_id WHERE t.state <> ?1 "
	    "ORDER BY t.id DESC LIMIT ?2", &st)) != 0 ||
	    (r = db_bind_int(st, 1, TOKEN_REVOKED)) != 0 ||
	    (r = db_bind_int(st, 2, limit)) != 0)
		goto out;
	r = token_rows(st, NULL, 12, cb, arg);
 out:
	db_done(st);
	return r;
}
