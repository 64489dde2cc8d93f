/*
 * store_session.h - the store's sessions and last log-ins (R-PRIV-7,
 * R-REM-4, R-MFA-5).  Same rules as store.h: SQL only in the backend
 * (store_sqlite_session.c), writes inside the caller's transaction,
 * arguments checked before any SQL runs (KAGI_ERR_INVALID), a row that
 * breaks an invariant KAGI_ERR_STORE.
 *
 * A session is open while ended is 0.  Its deadline (0 = none) is when
 * kagid ends it, for deadline_reason ("time_limit" for a privileged
 * user, "window_end" for a vendor).  Ending it records ended and
 * end_reason; killed says the SIGKILL round is done too.
 */
#ifndef KAGI_STORE_SESSION_H
#define KAGI_STORE_SESSION_H

#include <stdint.h>

#include "store.h"

#define STORE_TTY_MAX 64
#define STORE_HOST_MAX 256
#define STORE_LOGIND_MAX 64
#define STORE_REASON_MAX 32
#define STORE_PLACE_MAX 256
#define STORE_FACTORS_MAX 64
#define STORE_VICTIMS_MAX 4096

struct session_rec {
	int64_t id;
	int64_t user_id;
	char user[STORE_NAME_MAX + 1];		/* filled on reads */
	char service[STORE_NAME_MAX + 1];
	char tty[STORE_TTY_MAX + 1];		/* "" = none */
	char rhost[STORE_HOST_MAX + 1];		/* "" = none */
	int64_t pid;			/* the PAM host process */
	int64_t pid_start;		/* its start time (clock ticks), 0 = ? */
	int64_t sid;			/* its session id; 0, 1: none to follow */
	int64_t sid_start;		/* the session leader's start, 0 = ? */
	char logind[STORE_LOGIND_MAX + 1];	/* logind session id, "" */
	int64_t owner_uid;		/* signal only this uid's; -1 = any */
	int64_t started;
	int64_t deadline;		/* 0 = none */
	char deadline_reason[STORE_REASON_MAX + 1];
	int warned;
	int64_t ended;			/* 0 = open */
	char end_reason[STORE_REASON_MAX + 1];
	int killed;
	/* "PID:START;..." signalled when it ended: orphaned by then, they
	 * are still found for the SIGKILL round. */
	char victims[STORE_VICTIMS_MAX + 1];
};

/* Insert s (s->id ignored); *id receives the new id. */
int store_session_add(struct store *s, const struct session_rec *r,
    int64_t *id);
/* KAGI_ERR_NOT_FOUND when there is no such session. */
int store_session_get(struct store *s, int64_t id, struct session_rec *r);
/* End an open session: KAGI_ERR_NOT_FOUND when it is not open. */
int store_session_end(struct store *s, int64_t id, int64_t when,
    const char *reason);
/* Move an open session's deadline (offboarding: now). */
int store_session_set_deadline(struct store *s, int64_t id,
    int64_t deadline, const char *reason);
int store_session_set_victims(struct store *s, int64_t id,
    const char *victims);
int store_session_set_warned(struct store *s, int64_t id);
int store_session_set_killed(struct store *s, int64_t id);

typedef int (*store_session_cb)(const struct session_rec *r, void *arg);
/*
 * Sessions that need kagid's attention at now: open ones whose deadline
 * has come, or comes within warn seconds and were not warned yet; ended
 * ones whose SIGKILL round is due (ended + grace <= now, not killed).
 * The callback may not touch the store's sessions (collect, then act).
 */
int store_session_due(struct store *s, int64_t now, int64_t warn,
    int64_t grace, store_session_cb cb, void *arg);
/* Open sessions, of one user (user_id > 0) or of all (0). */
int store_session_list_open(struct store *s, int64_t user_id,
    store_session_cb cb, void *arg);
/*
 * The earliest time anything is due (as in store_session_due), or 0
 * when nothing is.
 */
int store_session_next(struct store *s, int64_t warn, int64_t grace,
    int64_t *when);

/*
 * The last successful log-in and the failures since it (R-MFA-5): a
 * log-in the whole PAM stack confirmed (login_confirm.c), its service,
 * and the session pam_kagi opened for it, whose end the next log-in
 * shows.
 */
struct login_rec {
	int64_t time;			/* 0 = never */
	char place[STORE_PLACE_MAX + 1];	/* rhost, else tty, else "" */
	char factors[STORE_FACTORS_MAX + 1];
	int64_t failures;		/* failed attempts since */
	char service[STORE_NAME_MAX + 1];	/* "" = not known */
	int64_t session;		/* its session's id, 0 = none seen */
};
/* A user without a record reads as all zero. */
int store_login_get(struct store *s, int64_t user_id, struct login_rec *l);
int store_login_put(struct store *s, int64_t user_id,
    const struct login_rec *l);
/* One more failed attempt since the last success. */
int store_login_failure(struct store *s, int64_t user_id);
/*
 * The session opened for the last log-in: when user_id's last log-in was
 * made at or after since, on service from place, and has no session yet,
 * it gets session.  *linked says whether it did.
 */
int store_login_link_session(struct store *s, int64_t user_id,
    const char *service, const char *place, int64_t since, int64_t session,
    int *linked);

/*
 * A second factor's success that waits for the rest of the PAM stack
 * (store_sqlite_pending.c): the account phase of the same PAM handle
 * confirms it with the confirmation id, of which only its SHA-256 is
 * kept.  Bound to the user, the service, terminal, remote host and zone,
 * and the caller (uid and pid) that made it; taken (deleted) by the
 * first confirmation that names its hash, whatever its outcome.
 */
#define STORE_CONFIRM_HASH_LEN 32
#define STORE_ZONE_MAX 32
struct pending_rec {
	int64_t id;
	int64_t user_id;
	char user[STORE_NAME_MAX + 1];		/* filled on reads */
	uint8_t hash[STORE_CONFIRM_HASH_LEN];
	char service[STORE_NAME_MAX + 1];
	char tty[STORE_PLACE_MAX + 1];		/* "" = none */
	char rhost[STORE_HOST_MAX + 1];		/* "" = none */
	char zone[STORE_ZONE_MAX + 1];
	int64_t peer_uid;
	int64_t peer_pid;
	/* The factor whose failures a confirmation forgives, and what the
	 * records and the last log-in call it ("breakglass", "enroll"). */
	char factor[STORE_FACTORS_MAX + 1];
	char label[STORE_FACTORS_MAX + 1];
	int64_t created;
	int64_t expires;
};
/* Insert p (p->id and p->user ignored); *id receives the new id. */
int store_pending_add(struct store *s, const struct pending_rec *p,
    int64_t *id);
/* Read and delete the one with this hash; KAGI_ERR_NOT_FOUND if none. */
int store_pending_take(struct store *s,
    const uint8_t hash[STORE_CONFIRM_HASH_LEN], struct pending_rec *p);
typedef int (*store_pending_cb)(const struct pending_rec *p, void *arg);
/*
 * Those that expired at or before now, oldest first; the callback may
 * stop the walk by returning 1, and may not touch the table (collect,
 * then act).
 */
int store_pending_expired(struct store *s, int64_t now, store_pending_cb cb,
    void *arg);
/* Delete one; KAGI_ERR_NOT_FOUND when it is not there. */
int store_pending_delete(struct store *s, int64_t id);
/* The earliest expiry, or 0 when none waits. */
int store_pending_next(struct store *s, int64_t *when);

#endif
