/*
 * approval.c - the two-person rule (R-PRIV-3, R-LOG-5): which acts need a
 * second person, the requests that hold them, and their approval,
 * rejection and expiry.
 *
 * One table below says, for every operation a request may hold, which act
 * it is (an APPROVE_* bit) by the role of the user it is done to and the
 * role it gives.  An act in approval_mask() (approval_required; granting
 * or removing the privileged role, enrolling or resetting a privileged
 * user's tokens and creating vendor access always) is not carried out:
 * approval_gate() stores the request as sent, with who sent it and when
 * it expires, and answers pending_approval.  A member of the approver
 * group for that act (approval_group(): approver_group_<act>, else
 * approver_group) who is not the requester approves it: the stored
 * request is then run through its own handler in the approval's
 * savepoint, so the act, the request's new state and every audit record
 * commit together or not at all.  People are compared, not uids
 * (person.h).  Guarantees:
 *  - only a person asks or approves: a caller whose login uid is unset
 *    or 0 (root started by a service, root logged in as root) takes no
 *    part in a two-person act;
 *  - the requester never approves: not by the same login uid, not by the
 *    same uid or user name (root aside: root is nobody in particular),
 *    whatever groups either holds;
 *  - nobody approves a request whose target is their own account (a
 *    role, a token, an unlock, break-glass codes for themselves), and no
 *    administrator does any of the acts in never_self[] to their own
 *    account (approval_refuse_self(), before any handler runs);
 *  - the approver's person is in the act's approver group; the decision
 *    record names both people, their login uids and their groups;
 *  - an approved request whose act cannot be carried out is marked
 *    failed with the reason, or, when the store failed, stays pending:
 *    either way the approver is told why;
 *  - only the operations in the table can be stored and replayed; a
 *    stored request naming any other is refused, and changes nothing;
 *  - a request past its expiry cannot be approved; maint.c marks it
 *    expired; a rejected or expired request changes nothing;
 *  - while an approved request is carried out (ctx->approving) its
 *    handler's gate lets it pass, and only then.
 * Enrolling a privileged user's FIDO2 key needs the key at the
 * requester's machine, so its approval cannot carry the act out: the
 * replayed token_fido2_begin stores a grant instead (fido2_reg.c), which
 * the requester spends on one enrollment.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "approval.h"
#include "audit.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "names.h"
#include "person.h"
#include "proto.h"
#include "proto_ops.h"
#include "refusal.h"
#include "store_life.h"
#include "username.h"

#define PRIV APPROVE_ROLE_PRIVILEGED
#define TOKEN APPROVE_TOKEN_PRIVILEGED
#define VENDOR APPROVE_VENDOR_ADD
#define DELETE APPROVE_USER_DELETE
#define UNLOCK APPROVE_UNLOCK_PRIVILEGED
#define BREAKGLASS APPROVE_BREAKGLASS_ISSUE
#define BGPRIV APPROVE_BREAKGLASS_PRIVILEGED

/*
 * Which act each operation is.  Columns by role: staff, privileged,
 * vendor (enum user_role).  The act is the row's "any" when set, else the
 * act for the target's role now, else the act for the role it is given;
 * 0 needs nobody else.  A row is also what makes an operation replayable.
 */
static const struct approval_row {
	const char *op;
	unsigned any;			/* whoever the target is */
	unsigned target[ROLE_COUNT];	/* by the target's role now */
	unsigned given[ROLE_COUNT];	/* by the role it is given */
} table[] = {
	{ OP_USER_ADD, 0,		{ 0, 0, 0 },	  { 0, PRIV, VENDOR } },
	{ OP_USER_ROLE, 0,		{ 0, PRIV, 0 },	  { 0, PRIV, VENDOR } },
	{ OP_VENDOR_ADD, VENDOR,	{ 0, 0, 0 },	  { 0, 0, 0 } },
	{ OP_USER_DELETE, 0,		{ DELETE, PRIV, DELETE }, { 0, 0, 0 } },
	{ OP_TOKEN_REVOKE, 0,		{ 0, TOKEN, 0 },  { 0, 0, 0 } },
	{ OP_UNLOCK, 0,			{ 0, UNLOCK, 0 }, { 0, 0, 0 } },
	/* A privileged user's codes: always two people (R-PRIV-3). */
	{ OP_BREAKGLASS_ISSUE, 0, { BREAKGLASS, BGPRIV, BREAKGLASS },
	    { 0, 0, 0 } },
	/* Approving grants the requester one enrollment (fido2_reg.c). */
	{ OP_TOKEN_FIDO2_BEGIN, 0,	{ 0, TOKEN, 0 },  { 0, 0, 0 } },
	{ OP_TOKEN_FIDO2_IMPORT, 0,	{ 0, TOKEN, 0 },  { 0, 0, 0 } },
	{ OP_TOKEN_SSHKEY_BEGIN, 0,	{ 0, TOKEN, 0 },  { 0, 0, 0 } },
};

static const char *const state_names[] = { "pending", "approved", "rejected",
    "expired", "failed" };

/* The APPROVE_* bit an action name stands for; 0 for none. */
static unsigned
act_of_name(const char *name)
{
	unsigned i;

	for (i = 0; i < APPROVE_ACTS; i++)
		if (strcmp(approval_act_name(1u << i), name) == 0)
			return 1u << i;
	return 0;
}

/* The group by which peer administers: "root", or the admin group. */
static const char *
admin_group_of(const struct kagid_ctx *ctx, const struct peer *peer)
{
	return peer->uid == 0 ? "root" : ctx->cfg->admin_group;
}

/*
 * What no administrator does to their own account (R-PRIV-3): the acts
 * that give a role, a credential, an unlock or access back.  role_only:
 * only when the request gives a role other than staff (an administrator
 * may put their own name on the user list, nothing more).
 */
static const struct never_self_row {
	const char *op;
	const char *what;		/* "unlock", in "may not unlock ..." */
	int role_only;
} never_self[] = {
	{ OP_USER_ADD, "give a role to", 1 },
	{ OP_USER_ROLE, "change the role of", 0 },
	{ OP_USER_ENABLE, "re-enable", 0 },
	{ OP_UNLOCK, "unlock", 0 },
	{ OP_TOKEN_ADD_TOTP, "enroll a token for", 0 },
	{ OP_TOKEN_CONFIRM, "enroll a token for", 0 },
	{ OP_TOKEN_FIDO2_BEGIN, "enroll a token for", 0 },
	{ OP_TOKEN_FIDO2_FINISH, "enroll a token for", 0 },
	{ OP_TOKEN_FIDO2_IMPORT, "enroll a token for", 0 },
	{ OP_TOKEN_SSHKEY_BEGIN, "enroll a token for", 0 },
	{ OP_TOKEN_SSHKEY_FINISH, "enroll a token for", 0 },
	{ OP_TOKEN_IMPORT_TOTP, "enroll a token for", 0 },
	{ OP_ENROLL_CODE_ISSUE, "issue an enrollment code for", 0 },
	{ OP_BREAKGLASS_ISSUE, "issue break-glass codes for", 0 },
	{ OP_VENDOR_ADD, "give vendor access to", 0 },
};

static int
role_ok(int role)
{
	return role >= 0 && role < ROLE_COUNT;
}

int
approval_act(const char *op, int role, int new_role, unsigned *act)
{
	const struct approval_row *w;
	size_t i;

	*act = 0;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		w = &table[i];
		if (strcmp(w->op, op) != 0)
			continue;
		if (w->any != 0)
			*act = w->any;
		else if (role_ok(role) && w->target[role] != 0)
			*act = w->target[role];
		else if (role_ok(new_role))
			*act = w->given[new_role];
		return 0;
	}
	return KAGI_ERR_NOT_FOUND;
}

unsigned
approval_mask(const struct kagid_config *cfg)
{
	return cfg->approval_mask | APPROVE_MANDATORY;
}

int
approval_needed(const struct kagid_config *cfg, const char *op, int role,
    int new_role)
{
	unsigned act = 0;

	if (approval_act(op, role, new_role, &act) != 0)
		return 0;
	return (approval_mask(cfg) & act) != 0;
}

int
approval_refuse_self(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req)
{
	const struct never_self_row *w = NULL;
	const char *op = NULL, *user = NULL, *role = NULL;
	char who[160];
	size_t i;

	if (proto_get_str(req, "op", KAGI_NAME_MAX, &op) != 0 ||
	    proto_get_str_opt(req, "user", KAGI_NAME_MAX, &user) != 0 ||
	    user == NULL)
		return 0;	/* the handler refuses a malformed request */
	for (i = 0; i < sizeof(never_self) / sizeof(never_self[0]); i++)
		if (strcmp(never_self[i].op, op) == 0)
			w = &never_self[i];
	if (w == NULL || !person_owns(peer, user))
		return 0;
	if (w->role_only && (proto_get_str_opt(req, "role", KAGI_NAME_MAX,
	    &role) != 0 || role == NULL || strcmp(role, "staff") == 0))
		return 0;
	kagi_warn("%s asked to %s their own account %s: refused",
	    person_describe(peer, who, sizeof(who)), w->what, user);
	return refusal_set(ctx, KAGI_ERR_DENIED, "own_account", user,
	    "%s may not %s their own account '%s': another administrator "
	    "must (R-PRIV-3)", who, w->what, user);
}

const struct request_rec *
approval_executing(const struct kagid_ctx *ctx)
{
	return ctx->approving;
}

/* The state a reader sees: a pending request past its expiry is expired. */
static int
effective_state(const struct request_rec *q, int64_t now)
{
	if (q->state == REQ_PENDING && now >= q->expires)
		return REQ_EXPIRED;
	return q->state;
}

static int
request_to_json(const struct request_rec *q, struct json_object **out)
{
	struct json_object *o, *params;
	const char *op = NULL, *user = NULL;
	int r;

	if ((params = json_tokener_parse(q->params)) == NULL ||
	    !json_object_is_type(params, json_type_object)) {
		json_object_put(params);
		return KAGI_ERR_STORE;
	}
	(void)proto_get_str_opt(params, "op", KAGI_NAME_MAX, &op);
	(void)proto_get_str_opt(params, "user", KAGI_NAME_MAX, &user);
	if ((o = json_object_new_object()) == NULL) {
		json_object_put(params);
		return KAGI_ERR_NOMEM;
	}
	json_object_object_del(params, "v");
	if ((r = proto_set_int(o, "id", q->id)) != 0 ||
	    (r = proto_set_str(o, "action", q->action)) != 0 ||
	    (r = proto_set_str(o, "op", op != NULL ? op : "")) != 0 ||
	    (r = proto_set_str(o, "user", user != NULL ? user : "")) != 0 ||
	    (r = proto_set_str(o, "requester", q->requester)) != 0 ||
	    (r = proto_set_int(o, "requester_uid", q->requester_uid)) != 0 ||
	    (r = proto_set_int(o, "requester_loginuid",
	    q->requester_luid)) != 0 ||
	    (r = proto_set_str(o, "requester_group", q->requester_group)) != 0 ||
	    (r = proto_set_int(o, "created", q->created)) != 0 ||
	    (r = proto_set_int(o, "expires", q->expires)) != 0 ||
	    (r = proto_set_str(o, "state",
	    state_names[effective_state(q, kagi_now())])) != 0 ||
	    (r = proto_set_str(o, "decider", q->decider)) != 0 ||
	    (r = proto_set_int(o, "decider_loginuid", q->decider_luid)) != 0 ||
	    (r = proto_set_str(o, "decider_group", q->decider_group)) != 0 ||
	    (r = proto_set_int(o, "decided", q->decided)) != 0 ||
	    (r = proto_set_str(o, "reason", q->reason)) != 0) {
		json_object_put(o);
		json_object_put(params);
		return r;
	}
	json_object_object_add(o, "params", params);
	*out = o;
	return 0;
}

/* Store req as a request for act, described in reply and recorded. */
static int
request_hold(struct kagid_ctx *ctx, const struct peer *peer, unsigned act,
    struct json_object *req, struct json_object *reply)
{
	struct request_rec *q = NULL;
	struct json_object *ro = NULL, *f = NULL;
	const char *text, *user = NULL;
	int64_t now = kagi_now(), id = 0;
	int r;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (text == NULL || strlen(text) > REQ_PARAMS_MAX) {
		r = KAGI_ERR_TOO_LARGE;
		goto out;
	}
	snprintf(q->action, sizeof(q->action), "%s", approval_act_name(act));
	snprintf(q->params, sizeof(q->params), "%s", text);
	q->requester_uid = (int64_t)peer->uid;
	snprintf(q->requester, sizeof(q->requester), "%s", peer->name);
	q->requester_luid = person_luid(peer);
	snprintf(q->requester_group, sizeof(q->requester_group), "%s",
	    admin_group_of(ctx, peer));
	q->created = now;
	q->expires = now + ctx->cfg->request_lifetime;
	if ((r = store_request_add(ctx->store, q, &id)) != 0 ||
	    (r = store_request_get(ctx->store, id, q)) != 0 ||
	    (r = request_to_json(q, &ro)) != 0)
		goto out;
	(void)proto_get_str_opt(req, "user", KAGI_NAME_MAX, &user);
	if ((f = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_set_int(f, "id", id)) != 0 ||
	    (r = proto_set_str(f, "action", q->action)) != 0 ||
	    (r = proto_set_str(f, "target", user != NULL ? user : "")) != 0 ||
	    (r = proto_set_str(f, "requester", peer->name)) != 0 ||
	    (r = proto_set_int(f, "requester_loginuid", q->requester_luid)) != 0 ||
	    (r = proto_set_str(f, "requester_group", q->requester_group)) != 0 ||
	    (r = proto_set_str(f, "approver_group", approval_group(ctx->cfg,
	    act))) != 0 ||
	    (r = proto_set_int(f, "expires", q->expires)) != 0 ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "request", user, f)) != 0 ||
	    (r = proto_set_bool(reply, "pending_approval", 1)) != 0)
		goto out;
	json_object_object_add(reply, "request", ro);
	ro = NULL;
	r = APPROVAL_PENDING;
 out:
	json_object_put(ro);
	json_object_put(f);
	free(q);
	return r;
}

int
approval_gate(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, int role, int new_role,
    struct json_object *reply)
{
	const char *op = NULL;
	unsigned act = 0;
	int r;

	if (ctx->approving != NULL)
		return 0;
	if ((r = proto_get_str(req, "op", KAGI_NAME_MAX, &op)) != 0)
		return r;
	if (approval_act(op, role, new_role, &act) != 0) {
		/* A handler gating an operation the table does not list. */
		kagi_error("no approval row for %s", op);
		return KAGI_ERR_INTERNAL;
	}
	if ((approval_mask(ctx->cfg) & act) == 0)
		return 0;
	if (!person_known(peer)) {
		char who[160];
		const char *user = NULL;

		(void)proto_get_str_opt(req, "user", KAGI_NAME_MAX, &user);
		return refusal_set(ctx, KAGI_ERR_DENIED, "not_a_person", user,
		    "%s is not a person: %s is a two-person act, and only a "
		    "person logged in as themselves (a login uid, not 0) may "
		    "ask for one; log in as yourself and use sudo (R-PRIV-3, "
		    "R-LOG-5)", person_describe(peer, who, sizeof(who)),
		    approval_act_name(act));
	}
	return request_hold(ctx, peer, act, req, reply);
}

static int
list_cb(const struct request_rec *q, void *arg)
{
	struct json_object *arr = arg, *o = NULL;
	int r;

	if ((r = request_to_json(q, &o)) != 0)
		return r;
	if (json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}

int
approval_list(struct kagid_ctx *ctx, struct json_object *reply)
{
	struct json_object *arr = json_object_new_array();
	int r;

	if (arr == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_request_list(ctx->store, list_cb, arr)) != 0) {
		json_object_put(arr);
		return r;
	}
	json_object_object_add(reply, "requests", arr);
	return 0;
}

int
approval_show(struct kagid_ctx *ctx, int64_t id, struct json_object *reply)
{
	struct request_rec *q;
	struct json_object *o = NULL;
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_request_get(ctx->store, id, q)) == 0 &&
	    (r = request_to_json(q, &o)) == 0)
		json_object_object_add(reply, "request", o);
	free(q);
	return r;
}

/* The decision's audit record: the request, both people and groups. */
static int
decision_audit(struct kagid_ctx *ctx, const struct peer *peer,
    const struct request_rec *q, const char *event, const char *group,
    const char *reason)
{
	struct json_object *f, *params;
	const char *user = NULL;
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	params = json_tokener_parse(q->params);
	if (params != NULL)
		(void)proto_get_str_opt(params, "user", KAGI_NAME_MAX, &user);
	if ((r = proto_set_int(f, "id", q->id)) != 0 ||
	    (r = proto_set_str(f, "approver", peer->name)) != 0 ||
	    (r = proto_set_int(f, "approver_loginuid", person_luid(peer))) != 0 ||
	    (r = proto_set_str(f, "approver_person", peer->person)) != 0 ||
	    (group != NULL &&
	    (r = proto_set_str(f, "approver_group", group)) != 0) ||
	    (r = proto_set_str(f, "action", q->action)) != 0 ||
	    (r = proto_set_str(f, "requester", q->requester)) != 0 ||
	    (r = proto_set_int(f, "requester_loginuid", q->requester_luid)) != 0 ||
	    (r = proto_set_str(f, "requester_group", q->requester_group)) != 0 ||
	    (reason != NULL && (r = proto_set_str(f, "reason", reason)) != 0))
		goto out;
	r = audit_record(ctx, peer, LOG_NOTICE, event, user, f);
 out:
	json_object_put(params);
	json_object_put(f);
	return r;
}

/*
 * May peer approve q, whose act is act and whose target is user (NULL:
 * none)?  0, or a refusal that says why (refusal.h).
 */
static int
approver_check(struct kagid_ctx *ctx, const struct peer *peer,
    const struct request_rec *q, unsigned act, const char *user)
{
	const char *group = approval_group(ctx->cfg, act);
	char who[160];

	person_describe(peer, who, sizeof(who));
	if (!person_known(peer))
		return refusal_set(ctx, KAGI_ERR_DENIED, "not_a_person", user,
		    "%s is not a person: only a person logged in as themselves "
		    "(a login uid, not 0) may approve request %lld; log in as "
		    "yourself and use sudo (R-PRIV-3, R-LOG-5)", who,
		    (long long)q->id);
	if (!person_luid_known(q->requester_luid))
		return refusal_set(ctx, KAGI_ERR_DENIED, "requester_unknown",
		    user, "request %lld was asked for by %s (uid %lld) with no "
		    "login uid, so nobody can tell that a second person "
		    "approves it: reject it and ask again as a person "
		    "(R-PRIV-3)", (long long)q->id, q->requester,
		    (long long)q->requester_uid);
	if (person_is(peer, q->requester_uid, q->requester_luid,
	    q->requester)) {
		kagi_warn("request %lld: approval by its own requester (%s) "
		    "refused", (long long)q->id, who);
		return refusal_set(ctx, KAGI_ERR_DENIED, "own_request", user,
		    "%s asked for request %lld (as %s, login uid %lld): "
		    "nobody approves their own request; a second person must "
		    "(R-PRIV-3, R-LOG-5)", who, (long long)q->id,
		    q->requester, (long long)q->requester_luid);
	}
	if (user != NULL && person_owns(peer, user))
		return refusal_set(ctx, KAGI_ERR_DENIED, "own_account", user,
		    "request %lld (%s) is about user '%s', the approver's own "
		    "account: nobody approves an act on themselves; another "
		    "member of '%s' must (R-PRIV-3)", (long long)q->id,
		    q->action, user, group);
	if ((peer->approves & act) == 0)
		return refusal_set(ctx, KAGI_ERR_DENIED, "approver_group", user,
		    "approving %s takes a member of the group '%s' (kagid.conf "
		    "%s); %s is not one (R-PRIV-3)", q->action, group,
		    approval_group_key(act), who);
	return 0;
}

/* Errors of the act itself (the request can never be carried out as it
 * stands), as against a failure of the store or of memory. */
static int
act_refused(int r)
{
	return r == KAGI_ERR_STATE || r == KAGI_ERR_EXISTS ||
	    r == KAGI_ERR_NOT_FOUND || r == KAGI_ERR_INVALID ||
	    r == KAGI_ERR_DENIED || r == KAGI_ERR_TOO_LARGE;
}

/* The stored request's parameters and the handler that carries them out. */
static int
replay_of(const struct request_rec *q, approval_lookup_fn lookup,
    struct json_object **params, approval_act_fn *fn)
{
	const char *op = NULL;
	unsigned act = 0;

	*params = json_tokener_parse(q->params);
	if (*params == NULL || !json_object_is_type(*params, json_type_object) ||
	    proto_get_str(*params, "op", KAGI_NAME_MAX, &op) != 0 ||
	    approval_act(op, APPROVAL_NO_ROLE, APPROVAL_NO_ROLE, &act) != 0 ||
	    lookup == NULL || (*fn = lookup(op)) == NULL)
		return KAGI_ERR_STORE;
	return 0;
}

int
approval_approve(struct kagid_ctx *ctx, const struct peer *peer, int64_t id,
    struct json_object *reply)
{
	struct request_rec *q;
	struct request_decider d;
	struct json_object *params = NULL, *result = NULL, *o = NULL;
	approval_act_fn fn = NULL;
	const char *user = NULL, *group;
	int64_t now = kagi_now();
	unsigned act;
	int r, st;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_request_get(ctx->store, id, q)) != 0) {
		if (r == KAGI_ERR_NOT_FOUND)
			r = refusal_set(ctx, r, "no_request", NULL, "there is no "
			    "request %lld", (long long)id);
		goto out;
	}
	if ((st = effective_state(q, now)) != REQ_PENDING) {
		r = refusal_set(ctx, KAGI_ERR_STATE, "not_pending", NULL,
		    "request %lld is no longer pending: it is %s%s%s", (long long)id,
		    state_names[st], q->decider[0] != '\0' ? " by " : "",
		    q->decider);
		goto out;
	}
	if ((r = replay_of(q, ctx->approval_replay, &params, &fn)) != 0)
		goto out;
	(void)proto_get_str_opt(params, "user", KAGI_NAME_MAX, &user);
	if ((act = act_of_name(q->action)) == 0) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	if ((r = approver_check(ctx, peer, q, act, user)) != 0)
		goto out;
	group = approval_group(ctx->cfg, act);
	d.uid = (int64_t)peer->uid;
	d.name = peer->name;
	d.luid = person_luid(peer);
	d.group = group;
	/* One savepoint (dispatch.c): decision, act and records together. */
	if ((r = store_request_decide(ctx->store, q->id, REQ_APPROVED, &d, now,
	    NULL)) != 0 ||
	    (r = decision_audit(ctx, peer, q, "approve", group, NULL)) != 0)
		goto out;
	if ((result = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	ctx->approving = q;
	r = fn(ctx, peer, params, result);
	ctx->approving = NULL;
	if (r != 0) {
		/* Say why; an act that can never be done fails visibly. */
		if (!act_refused(r)) {
			(void)refusal_set(ctx, r, "not_carried_out", user,
			    "%s", kagi_strerror(r));
			refusal_prefix(ctx, "request %lld was not carried out "
			    "and stays pending: ", (long long)q->id);
			goto out;
		}
		(void)refusal_set(ctx, r, "act_failed", user, "%s",
		    kagi_strerror(r));
		refusal_prefix(ctx, "request %lld cannot be carried out and "
		    "is marked failed: ", (long long)q->id);
		refusal_fail_request(ctx, q->id);
		refusal_event(ctx, "request_failed");
		goto out;
	}
	if ((r = store_request_get(ctx->store, q->id, q)) != 0 ||
	    (r = request_to_json(q, &o)) != 0)
		goto out;
	json_object_object_add(reply, "request", o);
	json_object_object_add(reply, "result", result);
	result = NULL;
 out:
	json_object_put(params);
	json_object_put(result);
	free(q);
	return r;
}

int
approval_reject(struct kagid_ctx *ctx, const struct peer *peer, int64_t id,
    const char *reason, struct json_object *reply)
{
	struct request_rec *q;
	struct request_decider d;
	struct json_object *o = NULL;
	int64_t now = kagi_now();
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_request_get(ctx->store, id, q)) != 0)
		goto out;
	if (effective_state(q, now) != REQ_PENDING) {
		r = refusal_set(ctx, KAGI_ERR_STATE, "not_pending", NULL,
		    "request %lld is no longer pending: it is %s",
		    (long long)id, state_names[effective_state(q, now)]);
		goto out;
	}
	d.uid = (int64_t)peer->uid;
	d.name = peer->name;
	d.luid = person_luid(peer);
	d.group = NULL;
	if ((r = store_request_decide(ctx->store, q->id, REQ_REJECTED, &d,
	    now, reason)) != 0 ||
	    (r = decision_audit(ctx, peer, q, "reject", NULL, reason)) != 0 ||
	    (r = store_request_get(ctx->store, q->id, q)) != 0 ||
	    (r = request_to_json(q, &o)) != 0)
		goto out;
	json_object_object_add(reply, "request", o);
 out:
	free(q);
	return r;
}

struct expire_walk {
	int64_t now;
	int64_t ids[64];
	size_t n;
};

static int
expire_cb(const struct request_rec *q, void *arg)
{
	struct expire_walk *w = arg;

	if (q->state == REQ_PENDING && w->now >= q->expires &&
	    w->n < sizeof(w->ids) / sizeof(w->ids[0]))
		w->ids[w->n++] = q->id;
	return 0;
}

int
approval_expire_due(struct kagid_ctx *ctx)
{
	struct expire_walk w;
	struct request_rec *q;
	struct request_decider d;
	struct json_object *f = NULL;
	size_t i;
	int r;

	d.uid = -1;
	d.name = "kagid";
	d.luid = -1;
	d.group = NULL;
	memset(&w, 0, sizeof(w));
	w.now = kagi_now();
	if ((r = store_request_list(ctx->store, expire_cb, &w)) != 0)
		return r;
	if (w.n == 0)
		return 0;
	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	for (i = 0; i < w.n; i++) {
		if ((r = store_request_get(ctx->store, w.ids[i], q)) != 0 ||
		    (r = store_request_decide(ctx->store, q->id, REQ_EXPIRED,
		    &d, w.now, NULL)) != 0)
			break;
		if ((f = json_object_new_object()) == NULL) {
			r = KAGI_ERR_NOMEM;
			break;
		}
		if ((r = proto_set_int(f, "id", q->id)) != 0 ||
		    (r = proto_set_str(f, "action", q->action)) != 0 ||
		    (r = audit_record(ctx, NULL, LOG_NOTICE, "request_expire",
		    NULL, f)) != 0)
			break;
		json_object_put(f);
		f = NULL;
	}
	json_object_put(f);
	free(q);
	return r;
}
