/*
 * compliance_log.c - the compliance lines of records, monitoring,
 * exceptions, incidents, availability and this check itself: R-LOG-1..5,
 * R-EXC-1, R-INC-1, R-AVL-1, R-AUD-1 (compliance_int.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_chain.h"
#include "alert.h"
#include "audit_daemon.h"
#include "compliance.h"
#include "compliance_int.h"
#include "i18n.h"
#include "kagi_err.h"
#include "kagid_config.h"
#include "store_life.h"

#define DAY 86400

struct archives {
	struct cc_list files, gone, unseen;
	int64_t n;
};

static int
archive_cb(const struct audit_archive_rec *a, void *arg)
{
	struct archives *ar = arg;
	struct stat st;

	ar->n++;
	if (a->file[0] == '\0')
		return 0;	/* archived before kagid kept the names */
	cc_list_add(&ar->files, a->file);
	if (stat(a->file, &st) == 0)
		return 0;
	cc_list_add(errno == ENOENT ? &ar->gone : &ar->unseen, a->file);
	return 0;
}

int
cc_log_1(struct cc *c)
{
	struct archives ar;
	int r;

	if (c->first == 1)
		return cc_add(c, "R-LOG-1", CC_PASS, N_("every record is kept "
		    "in the store: %s record(s) since %s (to keep: %s days)"),
		    cc_int(c, c->head), cc_date(c, c->counts.oldest_time),
		    cc_int(c, c->cfg->audit_retention_days), NULL);
	if (strcmp(c->boundary, "uncovered") == 0)
		return cc_add(c, "R-LOG-1", CC_FAIL, N_("records 1 to %s were "
		    "removed without an archive kagid signed"),
		    cc_int(c, c->first - 1), NULL);
	memset(&ar, 0, sizeof(ar));
	if ((r = store_audit_archives(c->ctx->store, archive_cb, &ar)) != 0)
		return r;
	if (ar.gone.n > 0)
		return cc_add(c, "R-LOG-1", CC_FAIL, N_("records were archived "
		    "to %s, which no longer exist(s)"), ar.gone.text, NULL);
	if (ar.unseen.n > 0 || ar.files.n == 0)
		return cc_add(c, "R-LOG-1", CC_WARN, N_("records 1 to %s are "
		    "in archives kagid cannot see (%s): keep them for %s days "
		    "(kagictl audit verify --archive)"),
		    cc_int(c, c->first - 1), ar.unseen.n > 0 ? ar.unseen.text :
		    "-", cc_int(c, c->cfg->audit_retention_days), NULL);
	return cc_add(c, "R-LOG-1", CC_PASS, N_("records 1 to %s are in %s "
	    "archive(s) that exist (%s), the rest in the store since %s (to "
	    "keep: %s days)"), cc_int(c, c->first - 1), cc_int(c, ar.n),
	    ar.files.text, cc_date(c, c->counts.oldest_time),
	    cc_int(c, c->cfg->audit_retention_days), NULL);
}

int
cc_log_2(struct cc *c)
{
	const char *st = c->cp_state, *cmd = c->cfg->audit_checkpoint_command;
	int64_t ok = 0, failed = 0;
	int last_failed = 0;

	if (!c->intact)
		return cc_add(c, "R-LOG-2", CC_FAIL, N_("the audit chain is "
		    "broken at record %s (%s): kagictl audit verify"),
		    cc_int(c, c->bad_seq),
		    audit_break_name((enum audit_break)c->why), NULL);
	if (strcmp(st, "cut") == 0 || strcmp(st, "differs") == 0 ||
	    strcmp(st, "bad") == 0)
		return cc_add(c, "R-LOG-2", CC_FAIL, N_("the audit chain does "
		    "not agree with its newest signed checkpoint (%s, record "
		    "%s): records were removed or rewritten"), st,
		    cc_int(c, c->cp_seq), NULL);
	if (strcmp(c->boundary, "uncovered") == 0)
		return cc_add(c, "R-LOG-2", CC_FAIL, N_("no signed checkpoint "
		    "covers the archives' boundary at record %s: records were "
		    "removed"), cc_int(c, c->first - 1), NULL);
	if (strcmp(st, "none") == 0)
		return cc_add(c, "R-LOG-2", CC_WARN, N_("the audit chain "
		    "(records %s to %s) links intact, but no signed checkpoint "
		    "exists yet to tell a cut or re-hashed chain"),
		    cc_int(c, c->first), cc_int(c, c->head), NULL);
	if (cmd[0] == '\0')
		return cc_add(c, "R-LOG-2", CC_WARN, N_("the audit chain "
		    "(records %s to %s) agrees with its newest signed "
		    "checkpoint (record %s); checkpoints stay on this machine, "
		    "where root can sign a rewritten chain: set "
		    "audit_checkpoint_command"), cc_int(c, c->first),
		    cc_int(c, c->head), cc_int(c, c->cp_seq), NULL);
	/* Off the machine only as far as the command is seen to work. */
	audit_shipped(c->ctx, &ok, &failed, &last_failed);
	if (access(cmd, X_OK) != 0)
		return cc_add(c, "R-LOG-2", CC_FAIL, N_("the "
		    "audit_checkpoint_command %s cannot be run: checkpoints "
		    "stay on this machine"), cmd, NULL);
	if (last_failed)
		return cc_add(c, "R-LOG-2", CC_FAIL, N_("the "
		    "audit_checkpoint_command %s failed on the newest "
		    "checkpoint it was given (%s of %s run(s) since kagid "
		    "started failed): checkpoints may not leave the machine"),
		    cmd, cc_int(c, failed), cc_int(c, ok + failed), NULL);
	if (ok == 0)
		return cc_add(c, "R-LOG-2", CC_WARN, N_("the audit chain "
		    "(records %s to %s) agrees with its newest signed "
		    "checkpoint (record %s); no run of the "
		    "audit_checkpoint_command %s has ended yet, so whether "
		    "checkpoints leave the machine is not known"),
		    cc_int(c, c->first), cc_int(c, c->head),
		    cc_int(c, c->cp_seq), cmd, NULL);
	return cc_add(c, "R-LOG-2", CC_PASS, N_("the audit chain (records %s "
	    "to %s) agrees with its newest signed checkpoint (record %s, %s); "
	    "checkpoints go off the machine through %s (%s run(s) since kagid "
	    "started, the newest ended well)"), cc_int(c, c->first),
	    cc_int(c, c->head), cc_int(c, c->cp_seq), cc_date(c, c->cp_time),
	    cmd, cc_int(c, ok + failed), NULL);
}

struct lock_seen {
	const char *user;
	int64_t lockouts, failures;
};

static int
lock_seen_cb(const struct authstat_rec *a, void *arg)
{
	struct lock_seen *l = arg;

	if (strcmp(a->user, l->user) == 0) {
		l->lockouts += a->lockouts;
		l->failures += a->failures;
	}
	return 0;
}

static int
all_cb(const struct authstat_rec *a, void *arg)
{
	int64_t *n = arg;

	n[0] += a->failures;
	n[1] += a->lockouts;
	return 0;
}

int
cc_log_3(struct cc *c)
{
	struct cc_list bad;
	struct lock_seen l;
	int64_t n[2] = { 0, 0 };
	size_t i;
	int r;

	memset(&bad, 0, sizeof(bad));
	for (i = 0; i < c->nusers; i++) {
		const struct cc_user *cu = &c->users[i];

		if (!cu->locked || cu->l.first_failure == 0)
			continue;
		memset(&l, 0, sizeof(l));
		l.user = cu->u.name;
		if ((r = store_authstat_list(c->ctx->store,
		    cu->l.first_failure, lock_seen_cb, &l)) != 0)
			return r;
		if (l.lockouts == 0)
			cc_list_add(&bad, cu->u.name);
	}
	if (bad.n > 0)
		return cc_add(c, "R-LOG-3", CC_FAIL, N_("account(s) %s are "
		    "locked, but no lockout of them is recorded"), bad.text,
		    NULL);
	if ((r = store_authstat_list(c->ctx->store, c->now - 30 * DAY, all_cb,
	    n)) != 0)
		return r;
	return cc_add(c, "R-LOG-3", CC_PASS, N_("%s failed log-ins and %s "
	    "lockouts of the last 30 days kept by user and source (kagictl "
	    "report lockouts); every lock in force has its lockout recorded"),
	    cc_int(c, n[0]), cc_int(c, n[1]), NULL);
}

int
cc_log_4(struct cc *c)
{
	if (!c->ctx->clock_known || !c->ctx->clock_synced)
		return cc_add(c, "R-LOG-4", CC_FAIL, N_("the system clock is "
		    "not synchronised (adjtimex)"), NULL);
	return cc_add(c, "R-LOG-4", CC_PASS, N_("the system clock is "
	    "synchronised (adjtimex); a clock that goes back is recorded "
	    "(clock_step)"), NULL);
}

int
cc_log_5(struct cc *c)
{
	static const struct {
		unsigned bit;
		const char *name;
	} optional[] = {
		{ APPROVE_USER_DELETE, "user_delete" },
		{ APPROVE_UNLOCK_PRIVILEGED, "unlock_privileged" },
		{ APPROVE_BREAKGLASS_ISSUE, "breakglass_issue" },
	};
	struct cc_list one, self;
	int64_t approved = 0;
	size_t i;
	int r;

	memset(&one, 0, sizeof(one));
	memset(&self, 0, sizeof(self));
	/* Any act (the privileged ones are R-PRIV-3's line too). */
	if ((r = cc_self_approved(c, 0, &self, &approved)) != 0)
		return r;
	if (self.n > 0)
		return cc_add(c, "R-LOG-5", CC_FAIL, N_("request(s) approved by "
		    "the person who asked: %s"), self.text, NULL);
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (!(c->cfg->approval_mask & optional[i].bit))
			cc_list_add(&one, optional[i].name);
	if (one.n > 0)
		return cc_add(c, "R-LOG-5", CC_WARN, N_("%s approved request(s), "
		    "none by the person who asked; done by one person "
		    "(approval_required): %s"), cc_int(c, approved), one.text,
		    NULL);
	return cc_add(c, "R-LOG-5", CC_PASS, N_("%s approved request(s), none "
	    "by the person who asked; every act approval_required may name "
	    "needs two people"), cc_int(c, approved), NULL);
}

int
cc_exc_1(struct cc *c)
{
	if (c->counts.open_breakglass > 0)
		return cc_add(c, "R-EXC-1", CC_FAIL, N_("%s break-glass use(s) "
		    "not reported, the oldest since %s (kagictl breakglass "
		    "report)"), cc_int(c, c->counts.open_breakglass),
		    cc_date(c, c->counts.oldest_open_breakglass), NULL);
	if (c->cfg->breakglass &&
	    !(c->cfg->approval_mask & APPROVE_BREAKGLASS_ISSUE))
		return cc_add(c, "R-EXC-1", CC_WARN, N_("every break-glass use "
		    "is reported; codes are issued by one person "
		    "(approval_required lacks breakglass_issue)"), NULL);
	if (!c->cfg->breakglass)
		return cc_add(c, "R-EXC-1", CC_PASS, N_("no break-glass use is "
		    "open without its report; break-glass is off"), NULL);
	return cc_add(c, "R-EXC-1", CC_PASS, N_("no break-glass use is open "
	    "without its report; codes are issued only with a second "
	    "person's approval"), NULL);
}

int
cc_inc_1(struct cc *c)
{
	const char *cmd = c->cfg->alert_command;
	int64_t ok = 0, failed = 0;
	int last_failed = 0;

	alert_outcomes(c->ctx->alerts, &ok, &failed, &last_failed);
	if (cmd[0] == '\0')
		return cc_add(c, "R-INC-1", CC_WARN, N_("no alert_command: "
		    "alerts go to syslog (LOG_ALERT) only, whoever reads it"),
		    NULL);
	if (access(cmd, X_OK) != 0)
		return cc_add(c, "R-INC-1", CC_FAIL, N_("the alert_command %s "
		    "cannot be run: alerts are not sent"), cmd, NULL);
	if (last_failed)
		return cc_add(c, "R-INC-1", CC_FAIL, N_("the alert_command %s "
		    "failed on the newest alert it was given (%s of %s run(s) "
		    "since kagid started failed): alerts may not arrive"), cmd,
		    cc_int(c, failed), cc_int(c, ok + failed), NULL);
	return cc_add(c, "R-INC-1", CC_PASS, N_("alerts (lockouts of "
	    "privileged accounts, cloned keys, break-glass uses, failed "
	    "audit writes) run %s"), cmd, NULL);
}

int
cc_avl_1(struct cc *c)
{
	int wal = 0, full = 0, r;

	if ((r = store_durability(c->ctx->store, &wal, &full)) != 0)
		return r;
	if (audit_degraded(c->ctx))
		return cc_add(c, "R-AVL-1", CC_FAIL, N_("audit records cannot be "
		    "written now (degraded): log-ins are refused"), NULL);
	if (!wal || !full)
		return cc_add(c, "R-AVL-1", CC_FAIL, N_("the store does not sync "
		    "every commit (WAL and synchronous=FULL)"), NULL);
	return cc_add(c, "R-AVL-1", CC_PASS, N_("audit records are written; "
	    "the store syncs every commit (WAL, synchronous=FULL); %s "
	    "failures from one address throttle it; nobody on the network can "
	    "lock a user out of the console; a uid other than root holds at "
	    "most %s of the %s connections, and root's (pam_kagi) always finds "
	    "a place"), cc_int(c, c->cfg->throttle_failures),
	    cc_int(c, c->cfg->max_clients_per_uid),
	    cc_int(c, c->cfg->max_clients), NULL);
}

int
cc_aud_1(struct cc *c)
{
	const struct kagid_config *k = c->cfg;
	struct stat st;

	if (k->path != NULL && (stat(k->path, &st) != 0 ||
	    kagid_config_stat_ns(&st.st_mtim) != k->file_mtime ||
	    kagid_config_stat_ns(&st.st_ctim) != k->file_ctime ||
	    (long long)st.st_size != k->file_size ||
	    (long long)st.st_ino != k->file_ino))
		return cc_add(c, "R-AUD-1", CC_FAIL, N_("%s changed since kagid "
		    "read it: kagid does not run what the file says (restart "
		    "it)"), k->path, NULL);
	return cc_add(c, "R-AUD-1", CC_PASS, N_("%s requirements checked "
	    "against the configuration kagid runs (%s, unchanged since it "
	    "was read) and its state"), cc_int(c, c->nids),
	    k->path != NULL ? k->path : "defaults", NULL);
}
