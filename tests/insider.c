/*
 * insider.c - what an insider does to the audit trail, for the tests
 * (tests/integration/trail.sh): never installed.
 *
 *   insider rechain DB
 *       With write access to the store and nothing else: number the live
 *       records again from where the chain starts, one after the other,
 *       and compute every prev and hash anew with kagi's own encoding
 *       (audit_chain.c), so the chain alone verifies again.
 *   insider sign KEYFILE SEQ HASH REASON [TIME]
 *       With the signing key too (root on the machine): print a
 *       checkpoint of record SEQ with HASH, signed with KEYFILE, as kagid
 *       would write it.
 *
 * Exit 0 on success, 1 on failure, 2 on a usage error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "audit_chain.h"
#include "checkpoint.h"
#include "clock.h"

static int
rechain(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *sel = NULL, *upd = NULL;
	struct audit_rec rec;
	uint8_t prev[32];
	int64_t seq = 1;
	int rc, ok = 0;

	memset(prev, 0, sizeof(prev));
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	/* From the boundary, when records were archived. */
	if (sqlite3_prepare_v2(db, "SELECT first_seq, prev FROM "
	    "audit_boundary", -1, &sel, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(sel) == SQLITE_ROW) {
		seq = sqlite3_column_int64(sel, 0);
		memcpy(prev, sqlite3_column_blob(sel, 1), 32);
	}
	sqlite3_finalize(sel);
	/* Out of the way first: seq is the primary key. */
	if (sqlite3_exec(db, "UPDATE audit SET seq = -seq", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT seq, time, actor_uid, actor, event, "
	    "user, fields, core FROM audit ORDER BY seq DESC", -1, &sel,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE audit SET seq = ?1, prev = ?2, "
	    "hash = ?3 WHERE seq = ?4", -1, &upd, NULL) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		memset(&rec, 0, sizeof(rec));
		rec.seq = seq;
		rec.time = sqlite3_column_int64(sel, 1);
		rec.actor_uid = sqlite3_column_int64(sel, 2);
		rec.actor = (const char *)sqlite3_column_text(sel, 3);
		rec.event = (const char *)sqlite3_column_text(sel, 4);
		rec.user = (const char *)sqlite3_column_text(sel, 5);
		rec.fields = (const char *)sqlite3_column_text(sel, 6);
		rec.core = (const char *)sqlite3_column_text(sel, 7);
		memcpy(rec.prev, prev, 32);
		if (audit_chain_hash(&rec, rec.hash) != 0)
			goto out;
		sqlite3_reset(upd);
		if (sqlite3_bind_int64(upd, 1, seq) != SQLITE_OK ||
		    sqlite3_bind_blob(upd, 2, prev, 32, SQLITE_STATIC) !=
		    SQLITE_OK ||
		    sqlite3_bind_blob(upd, 3, rec.hash, 32, SQLITE_STATIC) !=
		    SQLITE_OK ||
		    sqlite3_bind_int64(upd, 4, sqlite3_column_int64(sel, 0)) !=
		    SQLITE_OK || sqlite3_step(upd) != SQLITE_DONE)
			goto out;
		memcpy(prev, rec.hash, 32);
		seq++;
	}
	ok = rc == SQLITE_DONE &&
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
 out:
	if (!ok)
		fprintf(stderr, "insider: rechain: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_close(db);
	return ok ? 0 : 1;
}

static int
sign(const char *key, const char *seq, const char *hash, const char *reason,
    const char *time)
{
	struct cp_signer *s = NULL;
	struct checkpoint cp;
	char err[256], *line = NULL;
	int created = 0, r = 1;

	memset(&cp, 0, sizeof(cp));
	cp.seq = strtoll(seq, NULL, 10);
	cp.time = time != NULL ? strtoll(time, NULL, 10) : kagi_now();
	snprintf(cp.host, sizeof(cp.host), "%s", audit_host());
	snprintf(cp.reason, sizeof(cp.reason), "%s", reason);
	if (audit_unhex(hash, cp.hash) != 0 ||
	    cp_signer_load_or_create(key, &s, &created, err,
	    sizeof(err)) != 0 || cp_sign(s, &cp) != 0 ||
	    cp_format(&cp, &line) != 0) {
		fprintf(stderr, "insider: sign: cannot\n");
		goto out;
	}
	printf("%s\n", line);
	r = 0;
 out:
	free(line);
	cp_signer_free(&s);
	return r;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "rechain") == 0)
		return rechain(argv[2]);
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "sign") == 0)
		return sign(argv[2], argv[3], argv[4], argv[5],
		    argc == 7 ? argv[6] : NULL);
	fprintf(stderr, "usage: insider rechain DB\n"
	    "       insider sign KEYFILE SEQ HASH REASON [TIME]\n");
	return 2;
}
