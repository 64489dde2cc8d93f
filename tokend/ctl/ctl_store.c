/*
 * ctl_store.c - `kagictl store copy --to CONNINFO`: a standalone kagid's
 * SQLite state moved into an empty PostgreSQL database (issue 14, item
 * 5), where one or more kagid cores then serve it.
 *
 * It works on kagid's database directly, like restore, and not through
 * kagid: the copy must be of one state nobody changes while it is read
 * and that nobody changes after it (the SQLite file stays behind), so
 * kagid must be stopped (it answers on its socket: refused); and the
 * tokens move as the sealed bytes they are, so no key is read and kagid,
 * which holds the keys and answers the network, has no part in it.  It
 * runs as the user that owns the database (root or kagid's user: the
 * store opens only a file of the caller's), with kagid's configuration
 * (--config) naming the database; the connection string comes from --to
 * and is never printed (it may hold credentials: prefer a client
 * certificate or a .pgpass file).
 *
 * Order: the source is opened and checked before the target is touched
 * (a source whose chain does not verify, or with a table the copy does
 * not know, is refused and the target not even opened); then the target
 * is opened as a copy's target (store_open_pg_empty(): a database that
 * holds any table, a kagi store of any schema version included, is
 * refused before any DDL and left as it was; an empty one gets the
 * schema), and store_copy() refuses one that holds any row, copies in
 * one transaction and verifies the copy's chain against the source's
 * head.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit_chain.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "store.h"

static void
copied_cb(const char *table, int64_t rows, void *arg)
{
	const struct ctl *ctl = arg;

	if (!ctl->json && rows > 0)
		printf(_("  %-18s %lld rows\n"), table, (long long)rows);
}

int
ctl_store_copy(struct ctl *ctl)
{
	const struct kagid_config *cfg = ctl->cfg;
	struct store *src = NULL, *dst = NULL;
	char why[512], clean[512], hex[AUDIT_HEX_LEN + 1];
	uint8_t hash[AUDIT_HASH_LEN];
	int64_t seq = 0;
	int r, ex = CTL_EXIT_REFUSED;

	if (ctl->to == NULL || ctl->to[0] == '\0') {
		ctl_err(_("store copy needs --to CONNINFO, the libpq "
		    "connection string or URI of an empty PostgreSQL "
		    "database"));
		return CTL_EXIT_USAGE;
	}
	if (cfg == NULL) {
		ctl_err(_("store copy needs kagid's configuration (--config): "
		    "%s"), ctl->cfg_err);
		return CTL_EXIT_REFUSED;
	}
	if (cfg->store != STORE_SQLITE) {
		ctl_err(_("store copy moves the SQLite store of a standalone "
		    "kagid, but this configuration says store = postgresql: "
		    "give the standalone kagid's (--config)"));
		return CTL_EXIT_REFUSED;
	}
	if (ctl_kagid_running(ctl)) {
		ctl_err(_("kagid is running (it answers at %s): stop it first "
		    "(systemctl stop kagid); the copy must be of a state "
		    "nobody changes"), ctl->sockpath);
		return CTL_EXIT_REFUSED;
	}
	ctl_clean(cfg->database, clean, sizeof(clean));
	if ((r = store_open(cfg->database, &src)) != 0) {
		ctl_err(_("cannot open %s: %s"), clean, kagi_strerror(r));
		goto out;
	}
	/* Checked before the target is even opened. */
	why[0] = '\0';
	if ((r = store_copy_source_check(src, why, sizeof(why))) != 0) {
		ctl_err(_("cannot copy %s: %s"), clean, why[0] != '\0' ? why :
		    kagi_strerror(r));
		goto out;
	}
	why[0] = '\0';
	if ((r = store_open_pg_empty(ctl->to, &dst, why,
	    sizeof(why))) != 0) {
		ctl_err(_("cannot use the target database: %s%s%s"),
		    kagi_strerror(r), why[0] != '\0' ? ": " : "",
		    ctl_clean(why, clean, sizeof(clean)));
		goto out;
	}
	if (!ctl->json)
		printf(_("Copying %s:\n"), ctl_clean(cfg->database, clean,
		    sizeof(clean)));
	if ((r = store_copy(src, dst, copied_cb, ctl, why,
	    sizeof(why))) != 0) {
		ctl_err(_("store copy failed: %s"), why[0] != '\0' ?
		    ctl_clean(why, clean, sizeof(clean)) : kagi_strerror(r));
		goto out;
	}
	if ((r = store_audit_head(dst, &seq, hash)) != 0) {
		ctl_err(_("store copy failed: %s"), kagi_strerror(r));
		goto out;
	}
	audit_hex(hash, hex);
	printf(_("audit chain verified before and after the copy: head "
	    "%lld:%s\nNow set store = postgresql and store_conninfo in "
	    "kagid.conf; every kagid on this database needs this state's "
	    "sealing key (key_file).\n"), (long long)seq, hex);
	ex = CTL_EXIT_OK;
 out:
	store_close(&dst);
	store_close(&src);
	return ex;
}
