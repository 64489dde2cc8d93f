/*
 * store_sqlite_audit.c - the SQLite store's audit chain: appending,
 * verifying, reading the head (store.h).
 *
 * What it guarantees:
 *  - Every record carries the hash of the one before it (32 zero bytes
 *    before the first) and its own hash over a fixed, unambiguous encoding
 *    (see audit_hash()); sequence numbers grow by one with no gap.
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

#include "kagi_err.h"
#include "store.h"
#include "store_sqlite_int.h"
#include "wipe.h"

/* A byte string for the audit encoding. */
struct bytes {
	const void *p;
	size_t n;
};

static void
enc_int(uint8_t out[8], int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)(u & 0xff);
		u >>= 8;
	}
}

/*
 * hash = SHA-256(prev(32) || int(seq) || int(time) || int(actor_uid) ||
 * str(actor) || str(event) || str(user) || str(fields)) where int is 8
 * bytes big-endian two's complement and str is a 4-byte big-endian
 * length followed by the bytes; an absent user or fields is "".
 */
static int
audit_hash(struct store *s, const uint8_t prev[HASH_LEN], int64_t seq,
    int64_t time, int64_t actor_uid, const struct bytes str[4],
    uint8_t out[HASH_LEN])
{
	uint8_t ints[24], len[4];
	unsigned int outlen = 0;
	int i;

	enc_int(ints, seq);
	enc_int(ints + 8, time);
	enc_int(ints + 16, actor_uid);
	if (EVP_DigestInit_ex(s->md, s->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(s->md, prev, HASH_LEN) != 1 ||
	    EVP_DigestUpdate(s->md, ints, sizeof(ints)) != 1)
		return KAGI_ERR_CRYPTO;
	for (i = 0; i < 4; i++) {
		if (str[i].n > UINT32_MAX)
			return KAGI_ERR_TOO_LARGE;
		len[0] = (uint8_t)(str[i].n >> 24);
		len[1] = (uint8_t)(str[i].n >> 16);
		len[2] = (uint8_t)(str[i].n >> 8);
		len[3] = (uint8_t)str[i].n;
		if (EVP_DigestUpdate(s->md, len, sizeof(len)) != 1 ||
		    (str[i].n > 0 &&
		    EVP_DigestUpdate(s->md, str[i].p, str[i].n) != 1))
			return KAGI_ERR_CRYPTO;
	}
	if (EVP_DigestFinal_ex(s->md, out, &outlen) != 1 || outlen != HASH_LEN)
		return KAGI_ERR_CRYPTO;
	return 0;
}

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
		s->head_seq = 0;
		memset(s->head_hash, 0, sizeof(s->head_hash));
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

static struct bytes
bytes_str(const char *p)
{
	struct bytes b;

	b.p = p == NULL ? "" : p;
	b.n = strlen(b.p);
	return b;
}

int
store_audit_append(struct store *s, const struct audit_event *ev,
    int64_t *seqp)
{
	sqlite3_stmt *st = NULL;
	struct bytes str[4];
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
	str[0] = bytes_str(ev->actor);
	str[1] = bytes_str(ev->event);
	str[2] = bytes_str(ev->user);
	str[3] = bytes_str(ev->fields);
	if ((r = audit_hash(s, s->head_hash, seq, ev->time, ev->actor_uid,
	    str, hash)) != 0)
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

/* A text column as bytes; NULL reads as "". */
static struct bytes
col_bytes(sqlite3_stmt *st, int col)
{
	struct bytes b;

	b.p = sqlite3_column_text(st, col);
	b.n = (size_t)sqlite3_column_bytes(st, col);
	if (b.p == NULL) {
		b.p = "";
		b.n = 0;
	}
	return b;
}

/*
 * The chain is intact when, in seq order, every record's seq is the
 * previous one's plus one, its prev is the previous record's hash (32
 * zero bytes for seq 1) and its hash recomputes.  The first record may be
 * later than 1 (older records removed for retention); its prev is then
 * taken on trust.  A truncated tail is invisible here: compare
 * store_audit_head() with a copy kept elsewhere.
 */
int
store_audit_verify(struct store *s, int64_t *bad_seq)
{
	static const uint8_t zero[HASH_LEN];
	sqlite3_stmt *st = NULL;
	struct bytes str[4];
	const uint8_t *prev, *hash;
	uint8_t last[HASH_LEN], calc[HASH_LEN];
	int64_t seq, last_seq = 0;
	int first = 1, rc, r;

	if (bad_seq == NULL)
		return KAGI_ERR_INVALID;
	*bad_seq = 0;
	if ((r = sq_stmt_take(s, ST_AUDIT_WALK, &st)) != 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		str[0] = col_bytes(st, 3);
		str[1] = col_bytes(st, 4);
		str[2] = col_bytes(st, 5);
		str[3] = col_bytes(st, 6);
		prev = col_hash(st, 7);
		hash = col_hash(st, 8);
		if (prev == NULL || hash == NULL || seq < 1 ||
		    (!first && (seq != last_seq + 1 ||
		    kagi_ct_memcmp(prev, last, HASH_LEN) != 0)) ||
		    (first && seq == 1 &&
		    kagi_ct_memcmp(prev, zero, HASH_LEN) != 0)) {
			*bad_seq = seq;
			r = KAGI_ERR_INVALID;
			goto out;
		}
		if ((r = audit_hash(s, prev, seq, sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), str, calc)) != 0)
			goto out;
		if (kagi_ct_memcmp(calc, hash, HASH_LEN) != 0) {
			*bad_seq = seq;
			r = KAGI_ERR_INVALID;
			goto out;
		}
		memcpy(last, hash, HASH_LEN);
		last_seq = seq;
		first = 0;
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
