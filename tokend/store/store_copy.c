/*
 * store_copy.c - moving a standalone SQLite state into an empty
 * PostgreSQL database (issue 14, item 5: kagictl store copy).
 *
 * What it guarantees:
 *  - The source's audit chain verifies before anything is written, and
 *    the target's verifies after, with the same head (seq and hash):
 *    otherwise the copy is refused (nothing written) or reported failed.
 *  - The target must hold no row in any table the copy writes, and an
 *    audit head at record 0: a database a kagid already used, or a copy
 *    made before, is refused and left as it was.
 *  - Every table of the schema is copied, row for row, in one
 *    transaction on the target: ids kept (tokens, FIDO2 credentials,
 *    sessions and requests refer to them; the identity sequences then
 *    continue after them), every value as it is stored: integers,
 *    texts, and blobs as bytes, so the sealed secrets are copied sealed,
 *    never opened (no key is read here).  A table of the source's schema
 *    that the copy does not know is refused (KAGI_ERR_INTERNAL, named in
 *    why) rather than left behind.
 *  - The audit head row of the target (PostgreSQL's audit_head) is set
 *    to the source's head in the same transaction, so the next record a
 *    core appends links to the copied chain.
 * Nothing here logs; why receives a sentence naming what was refused.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit_chain.h"
#include "kagi_err.h"
#include "store.h"
#include "store_int.h"

/*
 * Every table of schema 15 but schema_version, parents before children
 * (foreign keys), and whether its key is an identity "id" on PostgreSQL.
 * A migration that adds a table adds it here (the copy refuses a source
 * with a table it does not know).
 */
static const struct {
	const char *name;
	int identity;
} tables[] = {
	{ "users", 1 }, { "tokens", 1 }, { "locks", 0 }, { "audit", 0 },
	{ "vendors", 0 }, { "fail_keys", 0 }, { "throttle", 0 },
	{ "fido2_creds", 0 }, { "requests", 1 }, { "enroll_codes", 0 },
	{ "breakglass_codes", 1 }, { "exceptions", 1 },
	{ "user_activity", 0 }, { "audit_boundary", 0 }, { "sessions", 1 },
	{ "logins", 0 }, { "enroll_grants", 1 }, { "remote_locks", 0 },
	{ "unknown_locks", 0 }, { "unknown_keys", 0 },
	{ "pending_logins", 1 }, { "role_grants", 0 }, { "auth_stats", 0 },
	{ "report_runs", 0 }, { "audit_archives", 0 }, { "sshkeys", 0 },
	{ "host_ca", 0 }, { "hosts", 1 },
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))
#define COLS_MAX DB_MAX_PARAMS
#define SQL_MAX 2048

static int
known_table(const char *name)
{
	size_t i;

	for (i = 0; i < NTABLES; i++)
		if (strcmp(tables[i].name, name) == 0)
			return 1;
	return strcmp(name, "schema_version") == 0;
}

/* Every table of the source is one the copy knows. */
static int
source_tables_known(struct store *src, char *why, size_t whylen)
{
	struct db_stmt *st = NULL;
	const char *name;
	int r;

	if ((r = db_prep(src, "SELECT name FROM sqlite_master WHERE type = "
	    "'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", &st)) != 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		if ((name = db_col_text(st, 0, NULL)) == NULL ||
		    !known_table(name)) {
			snprintf(why, whylen, "the source has a table the copy "
			    "does not know (%s): use the kagictl of the release "
			    "that made it", name != NULL ? name : "?");
			r = KAGI_ERR_INTERNAL;
			break;
		}
	}
	db_done(st);
	return r;
}

/* The target holds no row in any table the copy writes. */
static int
target_empty(struct store *dst, char *why, size_t whylen)
{
	char sql[128];
	int64_t n = 0;
	size_t i;
	int r;

	for (i = 0; i < NTABLES; i++) {
		struct db_stmt *st = NULL;

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"",
		    tables[i].name);
		if ((r = db_prep(dst, sql, &st)) != 0)
			return r;
		if ((r = db_step_row(st)) == 0)
			n = db_col_int(st, 0);
		db_done(st);
		if (r != 0)
			return r;
		if (n != 0) {
			snprintf(why, whylen, "the target database is not "
			    "empty: table %s has %lld rows", tables[i].name,
			    (long long)n);
			return KAGI_ERR_EXISTS;
		}
	}
	return 0;
}

/* The source table's columns, quoted and comma-separated, into cols. */
static int
table_columns(struct store *src, const char *table, char *cols,
    size_t len, int *ncols)
{
	struct db_stmt *st = NULL;
	char sql[128];
	const char *name;
	size_t used = 0;
	int r, n;

	*ncols = 0;
	cols[0] = '\0';
	snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")", table);
	if ((r = db_prep(src, sql, &st)) != 0)
		return r;
	while ((r = db_step(st)) == DB_ROW) {
		/* Column names are kagi's own: letters and '_' only. */
		if ((name = db_col_text(st, 1, NULL)) == NULL ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyz_") !=
		    strlen(name) || *ncols == COLS_MAX ||
		    (n = snprintf(cols + used, len - used, "%s\"%s\"",
		    *ncols > 0 ? ", " : "", name)) < 0 ||
		    (size_t)n >= len - used) {
			r = KAGI_ERR_STORE;
			break;
		}
		used += (size_t)n;
		(*ncols)++;
	}
	db_done(st);
	if (r == 0 && *ncols == 0)
		r = KAGI_ERR_STORE;
	return r;
}

/* Bind the source row's column i to the target's parameter i + 1. */
static int
bind_column(struct db_stmt *from, struct db_stmt *to, int i)
{
	const void *p;
	const char *t;
	size_t n = 0;

	switch (db_col_type(from, i)) {
	case DB_NULL:
		return db_bind_null(to, i + 1);
	case DB_INT:
		return db_bind_int(to, i + 1, db_col_int(from, i));
	case DB_TEXT:
		if ((t = db_col_text(from, i, NULL)) == NULL)
			return KAGI_ERR_STORE;
		return db_bind_text(to, i + 1, t);
	case DB_BLOB:
		if ((p = db_col_blob(from, i, &n)) == NULL && n != 0)
			return KAGI_ERR_STORE;
		return db_bind_blob(to, i + 1, p != NULL ? p : "", n);
	default:
		return KAGI_ERR_STORE;	/* kagi stores no other type */
	}
}

/* One table, row for row, in the source's rowid order. */
static int
copy_table(struct store *src, struct store *dst, const char *table,
    int64_t *rows)
{
	struct db_stmt *from = NULL, *to = NULL;
	char cols[SQL_MAX], sql[2 * SQL_MAX], params[COLS_MAX * 5];
	size_t used = 0;
	int ncols = 0, i, r;

	*rows = 0;
	if ((r = table_columns(src, table, cols, sizeof(cols), &ncols)) != 0)
		return r;
	for (i = 1; i <= ncols; i++)
		used += (size_t)snprintf(params + used, sizeof(params) - used,
		    "%s?%d", i > 1 ? ", " : "", i);
	snprintf(sql, sizeof(sql), "SELECT %s FROM \"%s\" ORDER BY rowid",
	    cols, table);
	if ((r = db_prep(src, sql, &from)) != 0)
		return r;
	snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" (%s) VALUES (%s)",
	    table, cols, params);
	if ((r = db_prep(dst, sql, &to)) != 0)
		goto out;
	while ((r = db_step(from)) == DB_ROW) {
		for (i = 0; i < ncols; i++)
			if ((r = bind_column(from, to, i)) != 0)
				goto out;
		if ((r = db_step_done(to)) != 0)
			goto out;
		db_reset(to);
		(*rows)++;
	}
 out:
	db_done(to);
	db_done(from);
	return r;
}

/* Identity keys continue after the copied ids. */
static int
identity_continue(struct store *dst, const char *table)
{
	struct db_stmt *st = NULL;
	char sql[256];
	int r;

	snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence("
	    "'%s', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM \"%s\"), "
	    "false)", table, table);
	if ((r = db_prep(dst, sql, &st)) != 0)
		return r;
	r = db_step_done(st);
	db_done(st);
	return r;
}

int
store_copy_source_check(struct store *src, char *why, size_t whylen)
{
	int64_t bad = 0;
	int r, b = 0;

	if (src == NULL || src->engine != DB_SQLITE)
		return KAGI_ERR_INVALID;
	if ((r = store_audit_check(src, &bad, &b)) != 0) {
		if (r == KAGI_ERR_INVALID)
			snprintf(why, whylen, "the source's audit chain does not "
			    "verify: record %lld is %s; nothing was copied",
			    (long long)bad,
			    audit_break_name((enum audit_break)b));
		return r;
	}
	return source_tables_known(src, why, whylen);
}

int
store_copy(struct store *src, struct store *dst, store_copy_cb cb,
    void *arg, char *why, size_t whylen)
{
	uint8_t hash[HASH_LEN], after[HASH_LEN];
	int64_t seq = 0, aseq = 0, htime = 0, bad = 0, rows;
	char dummy[1];
	size_t i;
	int r, b = 0, begun = 0;

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (src == NULL || dst == NULL || src->engine != DB_SQLITE ||
	    dst->engine != DB_PG)
		return KAGI_ERR_INVALID;
	if (src->version != dst->version) {
		snprintf(why, whylen, "the source is at schema version %d, the "
		    "target at %d", src->version, dst->version);
		return KAGI_ERR_VERSION;
	}
	/* The chain as it is before: intact, and its head. */
	if ((r = store_copy_source_check(src, why, whylen)) != 0 ||
	    (r = store_audit_head(src, &seq, hash)) != 0 ||
	    (r = store_audit_head_time(src, &htime)) != 0)
		return r;
	if ((r = store_begin(dst)) != 0)
		return r;
	begun = 1;
	if ((r = target_empty(dst, why, whylen)) != 0)
		goto out;
	for (i = 0; i < NTABLES; i++) {
		if ((r = copy_table(src, dst, tables[i].name, &rows)) != 0) {
			if (why[0] == '\0')
				snprintf(why, whylen, "table %s: %s",
				    tables[i].name, kagi_strerror(r));
			goto out;
		}
		if (tables[i].identity &&
		    (r = identity_continue(dst, tables[i].name)) != 0)
			goto out;
		if (cb != NULL)
			cb(tables[i].name, rows, arg);
	}
	/* The next record a core appends links to the copied head. */
	if ((r = db_pg_head_store(dst, seq, hash, htime)) != 0)
		goto out;
	begun = 0;
	if ((r = store_commit(dst)) != 0) {
		snprintf(why, whylen, "the target's COMMIT failed (%s): check "
		    "whether it holds the copy before trying again",
		    kagi_strerror(r));
		store_rollback(dst);
		return r;
	}
	/* The chain as it is after: intact, with the same head. */
	if ((r = store_audit_check(dst, &bad, &b)) != 0 ||
	    (r = store_audit_head(dst, &aseq, after)) != 0 ||
	    aseq != seq || memcmp(after, hash, HASH_LEN) != 0) {
		snprintf(why, whylen, "the copy's audit chain does not verify "
		    "with the source's head (record %lld)", (long long)seq);
		return r != 0 ? r : KAGI_ERR_STORE;
	}
	return 0;
 out:
	if (begun)
		store_rollback(dst);
	return r;
}
