/*
 * store_sqlite_fido2.c - the store's FIDO2 credentials (store.h), on the
 * statement layer (store_int.h); the statements are in store_sqlite.c's
 * table.
 *
 * What it guarantees:
 *  - A credential is added with its token in the caller's transaction;
 *    a credential ID that any user already has is KAGI_ERR_EXISTS
 *    (UNIQUE, R-TOK-1), and nothing of the token is left once the caller
 *    rolls its savepoint back.
 *  - Rows read back are checked (ID length, algorithm, counter range,
 *    AAGUID length, uv kind); one that breaks them is KAGI_ERR_STORE.
 *  - The counter only moves from the value the caller read, on an active
 *    token, in one statement: two log-ins racing with the same counter
 *    cannot both succeed.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "store.h"
#include "store_int.h"

#define COUNTER_MAX 0xffffffffLL

static int
alg_valid(int alg)
{
	return alg == -7 || alg == -8 || alg == -257;
}

static int
fido2_valid(const struct fido2_rec *f)
{
	if (f->cred_id_len == 0 || f->cred_id_len > FIDO2_CRED_ID_MAX ||
	    !alg_valid(f->cose_alg) || f->counter < 0 ||
	    f->counter > COUNTER_MAX || f->uv < FIDO2_UV_NONE ||
	    f->uv > FIDO2_UV_BUILTIN ||
	    memchr(f->reason, '\0', sizeof(f->reason)) == NULL)
		return KAGI_ERR_INVALID;
	return 0;
}

static int
fido2_from_row(struct db_stmt *st, struct fido2_rec *out)
{
	struct fido2_rec v;
	const void *p;
	size_t n = 0;
	int r;

	memset(&v, 0, sizeof(v));
	v.token_id = db_col_int(st, 0);
	if (db_col_type(st, 1) != DB_BLOB ||
	    (p = db_col_blob(st, 1, &n)) == NULL || n == 0 ||
	    n > FIDO2_CRED_ID_MAX)
		return KAGI_ERR_STORE;
	memcpy(v.cred_id, p, n);
	v.cred_id_len = n;
	v.cose_alg = (int)db_col_int(st, 2);
	v.counter = db_col_int(st, 3);
	if (db_col_type(st, 4) != DB_BLOB ||
	    (p = db_col_blob(st, 4, &n)) == NULL || n != FIDO2_AAGUID_LEN)
		return KAGI_ERR_STORE;
	memcpy(v.aaguid, p, FIDO2_AAGUID_LEN);
	v.uv = (int)db_col_int(st, 5);
	if ((r = db_col_str(st, 6, v.reason, FIDO2_REASON_MAX)) != 0)
		return r;
	if (fido2_valid(&v) != 0)
		return KAGI_ERR_STORE;
	*out = v;
	return 0;
}

int
store_fido2_add(struct store *s, const struct token_rec *t,
    const struct fido2_rec *f, int64_t *id)
{
	struct db_stmt *st = NULL;
	int64_t tid = 0;
	int r;

	if (t == NULL || f == NULL || t->type != TOKEN_FIDO2 ||
	    fido2_valid(f) != 0)
		return KAGI_ERR_INVALID;
	if ((r = store_token_add(s, t, &tid)) != 0)
		return r;
	if ((r = db_take(s, ST_FIDO2_ADD, &st)) != 0 ||
	    (r = db_bind_int(st, 1, tid)) != 0 ||
	    (r = db_bind_blob(st, 2, f->cred_id, f->cred_id_len)) != 0 ||
	    (r = db_bind_int(st, 3, f->cose_alg)) != 0 ||
	    (r = db_bind_int(st, 4, f->counter)) != 0 ||
	    (r = db_bind_blob(st, 5, f->aaguid, FIDO2_AAGUID_LEN)) != 0 ||
	    (r = db_bind_int(st, 6, f->uv)) != 0 ||
	    (r = db_bind_text(st, 7, f->reason)) != 0)
		goto out;
	/* A credential ID someone already has gives no row: EXISTS. */
	if ((r = db_step_id(st, NULL)) != 0)
		goto out;
	if (id != NULL)
		*id = tid;
 out:
	db_done(st);
	return r;
}

static int
fetch_one(struct db_stmt *st, struct fido2_rec *f)
{
	int r = db_step(st);

	if (r == DB_DONE)
		return KAGI_ERR_NOT_FOUND;
	if (r != DB_ROW)
		return r;
	return fido2_from_row(st, f);
}

int
store_fido2_get_cred(struct store *s, const uint8_t *cred_id, size_t len,
    struct fido2_rec *f)
{
	struct db_stmt *st = NULL;
	int r;

	if (cred_id == NULL || f == NULL || len == 0 ||
	    len > FIDO2_CRED_ID_MAX)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_FIDO2_GET_CRED, &st)) != 0 ||
	    (r = db_bind_blob(st, 1, cred_id, len)) != 0)
		goto out;
	r = fetch_one(st, f);
 out:
	db_done(st);
	return r;
}

int
store_fido2_get(struct store *s, int64_t token_id, struct fido2_rec *f)
{
	struct db_stmt *st = NULL;
	int r;

	if (f == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_FIDO2_GET, &st)) != 0 ||
	    (r = db_bind_int(st, 1, token_id)) != 0)
		goto out;
	r = fetch_one(st, f);
 out:
	db_done(st);
	return r;
}

/* UPDATE ... WHERE id = ?1 with ?2 = v; no such row: NOT_FOUND. */
static int
set_by_id(struct store *s, enum stmt_id sid, int64_t id, int64_t v,
    const char *text)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_take(s, sid, &st)) != 0 ||
	    (r = db_bind_int(st, 1, id)) != 0 ||
	    (r = text != NULL ? db_bind_text(st, 2, text) :
	    db_bind_int(st, 2, v)) != 0)
		goto out;
	r = db_step_one_change(st);
 out:
	db_done(st);
	return r;
}

int
store_fido2_set_counter(struct store *s, int64_t token_id, int64_t old,
    int64_t new_counter, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if (old < 0 || old > COUNTER_MAX || new_counter < 0 ||
	    new_counter > COUNTER_MAX)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_FIDO2_COUNTER, &st)) != 0 ||
	    (r = db_bind_int(st, 1, token_id)) != 0 ||
	    (r = db_bind_int(st, 2, old)) != 0 ||
	    (r = db_bind_int(st, 3, new_counter)) != 0 ||
	    (r = db_bind_int(st, 4, TOKEN_ACTIVE)) != 0)
		goto out;
	/* Another log-in moved it first, or the token is no longer active. */
	if ((r = db_step_one_change(st)) == KAGI_ERR_NOT_FOUND)
		r = KAGI_ERR_REPLAY;
	db_done(st);
	st = NULL;
	if (r == 0)
		r = set_by_id(s, ST_FIDO2_USED, token_id, now, NULL);
 out:
	db_done(st);
	return r;
}

int
store_fido2_disable(struct store *s, int64_t token_id, const char *reason)
{
	int r;

	if (reason == NULL || strlen(reason) > FIDO2_REASON_MAX)
		return KAGI_ERR_INVALID;
	if ((r = store_token_set_state(s, token_id, TOKEN_REVOKED)) != 0)
		return r;
	return set_by_id(s, ST_FIDO2_REASON, token_id, 0, reason);
}
