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
	int64_t sid;			/* its session id */
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
/*
 * Every session open now or ended at since or later, oldest first (the
 * vendors report, R-REM-4).
 */
int store_session_list_since(struct store *s, int64_t since,
    store_session_cb cb, void *arg);
/* Open sessions, of one user (user_id > 0) or of all (0). */
int store_session_list_open(struct store *s, int64_t user_id,
    store_session_cb cb, void *arg);
/*
 * The earliest time anything is due (as in store_session_due), or 0
 * when nothing is.
 */
int store_session_next(struct store *s, int64_t warn, int64_t grace,
    int64_t *when);

/* The last successful log-in and the failures since it (R-MFA-5). */
struct login_rec {
	int64_t time;			/* 0 = never */
	char place[STORE_PLACE_MAX + 1];	/* rhost, else tty, else "" */
	char factors[STORE_FACTORS_MAX + 1];
	int64_t failures;		/* failed attempts since */
};
/* A user without a record reads as all zero. */
int store_login_get(struct store *s, int64_t user_id, struct login_rec *l);
int store_login_put(struct store *s, int64_t user_id,
    const struct login_rec *l);
/* One more failed attempt since the last success. */
int store_login_failure(struct store *s, int64_t user_id);

#endif
