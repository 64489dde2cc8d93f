/*
 * store_sqlite.c - kagid's state store on SQLite: the schema and its
 * migrations, the table of statements, the row readers, opening the
 * database, transactions.  The rest of the store (store_sqlite_*.c) is
 * written on the statement layer (store_int.h, store_db.c), in the SQL
 * both engines read; what is SQLite's own is here: the schema, the file,
 * the pragmas, BEGIN IMMEDIATE.  Only the store's files speak SQL.
 *
 * What it guarantees:
 *  - The database is reached without following a symbolic link, and must
 *    be a regular file owned by the effective uid with no permission bits
 *    for group or others; when absent it is created with mode 0600.  (The
 *    directory it lives in is the caller's to check.)
 *  - WAL journal with synchronous=FULL: a committed transaction survives
 *    kill -9 and power loss.  Foreign keys on, defensive mode on, schema
 *    not trusted, secure_delete on so deleted secrets are overwritten.
 *  - The schema carries a version; missing migrations are applied in one
 *    transaction at open; a newer schema than this build knows is refused
 *    with KAGI_ERR_VERSION, and so is a database that is not a kagi store.
 *  - Every statement is prepared once at open and reset after each use.
 *  - Every SQLite failure becomes a KAGI_ERR_* code; nothing here logs.
 *    Rows that break the store's invariants read as KAGI_ERR_STORE (fail
 *    closed) rather than being handed on.
 *  - Any rollback and any SQLite failure drop the cached audit head (see
 *    store_sqlite_audit.c).
 *
 * Limits of use: one savepoint at a time, only inside store_begin() (a
 * second store_savepoint() before store_release()/store_rollback_to() is
 * refused with KAGI_ERR_STATE).  A list callback may call any store
 * function except the same list (KAGI_ERR_INTERNAL).  Single-threaded:
 * the connection is opened without SQLite's mutexes.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "clock.h"
#include "kagi_err.h"
#include "store.h"
#include "store_int.h"
#include "wipe.h"

#define SAVEPOINT_NAME "kagi_request"

/*
 * Migration i (counting from 1) brings the schema from version i - 1 to
 * version i.  Append only; never edit a released migration.
 */
static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE schema_version ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  version INTEGER NOT NULL);"
	"INSERT INTO schema_version (id, version) VALUES (1, 0);"
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role INTEGER NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  last_success INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  type INTEGER NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  label TEXT NOT NULL,"
	"  algorithm INTEGER NOT NULL,"
	"  digits INTEGER NOT NULL,"
	"  period INTEGER NOT NULL,"
	"  last_step INTEGER NOT NULL DEFAULT -1,"
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER NOT NULL DEFAULT 0,"
	"  sealed BLOB NOT NULL);"
	"CREATE INDEX tokens_user_id ON tokens (user_id);"
	"CREATE TABLE locks ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  failures INTEGER NOT NULL,"
	"  first_failure INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL,"
	"  lock_count INTEGER NOT NULL);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor_uid INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  event TEXT NOT NULL,"
	"  user TEXT,"
	"  fields TEXT,"
	"  prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL);",
	/* 2: policy: vendors' terms, failure counters by key, throttles. */
	"CREATE TABLE vendors ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  approver TEXT NOT NULL,"
	"  company TEXT NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  windows TEXT NOT NULL,"
	"  sources TEXT NOT NULL);"
	"CREATE TABLE fail_keys ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  win_start INTEGER NOT NULL,"
	"  failures INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, key));"
	"CREATE TABLE throttle ("
	"  addr TEXT PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  first INTEGER NOT NULL,"
	"  until INTEGER NOT NULL);",
	/* 3: FIDO2 credentials, one per token of type 1 (R-TOK-1). */
	"CREATE TABLE fido2_creds ("
	"  token_id INTEGER PRIMARY KEY REFERENCES tokens(id) ON DELETE CASCADE,"
	"  cred_id BLOB NOT NULL UNIQUE,"
	"  cose_alg INTEGER NOT NULL,"
	"  counter INTEGER NOT NULL DEFAULT 0,"
	"  aaguid BLOB NOT NULL,"
	"  uv INTEGER NOT NULL,"
	"  reason TEXT NOT NULL DEFAULT '');",
	/* 4: two-person requests, enrollment and break-glass codes,
	 * exceptions, activity dates (store_sqlite_life.c). */
	"CREATE TABLE requests ("
	"  id INTEGER PRIMARY KEY,"
	"  action TEXT NOT NULL,"
	"  params TEXT NOT NULL,"
	"  requester_uid INTEGER NOT NULL,"
	"  requester TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  decider_uid INTEGER NOT NULL DEFAULT -1,"
	"  decider TEXT NOT NULL DEFAULT '',"
	"  decided INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE enroll_codes ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  salt BLOB NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0,"
	"  token_id INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE breakglass_codes ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  salt BLOB NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  iterations INTEGER NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX breakglass_codes_user_id ON breakglass_codes (user_id);"
	"CREATE TABLE exceptions ("
	"  id INTEGER PRIMARY KEY,"
	"  user TEXT NOT NULL,"
	"  code_id INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"
	"  opened INTEGER NOT NULL,"
	"  closed INTEGER NOT NULL DEFAULT 0,"
	"  closer TEXT NOT NULL DEFAULT '',"
	"  reason TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE user_activity ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  enabled_at INTEGER NOT NULL);",
	/* 5: where the live audit chain starts after archiving. */
	"CREATE TABLE audit_boundary ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  first_seq INTEGER NOT NULL,"
	"  prev BLOB NOT NULL);",
	/* 6: sessions (R-PRIV-7, R-REM-4) and the last log-in (R-MFA-5). */
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  service TEXT NOT NULL,"
	"  tty TEXT NOT NULL,"
	"  rhost TEXT NOT NULL,"
	"  pid INTEGER NOT NULL,"
	"  pid_start INTEGER NOT NULL,"
	"  sid INTEGER NOT NULL,"
	"  sid_start INTEGER NOT NULL,"
	"  logind TEXT NOT NULL,"
	"  owner_uid INTEGER NOT NULL,"
	"  started INTEGER NOT NULL,"
	"  deadline INTEGER NOT NULL,"
	"  deadline_reason TEXT NOT NULL,"
	"  warned INTEGER NOT NULL DEFAULT 0,"
	"  ended INTEGER NOT NULL DEFAULT 0,"
	"  end_reason TEXT NOT NULL DEFAULT '',"
	"  killed INTEGER NOT NULL DEFAULT 0,"
	"  victims TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX sessions_open ON sessions (ended, deadline);"
	"CREATE INDEX sessions_user ON sessions (user_id, ended);"
	"CREATE TABLE logins ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  time INTEGER NOT NULL,"
	"  place TEXT NOT NULL,"
	"  factors TEXT NOT NULL,"
	"  failures INTEGER NOT NULL);",
	/* 7: enrollment grants: a second person's approval to enroll one
	 * FIDO2 key for a privileged user (R-PRIV-3, store_sqlite_life.c). */
	"CREATE TABLE enroll_grants ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  request_id INTEGER NOT NULL,"
	"  requester_uid INTEGER NOT NULL,"
	"  requester TEXT NOT NULL,"
	"  approver TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0,"
	"  token_id INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX enroll_grants_user ON enroll_grants (user_id, used);",
	/* 8: log-ins under attack (issue 13, store_sqlite_policy.c): after a
	 * lock fewer failures lock again (relock); failures from remote
	 * addresses lock remote log-ins only (remote_locks); unknown names
	 * are counted as users are, in bounded tables. */
	"ALTER TABLE locks ADD COLUMN relock INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE remote_locks ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  failures INTEGER NOT NULL,"
	"  first_failure INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL,"
	"  lock_count INTEGER NOT NULL,"
	"  relock INTEGER NOT NULL);"
	"CREATE TABLE unknown_locks ("
	"  name TEXT NOT NULL,"
	"  remote INTEGER NOT NULL,"
	"  failures INTEGER NOT NULL,"
	"  first_failure INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL,"
	"  lock_count INTEGER NOT NULL,"
	"  relock INTEGER NOT NULL,"
	"  PRIMARY KEY (name, remote));"
	"CREATE TABLE unknown_keys ("
	"  name TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  win_start INTEGER NOT NULL,"
	"  failures INTEGER NOT NULL,"
	"  PRIMARY KEY (name, key));",
	/* 9: a second factor's success waits for the rest of the PAM stack
	 * to confirm it (issue 13, store_sqlite_pending.c); the last log-in
	 * keeps its service and the session opened for it, whose end the
	 * next log-in shows (R-MFA-5). */
	"CREATE TABLE pending_logins ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  hash BLOB NOT NULL UNIQUE,"
	"  service TEXT NOT NULL,"
	"  tty TEXT NOT NULL,"
	"  rhost TEXT NOT NULL,"
	"  zone TEXT NOT NULL,"
	"  peer_uid INTEGER NOT NULL,"
	"  peer_pid INTEGER NOT NULL,"
	"  factor TEXT NOT NULL,"
	"  label TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL);"
	"CREATE INDEX pending_logins_expires ON pending_logins (expires);"
	"ALTER TABLE logins ADD COLUMN service TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE logins ADD COLUMN session INTEGER NOT NULL DEFAULT 0;",
	/* 10: the people behind a request: login uids, and the groups that
	 * let them ask and approve (R-PRIV-3). */
	"ALTER TABLE requests ADD COLUMN requester_luid INTEGER NOT NULL "
	"  DEFAULT -1;"
	"ALTER TABLE requests ADD COLUMN requester_group TEXT NOT NULL "
	"  DEFAULT '';"
	"ALTER TABLE requests ADD COLUMN decider_luid INTEGER NOT NULL "
	"  DEFAULT -1;"
	"ALTER TABLE requests ADD COLUMN decider_group TEXT NOT NULL "
	"  DEFAULT '';",
	/* 11: a vendor permit's worker, place and work (R-REM-5). */
	"ALTER TABLE vendors ADD COLUMN worker TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE vendors ADD COLUMN place TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE vendors ADD COLUMN work TEXT NOT NULL DEFAULT '';",
	/* 12: what the reports read instead of the audit records, so that
	 * archiving changes no report (store_report.h): who granted each
	 * user's role (the users there already keep their creation time,
	 * with nobody named), failures and lockouts by user, source and
	 * hour, the reports' last runs; the archives made of the audit
	 * chain (store.h); and a mark on every token ever revoked. */
	"CREATE TABLE role_grants ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  role INTEGER NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  granted_by TEXT NOT NULL,"
	"  approved_by TEXT NOT NULL,"
	"  request_id INTEGER NOT NULL DEFAULT 0);"
	"INSERT INTO role_grants (user_id, role, since, granted_by, approved_by)"
	"  SELECT id, role, created, '', '' FROM users;"
	"CREATE TABLE auth_stats ("
	"  user TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  hour INTEGER NOT NULL,"
	"  failures INTEGER NOT NULL,"
	"  lockouts INTEGER NOT NULL,"
	"  first INTEGER NOT NULL,"
	"  last INTEGER NOT NULL,"
	"  unconfirmed INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (user, source, hour));"
	"CREATE TABLE report_runs ("
	"  name TEXT PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL);"
	"CREATE TABLE audit_archives ("
	"  through_seq INTEGER PRIMARY KEY,"
	"  hash BLOB NOT NULL,"
	"  file TEXT NOT NULL,"
	"  time INTEGER NOT NULL);"
	/* A token once revoked keeps the mark: one active again shows. */
	"ALTER TABLE tokens ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;"
	"UPDATE tokens SET revoked = 1 WHERE state = 2;"
	"CREATE TRIGGER tokens_revoked AFTER UPDATE OF state ON tokens "
	"  WHEN NEW.state = 2 AND OLD.revoked = 0 BEGIN"
	"  UPDATE tokens SET revoked = 1 WHERE id = NEW.id; END;",
	/* 13: OpenSSH security keys, one per token of type 2 (issue 16):
	 * the key's wire form, unique across all users (R-TOK-1), its
	 * fingerprint and the AAGUID its attestation named. */
	"CREATE TABLE sshkeys ("
	"  token_id INTEGER PRIMARY KEY REFERENCES tokens(id) ON DELETE CASCADE,"
	"  blob BLOB NOT NULL UNIQUE,"
	"  fingerprint TEXT NOT NULL,"
	"  aaguid BLOB NOT NULL);",
	/* 14: one audit chain for several cores (issue 14): each record
	 * names the kagid core that wrote it, covered by its hash
	 * (audit_chain.h); NULL in the records written before. */
	"ALTER TABLE audit ADD COLUMN core TEXT;",
	/* 15: the fleet (issue 15, store_hosts.h): the cores' CA, one row,
	 * its key sealed by hosts.c; the registry of hosts, a revoked one
	 * kept so that its certificate is still known. */
	"CREATE TABLE host_ca ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  cert TEXT NOT NULL,"
	"  sealed_key BLOB NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE hosts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  zone INTEGER NOT NULL,"
	"  class INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  serial TEXT NOT NULL,"
	"  fingerprint BLOB NOT NULL UNIQUE,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  cert TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  changed INTEGER NOT NULL);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define USER_COLS "id, name, role, disabled, created, last_success"
#define TOKEN_COLS "id, user_id, type, state, label, algorithm, digits, " \
	"period, last_step, created, last_used, sealed"
#define FIDO2_COLS "token_id, cred_id, cose_alg, counter, aaguid, uv, " \
	"reason"
#define AUDIT_COLS "seq, time, actor_uid, actor, event, \"user\", " \
	"fields, prev, hash, core"

const struct db_sql store_stmt_sql[ST_COUNT_] = {
	/* PostgreSQL: READ COMMITTED (the connection's default); store_begin()
	 * goes through pgx_begin(), which locks the audit head too. */
	[ST_BEGIN] = { .sql = "BEGIN IMMEDIATE", .pg = "BEGIN" },
	[ST_COMMIT] = { .sql = "COMMIT" },
	[ST_ROLLBACK] = { .sql = "ROLLBACK" },
	[ST_SAVEPOINT] = { .sql = "SAVEPOINT " SAVEPOINT_NAME },
	[ST_RELEASE] = { .sql = "RELEASE " SAVEPOINT_NAME },
	[ST_ROLLBACK_TO] = { .sql = "ROLLBACK TO " SAVEPOINT_NAME },
	/* PostgreSQL: writable, as SQLite's; store_end_read() asks whether
	 * it wrote (a transaction id is assigned at the first write) and
	 * rolls back, in one message (pgx_end_read()). */
	[ST_BEGIN_READ] = { .sql = "BEGIN DEFERRED", .pg = "BEGIN" },
	/* The user row is what vetoes a decision (disabled, deleted) and
	 * what every rule's read-then-write on its counters (failures.c)
	 * hangs on: held to COMMIT in a write transaction (DB_LOCK). */
	[ST_USER_GET] = { .sql =
	    "SELECT " USER_COLS " FROM users WHERE name = ?1",
	    .flags = DB_LOCK },
	[ST_USER_GET_ID] = { .sql =
	    "SELECT " USER_COLS " FROM users WHERE id = ?1",
	    .flags = DB_LOCK },
	[ST_USER_ADD] = { .sql =
	    "INSERT INTO users (name, role, created) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (name) DO NOTHING RETURNING id" },
	[ST_USER_SET_DISABLED] = { .sql =
	    "UPDATE users SET disabled = ?2 WHERE id = ?1" },
	[ST_USER_SET_SUCCESS] = { .sql =
	    "UPDATE users SET last_success = ?2 WHERE id = ?1" },
	[ST_USER_DELETE] = { .sql = "DELETE FROM users WHERE id = ?1" },
	[ST_USER_LIST] = { .sql =
	    "SELECT " USER_COLS " FROM users ORDER BY name" },
	[ST_USER_COUNT] = { .sql = "SELECT count(*) FROM users" },
	[ST_TOKEN_ADD] = { .sql =
	    "INSERT INTO tokens (user_id, type, state, label, algorithm, "
	    "digits, period, last_step, created, last_used, sealed) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
	    "RETURNING id" },
	[ST_TOKEN_GET] = { .sql =
	    "SELECT " TOKEN_COLS " FROM tokens WHERE id = ?1" },
	[ST_TOKEN_LIST] = { .sql =
	    "SELECT " TOKEN_COLS " FROM tokens "
	    "WHERE user_id = ?1 AND (?2 < 0 OR state = ?2) ORDER BY id" },
	[ST_TOKEN_SET_STATE] = { .sql =
	    "UPDATE tokens SET state = ?2 WHERE id = ?1" },
	[ST_TOKEN_ACCEPT] = { .sql =
	    "UPDATE tokens SET last_step = ?1, last_used = ?2 "
	    "WHERE id = ?3 AND state = ?4 AND last_step < ?1" },
	[ST_LOCK_GET] = { .sql =
	    "SELECT failures, first_failure, locked_until, "
	    "lock_count, relock FROM locks WHERE user_id = ?1" },
	[ST_LOCK_PUT] = { .sql =
	    "INSERT INTO locks (user_id, failures, first_failure, "
	    "locked_until, lock_count, relock) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures, "
	    "first_failure = excluded.first_failure, "
	    "locked_until = excluded.locked_until, "
	    "lock_count = excluded.lock_count, relock = excluded.relock" },
	[ST_AUDIT_HEAD] = { .sql =
	    "SELECT seq, hash, time FROM audit ORDER BY seq DESC "
	    "LIMIT 1" },
	[ST_AUDIT_ADD] = { .sql =
	    "INSERT INTO audit (" AUDIT_COLS ") "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)" },
	[ST_AUDIT_WALK] = { .sql =
	    "SELECT " AUDIT_COLS " FROM audit ORDER BY seq" },
	/* PostgreSQL keeps no cached head (store_sqlite_audit.c). */
	[ST_DATA_VERSION] = { .sql = "PRAGMA data_version",
	    .pg = "SELECT 0" },
	[ST_FIDO2_ADD] = { .sql =
	    "INSERT INTO fido2_creds (token_id, cred_id, "
	    "cose_alg, counter, aaguid, uv, reason) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (cred_id) DO NOTHING RETURNING token_id" },
	[ST_FIDO2_GET_CRED] = { .sql =
	    "SELECT " FIDO2_COLS " FROM fido2_creds "
	    "WHERE cred_id = ?1" },
	[ST_FIDO2_GET] = { .sql =
	    "SELECT " FIDO2_COLS " FROM fido2_creds "
	    "WHERE token_id = ?1" },
	[ST_FIDO2_COUNTER] = { .sql =
	    "UPDATE fido2_creds SET counter = ?3 "
	    "WHERE token_id = ?1 AND counter = ?2 AND (SELECT state FROM "
	    "tokens WHERE id = ?1) = ?4" },
	[ST_FIDO2_REASON] = { .sql =
	    "UPDATE fido2_creds SET reason = ?2 "
	    "WHERE token_id = ?1" },
	[ST_FIDO2_USED] = { .sql =
	    "UPDATE tokens SET last_used = ?2 WHERE id = ?1" },
	[ST_SSHKEY_ADD] = { .sql =
	    "INSERT INTO sshkeys (token_id, blob, fingerprint, aaguid) "
	    "VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (blob) DO NOTHING RETURNING token_id" },
	[ST_SSHKEY_GET] = { .sql =
	    "SELECT token_id, blob, fingerprint, aaguid "
	    "FROM sshkeys WHERE token_id = ?1" },
	[ST_SSHKEY_FIND] = { .sql =
	    "SELECT token_id, blob, fingerprint, aaguid "
	    "FROM sshkeys WHERE blob = ?1" },
	[ST_LOGIN_GET] = { .sql =
	    "SELECT time, place, factors, failures, service, "
	    "session FROM logins WHERE user_id = ?1" },
	[ST_LOGIN_PUT] = { .sql =
	    "INSERT INTO logins (user_id, time, place, factors, failures, "
	    "service, session) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (user_id) DO UPDATE SET time = excluded.time, "
	    "place = excluded.place, factors = excluded.factors, "
	    "failures = excluded.failures, service = excluded.service, "
	    "session = excluded.session" },
	/* One statement, no read before it: exact on several cores. */
	[ST_LOGIN_FAILURE] = { .sql =
	    "INSERT INTO logins (user_id, time, place, "
	    "factors, failures) VALUES (?1, 0, '', '', 1) ON CONFLICT "
	    "(user_id) DO UPDATE SET failures = logins.failures + 1" },
	[ST_FAILKEY_GET] = { .sql =
	    "SELECT win_start, failures FROM fail_keys "
	    "WHERE user_id = ?1 AND key = ?2" },
	[ST_FAILKEY_PUT] = { .sql =
	    "INSERT INTO fail_keys (user_id, key, win_start, failures) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id, key) DO UPDATE "
	    "SET win_start = excluded.win_start, "
	    "failures = excluded.failures" },
	/* A put is a REPLACE, which gives the row the next rowid: the trim
	 * drops the rows written least recently beyond the bound ?1.  This
	 * is SQLite's own SQL (rowid, OR REPLACE): PostgreSQL's engine will
	 * carry its own text (db_sql.pg) that stamps each put from a
	 * sequence and trims by it. */
	[ST_UNKNOWN_LOCK_GET] = { .sql =
	    "SELECT failures, first_failure, "
	    "locked_until, lock_count, relock FROM unknown_locks "
	    "WHERE name = ?1 AND remote = ?2" },
	[ST_UNKNOWN_LOCK_PUT] = { .sql =
	    "INSERT OR REPLACE INTO unknown_locks (name, "
	    "remote, failures, first_failure, locked_until, lock_count, "
	    "relock) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    .pg = "INSERT INTO unknown_locks (name, remote, failures, "
	    "first_failure, locked_until, lock_count, relock) VALUES ($1, $2, "
	    "$3, $4, $5, $6, $7) ON CONFLICT (name, remote) DO UPDATE SET "
	    "failures = excluded.failures, "
	    "first_failure = excluded.first_failure, "
	    "locked_until = excluded.locked_until, "
	    "lock_count = excluded.lock_count, relock = excluded.relock, "
	    "stamp = nextval('unknown_stamp')" },
	/* PostgreSQL keeps exactly the ?1 rows stamped last. */
	[ST_UNKNOWN_LOCK_TRIM] = { .sql =
	    "DELETE FROM unknown_locks WHERE rowid <= "
	    "(SELECT max(rowid) FROM unknown_locks) - ?1",
	    .pg = "DELETE FROM unknown_locks WHERE stamp <= (SELECT stamp "
	    "FROM unknown_locks ORDER BY stamp DESC OFFSET $1 LIMIT 1)" },
	[ST_UNKNOWN_KEY_GET] = { .sql =
	    "SELECT win_start, failures FROM unknown_keys "
	    "WHERE name = ?1 AND key = ?2" },
	[ST_UNKNOWN_KEY_PUT] = { .sql =
	    "INSERT OR REPLACE INTO unknown_keys (name, "
	    "key, win_start, failures) VALUES (?1, ?2, ?3, ?4)",
	    .pg = "INSERT INTO unknown_keys (name, key, win_start, failures) "
	    "VALUES ($1, $2, $3, $4) ON CONFLICT (name, key) DO UPDATE SET "
	    "win_start = excluded.win_start, failures = excluded.failures, "
	    "stamp = nextval('unknown_stamp')" },
	[ST_UNKNOWN_KEY_TRIM] = { .sql =
	    "DELETE FROM unknown_keys WHERE rowid <= "
	    "(SELECT max(rowid) FROM unknown_keys) - ?1",
	    .pg = "DELETE FROM unknown_keys WHERE stamp <= (SELECT stamp "
	    "FROM unknown_keys ORDER BY stamp DESC OFFSET $1 LIMIT 1)" },
};

/* Run one statement of the table without parameters or rows. */
static int
run_simple(struct store *s, enum stmt_id id)
{
	struct db_stmt *st = NULL;
	int r;

	if ((r = db_take(s, id, &st)) != 0)
		goto out;
	/* A lost connection stays what it is: the caller reconnects. */
	if ((r = db_step_done(st)) != 0 && r != KAGI_ERR_STORE_DOWN)
		r = KAGI_ERR_STORE;
 out:
	db_done(st);
	return r;
}

int
db_user_from_row(struct db_stmt *st, struct user_rec *u)
{
	struct user_rec v;
	int r;

	memset(&v, 0, sizeof(v));
	v.id = db_col_int(st, 0);
	if ((r = db_col_str(st, 1, v.name, STORE_NAME_MAX)) != 0 ||
	    (r = db_col_range(st, 2, ROLE_STAFF, ROLE_VENDOR, &v.role)) != 0 ||
	    (r = db_col_range(st, 3, 0, 1, &v.disabled)) != 0)
		return r;
	if (v.name[0] == '\0')
		return KAGI_ERR_STORE;
	v.created = db_col_int(st, 4);
	v.last_success = db_col_int(st, 5);
	*u = v;
	return 0;
}


/* What every token in the store satisfies, sealed blob included. */
int
db_token_valid(const struct token_rec *t)
{
	/* A FIDO2 token keeps its data in fido2_creds, an SSH key's in
	 * sshkeys; only the sealed key or attestation here. */
	if (t->type == TOKEN_FIDO2 || t->type == TOKEN_SSHKEY) {
		if (t->state < TOKEN_PENDING || t->state > TOKEN_REVOKED ||
		    t->algorithm != 0 || t->digits != 0 || t->period != 0 ||
		    t->last_step != -1 ||
		    memchr(t->label, '\0', sizeof(t->label)) == NULL ||
		    t->sealed == NULL || t->sealed_len == 0)
			return KAGI_ERR_INVALID;
		return t->sealed_len > SEALED_MAX ? KAGI_ERR_TOO_LARGE : 0;
	}
	if (t->type != TOKEN_TOTP ||
	    t->state < TOKEN_PENDING || t->state > TOKEN_REVOKED ||
	    t->algorithm < TOTP_SHA1 || t->algorithm > TOTP_SHA512 ||
	    t->digits < 6 || t->digits > 8 || t->period <= 0 ||
	    t->last_step < -1 ||
	    memchr(t->label, '\0', sizeof(t->label)) == NULL ||
	    t->sealed == NULL || t->sealed_len == 0)
		return KAGI_ERR_INVALID;
	if (t->sealed_len > SEALED_MAX)
		return KAGI_ERR_TOO_LARGE;
	return 0;
}


int
db_token_from_row(struct db_stmt *st, struct token_rec *t)
{
	struct token_rec v;
	const void *blob;
	size_t n = 0;
	int r;

	memset(&v, 0, sizeof(v));
	v.id = db_col_int(st, 0);
	v.user_id = db_col_int(st, 1);
	if ((r = db_col_range(st, 2, INT_MIN, INT_MAX, &v.type)) != 0 ||
	    (r = db_col_range(st, 3, INT_MIN, INT_MAX, &v.state)) != 0 ||
	    (r = db_col_str(st, 4, v.label, STORE_LABEL_MAX)) != 0 ||
	    (r = db_col_range(st, 5, INT_MIN, INT_MAX, &v.algorithm)) != 0 ||
	    (r = db_col_range(st, 6, INT_MIN, INT_MAX, &v.digits)) != 0 ||
	    (r = db_col_range(st, 7, INT_MIN, INT_MAX, &v.period)) != 0)
		goto out;
	v.last_step = db_col_int(st, 8);
	v.created = db_col_int(st, 9);
	v.last_used = db_col_int(st, 10);
	if (db_col_type(st, 11) != DB_BLOB) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	blob = db_col_blob(st, 11, &n);
	if (blob == NULL || n == 0 || n > SEALED_MAX) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	if ((v.sealed = malloc(n)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	memcpy(v.sealed, blob, n);
	v.sealed_len = n;
	if (db_token_valid(&v) != 0) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	*t = v;
	memset(&v, 0, sizeof(v));
	r = 0;
 out:
	token_rec_clear(&v);
	return r;
}


void
token_rec_clear(struct token_rec *t)
{
	if (t == NULL)
		return;
	kagi_free_secret(t->sealed, t->sealed_len);
	kagi_wipe_obj(t);
}

/* --- Opening --------------------------------------------------------- */

/*
 * Create the database file (mode 0600) when absent, then check what is
 * at path: not a symbolic link, a regular file, ours, private.
 */
static int
db_file_check(const char *path, struct stat *st)
{
	int fd, r;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd >= 0) {
		/* Whatever the umask, a new store is exactly 0600. */
		if (fchmod(fd, 0600) != 0) {
			r = KAGI_ERR_IO;
			goto out;
		}
	} else if (errno == EEXIST) {
		fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK);
	}
	if (fd < 0) {
		r = errno == ELOOP || errno == EISDIR ?
		    KAGI_ERR_UNSAFE_FILE : KAGI_ERR_IO;
		goto out;
	}
	if (fstat(fd, st) != 0) {
		r = KAGI_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    (st->st_mode & 077) != 0) {
		r = KAGI_ERR_UNSAFE_FILE;
		goto out;
	}
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int
exec_sql(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : KAGI_ERR_STORE;
}

/* Run a one-row, one-column query; the text must equal want. */
static int
pragma_expect(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int r = KAGI_ERR_STORE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	if ((v = sqlite3_column_text(st, 0)) == NULL ||
	    strcmp((const char *)v, want) != 0)
		goto out;
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

/* Run a one-row query of one integer. */
static int
query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int r = KAGI_ERR_STORE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_type(st, 0) != SQLITE_INTEGER)
		goto out;
	*out = sqlite3_column_int64(st, 0);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

static int
db_configure(sqlite3 *db)
{
	int on = -1;
	int r;

	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) !=
	    SQLITE_OK || on != 1)
		return KAGI_ERR_STORE;
	if ((r = exec_sql(db, "PRAGMA secure_delete = ON")) != 0 ||
	    (r = exec_sql(db, "PRAGMA trusted_schema = OFF")) != 0 ||
	    (r = exec_sql(db, "PRAGMA foreign_keys = ON")) != 0 ||
	    (r = exec_sql(db, "PRAGMA busy_timeout = 5000")) != 0 ||
	    (r = pragma_expect(db, "PRAGMA journal_mode = WAL", "wal")) != 0 ||
	    (r = exec_sql(db, "PRAGMA synchronous = FULL")) != 0)
		return r;
	/* Settings that silently did not take are failures too. */
	if ((r = pragma_expect(db, "PRAGMA foreign_keys", "1")) != 0 ||
	    (r = pragma_expect(db, "PRAGMA synchronous", "2")) != 0 ||
	    (r = pragma_expect(db, "PRAGMA secure_delete", "1")) != 0)
		return r;
	return 0;
}

/*
 * Read the schema version and apply what is missing, all in one
 * transaction.  An empty database is version 0; a database with tables
 * but no schema_version is not ours.
 */
static int
db_migrate(sqlite3 *db, int *version)
{
	int64_t v, ntables, has_version;
	char sql[80];
	int i, r, in_tx = 0;

	if ((r = exec_sql(db, "BEGIN IMMEDIATE")) != 0)
		goto out;
	in_tx = 1;
	if ((r = query_int(db, "SELECT count(*) FROM sqlite_master",
	    &ntables)) != 0 ||
	    (r = query_int(db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'schema_version'", &has_version)) != 0)
		goto out;
	if (has_version) {
		if ((r = query_int(db, "SELECT version FROM schema_version",
		    &v)) != 0)
			goto out;
	} else if (ntables == 0) {
		v = 0;
	} else {
		r = KAGI_ERR_VERSION;
		goto out;
	}
	if (v < 0 || v > SCHEMA_VERSION) {
		r = KAGI_ERR_VERSION;
		goto out;
	}
	if (v < SCHEMA_VERSION) {
		for (i = (int)v; i < SCHEMA_VERSION; i++)
			if ((r = exec_sql(db, migrations[i])) != 0)
				goto out;
		snprintf(sql, sizeof(sql),
		    "UPDATE schema_version SET version = %d", SCHEMA_VERSION);
		if ((r = exec_sql(db, sql)) != 0 ||
		    (r = exec_sql(db, "COMMIT")) != 0)
			goto out;
	} else if ((r = exec_sql(db, "ROLLBACK")) != 0) {
		goto out;
	}
	in_tx = 0;
	*version = SCHEMA_VERSION;
	r = 0;
 out:
	if (in_tx)
		(void)exec_sql(db, "ROLLBACK");
	return r;
}

int
store_open(const char *path, struct store **sp)
{
	struct store *s = NULL;
	struct stat before, after;
	int i, r;

	if (sp == NULL)
		return KAGI_ERR_INVALID;
	*sp = NULL;
	if (path == NULL || path[0] != '/')
		return KAGI_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = db_file_check(path, &before)) != 0)
		goto out;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	/* What SQLite opened is still the file checked above. */
	if (lstat(path, &after) != 0 || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino || !S_ISREG(after.st_mode)) {
		r = KAGI_ERR_UNSAFE_FILE;
		goto out;
	}
	if ((r = db_configure(s->db)) != 0 ||
	    (r = db_migrate(s->db, &s->version)) != 0)
		goto out;
	for (i = 0; i < ST_COUNT_; i++) {
		if (sqlite3_prepare_v3(s->db, store_stmt_sql[i].sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i].sq, NULL) !=
		    SQLITE_OK) {
			r = KAGI_ERR_STORE;
			goto out;
		}
		s->st[i].s = s;
		s->st[i].id = i;
		s->st[i].flags = store_stmt_sql[i].flags;
	}
	if ((r = db_hash_init(s)) != 0)
		goto out;
	s->opened = kagi_now();
	*sp = s;
	s = NULL;
	r = 0;
 out:
	store_close(&s);
	return r;
}

/* A locking read's text for a write transaction: sql FOR UPDATE. */
static char *
pg_for_update(const char *sql)
{
	static const char tail[] = " FOR UPDATE";
	size_t n = strlen(sql);
	char *out;

	if ((out = malloc(n + sizeof(tail))) == NULL)
		return NULL;
	memcpy(out, sql, n);
	memcpy(out + n, tail, sizeof(tail));
	return out;
}

static int
open_pg(const char *conninfo, int mode, struct store **sp, char *why,
    size_t whylen)
{
	char dummy[1];
	struct store *s = NULL;
	int i, r;

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (sp == NULL)
		return KAGI_ERR_INVALID;
	*sp = NULL;
	if (conninfo == NULL || conninfo[0] == '\0')
		return KAGI_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KAGI_ERR_NOMEM;
	s->engine = DB_PG;
	if ((r = pgx_open(conninfo, mode, s, why, whylen)) != 0)
		goto out;
	/* The table's SQL, PostgreSQL's own where it differs, with $N. */
	for (i = 0; i < ST_COUNT_; i++) {
		const char *sql = store_stmt_sql[i].pg != NULL ?
		    store_stmt_sql[i].pg : store_stmt_sql[i].sql;

		s->st[i].s = s;
		s->st[i].id = i;
		s->st[i].flags = store_stmt_sql[i].flags;
		s->st[i].row = -1;
		if ((s->st[i].pgsql = pgx_sql(sql)) == NULL) {
			r = KAGI_ERR_NOMEM;
			goto out;
		}
		if ((s->st[i].flags & DB_LOCK) != 0 &&
		    (s->st[i].pglock = pg_for_update(s->st[i].pgsql)) == NULL) {
			r = KAGI_ERR_NOMEM;
			goto out;
		}
	}
	if ((r = db_hash_init(s)) != 0)
		goto out;
	*sp = s;
	s = NULL;
	r = 0;
 out:
	store_close(&s);
	return r;
}

int
store_open_pg(const char *conninfo, struct store **sp, char *why,
    size_t whylen)
{
	return open_pg(conninfo, PGX_OPEN_MIGRATE, sp, why, whylen);
}

int
store_open_pg_empty(const char *conninfo, struct store **sp, char *why,
    size_t whylen)
{
	return open_pg(conninfo, PGX_OPEN_EMPTY, sp, why, whylen);
}

void
store_close(struct store **sp)
{
	struct store *s;
	int i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	if (s->engine == DB_PG)
		pgx_close(s);
	for (i = 0; i < ST_COUNT_; i++)
		sqlite3_finalize(s->st[i].sq);
	/* Every statement is finalized: this closes (and rolls back). */
	sqlite3_close(s->db);
	EVP_MD_CTX_free(s->md);
	EVP_MD_free(s->sha256);
	kagi_wipe_obj(s);
	free(s);
	*sp = NULL;
}

int
store_schema_latest(int engine_pg)
{
	return engine_pg ? pgx_schema_latest() : SCHEMA_VERSION;
}

int
store_schema_version(struct store *s)
{
	return s->version;
}

int
store_schema_known(void)
{
	return SCHEMA_VERSION;
}

int
store_file_version(const char *path, int *version)
{
	sqlite3 *db = NULL;
	int64_t v = -1;
	int r = KAGI_ERR_STORE;

	*version = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
		goto out;
	if ((r = query_int(db, "SELECT version FROM schema_version", &v)) != 0)
		goto out;
	if (v < 0 || v > INT_MAX) {
		r = KAGI_ERR_VERSION;
		goto out;
	}
	*version = (int)v;
	r = 0;
 out:
	sqlite3_close(db);
	return r;
}

int
store_backup(struct store *s, const char *path, int64_t *last_seq)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b = NULL;
	const char *db = s->engine == DB_PG ? NULL :
	    sqlite3_db_filename(s->db, "main");
	int64_t seq = 0;
	int fd, r = KAGI_ERR_STORE;

	*last_seq = 0;
	/* SQLite's backup API copies a file: PostgreSQL has none to copy
	 * (its backup is pg_dump, README: Backups and upgrades). */
	if (s->engine == DB_PG)
		return KAGI_ERR_CONFIG;
	if (db == NULL || db[0] == '\0')
		return KAGI_ERR_STORE;
	/* Made here, new, ours alone: never a file someone placed. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return KAGI_ERR_IO;
	close(fd);
	/* A reader of its own: the caller's connection may hold the write
	 * lock, and WAL lets a reader see the last commit meanwhile. */
	if (sqlite3_open_v2(db, &src, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
		goto out;
	/* One step: every page from one snapshot, consistent. */
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		goto out;
	if (sqlite3_backup_step(b, -1) != SQLITE_DONE)
		goto out;
	r = 0;
 out:
	if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK)
		r = KAGI_ERR_STORE;
	/* A copy in one file: no journal of the source's kind left. */
	if (r == 0 && sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL,
	    NULL, NULL) != SQLITE_OK)
		r = KAGI_ERR_STORE;
	if (r == 0 && (r = query_int(dst, "SELECT coalesce(max(seq), 0) FROM "
	    "audit", &seq)) == 0)
		*last_seq = seq;
	sqlite3_close(dst);
	sqlite3_close(src);
	if (r != 0)
		(void)unlink(path);
	return r;
}

/* --- Transactions ---------------------------------------------------- */

/* In a transaction, per engine. */
static int
in_txn(struct store *s)
{
	if (s->engine == DB_PG)
		return pgx_in_txn(s);
	return !sqlite3_get_autocommit(s->db);
}

/*
 * BEGIN (id ST_BEGIN or ST_BEGIN_READ).  PostgreSQL: only warns at a
 * second BEGIN, refused here as SQLite does; a broken connection is
 * repaired first, and a BEGIN that found the connection broken (it
 * broke while idle: nothing was sent on it since) is sent once more
 * on the new one.  Only a BEGIN: nothing else is ever sent twice.
 */
/* A write transaction on PostgreSQL takes the audit head first
 * (pgx_begin: one lock order for every core); a read one locks nothing. */
static int
pg_begin(struct store *s, enum stmt_id id)
{
	return id == ST_BEGIN ? pgx_begin(s) : run_simple(s, id);
}

static int
begin(struct store *s, enum stmt_id id)
{
	int r;

	if (s->engine == DB_PG) {
		if ((r = pgx_usable(s)) != 0)
			return r;
		if (in_txn(s))
			return KAGI_ERR_STORE;
		if ((r = pg_begin(s, id)) == KAGI_ERR_STORE_DOWN &&
		    (r = pgx_usable(s)) == 0)
			r = pg_begin(s, id);
	} else
		r = run_simple(s, id);
	if (r != 0)
		return r;
	s->in_savepoint = 0;
	return 0;
}

int
store_begin(struct store *s)
{
	return begin(s, ST_BEGIN);
}

int
store_core_claim(struct store *s, char *why, size_t whylen)
{
	char dummy[1];

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (s == NULL)
		return KAGI_ERR_INVALID;
	if (s->engine != DB_PG)
		return 0;
	return pgx_core_claim(s, why, whylen);
}

void
store_state(struct store *s, struct store_state *st)
{
	const char *f;

	memset(st, 0, sizeof(*st));
	st->schema_version = s->version;
	st->core = s->core;
	if (s->engine == DB_PG) {
		pgx_state(s, st);
		return;
	}
	f = sqlite3_db_filename(s->db, "main");
	st->engine = "sqlite";
	st->connected = 1;
	st->since = s->opened;
	snprintf(st->server, sizeof(st->server), "%s", f != NULL ? f : "");
}

int
store_commit(struct store *s)
{
	int r;

	s->in_savepoint = 0;
	if (s->engine == DB_PG) {
		/* Lost answer: KAGI_ERR_STORE_DOWN, never a success. */
		if ((r = pgx_commit(s)) != 0)
			store_rollback(s);
		return r;
	}
	if ((r = run_simple(s, ST_COMMIT)) != 0) {
		store_rollback(s);
		return KAGI_ERR_STORE;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	s->in_savepoint = 0;
	s->head_valid = 0;
	s->pg_write = 0;
	/* SQLite may already have rolled back: then there is nothing to do. */
	if (in_txn(s))
		(void)run_simple(s, ST_ROLLBACK);
}

/*
 * Why not PRAGMA query_only: setting a flag pragma expires every prepared
 * statement, and re-preparing them cost auth_begin 60 us of kagid's CPU
 * (measured); sqlite3_txn_state() tells afterwards, for nothing, whether
 * the transaction ever took the write lock.
 */
int
store_begin_read(struct store *s)
{
	return begin(s, ST_BEGIN_READ);
}

int
store_end_read(struct store *s)
{
	int wrote = s->engine == DB_PG ? pgx_end_read(s) :
	    sqlite3_txn_state(s->db, NULL) == SQLITE_TXN_WRITE;

	s->in_savepoint = 0;
	if (wrote)
		s->head_valid = 0;
	if (in_txn(s))
		(void)run_simple(s, ST_ROLLBACK);
	return wrote ? KAGI_ERR_STATE : 0;
}

int
store_savepoint(struct store *s)
{
	int r;

	if (s->in_savepoint || !in_txn(s))
		return KAGI_ERR_STATE;
	if ((r = run_simple(s, ST_SAVEPOINT)) != 0)
		return r;
	s->in_savepoint = 1;
	return 0;
}

int
store_release(struct store *s)
{
	if (!s->in_savepoint)
		return KAGI_ERR_STATE;
	s->in_savepoint = 0;
	return run_simple(s, ST_RELEASE);
}

void
store_rollback_to(struct store *s)
{
	s->head_valid = 0;
	if (!s->in_savepoint)
		return;
	s->in_savepoint = 0;
	/* ROLLBACK TO keeps the savepoint; RELEASE ends it. */
	(void)run_simple(s, ST_ROLLBACK_TO);
	(void)run_simple(s, ST_RELEASE);
}
