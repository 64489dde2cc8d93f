/*
 * store_sqlite_audit.c - the store's audit chain: appending, verifying,
 * reading the head (store.h), on the statement layer (store_int.h).
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
 *
 * The head is the last record on both engines; how appends take turns
 * differs.  SQLite: a cache checked against PRAGMA data_version, under
 * BEGIN IMMEDIATE, which holds the whole database.  PostgreSQL: an append
 * locks the row audit_head (FOR UPDATE) and updates it in the same
 * transaction, so that appends from several cores take turns on that row;
 * each then reads the last record in a statement that starts after the
 * previous append committed (READ COMMITTED), and the chain has neither
 * gap nor fork; nothing is cached between statements.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit_chain.h"
#include "kagi_err.h"
#include "store.h"
#include "store_int.h"
#include "wipe.h"

/* A 32-byte blob column, or NULL when the column is anything else. */
static const uint8_t *
col_hash(struct db_stmt *st, int col)
{
	const void *p;
	size_t n = 0;

	if (db_col_type(st, col) != DB_BLOB ||
	    (p = db_col_blob(st, col, &n)) == NULL || n != HASH_LEN)
		return NULL;
	return p;
}

/* PostgreSQL: the appended record is the head, in the same transaction. */
int
db_pg_head_store(struct store *s, int64_t seq, const uint8_t hash[HASH_LEN],
    int64_t time)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_prep(s, "UPDATE audit_head SET seq = ?1, hash = ?2, "
	    "time = ?3 WHERE id = 1", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, seq)) == 0 &&
	    (r = db_bind_blob(st, 2, hash, HASH_LEN)) == 0 &&
	    (r = db_bind_int(st, 3, time)) == 0)
		r = db_step_one_change(st);
	db_done(st);
	return r;
}

/*
 * The head as the records say, into s->head_*: the last record, or, with
 * none live, the boundary the archive left ((0, zeros) for an empty
 * chain).  Both engines: records deleted or edited behind kagid's back
 * show as they are.
 */
static int
head_from_records(struct store *s)
{
	struct db_stmt *st = NULL;
	const uint8_t *h;
	int r;

	if ((r = db_take(s, ST_AUDIT_HEAD, &st)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE) {
		db_done(st);
		st = NULL;
		if ((r = store_audit_boundary(s, &s->head_seq,
		    s->head_hash)) != 0)
			goto out;
		s->head_seq--;
		s->head_time = 0;
	} else if (r == DB_ROW) {
		if ((h = col_hash(st, 1)) == NULL) {
			r = KAGI_ERR_STORE;
			goto out;
		}
		s->head_seq = db_col_int(st, 0);
		memcpy(s->head_hash, h, HASH_LEN);
		s->head_time = db_col_int(st, 2);
	} else
		goto out;
	r = 0;
 out:
	db_done(st);
	return r;
}

/*
 * PostgreSQL: an append (lock) first takes its turn on the row
 * audit_head, locked until the transaction ends; then the head is read
 * from the records, in a statement that starts after the last append's
 * commit (READ COMMITTED).  Nothing is cached.  The row is the lock, not
 * the truth: records cut behind kagid's back leave it ahead of the chain,
 * and the chain is what counts, as on SQLite.
 */
static int
pg_head_load(struct store *s, int lock)
{
	struct db_stmt *st = NULL;
	int r;

	s->head_valid = 0;
	if (lock) {
		if ((r = db_prep(s, "SELECT seq FROM audit_head WHERE id = 1 "
		    "FOR UPDATE", &st)) != 0)
			return r;
		r = db_step(st);
		db_done(st);
		if (r != DB_ROW)
			return r == DB_DONE ? KAGI_ERR_STORE : r;
	}
	return head_from_records(s);
}

/* Make the cached head current: (0, zeros) for an empty chain. */
static int
audit_head_load(struct store *s)
{
	int64_t dv = 0;
	int r;

	if (s->engine == DB_PG)
		return pg_head_load(s, 0);
	if ((r = db_stmt_int64(s, ST_DATA_VERSION, &dv)) != 0)
		return r;
	if (s->head_valid && s->head_data_version == dv)
		return 0;
	s->head_valid = 0;
	if ((r = head_from_records(s)) != 0)
		return r;
	s->head_data_version = dv;
	s->head_valid = 1;
	return 0;
}

int
store_audit_append(struct store *s, const struct audit_event *ev,
    int64_t *seqp)
{
	struct db_stmt *st = NULL;
	struct audit_rec rec;
	uint8_t hash[HASH_LEN];
	int64_t seq;
	int r;

	if (ev == NULL || ev->actor == NULL || ev->event == NULL)
		return KAGI_ERR_INVALID;
	if ((r = s->engine == DB_PG ? pg_head_load(s, 1) :
	    audit_head_load(s)) != 0)
		goto out;
	if (s->head_seq < 0 || s->head_seq == INT64_MAX) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	seq = s->head_seq + 1;
	memset(&rec, 0, sizeof(rec));
	rec.seq = seq;
	rec.time = ev->time;
	/* PostgreSQL: cores take their time before they wait for the head
	 * row, so the one that took it later may append first; the chain's
	 * times never go back (verify: AUDIT_TIME_BACK), so a record is
	 * never older than the one before it (.ci/failover.sh found it). */
	if (s->engine == DB_PG && rec.time < s->head_time)
		rec.time = s->head_time;
	rec.actor_uid = ev->actor_uid;
	rec.actor = ev->actor;
	rec.event = ev->event;
	rec.user = ev->user;
	rec.fields = ev->fields;
	rec.core = s->core;
	memcpy(rec.prev, s->head_hash, HASH_LEN);
	if ((r = audit_chain_hash_md(s->md, s->sha256, &rec, hash)) != 0)
		goto out;
	if ((r = db_take(s, ST_AUDIT_ADD, &st)) != 0 ||
	    (r = db_bind_int(st, 1, seq)) != 0 ||
	    (r = db_bind_int(st, 2, rec.time)) != 0 ||
	    (r = db_bind_int(st, 3, ev->actor_uid)) != 0 ||
	    (r = db_bind_text(st, 4, ev->actor)) != 0 ||
	    (r = db_bind_text(st, 5, ev->event)) != 0 ||
	    (r = ev->user == NULL ? db_bind_null(st, 6) :
	    db_bind_text(st, 6, ev->user)) != 0 ||
	    (r = ev->fields == NULL ? db_bind_null(st, 7) :
	    db_bind_text(st, 7, ev->fields)) != 0 ||
	    (r = db_bind_blob(st, 8, s->head_hash, HASH_LEN)) != 0 ||
	    (r = db_bind_blob(st, 9, hash, HASH_LEN)) != 0 ||
	    (r = db_bind_text(st, 10, s->core)) != 0)
		goto out;
	if (db_step_done(st) != 0 || (s->engine == DB_PG &&
	    db_pg_head_store(s, seq, hash, rec.time) != 0)) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	s->head_seq = seq;
	memcpy(s->head_hash, hash, HASH_LEN);
	s->head_time = rec.time;
	if (seqp != NULL)
		*seqp = seq;
 out:
	db_done(st);
	return r;
}

/* A text column, NULL when SQL NULL. */
static const char *
col_text(struct db_stmt *st, int col)
{
	return db_col_text(st, col, NULL);
}

/* The current row (AUDIT_COLS) as a record; KAGI_ERR_STORE when broken. */
static int
audit_from_row(struct db_stmt *st, struct audit_rec *rec)
{
	const uint8_t *prev, *hash;

	memset(rec, 0, sizeof(*rec));
	rec->seq = db_col_int(st, 0);
	rec->time = db_col_int(st, 1);
	rec->actor_uid = db_col_int(st, 2);
	rec->actor = col_text(st, 3);
	rec->event = col_text(st, 4);
	rec->user = col_text(st, 5);
	rec->fields = col_text(st, 6);
	rec->core = col_text(st, 9);
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

int
store_audit_boundary(struct store *s, int64_t *first_seq, uint8_t prev[32])
{
	struct db_stmt *st = NULL;
	const uint8_t *h;
	int r;

	if (first_seq == NULL || prev == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT first_seq, prev FROM audit_boundary "
	    "WHERE id = 1", &st)) != 0)
		return r;
	if ((r = db_step(st)) == DB_DONE) {
		*first_seq = 1;
		memset(prev, 0, HASH_LEN);
	} else if (r == DB_ROW) {
		if ((h = col_hash(st, 1)) == NULL || db_col_int(st, 0) < 1) {
			r = KAGI_ERR_STORE;
			goto out;
		}
		*first_seq = db_col_int(st, 0);
		memcpy(prev, h, HASH_LEN);
		r = 0;
	}
 out:
	db_done(st);
	return r;
}

int
store_audit_scan(struct store *s, int64_t after_seq, store_audit_cb cb,
    void *arg)
{
	struct db_stmt *st = NULL;
	struct audit_rec rec;
	int r;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT seq, time, actor_uid, actor, event, "
	    "\"user\", fields, prev, hash, core FROM audit WHERE seq > ?1 "
	    "ORDER BY seq", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, after_seq)) != 0)
		goto out;
	while ((r = db_step(st)) == DB_ROW) {
		if ((r = audit_from_row(st, &rec)) != 0)
			goto out;
		if ((r = cb(&rec, arg)) != 0) {
			if (r > 0)
				r = 0;
			goto out;
		}
	}
 out:
	db_done(st);
	return r;
}

int
store_audit_last_event(struct store *s, const char *event, store_audit_cb cb,
    void *arg)
{
	struct db_stmt *st = NULL;
	struct audit_rec rec;
	int r;

	if (cb == NULL || event == NULL)
		return KAGI_ERR_INVALID;
	/* This core's own first (?2 = 1), then any core's. */
	if ((r = db_prep(s, "SELECT seq, time, actor_uid, actor, event, "
	    "\"user\", fields, prev, hash, core FROM audit WHERE event = ?1 "
	    "AND (core = ?3 OR core IS NULL OR ?2 = 0) "
	    "ORDER BY seq DESC LIMIT 1", &st)) != 0)
		return r;
	if ((r = db_bind_text(st, 1, event)) != 0 ||
	    (r = db_bind_int(st, 2, 1)) != 0 ||
	    (r = db_bind_text(st, 3, s->core)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE) {
		db_reset(st);
		if ((r = db_bind_text(st, 1, event)) != 0 ||
		    (r = db_bind_int(st, 2, 0)) != 0 ||
		    (r = db_bind_text(st, 3, s->core)) != 0)
			goto out;
		r = db_step(st);
	}
	if (r == DB_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (r == DB_ROW && (r = audit_from_row(st, &rec)) == 0)
		r = cb(&rec, arg);
 out:
	db_done(st);
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
	struct db_stmt *st = NULL;
	struct audit_walk w;
	struct audit_rec rec;
	uint8_t prev[HASH_LEN];
	enum audit_break b = AUDIT_OK;
	int64_t first = 1;
	int r;

	if (bad_seq == NULL || why == NULL)
		return KAGI_ERR_INVALID;
	*bad_seq = 0;
	*why = AUDIT_OK;
	if ((r = store_audit_boundary(s, &first, prev)) != 0)
		return r;
	audit_walk_start(&w, first, prev);
	if ((r = db_take(s, ST_AUDIT_WALK, &st)) != 0)
		goto out;
	while ((r = db_step(st)) == DB_ROW) {
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
 out:
	db_done(st);
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
    const uint8_t hash[32], const char *file, int64_t time)
{
	struct db_stmt *st = NULL;
	const uint8_t *h;
	int64_t head = 0;
	uint8_t head_hash[HASH_LEN];
	int r;

	if (through_seq < 1 || hash == NULL ||
	    !db_str_ok(file, STORE_ARCHIVE_FILE_MAX))
		return KAGI_ERR_INVALID;
	if ((r = store_audit_head(s, &head, head_hash)) != 0)
		return r;
	if (through_seq >= head)
		return KAGI_ERR_STATE;
	if ((r = db_prep(s, "SELECT hash FROM audit WHERE seq = ?1", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, through_seq)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	if (r != DB_ROW)
		goto out;
	if ((h = col_hash(st, 0)) == NULL ||
	    kagi_ct_memcmp(h, hash, HASH_LEN) != 0) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	db_done(st);
	st = NULL;
	if ((r = db_prep(s, "DELETE FROM audit WHERE seq <= ?1", &st)) != 0)
		goto out;
	if ((r = db_bind_int(st, 1, through_seq)) != 0 ||
	    (r = db_step_done(st)) != 0)
		goto out;
	db_done(st);
	st = NULL;
	if ((r = db_prep(s, "INSERT INTO audit_boundary (id, first_seq, prev) "
	    "VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET "
	    "first_seq = excluded.first_seq, prev = excluded.prev",
	    &st)) != 0)
		goto out;
	if ((r = db_bind_int(st, 1, through_seq + 1)) != 0 ||
	    (r = db_bind_blob(st, 2, hash, HASH_LEN)) != 0 ||
	    (r = db_step_done(st)) != 0)
		goto out;
	db_done(st);
	st = NULL;
	if ((r = db_prep(s, "INSERT INTO audit_archives (through_seq, hash, "
	    "file, time) VALUES (?1, ?2, ?3, ?4)", &st)) != 0)
		goto out;
	if ((r = db_bind_int(st, 1, through_seq)) != 0 ||
	    (r = db_bind_blob(st, 2, hash, HASH_LEN)) != 0 ||
	    (r = db_bind_text(st, 3, file)) != 0 ||
	    (r = db_bind_int(st, 4, time)) != 0)
		goto out;
	r = db_step_done(st);
 out:
	db_done(st);
	return r;
}

int
store_audit_archives(struct store *s, store_archive_cb cb, void *arg)
{
	struct audit_archive_rec a;
	struct db_stmt *st = NULL;
	int64_t first = 1;
	const uint8_t *h;
	int r;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT through_seq, hash, file, time FROM "
	    "audit_archives ORDER BY through_seq", &st)) != 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		memset(&a, 0, sizeof(a));
		a.first_seq = first;
		a.through_seq = db_col_int(st, 0);
		a.time = db_col_int(st, 3);
		if ((h = col_hash(st, 1)) == NULL ||
		    a.through_seq < first ||
		    (r = db_col_str(st, 2, a.file,
		    STORE_ARCHIVE_FILE_MAX)) != 0) {
			r = KAGI_ERR_STORE;
			goto out;
		}
		memcpy(a.hash, h, HASH_LEN);
		first = a.through_seq + 1;
		if ((r = cb(&a, arg)) != 0)
			goto out;
	}
 out:
	db_done(st);
	return r < 0 ? r : 0;
}

int
store_audit_hash_at(struct store *s, int64_t seq, uint8_t hash[32])
{
	struct db_stmt *st = NULL;
	const uint8_t *h;
	int r;

	if (hash == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT hash FROM audit WHERE seq = ?1", &st)) != 0)
		return r;
	if ((r = db_bind_int(st, 1, seq)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (r == DB_ROW) {
		if ((h = col_hash(st, 0)) == NULL)
			r = KAGI_ERR_STORE;
		else {
			memcpy(hash, h, HASH_LEN);
			r = 0;
		}
	}
 out:
	db_done(st);
	return r;
}

int
store_audit_cores(struct store *s, store_core_cb cb, void *arg)
{
	struct db_stmt *st = NULL;
	int r;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT core, count(*), min(seq), max(seq) FROM "
	    "audit GROUP BY core ORDER BY min(seq)", &st)) != 0)
		return r;
	while ((r = db_step(st)) == DB_ROW)
		if ((r = cb(col_text(st, 0), db_col_int(st, 1),
		    db_col_int(st, 2), db_col_int(st, 3), arg)) != 0)
			goto out;
 out:
	db_done(st);
	return r;
}

int
store_audit_head_time(struct store *s, int64_t *time)
{
	int r;

	if (time == NULL)
		return KAGI_ERR_INVALID;
	if ((r = audit_head_load(s)) != 0)
		return r;
	*time = s->head_time;
	return 0;
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
