/*
 * store_hosts.h - the store's fleet: the cores' CA and the registry of
 * hosts (issue 15, hosts.h).  Same rules as store.h: SQL only in the
 * backend (store_sqlite_hosts.c, on the statement layer for both
 * engines), writes inside the caller's transaction, arguments checked
 * before any SQL runs (KAGI_ERR_INVALID), a row that breaks an invariant
 * KAGI_ERR_STORE.
 *
 * The CA is one row: its certificate (PEM) and its key, sealed by the
 * caller (hosts.c); it is written once (a second is KAGI_ERR_EXISTS) and
 * never changed.  A host's name and its certificate's fingerprint are
 * unique; a revoked host keeps its row, so that its certificate is still
 * known (and refused by name).
 */
#ifndef KAGI_STORE_HOSTS_H
#define KAGI_STORE_HOSTS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define HOST_NAME_MAX_LEN 63
#define HOST_SERIAL_MAX 64		/* hex digits */
#define HOST_FP_LEN 32			/* SHA-256 */
#define HOST_PEM_MAX (16 * 1024)

enum host_state { HOST_ACTIVE = 0, HOST_REVOKED = 1 };

struct host_rec {
	int64_t id;
	char name[HOST_NAME_MAX_LEN + 1];
	int zone;			/* enum kagi_zone */
	int cls;			/* enum host_class (hosts.h) */
	int state;			/* enum host_state */
	char serial[HOST_SERIAL_MAX + 1];
	uint8_t fingerprint[HOST_FP_LEN];
	int64_t not_before;
	int64_t not_after;
	int64_t created;
	int64_t changed;		/* last renew or revoke */
	char *cert;			/* PEM, malloc'd; NULL unless asked */
};

/* The CA: 0, or KAGI_ERR_NOT_FOUND when none was made.  *cert_pem and
 * *sealed are malloc'd (free() them; the sealed key is no secret). */
int store_host_ca_get(struct store *s, char **cert_pem, uint8_t **sealed,
    size_t *sealed_len);
int store_host_ca_put(struct store *s, const char *cert_pem,
    const uint8_t *sealed, size_t sealed_len, int64_t now);

/* Add h (cert set); *id its id.  KAGI_ERR_EXISTS for a name or a
 * fingerprint taken. */
int store_host_add(struct store *s, const struct host_rec *h, int64_t *id);
/* by name / by certificate fingerprint; with_cert: fill h->cert. */
int store_host_get(struct store *s, const char *name, int with_cert,
    struct host_rec *h);
int store_host_by_fp(struct store *s, const uint8_t fp[HOST_FP_LEN],
    struct host_rec *h);
/* Replace the certificate of the active host h->name (serial,
 * fingerprint, validity, cert, changed).  KAGI_ERR_NOT_FOUND when there
 * is no active host of that name. */
int store_host_renew(struct store *s, const struct host_rec *h);
/* Mark name revoked at now; KAGI_ERR_NOT_FOUND when no active host. */
int store_host_revoke(struct store *s, const char *name, int64_t now);
/* Every host, by name: cb for each (cert not filled); cb's non-zero
 * ends the walk and is returned. */
int store_host_each(struct store *s,
    int (*cb)(const struct host_rec *h, void *arg), void *arg);
/* Free h->cert. */
void store_host_clear(struct host_rec *h);

#endif
