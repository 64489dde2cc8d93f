/*
 * pg_fixture.h - a PostgreSQL 15 server of a unit test's own, for the
 * store's PostgreSQL engine (issue 14): started once per test group with
 * tests/pgserver.sh (initdb and pg_ctl in a temporary directory, Unix
 * socket only, as nobody when root, fsync off), one fresh database per
 * test, stopped and removed at the group's end.  A missing postgresql-15
 * fails the group (scripts/deps.sh installs it): never a skip.
 */
#ifndef KAGI_PG_FIXTURE_H
#define KAGI_PG_FIXTURE_H

#include <stddef.h>

#include <libpq-fe.h>

/* Group setup and teardown (cmocka's signatures). */
int pg_fixture_start(void **state);
int pg_fixture_stop(void **state);
/* A fresh, empty database; its connection string in conninfo. */
int pg_fixture_new_db(char *conninfo, size_t len);
/* A libpq connection of the test's own to conninfo (fails the test). */
PGconn *pg_fixture_raw(const char *conninfo);
/* Run SQL on a raw connection (fails the test on an error). */
void pg_fixture_exec(PGconn *c, const char *sql);

#endif
