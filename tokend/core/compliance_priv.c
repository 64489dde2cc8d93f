/*
 * compliance_priv.c - the compliance lines of privileged accounts and
 * remote access: R-PRIV-1..7, R-REM-1..5 (compliance_int.h).
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compliance_int.h"
#include "fido2.h"
#include "proto.h"
#include "i18n.h"
#include "kagi_err.h"
#include "names.h"
#include "person.h"
#include "store.h"
#include "store_life.h"
#include "store_policy.h"
#include "store_session.h"

/* Account names that are defaults or guesses (R-PRIV-6). */
static const char *const default_names[] = { "root", "admin",
    "administrator", "adm", "superuser", "sysadmin", "system", "manager",
    "test", "guest", "user", "operator", "maint", "support", NULL };

static int
privileged(const struct cc_user *cu)
{
	return cu->u.role == ROLE_PRIVILEGED;
}

/*
 * The grants' approvals against the live chain: a grant is state, which
 * whoever writes the store can change; the chain holds the "approve"
 * record of the request that gave it (approval.c's decision_audit).
 */
struct grant_scan {
	struct cc *c;
	unsigned char *seen;		/* one per c->users */
	int64_t first_time;		/* the oldest live record's */
	int any;
};

static int
grant_scan_cb(const struct audit_rec *rec, void *arg)
{
	struct grant_scan *g = arg;
	struct json_object *f;
	const char *approver, *requester;
	int64_t id = 0;
	size_t i;

	if (!g->any) {
		g->first_time = rec->time;
		g->any = 1;
	}
	if (strcmp(rec->event, "approve") != 0 || rec->fields == NULL ||
	    (f = json_tokener_parse(rec->fields)) == NULL)
		return 0;
	approver = proto_str_or_null(f, "approver");
	requester = proto_str_or_null(f, "requester");
	if (proto_get_int(f, "id", 1, INT64_MAX, &id) == 0 &&
	    approver != NULL && requester != NULL)
		for (i = 0; i < g->c->nusers; i++) {
			const struct grant_rec *gr = &g->c->users[i].g;

			if (gr->user_id != 0 && gr->request_id == id &&
			    strcmp(gr->approved_by, approver) == 0 &&
			    strcmp(gr->granted_by, requester) == 0)
				g->seen[i] = 1;
		}
	json_object_put(f);
	return 0;
}

int
cc_priv_1(struct cc *c)
{
	struct cc_list all, bad, forged, older;
	struct grant_scan gs;
	size_t i;
	int r;

	memset(&all, 0, sizeof(all));
	memset(&bad, 0, sizeof(bad));
	memset(&forged, 0, sizeof(forged));
	memset(&older, 0, sizeof(older));
	memset(&gs, 0, sizeof(gs));
	gs.c = c;
	if ((gs.seen = calloc(c->nusers + 1, 1)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_audit_scan(c->ctx->store, 0, grant_scan_cb, &gs)) != 0)
		goto out;
	for (i = 0; i < c->nusers; i++) {
		const struct cc_user *cu = &c->users[i];

		if (!privileged(cu))
			continue;
		cc_list_add(&all, cu->u.name);
		if (cu->g.user_id == 0 || cu->g.role != ROLE_PRIVILEGED ||
		    cu->g.approved_by[0] == '\0')
			cc_list_add(&bad, cu->u.name);
		else if (gs.seen[i])
			continue;
		else if (!gs.any || cu->g.since < gs.first_time)
			cc_list_add(&older, cu->u.name);
		else
			cc_list_add(&forged, cu->u.name);
	}
	if (bad.n > 0)
		r = cc_add(c, "R-PRIV-1", CC_FAIL, N_("%s hold(s) the "
		    "privileged role without a grant a second person approved"),
		    bad.text, NULL);
	else if (forged.n > 0)
		r = cc_add(c, "R-PRIV-1", CC_FAIL, N_("the grant of %s names an "
		    "approval the audit chain does not hold: the store was "
		    "changed behind kagid"), forged.text, NULL);
	else if (older.n > 0)
		r = cc_add(c, "R-PRIV-1", CC_WARN, N_("%s privileged "
		    "account(s) (%s), each granted with a second person's "
		    "approval; the approval of %s is older than the live chain "
		    "(kagictl audit verify --archive)"), cc_int(c, all.n),
		    all.text, older.text, NULL);
	else
		r = cc_add(c, "R-PRIV-1", CC_PASS, N_("%s privileged account(s) "
		    "(%s), each granted with a second person's approval, "
		    "which the audit chain holds (kagictl report privileged)"),
		    cc_int(c, all.n), all.n > 0 ? all.text : "-", NULL);
 out:
	free(gs.seen);
	return r;
}

struct priv_tokens {
	struct cc *c;
	const struct cc_user *cu;
	struct cc_list *totp, *no_uv, *old;
	int err;
};

static int
priv_token_cb(const struct token_rec *t, void *arg)
{
	struct priv_tokens *p = arg;
	struct fido2_rec f;
	int r;

	if (t->state == TOKEN_REVOKED)
		return 0;
	/* An SSH security key was enrolled with user verification. */
	if (t->type == TOKEN_SSHKEY) {
		;
	} else if (t->type != TOKEN_FIDO2) {
		cc_list_add(p->totp, p->cu->u.name);
	} else if ((r = store_fido2_get(p->c->ctx->store, t->id, &f)) != 0) {
		return r;
	} else if (f.uv == FIDO2_UV_NONE)
		cc_list_add(p->no_uv, p->cu->u.name);
	/* A role change revokes every token (R-PRIV-5). */
	if (p->old != NULL && p->cu->g.user_id != 0 &&
	    t->created < p->cu->g.since)
		cc_list_add(p->old, p->cu->u.name);
	return 0;
}

/* Walk the tokens of every privileged user into the lists given. */
static int
priv_tokens(struct cc *c, struct cc_list *totp, struct cc_list *no_uv,
    struct cc_list *old, int64_t *n)
{
	struct priv_tokens p;
	size_t i;
	int r;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.totp = totp;
	p.no_uv = no_uv;
	p.old = old;
	*n = 0;
	for (i = 0; i < c->nusers; i++) {
		if (!privileged(&c->users[i]))
			continue;
		(*n)++;
		p.cu = &c->users[i];
		if ((r = store_token_list(c->ctx->store, c->users[i].u.id, -1,
		    priv_token_cb, &p)) < 0)
			return r;
	}
	return 0;
}

int
cc_priv_2(struct cc *c)
{
	struct cc_list totp, no_uv;
	int64_t n = 0;
	int r;

	memset(&totp, 0, sizeof(totp));
	memset(&no_uv, 0, sizeof(no_uv));
	if ((r = priv_tokens(c, &totp, &no_uv, NULL, &n)) != 0)
		return r;
	if (c->cfg->fido2_uv != UVPOLICY_REQUIRED)
		return cc_add(c, "R-PRIV-2", CC_FAIL, N_("fido2_uv is not "
		    "\"required\": a key without user verification logs in"),
		    NULL);
	if (totp.n > 0)
		return cc_add(c, "R-PRIV-2", CC_FAIL, N_("privileged account(s) "
		    "%s hold a TOTP token"), totp.text, NULL);
	if (no_uv.n > 0)
		return cc_add(c, "R-PRIV-2", CC_FAIL, N_("privileged account(s) "
		    "%s hold a FIDO2 key without user verification"),
		    no_uv.text, NULL);
	return cc_add(c, "R-PRIV-2", CC_PASS, N_("the %s privileged "
	    "account(s) hold FIDO2 keys with user verification only (fido2_uv "
	    "required), no TOTP token"), cc_int(c, n), NULL);
}

struct self_approved {
	int priv_only;
	struct cc_list bad;
	int64_t approved;
};

/*
 * Did one person ask and decide?  person.h's rule on the stored ids: the
 * same login uid; the same uid or name, root's aside unless a login uid
 * is missing (a request of before the login uids were kept); one's uid,
 * not root's, the other's login uid.
 */
static int
same_person(const struct request_rec *q)
{
	int64_t rl = q->requester_luid, dl = q->decider_luid;
	int both = person_luid_known(rl) && person_luid_known(dl);

	if (person_luid_known(rl) && rl == dl)
		return 1;
	if (q->requester_uid == q->decider_uid &&
	    (q->requester_uid != 0 || !both))
		return 1;
	if ((q->requester_uid != 0 && q->requester_uid == dl) ||
	    (q->decider_uid != 0 && q->decider_uid == rl))
		return 1;
	return q->decider[0] != '\0' && strcmp(q->decider, q->requester) == 0 &&
	    (strcmp(q->requester, "root") != 0 || !both);
}

static int
self_cb(const struct request_rec *q, void *arg)
{
	struct self_approved *s = arg;
	char item[96];

	if (q->state != REQ_APPROVED || (s->priv_only &&
	    strcmp(q->action, "role_privileged") != 0 &&
	    strcmp(q->action, "token_privileged") != 0))
		return 0;
	s->approved++;
	if (same_person(q)) {
		snprintf(item, sizeof(item), "%lld (%s)", (long long)q->id,
		    q->requester);
		cc_list_add(&s->bad, item);
	}
	return 0;
}

int
cc_self_approved(struct cc *c, int priv_only, struct cc_list *bad,
    int64_t *approved)
{
	struct self_approved s;
	int r;

	memset(&s, 0, sizeof(s));
	s.priv_only = priv_only;
	if ((r = store_request_list(c->ctx->store, self_cb, &s)) != 0)
		return r;
	*bad = s.bad;
	*approved = s.approved;
	return 0;
}

int
cc_priv_3(struct cc *c)
{
	struct self_approved s;
	int64_t grants = 0;
	size_t i;
	int r;

	memset(&s, 0, sizeof(s));
	s.priv_only = 1;
	for (i = 0; i < c->nusers; i++) {
		const struct grant_rec *g = &c->users[i].g;

		if (g->user_id == 0 || g->role != ROLE_PRIVILEGED)
			continue;
		grants++;
		if (g->approved_by[0] != '\0' &&
		    strcmp(g->approved_by, g->granted_by) == 0)
			cc_list_add(&s.bad, c->users[i].u.name);
	}
	if ((r = store_request_list(c->ctx->store, self_cb, &s)) != 0)
		return r;
	if (s.bad.n > 0)
		return cc_add(c, "R-PRIV-3", CC_FAIL, N_("approved by the person "
		    "who asked: %s"), s.bad.text, NULL);
	return cc_add(c, "R-PRIV-3", CC_PASS, N_("%s privileged grant(s) and "
	    "%s approved privileged request(s), each approved by another "
	    "person than the one who asked"), cc_int(c, grants),
	    cc_int(c, s.approved), NULL);
}

/* Is user a member of group (by its list or primary group)? */
static int
in_group(const char *user, const char *group)
{
	struct group gr, *grp = NULL;
	struct passwd pw, *pwp = NULL;
	char buf[16384], pbuf[4096];
	char **m;

	if (group == NULL || group[0] == '\0' ||
	    getgrnam_r(group, &gr, buf, sizeof(buf), &grp) != 0 || grp == NULL)
		return 0;
	for (m = grp->gr_mem; *m != NULL; m++)
		if (strcmp(*m, user) == 0)
			return 1;
	return getpwnam_r(user, &pw, pbuf, sizeof(pbuf), &pwp) == 0 &&
	    pwp != NULL && pw.pw_gid == grp->gr_gid;
}

struct vendor_acts {
	struct cc *c;
	struct cc_list bad;
};

static int
vendor_name(const struct cc *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nusers; i++)
		if (c->users[i].u.role == ROLE_VENDOR &&
		    strcmp(c->users[i].u.name, name) == 0)
			return 1;
	return 0;
}

static int
vendor_act_cb(const struct request_rec *q, void *arg)
{
	struct vendor_acts *v = arg;

	if (vendor_name(v->c, q->requester))
		cc_list_add(&v->bad, q->requester);
	else if (q->decider[0] != '\0' && vendor_name(v->c, q->decider))
		cc_list_add(&v->bad, q->decider);
	return 0;
}

int
cc_priv_4(struct cc *c)
{
	struct vendor_acts v;
	int64_t n = 0;
	size_t i;
	int r;

	memset(&v, 0, sizeof(v));
	v.c = c;
	for (i = 0; i < c->nusers; i++) {
		const char *name = c->users[i].u.name;

		if (c->users[i].u.role != ROLE_VENDOR)
			continue;
		n++;
		if (in_group(name, c->cfg->admin_group) ||
		    in_group(name, c->cfg->approver_group))
			cc_list_add(&v.bad, name);
	}
	if ((r = store_request_list(c->ctx->store, vendor_act_cb, &v)) != 0)
		return r;
	if (v.bad.n > 0)
		return cc_add(c, "R-PRIV-4", CC_FAIL, N_("vendor account(s) %s "
		    "asked for or approved an administrative act, or belong to "
		    "the administrators' or approvers' group"), v.bad.text,
		    NULL);
	return cc_add(c, "R-PRIV-4", CC_PASS, N_("none of the %s vendor "
	    "account(s) asked for or approved an administrative act, or "
	    "belongs to %s or %s"), cc_int(c, n), c->cfg->admin_group,
	    c->cfg->approver_group, NULL);
}

int
cc_priv_5(struct cc *c)
{
	const struct kagid_config *k = c->cfg;
	struct cc_list totp, no_uv, old;
	int64_t n = 0;
	int r;

	memset(&totp, 0, sizeof(totp));
	memset(&no_uv, 0, sizeof(no_uv));
	memset(&old, 0, sizeof(old));
	if (!k->lockout_privileged_admin_unlock)
		return cc_add(c, "R-PRIV-5", CC_FAIL, N_("a locked privileged "
		    "account unlocks by itself "
		    "(lockout_privileged_admin_unlock = no)"), NULL);
	if (k->lockout_privileged_failures > k->lockout_failures)
		return cc_add(c, "R-PRIV-5", CC_FAIL, N_("privileged accounts "
		    "lock after %s failures, staff after %s: not stricter"),
		    cc_int(c, k->lockout_privileged_failures),
		    cc_int(c, k->lockout_failures), NULL);
	if ((r = priv_tokens(c, &totp, &no_uv, &old, &n)) != 0)
		return r;
	if (old.n > 0)
		return cc_add(c, "R-PRIV-5", CC_FAIL, N_("privileged account(s) "
		    "%s hold a token issued before the role was given"),
		    old.text, NULL);
	return cc_add(c, "R-PRIV-5", CC_PASS, N_("privileged accounts lock "
	    "after %s failures until an administrator unlocks them (staff: "
	    "%s); none of the %s holds a token from before its role"),
	    cc_int(c, k->lockout_privileged_failures),
	    cc_int(c, k->lockout_failures), cc_int(c, n), NULL);
}

int
cc_priv_6(struct cc *c)
{
	struct cc_list bad;
	size_t i, j;

	memset(&bad, 0, sizeof(bad));
	for (i = 0; i < c->nusers; i++) {
		if (!privileged(&c->users[i]))
			continue;
		for (j = 0; default_names[j] != NULL; j++)
			if (strcasecmp(default_names[j],
			    c->users[i].u.name) == 0)
				cc_list_add(&bad, c->users[i].u.name);
	}
	if (bad.n > 0)
		return cc_add(c, "R-PRIV-6", CC_FAIL, N_("privileged account(s) "
		    "with a default name: %s"), bad.text, NULL);
	return cc_add(c, "R-PRIV-6", CC_PASS, N_("no privileged account uses "
	    "a default name (root, admin, administrator, ...)"), NULL);
}

struct overdue {
	struct cc *c;
	struct cc_list bad;
	int64_t n;
};

static int
overdue_cb(const struct session_rec *s, void *arg)
{
	struct overdue *o = arg;
	size_t i;

	for (i = 0; i < o->c->nusers; i++)
		if (o->c->users[i].u.id == s->user_id)
			break;
	if (i == o->c->nusers || !privileged(&o->c->users[i]))
		return 0;
	o->n++;
	/* Past its limit by more than the grace and a tick of kagid's. */
	if (s->deadline == 0 || s->deadline + o->c->cfg->session_grace + 60 <
	    o->c->now)
		cc_list_add(&o->bad, s->user);
	return 0;
}

int
cc_priv_7(struct cc *c)
{
	struct overdue o;
	int r;

	memset(&o, 0, sizeof(o));
	o.c = c;
	if (c->pam.nkagi > 0 && c->pam.no_session.n > 0)
		return cc_add(c, "R-PRIV-7", CC_FAIL, N_("pam_kagi is not in the "
		    "session stack of: %s: privileged sessions there are never "
		    "ended"), c->pam.no_session.text, NULL);
	if ((r = store_session_list_open(c->ctx->store, 0, overdue_cb,
	    &o)) != 0)
		return r;
	if (o.bad.n > 0)
		return cc_add(c, "R-PRIV-7", CC_FAIL, N_("privileged session(s) "
		    "of %s open past privileged_session_max or without a "
		    "limit"), o.bad.text, NULL);
	if (c->pam.nkagi == 0)
		return cc_add(c, "R-PRIV-7", CC_WARN, N_("privileged sessions "
		    "end after %s s (privileged_session_max), but no PAM stack "
		    "in %s registers sessions with kagid"),
		    cc_int(c, c->cfg->privileged_session_max),
		    c->cfg->compliance_pam_dir, NULL);
	return cc_add(c, "R-PRIV-7", CC_PASS, N_("privileged sessions end "
	    "after %s s (privileged_session_max), registered by the session "
	    "stack of %s service(s); none of the %s open is past its limit"),
	    cc_int(c, c->cfg->privileged_session_max),
	    cc_int(c, c->pam.nkagi), cc_int(c, o.n), NULL);
}

/* --- remote access and vendors --------------------------------------------- */

/* Each vendor's terms: *n vendors, those failing pred listed in bad. */
static int
vendors_where(struct cc *c, int (*pred)(const struct vendor_rec *),
    struct cc_list *bad, int64_t *n)
{
	struct vendor_rec v;
	size_t i;
	int r;

	*n = 0;
	for (i = 0; i < c->nusers; i++) {
		if (c->users[i].u.role != ROLE_VENDOR)
			continue;
		(*n)++;
		r = store_vendor_get(c->ctx->store, c->users[i].u.id, &v);
		if (r == KAGI_ERR_NOT_FOUND || (r == 0 && !pred(&v)))
			cc_list_add(bad, c->users[i].u.name);
		else if (r != 0)
			return r;
	}
	return 0;
}

static int
terms_ok(const struct vendor_rec *v)
{
	return v->approver[0] != '\0' && v->windows[0] != '\0' &&
	    v->expires > 0;
}

int
cc_rem_1(struct cc *c)
{
	struct cc_list bad;
	int64_t n = 0;
	int r;

	memset(&bad, 0, sizeof(bad));
	if ((r = vendors_where(c, terms_ok, &bad, &n)) != 0)
		return r;
	if (bad.n > 0)
		return cc_add(c, "R-REM-1", CC_FAIL, N_("vendor account(s) %s "
		    "without approved terms (an approver, an expiry and "
		    "maintenance windows)"), bad.text, NULL);
	return cc_add(c, "R-REM-1", CC_WARN, N_("each of the %s vendor "
	    "account(s) has an approval, an expiry and windows; staff and "
	    "privileged users need a remote-access grant for the SSH "
	    "gateway's security keys, but not for other remote log-ins "
	    "(a second factor through sshd's keyboard-interactive)"),
	    cc_int(c, n), NULL);
}

int
cc_rem_2(struct cc *c)
{
	if (!c->pam.sshd)
		return cc_add(c, "R-REM-2", CC_WARN, N_("no sshd service in "
		    "%s: no remote access to this machine to check"),
		    c->cfg->compliance_pam_dir, NULL);
	if (!c->pam.sshd_kagi || !c->pam.sshd_account)
		return cc_add(c, "R-REM-2", CC_FAIL, N_("sshd's stack does not "
		    "require pam_kagi for auth and account: remote log-ins are "
		    "not verified by kagid"), NULL);
	return cc_add(c, "R-REM-2", CC_WARN, N_("sshd's auth and account "
	    "stacks require pam_kagi (second factor, vendors' windows and "
	    "addresses); the channel's encryption is sshd's, not checked "
	    "here"), NULL);
}

static int
sources_ok(const struct vendor_rec *v)
{
	const char *p;

	if (v->sources[0] == '\0')
		return 0;
	/* No "/0": the whole Internet is no limit. */
	for (p = v->sources; (p = strstr(p, "/0")) != NULL; p += 2)
		if (p[2] == '\0' || p[2] == ',' || p[2] == ' ')
			return 0;
	return 1;
}

int
cc_rem_3(struct cc *c)
{
	struct cc_list bad;
	int64_t n = 0;
	int r;

	memset(&bad, 0, sizeof(bad));
	if ((r = vendors_where(c, sources_ok, &bad, &n)) != 0)
		return r;
	if (bad.n > 0)
		return cc_add(c, "R-REM-3", CC_FAIL, N_("vendor account(s) %s "
		    "may come from any address"), bad.text, NULL);
	return cc_add(c, "R-REM-3", CC_WARN, N_("each of the %s vendor "
	    "account(s) is limited to its source addresses; other users' "
	    "addresses are not limited by kagid"), cc_int(c, n), NULL);
}

/* R-REM-5: who works, from where, on what; the company too. */
static int
permit_named(const struct vendor_rec *v)
{
	return v->company[0] != '\0' && v->worker[0] != '\0' &&
	    v->place[0] != '\0' && v->work[0] != '\0';
}

int
cc_rem_5(struct cc *c)
{
	struct cc_list bad;
	int64_t n = 0;
	int r;

	memset(&bad, 0, sizeof(bad));
	if ((r = vendors_where(c, permit_named, &bad, &n)) != 0)
		return r;
	if (bad.n > 0)
		return cc_add(c, "R-REM-5", CC_FAIL, N_("the permit of vendor "
		    "account(s) %s does not name the company, the worker, the "
		    "place and the work"), bad.text, NULL);
	return cc_add(c, "R-REM-5", CC_PASS, N_("each of the %s vendor "
	    "permit(s) names the company, the worker, the place and the work; "
	    "kagictl report vendors shows them with each session"),
	    cc_int(c, n), NULL);
}

struct vendor_sessions {
	struct cc *c;
	int64_t n;
	int64_t *has;		/* user ids with a session */
	size_t nhas, cap;
};

static int
vsession_cb(const struct session_rec *s, void *arg)
{
	struct vendor_sessions *v = arg;
	int64_t *grown;

	if (!vendor_name(v->c, s->user))
		return 0;
	v->n++;
	if (v->nhas == v->cap) {
		v->cap = v->cap == 0 ? 16 : v->cap * 2;
		if ((grown = reallocarray(v->has, v->cap, sizeof(*grown))) ==
		    NULL)
			return KAGI_ERR_NOMEM;
		v->has = grown;
	}
	v->has[v->nhas++] = s->user_id;
	return 0;
}

int
cc_rem_4(struct cc *c)
{
	struct vendor_sessions v;
	struct cc_list bad;
	size_t i, j;
	int r;

	memset(&v, 0, sizeof(v));
	memset(&bad, 0, sizeof(bad));
	v.c = c;
	if (c->pam.nkagi > 0 && c->pam.no_session.n > 0)
		return cc_add(c, "R-REM-4", CC_FAIL, N_("pam_kagi is not in the "
		    "session stack of: %s: vendors' sessions there are not "
		    "recorded"), c->pam.no_session.text, NULL);
	if ((r = store_session_list_since(c->ctx->store, 0, vsession_cb,
	    &v)) != 0)
		goto out;
	for (i = 0; i < c->nusers; i++) {
		if (c->users[i].u.role != ROLE_VENDOR ||
		    c->users[i].u.last_success == 0)
			continue;
		for (j = 0; j < v.nhas && v.has[j] != c->users[i].u.id; j++)
			;
		if (j == v.nhas)
			cc_list_add(&bad, c->users[i].u.name);
	}
	if (bad.n > 0)
		r = cc_add(c, "R-REM-4", CC_FAIL, N_("vendor(s) %s logged in "
		    "without a recorded session"), bad.text, NULL);
	else
		r = cc_add(c, "R-REM-4", CC_PASS, N_("%s vendor session(s) kept "
		    "with start, end and source (kagictl report vendors); every "
		    "vendor who logged in has its sessions"), cc_int(c, v.n),
		    NULL);
 out:
	free(v.has);
	return r;
}
