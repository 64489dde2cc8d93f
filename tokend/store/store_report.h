/*
 * store_report.h - the state the auditors' reports read (report.c) in
 * place of the audit records, so that moving records to an archive
 * changes no report (R-TOK-7, R-PRIV-1, R-LOG-3).
 *
 * Same rules as store.h: SQL only in the backend (store_sqlite_report.c),
 * writes inside the caller's transaction, arguments checked before any
 * SQL runs (KAGI_ERR_INVALID), a row that breaks an invariant
 * KAGI_ERR_STORE.  Sessions, exceptions and requests have tables of their
 * own already (store_session.h, store_life.h).
 */
#ifndef KAGI_STORE_REPORT_H
#define KAGI_STORE_REPORT_H

#include <stdint.h>

#include "store.h"

#define STORE_SOURCE_MAX 256
#define STORE_REPORT_NAME_MAX 32

/*
 * Who gave a user the role it holds (R-PRIV-1, R-PRIV-3): one row per
 * user, replaced at every grant.  granted_by is the person who asked
 * (the requester of an approved request, else who did it); approved_by
 * the second person, "" when none was needed; request_id 0 when none.
 * Users that existed before this table have "" for both.
 */
struct grant_rec {
	int64_t user_id;
	int role;			/* enum user_role */
	int64_t since;
	char granted_by[STORE_NAME_MAX + 1];
	char approved_by[STORE_NAME_MAX + 1];
	int64_t request_id;
};

/* Insert or replace the grant of g->user_id. */
int store_grant_put(struct store *s, const struct grant_rec *g);
/* KAGI_ERR_NOT_FOUND when the user has no grant row. */
int store_grant_get(struct store *s, int64_t user_id, struct grant_rec *g);

/*
 * Failed log-ins, lockouts and unconfirmed second factors by user name (as typed, known or not),
 * source (rhost, else tty, else "-") and hour.  Added to as the records
 * are written (report.c); rows older than a time can be pruned.
 */
int store_authstat_add(struct store *s, const char *user, const char *source,
    int64_t time, int64_t failures, int64_t lockouts, int64_t unconfirmed);
struct authstat_rec {
	char user[STORE_NAME_MAX + 1];
	char source[STORE_SOURCE_MAX + 1];
	int64_t failures;
	int64_t lockouts;
	int64_t unconfirmed;	/* right second factors never confirmed */
	int64_t first;
	int64_t last;
};
typedef int (*store_authstat_cb)(const struct authstat_rec *a, void *arg);
/*
 * Sums by user and source over the hours from since's hour on, ordered
 * by user then source.
 */
int store_authstat_list(struct store *s, int64_t since, store_authstat_cb cb,
    void *arg);
/* Remove the hours that end before `before`. */
int store_authstat_prune(struct store *s, int64_t before);

/* When a report was last produced, and by whom (R-TOK-7). */
int store_report_run_put(struct store *s, const char *name, int64_t time,
    const char *actor);
/* *time 0 and actor "" when it never was. */
int store_report_run_get(struct store *s, const char *name, int64_t *time,
    char actor[STORE_NAME_MAX + 1]);

/* --- what the compliance check reads besides (compliance.c) --------------- */

/*
 * Tokens revoked once and not revoked now (the store marks every token
 * when it is revoked, and the mark stays, R-TOK-2): cb gets each with its
 * user's name; *revoked counts every token ever revoked.
 */
typedef int (*store_revived_cb)(int64_t token, const char *user, void *arg);
int store_token_revived(struct store *s, store_revived_cb cb, void *arg,
    int64_t *revoked);
/* The store's durability as its engine reports it now: SQLite's WAL and
 * synchronous=FULL; on PostgreSQL *wal is 1 and *sync_full says fsync is
 * on and synchronous_commit is not off (R-AVL-1). */
int store_durability(struct store *s, int *wal, int *sync_full);

#endif
