/*
 * store_sqlite_audit.c - the SQLite store's audit chain: appending,
 * verifying, reading the head (store.h).
 *
 * What it guarantees:
 *  - Every record carries the hash of the one before it (32 zero bytes
 *    before the first) and its own hash over the one encoding of
 *    audit_chain.c; sequence numbers grow by one with no gap.
 *  - Records moved to an archive leave a boundary (first live seq and the
 *    prev it must carry) in audit_boundary, written in the same
 *    transaction as the deletion; verification starts there, and an
 *    append to an empty live chain continues from it.
 *  - The head is cached; the cache is dropped on any rollback and any
 *    SQLite error, and is not trusted once another connection has
 *    committed (PRAGMA data_version), so an append chains onto the last
 *    record in the database.
 *  - Verification compares hashes in constant time and names the first
 *    record that does not fit.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "audit_chain.h"
#include "kagi_err.h"
#include "store.h"
#include "store_sqlite_int.h"
#include "wipe.h"

/* Make the cached head current: (0, zeros) for an empty chain. */
static int
audit_head_load(struct store *s)
{
	sqlite3_stmt *st = NULL;
	const void *h;
	int64_t dv = 0;
	int rc, r;

	if ((r = sq_stmt_int64(s, ST_DATA_VERSION, &dv)) != 0)
		goto out;
	if (s->head_valid && s->head_data_version == dv)
		goto out;
	s->head_valid = 0;
	if ((r = sq_stmt_take(s, ST_AUDIT_HEAD, &st)) != 0)
		goto out;
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		sq_stmt_done(st);
		st = NULL;
		if ((r = store_audit_boundary(s, &s->head_seq,
		    s->head_hash)) != 0)
			goto out;
		s->head_seq--;
	} else if (rc == SQLITE_ROW) {
		h = sqlite3_column_blob(st, 1);
		if (sqlite3_column_type(st, 1) != SQLITE_BLOB || h == NULL ||
		    sqlite3_column_bytes(st, 1) != HASH_LEN) {
			r = KAGI_ERR_STORE;
			goto out;
		}
		s->head_seq = sqlite3_column_int64(st, 0);
		memcpy(s->head_hash, h, HASH_LEN);
	} else {
		r = sq_fail(s);
		goto out;
	}
	s->head_data_version = dv;
	s->head_valid = 1;
 out:
	sq_stmt_done(st);
	return r;
}

int
store_audit_append(struct store *s, const struct audit_event *ev,
    int64_t *seqp)
{
	sqlite3_stmt *st = NULL;
	struct audit_rec rec;
	uint8_t hash[HASH_LEN];
	int64_t seq;
	int r;

	if (ev == NULL || ev->actor == NULL || ev->event == NULL)
		return KAGI_ERR_INVALID;
	if ((r = audit_head_load(s)) != 0)
		goto out;
	if (s->head_seq < 0 || s->head_seq == INT64_MAX) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	seq = s->head_seq + 1;
	memset(&rec, 0, sizeof(rec));
	rec.seq = seq;
	rec.time = ev->time;
	rec.actor_uid = ev->actor_uid;
	rec.actor = ev->actor;
	rec.event = ev->event;
	rec.user = ev->user;
	rec.fields = ev->fields;
	memcpy(rec.prev, s->head_hash, HASH_LEN);
	if ((r = audit_chain_hash_md(s->md, s->sha256, &rec, hash)) != 0)
		goto out;
	if ((r = sq_stmt_take(s, ST_AUDIT_ADD, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, seq) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, ev->time) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, ev->actor_uid) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, ev->actor, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(st, 5, ev->event, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    (ev->user == NULL ? sqlite3_bind_null(st, 6) :
	    sqlite3_bind_text(st, 6, ev->user, -1, SQLITE_STATIC)) !=
	    SQLITE_OK ||
	    (ev->fields == NULL ? sqlite3_bind_null(st, 7) :
	    sqlite3_bind_text(st, 7, ev->fields, -1, SQLITE_STATIC)) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob(st, 8, s->head_hash, HASH_LEN, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob(st, 9, hash, HASH_LEN, SQLITE_STATIC) !=
	    SQLITE_OK) {
		r = sq_fail(s);
		goto out;
	}
	if (sq_step_done(s, st) != 0) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	s->head_seq = seq;
	memcpy(s->head_hash, hash, HASH_LEN);
	if (seqp != NULL)
		*seqp = seq;
 out:
	sq_stmt_done(st);
	return r;
}

/* A 32-byte blob column, or NULL when the column is anything else. */
static const uint8_t *
col_hash(sqlite3_stmt *st, int col)
{
	const void *p;

	if (sqlite3_column_type(st, col) != SQLITE_BLOB)
		return NULL;
	p = sqlite3_column_blob(st, col);
	if (p == NULL || sqlite3_column_bytes(st, col) != HASH_LEN)
		return NULL;
	return p;
}

/* A text column, NULL when SQL NULL. */
static const char *
col_text(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_column_text(st, col);
}

/* The current row (AUDIT_COLS) as a record; KAGI_ERR_STORE when broken. */
static int
audit_from_row(sqlite3_stmt *st, struct audit_rec *rec)
{
	const uint8_t *prev, *hash;

	memset(rec, 0, sizeof(*rec));
	rec->seq = sqlite3_column_int64(st, 0);
	rec->time = sqlite3_column_int64(st, 1);
	rec->actor_uid = sqlite3_column_int64(st, 2);
	rec->actor = col_text(st, 3);
	rec->event = col_text(st, 4);
	rec->user = col_text(st, 5);
	rec->fields = col_text(st, 6);
	prev = col_hash(st, 7);
	hash = col_hash(st, 8);
	if (prev != NULL)
		memcpy(rec->prev, prev, HASH_LEN);
	if (hash != NULL)
		memcpy(rec->hash, hash, HASH_LEN);
	/* A record with a broken column is one whose hash cannot match. */
	if (rec->actor == NULL)
		rec->actor = "";
	if (rec->event == NULL)
		rec->event = "";
	return prev == NULL || hash == NULL ? KAGI_ERR_STORE : 0;
}

/* Prepare one of the rarely used statements (not cached). */
static int
prep(struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return sq_fail(s);
	}
	return 0;
}

int
store_audit_boundary(struct store *s, int64_t *first_seq, uint8_t prev[32])
{
	sqlite3_stmt *st = NULL;
	const uint8_t *h;
	int rc, r;

	if (first_seq == NULL || prev == NULL)
		return KAGI_ERR_INVALID;
	if ((r = prep(s, "SELECT first_seq, prev FROM audit_boundary "
	    "WHERE id = 1", &st)) != 0)
		return r;
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		*first_seq = 1;
		memset(prev, 0, HASH_LEN);
	} else if (rc == SQLITE_ROW) {
		if ((h = col_hash(st, 1)) == NULL ||
		    sqlite3_column_int64(st, 0) < 1) {
			r = KAGI_ERR_STORE;
			goto out;
		}
		*first_seq = sqlite3_column_int64(st, 0);
		memcpy(prev, h, HASH_LEN);
	} else
		r = sq_fail(s);
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_audit_scan(struct store *s, int64_t after_seq, store_audit_cb cb,
    void *arg)
{
	sqlite3_stmt *st = NULL;
	struct audit_rec rec;
	int rc, r;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = prep(s, "SELECT seq, time, actor_uid, actor, event, user, "
	    "fields, prev, hash FROM audit WHERE seq > ?1 ORDER BY seq",
	    &st)) != 0)
		return r;
	if (sqlite3_bind_int64(st, 1, after_seq) != SQLITE_OK) {
		r = sq_fail(s);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = audit_from_row(st, &rec)) != 0)
			goto out;
		if ((r = cb(&rec, arg)) != 0) {
			if (r > 0)
				r = 0;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		r = sq_fail(s);
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_audit_last_event(struct store *s, const char *event, store_audit_cb cb,
    void *arg)
{
	sqlite3_stmt *st = NULL;
	struct audit_rec rec;
	int rc, r;

	if (cb == NULL || event == NULL)
		return KAGI_ERR_INVALID;
	if ((r = prep(s, "SELECT seq, time, actor_uid, actor, event, user, "
	    "fields, prev, hash FROM audit WHERE event = ?1 ORDER BY seq DESC "
	    "LIMIT 1", &st)) != 0)
		return r;
	if (sqlite3_bind_text(st, 1, event, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		r = sq_fail(s);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = sq_fail(s);
	else if ((r = audit_from_row(st, &rec)) == 0)
		r = cb(&rec, arg);
 out:
	sqlite3_finalize(st);
	return r;
}

/*
 * The chain is intact when, in seq order, it starts at the boundary (seq
 * 1 with 32 zero bytes when nothing was archived), every record's seq is
 * the previous one's plus one, its prev is the previous record's hash and
 * its hash recomputes.  A truncated tail is invisible here: compare
 * store_audit_head() with an anchor kept elsewhere.
 */
int
store_audit_check(struct store *s, int64_t *bad_seq, int *why)
{
	sqlite3_stmt *st = NULL;
	struct audit_walk w;
	struct audit_rec rec;
	uint8_t prev[HASH_LEN];
	enum audit_break b = AUDIT_OK;
	int64_t first = 1;
	int rc, r;

	if (bad_seq == NULL || why == NULL)
		return KAGI_ERR_INVALID;
	*bad_seq = 0;
	*why = AUDIT_OK;
	if ((r = store_audit_boundary(s, &first, prev)) != 0)
		return r;
	audit_walk_start(&w, first, prev);
	if ((r = sq_stmt_take(s, ST_AUDIT_WALK, &st)) != 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (audit_from_row(st, &rec) != 0) {
			*bad_seq = rec.seq;
			*why = AUDIT_EDITED;
			r = KAGI_ERR_INVALID;
			goto out;
		}
		if ((r = audit_walk_next(&w, &rec, &b)) != 0) {
			if (r == KAGI_ERR_INVALID) {
				*bad_seq = audit_walk_bad_seq(&w, &rec, b);
				*why = (int)b;
			}
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		r = sq_fail(s);
		goto out;
	}
	r = 0;
 out:
	sq_stmt_done(st);
	return r;
}

int
store_audit_verify(struct store *s, int64_t *bad_seq)
{
	int why = 0;

	return store_audit_check(s, bad_seq, &why);
}

int
store_audit_archive(struct store *s, int64_t through_seq,
    const uint8_t hash[32])
{
	sqlite3_stmt *st = NULL;
	const uint8_t *h;
	int64_t head = 0;
	uint8_t head_hash[HASH_LEN];
	int rc, r;

	if (through_seq < 1 || hash == NULL)
		return KAGI_ERR_INVALID;
	if ((r = store_audit_head(s, &head, head_hash)) != 0)
		return r;
	if (through_seq >= head)
		return KAGI_ERR_STATE;
	if ((r = prep(s, "SELECT hash FROM audit WHERE seq = ?1", &st)) != 0)
		return r;
	if (sqlite3_bind_int64(st, 1, through_seq) != SQLITE_OK) {
		r = sq_fail(s);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = sq_fail(s);
		goto out;
	}
	if ((h = col_hash(st, 0)) == NULL ||
	    kagi_ct_memcmp(h, hash, HASH_LEN) != 0) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = prep(s, "DELETE FROM audit WHERE seq <= ?1", &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, through_seq) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		r = sq_fail(s);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = prep(s, "INSERT INTO audit_boundary (id, first_seq, prev) "
	    "VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET "
	    "first_seq = excluded.first_seq, prev = excluded.prev",
	    &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, through_seq + 1) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, hash, HASH_LEN, SQLITE_STATIC) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		r = sq_fail(s);
		goto out;
	}
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

int
store_audit_head(struct store *s, int64_t *seq, uint8_t hash[32])
{
	int r;

	if (seq == NULL || hash == NULL)
		return KAGI_ERR_INVALID;
	if ((r = audit_head_load(s)) != 0)
		return r;
	*seq = s->head_seq;
	memcpy(hash, s->head_hash, HASH_LEN);
	return 0;
}
