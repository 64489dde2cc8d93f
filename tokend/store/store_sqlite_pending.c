/*
 * store_sqlite_pending.c - store_session.h's log-ins waiting for their
 * confirmation (the schema's ninth migration), on the statement layer
 * (store_int.h).
 *
 * Guarantees as in store_sqlite_session.c: arguments checked before any
 * SQL runs (KAGI_ERR_INVALID), a row that breaks an invariant (a string
 * too long or with a NUL, a hash of the wrong length) is KAGI_ERR_STORE.
 * A take reads and deletes in the caller's transaction and wants the
 * delete to remove exactly the row it read, so two confirmations with
 * the same id cannot both find it, on one connection or on two (the
 * second delete finds no row: KAGI_ERR_NOT_FOUND).  Statements are
 * prepared per call: they run once per log-in.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "store_session.h"
#include "store_int.h"

#define PENDING_COLS "p.id, p.user_id, u.name, p.hash, p.service, p.tty, " \
	"p.rhost, p.zone, p.peer_uid, p.peer_pid, p.factor, p.label, " \
	"p.created, p.expires"
#define PENDING_FROM " FROM pending_logins p JOIN users u ON u.id = p.user_id "

static int
pending_from_row(struct db_stmt *st, struct pending_rec *p)
{
	const void *h;
	size_t n = 0;
	int e;

	memset(p, 0, sizeof(*p));
	p->id = db_col_int(st, 0);
	p->user_id = db_col_int(st, 1);
	p->peer_uid = db_col_int(st, 8);
	p->peer_pid = db_col_int(st, 9);
	p->created = db_col_int(st, 12);
	p->expires = db_col_int(st, 13);
	if (db_col_type(st, 3) != DB_BLOB ||
	    (h = db_col_blob(st, 3, &n)) == NULL ||
	    n != STORE_CONFIRM_HASH_LEN)
		return KAGI_ERR_STORE;
	memcpy(p->hash, h, STORE_CONFIRM_HASH_LEN);
	if ((e = db_col_str(st, 2, p->user, STORE_NAME_MAX)) != 0 ||
	    (e = db_col_str(st, 4, p->service, STORE_NAME_MAX)) != 0 ||
	    (e = db_col_str(st, 5, p->tty, STORE_PLACE_MAX)) != 0 ||
	    (e = db_col_str(st, 6, p->rhost, STORE_HOST_MAX)) != 0 ||
	    (e = db_col_str(st, 7, p->zone, STORE_ZONE_MAX)) != 0 ||
	    (e = db_col_str(st, 10, p->factor, STORE_FACTORS_MAX)) != 0 ||
	    (e = db_col_str(st, 11, p->label, STORE_FACTORS_MAX)) != 0)
		return e;
	if (p->service[0] == '\0' || p->factor[0] == '\0' ||
	    p->label[0] == '\0' || p->created <= 0 || p->expires < p->created)
		return KAGI_ERR_STORE;
	return 0;
}

int
store_pending_add(struct store *s, const struct pending_rec *p, int64_t *id)
{
	struct db_stmt *st = NULL;
	int e;

	if (p == NULL || !db_str_ok(p->service, STORE_NAME_MAX) ||
	    p->service[0] == '\0' || !db_str_ok(p->tty, STORE_PLACE_MAX) ||
	    !db_str_ok(p->rhost, STORE_HOST_MAX) ||
	    !db_str_ok(p->zone, STORE_ZONE_MAX) ||
	    !db_str_ok(p->factor, STORE_FACTORS_MAX) || p->factor[0] == '\0' ||
	    !db_str_ok(p->label, STORE_FACTORS_MAX) || p->label[0] == '\0' ||
	    p->created <= 0 || p->expires < p->created)
		return KAGI_ERR_INVALID;
	if ((e = db_prep(s, "INSERT INTO pending_logins (user_id, hash, "
	    "service, tty, rhost, zone, peer_uid, peer_pid, factor, label, "
	    "created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12) RETURNING id", &st)) != 0 ||
	    (e = db_bind_int(st, 1, p->user_id)) != 0 ||
	    (e = db_bind_blob(st, 2, p->hash, STORE_CONFIRM_HASH_LEN)) != 0 ||
	    (e = db_bind_text(st, 3, p->service)) != 0 ||
	    (e = db_bind_text(st, 4, p->tty)) != 0 ||
	    (e = db_bind_text(st, 5, p->rhost)) != 0 ||
	    (e = db_bind_text(st, 6, p->zone)) != 0 ||
	    (e = db_bind_int(st, 7, p->peer_uid)) != 0 ||
	    (e = db_bind_int(st, 8, p->peer_pid)) != 0 ||
	    (e = db_bind_text(st, 9, p->factor)) != 0 ||
	    (e = db_bind_text(st, 10, p->label)) != 0 ||
	    (e = db_bind_int(st, 11, p->created)) != 0 ||
	    (e = db_bind_int(st, 12, p->expires)) != 0)
		goto out;
	e = db_step_id(st, id);
out:
	db_done(st);
	return e;
}

int
store_pending_delete(struct store *s, int64_t id)
{
	struct db_stmt *st = NULL;
	int e;

	if ((e = db_prep(s, "DELETE FROM pending_logins WHERE id = ?1",
	    &st)) != 0 || (e = db_bind_int(st, 1, id)) != 0)
		goto out;
	e = db_step_one_change(st);
out:
	db_done(st);
	return e;
}

int
store_pending_take(struct store *s,
    const uint8_t hash[STORE_CONFIRM_HASH_LEN], struct pending_rec *p)
{
	struct db_stmt *st = NULL;
	int e;

	memset(p, 0, sizeof(*p));
	if ((e = db_prep(s, "SELECT " PENDING_COLS PENDING_FROM
	    "WHERE p.hash = ?1", &st)) != 0 ||
	    (e = db_bind_blob(st, 1, hash, STORE_CONFIRM_HASH_LEN)) != 0)
		goto out;
	if ((e = db_step(st)) == DB_DONE)
		e = KAGI_ERR_NOT_FOUND;
	else if (e == DB_ROW && (e = pending_from_row(st, p)) == 0) {
		db_done(st);
		st = NULL;
		e = store_pending_delete(s, p->id);
	}
out:
	if (e != 0)
		memset(p, 0, sizeof(*p));
	db_done(st);
	return e;
}

int
store_pending_expired(struct store *s, int64_t now, store_pending_cb cb,
    void *arg)
{
	struct pending_rec p;
	struct db_stmt *st = NULL;
	int e;

	if ((e = db_prep(s, "SELECT " PENDING_COLS PENDING_FROM
	    "WHERE p.expires <= ?1 ORDER BY p.expires, p.id", &st)) != 0 ||
	    (e = db_bind_int(st, 1, now)) != 0)
		goto out;
	while ((e = db_step(st)) == DB_ROW) {
		if ((e = pending_from_row(st, &p)) != 0)
			goto out;
		if ((e = cb(&p, arg)) != 0) {
			e = e < 0 ? e : 0;
			goto out;
		}
	}
out:
	db_done(st);
	return e;
}

int
store_pending_next(struct store *s, int64_t *when)
{
	struct db_stmt *st = NULL;
	int e;

	*when = 0;
	if ((e = db_prep(s, "SELECT min(expires) FROM pending_logins",
	    &st)) != 0)
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
