/*
 * compliance.c - the compliance self-check (R-AUD-1): the running
 * configuration and state, requirement by requirement.
 *
 * Each check yields {"id", "result" (PASS|WARN|FAIL), "evidence"}: what
 * was looked at, in words an auditor can verify.  FAIL means the
 * requirement does not hold now; WARN that it holds only partly or needs
 * a person's judgement.  Checks read kagid's own configuration, the key
 * and database files, the store (through its interface) and the clock;
 * nothing is changed.  kagictl(8) documents what every line means.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "compliance.h"
#include "kagi_err.h"
#include "proto.h"
#include "report.h"

#define EVIDENCE_MAX 512

/* Account names that are defaults or guesses (R-PRIV-6). */
static const char *const default_names[] = { "root", "admin",
    "administrator", "adm", "superuser", "sysadmin", "system", "manager",
    "test", "guest", "user", "operator", "maint", "support", NULL };

struct checks {
	struct json_object *arr;
	int fail, warn;
};

static int
check_add(struct checks *c, const char *id, const char *result,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
check_add(struct checks *c, const char *id, const char *result,
    const char *fmt, ...)
{
	struct json_object *o;
	char ev[EVIDENCE_MAX];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(ev, sizeof(ev), fmt, ap);
	va_end(ap);
	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(o, "id", id)) != 0 ||
	    (r = proto_set_str(o, "result", result)) != 0 ||
	    (r = proto_set_str(o, "evidence", ev)) != 0 ||
	    json_object_array_add(c->arr, o) != 0) {
		json_object_put(o);
		return r != 0 ? r : KAGI_ERR_NOMEM;
	}
	if (strcmp(result, "FAIL") == 0)
		c->fail++;
	else if (strcmp(result, "WARN") == 0)
		c->warn++;
	return 0;
}

/* "15m", "2h", "1d" or "45s". */
static const char *
dur(long long s, char *buf, size_t len)
{
	if (s % 86400 == 0)
		snprintf(buf, len, "%lldd", s / 86400);
	else if (s % 3600 == 0)
		snprintf(buf, len, "%lldh", s / 3600);
	else if (s % 60 == 0)
		snprintf(buf, len, "%lldm", s / 60);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

static int
lockout_text(const struct kagid_config *cfg, char *buf, size_t len)
{
	char d[32], m[32], i[32];

	if (cfg->lockout_admin_unlock)
		return snprintf(buf, len, "%lld attempts in %s, administrator "
		    "unlock", cfg->lockout_failures,
		    dur(cfg->lockout_interval, i, sizeof(i)));
	return snprintf(buf, len, "%lld attempts in %s, locked %s%s%s",
	    cfg->lockout_failures, dur(cfg->lockout_interval, i, sizeof(i)),
	    dur(cfg->lockout_duration, d, sizeof(d)),
	    cfg->lockout_growth ? " growing to " : "",
	    cfg->lockout_growth ? dur(cfg->lockout_max_duration, m,
	    sizeof(m)) : "");
}

/*
 * The rules under attack in force (issue 13): remote failures lock remote
 * log-ins only, growing delays, the relock.
 */
static void
flood_text(const struct kagid_config *cfg, char *buf, size_t len)
{
	char d[32], m[32], dl[96];

	if (cfg->failure_delay > 0)
		snprintf(dl, sizeof(dl), "answers to failures held %s doubling "
		    "to %s", dur(cfg->failure_delay, d, sizeof(d)),
		    dur(cfg->failure_delay_max, m, sizeof(m)));
	else
		snprintf(dl, sizeof(dl), "answers to failures not held "
		    "(failure_delay = 0)");
	if (cfg->lockout_relock_failures > 0)
		snprintf(buf, len, "; failures from an address lock remote "
		    "log-ins only; %s; after a lock %lld failure%s lock%s again "
		    "until a success", dl, cfg->lockout_relock_failures,
		    cfg->lockout_relock_failures == 1 ? "" : "s",
		    cfg->lockout_relock_failures == 1 ? "s" : "");
	else
		snprintf(buf, len, "; failures from an address lock remote "
		    "log-ins only; %s; after a lock the full quota "
		    "(lockout_relock_failures = 0)", dl);
}

struct priv_names {
	char list[EVIDENCE_MAX / 2];
	int n;
};

static int
priv_name_cb(const struct user_rec *u, void *arg)
{
	struct priv_names *p = arg;
	size_t i;

	if (u->role != ROLE_PRIVILEGED)
		return 0;
	for (i = 0; default_names[i] != NULL; i++)
		if (strcasecmp(default_names[i], u->name) == 0) {
			if (p->n++ > 0)
				strncat(p->list, ", ", sizeof(p->list) -
				    strlen(p->list) - 1);
			strncat(p->list, u->name, sizeof(p->list) -
			    strlen(p->list) - 1);
			break;
		}
	return 0;
}

/* A secret file: owned by kagid's user, no access for group or others. */
static int
file_private(const char *path, char *why, size_t len)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		snprintf(why, len, "%s cannot be examined", path);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(why, len, "%s is mode %04o, owner uid %u", path,
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		return 0;
	}
	snprintf(why, len, "%s mode %04o", path,
	    (unsigned)(st.st_mode & 07777));
	return 1;
}

int
compliance_check(struct kagid_ctx *ctx, struct json_object *reply)
{
	const struct kagid_config *cfg = ctx->cfg;
	struct report_counts rc;
	struct priv_names pn;
	struct checks c;
	char lk[256], fl[256], kf[160], db[160];
	int64_t bad = 0, first = 0, head = 0, age;
	uint8_t prev[32], hh[32];
	int why = 0, r, kok, dok;

	memset(&c, 0, sizeof(c));
	memset(&pn, 0, sizeof(pn));
	if ((c.arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = report_counts(ctx, &rc)) != 0 ||
	    (r = store_user_list(ctx->store, priv_name_cb, &pn)) != 0 ||
	    (r = store_audit_boundary(ctx->store, &first, prev)) != 0 ||
	    (r = store_audit_head(ctx->store, &head, hh)) != 0)
		goto out;
	r = store_audit_check(ctx->store, &bad, &why);
	if (r != 0 && r != KAGI_ERR_INVALID)
		goto out;
	lockout_text(cfg, lk, sizeof(lk));
	flood_text(cfg, fl, sizeof(fl));

	if ((r = check_add(&c, "R-MFA-1", "PASS", "no bypass, nullok or "
	    "grace setting exists; every log-in needs an active token, in "
	    "every zone including mynumber")) != 0 ||
	    (r = check_add(&c, "R-MFA-5", cfg->lockout_failures <= 10 ?
	    "PASS" : "WARN", "lockout %s%s%s", lk, cfg->lockout_failures <= 10 ?
	    "" : " (more than 10 attempts)", fl)) != 0 ||
	    (r = check_add(&c, "R-PRIV-5", cfg->lockout_admin_unlock &&
	    cfg->lockout_failures <= 5 ? "PASS" : "WARN", "privileged "
	    "accounts use the global lockout: %s%s", lk,
	    cfg->lockout_admin_unlock && cfg->lockout_failures <= 5 ? "" :
	    " (set lockout_admin_unlock = yes and at most 5 attempts)")) != 0)
		goto out;
	if (pn.n > 0)
		r = check_add(&c, "R-PRIV-6", "WARN", "privileged account%s "
		    "with a default name: %s", pn.n > 1 ? "s" : "", pn.list);
	else
		r = check_add(&c, "R-PRIV-6", "PASS", "no privileged account "
		    "uses a default name (root, admin, administrator, ...)");
	if (r != 0)
		goto out;
	if ((r = check_add(&c, "R-TOK-6", rc.dormant > 0 ? "WARN" : "PASS",
	    "%lld of %lld accounts unused for over %lld days (kagictl report "
	    "dormant --days %lld)", (long long)rc.dormant,
	    (long long)rc.users, cfg->dormant_days, cfg->dormant_days)) != 0)
		goto out;
	kok = file_private(cfg->key_file, kf, sizeof(kf));
	dok = file_private(cfg->database, db, sizeof(db));
	if ((r = check_add(&c, "R-TOK-8", kok && dok && geteuid() != 0 ?
	    "PASS" : "FAIL", "kagid runs as uid %u%s; key %s; store %s",
	    (unsigned)geteuid(), geteuid() == 0 ? " (root)" : "", kf,
	    db)) != 0)
		goto out;
	if (bad != 0)
		r = check_add(&c, "R-LOG-2", "FAIL", "audit chain broken at "
		    "record %lld (kagictl audit verify)", (long long)bad);
	else
		r = check_add(&c, "R-LOG-2", "PASS", "audit chain intact, "
		    "records %lld to %lld", (long long)first, (long long)head);
	if (r != 0)
		goto out;
	age = rc.oldest_time != 0 ? (kagi_now() - rc.oldest_time) / 86400 : 0;
	if (first > 1 && age < cfg->audit_retention_days)
		r = check_add(&c, "R-LOG-1", "WARN", "the live audit chain "
		    "holds %lld days of the %lld to keep: records before %lld "
		    "are in archives, keep them (kagictl audit verify "
		    "--archive)", (long long)age, cfg->audit_retention_days,
		    (long long)first);
	else
		r = check_add(&c, "R-LOG-1", "PASS", "every record kept: "
		    "the live audit chain holds %lld days (retention %lld "
		    "days)", (long long)age, cfg->audit_retention_days);
	if (r != 0)
		goto out;
	if (!ctx->clock_known || !ctx->clock_synced)
		r = check_add(&c, "R-LOG-4", "FAIL", "system clock not "
		    "synchronised (adjtimex); TOTP %s", cfg->totp_when_unsynced ==
		    UNSYNCED_REFUSE ? "refused until it is" : "still allowed");
	else
		r = check_add(&c, "R-LOG-4", "PASS", "system clock "
		    "synchronised (adjtimex)");
	if (r != 0)
		goto out;
	if ((r = check_add(&c, "R-INC-1", cfg->alert_command[0] != '\0' ?
	    "PASS" : "WARN", "%s%s", cfg->alert_command[0] != '\0' ?
	    "alert hook " : "no alert_command: alerts go to syslog only",
	    cfg->alert_command)) != 0 ||
	    (r = check_add(&c, "R-EXC-1", rc.open_breakglass > 0 ? "WARN" :
	    "PASS", "%lld break-glass use%s without a report",
	    (long long)rc.open_breakglass, rc.open_breakglass == 1 ? "" :
	    "s")) != 0 ||
	    (r = check_add(&c, "R-AVL-1", "PASS", "fail closed by design: "
	    "pam_kagi refuses when kagid cannot answer, and a log-in whose "
	    "audit record cannot be written is refused; nobody on the network "
	    "can lock a user out of the console; a uid other than root holds "
	    "at most %lld of the %lld connections, and root's (pam_kagi) "
	    "always finds a place", cfg->max_clients_per_uid,
	    cfg->max_clients)) != 0)
		goto out;
	json_object_object_add(reply, "checks", c.arr);
	c.arr = NULL;
	if ((r = proto_set_int(reply, "fail", c.fail)) != 0 ||
	    (r = proto_set_int(reply, "warn", c.warn)) != 0)
		goto out;
 out:
	json_object_put(c.arr);
	return r;
}
