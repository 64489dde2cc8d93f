/*
 * store_life.h - the store's lifecycle tables: two-person requests,
 * enrollment codes, break-glass codes and the exceptions their use opens,
 * and the per-user activity dates the dormant-account rule reads.
 *
 * Same rules as store.h: only the backend (store_sqlite_life.c) speaks
 * SQL, every write happens inside the caller's transaction, and rows that
 * break the store's invariants read as KAGI_ERR_STORE.  Codes are stored
 * only as salted hashes; nothing here sees a code in clear.
 */
#ifndef KAGI_STORE_LIFE_H
#define KAGI_STORE_LIFE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* --- two-person requests (R-PRIV-3, R-LOG-5) ----------------------------- */

enum request_state {
	REQ_PENDING = 0,
	REQ_APPROVED = 1,	/* approved and carried out, in one step */
	REQ_REJECTED = 2,
	REQ_EXPIRED = 3,
	REQ_FAILED = 4		/* approved, but the act could not be done */
};

#define REQ_ACTION_MAX 32
#define REQ_REASON_MAX 256
#define REQ_PARAMS_MAX 4096

struct request_rec {
	int64_t id;
	char action[REQ_ACTION_MAX + 1];
	char params[REQ_PARAMS_MAX + 1];	/* the request, JSON text */
	int64_t requester_uid;
	char requester[STORE_NAME_MAX + 1];
	int64_t requester_luid;			/* login uid, -1 = unset */
	char requester_group[STORE_NAME_MAX + 1];	/* "root", a group */
	int64_t created;
	int64_t expires;
	int state;				/* enum request_state */
	int64_t decider_uid;			/* -1 = none yet */
	char decider[STORE_NAME_MAX + 1];
	int64_t decider_luid;			/* -1 = none or unset */
	char decider_group[STORE_NAME_MAX + 1];	/* the approving group */
	int64_t decided;
	char reason[REQ_REASON_MAX + 1];
};

/* Who decided a request: uid, name, login uid (-1 = unset), group. */
struct request_decider {
	int64_t uid;
	const char *name;
	int64_t luid;
	const char *group;	/* NULL = "" */
};

/* Add r (state pending; id, decider fields ignored); *id the new id. */
int store_request_add(struct store *s, const struct request_rec *r,
    int64_t *id);
int store_request_get(struct store *s, int64_t id, struct request_rec *r);
typedef int (*store_request_cb)(const struct request_rec *r, void *arg);
/* Every request, newest first. */
int store_request_list(struct store *s, store_request_cb cb, void *arg);
/*
 * Move a pending request to state, decided by d at now (reason may be
 * NULL); KAGI_ERR_STATE when it is no longer pending (another decision
 * came first).
 */
int store_request_decide(struct store *s, int64_t id, int state,
    const struct request_decider *d, int64_t now, const char *reason);

/* --- enrollment codes (R-TOK-4) ---------------------------------------- */

#define ENROLL_SALT_LEN 16
#define ENROLL_HASH_LEN 32

struct enroll_code_rec {
	int64_t user_id;
	uint8_t salt[ENROLL_SALT_LEN];
	uint8_t hash[ENROLL_HASH_LEN];	/* SHA-256(salt || code) */
	int64_t created;
	int64_t expires;
	int64_t used;			/* 0 = unused; else when presented */
	int64_t token_id;		/* token created on presentation, 0 */
};

/* Store the user's one code, replacing (revoking) any earlier one. */
int store_enroll_code_put(struct store *s, const struct enroll_code_rec *e);
int store_enroll_code_get(struct store *s, int64_t user_id,
    struct enroll_code_rec *e);
/* Mark the unused code used at now with token; KAGI_ERR_STATE if used. */
int store_enroll_code_use(struct store *s, int64_t user_id, int64_t now,
    int64_t token_id);
/* Forget the user's code; no code is not an error. */
int store_enroll_code_delete(struct store *s, int64_t user_id);

/* --- enrollment grants (R-PRIV-3) --------------------------------------- */

/*
 * A second person's approval to enroll one FIDO2 key for a privileged
 * user, spent by that user alone (kagictl enroll --grant): single use,
 * until expires.  requester is the administrator who asked.
 */
struct enroll_grant_rec {
	int64_t id;
	int64_t user_id;
	int64_t request_id;		/* the approved request */
	int64_t requester_uid;
	char requester[STORE_NAME_MAX + 1];
	char approver[STORE_NAME_MAX + 1];
	int64_t created;
	int64_t expires;
	int64_t used;			/* 0 = unused; else when spent */
	int64_t token_id;		/* the token it enrolled, 0 */
};

/* Add g (id, used, token_id ignored); *id the new id. */
int store_enroll_grant_add(struct store *s, const struct enroll_grant_rec *g,
    int64_t *id);
/*
 * The oldest unused, unexpired grant to enroll a key for user_id, which
 * only that user spends (R-PRIV-3)
 * at now; KAGI_ERR_NOT_FOUND when there is none.
 */
int store_enroll_grant_find(struct store *s, int64_t user_id, int64_t now,
    struct enroll_grant_rec *g);
/* Spend an unused grant for token_id; KAGI_ERR_STATE when spent already. */
int store_enroll_grant_use(struct store *s, int64_t id, int64_t now,
    int64_t token_id);

/* --- break-glass codes and exceptions (R-EXC-1, R-INC-1) ------------- */

#define BG_SALT_LEN 16
#define BG_HASH_LEN 32

struct bg_code_rec {
	int64_t id;
	int64_t user_id;
	char user[STORE_NAME_MAX + 1];	/* filled by the list */
	uint8_t salt[BG_SALT_LEN];
	uint8_t hash[BG_HASH_LEN];	/* PBKDF2-HMAC-SHA256 */
	int64_t iterations;
	int64_t created;
	int64_t used;			/* 0 = unused */
};

int store_bg_code_add(struct store *s, const struct bg_code_rec *c,
    int64_t *id);
/* Unused codes of user_id, or of everyone when user_id is 0, by id. */
typedef int (*store_bg_code_cb)(const struct bg_code_rec *c, void *arg);
int store_bg_code_list(struct store *s, int64_t user_id, store_bg_code_cb cb,
    void *arg);
/* Spend an unused code; KAGI_ERR_STATE when already used or unknown. */
int store_bg_code_use(struct store *s, int64_t id, int64_t now);
/* Spend every unused code of a user (a new set, off-boarding); *n spent. */
int store_bg_code_revoke_user(struct store *s, int64_t user_id, int64_t now,
    int64_t *n);

#define EXC_SOURCE_MAX 16

struct exception_rec {
	int64_t id;
	char user[STORE_NAME_MAX + 1];
	int64_t code_id;
	char source[EXC_SOURCE_MAX + 1];	/* "kagid" or "offline" */
	int64_t opened;
	int64_t closed;				/* 0 = open */
	char closer[STORE_NAME_MAX + 1];
	char reason[REQ_REASON_MAX + 1];
};

int store_exception_add(struct store *s, const char *user, int64_t code_id,
    const char *source, int64_t opened, int64_t *id);
int store_exception_get(struct store *s, int64_t id, struct exception_rec *e);
/* Close an open exception; KAGI_ERR_STATE when already closed. */
int store_exception_close(struct store *s, int64_t id, const char *closer,
    const char *reason, int64_t now);
typedef int (*store_exception_cb)(const struct exception_rec *e, void *arg);
/* Exceptions by id; only the open ones when open_only. */
int store_exception_list(struct store *s, int open_only,
    store_exception_cb cb, void *arg);
/* *found = 1 when user has an exception opened at or after since. */
int store_exception_recent(struct store *s, const char *user, int64_t since,
    int *found);

/* --- users: role and activity --------------------------------------------- */

/* Remember that the user was (re-)enabled at now (dormancy restarts). */
int store_user_set_enabled_at(struct store *s, int64_t id, int64_t now);
/* When the user was last enabled, 0 when never recorded. */
int store_user_enabled_at(struct store *s, int64_t id, int64_t *at);

#endif
