/*
 * store_int.h - what the files of the store share, and no one else may
 * use: the connection with its statements and cached audit head, and the
 * statement layer every store function is written on.  Not part of the
 * store's interface (store*.h).
 *
 * DESIGN (issue 14: kagid on SQLite or PostgreSQL).  The store keeps ONE
 * copy of each function, written on a backend-neutral statement layer
 * (store_db.c), rather than a second PostgreSQL copy of every function:
 * the store has ~150 functions and other branches keep adding more; two
 * copies would drift, and every function added for SQLite would have to
 * be written again.  What differs between the engines is small and lives
 * in one place, the dialect:
 *
 *   placeholders   SQL is written with ?N (SQLite reads it as is); for
 *                  PostgreSQL the layer rewrites ?N to $N once, at
 *                  prepare time (outside quoted text).
 *   BLOB / BYTEA   a column type of the schema only; db_bind_blob() and
 *                  db_col_blob() send and read bytes on both (PostgreSQL:
 *                  binary format, no escaping).
 *   new row ids    RETURNING id on both: SQLite reads it since 3.35, which
 *                  configure already asks for; no last_insert_rowid().
 *   upserts        INSERT ... ON CONFLICT (...) DO NOTHING / DO UPDATE on
 *                  both (SQLite since 3.24); never INSERT OR IGNORE /
 *                  OR REPLACE (OR IGNORE also hides NOT NULL and CHECK
 *                  failures; REPLACE deletes and fires cascades).
 *   "user"         quoted (a reserved word in PostgreSQL).
 *   transactions   db_begin(): SQLite BEGIN IMMEDIATE (the whole database
 *                  is the lock); PostgreSQL BEGIN in READ COMMITTED, where
 *                  every decision is a conditional single-row UPDATE (one
 *                  winner) and a statement flagged DB_LOCK in the table
 *                  is a locking read (FOR UPDATE appended) that holds the
 *                  row a decision is about until COMMIT.
 *   the rest       a statement whose SQL cannot be common (PRAGMA
 *                  data_version, trims by rowid) carries a second text
 *                  for PostgreSQL in the table (struct db_sql.pg); the
 *                  schema and its migrations are per engine.
 *
 * SQLite stays the default and must not get slower: its calls are made
 * directly from store_db.c (one predictable branch per call more than
 * before), its statements are still prepared once per connection, and
 * nothing is copied that was not copied before.
 *
 * The layer (store_db.c):
 *
 *   db_take(s, ST_X, &st)      a statement of the table, prepared once
 *   db_prep(s, "SQL", &st)     a statement used rarely, prepared per use
 *   db_bind_int/text/blob/null(st, i, ...)   parameters ?1, ?2, ...
 *   db_step(st)                DB_ROW, DB_DONE or a KAGI_ERR_* code
 *   db_col_type/int/text/blob(st, col)       the current row
 *   db_changes(st)             rows the statement changed
 *   db_done(st)                give it back (NULL-tolerant)
 *
 * Binding: a text or blob must stay valid until the statement is done.
 * Reading: a text or blob column is valid until the next db_step() or
 * db_done().  A statement that an iteration still holds is never handed
 * out twice (KAGI_ERR_INTERNAL).  Every failure becomes a KAGI_ERR_* code
 * (a unique key KAGI_ERR_EXISTS, a foreign key KAGI_ERR_NOT_FOUND, the
 * rest KAGI_ERR_STORE) and drops the cached audit head.  A row that
 * breaks the store's invariants reads as KAGI_ERR_STORE.
 *
 * State (issue 14): every function of the store is written on this
 * layer; SQLite's own parts are store_sqlite.c (opening, schema,
 * transactions) and the audit head's cache (store_sqlite_audit.c);
 * PostgreSQL's are store_pg.c (connection, schema, running statements)
 * and the audit head's row (store_sqlite_audit.c).
 */
#ifndef KAGI_STORE_INT_H
#define KAGI_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "store.h"

#define HASH_LEN 32
#define SEALED_MAX (64 * 1024)

enum db_engine { DB_SQLITE = 0, DB_PG = 1 };

/* db_step(): a row is there, or the statement is done. */
#define DB_DONE 0
#define DB_ROW 1

/* db_col_type() */
enum db_type { DB_NULL = 0, DB_INT, DB_TEXT, DB_BLOB, DB_OTHER };

/* The statements prepared once per connection; their SQL is in
 * store_sqlite.c's table. */
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

/* One statement's SQL: the common text, and PostgreSQL's when it must
 * differ (written with $N); flags below. */
struct db_sql {
	const char *sql;
	const char *pg;
	unsigned int flags;
};
/*
 * A locking read: FOR UPDATE on PostgreSQL inside a write transaction
 * (store_begin(), not store_begin_read()), so the row read is held until
 * COMMIT and a rule's read-then-write on it is exact across cores
 * (issue 14).  Lock order (FLEET-NOTES.md): audit_head (taken at BEGIN,
 * store_pg.c), then users, tokens, sessions.
 */
#define DB_LOCK 1u

#define DB_MAX_PARAMS 24
#define PG_ONEOFF_MAX 64

struct pg_conn;
struct pg_result;

/* A statement: of the table (id >= 0) or a one-off (id -1). */
struct db_stmt {
	struct store *s;
	int id;
	unsigned int flags;
	/* SQLite */
	sqlite3_stmt *sq;
	/* PostgreSQL: the SQL with $N, the parameters as they will be sent
	 * (binary), the whole result once run, the current row. */
	char *pgsql;
	char *pglock;	/* DB_LOCK: pgsql FOR UPDATE, in a write txn */
	int nparams;
	unsigned int types[DB_MAX_PARAMS];
	const char *vals[DB_MAX_PARAMS];
	int lens[DB_MAX_PARAMS];
	int fmts[DB_MAX_PARAMS];
	unsigned char ints[DB_MAX_PARAMS][8];
	int bad_bind;
	int executed;
	struct pg_result *res;
	int nrows;
	int row;
	int64_t changes;
};

struct store {
	int engine;		/* enum db_engine */
	sqlite3 *db;
	struct pg_conn *pg;
	char pg_error[320];	/* the server's last error, first line */
	/* PostgreSQL's connection (store_state(), pgx_usable()): down from
	 * the first failure that broke it until a reconnection works. */
	int pg_down;
	int64_t pg_since;	/* wall time the state last changed */
	int64_t pg_next_try_ms;	/* monotonic: no new attempt before */
	int64_t pg_backoff_ms;	/* the wait after the last failed one */
	int64_t pg_reconnects;
	char pg_server[128];	/* host:port (or socket dir:port) */
	int pg_server_version;
	/* The core's name lock (store_core_claim()): wanted since the
	 * claim, held on the current connection. */
	int pg_core_claimed;
	int pg_core_held;
	int64_t opened;		/* wall time the store was opened */
	struct db_stmt st[ST_COUNT_];	/* the table's, db_take() */
	/* PostgreSQL: the table's statements prepared on this connection
	 * (pgx_run()), [id][locking variant]; pg_prep_pid is the server
	 * process they were prepared in: any other (a reconnection) means
	 * none is. */
	struct pg_prep {
		int ready;
		int nparams;
		unsigned int types[DB_MAX_PARAMS];
	} pg_prep[ST_COUNT_][2];
	/* ... and the one-off statements (db_prep()) met most often, by
	 * their text, up to PG_ONEOFF_MAX of them. */
	struct pg_oneoff {
		char *sql;
		struct pg_prep p;
	} pg_oneoff[PG_ONEOFF_MAX];
	int pg_noneoff;
	int pg_prep_pid;
	int version;
	int in_savepoint;
	int pg_write;		/* PostgreSQL: in a store_begin() transaction */
	EVP_MD *sha256;
	EVP_MD_CTX *md;
	char core[STORE_CORE_MAX + 1];	/* the core appended records name */
	/* Cached audit head, valid while head_valid and data_version agree. */
	int head_valid;
	int64_t head_seq;
	uint8_t head_hash[HASH_LEN];
	int64_t head_time;		/* 0 when no record is live */
	int64_t head_data_version;
};

/* The table of statements (store_sqlite.c). */
extern const struct db_sql store_stmt_sql[ST_COUNT_];

/* --- the statement layer (store_db.c) ------------------------------ */

int db_take(struct store *s, enum stmt_id id, struct db_stmt **st);
int db_prep(struct store *s, const char *sql, struct db_stmt **st);
void db_done(struct db_stmt *st);
/* PostgreSQL: audit_head := (seq, hash, time), in the caller's
 * transaction (store_sqlite_audit.c; store_copy.c). */
int db_pg_head_store(struct store *s, int64_t seq,
    const uint8_t hash[HASH_LEN], int64_t time);
/* Ready a statement to run again with new parameters (db_prep's too). */
void db_reset(struct db_stmt *st);
int db_bind_int(struct db_stmt *st, int i, int64_t v);
/* A text of at most INT32_MAX bytes, without its NUL. */
int db_bind_text(struct db_stmt *st, int i, const char *v);
int db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);
int db_bind_null(struct db_stmt *st, int i);
int db_step(struct db_stmt *st);
int db_col_type(struct db_stmt *st, int col);
int64_t db_col_int(struct db_stmt *st, int col);
/* NULL for SQL NULL; *n the length in bytes when n is not NULL. */
const char *db_col_text(struct db_stmt *st, int col, size_t *n);
const void *db_col_blob(struct db_stmt *st, int col, size_t *n);
int64_t db_changes(struct db_stmt *st);

/* Any failure: drop the cached audit head; KAGI_ERR_STORE. */
int db_fail(struct store *s);
/*
 * Step a statement that returns no row (or whose rows are not wanted):
 * 0 or the error.  db_step_one_change() also wants exactly one row
 * changed, else KAGI_ERR_NOT_FOUND.
 */
int db_step_done(struct db_stmt *st);
int db_step_one_change(struct db_stmt *st);
/*
 * Step an INSERT ... RETURNING id: the new id in *id (when not NULL);
 * no row (ON CONFLICT DO NOTHING) is KAGI_ERR_EXISTS.
 */
int db_step_id(struct db_stmt *st, int64_t *id);
/* Step to the one row a statement must give: 0 with the row there; its
 * error, or KAGI_ERR_STORE when there is no row. */
int db_step_row(struct db_stmt *st);
/* The SHA-256 of the audit chain, and the core its records name (the
 * host name until store_set_core()), for a store being opened. */
int db_hash_init(struct store *s);
/* A one-row, one-integer statement of the table; KAGI_ERR_STORE, nothing
 * in *v, when there is no row. */
int db_stmt_int64(struct store *s, enum stmt_id id, int64_t *v);
/* 1 when v is not NULL and at most max bytes long. */
int db_str_ok(const char *v, size_t max);
/* Copy a TEXT column of at most max bytes without NULs into dst; any
 * other type is KAGI_ERR_STORE. */
int db_col_str(struct db_stmt *st, int col, char *dst, size_t max);
/* An integer column that must lie in [lo, hi]; else KAGI_ERR_STORE. */
int db_col_range(struct db_stmt *st, int col, int lo, int hi, int *out);

/* --- the PostgreSQL engine (store_pg.c) ---------------------------- */

/* Connect and create or migrate the schema (store_open_pg()), or, with
 * PGX_OPEN_EMPTY, create it only in a database that holds nothing
 * (store_open_pg_empty()): anything else is KAGI_ERR_EXISTS, unchanged. */
#define PGX_OPEN_MIGRATE 0
#define PGX_OPEN_EMPTY 1
int pgx_open(const char *conninfo, int mode, struct store *s, char *why,
    size_t whylen);
/* Take the core's name lock (store_core_claim()); again at each
 * reconnection from then on. */
int pgx_core_claim(struct store *s, char *why, size_t whylen);
/* ?N to $N outside quoted text; NULL for a bare ? or no memory. */
char *pgx_sql(const char *sql);
int pgx_schema_latest(void);
void pgx_close(struct store *s);
/* Run a statement without parameters or rows wanted. */
int pgx_exec(struct store *s, const char *sql);
/* Run a bound statement and keep its whole result. */
int pgx_run(struct db_stmt *st);
void pgx_clear(struct db_stmt *st);
int pgx_col_type(struct db_stmt *st, int col);
int64_t pgx_col_int(struct db_stmt *st, int col);
const char *pgx_col_bytes(struct db_stmt *st, int col, size_t *n);
int pgx_in_txn(struct store *s);
/* BEGIN a write transaction: READ COMMITTED, the audit head locked. */
int pgx_begin(struct store *s);
/* End a read transaction: 1 when it wrote (or that cannot be told). */
int pgx_end_read(struct store *s);
/* COMMIT: 0; KAGI_ERR_STORE when the server said no (not committed);
 * KAGI_ERR_STORE_DOWN when the answer was lost (outcome unknown). */
int pgx_commit(struct store *s);
/*
 * Before a transaction: 0 when the connection works; when it broke,
 * reconnect (at most once per backoff, 100 ms doubling to 2 s) and
 * KAGI_ERR_STORE_DOWN while that fails.  Never inside a transaction.
 */
int pgx_usable(struct store *s);
/* The connection's part of store_state(). */
void pgx_state(struct store *s, struct store_state *st);

/*
 * The current row as a user or a token (columns USER_COLS, TOKEN_COLS);
 * KAGI_ERR_STORE when it breaks the store's invariants.  A token read is
 * the caller's to token_rec_clear().
 */
int db_user_from_row(struct db_stmt *st, struct user_rec *u);
int db_token_from_row(struct db_stmt *st, struct token_rec *t);
/* What every token in the store satisfies; else KAGI_ERR_INVALID. */
int db_token_valid(const struct token_rec *t);

#endif
