/*
 * store_sqlite_pending.c - the SQLite side of store_session.h's log-ins
 * waiting for their confirmation (the schema's eighth migration).
 *
 * Guarantees as in store_sqlite_session.c: arguments checked before any
 * SQL runs (KAGI_ERR_INVALID), a row that breaks an invariant (a string
 * too long or with a NUL, a hash of the wrong length) is KAGI_ERR_STORE.
 * A take reads and deletes in the caller's transaction, so two
 * confirmations with the same id cannot both find it.  Statements are
 * prepared per call: they run once per log-in.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "kagi_err.h"
#include "store_session.h"
#include "store_sqlite_int.h"

#define PENDING_COLS "p.id, p.user_id, u.name, p.hash, p.service, p.tty, " \
	"p.rhost, p.zone, p.peer_uid, p.peer_pid, p.factor, p.label, " \
	"p.created, p.expires"
#define PENDING_FROM " FROM pending_logins p JOIN users u ON u.id = p.user_id "

static int
pending_from_row(sqlite3_stmt *st, struct pending_rec *p)
{
	const void *h;
	int e;

	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(st, 0);
	p->user_id = sqlite3_column_int64(st, 1);
	p->peer_uid = sqlite3_column_int64(st, 8);
	p->peer_pid = sqlite3_column_int64(st, 9);
	p->created = sqlite3_column_int64(st, 12);
	p->expires = sqlite3_column_int64(st, 13);
	if (sqlite3_column_type(st, 3) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, 3) != STORE_CONFIRM_HASH_LEN ||
	    (h = sqlite3_column_blob(st, 3)) == NULL)
		return KAGI_ERR_STORE;
	memcpy(p->hash, h, STORE_CONFIRM_HASH_LEN);
	if ((e = sq_col_str(st, 2, p->user, STORE_NAME_MAX)) != 0 ||
	    (e = sq_col_str(st, 4, p->service, STORE_NAME_MAX)) != 0 ||
	    (e = sq_col_str(st, 5, p->tty, STORE_PLACE_MAX)) != 0 ||
	    (e = sq_col_str(st, 6, p->rhost, STORE_HOST_MAX)) != 0 ||
	    (e = sq_col_str(st, 7, p->zone, STORE_ZONE_MAX)) != 0 ||
	    (e = sq_col_str(st, 10, p->factor, STORE_FACTORS_MAX)) != 0 ||
	    (e = sq_col_str(st, 11, p->label, STORE_FACTORS_MAX)) != 0)
		return e;
	if (p->service[0] == '\0' || p->factor[0] == '\0' ||
	    p->label[0] == '\0' || p->created <= 0 || p->expires < p->created)
		return KAGI_ERR_STORE;
	return 0;
}

int
store_pending_add(struct store *s, const struct pending_rec *p, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int e;

	if (p == NULL || !sq_str_ok(p->service, STORE_NAME_MAX) ||
	    p->service[0] == '\0' || !sq_str_ok(p->tty, STORE_PLACE_MAX) ||
	    !sq_str_ok(p->rhost, STORE_HOST_MAX) ||
	    !sq_str_ok(p->zone, STORE_ZONE_MAX) ||
	    !sq_str_ok(p->factor, STORE_FACTORS_MAX) || p->factor[0] == '\0' ||
	    !sq_str_ok(p->label, STORE_FACTORS_MAX) || p->label[0] == '\0' ||
	    p->created <= 0 || p->expires < p->created)
		return KAGI_ERR_INVALID;
	if ((e = sq_prep(s, "INSERT INTO pending_logins (user_id, hash, "
	    "service, tty, rhost, zone, peer_uid, peer_pid, factor, label, "
	    "created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12)", &st)) != 0 ||
	    (e = sq_bind_int(s, st, 1, p->user_id)) != 0)
		goto out;
	if (sqlite3_bind_blob(st, 2, p->hash, STORE_CONFIRM_HASH_LEN,
	    SQLITE_STATIC) != SQLITE_OK) {
		e = sq_fail(s);
		goto out;
	}
	if ((e = sq_bind_text(s, st, 3, p->service)) != 0 ||
	    (e = sq_bind_text(s, st, 4, p->tty)) != 0 ||
	    (e = sq_bind_text(s, st, 5, p->rhost)) != 0 ||
	    (e = sq_bind_text(s, st, 6, p->zone)) != 0 ||
	    (e = sq_bind_int(s, st, 7, p->peer_uid)) != 0 ||
	    (e = sq_bind_int(s, st, 8, p->peer_pid)) != 0 ||
	    (e = sq_bind_text(s, st, 9, p->factor)) != 0 ||
	    (e = sq_bind_text(s, st, 10, p->label)) != 0 ||
	    (e = sq_bind_int(s, st, 11, p->created)) != 0 ||
	    (e = sq_bind_int(s, st, 12, p->expires)) != 0 ||
	    (e = sq_step_done(s, st)) != 0)
		goto out;
	*id = sqlite3_last_insert_rowid(s->db);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_pending_delete(struct store *s, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int e;

	if ((e = sq_prep(s, "DELETE FROM pending_logins WHERE id = ?1",
	    &st)) != 0 || (e = sq_bind_int(s, st, 1, id)) != 0)
		goto out;
	e = sq_step_one_change(s, st);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_pending_take(struct store *s,
    const uint8_t hash[STORE_CONFIRM_HASH_LEN], struct pending_rec *p)
{
	sqlite3_stmt *st = NULL;
	int e, rc;

	memset(p, 0, sizeof(*p));
	if ((e = sq_prep(s, "SELECT " PENDING_COLS PENDING_FROM
	    "WHERE p.hash = ?1", &st)) != 0)
		goto out;
	if (sqlite3_bind_blob(st, 1, hash, STORE_CONFIRM_HASH_LEN,
	    SQLITE_STATIC) != SQLITE_OK) {
		e = sq_fail(s);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		e = KAGI_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		e = sq_fail(s);
	else if ((e = pending_from_row(st, p)) == 0) {
		sqlite3_finalize(st);
		st = NULL;
		e = store_pending_delete(s, p->id);
	}
out:
	if (e != 0)
		memset(p, 0, sizeof(*p));
	sqlite3_finalize(st);
	return e;
}

int
store_pending_expired(struct store *s, int64_t now, store_pending_cb cb,
    void *arg)
{
	struct pending_rec p;
	sqlite3_stmt *st = NULL;
	int e, rc;

	if ((e = sq_prep(s, "SELECT " PENDING_COLS PENDING_FROM
	    "WHERE p.expires <= ?1 ORDER BY p.expires, p.id", &st)) != 0 ||
	    (e = sq_bind_int(s, st, 1, now)) != 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((e = pending_from_row(st, &p)) != 0)
			goto out;
		if ((e = cb(&p, arg)) != 0) {
			e = e < 0 ? e : 0;
			goto out;
		}
	}
	e = rc == SQLITE_DONE ? 0 : sq_fail(s);
out:
	sqlite3_finalize(st);
	return e;
}

int
store_pending_next(struct store *s, int64_t *when)
{
	sqlite3_stmt *st = NULL;
	int e, rc;

	*when = 0;
	if ((e = sq_prep(s, "SELECT min(expires) FROM pending_logins",
	    &st)) != 0)
		goto out;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		e = sq_fail(s);
		goto out;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL)
		*when = sqlite3_column_int64(st, 0);
	if (*when <= 0 && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*when = 1;	/* due at once */
out:
	sqlite3_finalize(st);
	return e;
}
