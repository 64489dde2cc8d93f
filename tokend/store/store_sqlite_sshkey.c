/*
 * store_sqlite_sshkey.c - the SQLite store's OpenSSH security keys
 * (store.h, issue 16); the statements are in store_sqlite.c's table.
 *
 * What it guarantees:
 *  - A key is added with its token in the caller's transaction; a key
 *    (wire form) that any user already has is KAGI_ERR_EXISTS (UNIQUE,
 *    R-TOK-1).
 *  - Rows read back are checked (blob and fingerprint lengths, AAGUID
 *    length); one that breaks them is KAGI_ERR_STORE.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "kagi_err.h"
#include "store.h"
#include "store_sqlite_int.h"

static int
sshkey_valid(const struct sshkey_rec *k)
{
	if (k->blob_len == 0 || k->blob_len > SSHKEY_REC_BLOB_MAX ||
	    memchr(k->fingerprint, '\0', sizeof(k->fingerprint)) == NULL ||
	    k->fingerprint[0] == '\0')
		return KAGI_ERR_INVALID;
	return 0;
}

static int
sshkey_from_row(sqlite3_stmt *st, struct sshkey_rec *out)
{
	struct sshkey_rec v;
	const void *p;
	int n;

	memset(&v, 0, sizeof(v));
	v.token_id = sqlite3_column_int64(st, 0);
	if (sqlite3_column_type(st, 1) != SQLITE_BLOB ||
	    (p = sqlite3_column_blob(st, 1)) == NULL ||
	    (n = sqlite3_column_bytes(st, 1)) <= 0 || n > SSHKEY_REC_BLOB_MAX)
		return KAGI_ERR_STORE;
	memcpy(v.blob, p, (size_t)n);
	v.blob_len = (size_t)n;
	if (sqlite3_column_type(st, 2) != SQLITE_TEXT ||
	    (n = sqlite3_column_bytes(st, 2)) <= 0 || n > SSHKEY_REC_FP_MAX ||
	    (p = sqlite3_column_text(st, 2)) == NULL)
		return KAGI_ERR_STORE;
	memcpy(v.fingerprint, p, (size_t)n);
	v.fingerprint[n] = '\0';
	if (strlen(v.fingerprint) != (size_t)n)
		return KAGI_ERR_STORE;
	if (sqlite3_column_type(st, 3) != SQLITE_BLOB ||
	    sqlite3_column_bytes(st, 3) != FIDO2_AAGUID_LEN ||
	    (p = sqlite3_column_blob(st, 3)) == NULL)
		return KAGI_ERR_STORE;
	memcpy(v.aaguid, p, FIDO2_AAGUID_LEN);
	*out = v;
	return 0;
}

int
store_sshkey_add(struct store *s, const struct token_rec *t,
    const struct sshkey_rec *k, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int64_t tid = 0;
	int r;

	if (t == NULL || k == NULL || t->type != TOKEN_SSHKEY ||
	    sshkey_valid(k) != 0)
		return KAGI_ERR_INVALID;
	if ((r = store_token_add(s, t, &tid)) != 0)
		return r;
	if ((r = sq_stmt_take(s, ST_SSHKEY_ADD, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, tid) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, k->blob, (int)k->blob_len,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, k->fingerprint, -1, SQLITE_STATIC) !=
	    SQLITE_OK ||
	    sqlite3_bind_blob(st, 4, k->aaguid, FIDO2_AAGUID_LEN,
	    SQLITE_STATIC) != SQLITE_OK) {
		r = sq_fail(s);
		goto out;
	}
	/* A key someone already has: KAGI_ERR_EXISTS. */
	if ((r = sq_step_done(s, st)) != 0)
		goto out;
	if (id != NULL)
		*id = tid;
 out:
	sq_stmt_done(st);
	return r;
}

static int
fetch_one(struct store *s, sqlite3_stmt *st, struct sshkey_rec *k)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE)
		return KAGI_ERR_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return sq_fail(s);
	return sshkey_from_row(st, k);
}

int
store_sshkey_get(struct store *s, int64_t token_id, struct sshkey_rec *k)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (k == NULL)
		return KAGI_ERR_INVALID;
	if ((r = sq_stmt_take(s, ST_SSHKEY_GET, &st)) != 0)
		goto out;
	if (sqlite3_bind_int64(st, 1, token_id) != SQLITE_OK) {
		r = sq_fail(s);
		goto out;
	}
	r = fetch_one(s, st, k);
 out:
	sq_stmt_done(st);
	return r;
}

int
store_sshkey_find(struct store *s, const uint8_t *blob, size_t len,
    struct sshkey_rec *k)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (blob == NULL || k == NULL || len == 0 ||
	    len > SSHKEY_REC_BLOB_MAX)
		return KAGI_ERR_INVALID;
	if ((r = sq_stmt_take(s, ST_SSHKEY_FIND, &st)) != 0)
		goto out;
	if (sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_STATIC) !=
	    SQLITE_OK) {
		r = sq_fail(s);
		goto out;
	}
	r = fetch_one(s, st, k);
 out:
	sq_stmt_done(st);
	return r;
}
