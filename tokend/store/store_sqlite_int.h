/*
 * store_sqlite_int.h - what the files of the SQLite store share, and no
 * one else may use: the connection with its prepared statements and
 * cached audit head, and the helpers that take, step and release a
 * statement and read a row.  Not part of the store's interface (store.h).
 *
 * The helpers keep the store's rules in one place: a statement that an
 * iteration still holds is never handed out twice (KAGI_ERR_INTERNAL),
 * every SQLite failure becomes a KAGI_ERR_* code and drops the cached
 * audit head, and a row that breaks the store's invariants reads as
 * KAGI_ERR_STORE.
 */
#ifndef KAGI_STORE_SQLITE_INT_H
#define KAGI_STORE_SQLITE_INT_H

#include <stdint.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "store.h"

#define HASH_LEN 32

/* The statements prepared at open; their SQL is in store_sqlite.c. */
enum stmt_id {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_SAVEPOINT, ST_RELEASE,
	ST_ROLLBACK_TO, ST_BEGIN_READ,
	ST_USER_GET, ST_USER_GET_ID, ST_USER_ADD, ST_USER_SET_DISABLED,
	ST_USER_SET_SUCCESS, ST_USER_DELETE, ST_USER_LIST, ST_USER_COUNT,
	ST_TOKEN_ADD, ST_TOKEN_GET, ST_TOKEN_LIST, ST_TOKEN_SET_STATE,
	ST_TOKEN_ACCEPT,
	ST_LOCK_GET, ST_LOCK_PUT,
	ST_AUDIT_HEAD, ST_AUDIT_ADD, ST_AUDIT_WALK, ST_DATA_VERSION,
	ST_FIDO2_ADD, ST_FIDO2_GET_CRED, ST_FIDO2_GET, ST_FIDO2_COUNTER,
	ST_FIDO2_REASON, ST_FIDO2_USED,
	ST_SSHKEY_ADD, ST_SSHKEY_GET, ST_SSHKEY_FIND,
	ST_LOGIN_GET, ST_LOGIN_PUT, ST_LOGIN_FAILURE,
	/* A failed log-in's counters, a user's or an unknown name's: kept
	 * prepared, so both take the same time (issue 13). */
	ST_FAILKEY_GET, ST_FAILKEY_PUT, ST_UNKNOWN_LOCK_GET,
	ST_UNKNOWN_LOCK_PUT, ST_UNKNOWN_LOCK_TRIM, ST_UNKNOWN_KEY_GET,
	ST_UNKNOWN_KEY_PUT, ST_UNKNOWN_KEY_TRIM,
	ST_COUNT_
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT_];
	int version;
	int in_savepoint;
	EVP_MD *sha256;
	EVP_MD_CTX *md;
	/* Cached audit head, valid while head_valid and data_version agree. */
	int head_valid;
	int64_t head_seq;
	uint8_t head_hash[HASH_LEN];
	int64_t head_time;		/* 0 when no record is live */
	int64_t head_data_version;
};

/* Any SQLite failure: drop the cached audit head; KAGI_ERR_STORE. */
int sq_fail(struct store *s);

/*
 * The cached statement id in *st, or KAGI_ERR_INTERNAL while an iteration
 * still holds it.  Give it back with sq_stmt_done() (NULL-tolerant), which
 * resets it and clears its bindings.
 */
int sq_stmt_take(struct store *s, enum stmt_id id, sqlite3_stmt **st);
void sq_stmt_done(sqlite3_stmt *st);

/*
 * Step a statement that returns no row: 0, KAGI_ERR_EXISTS (unique or
 * primary key), KAGI_ERR_NOT_FOUND (foreign key) or KAGI_ERR_STORE.
 * sq_step_one_change() also wants exactly one row changed, else
 * KAGI_ERR_NOT_FOUND.
 */
int sq_step_done(struct store *s, sqlite3_stmt *st);
int sq_step_one_change(struct store *s, sqlite3_stmt *st);

/*
 * Step a cached statement without parameters that yields one row and
 * hand over its first column in *v; KAGI_ERR_STORE, nothing in *v, when
 * there is no row.
 */
int sq_stmt_int64(struct store *s, enum stmt_id id, int64_t *v);

/*
 * The current row as a user or a token (columns USER_COLS, TOKEN_COLS);
 * KAGI_ERR_STORE when it breaks the store's invariants.  A token read is
 * the caller's to token_rec_clear().
 */
int sq_user_from_row(sqlite3_stmt *st, struct user_rec *u);
int sq_token_from_row(sqlite3_stmt *st, struct token_rec *t);

/* What every token in the store satisfies; else KAGI_ERR_INVALID. */
int sq_token_valid(const struct token_rec *t);

/* Prepare a statement used once (*st NULL on failure). */
int sq_prep(struct store *s, const char *sql, sqlite3_stmt **st);
/* 1 when v is not NULL and at most max bytes long. */
int sq_str_ok(const char *v, size_t max);
/* Bind a text (copied) or an integer; a failure is the store's (sq_fail). */
int sq_bind_text(struct store *s, sqlite3_stmt *st, int i, const char *v);
int sq_bind_int(struct store *s, sqlite3_stmt *st, int i, int64_t v);
/* Copy a TEXT column of at most max bytes without NULs into dst; any
 * other type is KAGI_ERR_STORE. */
int sq_col_str(sqlite3_stmt *st, int col, char *dst, size_t max);

#endif
