/*
 * test_store_pg.c - the store on PostgreSQL (issue 14): a real
 * PostgreSQL 15 of the test's own (tests/pgserver.sh: initdb and pg_ctl
 * in a temporary directory, Unix socket only, as nobody when root), one
 * fresh database per test, and a second connection where a test needs
 * two cores on one database.  A raw libpq connection plays someone with
 * write access to the database.
 *
 * The server is started once for the group and stopped at its end
 * (pg_fixture.c); a missing postgresql-15 fails the group.
 * What is proved: the schema is created at open and found current by the
 * next core; a newer schema and a foreign database are refused, naming
 * both versions; users, tokens (sealed bytes exact), lock records, failure
 * counts and the audit chain work through the same store functions as on
 * SQLite; a TOTP step is accepted once across two cores; a revocation
 * through one core is refused at once through the other; a write
 * transaction holds the audit head from BEGIN to COMMIT and the user rows
 * it read (a raw connection's NOWAIT finds them locked), a read
 * transaction locks nothing; two cores counting failures at once through
 * a read-then-write lose none; two cores append
 * to one chain without gap or fork, and an edit made behind kagid's back
 * is found; the store's durability is read from the server's settings
 * without breaking the transaction it is asked in; a core name is held by
 * one store at a time, and a store whose name was taken while it
 * reconnected stays down until it is free; a copy's target holding a
 * table or a kagi store is refused, naming it, and an empty one gets the
 * schema.
 */
#include "config.h"

#include <sys/wait.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "kagi_err.h"
#include "store.h"
#include "store_report.h"
#include "store_session.h"
#include "pg_fixture.h"

struct fx {
	char conninfo[600];
	struct store *s, *s2;
	PGconn *raw;
};

/* A fresh database for each test; the store opened on it. */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (pg_fixture_new_db(f->conninfo, sizeof(f->conninfo)) != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(&f->s);
	store_close(&f->s2);
	PQfinish(f->raw);
	free(f);
	return 0;
}

static void
open_store(struct fx *f, struct store **s)
{
	char why[256] = "";

	if (store_open_pg(f->conninfo, s, why, sizeof(why)) != 0)
		fail_msg("store_open_pg: %s", why);
}

static PGconn *
raw(struct fx *f)
{
	if (f->raw == NULL)
		f->raw = pg_fixture_raw(f->conninfo);
	return f->raw;
}

static int64_t
add_user(struct store *s, const char *name)
{
	int64_t id = 0;

	assert_int_equal(store_user_add(s, name, ROLE_STAFF, 1000, &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t
add_token(struct store *s, int64_t uid)
{
	static uint8_t sealed[48];
	struct token_rec t;
	int64_t id = 0;
	size_t i;

	for (i = 0; i < sizeof(sealed); i++)
		sealed[i] = (uint8_t)(i * 37 + 1);
	sealed[5] = 0;		/* a NUL inside travels as it is */
	memset(&t, 0, sizeof(t));
	t.user_id = uid;
	t.type = TOKEN_TOTP;
	t.state = TOKEN_ACTIVE;
	t.algorithm = TOTP_SHA1;
	t.digits = 6;
	t.period = 30;
	t.last_step = -1;
	t.created = 1000;
	strcpy(t.label, "phone");
	t.sealed = sealed;
	t.sealed_len = sizeof(sealed);
	assert_int_equal(store_token_add(s, &t, &id), 0);
	return id;
}

/* --- tests ---------------------------------------------------------------- */

static void
test_open_creates_the_schema_and_a_second_core_finds_it(void **state)
{
	struct fx *f = *state;

	open_store(f, &f->s);
	assert_int_equal(store_schema_version(f->s), store_schema_latest(1));
	/* The same number as SQLite's: one schema, two dialects. */
	assert_int_equal(store_schema_latest(1), store_schema_latest(0));
	open_store(f, &f->s2);
	assert_int_equal(store_schema_version(f->s2), store_schema_latest(1));
}

/*
 * Four cores starting at once on an empty database: each opens it (the
 * advisory lock lets one create the schema while the others wait; without
 * it the others' CREATE TABLE would fail).
 */
static void
test_cores_starting_at_once_create_the_schema_once(void **state)
{
	struct fx *f = *state;
	pid_t pids[4];
	int i, st, failed = 0;

	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			struct store *s = NULL;
			char why[256];
			int r = store_open_pg(f->conninfo, &s, why, sizeof(why));

			store_close(&s);
			_exit(r == 0 ? 0 : 1);
		}
		assert_true(pids[i] > 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	assert_int_equal(failed, 0);
	open_store(f, &f->s);
	assert_int_equal(store_schema_version(f->s), store_schema_latest(1));
}

static void
test_a_newer_schema_is_refused_naming_both_versions(void **state)
{
	struct fx *f = *state;
	char why[256] = "", want[64], sql[96];

	open_store(f, &f->s);
	store_close(&f->s);
	snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d",
	    store_schema_latest(1) + 1);
	pg_fixture_exec(raw(f), sql);
	assert_int_equal(store_open_pg(f->conninfo, &f->s, why, sizeof(why)),
	    KAGI_ERR_VERSION);
	assert_null(f->s);
	snprintf(want, sizeof(want), "version %d", store_schema_latest(1) + 1);
	assert_non_null(strstr(why, want));
	snprintf(want, sizeof(want), "(%d)", store_schema_latest(1));
	assert_non_null(strstr(why, want));
}

static void
test_a_database_that_is_not_a_kagi_store_is_refused(void **state)
{
	struct fx *f = *state;
	char why[256] = "";

	pg_fixture_exec(raw(f), "CREATE TABLE payroll (id BIGINT)");
	assert_int_equal(store_open_pg(f->conninfo, &f->s, why, sizeof(why)),
	    KAGI_ERR_VERSION);
	assert_non_null(strstr(why, "not a kagi store"));
}

static void
test_an_unreachable_server_is_store_down(void **state)
{
	struct store *s = NULL;
	char why[256] = "";

	(void)state;
	assert_int_equal(store_open_pg("host=/nonexistent port=5432 "
	    "dbname=kagi user=kagi connect_timeout=2", &s, why, sizeof(why)),
	    KAGI_ERR_STORE_DOWN);
	assert_null(s);
	assert_true(why[0] != '\0');
}

static void
test_users_and_tokens_round_trip(void **state)
{
	struct fx *f = *state;
	struct user_rec u;
	struct token_rec t, bad;
	int64_t uid, tid, n = 0;

	open_store(f, &f->s);
	assert_int_equal(store_begin(f->s), 0);
	uid = add_user(f->s, "suzuki");
	/* A name taken: EXISTS, and the transaction goes on. */
	assert_int_equal(store_user_add(f->s, "suzuki", ROLE_STAFF, 1, NULL),
	    KAGI_ERR_EXISTS);
	tid = add_token(f->s, uid);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_user_get(f->s, "suzuki", &u), 0);
	assert_int_equal(u.id, uid);
	assert_int_equal(u.role, ROLE_STAFF);
	assert_int_equal(u.created, 1000);
	assert_int_equal(store_user_get(f->s, "sato", &u), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_user_count(f->s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_token_get(f->s, tid, &t), 0);
	assert_int_equal(t.user_id, uid);
	assert_int_equal(t.sealed_len, 48);
	assert_int_equal(t.sealed[5], 0);
	assert_int_equal(t.sealed[6], (uint8_t)(6 * 37 + 1));
	assert_string_equal(t.label, "phone");
	token_rec_clear(&t);
	/* A token of nobody: the foreign key, NOT_FOUND. */
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(store_token_get(f->s, tid + 99, &bad),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_user_delete(f->s, uid), 0);
	assert_int_equal(store_token_get(f->s, tid, &t), KAGI_ERR_NOT_FOUND);
}

/* An SSH key token with the key blob[0..n) (its first byte varied). */
static int
add_sshkey(struct store *s, int64_t uid, uint8_t first, int64_t *id)
{
	static uint8_t att[16] = { 1, 2, 3 };
	struct token_rec t;
	struct sshkey_rec k;
	size_t i;

	memset(&t, 0, sizeof(t));
	t.user_id = uid;
	t.type = TOKEN_SSHKEY;
	t.state = TOKEN_ACTIVE;
	t.last_step = -1;
	t.created = 1000;
	strcpy(t.label, "gateway");
	t.sealed = att;
	t.sealed_len = sizeof(att);
	memset(&k, 0, sizeof(k));
	for (i = 0; i < 80; i++)
		k.blob[i] = (uint8_t)(i * 11 + 3);
	k.blob[0] = first;
	k.blob[7] = 0;		/* a NUL inside travels as it is */
	k.blob_len = 80;
	strcpy(k.fingerprint, "SHA256:abc");
	k.aaguid[15] = 0x42;
	return store_sshkey_add(s, &t, &k, id);
}

/* R-TOK-1: migration 13 on PostgreSQL: an SSH key is stored as bytes,
 * found by its wire form, and another user's copy of it is refused
 * (EXISTS) with nothing of its token left after the savepoint. */
static void
test_an_ssh_key_round_trips_and_belongs_to_one_user(void **state)
{
	struct fx *f = *state;
	struct sshkey_rec k;
	struct token_rec t;
	int64_t a, b, tid = 0, other = 0;

	open_store(f, &f->s);
	assert_true(store_schema_version(f->s) >= 13);
	a = add_user(f->s, "kimura");
	b = add_user(f->s, "mori");
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(add_sshkey(f->s, a, 0x00, &tid), 0);
	assert_int_equal(store_savepoint(f->s), 0);
	assert_int_equal(add_sshkey(f->s, b, 0x00, &other), KAGI_ERR_EXISTS);
	store_rollback_to(f->s);
	assert_int_equal(store_commit(f->s), 0);
	memset(&k, 0, sizeof(k));
	assert_int_equal(store_sshkey_get(f->s, tid, &k), 0);
	assert_int_equal(k.token_id, tid);
	assert_int_equal(k.blob_len, 80);
	assert_int_equal(k.blob[7], 0);
	assert_int_equal(k.blob[8], (uint8_t)(8 * 11 + 3));
	assert_string_equal(k.fingerprint, "SHA256:abc");
	assert_int_equal(k.aaguid[15], 0x42);
	k.blob[0] = 0x00;
	assert_int_equal(store_sshkey_find(f->s, k.blob, k.blob_len, &k), 0);
	assert_int_equal(k.token_id, tid);
	k.blob[0] = 0x01;
	assert_int_equal(store_sshkey_find(f->s, k.blob, k.blob_len, &k),
	    KAGI_ERR_NOT_FOUND);
	/* The refused copy left no token behind. */
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_token_get(f->s, tid + 1, &t),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_sshkey_get(f->s, tid + 1, &k),
	    KAGI_ERR_NOT_FOUND);
}

/* R-TOK-2: one step, two cores: accepted once. */
static void
test_a_step_is_accepted_once_across_two_cores(void **state)
{
	struct fx *f = *state;
	int64_t uid, tid;

	open_store(f, &f->s);
	open_store(f, &f->s2);
	uid = add_user(f->s, "ito");
	tid = add_token(f->s, uid);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_token_accept_step(f->s, tid, 100, 3000), 0);
	assert_int_equal(store_commit(f->s), 0);
	/* The second core's UPDATE sees the committed step: no winner.
	 * (Its BEGIN waits for the first core's COMMIT: the next test.) */
	assert_int_equal(store_begin(f->s2), 0);
	assert_int_equal(store_token_accept_step(f->s2, tid, 100, 3000),
	    KAGI_ERR_REPLAY);
	assert_int_equal(store_token_accept_step(f->s2, tid, 101, 3030), 0);
	assert_int_equal(store_commit(f->s2), 0);
	assert_int_equal(store_token_accept_step(f->s, tid, 101, 3030),
	    KAGI_ERR_REPLAY);
}

/*
 * Run sql on the raw connection; 1 when it failed because a row it asked
 * for NOWAIT is locked (SQLSTATE 55P03), 0 when it ran; anything else
 * fails the test.
 */
static int
raw_locked(struct fx *f, const char *sql)
{
	PGresult *res = PQexec(raw(f), sql);
	const char *state;
	int locked = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state == NULL || strcmp(state, "55P03") != 0)
			fail_msg("%s: %s", sql, PQerrorMessage(raw(f)));
		locked = 1;
	}
	PQclear(res);
	return locked;
}

#define HEAD_NOWAIT "SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE NOWAIT"
#define USER_NOWAIT "SELECT 1 FROM users WHERE name = 'ito' FOR UPDATE NOWAIT"

/*
 * A write transaction holds the audit head from BEGIN to COMMIT, so the
 * cores' write transactions take turns and always lock in one order
 * (audit_head, users, tokens, sessions): no deadlock between two batches
 * that name the same users in another order.  A read transaction locks
 * nothing.
 */
static void
test_a_write_transaction_holds_the_audit_head_from_begin_to_commit(
    void **state)
{
	struct fx *f = *state;

	open_store(f, &f->s);
	assert_int_equal(raw_locked(f, HEAD_NOWAIT), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(raw_locked(f, HEAD_NOWAIT), 1);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(raw_locked(f, HEAD_NOWAIT), 0);
	assert_int_equal(store_begin(f->s), 0);
	store_rollback(f->s);
	assert_int_equal(raw_locked(f, HEAD_NOWAIT), 0);
	assert_int_equal(store_begin_read(f->s), 0);
	assert_int_equal(raw_locked(f, HEAD_NOWAIT), 0);
	assert_int_equal(store_end_read(f->s), 0);
}

/*
 * The user row a write transaction read is held until COMMIT (DB_LOCK):
 * the row that vetoes a decision (disabled, deleted) and that failures.c's
 * read-then-write of the counters hangs on.  Read by name and by id; a
 * read transaction's read locks nothing and still ends as "no write".
 */
static void
test_a_user_read_in_a_write_transaction_is_held_until_commit(void **state)
{
	struct fx *f = *state;
	struct user_rec u;
	int64_t uid;

	open_store(f, &f->s);
	uid = add_user(f->s, "ito");
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(raw_locked(f, USER_NOWAIT), 0);
	assert_int_equal(store_user_get(f->s, "ito", &u), 0);
	assert_int_equal(raw_locked(f, USER_NOWAIT), 1);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(raw_locked(f, USER_NOWAIT), 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_user_get_id(f->s, uid, &u), 0);
	assert_int_equal(raw_locked(f, USER_NOWAIT), 1);
	store_rollback(f->s);
	assert_int_equal(raw_locked(f, USER_NOWAIT), 0);
	assert_int_equal(store_begin_read(f->s), 0);
	assert_int_equal(store_user_get(f->s, "ito", &u), 0);
	assert_int_equal(raw_locked(f, USER_NOWAIT), 0);
	assert_int_equal(store_end_read(f->s), 0);
}

/*
 * R-MFA-5 (lockout): a rule's read-then-write of a user's lock record
 * (failures.c: read the record, count one more, write it back), run by
 * two cores at once 300 times each, adds up to exactly 600: no update is
 * lost between them.
 */
static void
test_failures_counted_by_two_cores_at_once_add_up_exactly(void **state)
{
	struct fx *f = *state;
	struct lock_rec l;
	pid_t pids[2];
	int i, st, failed = 0;

	open_store(f, &f->s);
	(void)add_user(f->s, "ito");
	for (i = 0; i < 2; i++) {
		if ((pids[i] = fork()) == 0) {
			struct store *s = NULL;
			struct user_rec u;
			struct lock_rec c;
			char why[256];
			int k, r = store_open_pg(f->conninfo, &s, why,
			    sizeof(why));

			for (k = 0; r == 0 && k < 300; k++) {
				if ((r = store_begin(s)) != 0)
					break;
				if ((r = store_user_get(s, "ito", &u)) != 0 ||
				    (r = store_lock_get(s, u.id, &c)) != 0)
					goto fail;
				c.failures++;
				c.first_failure = 1000;
				if ((r = store_lock_put(s, u.id, &c)) != 0)
					goto fail;
				r = store_commit(s);
				continue;
			fail:
				store_rollback(s);
			}
			store_close(&s);
			_exit(r == 0 ? 0 : 1);
		}
		assert_true(pids[i] > 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	assert_int_equal(failed, 0);
	assert_int_equal(store_lock_get(f->s, 1, &l), 0);
	assert_int_equal(l.failures, 600);
}

/* R-TOK-2: revoked through one core, refused at once through the other. */
static void
test_a_revocation_through_one_core_is_refused_through_the_other(
    void **state)
{
	struct fx *f = *state;
	int64_t uid, tid;

	open_store(f, &f->s);
	open_store(f, &f->s2);
	uid = add_user(f->s, "kato");
	tid = add_token(f->s, uid);
	assert_int_equal(store_token_set_state(f->s, tid, TOKEN_REVOKED), 0);
	assert_int_equal(store_token_accept_step(f->s2, tid, 200, 6000),
	    KAGI_ERR_REPLAY);
}

static void
test_lock_records_and_failure_counts(void **state)
{
	struct fx *f = *state;
	struct lock_rec l, in = { 3, 500, 900, 1, 2 };
	struct login_rec lr;
	int64_t uid;
	int i;

	open_store(f, &f->s);
	open_store(f, &f->s2);
	uid = add_user(f->s, "abe");
	assert_int_equal(store_lock_get(f->s, uid, &l), 0);
	assert_int_equal(l.failures, 0);
	assert_int_equal(store_lock_put(f->s, uid, &in), 0);
	assert_int_equal(store_lock_get(f->s2, uid, &l), 0);
	assert_memory_equal(&l, &in, sizeof(l));
	assert_int_equal(store_lock_put(f->s, uid + 9, &in),
	    KAGI_ERR_NOT_FOUND);
	/* Failures counted from two cores add up. */
	for (i = 0; i < 10; i++)
		assert_int_equal(store_login_failure(i % 2 ? f->s : f->s2,
		    uid), 0);
	assert_int_equal(store_login_get(f->s, uid, &lr), 0);
	assert_int_equal(lr.failures, 10);
}

/* One audit record appended and committed on s: its sequence number. */
static int64_t
append(struct store *s, const struct audit_event *ev)
{
	int64_t seq = 0;

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_audit_append(s, ev, &seq), 0);
	assert_int_equal(store_commit(s), 0);
	return seq;
}

/* R-LOG-2: one chain for two cores, verified; an edit is found. */
static void
test_two_cores_append_to_one_chain_without_gap_or_fork(void **state)
{
	struct fx *f = *state;
	struct audit_event ev = { 100, 0, "root", "auth", "abe", NULL };
	int64_t bad = 0, head = 0;
	uint8_t hash[32];
	int i;

	open_store(f, &f->s);
	open_store(f, &f->s2);
	for (i = 0; i < 6; i++)
		assert_int_equal(append(i % 2 ? f->s2 : f->s, &ev), i + 1);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	assert_int_equal(store_audit_head(f->s2, &head, hash), 0);
	assert_int_equal(head, 6);
	pg_fixture_exec(raw(f), "UPDATE audit SET actor = 'mallory' WHERE seq = 3");
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 3);
}

/* An append that rolls back leaves the head where it was. */
static void
test_a_rolled_back_append_leaves_no_trace(void **state)
{
	struct fx *f = *state;
	struct audit_event ev = { 100, 0, "root", "auth", NULL, "{}" };
	int64_t seq = 0, head = 0, bad = 0;
	uint8_t hash[32];

	open_store(f, &f->s);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_audit_append(f->s, &ev, &seq), 0);
	store_rollback(f->s);
	assert_int_equal(store_audit_head(f->s, &head, hash), 0);
	assert_int_equal(head, 0);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_audit_append(f->s, &ev, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
}

/*
 * R-LOG-2: records cut behind kagid's back (someone with write access to
 * the database) leave the row audit_head ahead of the chain; the head is
 * still the last record, as on SQLite, so kagid names the chain's real
 * end against its checkpoint, and an append continues from that record
 * with no gap (kagid -A accepted the cut chain, audit.sh).
 */
static void
test_the_head_is_the_last_record_when_records_are_cut(void **state)
{
	struct fx *f = *state;
	struct audit_event ev = { 100, 0, "root", "auth", "abe", NULL };
	int64_t head = 0, bad = 0;
	uint8_t hash[32];
	int i;

	open_store(f, &f->s);
	for (i = 0; i < 6; i++)
		(void)append(f->s, &ev);
	pg_fixture_exec(raw(f), "DELETE FROM audit WHERE seq > 3");
	assert_int_equal(store_audit_head(f->s, &head, hash), 0);
	assert_int_equal(head, 3);
	assert_int_equal(append(f->s, &ev), 4);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
}

/* The value of SHOW name on a raw connection, into out. */
static void
show(PGconn *c, const char *name, char *out, size_t len)
{
	char sql[64];
	PGresult *res;

	snprintf(sql, sizeof(sql), "SHOW %s", name);
	res = PQexec(c, sql);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* fsync as the server runs it, set and reloaded; waits until it holds. */
static void
set_fsync(PGconn *c, const char *v)
{
	char sql[64], now[16] = "";
	int i;

	snprintf(sql, sizeof(sql), "ALTER SYSTEM SET fsync = %s", v);
	pg_fixture_exec(c, sql);
	pg_fixture_exec(c, "SELECT pg_reload_conf()");
	for (i = 0; i < 200 && strcmp(now, v) != 0; i++) {
		usleep(20000);
		show(c, "fsync", now, sizeof(now));
	}
	assert_string_equal(now, v);
}

/*
 * R-AVL-1 (compliance): the durability of a PostgreSQL store is the
 * server's fsync and synchronous_commit, asked inside a write transaction
 * that then commits (SQLite's pragmas there were a syntax error that
 * aborted the transaction: compliance failed on PostgreSQL).
 */
static void
test_durability_is_read_from_the_server_inside_a_transaction(void **state)
{
	struct fx *f = *state;
	char was[16];
	int wal = 0, full = 1;
	int64_t id = 0;

	open_store(f, &f->s);
	show(raw(f), "fsync", was, sizeof(was));
	set_fsync(raw(f), "off");
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_durability(f->s, &wal, &full), 0);
	assert_int_equal(wal, 1);
	assert_int_equal(full, 0);
	assert_int_equal(store_user_add(f->s, "abe", ROLE_STAFF, 1000, &id), 0);
	assert_int_equal(store_commit(f->s), 0);

	set_fsync(raw(f), "on");
	assert_int_equal(store_durability(f->s, &wal, &full), 0);
	assert_int_equal(full, 1);
	/* synchronous_commit = off: a commit may be lost; new sessions. */
	pg_fixture_exec(raw(f), "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I "
	    "SET synchronous_commit = off', current_database()); END $$");
	open_store(f, &f->s2);
	assert_int_equal(store_durability(f->s2, &wal, &full), 0);
	assert_int_equal(wal, 1);
	assert_int_equal(full, 0);
	set_fsync(raw(f), was);
}

/* A one-row, one-integer query through the test's own connection. */
static int64_t
raw_int(struct fx *f, const char *sql)
{
	PGresult *res = PQexec(raw(f), sql);
	int64_t v;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(raw(f)));
	v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

/* Two cores: the later time may be appended first; the chain's times
 * never go back, so it verifies (.ci/failover.sh found it). */
static void
test_a_record_is_never_older_than_the_one_before_it(void **state)
{
	struct fx *f = *state;
	struct audit_event late = { 200, 0, "root", "auth", "abe", NULL };
	struct audit_event early = { 150, 0, "root", "auth", "abe", NULL };
	int64_t seq = 0, bad = 0;

	open_store(f, &f->s);
	open_store(f, &f->s2);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_audit_append(f->s, &late, &seq), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_begin(f->s2), 0);
	assert_int_equal(store_audit_append(f->s2, &early, &seq), 0);
	assert_int_equal(store_commit(f->s2), 0);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	assert_int_equal(raw_int(f, "SELECT time FROM audit WHERE seq = 2"),
	    200);
}

/* Every other connection to the database ended by the server. */
static void
terminate_others(struct fx *f)
{
	pg_fixture_exec(raw(f), "SELECT pg_terminate_backend(pid) FROM "
	    "pg_stat_activity WHERE datname = current_database() AND "
	    "pid <> pg_backend_pid()");
}

/* R-AVL-1: a connection broken while idle is repaired at the next
 * transaction, which then works; status says so. */
static void
test_a_broken_connection_is_repaired_at_the_next_transaction(void **state)
{
	struct fx *f = *state;
	struct store_state st;
	int64_t n = 0;

	open_store(f, &f->s);
	store_state(f->s, &st);
	assert_true(st.connected);
	assert_string_equal(st.engine, "postgresql");
	assert_int_equal(st.reconnects, 0);
	terminate_others(f);
	assert_int_equal(store_begin(f->s), 0);
	add_user(f->s, "abe");
	assert_int_equal(store_commit(f->s), 0);
	store_state(f->s, &st);
	assert_true(st.connected);
	assert_int_equal(st.reconnects, 1);
	assert_int_equal(st.schema_version, store_schema_latest(1));
	assert_int_equal(store_user_count(f->s, &n), 0);
	assert_int_equal(n, 1);
}

/* A COMMIT on a connection that broke in the transaction is store_down
 * (never a success), and nothing of the transaction is there. */
static void
test_a_commit_on_a_broken_connection_is_store_down(void **state)
{
	struct fx *f = *state;
	struct store_state st;

	open_store(f, &f->s);
	assert_int_equal(store_begin(f->s), 0);
	add_user(f->s, "abe");
	terminate_others(f);
	assert_int_equal(store_commit(f->s), KAGI_ERR_STORE_DOWN);
	store_state(f->s, &st);
	assert_false(st.connected);
	assert_true(st.last_error[0] != '\0');
	assert_int_equal(raw_int(f, "SELECT count(*) FROM users"), 0);
	/* The next transaction reconnects. */
	assert_int_equal(store_begin(f->s), 0);
	store_rollback(f->s);
}

/* The name's lock key, as store_pg.c takes it (class 'kagc'). */
#define CORE_A_KEY "1801545571, ('x' || substr(md5('core-a'), 1, 8))" \
	"::bit(32)::int"

/* A store opened as core name, which it holds. */
static void
open_core(struct fx *f, struct store **s, const char *name)
{
	char why[320] = "";

	open_store(f, s);
	assert_int_equal(store_set_core(*s, name), 0);
	if (store_core_claim(*s, why, sizeof(why)) != 0)
		fail_msg("store_core_claim %s: %s", name, why);
}

/* One name, one core: a second store claiming a held name is refused,
 * naming it and what to change; another name is not; the first one's
 * close frees the name. */
static void
test_a_core_name_is_held_by_one_core_at_a_time(void **state)
{
	struct fx *f = *state;
	struct store_state st;
	char why[320] = "";

	open_core(f, &f->s, "core-a");
	store_state(f->s, &st);
	assert_string_equal(st.core, "core-a");
	assert_int_equal(st.core_lock, STORE_CORE_LOCK_HELD);
	/* The migration lock is another key: a store still opens. */
	open_store(f, &f->s2);
	assert_int_equal(store_set_core(f->s2, "core-a"), 0);
	assert_int_equal(store_core_claim(f->s2, why, sizeof(why)),
	    KAGI_ERR_EXISTS);
	assert_non_null(strstr(why, "core_name core-a is held by another "
	    "kagid on this database (PostgreSQL server process "));
	assert_non_null(strstr(why, "give each core its own core_name"));
	store_state(f->s2, &st);
	assert_int_equal(st.core_lock, STORE_CORE_LOCK_NONE);
	assert_int_equal(store_set_core(f->s2, "core-b"), 0);
	assert_int_equal(store_core_claim(f->s2, why, sizeof(why)), 0);
	store_close(&f->s);
	open_core(f, &f->s, "core-a");
}

/* A core whose name another connection took while its own was broken
 * stays down (store_down) rather than write under a shared name, says
 * why, and takes the name back by itself once it is free. */
static void
test_a_core_whose_name_was_taken_while_it_reconnected_stays_down(
    void **state)
{
	const struct timespec nap = { 0, 300 * 1000 * 1000 };
	struct fx *f = *state;
	struct store_state st;

	open_core(f, &f->s, "core-a");
	terminate_others(f);
	/* Waits for the terminated connection's lock, then holds it. */
	pg_fixture_exec(raw(f), "SELECT pg_advisory_lock(" CORE_A_KEY ")");
	assert_int_equal(store_begin(f->s), KAGI_ERR_STORE_DOWN);
	store_state(f->s, &st);
	assert_false(st.connected);
	assert_int_equal(st.core_lock, STORE_CORE_LOCK_LOST);
	assert_non_null(strstr(st.last_error, "core_name core-a is held"));
	assert_int_equal(store_begin_read(f->s), KAGI_ERR_STORE_DOWN);
	pg_fixture_exec(raw(f), "SELECT pg_advisory_unlock(" CORE_A_KEY ")");
	(void)nanosleep(&nap, NULL);
	assert_int_equal(store_begin(f->s), 0);
	store_rollback(f->s);
	store_state(f->s, &st);
	assert_true(st.connected);
	assert_int_equal(st.core_lock, STORE_CORE_LOCK_HELD);
}

/* A copy's target (store_open_pg_empty): a kagi store, or any table,
 * is refused naming what it holds, before any DDL; an empty database
 * gets the schema. */
static void
test_a_copy_target_that_holds_anything_is_refused_unchanged(void **state)
{
	struct fx *f = *state;
	char why[512] = "";

	pg_fixture_exec(raw(f), "CREATE TABLE notes (x integer)");
	assert_int_equal(store_open_pg_empty(f->conninfo, &f->s, why,
	    sizeof(why)), KAGI_ERR_EXISTS);
	assert_null(f->s);
	assert_non_null(strstr(why, "holds 1 tables, sequences or views "
	    "(the first by name: notes)"));
	assert_int_equal(raw_int(f, "SELECT count(*) FROM pg_tables WHERE "
	    "schemaname = 'public'"), 1);
	pg_fixture_exec(raw(f), "DROP TABLE notes");
	assert_int_equal(store_open_pg_empty(f->conninfo, &f->s, why,
	    sizeof(why)), 0);
	assert_int_equal(store_schema_version(f->s), store_schema_latest(1));
	store_close(&f->s);
	/* Now an empty kagi store: refused too, its version named. */
	assert_int_equal(store_open_pg_empty(f->conninfo, &f->s, why,
	    sizeof(why)), KAGI_ERR_EXISTS);
	assert_non_null(strstr(why, "it holds a kagi store at schema "
	    "version "));
}

int
main(void)
{
#define TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		TEST(test_open_creates_the_schema_and_a_second_core_finds_it),
		TEST(test_cores_starting_at_once_create_the_schema_once),
		TEST(test_a_newer_schema_is_refused_naming_both_versions),
		TEST(test_a_database_that_is_not_a_kagi_store_is_refused),
		TEST(test_an_unreachable_server_is_store_down),
		TEST(test_users_and_tokens_round_trip),
		TEST(test_a_write_transaction_holds_the_audit_head_from_begin_to_commit),
		TEST(test_a_user_read_in_a_write_transaction_is_held_until_commit),
		TEST(test_failures_counted_by_two_cores_at_once_add_up_exactly),
		TEST(test_an_ssh_key_round_trips_and_belongs_to_one_user),
		TEST(test_a_step_is_accepted_once_across_two_cores),
		TEST(test_a_revocation_through_one_core_is_refused_through_the_other),
		TEST(test_lock_records_and_failure_counts),
		TEST(test_two_cores_append_to_one_chain_without_gap_or_fork),
		TEST(test_a_rolled_back_append_leaves_no_trace),
		TEST(test_durability_is_read_from_the_server_inside_a_transaction),
		TEST(test_the_head_is_the_last_record_when_records_are_cut),
		TEST(test_a_record_is_never_older_than_the_one_before_it),
		TEST(test_a_broken_connection_is_repaired_at_the_next_transaction),
		TEST(test_a_commit_on_a_broken_connection_is_store_down),
		TEST(test_a_core_name_is_held_by_one_core_at_a_time),
		TEST(test_a_core_whose_name_was_taken_while_it_reconnected_stays_down),
		TEST(test_a_copy_target_that_holds_anything_is_refused_unchanged),
	};

	return cmocka_run_group_tests_name("store_pg", tests, pg_fixture_start,
	    pg_fixture_stop);
}
