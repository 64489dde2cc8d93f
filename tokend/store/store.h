/*
 * store.h - kagid's state: users, tokens, lockout counters, audit chain.
 *
 * The only place that speaks SQL is the backend (store_sqlite*.c).  All
 * writes happen inside store_begin()/store_commit(); kagid groups the
 * requests that arrive together into one transaction and gives each its
 * own savepoint, so a failed request leaves no trace.  A state change and
 * its audit record are written in the same transaction.  SQLite runs in
 * WAL mode with synchronous=FULL: a committed transaction survives kill -9
 * and power loss.  The schema carries a version and migrates forward on
 * open; a newer schema than this build knows is refused.
 */
#ifndef KAGI_STORE_H
#define KAGI_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"

struct store;

enum token_type { TOKEN_TOTP = 0, TOKEN_FIDO2 = 1, TOKEN_SSHKEY = 2 };
enum token_state { TOKEN_PENDING = 0, TOKEN_ACTIVE = 1, TOKEN_REVOKED = 2 };
enum totp_alg { TOTP_SHA1 = 0, TOTP_SHA256 = 1, TOTP_SHA512 = 2 };

#define STORE_NAME_MAX 64
#define STORE_LABEL_MAX 64

struct user_rec {
	int64_t id;
	char name[STORE_NAME_MAX + 1];
	int role;		/* enum user_role */
	int disabled;
	int64_t created;
	int64_t last_success;	/* 0 = never */
};

struct token_rec {
	int64_t id;
	int64_t user_id;
	int type;		/* enum token_type */
	int state;		/* enum token_state */
	char label[STORE_LABEL_MAX + 1];
	int algorithm;		/* enum totp_alg */
	int digits;
	int period;
	int64_t last_step;	/* highest accepted TOTP step, -1 = none */
	int64_t created;
	int64_t last_used;
	uint8_t *sealed;	/* owned; freed by token_rec_clear() */
	size_t sealed_len;
};

struct lock_rec {
	int64_t failures;	/* failures in the current interval */
	int64_t first_failure;	/* start of the current interval, 0 = none */
	int64_t locked_until;	/* 0 = open; LOCK_UNTIL_ADMIN = admin only */
	int64_t lock_count;	/* locks so far (for growing durations) */
	int64_t relock;		/* 1 after a lock, until a success or an
				   unlock: fewer failures lock again */
};
#define LOCK_UNTIL_ADMIN INT64_MAX

struct audit_event {
	int64_t time;
	int64_t actor_uid;	/* peer uid, -1 for kagid itself */
	const char *actor;	/* peer user name, or "kagid" */
	const char *event;	/* "auth", "user_add", "lockout", ... */
	const char *user;	/* the kagi user concerned, or NULL */
	const char *fields;	/* JSON object text, or NULL */
};

/* A stored audit record as read back (strings borrowed, see below). */
struct audit_rec {
	int64_t seq;
	int64_t time;
	int64_t actor_uid;
	const char *actor;
	const char *event;
	const char *user;	/* NULL when absent */
	const char *fields;	/* JSON object text, NULL when absent */
	const char *core;	/* the core that wrote it; NULL in records
				   written before schema 14 */
	uint8_t prev[32];
	uint8_t hash[32];
};

/*
 * A core's name (kagid.conf core_name): 1 to STORE_CORE_MAX letters,
 * digits, '.', '_' or '-', starting with a letter or digit.  Every audit
 * record names the core that wrote it (schema 14), covered by its hash.
 */
#define STORE_CORE_MAX 63
int store_core_name_valid(const char *name);
/*
 * The core this store's records name from now on.  A store opened names
 * the host name (STORE_CORE_UNKNOWN when it is not a valid core name)
 * until this is called.  KAGI_ERR_INVALID, nothing changed, for a name
 * that is not valid.
 */
#define STORE_CORE_UNKNOWN "unknown"
int store_set_core(struct store *s, const char *name);
/*
 * Hold the core's name (store_set_core() first) on a PostgreSQL store for
 * as long as it is open, so that no two cores on one database write under
 * one name: a session advisory lock, taken again at every reconnection
 * before anything else (another core holding it then: the store stays
 * down, KAGI_ERR_STORE_DOWN, kagictl status says why).
 * KAGI_ERR_EXISTS, why naming the name and what to change, when another
 * core holds it now.  A SQLite store: 0 (its file is one kagid's).
 */
int store_core_claim(struct store *s, char *why, size_t whylen);
const char *store_core(const struct store *s);

/* Open (creating when absent) the store at path; migrate the schema. */
int store_open(const char *path, struct store **s);
/*
 * Open the PostgreSQL store named by conninfo (a libpq connection string
 * or URI); create or migrate its schema under an advisory lock (one core
 * migrates, the others wait).  KAGI_ERR_STORE_DOWN when the server
 * cannot be reached; KAGI_ERR_VERSION for a newer schema (both versions
 * named in why) or a database that is not a kagi store.  why (whylen
 * bytes, may be NULL) receives a sentence for the log.
 */
int store_open_pg(const char *conninfo, struct store **s, char *why,
    size_t whylen);
/*
 * Open the PostgreSQL database named by conninfo as the target of a copy
 * (kagictl store copy): only when its schema holds no table, sequence or
 * view; then create the schema.  A database holding anything (a kagi
 * store of any version, or other tables) is KAGI_ERR_EXISTS with why
 * naming what it holds, and is left exactly as it was: no DDL, no row.
 */
int store_open_pg_empty(const char *conninfo, struct store **s, char *why,
    size_t whylen);
void store_close(struct store **s);
/*
 * Copy the whole state of src, a SQLite store, into dst, an empty
 * PostgreSQL store of the same schema version (kagictl store copy,
 * store_copy.c): every table row for row with its ids, sealed secrets as
 * their bytes, in one transaction; the audit chain verified before (a
 * source that does not verify is refused, nothing written) and after
 * (the same head).  A target with any row is KAGI_ERR_EXISTS, unchanged.
 * cb (may be NULL) hears each table's name and rows copied; why (whylen
 * bytes) receives a sentence on failure.
 */
typedef void (*store_copy_cb)(const char *table, int64_t rows, void *arg);
/* What store_copy() checks of src first: its chain verifies and every
 * table is one the copy knows (why names the record or the table). */
int store_copy_source_check(struct store *src, char *why, size_t whylen);
int store_copy(struct store *src, struct store *dst, store_copy_cb cb,
    void *arg, char *why, size_t whylen);
/* Current schema version of an open store. */
int store_schema_version(struct store *s);
/* The newest schema this build knows, SQLite's or PostgreSQL's. */
int store_schema_latest(int engine_pg);
/* The SQLite schema version this build migrates to (and refuses
 * beyond); store_schema_latest(0). */
int store_schema_known(void);
/* The schema version of the database file at path, opened read-only and
 * never migrated (to say which release made it). */
int store_file_version(const char *path, int *version);
/*
 * An online, consistent copy of the whole store into a new file at path
 * (created 0600 with O_EXCL | O_NOFOLLOW; an existing path is refused),
 * made with SQLite's backup API in one step from a read-only connection
 * of its own (the store's may hold the write lock: WAL lets the reader
 * see the last commit), so it holds one committed state, never a
 * transaction's half.  *last_seq: the copy's newest audit record.  The
 * copy is a plain database (journal_mode DELETE).  On failure nothing is
 * left at path.  SQLite only: a PostgreSQL store is KAGI_ERR_CONFIG,
 * nothing made (it is backed up with pg_dump, README: Backups and
 * upgrades).
 */
int store_backup(struct store *s, const char *path, int64_t *last_seq);

/*
 * What kagictl status says about the store (issue 14).  SQLite: always
 * connected, since it was opened, server = the file.  PostgreSQL:
 * connected or not since when; a broken connection is found by the
 * statement that fails on it and repaired by the next store_begin() or
 * store_begin_read() (with a backoff); server = host:port of the last
 * connection (a socket's directory for a Unix socket).
 */
struct store_state {
	const char *engine;		/* "sqlite" or "postgresql" */
	int connected;			/* 0: unreachable */
	int64_t since;			/* wall time of the last change */
	char server[128];
	int server_version;		/* PostgreSQL's, e.g. 150005; 0 */
	int schema_version;
	int64_t reconnects;		/* reconnections since open */
	char last_error[320];		/* the last error, or "" */
	const char *core;		/* the name records are written under */
	int core_lock;			/* STORE_CORE_LOCK_* */
};
/* The core's name lock (store_core_claim()): not taken (SQLite, or not
 * claimed), held on the current connection, or not held now (the
 * connection is down, or another core took the name meanwhile). */
#define STORE_CORE_LOCK_NONE 0
#define STORE_CORE_LOCK_HELD 1
#define STORE_CORE_LOCK_LOST 2
void store_state(struct store *s, struct store_state *st);

/*
 * Transactions.  On PostgreSQL, a connection found broken makes
 * store_begin() and store_begin_read() reconnect first (a BEGIN that
 * failed on a broken connection changed nothing: it is sent once more
 * on the new one); while the server stays unreachable they return
 * KAGI_ERR_STORE_DOWN at once.  A COMMIT whose answer was lost is
 * KAGI_ERR_STORE_DOWN too: its outcome is unknown, and it is never
 * retried.
 */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/*
 * A read-only transaction (no BEGIN IMMEDIATE and no flush for requests
 * that only read).  store_end_read() rolls back whatever was
 * done in it and returns KAGI_ERR_STATE when anything was written (the
 * transaction took the write lock): then the caller must treat every
 * answer given from it as failed.  Savepoints work inside it as in a
 * write transaction.
 */
int store_begin_read(struct store *s);
int store_end_read(struct store *s);
int store_savepoint(struct store *s);
int store_release(struct store *s);
void store_rollback_to(struct store *s);

/* Users.  Names are stored as given (callers canonicalise). */
int store_user_get(struct store *s, const char *name, struct user_rec *u);
int store_user_get_id(struct store *s, int64_t id, struct user_rec *u);
int store_user_add(struct store *s, const char *name, int role, int64_t now,
    int64_t *id);
int store_user_set_disabled(struct store *s, int64_t id, int disabled);
int store_user_set_success(struct store *s, int64_t id, int64_t now);
/* Deletes the user's tokens and lock record too. */
int store_user_delete(struct store *s, int64_t id);
typedef int (*store_user_cb)(const struct user_rec *u, void *arg);
int store_user_list(struct store *s, store_user_cb cb, void *arg);
int store_user_count(struct store *s, int64_t *n);

/* Tokens.  t->id is ignored on add; *id receives the new id. */
int store_token_add(struct store *s, const struct token_rec *t, int64_t *id);
int store_token_get(struct store *s, int64_t id, struct token_rec *t);
typedef int (*store_token_cb)(const struct token_rec *t, void *arg);
/* All tokens of a user, or only those in state when state >= 0. */
int store_token_list(struct store *s, int64_t user_id, int state,
    store_token_cb cb, void *arg);
int store_token_set_state(struct store *s, int64_t id, int state);
/*
 * The newest limit tokens that are not revoked, newest first, each with
 * its owner's name (for the start's trial-open of the sealing key,
 * keycheck.h); cb as store_token_list()'s.
 */
typedef int (*store_token_user_cb)(const struct token_rec *t,
    const char *user, void *arg);
int store_token_newest(struct store *s, int limit, store_token_user_cb cb,
    void *arg);
/*
 * Accept TOTP step for token id: succeeds only when step is greater than
 * the stored last_step (one UPDATE ... WHERE last_step < step), then sets
 * last_step = step and last_used = now.  KAGI_ERR_REPLAY otherwise.
 */
int store_token_accept_step(struct store *s, int64_t id, int64_t step,
    int64_t now);
/* Frees and wipes t->sealed; zeroes t. */
void token_rec_clear(struct token_rec *t);

/*
 * FIDO2 credentials.  Each is a token (type TOKEN_FIDO2, algorithm,
 * digits and period 0, last_step -1, sealed = the public key sealed with
 * AAD "fido2:<user>") and one fido2_rec keyed by the token's id.  The
 * credential ID is unique across all users (R-TOK-1): adding one that
 * exists is KAGI_ERR_EXISTS.
 */
enum fido2_uv_kind { FIDO2_UV_NONE = 0, FIDO2_UV_PIN = 1, FIDO2_UV_BUILTIN = 2 };
#define FIDO2_CRED_ID_MAX 1024
#define FIDO2_AAGUID_LEN 16
#define FIDO2_REASON_MAX 32

struct fido2_rec {
	int64_t token_id;
	uint8_t cred_id[FIDO2_CRED_ID_MAX];
	size_t cred_id_len;		/* 1..FIDO2_CRED_ID_MAX */
	int cose_alg;			/* -7 ES256, -8 EdDSA, -257 RS256 */
	int64_t counter;		/* last signature counter, 0..2^32-1 */
	uint8_t aaguid[FIDO2_AAGUID_LEN];
	int uv;				/* enum fido2_uv_kind */
	char reason[FIDO2_REASON_MAX + 1];	/* why disabled, or "" */
};

/* Add t (a FIDO2 token) and f in one go; *id receives the token id. */
int store_fido2_add(struct store *s, const struct token_rec *t,
    const struct fido2_rec *f, int64_t *id);
/* The credential with this ID, whoever owns it; KAGI_ERR_NOT_FOUND. */
int store_fido2_get_cred(struct store *s, const uint8_t *cred_id,
    size_t len, struct fido2_rec *f);
int store_fido2_get(struct store *s, int64_t token_id, struct fido2_rec *f);
/*
 * Move the counter of an active credential from old to new and set the
 * token's last_used, in one statement (WHERE counter = old): a race lost
 * to another log-in is KAGI_ERR_REPLAY.
 */
int store_fido2_set_counter(struct store *s, int64_t token_id, int64_t old,
    int64_t new_counter, int64_t now);
/* Revoke the token and record why (e.g. "cloned"). */
int store_fido2_disable(struct store *s, int64_t token_id,
    const char *reason);

/*
 * OpenSSH security keys (issue 16).  Each is a token (type TOKEN_SSHKEY,
 * algorithm, digits and period 0, last_step -1, sealed = the enrolment's
 * attestation sealed with AAD "sshkey:<user>") and one sshkey_rec keyed
 * by the token's id.  The key (its wire form) is unique across all users
 * (R-TOK-1): adding one that exists is KAGI_ERR_EXISTS.
 */
#define SSHKEY_REC_BLOB_MAX 512
#define SSHKEY_REC_FP_MAX 64
struct sshkey_rec {
	int64_t token_id;
	uint8_t blob[SSHKEY_REC_BLOB_MAX];
	size_t blob_len;			/* 1..SSHKEY_REC_BLOB_MAX */
	char fingerprint[SSHKEY_REC_FP_MAX + 1];
	uint8_t aaguid[FIDO2_AAGUID_LEN];
};
/* Add t (an SSH key token) and k in one go; *id receives the token id. */
int store_sshkey_add(struct store *s, const struct token_rec *t,
    const struct sshkey_rec *k, int64_t *id);
int store_sshkey_get(struct store *s, int64_t token_id,
    struct sshkey_rec *k);
/* The key with this wire form, whoever owns it; KAGI_ERR_NOT_FOUND. */
int store_sshkey_find(struct store *s, const uint8_t *blob, size_t len,
    struct sshkey_rec *k);

/* Lockout counters; a user without a record reads as all zero. */
int store_lock_get(struct store *s, int64_t user_id, struct lock_rec *l);
int store_lock_put(struct store *s, int64_t user_id,
    const struct lock_rec *l);

/*
 * Append to the audit chain: seq = last + 1, prev = hash of the last
 * record (32 zero bytes for the first), hash = SHA-256 over prev and a
 * length-prefixed encoding of seq, time, actor_uid, actor, event, user,
 * fields and the store's core (store_set_core(); audit_chain.h).  *seq
 * receives the new sequence number when not NULL.
 */
int store_audit_append(struct store *s, const struct audit_event *ev,
    int64_t *seq);
/* Walk the chain; 0 when intact, else KAGI_ERR_INVALID and *bad_seq. */
int store_audit_verify(struct store *s, int64_t *bad_seq);
int store_audit_head(struct store *s, int64_t *seq, uint8_t hash[32]);
/*
 * The same walk, saying why the first misfit does not fit (*why: an enum
 * audit_break of audit_chain.h).  The live chain must start at the
 * archived boundary (store_audit_boundary()), so removing the oldest
 * live record is seen too.
 */
int store_audit_check(struct store *s, int64_t *bad_seq, int *why);
/*
 * Where the live chain starts: the first seq after the records moved to
 * an archive and the hash that seq's prev must hold; (1, zeros) when
 * nothing was ever archived.
 */
int store_audit_boundary(struct store *s, int64_t *first_seq,
    uint8_t prev[32]);
/*
 * Records with seq > after_seq, in order; the record's strings are valid
 * only during the callback.  cb returns 0 to go on, > 0 to stop (the
 * scan then returns 0), < 0 to fail with that code.
 */
typedef int (*store_audit_cb)(const struct audit_rec *rec, void *arg);
int store_audit_scan(struct store *s, int64_t after_seq, store_audit_cb cb,
    void *arg);
/*
 * The newest record of event written by this store's core (or before
 * records named their core), else the newest of any core (a core's
 * first): cb sees it as store_audit_scan() would; KAGI_ERR_NOT_FOUND
 * when there is none.  Several cores on one chain each find their own.
 */
int store_audit_last_event(struct store *s, const char *event,
    store_audit_cb cb, void *arg);
/*
 * Remove records 1..through_seq (all that remain up to it) once they are
 * safely archived elsewhere (to file, at time), and remember the boundary
 * and the archive.  Refused (KAGI_ERR_STATE) unless record through_seq
 * exists with exactly hash and at least one record follows it; in the
 * caller's transaction.
 */
#define STORE_ARCHIVE_FILE_MAX 1024
int store_audit_archive(struct store *s, int64_t through_seq,
    const uint8_t hash[32], const char *file, int64_t time);
/* One archive made: records first_seq..through_seq went to file at time. */
struct audit_archive_rec {
	int64_t first_seq;
	int64_t through_seq;
	uint8_t hash[32];		/* of record through_seq */
	char file[STORE_ARCHIVE_FILE_MAX + 1];
	int64_t time;
};
typedef int (*store_archive_cb)(const struct audit_archive_rec *a,
    void *arg);
/* Every archive made, oldest first (first_seq follows the one before). */
int store_audit_archives(struct store *s, store_archive_cb cb, void *arg);
/* The hash of live record seq; KAGI_ERR_NOT_FOUND when it is not live. */
int store_audit_hash_at(struct store *s, int64_t seq, uint8_t hash[32]);
/*
 * The cores that wrote the live chain, in the order each first appears:
 * cb sees a core's name (NULL for the records written before schema 14
 * named their core), how many records it wrote and its first and last.
 */
typedef int (*store_core_cb)(const char *core, int64_t records,
    int64_t first_seq, int64_t last_seq, void *arg);
int store_audit_cores(struct store *s, store_core_cb cb, void *arg);
/* The time of the newest live record, 0 when none is live. */
int store_audit_head_time(struct store *s, int64_t *time);

#endif
