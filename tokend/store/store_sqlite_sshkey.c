/*
 * store_sqlite_sshkey.c - the store's OpenSSH security keys (store.h,
 * issue 16), on the statement layer (store_int.h); the statements are in
 * store_sqlite.c's table.
 *
 * What it guarantees:
 *  - A key is added with its token in the caller's transaction; a key
 *    (wire form) that any user already has is KAGI_ERR_EXISTS (UNIQUE,
 *    R-TOK-1), and nothing of the token is left once the caller rolls
 *    its savepoint back.
 *  - Rows read back are checked (blob and fingerprint lengths, AAGUID
 *    length); one that breaks them is KAGI_ERR_STORE.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "store.h"
#include "store_int.h"

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
sshkey_from_row(struct db_stmt *st, struct sshkey_rec *out)
{
	struct sshkey_rec v;
	const void *p;
	size_t n = 0;
	int r;

	memset(&v, 0, sizeof(v));
	v.token_id = db_col_int(st, 0);
	if (db_col_type(st, 1) != DB_BLOB ||
	    (p = db_col_blob(st, 1, &n)) == NULL || n == 0 ||
	    n > SSHKEY_REC_BLOB_MAX)
		return KAGI_ERR_STORE;
	memcpy(v.blob, p, n);
	v.blob_len = n;
	if ((r = db_col_str(st, 2, v.fingerprint, SSHKEY_REC_FP_MAX)) != 0)
		return r;
	if (v.fingerprint[0] == '\0')
		return KAGI_ERR_STORE;
	if (db_col_type(st, 3) != DB_BLOB ||
	    (p = db_col_blob(st, 3, &n)) == NULL || n != FIDO2_AAGUID_LEN)
		return KAGI_ERR_STORE;
	memcpy(v.aaguid, p, FIDO2_AAGUID_LEN);
	*out = v;
	return 0;
}

int
store_sshkey_add(struct store *s, const struct token_rec *t,
    const struct sshkey_rec *k, int64_t *id)
{
	struct db_stmt *st = NULL;
	int64_t tid = 0;
	int r;

	if (t == NULL || k == NULL || t->type != TOKEN_SSHKEY ||
	    sshkey_valid(k) != 0)
		return KAGI_ERR_INVALID;
	if ((r = store_token_add(s, t, &tid)) != 0)
		return r;
	if ((r = db_take(s, ST_SSHKEY_ADD, &st)) != 0 ||
	    (r = db_bind_int(st, 1, tid)) != 0 ||
	    (r = db_bind_blob(st, 2, k->blob, k->blob_len)) != 0 ||
	    (r = db_bind_text(st, 3, k->fingerprint)) != 0 ||
	    (r = db_bind_blob(st, 4, k->aaguid, FIDO2_AAGUID_LEN)) != 0)
		goto out;
	/* A key someone already has gives no row: EXISTS. */
	if ((r = db_step_id(st, NULL)) != 0)
		goto out;
	if (id != NULL)
		*id = tid;
 out:
	db_done(st);
	return r;
}

static int
fetch_one(struct db_stmt *st, struct sshkey_rec *k)
{
	int r = db_step(st);

	if (r == DB_DONE)
		return KAGI_ERR_NOT_FOUND;
	if (r != DB_ROW)
		return r;
	return sshkey_from_row(st, k);
}

int
store_sshkey_get(struct store *s, int64_t token_id, struct sshkey_rec *k)
{
	struct db_stmt *st = NULL;
	int r;

	if (k == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_SSHKEY_GET, &st)) != 0 ||
	    (r = db_bind_int(st, 1, token_id)) != 0)
		goto out;
	r = fetch_one(st, k);
 out:
	db_done(st);
	return r;
}

int
store_sshkey_find(struct store *s, const uint8_t *blob, size_t len,
    struct sshkey_rec *k)
{
	struct db_stmt *st = NULL;
	int r;

	if (blob == NULL || k == NULL || len == 0 ||
	    len > SSHKEY_REC_BLOB_MAX)
		return KAGI_ERR_INVALID;
	if ((r = db_take(s, ST_SSHKEY_FIND, &st)) != 0 ||
	    (r = db_bind_blob(st, 1, blob, len)) != 0)
		goto out;
	r = fetch_one(st, k);
 out:
	db_done(st);
	return r;
}
