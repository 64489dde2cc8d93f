/*
 * ctx_fixture.h - a kagid context for the unit tests of the rules in
 * tokend/core/ (approval.c, enrollment.c, lifecycle.c).
 *
 * cx_open() sets the context up as kagid.c does: a kagid.conf loaded
 * through kagid_config_load(), a sealing key and an SQLite store, all in a
 * fresh mkdtemp directory, and the FIDO2 challenge table.  One write
 * transaction is open, as around kagid's requests, and rolled back by
 * cx_close().  The clock is fixed (kagi_clock_set()) at CX_T0 until the
 * test moves it with cx_clock().
 */
#ifndef KAGI_TEST_CTX_FIXTURE_H
#define KAGI_TEST_CTX_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "kagid_config.h"
#include "peer.h"
#include "store.h"
#include "store_policy.h"

#define CX_T0 1700000000LL
#define CX_DAY 86400

struct cx {
	char dir[64];
	char conf[96];
	struct kagid_config cfg;
	struct kagid_ctx ctx;
};

/* A context whose kagid.conf holds state_dir and then conf (or nothing). */
struct cx *cx_open(const char *conf);
void cx_close(struct cx **f);
/* cmocka set-up and tear-down around cx_open(NULL) / cx_close(). */
int cx_setup(void **state);
int cx_teardown(void **state);

/* Fix the clock at t. */
void cx_clock(int64_t t);
/*
 * A peer of the given classes: uid and name as given, logged in as
 * itself (login uid = uid, person = name; root's login uid 0 is no
 * person), approving every act when PEER_APPROVER is among classes.
 */
struct peer cx_peer(unsigned uid, const char *name, unsigned classes);
/* The same with another login uid (PEER_NO_LOGINUID: unset) and person. */
struct peer cx_peer_as(unsigned uid, const char *name, unsigned classes,
    uid_t loginuid, const char *person);

/* A new user; *u its record. */
void cx_user(struct cx *f, const char *name, int role, struct user_rec *u);
/* u's lock row: the account's (remote 0) or its remote log-ins' (1). */
struct lock_rec cx_lock(struct cx *f, const struct user_rec *u, int remote);
/* A new TOTP token of u in state (TOKEN_PENDING or TOKEN_ACTIVE). */
int64_t cx_totp(struct cx *f, const struct user_rec *u, int state);
/* How many tokens of user_id are in state (-1: all). */
int cx_tokens(struct cx *f, int64_t user_id, int state);
/* The last audit record's sequence number, 0 when none. */
int64_t cx_audit_seq(struct cx *f);
/*
 * Run SQL on the store's file through a connection of its own, as an
 * insider with the sqlite3 tool would (no transaction of the store's
 * may be open); the sqlite3 result code.
 */
int cx_sql(struct cx *f, const char *sql);
/* The events recorded after seq, comma-separated, in buf. */
const char *cx_events(struct cx *f, int64_t after, char *buf, size_t len);

#endif
