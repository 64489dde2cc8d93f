/*
 * compliance_auth.c - the compliance lines of authentication, access and
 * tokens: R-MFA-1..5, R-ACC-1, R-ACC-2, R-TOK-1..9 (compliance_int.h).
 *
 * Each reads the facts gathered in compliance.c (the PAM stacks, the
 * users) and the store, and adds one line: PASS for a fact verified,
 * WARN where kagid cannot know, FAIL where the fact is broken.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/capability.h>

#include "compliance_int.h"
#include "fido2_factor.h"
#include "i18n.h"
#include "kagi_err.h"
#include "names.h"
#include "policy.h"
#include "store_life.h"
#include "totp_factor.h"

#define DAY 86400

/* The PAM stacks could not be read, or run pam_kagi nowhere: the one
 * line it then is (1), or 0 to go on. */
static int
pam_missing(struct cc *c, const char *id, int *r)
{
	if (c->pam.unreadable) {
		*r = cc_add(c, id, CC_WARN, N_("the PAM stacks in %s cannot "
		    "be read (compliance_pam_dir)"), c->cfg->compliance_pam_dir,
		    NULL);
		return 1;
	}
	if (c->pam.nkagi == 0) {
		*r = cc_add(c, id, CC_FAIL, N_("no PAM service in %s runs "
		    "pam_kagi in its auth stack: nobody is asked for a second "
		    "factor"), c->cfg->compliance_pam_dir, NULL);
		return 1;
	}
	return 0;
}

int
cc_mfa_1(struct cc *c)
{
	unsigned f = c->cfg->zone_factors[0];
	int r;

	if (pam_missing(c, "R-MFA-1", &r))
		return r;
	if (c->pam.weak.n > 0)
		return cc_add(c, "R-MFA-1", CC_FAIL, N_("pam_kagi is not "
		    "required in the auth stack of: %s: a log-in passes "
		    "without the second factor"), c->pam.weak.text, NULL);
	return cc_add(c, "R-MFA-1", CC_PASS, N_("pam_kagi is required in the "
	    "auth stack of %s service(s) in %s (%s); the mynumber zone "
	    "accepts %s as the second factor"), cc_int(c, c->pam.nkagi),
	    c->cfg->compliance_pam_dir, c->pam.services.text,
	    (f & FACTOR_FIDO2) && (f & FACTOR_TOTP) ? "fido2, totp" :
	    (f & FACTOR_FIDO2) ? "fido2" : "totp", NULL);
}

int
cc_mfa_2(struct cc *c)
{
	int r;

	if (pam_missing(c, "R-MFA-2", &r))
		return r;
	if (c->pam.no_password.n > 0)
		return cc_add(c, "R-MFA-2", CC_FAIL, N_("no password module "
		    "comes before pam_kagi in: %s"), c->pam.no_password.text,
		    NULL);
	if (c->pam.nullok.n > 0)
		return cc_add(c, "R-MFA-2", CC_FAIL, N_("the password module "
		    "takes an empty password (nullok) in: %s"),
		    c->pam.nullok.text, NULL);
	return cc_add(c, "R-MFA-2", CC_PASS, N_("a password module, without "
	    "nullok, comes before pam_kagi in each of the %s service(s)"),
	    cc_int(c, c->pam.nkagi), NULL);
}

int
cc_mfa_3(struct cc *c)
{
	if (!c->pam.sshd)
		return cc_add(c, "R-MFA-3", CC_WARN, N_("no sshd service in "
		    "%s: no SSH log-in to this machine to check"),
		    c->cfg->compliance_pam_dir, NULL);
	if (!c->pam.sshd_kagi || !c->pam.sshd_password)
		return cc_add(c, "R-MFA-3", CC_FAIL, N_("sshd's auth stack "
		    "does not require a password and then pam_kagi: remote "
		    "log-ins pass with less"), NULL);
	return cc_add(c, "R-MFA-3", CC_WARN, N_("sshd's auth stack requires "
	    "the password, then pam_kagi; whether sshd runs it for every "
	    "log-in (UsePAM, AuthenticationMethods) is sshd's setting, not "
	    "visible to kagid (sshd -T)"), NULL);
}

int
cc_mfa_4(struct cc *c)
{
	int r;

	if (pam_missing(c, "R-MFA-4", &r))
		return r;
	if (c->pam.bypass.n > 0)
		return cc_add(c, "R-MFA-4", CC_FAIL, N_("a module before "
		    "pam_kagi can end the auth stack with success: %s"),
		    c->pam.bypass.text, NULL);
	return cc_add(c, "R-MFA-4", CC_PASS, N_("in each of the %s service(s) "
	    "no module before pam_kagi can end the auth stack with success "
	    "(pam_rootok aside)"), cc_int(c, c->pam.nkagi), NULL);
}

int
cc_mfa_5(struct cc *c)
{
	const struct kagid_config *k = c->cfg;
	int r;

	if (k->banner_file == NULL || k->banner_file[0] == '\0')
		return cc_add(c, "R-MFA-5", CC_FAIL, N_("no banner_file: no "
		    "log-in message is shown"), NULL);
	if (k->lockout_failures > 10 || k->lockout_privileged_failures > 10 ||
	    k->lockout_vendor_failures > 10)
		return cc_add(c, "R-MFA-5", CC_FAIL, N_("an account locks only "
		    "after more than 10 failures (lockout_failures %s, "
		    "privileged %s, vendor %s)"),
		    cc_int(c, k->lockout_failures),
		    cc_int(c, k->lockout_privileged_failures),
		    cc_int(c, k->lockout_vendor_failures), NULL);
	if (pam_missing(c, "R-MFA-5", &r))
		return r;
	if (c->pam.no_session.n > 0)
		return cc_add(c, "R-MFA-5", CC_FAIL, N_("pam_kagi is not in the "
		    "session stack of: %s: log-in and log-out times are not "
		    "kept there"), c->pam.no_session.text, NULL);
	if (k->staff_session_idle == 0 || k->privileged_session_idle == 0 ||
	    k->vendor_session_idle == 0)
		return cc_add(c, "R-MFA-5", CC_WARN, N_("an idle session is not "
		    "ended for every role (staff_session_idle %s s, "
		    "privileged_session_idle %s s, vendor_session_idle %s s; 0 "
		    "is off)"), cc_int(c, k->staff_session_idle),
		    cc_int(c, k->privileged_session_idle),
		    cc_int(c, k->vendor_session_idle), NULL);
	return cc_add(c, "R-MFA-5", CC_PASS, N_("banner %s; accounts lock "
	    "after %s failures (privileged %s, vendor %s); failures from an "
	    "address lock remote log-ins only; answers to failures held %s s "
	    "doubling to %s s; after a lock %s failure(s) lock again until a "
	    "success; log-in and log-out kept by the session stack of %s "
	    "service(s); a session idle for %s s (privileged %s s, vendor %s s) "
	    "is ended where systemd-logind reports idle time"), k->banner_file,
	    cc_int(c, k->lockout_failures),
	    cc_int(c, k->lockout_privileged_failures),
	    cc_int(c, k->lockout_vendor_failures),
	    cc_int(c, k->failure_delay), cc_int(c, k->failure_delay_max),
	    cc_int(c, k->lockout_relock_failures), cc_int(c, c->pam.nkagi),
	    cc_int(c, k->staff_session_idle),
	    cc_int(c, k->privileged_session_idle),
	    cc_int(c, k->vendor_session_idle), NULL);
}

int
cc_acc_1(struct cc *c)
{
	int r;

	if (pam_missing(c, "R-ACC-1", &r))
		return r;
	if (c->pam.no_account.n > 0)
		return cc_add(c, "R-ACC-1", CC_FAIL, N_("pam_kagi is not "
		    "required in the account stack of: %s: disabled, locked "
		    "and expired accounts are not refused there"),
		    c->pam.no_account.text, NULL);
	return cc_add(c, "R-ACC-1", CC_WARN, N_("the account stack of each of "
	    "the %s service(s) runs pam_kagi (disabled, locked, expired and "
	    "out-of-window accounts refused); which hosts a user may use is "
	    "not limited: host grants are not implemented"),
	    cc_int(c, c->pam.nkagi), NULL);
}

int
cc_acc_2(struct cc *c)
{
	int r;

	if (pam_missing(c, "R-ACC-2", &r))
		return r;
	if (c->pam.zones.n > 1)
		return cc_add(c, "R-ACC-2", CC_FAIL, N_("the PAM stacks name "
		    "different zones (%s): this machine is not dedicated to "
		    "one zone"), c->pam.zones.text, NULL);
	return cc_add(c, "R-ACC-2", CC_WARN, N_("every PAM stack names the "
	    "zone %s; terminals are not registered with certificates by a "
	    "standalone kagid"), c->pam.zones.text, NULL);
}

/* --- tokens ----------------------------------------------------------------- */

struct tok_walk {
	struct cc *c;
	const char *user;
	int64_t n;
	struct cc_list bad;
};

static int
sealed_cb(const struct token_rec *t, void *arg)
{
	struct tok_walk *w = arg;
	char item[96];
	int r;

	if (t->state == TOKEN_REVOKED)
		return 0;
	w->n++;
	r = t->type != TOKEN_TOTP ?
	    fido2_factor_sealed_to(w->c->ctx, w->user, t) :
	    totp_factor_sealed_to(w->c->ctx, w->user, t);
	if (r == KAGI_ERR_CRYPTO || r == KAGI_ERR_INVALID) {
		snprintf(item, sizeof(item), "%lld (%s)", (long long)t->id,
		    w->user);
		cc_list_add(&w->bad, item);
		return 0;
	}
	return r;
}

int
cc_tok_1(struct cc *c)
{
	struct tok_walk w;
	size_t i;
	int r;

	memset(&w, 0, sizeof(w));
	w.c = c;
	for (i = 0; i < c->nusers; i++) {
		w.user = c->users[i].u.name;
		if ((r = store_token_list(c->ctx->store, c->users[i].u.id, -1,
		    sealed_cb, &w)) < 0)
			return r;
	}
	if (w.bad.n > 0)
		return cc_add(c, "R-TOK-1", CC_FAIL, N_("token(s) %s do not "
		    "open under their owner's name: copied or moved from "
		    "another user"), w.bad.text, NULL);
	return cc_add(c, "R-TOK-1", CC_PASS, N_("each of the %s token(s) "
	    "opens only under its owner's name: none was copied or moved to "
	    "another user"), cc_int(c, w.n), NULL);
}

static int
revived_cb(int64_t token, const char *user, void *arg)
{
	char item[96];

	snprintf(item, sizeof(item), "%lld (%s)", (long long)token, user);
	cc_list_add(arg, item);
	return 0;
}

int
cc_tok_2(struct cc *c)
{
	struct cc_list bad;
	int64_t revoked = 0;
	int r;

	memset(&bad, 0, sizeof(bad));
	if ((r = store_token_revived(c->ctx->store, revived_cb, &bad,
	    &revoked)) != 0)
		return r;
	if (bad.n > 0)
		return cc_add(c, "R-TOK-2", CC_FAIL, N_("token(s) %s were "
		    "revoked and are in use again"), bad.text, NULL);
	return cc_add(c, "R-TOK-2", CC_PASS, N_("%s token(s) were revoked "
	    "(lost, returned, replaced); none is in use again"),
	    cc_int(c, revoked), NULL);
}

static int
count_cb(const struct bg_code_rec *b, void *arg)
{
	(void)b;
	(*(int64_t *)arg)++;
	return 0;
}

int
cc_tok_3(struct cc *c)
{
	struct enroll_code_rec e;
	struct cc_list bad;
	int64_t disabled = 0, codes;
	size_t i;
	int r;

	memset(&bad, 0, sizeof(bad));
	for (i = 0; i < c->nusers; i++) {
		const struct cc_user *cu = &c->users[i];
		int holds;

		if (!cu->u.disabled)
			continue;
		disabled++;
		codes = 0;
		if ((r = store_bg_code_list(c->ctx->store, cu->u.id, count_cb,
		    &codes)) != 0)
			return r;
		r = store_enroll_code_get(c->ctx->store, cu->u.id, &e);
		if (r != 0 && r != KAGI_ERR_NOT_FOUND)
			return r;
		holds = cu->active_totp + cu->active_fido2 > 0 || codes > 0 ||
		    (r == 0 && e.used == 0 && e.expires > c->now);
		if (holds)
			cc_list_add(&bad, cu->u.name);
	}
	if (bad.n > 0)
		return cc_add(c, "R-TOK-3", CC_FAIL, N_("disabled account(s) %s "
		    "still hold an active token, an enrollment code or "
		    "break-glass codes"), bad.text, NULL);
	return cc_add(c, "R-TOK-3", CC_PASS, N_("none of the %s disabled "
	    "account(s) holds an active token, an enrollment code or a "
	    "break-glass code"), cc_int(c, disabled), NULL);
}

int
cc_tok_4(struct cc *c)
{
	struct enroll_code_rec e;
	struct cc_list bad;
	int64_t n = 0;
	size_t i;
	int r;

	memset(&bad, 0, sizeof(bad));
	for (i = 0; i < c->nusers; i++) {
		r = store_enroll_code_get(c->ctx->store, c->users[i].u.id, &e);
		if (r == KAGI_ERR_NOT_FOUND)
			continue;
		if (r != 0)
			return r;
		if (e.used != 0)
			continue;
		n++;
		if (e.expires - e.created > c->cfg->enroll_code_lifetime)
			cc_list_add(&bad, c->users[i].u.name);
	}
	if (bad.n > 0)
		return cc_add(c, "R-TOK-4", CC_FAIL, N_("the enrollment code of "
		    "%s stays valid longer than enroll_code_lifetime (%s s): a "
		    "temporary credential that is not replaced"), bad.text,
		    cc_int(c, c->cfg->enroll_code_lifetime), NULL);
	return cc_add(c, "R-TOK-4", CC_PASS, N_("each of the %s unused "
	    "enrollment code(s) expires within enroll_code_lifetime (%s s) of "
	    "its issue"), cc_int(c, n),
	    cc_int(c, c->cfg->enroll_code_lifetime), NULL);
}

int
cc_tok_5(struct cc *c)
{
	struct cc_list bad;
	size_t i;

	memset(&bad, 0, sizeof(bad));
	for (i = 0; i < c->nusers; i++)
		if (c->users[i].g.user_id == 0 ||
		    c->users[i].g.role != c->users[i].u.role)
			cc_list_add(&bad, c->users[i].u.name);
	if (bad.n > 0)
		return cc_add(c, "R-TOK-5", CC_FAIL, N_("the role of %s was not "
		    "given through kagid (no record of its grant): the store "
		    "was changed by another hand"), bad.text, NULL);
	return cc_add(c, "R-TOK-5", CC_PASS, N_("each of the %s user(s) was "
	    "added and given its role through kagid, with a record of it"),
	    cc_int(c, (int64_t)c->nusers), NULL);
}

int
cc_tok_6(struct cc *c)
{
	struct cc_list bad;
	int64_t cutoff = c->now - c->cfg->dormant_days * DAY, last;
	size_t i;

	memset(&bad, 0, sizeof(bad));
	for (i = 0; i < c->nusers; i++) {
		const struct user_rec *u = &c->users[i].u;

		last = u->last_success != 0 ? u->last_success : u->created;
		if (!u->disabled && last < cutoff)
			cc_list_add(&bad, u->name);
	}
	if (bad.n > 0)
		return cc_add(c, "R-TOK-6", CC_FAIL, N_("%s enabled account(s) "
		    "unused for over %s days: %s (kagictl report dormant; "
		    "dormant_disable_days)"), cc_int(c, bad.n),
		    cc_int(c, c->cfg->dormant_days), bad.text, NULL);
	return cc_add(c, "R-TOK-6", CC_PASS, N_("no enabled account is unused "
	    "for over %s days (dormant_days)"),
	    cc_int(c, c->cfg->dormant_days), NULL);
}

int
cc_tok_7(struct cc *c)
{
	char actor[STORE_NAME_MAX + 1];
	int64_t when = 0;
	int r;

	if ((r = store_report_run_get(c->ctx->store, "access", &when,
	    actor)) != 0)
		return r;
	if (when == 0)
		return cc_add(c, "R-TOK-7", CC_FAIL, N_("no access review yet: "
		    "kagictl report access was never produced (review every "
		    "%s days, access_review_days)"),
		    cc_int(c, c->cfg->access_review_days), NULL);
	if (c->now - when > c->cfg->access_review_days * DAY)
		return cc_add(c, "R-TOK-7", CC_FAIL, N_("no access review in "
		    "the last %s days (access_review_days): kagictl report "
		    "access was last produced on %s"),
		    cc_int(c, c->cfg->access_review_days), cc_date(c, when),
		    NULL);
	return cc_add(c, "R-TOK-7", CC_PASS, N_("the access review (kagictl "
	    "report access) was produced on %s by %s, within %s days"),
	    cc_date(c, when), actor, cc_int(c, c->cfg->access_review_days),
	    NULL);
}

int
cc_tok_9(struct cc *c)
{
	if (c->pam.lockers_without.n > 0)
		return cc_add(c, "R-TOK-9", CC_FAIL, N_("the screen locker(s) "
		    "%s unlock without pam_kagi: a session left open is "
		    "reopened with the password alone"),
		    c->pam.lockers_without.text, NULL);
	return cc_add(c, "R-TOK-9", CC_WARN, N_("locking the session when the "
	    "key is removed is not implemented; screen lockers in %s: %s"),
	    c->cfg->compliance_pam_dir, c->pam.lockers.n > 0 ?
	    c->pam.lockers.text : "-", NULL);
}

/* A file of kagid's own, closed to group and others (R-TOK-8). */
static void
private_file(const char *path, struct cc_list *bad)
{
	struct stat st;
	char item[300];

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(item, sizeof(item), "%s", path);
		cc_list_add(bad, item);
	}
}

/* The capabilities kagid holds beyond CAP_KILL (R-TOK-8), 0 or 1. */
static int
caps_beyond_kill(void)
{
	char line[256];
	unsigned long long eff = ~0ULL;
	FILE *f;

	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff & ~(1ULL << CAP_KILL)) != 0;
}

int
cc_tok_8(struct cc *c)
{
	const struct kagid_config *k = c->cfg;
	struct cc_list bad;

	memset(&bad, 0, sizeof(bad));
	private_file(k->key_file, &bad);
	private_file(k->audit_key_file, &bad);
	private_file(k->database, &bad);
	private_file(k->audit_checkpoint_log, &bad);
	if (bad.n > 0)
		return cc_add(c, "R-TOK-8", CC_FAIL, N_("not kagid's own or open "
		    "to group or others: %s"), bad.text, NULL);
	if (geteuid() == 0)
		return cc_add(c, "R-TOK-8", CC_FAIL, N_("kagid runs as root "
		    "(set user in kagid.conf)"), NULL);
	if (caps_beyond_kill())
		return cc_add(c, "R-TOK-8", CC_FAIL, N_("kagid holds "
		    "capabilities beyond CAP_KILL"), NULL);
	return cc_add(c, "R-TOK-8", CC_PASS, N_("kagid runs as uid %s with "
	    "CAP_KILL alone; the sealing key, the signing key, the store and "
	    "the checkpoint log are its own, closed to group and others"),
	    cc_int(c, (int64_t)geteuid()), NULL);
}
