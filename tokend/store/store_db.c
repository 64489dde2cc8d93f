/*
 * store_db.c - the statement layer under the store (store_int.h, which
 * says why it exists and what the dialect between the engines is): one
 * way to take, bind, step and read a statement.
 *
 * SQLite's calls are made here directly: the default engine keeps its
 * speed (a call through here costs one function call and one branch more
 * than before, nothing is copied).  PostgreSQL's parameters are held
 * here until the first db_step(), which runs the statement and reads its
 * whole result (store_pg.c).
 *
 * Guarantees: a statement still held by an iteration is not handed out
 * again (KAGI_ERR_INTERNAL); every failure drops the cached audit head;
 * a text column with a NUL or over its limit, an integer out of its
 * range, are KAGI_ERR_STORE.  Nothing here logs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "kagi_err.h"
#include "store_int.h"

#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25

static int
is_pg(const struct db_stmt *st)
{
	return st->s->engine == DB_PG;
}

int
db_fail(struct store *s)
{
	s->head_valid = 0;
	return KAGI_ERR_STORE;
}

int
db_take(struct store *s, enum stmt_id id, struct db_stmt **stp)
{
	struct db_stmt *st = &s->st[id];

	if (s->engine == DB_PG ? st->executed : sqlite3_stmt_busy(st->sq) != 0)
		return KAGI_ERR_INTERNAL;
	*stp = st;
	return 0;
}

int
db_prep(struct store *s, const char *sql, struct db_stmt **stp)
{
	struct db_stmt *st;

	*stp = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return KAGI_ERR_NOMEM;
	st->s = s;
	st->id = -1;
	st->row = -1;
	if (s->engine == DB_PG) {
		if ((st->pgsql = pgx_sql(sql)) == NULL) {
			free(st);
			return KAGI_ERR_NOMEM;
		}
		*stp = st;
		return 0;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &st->sq, NULL) != SQLITE_OK) {
		free(st);
		return db_fail(s);
	}
	*stp = st;
	return 0;
}

/* A statement of the table, ready for its next use. */
static void
stmt_reset(struct db_stmt *st)
{
	if (is_pg(st)) {
		pgx_clear(st);
		return;
	}
	sqlite3_reset(st->sq);
	sqlite3_clear_bindings(st->sq);
}

void
db_done(struct db_stmt *st)
{
	if (st == NULL)
		return;
	if (st->id >= 0) {
		stmt_reset(st);
		return;
	}
	if (is_pg(st)) {
		pgx_clear(st);
		free(st->pgsql);
	} else
		sqlite3_finalize(st->sq);
	free(st);
}

void
db_reset(struct db_stmt *st)
{
	stmt_reset(st);
}

/* Hold a PostgreSQL parameter until the statement runs. */
static int
pg_param(struct db_stmt *st, int i, unsigned int type, const void *p,
    size_t len)
{
	if (i < 1 || i > DB_MAX_PARAMS || len > INT32_MAX) {
		st->bad_bind = 1;
		return db_fail(st->s);
	}
	st->types[i - 1] = type;
	st->vals[i - 1] = p;
	st->lens[i - 1] = (int)len;
	st->fmts[i - 1] = 1;
	if (i > st->nparams)
		st->nparams = i;
	return 0;
}

int
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int k;

	if (is_pg(st)) {
		if (i < 1 || i > DB_MAX_PARAMS)
			return pg_param(st, i, 0, NULL, 0);
		for (k = 7; k >= 0; k--, u >>= 8)
			st->ints[i - 1][k] = (unsigned char)u;
		return pg_param(st, i, OID_INT8, st->ints[i - 1], 8);
	}
	return sqlite3_bind_int64(st->sq, i, v) == SQLITE_OK ? 0 :
	    db_fail(st->s);
}

int
db_bind_text(struct db_stmt *st, int i, const char *v)
{
	size_t n = strlen(v);

	if (n > INT32_MAX)
		return db_fail(st->s);
	if (is_pg(st))
		return pg_param(st, i, OID_TEXT, v, n);
	return sqlite3_bind_text(st->sq, i, v, (int)n, SQLITE_STATIC) ==
	    SQLITE_OK ? 0 : db_fail(st->s);
}

int
db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	if (n > INT32_MAX)
		return db_fail(st->s);
	/* A zero-length blob is a blob, not NULL. */
	if (is_pg(st))
		return pg_param(st, i, OID_BYTEA, n > 0 ? p : "", n);
	if (n == 0)
		return sqlite3_bind_zeroblob(st->sq, i, 0) == SQLITE_OK ? 0 :
		    db_fail(st->s);
	return sqlite3_bind_blob(st->sq, i, p, (int)n, SQLITE_STATIC) ==
	    SQLITE_OK ? 0 : db_fail(st->s);
}

int
db_bind_null(struct db_stmt *st, int i)
{
	if (is_pg(st))
		return pg_param(st, i, 0, NULL, 0);
	return sqlite3_bind_null(st->sq, i) == SQLITE_OK ? 0 : db_fail(st->s);
}

int
db_step(struct db_stmt *st)
{
	int rc, r;

	if (is_pg(st)) {
		if (!st->executed) {
			if (st->bad_bind)
				return db_fail(st->s);
			if ((r = pgx_run(st)) != 0)
				return r;
		}
		if (st->row < st->nrows)
			st->row++;
		return st->row < st->nrows ? DB_ROW : DB_DONE;
	}
	rc = sqlite3_step(st->sq);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	st->s->head_valid = 0;
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return KAGI_ERR_EXISTS;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return KAGI_ERR_NOT_FOUND;
	return KAGI_ERR_STORE;
}

int
db_col_type(struct db_stmt *st, int col)
{
	if (is_pg(st))
		return pgx_col_type(st, col);
	switch (sqlite3_column_type(st->sq, col)) {
	case SQLITE_NULL: return DB_NULL;
	case SQLITE_INTEGER: return DB_INT;
	case SQLITE_TEXT: return DB_TEXT;
	case SQLITE_BLOB: return DB_BLOB;
	default: return DB_OTHER;
	}
}

int64_t
db_col_int(struct db_stmt *st, int col)
{
	if (is_pg(st))
		return pgx_col_int(st, col);
	return sqlite3_column_int64(st->sq, col);
}

const char *
db_col_text(struct db_stmt *st, int col, size_t *n)
{
	const unsigned char *p;
	int len;

	if (is_pg(st))
		return pgx_col_bytes(st, col, n);
	if (sqlite3_column_type(st->sq, col) == SQLITE_NULL)
		return NULL;
	p = sqlite3_column_text(st->sq, col);
	len = sqlite3_column_bytes(st->sq, col);
	if (n != NULL)
		*n = len < 0 ? 0 : (size_t)len;
	return (const char *)p;
}

const void *
db_col_blob(struct db_stmt *st, int col, size_t *n)
{
	const void *p;
	int len;

	if (is_pg(st))
		return pgx_col_bytes(st, col, n);
	p = sqlite3_column_blob(st->sq, col);
	len = sqlite3_column_bytes(st->sq, col);
	*n = len < 0 ? 0 : (size_t)len;
	return p;
}

int64_t
db_changes(struct db_stmt *st)
{
	if (is_pg(st))
		return st->changes;
	return sqlite3_changes(st->s->db);
}

/* --- helpers ---------------------------------------------------------- */

int
db_hash_init(struct store *s)
{
	char host[256];

	if ((s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (s->md = EVP_MD_CTX_new()) == NULL)
		return KAGI_ERR_CRYPTO;
	/* The records name the host until the caller names the core. */
	host[sizeof(host) - 1] = '\0';
	if (gethostname(host, sizeof(host) - 1) != 0 ||
	    store_set_core(s, host) != 0)
		(void)store_set_core(s, STORE_CORE_UNKNOWN);
	return 0;
}

int
store_core_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || strlen(name) > STORE_CORE_MAX)
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

int
store_set_core(struct store *s, const char *name)
{
	if (s == NULL || !store_core_name_valid(name))
		return KAGI_ERR_INVALID;
	memcpy(s->core, name, strlen(name) + 1);
	return 0;
}

const char *
store_core(const struct store *s)
{
	return s->core;
}

int
db_step_done(struct db_stmt *st)
{
	int r;

	while ((r = db_step(st)) == DB_ROW)
		;
	return r;
}

int
db_step_one_change(struct db_stmt *st)
{
	int r;

	if ((r = db_step_done(st)) != 0)
		return r;
	return db_changes(st) == 1 ? 0 : KAGI_ERR_NOT_FOUND;
}

int
db_step_id(struct db_stmt *st, int64_t *id)
{
	int64_t v;
	int r;

	if ((r = db_step(st)) == DB_DONE)
		return KAGI_ERR_EXISTS;
	if (r != DB_ROW)
		return r;
	if (db_col_type(st, 0) != DB_INT)
		return db_fail(st->s);
	v = db_col_int(st, 0);
	/* The statement's writes are complete at its end. */
	if ((r = db_step_done(st)) != 0)
		return r;
	if (id != NULL)
		*id = v;
	return 0;
}

int
db_step_row(struct db_stmt *st)
{
	int r = db_step(st);

	if (r == DB_ROW)
		return 0;
	return r < 0 ? r : db_fail(st->s);
}

int
db_stmt_int64(struct store *s, enum stmt_id id, int64_t *v)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_take(s, id, &st)) != 0 ||
	    (r = db_step_row(st)) != 0)
		goto out;
	*v = db_col_int(st, 0);
 out:
	/* Always one of the table's (db_done() would do the same). */
	if (st != NULL)
		stmt_reset(st);
	return r;
}

int
db_str_ok(const char *v, size_t max)
{
	return v != NULL && strnlen(v, max + 1) <= max;
}

int
db_col_str(struct db_stmt *st, int col, char *dst, size_t max)
{
	const char *t;
	size_t n = 0;

	if (db_col_type(st, col) != DB_TEXT ||
	    (t = db_col_text(st, col, &n)) == NULL || n > max ||
	    memchr(t, '\0', n) != NULL)
		return KAGI_ERR_STORE;
	memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
}

int
db_col_range(struct db_stmt *st, int col, int lo, int hi, int *out)
{
	int64_t v = db_col_int(st, col);

	if (v < lo || v > hi)
		return KAGI_ERR_STORE;
	*out = (int)v;
	return 0;
}
