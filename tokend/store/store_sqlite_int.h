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
 *
 * These are the SQLite-only helpers the store used before the statement
 * layer (store_int.h); a file moved onto the layer no longer includes
 * this header, and it goes once the last file has moved (issue 14).
 */
#ifndef KAGI_STORE_SQLITE_INT_H
#define KAGI_STORE_SQLITE_INT_H

#include <stdint.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

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
