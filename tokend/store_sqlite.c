/*
 * store_sqlite.c - kagid's state store on SQLite; the only file that
 * speaks SQL.
 *
 * What it guarantees:
 *  - The database is reached without following a symbolic link, and must
 *    be a regular file owned by the effective uid with no permission bits
 *    for group or others; when absent it is created with mode 0600.  (The
 *    directory it lives in is the caller's to check.)
 *  - WAL journal with synchronous=FULL: a committed transaction survives
 *    kill -9 and power loss.  Foreign keys on, defensive mode on, schema
 *    not trusted, secure_delete on so deleted secrets are overwritten.
 *  - The schema carries a version; missing migrations are applied in one
 *    transaction at open; a newer schema than this build knows is refused
 *    with KAGI_ERR_VERSION, and so is a database that is not a kagi store.
 *  - Every statement is prepared once at open and reset after each use.
 *  - Every SQLite failure becomes a KAGI_ERR_* code; nothing here logs.
 *    Rows that break the store's invariants read as KAGI_ERR_STORE (fail
 *    closed) rather than being handed on.
 *  - The audit chain: see store_audit_append().  Its head is cached; the
 *    cache is dropped on any rollback and any SQLite error, and is not
 *    trusted once another connection has committed (PRAGMA data_version).
 *
 * Limits of use: one savepoint at a time, only inside store_begin() (a
 * second store_savepoint() before store_release()/store_rollback_to() is
 * refused with KAGI_ERR_STATE).  A list callback may call any store
 * function except the same list (KAGI_ERR_INTERNAL).  Single-threaded:
 * the connection is opened without SQLite's mutexes.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "kagi_err.h"
#include "store.h"
#include "wipe.h"

#define HASH_LEN 32
#define SEALED_MAX (64 * 1024)
#define SAVEPOINT_NAME "kagi_request"

/*
 * Migration i (counting from 1) brings the schema from version i - 1 to
 * version i.  Append only; never edit a released migration.
 */
static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE schema_version ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  version INTEGER NOT NULL);"
	"INSERT INTO schema_version (id, version) VALUES (1, 0);"
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role INTEGER NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  last_success INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  type INTEGER NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  label TEXT NOT NULL,"
	"  algorithm INTEGER NOT NULL,"
	"  digits INTEGER NOT NULL,"
	"  period INTEGER NOT NULL,"
	"  last_step INTEGER NOT NULL DEFAULT -1,"
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER NOT NULL DEFAULT 0,"
	"  sealed BLOB NOT NULL);"
	"CREATE INDEX tokens_user_id ON tokens (user_id);"
	"CREATE TABLE locks ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  failures INTEGER NOT NULL,"
	"  first_failure INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL,"
	"  lock_count INTEGER NOT NULL);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor_uid INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  user TEXT,"
	"  fields TEXT,"
	"  prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

enum stmt_id {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_SAVEPOINT, ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_USER_GET, ST_USER_GET_ID, ST_USER_ADD, ST_USER_SET_DISABLED,
	ST_USER_SET_SUCCESS, ST_USER_DELETE, ST_USER_LIST, ST_USER_COUNT,
	ST_TOKEN_ADD, ST_TOKEN_GET, ST_TOKEN_LIST, ST_TOKEN_SET_STATE,
	ST_TOKEN_ACCEPT,
	ST_LOCK_GET, ST_LOCK_PUT,
	ST_AUDIT_HEAD, ST_AUDIT_ADD, ST_AUDIT_WALK, ST_DATA_VERSION,
	ST_COUNT_
};

#define USER_COLS "id, name, role, disabled, created, last_success"
#define TOKEN_COLS "id, user_id, type, state, label, algorithm, digits, " \
	"period, last_step, created, last_used, sealed"
#define AUDIT_COLS "seq, time, actor_uid, actor, event, user, fields, " \
	"prev, hash"

static const char *const stmt_sql[ST_COUNT_] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT " SAVEPOINT_NAME,
	[ST_RELEASE] = "RELEASE " SAVEPOINT_NAME,
	[ST_ROLLBACK_TO] = "ROLLBACK TO " SAVEPOINT_NAME,
	[ST_USER_GET] = "SELECT " USER_COLS " FROM users WHERE name = ?1",
	[ST_USER_GET_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[ST_USER_ADD] =
	    "INSERT INTO users (name, role, created) VALUES (?1, ?2, ?3)",
	[ST_USER_SET_DISABLED] = "UPDATE users SET disabled = ?2 WHERE id = ?1",
	[ST_USER_SET_SUCCESS] =
	    "UPDATE users SET last_success = ?2 WHERE id = ?1",
	[ST_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
	[ST_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY name",
	[ST_USER_COUNT] = "SELECT count(*) FROM users",
	[ST_TOKEN_ADD] =
	    "INSERT INTO tokens (user_id, type, state, label, algorithm, "
	    "digits, period, last_step, created, last_used, sealed) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_TOKEN_GET] = "SELECT " TOKEN_COLS " FROM tokens WHERE id = ?1",
	[ST_TOKEN_LIST] = "SELECT " TOKEN_COLS " FROM tokens "
	    "WHERE user_id = ?1 AND (?2 < 0 OR state = ?2) ORDER BY id",
	[ST_TOKEN_SET_STATE] = "UPDATE tokens SET state = ?2 WHERE id = ?1",
	[ST_TOKEN_ACCEPT] = "UPDATE tokens SET last_step = ?1, last_used = ?2 "
	    "WHERE id = ?3 AND state = ?4 AND last_step < ?1",
	[ST_LOCK_GET] = "SELECT failures, first_failure, locked_until, "
	    "lock_count FROM locks WHERE user_id = ?1",
	[ST_LOCK_PUT] = "INSERT INTO locks (user_id, failures, first_failure, "
	    "locked_until, lock_count) VALUES (?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures, "
	    "first_failure = excluded.first_failure, "
	    "locked_until = excluded.locked_until, "
	    "lock_count = excluded.lock_count",
	[ST_AUDIT_HEAD] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[ST_AUDIT_ADD] = "INSERT INTO audit (" AUDIT_COLS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_AUDIT_WALK] = "SELECT " AUDIT_COLS " FROM audit ORDER BY seq",
	[ST_DATA_VERSION] = "PRAGMA data_version",
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
	int64_t head_data_version;
};

/* A byte string for the audit encoding. */
struct bytes {
	const void *p;
	size_t n;
};

/*
 * Any SQLite failure: SQLite may have rolled the transaction back on its
 * own, so the cached audit head can no longer be trusted.
 */
static int
store_fail(struct store *s)
{
	s->head_valid = 0;
	return KAGI_ERR_STORE;
}

/* Hand out a cached statement, refusing one an iteration still holds. */
static int
stmt_take(struct store *s, enum stmt_id id, sqlite3_stmt **st)
{
	if (sqlite3_stmt_busy(s->st[id]))
		return KAGI_ERR_INTERNAL;
	*st = s->st[id];
	return 0;
}

static void
stmt_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step a statement that returns no row, mapping constraint failures. */
static int
step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE)
		return 0;
	s->head_valid = 0;
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return KAGI_ERR_EXISTS;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return KAGI_ERR_NOT_FOUND;
	return KAGI_ERR_STORE;
}

/* Run one cached statement without parameters or rows. */
static int
run_simple(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = stmt_take(s, id, &st)) != 0)
		goto out;
	if ((r = step_done(s, st)) != 0)
		r = KAGI_ERR_STORE;
 out:
	stmt_done(st);
	return r;
}

/* Step a statement that changes at most a row; none is KAGI_ERR_NOT_FOUND. */
static int
step_one_change(struct store *s, sqlite3_stmt *st)
{
	int r;

	if ((r = step_done(s, st)) != 0)
		return r;
	return sqlite3_changes(s->db) == 1 ? 0 : KAGI_ERR_NOT_FOUND;
}

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

/* Copy a text column of at most max bytes, without NULs, into dst. */
static int
col_text(sqlite3_stmt *st, int col, char *dst, size_t max)
{
	const unsigned char *p;
	int n;

	if (sqlite3_column_type(st, col) != SQLITE_TEXT)
		return KAGI_ERR_STORE;
	p = sqlite3_column_text(st, col);
	n = sqlite3_column_bytes(st, col);
	if (p == NULL || n < 0 || (size_t)n > max ||
	    memchr(p, '\0', (size_t)n) != NULL)
		return KAGI_ERR_STORE;
	memcpy(dst, p, (size_t)n);
	dst[n] = '\0';
	return 0;
}

/* An int column that must lie in [lo, hi]. */
static int
col_int(sqlite3_stmt *st, int col, int lo, int hi, int *out)
{
	int64_t v = sqlite3_column_int64(st, col);

	if (v < lo || v > hi)
		return KAGI_ERR_STORE;
	*out = (int)v;
	return 0;
}

static int
user_from_row(sqlite3_stmt *st, struct user_rec *u)
{
	struct user_rec v;
	int r;

	memset(&v, 0, sizeof(v));
	v.id = sqlite3_column_int64(st, 0);
	if ((r = col_text(st, 1, v.name, STORE_NAME_MAX)) != 0 ||
	    (r = col_int(st, 2, ROLE_STAFF, ROLE_VENDOR, &v.role)) != 0 ||
	    (r = col_int(st, 3, 0, 1, &v.disabled)) != 0)
		return r;
	if (v.name[0] == '\0')
		return KAGI_ERR_STORE;
	v.created = sqlite3_column_int64(st, 4);
	v.last_success = sqlite3_column_int64(st, 5);
	*u = v;
	return 0;
}

/* What every token in the store satisfies, sealed blob included. */
static int
token_valid(const struct token_rec *t)
{
	if (t->type != TOKEN_TOTP ||
	    t->state < TOKEN_PENDING || t->state > TOKEN_REVOKED ||
	    t->algorithm < TOTP_SHA1 || t->algorithm > TOTP_SHA512 ||
	    t->digits < 6 || t->digits > 8 || t->period <= 0 ||
	    t->last_step < -1 ||
	    memchr(t->label, '\0', sizeof(t->label)) == NULL ||
	    t->sealed == NULL || t->sealed_len == 0)
		return KAGI_ERR_INVALID;
	if (t->sealed_len > SEALED_MAX)
		return KAGI_ERR_TOO_LARGE;
	return 0;
}

static int
token_from_row(sqlite3_stmt *st, struct token_rec *t)
{
	struct token_rec v;
	const void *blob;
	int n, r;

	memset(&v, 0, sizeof(v));
	v.id = sqlite3_column_int64(st, 0);
	v.user_id = sqlite3_column_int64(st, 1);
	if ((r = col_int(st, 2, INT_MIN, INT_MAX, &v.type)) != 0 ||
	    (r = col_int(st, 3, INT_MIN, INT_MAX, &v.state)) != 0 ||
	    (r = col_text(st, 4, v.label, STORE_LABEL_MAX)) != 0 ||
	    (r = col_int(st, 5, INT_MIN, INT_MAX, &v.algorithm)) != 0 ||
	    (r = col_int(st, 6, INT_MIN, INT_MAX, &v.digits)) != 0 ||
	    (r = col_int(st, 7, INT_MIN, INT_MAX, &v.period)) != 0)
		goto out;
	v.last_step = sqlite3_column_int64(st, 8);
	v.created = sqlite3_column_int64(st, 9);
	v.last_used = sqlite3_column_int64(st, 10);
	if (sqlite3_column_type(st, 11) != SQLITE_BLOB) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	blob = sqlite3_column_blob(st, 11);
	n = sqlite3_column_bytes(st, 11);
	if (blob == NULL || n <= 0 || n > SEALED_MAX) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	if ((v.sealed = malloc((size_t)n)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	memcpy(v.sealed, blob, (size_t)n);
	v.sealed_len = (size_t)n;
	if (token_valid(&v) != 0) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	*t = v;
	memset(&v, 0, sizeof(v));
	r = 0;
 out:
	token_rec_clear(&v);
	return r;
}

void
token_rec_clear(struct token_rec *t)
{
	if (t == NULL)
		return;
	kagi_free_secret(t->sealed, t->sealed_len);
	kagi_wipe_obj(t);
}

/* --- Opening --------------------------------------------------------- */

/*
 * Create the database file (mode 0600) when absent, then check what is
 * at path: not a symbolic link, a regular file, ours, private.
 */
static int
db_file_check(const char *path, struct stat *st)
{
	int fd, r;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd >= 0) {
		/* Whatever the umask, a new store is exactly 0600. */
		if (fchmod(fd, 0600) != 0) {
			r = KAGI_ERR_IO;
			goto out;
		}
	} else if (errno == EEXIST) {
		fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK);
	}
	if (fd < 0) {
		r = errno == ELOOP || errno == EISDIR ?
		    KAGI_ERR_UNSAFE_FILE : KAGI_ERR_IO;
		goto out;
	}
	if (fstat(fd, st) != 0) {
		r = KAGI_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    (st->st_mode & 077) != 0) {
		r = KAGI_ERR_UNSAFE_FILE;
		goto out;
	}
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int
exec_sql(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : KAGI_ERR_STORE;
}

/* Run a one-row, one-column query; the text must equal want. */
static int
pragma_expect(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int r = KAGI_ERR_STORE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	if ((v = sqlite3_column_text(st, 0)) == NULL ||
	    strcmp((const char *)v, want) != 0)
		goto out;
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

/* Run a one-row query of one integer. */
static int
query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r = KAGI_ERR_STORE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_type(st, 0) != SQLITE_INTEGER)
		goto out;
	*out = sqlite3_column_int64(st, 0);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

static int
db_configure(sqlite3 *db)
{
	int on = -1;
	int r;

	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) !=
	    SQLITE_OK || on != 1)
		return KAGI_ERR_STORE;
	if ((r = exec_sql(db, "PRAGMA secure_delete = ON")) != 0 ||
	    (r = exec_sql(db, "PRAGMA trusted_schema = OFF")) != 0 ||
	    (r = exec_sql(db, "PRAGMA foreign_keys = ON")) != 0 ||
	    (r = exec_sql(db, "PRAGMA busy_timeout = 5000")) != 0 ||
	    (r = pragma_expect(db, "PRAGMA journal_mode = WAL", "wal")) != 0 ||
	    (r = exec_sql(db, "PRAGMA synchronous = FULL")) != 0)
		return r;
	/* Settings that silently did not take are failures too. */
	if ((r = pragma_expect(db, "PRAGMA foreign_keys", "1")) != 0 ||
	    (r = pragma_expect(db, "PRAGMA synchronous", "2")) != 0 ||
	    (r = pragma_expect(db, "PRAGMA secure_delete", "1")) != 0)
		return r;
	return 0;
}

/*
 * Read the schema version and apply what is missing, all in one
 * transaction.  An empty database is version 0; a database with tables
 * but no schema_version is not ours.
 */
static int
db_migrate(sqlite3 *db, int *version)
{
	int64_t v, ntables, has_version;
	char sql[80];
	int i, r, in_tx = 0;

	if ((r = exec_sql(db, "BEGIN IMMEDIATE")) != 0)
		goto out;
	in_tx = 1;
	if ((r = query_int(db, "SELECT count(*) FROM sqlite_master",
	    &ntables)) != 0 ||
	    (r = query_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'schema_version'", &has_version)) != 0)
		goto out;
	if (has_version) {
		if ((r = query_int(db, "SELECT version FROM schema_version",
		    &v)) != 0)
			goto out;
	} else if (ntables == 0) {
		v = 0;
	} else {
		r = KAGI_ERR_VERSION;
		goto out;
	}
	if (v < 0 || v > SCHEMA_VERSION) {
		r = KAGI_ERR_VERSION;
		goto out;
	}
	if (v < SCHEMA_VERSION) {
		for (i = (int)v; i < SCHEMA_VERSION; i++)
			if ((r = exec_sql(db, migrations[i])) != 0)
				goto out;
		snprintf(sql, sizeof(sql),
		    "UPDATE schema_version SET version = %d", SCHEMA_VERSION);
		if ((r = exec_sql(db, sql)) != 0 ||
		    (r = exec_sql(db, "COMMIT")) != 0)
			goto out;
	} else if ((r = exec_sql(db, "ROLLBACK")) != 0) {
		goto out;
	}
	in_tx = 0;
	*version = SCHEMA_VERSION;
	r = 0;
 out:
	if (in_tx)
		(void)exec_sql(db, "ROLLBACK");
	return r;
}

int
store_open(const char *path, struct store **sp)
{
	struct store *s = NULL;
	struct stat before, after;
	int i, r;

	if (sp == NULL)
		return KAGI_ERR_INVALID;
	*sp = NULL;
	if (path == NULL || path[0] != '/')
		return KAGI_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = db_file_check(path, &before)) != 0)
		goto out;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	/* What SQLite opened is still the file checked above. */
	if (lstat(path, &after) != 0 || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino || !S_ISREG(after.st_mode)) {
		r = KAGI_ERR_UNSAFE_FILE;
		goto out;
	}
	if ((r = db_configure(s->db)) != 0 ||
	    (r = db_migrate(s->db, &s->version)) != 0)
		goto out;
	for (i = 0; i < ST_COUNT_; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			r = KAGI_ERR_STORE;
			goto out;
		}
	}
	if ((s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (s->md = EVP_MD_CTX_new()) == NULL) {
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	*sp = s;
	s = NULL;
	r = 0;
 out:
	store_close(&s);
	return r;
}

void
store_close(struct store **sp)
{
	struct store *s;
	int i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; i < ST_COUNT_; i++)
		sqlite3_finalize(s->st[i]);
	/* Every statement is finalized: this closes (and rolls back). */
	sqlite3_close(s->db);
	EVP_MD_CTX_free(s->md);
	EVP_MD_free(s->sha256);
	kagi_wipe_obj(s);
	free(s);
	*sp = NULL;
}

int
store_schema_version(struct store *s)
{
	return s->version;
}

/* --- Transactions ---------------------------------------------------- */

int
store_begin(struct store *s)
{
	int r;

	if ((r = run_simple(s, ST_BEGIN)) != 0)
		return r;
	s->in_savepoint = 0;
	return 0;
}

int
store_commit(struct store *s)
{
	int r;

	s->in_savepoint = 0;
	if ((r = run_simple(s, ST_COMMIT)) != 0) {
		store_rollback(s);
		return KAGI_ERR_STORE;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	s->in_savepoint = 0;
	s->head_valid = 0;
	/* SQLite may already have rolled back: then there is nothing to do. */
	if (!sqlite3_get_autocommit(s->db))
		(void)run_simple(s, ST_ROLLBACK);
}

int
store_savepoint(struct store *s)
{
	int r;

	if (s->in_savepoint || sqlite3_get_autocommit(s->db))
		return KAGI_ERR_STATE;
	if ((r = run_simple(s, ST_SAVEPOINT)) != 0)
		return r;
	s->in_savepoint = 1;
	return 0;
}

int
store_release(struct store *s)
{
	if (!s->in_savepoint)
		return KAGI_ERR_STATE;
	s->in_savepoint = 0;
	return run_simple(s, ST_RELEASE);
}

void
store_rollback_to(struct store *s)
{
	s->head_valid = 0;
	if (!s->in_savepoint)
		return;
	s->in_savepoint = 0;
	/* ROLLBACK TO keeps the savepoint; RELEASE ends it. */
	(void)run_simple(s, ST_ROLLBACK_TO);
	(void)run_simple(s, ST_RELEASE);
}

/* --- Users ----------------------------------------------------------- */

/* Fetch at most one user row from a bound statement. */
static int
user_fetch(struct store *s, sqlite3_stmt *st, struct user_rec *u)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE)
		return KAGI_ERR_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return store_fail(s);
	return user_from_row(st, u);
}

int
store_user_get(struct store *s, const char *name, struct user_rec *u)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = check_name(name)) != 0 || u == NULL) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = stmt_take(s, ST_USER_GET, &st)) != 0)
		goto out;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	r = user_fetch(s, st, u);
 out:
	stmt_done(st);
	return r;
}

int
store_user_get_id(struct store *s, int64_t id, struct user_rec *u)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (u == NULL)
		return KAGI_ERR_INVALID;
	if ((r = stmt_take(s, ST_USER_GET_ID, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	r = user_fetch(s, st, u);
 out:
	stmt_done(st);
	return r;
}

int
store_user_add(struct store *s, const char *name, int role, int64_t now,
    int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = check_name(name)) != 0)
		goto out;
	if (role < ROLE_STAFF || role > ROLE_VENDOR) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = stmt_take(s, ST_USER_ADD, &st)) != 0)
		goto out;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, role) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	if ((r = step_done(s, st)) != 0)
		goto out;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
 out:
	stmt_done(st);
	return r;
}

/* UPDATE/DELETE ... WHERE id = ?1 [, ?2 = v]; no such row: NOT_FOUND. */
static int
change_by_id(struct store *s, enum stmt_id sid, int64_t id, int with_v,
    int64_t v)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = stmt_take(s, sid, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    (with_v && sqlite3_bind_int64(st, 2, v) != SQLITE_OK)) {
		r = store_fail(s);
		goto out;
	}
	r = step_one_change(s, st);
 out:
	stmt_done(st);
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
	sqlite3_stmt *st = NULL;
	struct user_rec u;
	int rc, r;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = stmt_take(s, ST_USER_LIST, &st)) != 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = user_from_row(st, &u)) != 0 ||
		    (r = cb(&u, arg)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_fail(s);
		goto out;
	}
	r = 0;
 out:
	stmt_done(st);
	return r;
}

int
store_user_count(struct store *s, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (n == NULL)
		return KAGI_ERR_INVALID;
	if ((r = stmt_take(s, ST_USER_COUNT, &st)) != 0)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = store_fail(s);
		goto out;
	}
	*n = sqlite3_column_int64(st, 0);
 out:
	stmt_done(st);
	return r;
}

/* --- Tokens ---------------------------------------------------------- */

int
store_token_add(struct store *s, const struct token_rec *t, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (t == NULL) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = token_valid(t)) != 0 ||
	    (r = stmt_take(s, ST_TOKEN_ADD, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, t->user_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, t->type) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, t->state) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, t->label, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_int(st, 5, t->algorithm) != SQLITE_OK ||
	    sqlite3_bind_int(st, 6, t->digits) != SQLITE_OK ||
	    sqlite3_bind_int(st, 7, t->period) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 8, t->last_step) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 9, t->created) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 10, t->last_used) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 11, t->sealed, (int)t->sealed_len,
	    SQLITE_STATIC) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	/* A missing user fails the foreign key: KAGI_ERR_NOT_FOUND. */
	if ((r = step_done(s, st)) != 0)
		goto out;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(s->db);
 out:
	stmt_done(st);
	return r;
}

int
store_token_get(struct store *s, int64_t id, struct token_rec *t)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	if (t == NULL)
		return KAGI_ERR_INVALID;
	if ((r = stmt_take(s, ST_TOKEN_GET, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, id) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_DONE)
		r = KAGI_ERR_NOT_FOUND;
	else if (rc != SQLITE_ROW)
		r = store_fail(s);
	else
		r = token_from_row(st, t);
 out:
	stmt_done(st);
	return r;
}

int
store_token_list(struct store *s, int64_t user_id, int state,
    store_token_cb cb, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct token_rec t;
	int rc, r;

	memset(&t, 0, sizeof(t));
	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = stmt_take(s, ST_TOKEN_LIST, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, state < 0 ? -1 : state) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = token_from_row(st, &t)) != 0)
			goto out;
		r = cb(&t, arg);
		token_rec_clear(&t);
		if (r != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		r = store_fail(s);
		goto out;
	}
	r = 0;
 out:
	token_rec_clear(&t);
	stmt_done(st);
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
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = stmt_take(s, ST_TOKEN_ACCEPT, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, step) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, now) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, id) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, TOKEN_ACTIVE) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	/* Old step, inactive or missing token: all the same refusal. */
	if ((r = step_one_change(s, st)) == KAGI_ERR_NOT_FOUND)
		r = KAGI_ERR_REPLAY;
 out:
	stmt_done(st);
	return r;
}

/* --- Lockout counters ------------------------------------------------ */

int
store_lock_get(struct store *s, int64_t user_id, struct lock_rec *l)
{
	sqlite3_stmt *st = NULL;
	struct lock_rec v;
	int rc, r;

	memset(&v, 0, sizeof(v));
	if (l == NULL)
		return KAGI_ERR_INVALID;
	if ((r = stmt_take(s, ST_LOCK_GET, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, user_id) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v.failures = sqlite3_column_int64(st, 0);
		v.first_failure = sqlite3_column_int64(st, 1);
		v.locked_until = sqlite3_column_int64(st, 2);
		v.lock_count = sqlite3_column_int64(st, 3);
	} else if (rc != SQLITE_DONE) {
		r = store_fail(s);
		goto out;
	}
	*l = v;
 out:
	stmt_done(st);
	return r;
}

int
store_lock_put(struct store *s, int64_t user_id, const struct lock_rec *l)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (l == NULL || l->failures < 0 || l->first_failure < 0 ||
	    l->locked_until < 0 || l->lock_count < 0)
		return KAGI_ERR_INVALID;
	if ((r = stmt_take(s, ST_LOCK_PUT, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, l->failures) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, l->first_failure) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, l->locked_until) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, l->lock_count) != SQLITE_OK) {
		r = store_fail(s);
		goto out;
	}
	/* A missing user fails the foreign key: KAGI_ERR_NOT_FOUND. */
	r = step_done(s, st);
 out:
	stmt_done(st);
	return r;
}

/* --- Audit chain ----------------------------------------------------- */

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

static int
data_version(struct store *s, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = stmt_take(s, ST_DATA_VERSION, &st)) != 0)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = store_fail(s);
		goto out;
	}
	*v = sqlite3_column_int64(st, 0);
 out:
	stmt_done(st);
	return r;
}

/* Make the cached head current: (0, zeros) for an empty chain. */
static int
audit_head_load(struct store *s)
{
	sqlite3_stmt *st = NULL;
	const void *h;
	int64_t dv;
	int rc, r;

	if ((r = data_version(s, &dv)) != 0)
		goto out;
	if (s->head_valid && s->head_data_version == dv)
		goto out;
	s->head_valid = 0;
	if ((r = stmt_take(s, ST_AUDIT_HEAD, &st)) != 0)
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
		r = store_fail(s);
		goto out;
	}
	s->head_data_version = dv;
	s->head_valid = 1;
 out:
	stmt_done(st);
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
	if ((r = stmt_take(s, ST_AUDIT_ADD, &st)) != 0)
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
		r = store_fail(s);
		goto out;
	}
	if (step_done(s, st) != 0) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	s->head_seq = seq;
	memcpy(s->head_hash, hash, HASH_LEN);
	if (seqp != NULL)
		*seqp = seq;
 out:
	stmt_done(st);
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
	if ((r = stmt_take(s, ST_AUDIT_WALK, &st)) != 0)
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
		r = store_fail(s);
		goto out;
	}
	r = 0;
 out:
	stmt_done(st);
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
