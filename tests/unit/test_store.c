/*
 * test_store.c - kagid's state store (tokend/store_sqlite.c): how the
 * database file is opened and created, schema versions, WAL, users,
 * tokens, TOTP replay refusal, lockout counters, transactions and
 * savepoints, and the hash-chained audit log with tampering found by a
 * second, raw SQLite handle.  Each test runs in a fresh mkdtemp directory.
 *
 * Policy: R-TOK-2 (a revoked token stops at once), R-TOK-5 (users added,
 * disabled, deleted), R-MFA-5 (lockout counters), R-TOK-8 (private state
 * file), R-LOG-2 (tampering with the audit chain is found).
 *
 * Built twice (issue 14): test_store on SQLite, and test_store_on_pg
 * (-DKAGI_TEST_PG) where open_store() opens a fresh PostgreSQL database
 * of the test's own server (pg_fixture.c) and the engine-neutral tests
 * run with the same assertions.  The tests that look behind the store
 * with a raw SQLite handle, or at the file, are SQLite's (compiled, not
 * run, on PostgreSQL); test_store_pg.c has PostgreSQL's own.
 */
#include "config.h"

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "kagi_err.h"
#include "store.h"
#include "store_policy.h"
#include "store_report.h"
#include "store_session.h"
#include "wipe.h"
#ifdef KAGI_TEST_PG
#include "pg_fixture.h"
/* The SQLite-only tests are compiled but not run here. */
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

struct fx {
	char dir[64];
	char path[96];
	struct store *s;
#ifdef KAGI_TEST_PG
	char conninfo[600];
#endif
};

static int
fx_setup(void **state)
{
	struct fx *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kagi-test-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/kagid.db", f->dir);
#ifdef KAGI_TEST_PG
	if (pg_fixture_new_db(f->conninfo, sizeof(f->conninfo)) != 0) {
		rmdir(f->dir);
		free(f);
		return -1;
	}
#endif
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;
	struct dirent *e;
	char p[512];
	DIR *d;

	store_close(&f->s);
	if ((d = opendir(f->dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
			if (unlink(p) != 0)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

/* --- A raw SQLite handle, to look behind the store's back ------------- */

static sqlite3 *
raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void
raw_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, err != NULL ? err : "?");
}

static int64_t
raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
raw_blob(sqlite3 *db, const char *sql, uint8_t out[32])
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 0), 32);
	memcpy(out, sqlite3_column_blob(st, 0), 32);
	sqlite3_finalize(st);
}

static void
raw_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* --- Helpers ---------------------------------------------------------- */

#define TEST_CORE "core-a.example"

static void
open_store(struct fx *f)
{
#ifdef KAGI_TEST_PG
	char why[256] = "";

	if (store_open_pg(f->conninfo, &f->s, why, sizeof(why)) != 0)
		fail_msg("store_open_pg: %s", why);
#else
	assert_int_equal(store_open(f->path, &f->s), 0);
#endif
	assert_non_null(f->s);
	/* Every record appended names this core (schema 14). */
	assert_int_equal(store_set_core(f->s, TEST_CORE), 0);
}

static int64_t
add_user(struct store *s, const char *name)
{
	int64_t id = -1;

	assert_int_equal(store_user_add(s, name, ROLE_STAFF, 1000, &id), 0);
	assert_true(id > 0);
	return id;
}

static const uint8_t blob[] = { 0x01, 0x00, 0xfe, 0x42, 0x00, 0x99 };

static void
make_token(struct token_rec *t, int64_t user_id, int state, const char *label)
{
	memset(t, 0, sizeof(*t));
	t->user_id = user_id;
	t->type = TOKEN_TOTP;
	t->state = state;
	snprintf(t->label, sizeof(t->label), "%s", label);
	t->algorithm = TOTP_SHA256;
	t->digits = 6;
	t->period = 30;
	t->last_step = -1;
	t->created = 2000;
	t->last_used = 0;
	t->sealed = (uint8_t *)(uintptr_t)blob;
	t->sealed_len = sizeof(blob);
}

static int64_t
add_token(struct store *s, int64_t user_id, int state, const char *label)
{
	struct token_rec t;
	int64_t id = -1;

	make_token(&t, user_id, state, label);
	assert_int_equal(store_token_add(s, &t, &id), 0);
	assert_true(id > 0);
	return id;
}

static void
append(struct store *s, int i, int64_t *seq)
{
	struct audit_event ev;
	char user[16], fields[32];

	snprintf(user, sizeof(user), "user%d", i);
	snprintf(fields, sizeof(fields), "{\"n\":%d}", i);
	memset(&ev, 0, sizeof(ev));
	ev.time = 1700000000 + i;
	ev.actor_uid = 1000 + i;
	ev.actor = "admin";
	ev.event = "user_add";
	ev.user = user;
	ev.fields = fields;
	assert_int_equal(store_audit_append(s, &ev, seq), 0);
}

/* --- Opening ---------------------------------------------------------- */

static void
test_open_creates_private_file(void **state)
{
	struct fx *f = *state;
	struct stat st;
	mode_t old;
	sqlite3 *db;

	/* Even under a permissive umask the store is created 0600 (R-TOK-8). */
	old = umask(0);
	assert_int_equal(store_open(f->path, &f->s), 0);
	umask(old);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(store_schema_version(f->s), 15);
	store_close(&f->s);

	/* A umask that takes the owner's bits cannot make it unusable. */
	assert_int_equal(unlink(f->path), 0);
	old = umask(0377);
	assert_int_equal(store_open(f->path, &f->s), 0);
	umask(old);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "SELECT version FROM schema_version"), 15);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM schema_version"), 1);
	sqlite3_close(db);
}

static void
test_reopen_keeps_data(void **state)
{
	struct fx *f = *state;
	struct user_rec u;
	int64_t id;

	open_store(f);
	id = add_user(f->s, "tanaka");
	store_close(&f->s);
	assert_null(f->s);

	open_store(f);
	assert_int_equal(store_schema_version(f->s), 15);
	assert_int_equal(store_user_get(f->s, "tanaka", &u), 0);
	assert_int_equal(u.id, id);
}

static void
test_open_refuses_symlink(void **state)
{
	struct fx *f = *state;
	struct store *s = (struct store *)(uintptr_t)1;
	char target[128], dangling[128];

	/* A real store elsewhere, reached through a link: refused. */
	snprintf(target, sizeof(target), "%s/real.db", f->dir);
	assert_int_equal(store_open(target, &f->s), 0);
	store_close(&f->s);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(store_open(f->path, &s), KAGI_ERR_UNSAFE_FILE);
	assert_null(s);

	/* A dangling link: refused, and nothing is created at its target. */
	snprintf(dangling, sizeof(dangling), "%s/link.db", f->dir);
	snprintf(target, sizeof(target), "%s/nowhere.db", f->dir);
	assert_int_equal(symlink(target, dangling), 0);
	assert_int_equal(store_open(dangling, &s), KAGI_ERR_UNSAFE_FILE);
	assert_int_equal(access(target, F_OK), -1);
}

static void
test_open_refuses_unsafe_file(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	char sub[128];

	open_store(f);
	store_close(&f->s);
	/* Readable by others: refused, not repaired. */
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(store_open(f->path, &s), KAGI_ERR_UNSAFE_FILE);
	assert_null(s);
	assert_int_equal(chmod(f->path, 0600), 0);
	open_store(f);
	store_close(&f->s);

	/* Not a regular file. */
	snprintf(sub, sizeof(sub), "%s/dir.db", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(store_open(sub, &s), KAGI_ERR_UNSAFE_FILE);

	/* Relative paths are refused outright. */
	assert_int_equal(store_open("kagid.db", &s), KAGI_ERR_INVALID);
}

static void
test_open_refuses_newer_schema(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	sqlite3 *db;

	open_store(f);
	store_close(&f->s);
	db = raw_open(f->path);
	raw_exec(db, "UPDATE schema_version SET version = 999");
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &s), KAGI_ERR_VERSION);
	assert_null(s);

	/* Nothing was changed by the refused open. */
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "SELECT version FROM schema_version"),
	    999);
	sqlite3_close(db);
}

/*
 * A database of schema version 8 (before the pending log-ins of issue 13)
 * migrates forward on open, keeping its last log-ins.
 */
static void
test_open_migrates_a_version_8_database(void **state)
{
	struct fx *f = *state;
	struct login_rec l;
	int64_t id;
	sqlite3 *db;

	open_store(f);
	id = add_user(f->s, "tanaka");
	store_close(&f->s);
	db = raw_open(f->path);
	raw_exec(db, "DROP TABLE pending_logins");
	raw_exec(db, "ALTER TABLE logins DROP COLUMN service");
	raw_exec(db, "ALTER TABLE logins DROP COLUMN session");
	/* What the migrations after it made, so that they run again. */
	raw_exec(db, "ALTER TABLE requests DROP COLUMN requester_luid");
	raw_exec(db, "ALTER TABLE requests DROP COLUMN requester_group");
	raw_exec(db, "ALTER TABLE requests DROP COLUMN decider_luid");
	raw_exec(db, "ALTER TABLE requests DROP COLUMN decider_group");
	raw_exec(db, "ALTER TABLE vendors DROP COLUMN worker");
	raw_exec(db, "ALTER TABLE vendors DROP COLUMN place");
	raw_exec(db, "ALTER TABLE vendors DROP COLUMN work");
	raw_exec(db, "DROP TABLE role_grants");
	raw_exec(db, "DROP TABLE auth_stats");
	raw_exec(db, "DROP TABLE report_runs");
	raw_exec(db, "DROP TABLE audit_archives");
	raw_exec(db, "DROP TRIGGER tokens_revoked");
	raw_exec(db, "ALTER TABLE tokens DROP COLUMN revoked");
	raw_exec(db, "DROP TABLE sshkeys");
	raw_exec(db, "DROP TABLE host_ca");
	raw_exec(db, "DROP TABLE hosts");
	raw_exec(db, "ALTER TABLE audit DROP COLUMN core");
	raw_exec(db, "UPDATE schema_version SET version = 8");
	raw_exec(db, "INSERT INTO logins (user_id, time, place, factors, "
	    "failures) VALUES (1, 1700000000, 'tty1', 'totp', 2)");
	sqlite3_close(db);
	open_store(f);
	assert_int_equal(store_schema_version(f->s), 15);
	assert_int_equal(store_login_get(f->s, id, &l), 0);
	assert_int_equal(l.time, 1700000000);
	assert_string_equal(l.place, "tty1");
	assert_int_equal(l.failures, 2);
	assert_string_equal(l.service, "");
	assert_int_equal(l.session, 0);
}

static void
test_open_refuses_foreign_database(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	sqlite3 *db;
	int fd;

	/* Another program's database (tables, no schema_version). */
	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	db = raw_open(f->path);
	raw_exec(db, "CREATE TABLE other (x INTEGER)");
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &s), KAGI_ERR_VERSION);
	assert_null(s);
}

static void
test_open_refuses_garbage(void **state)
{
	struct fx *f = *state;
	struct store *s = NULL;
	char junk[4096];
	int fd;

	memset(junk, 'x', sizeof(junk));
	fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	assert_int_equal(store_open(f->path, &s), KAGI_ERR_STORE);
	assert_null(s);
}

static void
test_wal_mode(void **state)
{
	struct fx *f = *state;
	char mode[16];
	sqlite3 *db;

	open_store(f);
	add_user(f->s, "sato");
	/* journal_mode=WAL is persistent: a second handle sees it. */
	db = raw_open(f->path);
	raw_text(db, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	sqlite3_close(db);
}

/* --- Users ------------------------------------------------------------ */

static void
test_user_add_get(void **state)
{
	struct fx *f = *state;
	char longname[STORE_NAME_MAX + 2];
	struct user_rec u;
	int64_t id, n = -1;

	open_store(f);
	assert_int_equal(store_user_count(f->s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_user_add(f->s, "suzuki", ROLE_PRIVILEGED, 1234,
	    &id), 0);

	memset(&u, 0xa5, sizeof(u));
	assert_int_equal(store_user_get(f->s, "suzuki", &u), 0);
	assert_int_equal(u.id, id);
	assert_string_equal(u.name, "suzuki");
	assert_int_equal(u.role, ROLE_PRIVILEGED);
	assert_int_equal(u.disabled, 0);
	assert_int_equal(u.created, 1234);
	assert_int_equal(u.last_success, 0);

	memset(&u, 0, sizeof(u));
	assert_int_equal(store_user_get_id(f->s, id, &u), 0);
	assert_string_equal(u.name, "suzuki");

	/* Duplicates, missing rows, bad names and roles. */
	assert_int_equal(store_user_add(f->s, "suzuki", ROLE_STAFF, 1, NULL),
	    KAGI_ERR_EXISTS);
	assert_int_equal(store_user_get(f->s, "Suzuki", &u), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_user_get_id(f->s, id + 100, &u),
	    KAGI_ERR_NOT_FOUND);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(store_user_add(f->s, longname, ROLE_STAFF, 1, NULL),
	    KAGI_ERR_INVALID);
	assert_int_equal(store_user_get(f->s, longname, &u), KAGI_ERR_INVALID);
	longname[STORE_NAME_MAX] = '\0';	/* exactly the maximum: fine */
	assert_int_equal(store_user_add(f->s, longname, ROLE_STAFF, 1, NULL), 0);
	assert_int_equal(store_user_get(f->s, longname, &u), 0);
	assert_int_equal(strlen(u.name), STORE_NAME_MAX);
	assert_int_equal(store_user_add(f->s, "", ROLE_STAFF, 1, NULL),
	    KAGI_ERR_INVALID);
	assert_int_equal(store_user_add(f->s, "x", 3, 1, NULL),
	    KAGI_ERR_INVALID);
	assert_int_equal(store_user_add(f->s, "x", -1, 1, NULL),
	    KAGI_ERR_INVALID);

	assert_int_equal(store_user_count(f->s, &n), 0);
	assert_int_equal(n, 2);
}

struct names {
	char name[8][STORE_NAME_MAX + 1];
	int n;
	int stop_at;
};

static int
collect_user(const struct user_rec *u, void *arg)
{
	struct names *c = arg;

	if (c->n >= 8)
		return -99;
	snprintf(c->name[c->n], sizeof(c->name[0]), "%s", u->name);
	c->n++;
	return c->n == c->stop_at ? 42 : 0;
}

static void
test_user_list(void **state)
{
	struct fx *f = *state;
	struct names c;

	open_store(f);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_list(f->s, collect_user, &c), 0);
	assert_int_equal(c.n, 0);

	add_user(f->s, "watanabe");
	add_user(f->s, "ito");
	add_user(f->s, "kobayashi");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_list(f->s, collect_user, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.name[0], "ito");
	assert_string_equal(c.name[1], "kobayashi");
	assert_string_equal(c.name[2], "watanabe");

	/* A callback's non-zero return stops the walk and is returned. */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	assert_int_equal(store_user_list(f->s, collect_user, &c), 42);
	assert_int_equal(c.n, 2);
	/* The statement was reset: the next walk starts from the top. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_user_list(f->s, collect_user, &c), 0);
	assert_int_equal(c.n, 3);
}

struct reenter {
	struct store *s;
	int inner_list;
	int inner_get;
};

static int
reenter_cb(const struct user_rec *u, void *arg)
{
	struct reenter *r = arg;
	struct user_rec v;
	struct names c;

	memset(&c, 0, sizeof(c));
	r->inner_list = store_user_list(r->s, collect_user, &c);
	r->inner_get = store_user_get_id(r->s, u->id, &v);
	return 0;
}

static void
test_user_list_reentry(void **state)
{
	struct fx *f = *state;
	struct reenter r;

	open_store(f);
	add_user(f->s, "kato");
	memset(&r, 0, sizeof(r));
	r.s = f->s;
	assert_int_equal(store_user_list(f->s, reenter_cb, &r), 0);
	/* The same cached statement cannot be walked twice at once. */
	assert_int_equal(r.inner_list, KAGI_ERR_INTERNAL);
	/* Other statements can be used from a callback. */
	assert_int_equal(r.inner_get, 0);
}

static void
test_user_disable_success(void **state)
{
	struct fx *f = *state;
	struct user_rec u;
	int64_t id;

	open_store(f);
	id = add_user(f->s, "yamamoto");
	assert_int_equal(store_user_set_disabled(f->s, id, 7), 0);
	assert_int_equal(store_user_get_id(f->s, id, &u), 0);
	assert_int_equal(u.disabled, 1);
	assert_int_equal(store_user_set_disabled(f->s, id, 0), 0);
	assert_int_equal(store_user_get_id(f->s, id, &u), 0);
	assert_int_equal(u.disabled, 0);
	assert_int_equal(store_user_set_success(f->s, id, 5555), 0);
	assert_int_equal(store_user_get_id(f->s, id, &u), 0);
	assert_int_equal(u.last_success, 5555);

	assert_int_equal(store_user_set_disabled(f->s, id + 1, 1),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_user_set_success(f->s, id + 1, 1),
	    KAGI_ERR_NOT_FOUND);
}

static void
test_user_delete_cascades(void **state)
{
	struct fx *f = *state;
	struct lock_rec l = { 3, 100, 200, 1, 0 };
	struct token_rec t;
	struct user_rec u;
	int64_t id, other, tid, otid;
	sqlite3 *db;

	open_store(f);
	id = add_user(f->s, "nakamura");
	other = add_user(f->s, "kimura");
	tid = add_token(f->s, id, TOKEN_ACTIVE, "phone");
	otid = add_token(f->s, other, TOKEN_ACTIVE, "phone");
	assert_int_equal(store_lock_put(f->s, id, &l), 0);
	assert_int_equal(store_lock_put(f->s, other, &l), 0);

	assert_int_equal(store_user_delete(f->s, id), 0);
	assert_int_equal(store_user_get_id(f->s, id, &u), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_token_get(f->s, tid, &t), KAGI_ERR_NOT_FOUND);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM locks"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM tokens"), 1);
	sqlite3_close(db);
	memset(&l, 0xff, sizeof(l));
	assert_int_equal(store_lock_get(f->s, id, &l), 0);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.locked_until, 0);

	/* The other user keeps everything. */
	assert_int_equal(store_token_get(f->s, otid, &t), 0);
	token_rec_clear(&t);
	assert_int_equal(store_lock_get(f->s, other, &l), 0);
	assert_int_equal(l.failures, 3);

	assert_int_equal(store_user_delete(f->s, id), KAGI_ERR_NOT_FOUND);
}

/* --- Tokens ----------------------------------------------------------- */

static void
test_token_add_get(void **state)
{
	struct fx *f = *state;
	struct token_rec in, t;
	int64_t uid, id;

	open_store(f);
	uid = add_user(f->s, "hayashi");
	make_token(&in, uid, TOKEN_PENDING, "スマートフォン");
	in.algorithm = TOTP_SHA512;
	in.digits = 8;
	in.period = 60;
	in.created = 4242;
	assert_int_equal(store_token_add(f->s, &in, &id), 0);

	memset(&t, 0, sizeof(t));
	assert_int_equal(store_token_get(f->s, id, &t), 0);
	assert_int_equal(t.id, id);
	assert_int_equal(t.user_id, uid);
	assert_int_equal(t.type, TOKEN_TOTP);
	assert_int_equal(t.state, TOKEN_PENDING);
	assert_string_equal(t.label, "スマートフォン");
	assert_int_equal(t.algorithm, TOTP_SHA512);
	assert_int_equal(t.digits, 8);
	assert_int_equal(t.period, 60);
	assert_int_equal(t.last_step, -1);
	assert_int_equal(t.created, 4242);
	assert_int_equal(t.last_used, 0);
	assert_int_equal(t.sealed_len, sizeof(blob));
	assert_non_null(t.sealed);
	assert_ptr_not_equal(t.sealed, blob);
	assert_memory_equal(t.sealed, blob, sizeof(blob));

	token_rec_clear(&t);
	assert_null(t.sealed);
	assert_int_equal(t.sealed_len, 0);
	assert_int_equal(t.id, 0);
	assert_int_equal(t.label[0], '\0');
	token_rec_clear(&t);	/* twice is harmless */
	token_rec_clear(NULL);

	assert_int_equal(store_token_get(f->s, id + 1, &t), KAGI_ERR_NOT_FOUND);
	assert_null(t.sealed);
}

static void
test_token_invalid(void **state)
{
	struct fx *f = *state;
	struct token_rec t;
	int64_t uid;

	open_store(f);
	uid = add_user(f->s, "shimizu");

	/* Foreign keys are on: no token for a user that does not exist. */
	make_token(&t, uid + 1, TOKEN_ACTIVE, "x");
	assert_int_equal(store_token_add(f->s, &t, NULL), KAGI_ERR_NOT_FOUND);

	make_token(&t, uid, TOKEN_ACTIVE, "x");
	memset(t.label, 'a', sizeof(t.label));	/* not terminated */
	assert_int_equal(store_token_add(f->s, &t, NULL), KAGI_ERR_INVALID);
	make_token(&t, uid, 3, "x");
	assert_int_equal(store_token_add(f->s, &t, NULL), KAGI_ERR_INVALID);
	make_token(&t, uid, TOKEN_ACTIVE, "x");
	t.algorithm = 3;
	assert_int_equal(store_token_add(f->s, &t, NULL), KAGI_ERR_INVALID);
	make_token(&t, uid, TOKEN_ACTIVE, "x");
	t.digits = 9;
	assert_int_equal(store_token_add(f->s, &t, NULL), KAGI_ERR_INVALID);
	make_token(&t, uid, TOKEN_ACTIVE, "x");
	t.period = 0;
	assert_int_equal(store_token_add(f->s, &t, NULL), KAGI_ERR_INVALID);
	make_token(&t, uid, TOKEN_ACTIVE, "x");
	t.sealed = NULL;
	assert_int_equal(store_token_add(f->s, &t, NULL), KAGI_ERR_INVALID);
	make_token(&t, uid, TOKEN_ACTIVE, "x");
	t.sealed_len = 0;
	assert_int_equal(store_token_add(f->s, &t, NULL), KAGI_ERR_INVALID);
	assert_int_equal(store_token_add(f->s, NULL, NULL), KAGI_ERR_INVALID);
}

static void
test_token_corrupt_row_refused(void **state)
{
	struct fx *f = *state;
	struct token_rec t;
	int64_t uid, id;
	sqlite3 *db;

	open_store(f);
	uid = add_user(f->s, "mori");
	id = add_token(f->s, uid, TOKEN_ACTIVE, "x");
	db = raw_open(f->path);
	raw_exec(db, "UPDATE tokens SET state = 7");
	sqlite3_close(db);
	/* A row outside the store's invariants is not handed on. */
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_token_get(f->s, id, &t), KAGI_ERR_STORE);
	assert_null(t.sealed);
}

struct ids {
	int64_t id[8];
	int n;
};

static int
collect_token(const struct token_rec *t, void *arg)
{
	struct ids *c = arg;

	if (c->n >= 8 || t->sealed_len != sizeof(blob) ||
	    memcmp(t->sealed, blob, sizeof(blob)) != 0)
		return -99;
	c->id[c->n++] = t->id;
	return 0;
}

static int
stop_token(const struct token_rec *t, void *arg)
{
	(void)t;
	(*(int *)arg)++;
	return 7;
}

static void
test_token_list_state(void **state)
{
	struct fx *f = *state;
	int64_t a, b, p1, r1, p2, a2, o;
	struct ids c;
	int calls = 0;

	open_store(f);
	a = add_user(f->s, "inoue");
	b = add_user(f->s, "abe");
	p1 = add_token(f->s, a, TOKEN_PENDING, "p1");
	o = add_token(f->s, b, TOKEN_ACTIVE, "other");
	r1 = add_token(f->s, a, TOKEN_REVOKED, "r1");
	a2 = add_token(f->s, a, TOKEN_ACTIVE, "a2");
	p2 = add_token(f->s, a, TOKEN_PENDING, "p2");

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_token_list(f->s, a, -1, collect_token, &c), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.id[0], p1);
	assert_int_equal(c.id[1], r1);
	assert_int_equal(c.id[2], a2);
	assert_int_equal(c.id[3], p2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_token_list(f->s, a, TOKEN_PENDING,
	    collect_token, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.id[0], p1);
	assert_int_equal(c.id[1], p2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_token_list(f->s, a, TOKEN_ACTIVE,
	    collect_token, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.id[0], a2);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_token_list(f->s, b, -1, collect_token, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.id[0], o);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_token_list(f->s, b + 10, -1, collect_token, &c),
	    0);
	assert_int_equal(c.n, 0);

	assert_int_equal(store_token_list(f->s, a, -1, stop_token, &calls), 7);
	assert_int_equal(calls, 1);
}

static void
test_token_set_state(void **state)
{
	struct fx *f = *state;
	struct token_rec t;
	int64_t uid, id;

	open_store(f);
	uid = add_user(f->s, "kikuchi");
	id = add_token(f->s, uid, TOKEN_PENDING, "x");
	assert_int_equal(store_token_set_state(f->s, id, TOKEN_ACTIVE), 0);
	assert_int_equal(store_token_get(f->s, id, &t), 0);
	assert_int_equal(t.state, TOKEN_ACTIVE);
	token_rec_clear(&t);
	assert_int_equal(store_token_set_state(f->s, id, TOKEN_REVOKED), 0);
	assert_int_equal(store_token_get(f->s, id, &t), 0);
	assert_int_equal(t.state, TOKEN_REVOKED);
	token_rec_clear(&t);

	assert_int_equal(store_token_set_state(f->s, id + 1, TOKEN_ACTIVE),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_token_set_state(f->s, id, 3), KAGI_ERR_INVALID);
	assert_int_equal(store_token_set_state(f->s, id, -1), KAGI_ERR_INVALID);
}

static void
test_accept_step(void **state)
{
	struct fx *f = *state;
	struct token_rec t;
	int64_t uid, id, pending;

	open_store(f);
	uid = add_user(f->s, "ogawa");
	id = add_token(f->s, uid, TOKEN_ACTIVE, "x");
	pending = add_token(f->s, uid, TOKEN_PENDING, "y");

	assert_int_equal(store_token_accept_step(f->s, id, 100, 3000), 0);
	assert_int_equal(store_token_get(f->s, id, &t), 0);
	assert_int_equal(t.last_step, 100);
	assert_int_equal(t.last_used, 3000);
	token_rec_clear(&t);

	/* The same step, or an older one, is a replay. */
	assert_int_equal(store_token_accept_step(f->s, id, 100, 3001),
	    KAGI_ERR_REPLAY);
	assert_int_equal(store_token_accept_step(f->s, id, 99, 3002),
	    KAGI_ERR_REPLAY);
	assert_int_equal(store_token_get(f->s, id, &t), 0);
	assert_int_equal(t.last_step, 100);
	assert_int_equal(t.last_used, 3000);
	token_rec_clear(&t);

	assert_int_equal(store_token_accept_step(f->s, id, 101, 3030), 0);

	/* R-TOK-2: a revoked token is refused at once. */
	assert_int_equal(store_token_set_state(f->s, id, TOKEN_REVOKED), 0);
	assert_int_equal(store_token_accept_step(f->s, id, 200, 6000),
	    KAGI_ERR_REPLAY);
	assert_int_equal(store_token_get(f->s, id, &t), 0);
	assert_int_equal(t.last_step, 101);
	token_rec_clear(&t);

	/* Not yet active, or missing: refused the same way. */
	assert_int_equal(store_token_accept_step(f->s, pending, 200, 6000),
	    KAGI_ERR_REPLAY);
	assert_int_equal(store_token_accept_step(f->s, pending + 100, 200,
	    6000), KAGI_ERR_REPLAY);
}

/* --- Lockout counters ------------------------------------------------- */

static void
test_lock(void **state)
{
	struct fx *f = *state;
	struct lock_rec l, in = { 4, 1700000000, LOCK_UNTIL_ADMIN, 2, 1 };
	int64_t uid;

	open_store(f);
	uid = add_user(f->s, "fujita");

	/* No record yet (and no such user): all zero. */
	memset(&l, 0xff, sizeof(l));
	assert_int_equal(store_lock_get(f->s, uid, &l), 0);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.first_failure, 0);
	assert_int_equal(l.locked_until, 0);
	assert_int_equal(l.lock_count, 0);
	memset(&l, 0xff, sizeof(l));
	assert_int_equal(store_lock_get(f->s, uid + 5, &l), 0);
	assert_int_equal(l.lock_count, 0);

	assert_int_equal(store_lock_put(f->s, uid, &in), 0);
	assert_int_equal(store_lock_get(f->s, uid, &l), 0);
	assert_int_equal(l.failures, 4);
	assert_int_equal(l.first_failure, 1700000000);
	assert_true(l.locked_until == LOCK_UNTIL_ADMIN);
	assert_int_equal(l.lock_count, 2);
	assert_int_equal(l.relock, 1);

	/* A second put replaces the record. */
	in.failures = 0;
	in.locked_until = 0;
	assert_int_equal(store_lock_put(f->s, uid, &in), 0);
	assert_int_equal(store_lock_get(f->s, uid, &l), 0);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.locked_until, 0);
	assert_int_equal(l.lock_count, 2);

	assert_int_equal(store_lock_put(f->s, uid + 5, &in),
	    KAGI_ERR_NOT_FOUND);
	in.failures = -1;
	assert_int_equal(store_lock_put(f->s, uid, &in), KAGI_ERR_INVALID);
}

/* --- Transactions ----------------------------------------------------- */

static void
test_savepoint(void **state)
{
	struct fx *f = *state;
	struct user_rec u;

	open_store(f);
	/* Savepoints live inside a transaction, one at a time. */
	assert_int_equal(store_savepoint(f->s), KAGI_ERR_STATE);

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_savepoint(f->s), 0);
	add_user(f->s, "alice");
	assert_int_equal(store_savepoint(f->s), KAGI_ERR_STATE);
	assert_int_equal(store_release(f->s), 0);

	assert_int_equal(store_savepoint(f->s), 0);
	add_user(f->s, "bob");
	store_rollback_to(f->s);
	/* Gone inside the transaction, and the savepoint is gone too. */
	assert_int_equal(store_user_get(f->s, "bob", &u), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_release(f->s), KAGI_ERR_STATE);

	assert_int_equal(store_savepoint(f->s), 0);
	add_user(f->s, "carol");
	assert_int_equal(store_release(f->s), 0);
	assert_int_equal(store_commit(f->s), 0);

	store_close(&f->s);
	open_store(f);
	assert_int_equal(store_user_get(f->s, "alice", &u), 0);
	assert_int_equal(store_user_get(f->s, "bob", &u), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_user_get(f->s, "carol", &u), 0);
}

/*
 * A statement that fails inside a request's savepoint (here a lock record
 * for a user that does not exist: the foreign key) spoils only that
 * request: once rolled back to the savepoint, the batch's transaction
 * goes on and commits what the other requests wrote.  PostgreSQL aborts
 * the whole transaction at any error until the ROLLBACK TO, so a rule
 * that carried on after a store error would fail there: none does, and
 * dispatch.c rolls every failed request back to its savepoint.
 */
static void
test_a_failed_statement_spoils_only_its_savepoint(void **state)
{
	struct fx *f = *state;
	struct lock_rec l;
	struct user_rec u;
	int64_t id;

	open_store(f);
	memset(&l, 0, sizeof(l));
	l.failures = 1;
	assert_int_equal(store_begin(f->s), 0);
	id = add_user(f->s, "alice");
	assert_int_equal(store_savepoint(f->s), 0);
	assert_int_equal(store_lock_put(f->s, id + 100, &l),
	    KAGI_ERR_NOT_FOUND);
	store_rollback_to(f->s);
	assert_int_equal(store_savepoint(f->s), 0);
	assert_int_equal(store_lock_put(f->s, id, &l), 0);
	add_user(f->s, "bob");
	assert_int_equal(store_release(f->s), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_user_get(f->s, "alice", &u), 0);
	assert_int_equal(store_user_get(f->s, "bob", &u), 0);
	assert_int_equal(store_lock_get(f->s, id, &l), 0);
	assert_int_equal(l.failures, 1);
}

/*
 * R-LOG-2: the records a request appended and then gave up at its
 * savepoint are gone, and the next append links to the record before
 * them: one chain, no gap, no fork (on PostgreSQL the head is cached for
 * the rest of a write transaction, and ROLLBACK TO must drop it).
 */
static void
test_an_append_undone_at_its_savepoint_leaves_one_chain(void **state)
{
	struct fx *f = *state;
	uint8_t hash[32];
	int64_t seq = -1, bad = -1;

	open_store(f);
	assert_int_equal(store_begin(f->s), 0);
	append(f->s, 1, &seq);
	assert_int_equal(seq, 1);
	assert_int_equal(store_savepoint(f->s), 0);
	append(f->s, 2, &seq);
	append(f->s, 3, &seq);
	assert_int_equal(seq, 3);
	store_rollback_to(f->s);
	assert_int_equal(store_savepoint(f->s), 0);
	append(f->s, 4, &seq);
	assert_int_equal(seq, 2);
	assert_int_equal(store_release(f->s), 0);
	append(f->s, 5, &seq);
	assert_int_equal(seq, 3);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	assert_int_equal(store_audit_head(f->s, &seq, hash), 0);
	assert_int_equal(seq, 3);
	/* And a transaction after it goes on from there. */
	assert_int_equal(store_begin(f->s), 0);
	append(f->s, 6, &seq);
	assert_int_equal(seq, 4);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
}

static void
test_rollback(void **state)
{
	struct fx *f = *state;
	struct user_rec u;
	uint8_t hash[32], zero[32];
	int64_t seq = -1, n = -1;

	open_store(f);
	assert_int_equal(store_begin(f->s), 0);
	add_user(f->s, "dave");
	assert_int_equal(store_savepoint(f->s), 0);
	add_user(f->s, "erin");
	append(f->s, 1, NULL);
	store_rollback(f->s);

	assert_int_equal(store_user_get(f->s, "dave", &u), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_user_get(f->s, "erin", &u), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_user_count(f->s, &n), 0);
	assert_int_equal(n, 0);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(store_audit_head(f->s, &seq, hash), 0);
	assert_int_equal(seq, 0);
	assert_memory_equal(hash, zero, 32);

	/* Rolled back cleanly: a new transaction starts. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_begin(f->s), KAGI_ERR_STORE);
	assert_int_equal(store_commit(f->s), 0);
	store_rollback(f->s);	/* nothing open: harmless */
}

/*
 * A read-only transaction (auth_begin's) reads; if anything is
 * written in it, store_end_read() says so and nothing stays; the store
 * writes again after it.
 */
static void
test_read_only_transaction(void **state)
{
	struct fx *f = *state;
	struct user_rec u;
	struct lock_rec l, got;
	int64_t id, other = -1;

	open_store(f);
	assert_int_equal(store_begin(f->s), 0);
	id = add_user(f->s, "alice");
	assert_int_equal(store_commit(f->s), 0);

	/* Only reads: ends cleanly. */
	assert_int_equal(store_begin_read(f->s), 0);
	assert_int_equal(store_savepoint(f->s), 0);
	assert_int_equal(store_user_get(f->s, "alice", &u), 0);
	assert_int_equal(u.id, id);
	assert_int_equal(store_release(f->s), 0);
	assert_int_equal(store_end_read(f->s), 0);

	/* Writes: reported, and rolled back. */
	assert_int_equal(store_begin_read(f->s), 0);
	assert_int_equal(store_savepoint(f->s), 0);
	memset(&l, 0, sizeof(l));
	l.failures = 3;
	assert_int_equal(store_lock_put(f->s, id, &l), 0);
	assert_int_equal(store_user_add(f->s, "bob", ROLE_STAFF, 1000, &other),
	    0);
	assert_int_equal(store_release(f->s), 0);
	assert_int_equal(store_end_read(f->s), KAGI_ERR_STATE);
	assert_int_equal(store_user_get(f->s, "bob", &u), KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_lock_get(f->s, id, &got), 0);
	assert_int_equal(got.failures, 0);

	/* Writable again. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_lock_put(f->s, id, &l), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_lock_get(f->s, id, &got), 0);
	assert_int_equal(got.failures, 3);
}

/* --- Audit chain (R-LOG-2) -------------------------------------------- */

static void
be64(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--, u >>= 8)
		p[i] = (uint8_t)u;
}

static size_t
put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	memcpy(p + 4, s, n);
	return 4 + n;
}

/*
 * The chain hash written out independently of the store: of a record
 * naming core, or of one written before schema 14 (core NULL).
 */
static void
expected_hash_of(const uint8_t prev[32], int64_t seq, int i,
    const char *core, uint8_t out[32])
{
	uint8_t buf[512];
	char user[16], fields[32];
	unsigned int outlen = 0;
	size_t n = 0;

	snprintf(user, sizeof(user), "user%d", i);
	snprintf(fields, sizeof(fields), "{\"n\":%d}", i);
	memcpy(buf, prev, 32);
	n = 32;
	be64(buf + n, seq);
	n += 8;
	be64(buf + n, 1700000000 + i);
	n += 8;
	be64(buf + n, 1000 + i);
	n += 8;
	n += put_str(buf + n, "admin");
	n += put_str(buf + n, "user_add");
	n += put_str(buf + n, user);
	n += put_str(buf + n, fields);
	if (core != NULL)
		n += put_str(buf + n, core);
	assert_int_equal(EVP_Digest(buf, n, out, &outlen, EVP_sha256(), NULL),
	    1);
	assert_int_equal(outlen, 32);
}

static void
expected_hash(const uint8_t prev[32], int64_t seq, int i, uint8_t out[32])
{
	expected_hash_of(prev, seq, i, TEST_CORE, out);
}

/* Writes hash as x'..' after text into sql. */
static void
sql_with_hash(char *sql, size_t len, const char *before,
    const uint8_t hash[32], const char *after)
{
	int i = snprintf(sql, len, "%sx'", before);

	for (int k = 0; k < 32; k++)
		i += snprintf(sql + i, len - (size_t)i, "%02x", hash[k]);
	snprintf(sql + i, len - (size_t)i, "'%s", after);
}

static void
append_five(struct fx *f)
{
	int64_t seq;
	int i;

	open_store(f);
	for (i = 1; i <= 5; i++) {
		seq = -1;
		append(f->s, i, &seq);
		assert_int_equal(seq, i);
	}
}

static void
test_audit_chain(void **state)
{
	struct fx *f = *state;
	uint8_t zero[32], hash[32], h1[32], h2[32], raw[32];
	int64_t seq = -1, bad = -1;
	struct audit_event ev;
	sqlite3 *db;

	open_store(f);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	assert_int_equal(store_audit_head(f->s, &seq, hash), 0);
	assert_int_equal(seq, 0);
	assert_memory_equal(hash, zero, 32);
	store_close(&f->s);

	append_five(f);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);

	/* The encoding is exactly the documented one. */
	db = raw_open(f->path);
	expected_hash(zero, 1, 1, h1);
	raw_blob(db, "SELECT hash FROM audit WHERE seq = 1", raw);
	assert_memory_equal(raw, h1, 32);
	raw_blob(db, "SELECT prev FROM audit WHERE seq = 1", raw);
	assert_memory_equal(raw, zero, 32);
	expected_hash(h1, 2, 2, h2);
	raw_blob(db, "SELECT hash FROM audit WHERE seq = 2", raw);
	assert_memory_equal(raw, h2, 32);
	raw_blob(db, "SELECT prev FROM audit WHERE seq = 2", raw);
	assert_memory_equal(raw, h1, 32);

	assert_int_equal(store_audit_head(f->s, &seq, hash), 0);
	assert_int_equal(seq, 5);
	raw_blob(db, "SELECT hash FROM audit WHERE seq = 5", raw);
	assert_memory_equal(hash, raw, 32);
	sqlite3_close(db);

	/* Absent user and fields hash as empty strings; actor is required. */
	memset(&ev, 0, sizeof(ev));
	ev.actor = "kagid";
	ev.event = "start";
	ev.actor_uid = -1;
	ev.time = 1700000005;	/* time never goes back along the chain */
	assert_int_equal(store_audit_append(f->s, &ev, &seq), 0);
	assert_int_equal(seq, 6);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	ev.actor = NULL;
	assert_int_equal(store_audit_append(f->s, &ev, &seq), KAGI_ERR_INVALID);

	/* Reopened, the head is read back from disk. */
	store_close(&f->s);
	open_store(f);
	append(f->s, 7, &seq);
	assert_int_equal(seq, 7);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
}

static void
test_audit_field_changed(void **state)
{
	struct fx *f = *state;
	int64_t bad = -1;
	sqlite3 *db;

	append_five(f);
	db = raw_open(f->path);
	raw_exec(db, "UPDATE audit SET user = 'mallory' WHERE seq = 3");
	sqlite3_close(db);
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 3);
}

static void
test_audit_time_changed(void **state)
{
	struct fx *f = *state;
	int64_t bad = -1;
	sqlite3 *db;

	append_five(f);
	db = raw_open(f->path);
	raw_exec(db, "UPDATE audit SET time = time + 1 WHERE seq = 4");
	sqlite3_close(db);
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 4);
}

static void
test_audit_record_deleted(void **state)
{
	struct fx *f = *state;
	int64_t bad = -1;
	sqlite3 *db;

	append_five(f);
	db = raw_open(f->path);
	raw_exec(db, "DELETE FROM audit WHERE seq = 3");
	sqlite3_close(db);
	/* The first deleted record is named. */
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 3);
}

static void
test_audit_records_swapped(void **state)
{
	struct fx *f = *state;
	int64_t bad = -1;
	sqlite3 *db;

	append_five(f);
	db = raw_open(f->path);
	raw_exec(db,
	    "BEGIN;"
	    "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2, 3);"
	    "UPDATE audit SET (time, actor_uid, actor, event, user, fields, "
	    "  prev, hash) = (SELECT time, actor_uid, actor, event, user, "
	    "  fields, prev, hash FROM t WHERE t.seq = 5 - audit.seq) "
	    "  WHERE seq IN (2, 3);"
	    "COMMIT;");
	assert_int_equal(raw_int(db, "SELECT time FROM audit WHERE seq = 2"),
	    1700000003);
	sqlite3_close(db);
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 2);
}

static void
test_audit_record_rewritten(void **state)
{
	struct fx *f = *state;
	uint8_t h2[32], forged[32];
	char sql[512];
	int64_t bad = -1;
	sqlite3 *db;

	/*
	 * Record 3 replaced by a different event with a hash that is right
	 * for its own contents: the link from record 4 breaks.
	 */
	append_five(f);
	db = raw_open(f->path);
	raw_blob(db, "SELECT hash FROM audit WHERE seq = 2", h2);
	expected_hash(h2, 3, 9, forged);
	sql_with_hash(sql, sizeof(sql), "UPDATE audit SET time = 1700000009, "
	    "actor_uid = 1009, user = 'user9', fields = '{\"n\":9}', hash = ",
	    forged, " WHERE seq = 3");
	raw_exec(db, sql);
	sqlite3_close(db);
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 4);
}

/*
 * Each record names the core that wrote it, under its hash: an insider
 * who edits, empties or removes a record's core name in the database
 * breaks the chain at that record (issue 14).
 */
static void
test_audit_core_name_is_covered_by_the_hash(void **state)
{
	struct fx *f = *state;
	int64_t bad = -1;
	sqlite3 *db;

	append_five(f);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM audit WHERE "
	    "core = '" TEST_CORE "'"), 5);
	raw_exec(db, "UPDATE audit SET core = 'core-b' WHERE seq = 2");
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 2);
	raw_exec(db, "UPDATE audit SET core = '" TEST_CORE "' WHERE seq = 2");
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	raw_exec(db, "UPDATE audit SET core = NULL WHERE seq = 3");
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 3);
	raw_exec(db, "UPDATE audit SET core = '' WHERE seq = 3");
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 3);
	sqlite3_close(db);
}

/*
 * Records written before schema 14 name no core and keep their hashes:
 * a chain that begins with them verifies, and the records appended after
 * the migration name their core and link on.
 */
static void
test_audit_records_before_schema_14_keep_verifying(void **state)
{
	struct fx *f = *state;
	uint8_t prev[32], h[32];
	char sql[512], after[64];
	int64_t seq = -1, bad = -1;
	sqlite3 *db;
	int i;

	append_five(f);
	db = raw_open(f->path);
	/* What a store of schema 13 held: the old encoding, no core. */
	memset(prev, 0, sizeof(prev));
	for (i = 1; i <= 5; i++) {
		expected_hash_of(prev, i, i, NULL, h);
		snprintf(after, sizeof(after), " WHERE seq = %d", i);
		sql_with_hash(sql, sizeof(sql), "UPDATE audit SET core = NULL, "
		    "hash = ", h, after);
		raw_exec(db, sql);
		if (i < 5) {
			snprintf(after, sizeof(after), " WHERE seq = %d",
			    i + 1);
			sql_with_hash(sql, sizeof(sql), "UPDATE audit SET "
			    "prev = ", h, after);
			raw_exec(db, sql);
		}
		memcpy(prev, h, sizeof(prev));
	}
	sqlite3_close(db);
	store_close(&f->s);
	open_store(f);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	append(f->s, 6, &seq);
	assert_int_equal(seq, 6);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	db = raw_open(f->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM audit WHERE "
	    "core IS NULL"), 5);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM audit WHERE "
	    "seq = 6 AND core = '" TEST_CORE "'"), 1);
	/* A core name added to an old record breaks it too. */
	raw_exec(db, "UPDATE audit SET core = '" TEST_CORE "' WHERE seq = 4");
	sqlite3_close(db);
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 4);
}

static int
core_list_cb(const char *core, int64_t records, int64_t first,
    int64_t last, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%s:%lld:%lld-%lld;", core != NULL ? core :
	    "-", (long long)records, (long long)first, (long long)last);
	return 0;
}

/* A core name is one word of letters, digits, '.', '_', '-'. */
static void
test_core_names_are_checked_and_listed(void **state)
{
	struct fx *f = *state;
	char list[256] = "", longname[80];
	int64_t seq = -1;

	open_store(f);
	assert_string_equal(store_core(f->s), TEST_CORE);
	memset(longname, 'c', 64);
	longname[64] = '\0';
	assert_int_equal(store_set_core(f->s, ""), KAGI_ERR_INVALID);
	assert_int_equal(store_set_core(f->s, "core a"), KAGI_ERR_INVALID);
	assert_int_equal(store_set_core(f->s, "-core"), KAGI_ERR_INVALID);
	assert_int_equal(store_set_core(f->s, "core/a"), KAGI_ERR_INVALID);
	assert_int_equal(store_set_core(f->s, longname), KAGI_ERR_INVALID);
	assert_string_equal(store_core(f->s), TEST_CORE);
	longname[63] = '\0';
	assert_int_equal(store_set_core(f->s, longname), 0);
	assert_int_equal(store_set_core(f->s, TEST_CORE), 0);
	append(f->s, 1, &seq);
	append(f->s, 2, &seq);
	assert_int_equal(store_set_core(f->s, "core-b"), 0);
	append(f->s, 3, &seq);
	assert_int_equal(store_audit_cores(f->s, core_list_cb, list), 0);
	assert_string_equal(list, TEST_CORE ":2:1-2;core-b:1:3-3;");
}

static void
test_audit_first_record(void **state)
{
	struct fx *f = *state;
	int64_t bad = -1;
	sqlite3 *db;

	append_five(f);
	db = raw_open(f->path);
	raw_exec(db, "UPDATE audit SET prev = zeroblob(31) || x'01' "
	    "WHERE seq = 1");
	sqlite3_close(db);
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 1);
}

static void
test_audit_bad_hash_column(void **state)
{
	struct fx *f = *state;
	int64_t bad = -1;
	sqlite3 *db;

	append_five(f);
	db = raw_open(f->path);
	raw_exec(db, "UPDATE audit SET hash = substr(hash, 1, 31) "
	    "WHERE seq = 5");
	sqlite3_close(db);
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 5);
}

static void
test_audit_pruned_head_found(void **state)
{
	struct fx *f = *state;
	int64_t bad = -1;
	sqlite3 *db;

	/*
	 * Removing the oldest records behind the store's back (not through
	 * store_audit_archive) is found where the chain now starts (R-LOG-2).
	 */
	append_five(f);
	db = raw_open(f->path);
	raw_exec(db, "DELETE FROM audit WHERE seq <= 2");
	sqlite3_close(db);
	assert_int_equal(store_audit_verify(f->s, &bad), KAGI_ERR_INVALID);
	assert_int_equal(bad, 1);
}

static void
test_audit_archived_head_accepted(void **state)
{
	struct fx *f = *state;
	uint8_t h2[32], h3[32], head[32], prev[32];
	int64_t bad = -1, first = 0, seq = 0;
	int why = -1;
	sqlite3 *db;

	/*
	 * Records archived through the store leave a boundary: the live
	 * chain verifies from it, and appends continue the chain (R-LOG-1).
	 */
	append_five(f);
	db = raw_open(f->path);
	raw_blob(db, "SELECT hash FROM audit WHERE seq = 2", h2);
	sqlite3_close(db);
	memset(h3, 0x5a, sizeof(h3));
	assert_int_equal(store_begin(f->s), 0);
	/* The wrong hash, or the head itself, is refused. */
	assert_int_equal(store_audit_archive(f->s, 2, h3, "/a", 1),
	    KAGI_ERR_STATE);
	assert_int_equal(store_audit_head(f->s, &seq, head), 0);
	assert_int_equal(store_audit_archive(f->s, 5, head, "/a", 1),
	    KAGI_ERR_STATE);
	assert_int_equal(store_audit_archive(f->s, 2, h2, "/a", 1), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_audit_boundary(f->s, &first, prev), 0);
	assert_int_equal(first, 3);
	assert_memory_equal(prev, h2, 32);
	assert_int_equal(store_audit_check(f->s, &bad, &why), 0);
	append(f->s, 6, &seq);
	assert_int_equal(seq, 6);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);

	/* Deleting the first live record now is found. */
	db = raw_open(f->path);
	raw_exec(db, "DELETE FROM audit WHERE seq = 3");
	sqlite3_close(db);
	assert_int_equal(store_audit_check(f->s, &bad, &why), KAGI_ERR_INVALID);
	assert_int_equal(bad, 3);
}

static void
test_audit_head_after_rollback_to(void **state)
{
	struct fx *f = *state;
	uint8_t h2[32], prev[32];
	int64_t seq = -1, bad = -1;
	sqlite3 *db;

	open_store(f);
	assert_int_equal(store_begin(f->s), 0);
	append(f->s, 1, NULL);
	append(f->s, 2, &seq);
	assert_int_equal(seq, 2);
	assert_int_equal(store_savepoint(f->s), 0);
	append(f->s, 3, &seq);
	assert_int_equal(seq, 3);
	store_rollback_to(f->s);
	/* The discarded record's place is taken, chained to record 2. */
	append(f->s, 4, &seq);
	assert_int_equal(seq, 3);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);

	db = raw_open(f->path);
	raw_blob(db, "SELECT hash FROM audit WHERE seq = 2", h2);
	raw_blob(db, "SELECT prev FROM audit WHERE seq = 3", prev);
	assert_memory_equal(prev, h2, 32);
	assert_int_equal(raw_int(db, "SELECT time FROM audit WHERE seq = 3"),
	    1700000004);
	sqlite3_close(db);

	/* And after a full rollback. */
	assert_int_equal(store_begin(f->s), 0);
	append(f->s, 5, &seq);
	assert_int_equal(seq, 4);
	store_rollback(f->s);
	append(f->s, 6, &seq);
	assert_int_equal(seq, 4);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
}

static void
test_audit_two_connections(void **state)
{
	struct fx *f = *state;
	struct store *other = NULL;
	int64_t seq = -1, bad = -1;

	/* kagictl and kagid may both append: a cached head must not go stale. */
	open_store(f);
	assert_int_equal(store_open(f->path, &other), 0);
	append(f->s, 1, &seq);
	append(f->s, 2, &seq);
	append(other, 3, &seq);
	assert_int_equal(seq, 3);
	append(f->s, 4, &seq);
	assert_int_equal(seq, 4);
	append(other, 5, &seq);
	assert_int_equal(seq, 5);
	assert_int_equal(store_audit_verify(f->s, &bad), 0);
	assert_int_equal(store_audit_verify(other, &bad), 0);
	store_close(&other);
}

/* --- sessions and last log-ins (R-PRIV-7, R-REM-4, R-MFA-5) ------------- */

static int
session_count_cb(const struct session_rec *r, void *arg)
{
	int *n = arg;

	(void)r;
	(*n)++;
	return 0;
}

static int
session_due_count(struct store *s, int64_t now)
{
	int n = 0;

	assert_int_equal(store_session_due(s, now, 30, 10, session_count_cb,
	    &n), 0);
	return n;
}

static void
test_session_deadlines(void **state)
{
	struct fx *f = *state;
	struct session_rec r, g;
	struct login_rec l;
	int64_t uid = 0, id = 0, next = 0;

	assert_int_equal(store_open(f->path, &f->s), 0);
	assert_int_equal(store_user_add(f->s, "boss", ROLE_PRIVILEGED, 1,
	    &uid), 0);
	memset(&r, 0, sizeof(r));
	r.user_id = uid;
	strcpy(r.service, "sshd");
	strcpy(r.tty, "pts/3");
	r.pid = 100;
	r.sid = 100;
	r.owner_uid = -1;
	r.started = 1000;
	r.deadline = 1100;
	strcpy(r.deadline_reason, "time_limit");
	assert_int_equal(store_session_add(f->s, &r, &id), 0);
	/* Due first for the warning, session_warn (30) before the end. */
	assert_int_equal(store_session_next(f->s, 30, 10, &next), 0);
	assert_int_equal(next, 1070);
	assert_int_equal(session_due_count(f->s, 1069), 0);
	assert_int_equal(session_due_count(f->s, 1070), 1);
	assert_int_equal(store_session_set_warned(f->s, id), 0);
	assert_int_equal(session_due_count(f->s, 1099), 0);
	assert_int_equal(store_session_next(f->s, 30, 10, &next), 0);
	assert_int_equal(next, 1100);
	/* Ended: due again for the SIGKILL round, session_grace later. */
	assert_int_equal(store_session_end(f->s, id, 1100, "time_limit"), 0);
	assert_int_equal(store_session_end(f->s, id, 1101, "logout"),
	    KAGI_ERR_NOT_FOUND);
	assert_int_equal(store_session_next(f->s, 30, 10, &next), 0);
	assert_int_equal(next, 1110);
	assert_int_equal(session_due_count(f->s, 1109), 0);
	assert_int_equal(session_due_count(f->s, 1110), 1);
	assert_int_equal(store_session_set_killed(f->s, id), 0);
	assert_int_equal(store_session_next(f->s, 30, 10, &next), 0);
	assert_int_equal(next, 0);
	assert_int_equal(store_session_get(f->s, id, &g), 0);
	assert_int_equal(g.ended, 1100);
	assert_string_equal(g.end_reason, "time_limit");
	assert_string_equal(g.user, "boss");
	assert_string_equal(g.tty, "pts/3");
	/* A session without a deadline is never due; pid 1 is refused. */
	r.deadline = 0;
	r.deadline_reason[0] = '\0';
	assert_int_equal(store_session_add(f->s, &r, &id), 0);
	assert_int_equal(session_due_count(f->s, 999999), 0);
	r.pid = 1;
	assert_int_equal(store_session_add(f->s, &r, &id), KAGI_ERR_INVALID);
	/* Offboarding moves an open session's deadline to now. */
	assert_int_equal(store_session_set_deadline(f->s, id, 2000,
	    "offboard"), 0);
	assert_int_equal(session_due_count(f->s, 2000), 1);

	/* Last log-in: failures counted until the next success. */
	assert_int_equal(store_login_get(f->s, uid, &l), 0);
	assert_int_equal(l.time, 0);
	assert_int_equal(store_login_failure(f->s, uid), 0);
	assert_int_equal(store_login_failure(f->s, uid), 0);
	assert_int_equal(store_login_get(f->s, uid, &l), 0);
	assert_int_equal(l.failures, 2);
	l.time = 1234;
	l.failures = 0;
	strcpy(l.place, "10.0.0.1");
	strcpy(l.factors, "totp");
	assert_int_equal(store_login_put(f->s, uid, &l), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_login_get(f->s, uid, &l), 0);
	assert_int_equal(l.time, 1234);
	assert_int_equal(l.failures, 0);
	assert_string_equal(l.place, "10.0.0.1");
}

/* Issue 13: remote locks beside the account's, and user deletion. */
static void
test_remote_lock_is_kept_apart(void **state)
{
	struct fx *f = *state;
	struct lock_rec l, in = { 2, 500, 900, 1, 1 };
	int64_t uid;

	open_store(f);
	uid = add_user(f->s, "fujita");
	memset(&l, 0xff, sizeof(l));
	assert_int_equal(store_rlock_get(f->s, uid, &l), 0);
	assert_int_equal(l.failures + l.first_failure + l.locked_until +
	    l.lock_count + l.relock, 0);
	assert_int_equal(store_rlock_put(f->s, uid, &in), 0);
	assert_int_equal(store_rlock_get(f->s, uid, &l), 0);
	assert_memory_equal(&l, &in, sizeof(l));
	/* The account's own record is another. */
	assert_int_equal(store_lock_get(f->s, uid, &l), 0);
	assert_int_equal(l.failures, 0);
	in.relock = -1;
	assert_int_equal(store_rlock_put(f->s, uid, &in), KAGI_ERR_INVALID);
	in.relock = 0;
	assert_int_equal(store_rlock_put(f->s, uid + 9, &in),
	    KAGI_ERR_NOT_FOUND);
}

/* Unknown names: counted like users, in tables that never grow past
 * their bound; the least recently written rows go first. */
static void
test_unknown_names_are_bounded_oldest_first(void **state)
{
	struct fx *f = *state;
	struct lock_rec l, in = { 1, 100, 0, 0, 0 };
	int64_t win = 0, n = 0, locks = 0, keys = 0;
	char name[32];
	int i;

	open_store(f);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "ghost%d", i);
		assert_int_equal(store_unknown_lock_put(f->s, name, 1, &in, 3),
		    0);
		assert_int_equal(store_unknown_key_put(f->s, name, "src:a", 100,
		    1, 3), 0);
	}
	assert_int_equal(store_unknown_count(f->s, &locks, &keys), 0);
	assert_int_equal(locks, 3);
	assert_int_equal(keys, 3);
	/* ghost0 and ghost1 were dropped; ghost2 is written again and so
	 * outlives ghost3 when ghost5 comes. */
	assert_int_equal(store_unknown_lock_get(f->s, "ghost0", 1, &l), 0);
	assert_int_equal(l.failures, 0);
	in.failures = 2;
	assert_int_equal(store_unknown_lock_put(f->s, "ghost2", 1, &in, 3), 0);
	assert_int_equal(store_unknown_lock_put(f->s, "ghost5", 1, &in, 3), 0);
	assert_int_equal(store_unknown_lock_get(f->s, "ghost2", 1, &l), 0);
	assert_int_equal(l.failures, 2);
	assert_int_equal(store_unknown_lock_get(f->s, "ghost3", 1, &l), 0);
	assert_int_equal(l.failures, 0);
	/* The two classes of one name are two records. */
	assert_int_equal(store_unknown_lock_get(f->s, "ghost2", 0, &l), 0);
	assert_int_equal(l.failures, 0);
	assert_int_equal(store_unknown_key_get(f->s, "ghost4", "src:a", &win,
	    &n), 0);
	assert_int_equal(win, 100);
	assert_int_equal(n, 1);
	assert_int_equal(store_unknown_key_get(f->s, "ghost0", "src:a", &win,
	    &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_unknown_lock_put(f->s, "x", 0, &in, 0),
	    KAGI_ERR_INVALID);
}

/* A forward clock step moves what is running by the step and nothing
 * else (R-LOG-4). */
static void
test_deadlines_shift_after_a_forward_step(void **state)
{
	struct fx *f = *state;
	struct lock_rec l, timed = { 2, 1000, 5000, 1, 1 };
	struct lock_rec admin = { 0, 0, LOCK_UNTIL_ADMIN, 1, 0 };
	struct throttle_rec t = { 3, 1000, 4000 }, got;
	int64_t a, b, rows = 0, win = 0, n = 0;

	open_store(f);
	a = add_user(f->s, "alice");
	b = add_user(f->s, "bob");
	assert_int_equal(store_lock_put(f->s, a, &timed), 0);
	assert_int_equal(store_lock_put(f->s, b, &admin), 0);
	assert_int_equal(store_rlock_put(f->s, a, &timed), 0);
	assert_int_equal(store_unknown_lock_put(f->s, "ghost", 1, &timed, 10),
	    0);
	assert_int_equal(store_failkey_put(f->s, a, "src:x", 1000, 2), 0);
	assert_int_equal(store_unknown_key_put(f->s, "ghost", "src:x", 1000, 2,
	    10), 0);
	assert_int_equal(store_throttle_put(f->s, "10.0.0.1", &t), 0);
	assert_int_equal(store_deadlines_shift(f->s, 86400, &rows), 0);
	assert_int_equal(rows, 6);	/* bob's admin lock does not move */
	assert_int_equal(store_lock_get(f->s, a, &l), 0);
	assert_int_equal(l.first_failure, 1000 + 86400);
	assert_int_equal(l.locked_until, 5000 + 86400);
	assert_int_equal(l.failures, 2);
	assert_int_equal(store_rlock_get(f->s, a, &l), 0);
	assert_int_equal(l.locked_until, 5000 + 86400);
	assert_int_equal(store_unknown_lock_get(f->s, "ghost", 1, &l), 0);
	assert_int_equal(l.locked_until, 5000 + 86400);
	assert_int_equal(store_lock_get(f->s, b, &l), 0);
	assert_true(l.locked_until == LOCK_UNTIL_ADMIN);
	assert_int_equal(l.first_failure, 0);
	assert_int_equal(store_failkey_get(f->s, a, "src:x", &win, &n), 0);
	assert_int_equal(win, 1000 + 86400);
	assert_int_equal(store_unknown_key_get(f->s, "ghost", "src:x", &win,
	    &n), 0);
	assert_int_equal(win, 1000 + 86400);
	assert_int_equal(store_throttle_get(f->s, "10.0.0.1", &got), 0);
	assert_int_equal(got.first, 1000 + 86400);
	assert_int_equal(got.until, 4000 + 86400);
	/* A lock as late as can be written stays; no overflow. */
	timed.locked_until = LOCK_UNTIL_ADMIN - 1;
	assert_int_equal(store_lock_put(f->s, a, &timed), 0);
	assert_int_equal(store_deadlines_shift(f->s, 10, &rows), 0);
	assert_int_equal(store_lock_get(f->s, a, &l), 0);
	assert_true(l.locked_until == LOCK_UNTIL_ADMIN - 1);
	assert_int_equal(store_deadlines_shift(f->s, 0, &rows),
	    KAGI_ERR_INVALID);
}

static int
collect_stat(const struct authstat_rec *a, void *arg)
{
	struct authstat_rec *out = arg;

	if (strcmp(a->user, "kato") == 0)
		*out = *a;
	return 0;
}

/*
 * The counts the reports read add up within an hour and keep the first
 * and the last failure, whatever order they arrive in (the upsert is
 * written in the SQL both engines read, issue 14); a grant and a
 * report's run are replaced, not added.
 */
static void
test_report_counts_add_up_and_keep_first_and_last(void **state)
{
	struct fx *f = *state;
	struct authstat_rec a;
	struct grant_rec g = { 0 }, got;
	char actor[STORE_NAME_MAX + 1];
	int64_t t, uid;

	open_store(f);
	assert_int_equal(store_authstat_add(f->s, "kato", "tty1", 7250, 1, 0,
	    0), 0);
	assert_int_equal(store_authstat_add(f->s, "kato", "tty1", 7210, 2, 1,
	    1), 0);
	assert_int_equal(store_authstat_add(f->s, "kato", "tty1", 7300, 1, 0,
	    0), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_authstat_list(f->s, 0, collect_stat, &a), 0);
	assert_int_equal(a.failures, 4);
	assert_int_equal(a.lockouts, 1);
	assert_int_equal(a.unconfirmed, 1);
	assert_int_equal(a.first, 7210);
	assert_int_equal(a.last, 7300);

	uid = add_user(f->s, "kato");
	g.user_id = uid;
	g.role = ROLE_PRIVILEGED;
	g.since = 100;
	strcpy(g.granted_by, "sato");
	assert_int_equal(store_grant_put(f->s, &g), 0);
	g.role = ROLE_STAFF;
	g.since = 200;
	strcpy(g.approved_by, "ito");
	assert_int_equal(store_grant_put(f->s, &g), 0);
	assert_int_equal(store_grant_get(f->s, uid, &got), 0);
	assert_int_equal(got.role, ROLE_STAFF);
	assert_int_equal(got.since, 200);
	assert_string_equal(got.approved_by, "ito");

	assert_int_equal(store_report_run_put(f->s, "access", 10, "sato"), 0);
	assert_int_equal(store_report_run_put(f->s, "access", 20, "ito"), 0);
	assert_int_equal(store_report_run_get(f->s, "access", &t, actor), 0);
	assert_int_equal(t, 20);
	assert_string_equal(actor, "ito");
}

/* The tests that read and write through the store only: both engines. */
#define NEUTRAL_TESTS \
	TEST(test_reopen_keeps_data), \
	TEST(test_user_add_get), \
	TEST(test_user_list), \
	TEST(test_user_list_reentry), \
	TEST(test_user_disable_success), \
	TEST(test_token_add_get), \
	TEST(test_token_invalid), \
	TEST(test_token_list_state), \
	TEST(test_token_set_state), \
	TEST(test_accept_step), \
	TEST(test_lock), \
	TEST(test_savepoint), \
	TEST(test_a_failed_statement_spoils_only_its_savepoint), \
	TEST(test_an_append_undone_at_its_savepoint_leaves_one_chain), \
	TEST(test_rollback), \
	TEST(test_read_only_transaction), \
	TEST(test_session_deadlines), \
	TEST(test_remote_lock_is_kept_apart), \
	TEST(test_unknown_names_are_bounded_oldest_first), \
	TEST(test_deadlines_shift_after_a_forward_step), \
	TEST(test_report_counts_add_up_and_keep_first_and_last), \
	TEST(test_core_names_are_checked_and_listed),

int
main(void)
{
#ifdef KAGI_TEST_PG
	const struct CMUnitTest tests[] = { NEUTRAL_TESTS };

	return cmocka_run_group_tests_name("store_on_pg", tests,
	    pg_fixture_start, pg_fixture_stop);
#else
	/* And those that look at the file or behind the store: SQLite's. */
	const struct CMUnitTest tests[] = {
		NEUTRAL_TESTS
		TEST(test_open_creates_private_file),
		TEST(test_open_refuses_symlink),
		TEST(test_open_refuses_unsafe_file),
		TEST(test_open_refuses_newer_schema),
		TEST(test_open_migrates_a_version_8_database),
		TEST(test_open_refuses_foreign_database),
		TEST(test_open_refuses_garbage),
		TEST(test_wal_mode),
		TEST(test_user_delete_cascades),
		TEST(test_token_corrupt_row_refused),
		TEST(test_audit_chain),
		TEST(test_audit_field_changed),
		TEST(test_audit_time_changed),
		TEST(test_audit_record_deleted),
		TEST(test_audit_records_swapped),
		TEST(test_audit_record_rewritten),
		TEST(test_audit_core_name_is_covered_by_the_hash),
		TEST(test_audit_records_before_schema_14_keep_verifying),
		TEST(test_audit_first_record),
		TEST(test_audit_bad_hash_column),
		TEST(test_audit_pruned_head_found),
		TEST(test_audit_archived_head_accepted),
		TEST(test_audit_head_after_rollback_to),
		TEST(test_audit_two_connections),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
#endif
}
