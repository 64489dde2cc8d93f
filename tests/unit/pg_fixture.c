/*
 * pg_fixture.c - see pg_fixture.h: the test's own PostgreSQL server and a
 * fresh database per test.
 */
#include "config.h"

#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "pg_fixture.h"

static char top_dir[64];
static char srv_dir[96];
static char srv_conninfo[512];
static PGconn *admin;
static int db_serial;

static const char *
top(void)
{
	const char *t = getenv("top_srcdir");

	return t != NULL ? t : ".";
}

int
pg_fixture_start(void **state)
{
	char cmd[700];
	FILE *p;

	(void)state;
	snprintf(top_dir, sizeof(top_dir), "/tmp/kagi-pg.XXXXXX");
	if (mkdtemp(top_dir) == NULL || chmod(top_dir, 0711) != 0)
		return -1;
	snprintf(srv_dir, sizeof(srv_dir), "%s/srv", top_dir);
	snprintf(cmd, sizeof(cmd), "PGSERVER_FSYNC=off sh '%s/tests/"
	    "pgserver.sh' start '%s'", top(), srv_dir);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(srv_conninfo, sizeof(srv_conninfo), p) == NULL) {
		pclose(p);
		fprintf(stderr, "# tests/pgserver.sh start failed\n");
		return -1;
	}
	if (pclose(p) != 0)
		return -1;
	srv_conninfo[strcspn(srv_conninfo, "\n")] = '\0';
	admin = PQconnectdb(srv_conninfo);
	return PQstatus(admin) == CONNECTION_OK ? 0 : -1;
}

int
pg_fixture_stop(void **state)
{
	char cmd[700];

	(void)state;
	PQfinish(admin);
	admin = NULL;
	snprintf(cmd, sizeof(cmd), "sh '%s/tests/pgserver.sh' stop '%s'; "
	    "rm -rf '%s'", top(), srv_dir, top_dir);
	return system(cmd) == 0 ? 0 : -1;
}

void
pg_fixture_exec(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	}
	PQclear(res);
}

int
pg_fixture_new_db(char *conninfo, size_t len)
{
	char sql[64], *at;

	snprintf(sql, sizeof(sql), "CREATE DATABASE t%d", ++db_serial);
	pg_fixture_exec(admin, sql);
	/* The server's string ends "dbname=kagi user=kagi". */
	snprintf(conninfo, len, "%s", srv_conninfo);
	if ((at = strstr(conninfo, "dbname=kagi")) == NULL)
		return -1;
	snprintf(at, len - (size_t)(at - conninfo), "dbname=t%d user=kagi",
	    db_serial);
	return 0;
}

PGconn *
pg_fixture_raw(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("connect: %s", PQerrorMessage(c));
	return c;
}
