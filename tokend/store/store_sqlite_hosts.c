/*
 * store_sqlite_hosts.c - the store's fleet: the cores' CA and the host
 * registry (store_hosts.h, issue 15), on the statement layer
 * (store_int.h), so the same code runs on SQLite and PostgreSQL
 * (migration 15 on both).  Statements are one-off (db_prep): they run
 * when an administrator acts or a TLS connection is accepted, not on
 * the log-in path.
 *
 * What it guarantees:
 *  - arguments are checked before any SQL runs (KAGI_ERR_INVALID);
 *  - a row read back is checked (lengths, zone, class, state, no NUL in
 *    text); one that breaks them is KAGI_ERR_STORE;
 *  - the CA row is written once: a second is KAGI_ERR_EXISTS.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kagi_err.h"
#include "names.h"
#include "store.h"
#include "store_hosts.h"
#include "store_int.h"

#define HOST_COLS "id, name, zone, class, state, serial, fingerprint, " \
	"not_before, not_after, created, changed"

/* A text column into a malloc'd string of at most max bytes. */
static int
col_dup(struct db_stmt *st, int col, size_t max, char **out)
{
	const char *t;
	size_t n = 0;

	if (db_col_type(st, col) != DB_TEXT ||
	    (t = db_col_text(st, col, &n)) == NULL || n == 0 || n > max ||
	    memchr(t, '\0', n) != NULL)
		return KAGI_ERR_STORE;
	if ((*out = malloc(n + 1)) == NULL)
		return KAGI_ERR_NOMEM;
	memcpy(*out, t, n);
	(*out)[n] = '\0';
	return 0;
}

static int
name_ok(const char *name)
{
	size_t n;

	return name != NULL && (n = strlen(name)) > 0 &&
	    n <= HOST_NAME_MAX_LEN;
}

static int
rec_ok(const struct host_rec *h)
{
	if (!name_ok(h->name) || h->zone < 0 || h->zone >= ZONE_COUNT ||
	    h->cls < 0 || h->cls > 2 || h->serial[0] == '\0' ||
	    memchr(h->serial, '\0', sizeof(h->serial)) == NULL ||
	    h->cert == NULL || strlen(h->cert) > HOST_PEM_MAX ||
	    h->not_after <= h->not_before)
		return KAGI_ERR_INVALID;
	return 0;
}

static int
host_from_row(struct db_stmt *st, struct host_rec *out)
{
	struct host_rec h;
	const void *p;
	size_t n = 0;
	int r;

	memset(&h, 0, sizeof(h));
	h.id = db_col_int(st, 0);
	if ((r = db_col_str(st, 1, h.name, HOST_NAME_MAX_LEN)) != 0 ||
	    (r = db_col_str(st, 5, h.serial, HOST_SERIAL_MAX)) != 0)
		return r;
	h.zone = (int)db_col_int(st, 2);
	h.cls = (int)db_col_int(st, 3);
	h.state = (int)db_col_int(st, 4);
	if (h.name[0] == '\0' || h.serial[0] == '\0' || h.zone < 0 ||
	    h.zone >= ZONE_COUNT || h.cls < 0 || h.cls > 2 ||
	    (h.state != HOST_ACTIVE && h.state != HOST_REVOKED))
		return KAGI_ERR_STORE;
	if (db_col_type(st, 6) != DB_BLOB ||
	    (p = db_col_blob(st, 6, &n)) == NULL || n != HOST_FP_LEN)
		return KAGI_ERR_STORE;
	memcpy(h.fingerprint, p, HOST_FP_LEN);
	h.not_before = db_col_int(st, 7);
	h.not_after = db_col_int(st, 8);
	h.created = db_col_int(st, 9);
	h.changed = db_col_int(st, 10);
	*out = h;
	return 0;
}

void
store_host_clear(struct host_rec *h)
{
	if (h == NULL)
		return;
	free(h->cert);
	h->cert = NULL;
}

int
store_host_ca_get(struct store *s, char **cert_pem, uint8_t **sealed,
    size_t *sealed_len)
{
	struct db_stmt *st = NULL;
	const void *p;
	size_t n = 0;
	char *cert = NULL;
	uint8_t *k = NULL;
	int r;

	if (cert_pem == NULL || sealed == NULL || sealed_len == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT cert, sealed_key FROM host_ca "
	    "WHERE id = 1", &st)) != 0)
		goto out;
	if ((r = db_step(st)) == DB_DONE) {
		r = KAGI_ERR_NOT_FOUND;
		goto out;
	}
	if (r != DB_ROW)
		goto out;
	if ((r = col_dup(st, 0, HOST_PEM_MAX, &cert)) != 0)
		goto out;
	if (db_col_type(st, 1) != DB_BLOB ||
	    (p = db_col_blob(st, 1, &n)) == NULL || n == 0 ||
	    n > SEALED_MAX) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	if ((k = malloc(n)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	memcpy(k, p, n);
	*cert_pem = cert;
	*sealed = k;
	*sealed_len = n;
	cert = NULL;
	k = NULL;
	r = 0;
 out:
	db_done(st);
	free(cert);
	free(k);
	return r;
}

int
store_host_ca_put(struct store *s, const char *cert_pem,
    const uint8_t *sealed, size_t sealed_len, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if (cert_pem == NULL || cert_pem[0] == '\0' ||
	    strlen(cert_pem) > HOST_PEM_MAX || sealed == NULL ||
	    sealed_len == 0 || sealed_len > SEALED_MAX)
		return KAGI_ERR_INVALID;
	/* The one row: a second insert breaks the primary key (EXISTS). */
	if ((r = db_prep(s, "INSERT INTO host_ca (id, cert, sealed_key, "
	    "created) VALUES (1, ?1, ?2, ?3)", &st)) != 0 ||
	    (r = db_bind_text(st, 1, cert_pem)) != 0 ||
	    (r = db_bind_blob(st, 2, sealed, sealed_len)) != 0 ||
	    (r = db_bind_int(st, 3, now)) != 0)
		goto out;
	r = db_step_done(st);
 out:
	db_done(st);
	return r;
}

int
store_host_add(struct store *s, const struct host_rec *h, int64_t *id)
{
	struct db_stmt *st = NULL;
	int r;

	if (h == NULL || rec_ok(h) != 0)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "INSERT INTO hosts (name, zone, class, state, "
	    "serial, fingerprint, not_before, not_after, cert, created, "
	    "changed) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
	    "RETURNING id", &st)) != 0 ||
	    (r = db_bind_text(st, 1, h->name)) != 0 ||
	    (r = db_bind_int(st, 2, h->zone)) != 0 ||
	    (r = db_bind_int(st, 3, h->cls)) != 0 ||
	    (r = db_bind_text(st, 4, h->serial)) != 0 ||
	    (r = db_bind_blob(st, 5, h->fingerprint, HOST_FP_LEN)) != 0 ||
	    (r = db_bind_int(st, 6, h->not_before)) != 0 ||
	    (r = db_bind_int(st, 7, h->not_after)) != 0 ||
	    (r = db_bind_text(st, 8, h->cert)) != 0 ||
	    (r = db_bind_int(st, 9, h->created)) != 0)
		goto out;
	r = db_step_id(st, id);
 out:
	db_done(st);
	return r;
}

/* The one row st finds, with its PEM when with_cert. */
static int
fetch_host(struct db_stmt *st, int with_cert, struct host_rec *h)
{
	int r = db_step(st);

	if (r == DB_DONE)
		return KAGI_ERR_NOT_FOUND;
	if (r != DB_ROW)
		return r;
	if ((r = host_from_row(st, h)) != 0)
		return r;
	if (with_cert)
		return col_dup(st, 11, HOST_PEM_MAX, &h->cert);
	return 0;
}

int
store_host_get(struct store *s, const char *name, int with_cert,
    struct host_rec *h)
{
	struct db_stmt *st = NULL;
	int r;

	if (h == NULL || !name_ok(name))
		return KAGI_ERR_INVALID;
	memset(h, 0, sizeof(*h));
	if ((r = db_prep(s, "SELECT " HOST_COLS ", cert FROM hosts "
	    "WHERE name = ?1", &st)) != 0 ||
	    (r = db_bind_text(st, 1, name)) != 0)
		goto out;
	r = fetch_host(st, with_cert, h);
 out:
	db_done(st);
	if (r != 0)
		store_host_clear(h);
	return r;
}

int
store_host_by_fp(struct store *s, const uint8_t fp[HOST_FP_LEN],
    struct host_rec *h)
{
	struct db_stmt *st = NULL;
	int r;

	if (h == NULL || fp == NULL)
		return KAGI_ERR_INVALID;
	memset(h, 0, sizeof(*h));
	if ((r = db_prep(s, "SELECT " HOST_COLS " FROM hosts "
	    "WHERE fingerprint = ?1", &st)) != 0 ||
	    (r = db_bind_blob(st, 1, fp, HOST_FP_LEN)) != 0)
		goto out;
	r = fetch_host(st, 0, h);
 out:
	db_done(st);
	return r;
}

int
store_host_renew(struct store *s, const struct host_rec *h)
{
	struct db_stmt *st = NULL;
	int r;

	if (h == NULL || rec_ok(h) != 0)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "UPDATE hosts SET serial = ?2, fingerprint = ?3, "
	    "not_before = ?4, not_after = ?5, cert = ?6, changed = ?7 "
	    "WHERE name = ?1 AND state = 0", &st)) != 0 ||
	    (r = db_bind_text(st, 1, h->name)) != 0 ||
	    (r = db_bind_text(st, 2, h->serial)) != 0 ||
	    (r = db_bind_blob(st, 3, h->fingerprint, HOST_FP_LEN)) != 0 ||
	    (r = db_bind_int(st, 4, h->not_before)) != 0 ||
	    (r = db_bind_int(st, 5, h->not_after)) != 0 ||
	    (r = db_bind_text(st, 6, h->cert)) != 0 ||
	    (r = db_bind_int(st, 7, h->changed)) != 0)
		goto out;
	r = db_step_one_change(st);
 out:
	db_done(st);
	return r;
}

int
store_host_revoke(struct store *s, const char *name, int64_t now)
{
	struct db_stmt *st = NULL;
	int r;

	if (!name_ok(name))
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "UPDATE hosts SET state = 1, changed = ?2 "
	    "WHERE name = ?1 AND state = 0", &st)) != 0 ||
	    (r = db_bind_text(st, 1, name)) != 0 ||
	    (r = db_bind_int(st, 2, now)) != 0)
		goto out;
	r = db_step_one_change(st);
 out:
	db_done(st);
	return r;
}

int
store_host_each(struct store *s,
    int (*cb)(const struct host_rec *h, void *arg), void *arg)
{
	struct db_stmt *st = NULL;
	struct host_rec h;
	int r;

	if (cb == NULL)
		return KAGI_ERR_INVALID;
	if ((r = db_prep(s, "SELECT " HOST_COLS " FROM hosts ORDER BY name",
	    &st)) != 0)
		goto out;
	while ((r = db_step(st)) == DB_ROW) {
		if ((r = host_from_row(st, &h)) != 0 ||
		    (r = cb(&h, arg)) != 0)
			goto out;
	}
 out:
	db_done(st);
	return r;
}
