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
 * group (or root) who is not the requester approves it: the stored
 * request is then run through its own handler in the approval's
 * savepoint, so the act, the request's new state and every audit record
 * commit together or not at all.  Guarantees:
 *  - the requester never approves: not by the same uid, not by the same
 *    user name, whatever groups either holds (root approving root's
 *    request is refused too);
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
#include "proto.h"
#include "proto_ops.h"
#include "store_life.h"

#define PRIV APPROVE_ROLE_PRIVILEGED
#define TOKEN APPROVE_TOKEN_PRIVILEGED
#define VENDOR APPROVE_VENDOR_ADD
#define DELETE APPROVE_USER_DELETE
#define UNLOCK APPROVE_UNLOCK_PRIVILEGED
#define BREAKGLASS APPROVE_BREAKGLASS_ISSUE

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
	{ OP_BREAKGLASS_ISSUE, BREAKGLASS, { 0, 0, 0 },	  { 0, 0, 0 } },
	/* Approving grants the requester one enrollment (fido2_reg.c). */
	{ OP_TOKEN_FIDO2_BEGIN, 0,	{ 0, TOKEN, 0 },  { 0, 0, 0 } },
	{ OP_TOKEN_FIDO2_IMPORT, 0,	{ 0, TOKEN, 0 },  { 0, 0, 0 } },
};

static const char *const state_names[] = { "pending", "approved", "rejected",
    "expired" };

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
	    (r = proto_set_int(o, "created", q->created)) != 0 ||
	    (r = proto_set_int(o, "expires", q->expires)) != 0 ||
	    (r = proto_set_str(o, "state",
	    state_names[effective_state(q, kagi_now())])) != 0 ||
	    (r = proto_set_str(o, "decider", q->decider)) != 0 ||
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

/* Is peer the person who asked?  Same uid, or the same user name. */
static int
is_requester(const struct peer *peer, const struct request_rec *q)
{
	if ((int64_t)peer->uid == q->requester_uid)
		return 1;
	return peer->name[0] != '\0' && strcmp(peer->name, q->requester) == 0;
}

/* The decision's audit record: {id, approver|rejecter, action, reason}. */
static int
decision_audit(struct kagid_ctx *ctx, const struct peer *peer,
    const struct request_rec *q, const char *event, const char *reason)
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
	    (r = proto_set_str(f, "action", q->action)) != 0 ||
	    (r = proto_set_str(f, "requester", q->requester)) != 0 ||
	    (reason != NULL && (r = proto_set_str(f, "reason", reason)) != 0))
		goto out;
	r = audit_record(ctx, peer, LOG_NOTICE, event, user, f);
 out:
	json_object_put(params);
	json_object_put(f);
	return r;
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
	struct json_object *params = NULL, *result = NULL, *o = NULL;
	approval_act_fn fn = NULL;
	int64_t now = kagi_now();
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_request_get(ctx->store, id, q)) != 0)
		goto out;
	if (is_requester(peer, q)) {
		kagi_warn("request %lld: approval by its own requester (uid %u) "
		    "refused", (long long)q->id, (unsigned)peer->uid);
		r = KAGI_ERR_DENIED;
		goto out;
	}
	if (effective_state(q, now) != REQ_PENDING) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	if ((r = replay_of(q, ctx->approval_replay, &params, &fn)) != 0)
		goto out;
	/* One savepoint (dispatch.c): decision, act and records together. */
	if ((r = store_request_decide(ctx->store, q->id, REQ_APPROVED,
	    (int64_t)peer->uid, peer->name, now, NULL)) != 0 ||
	    (r = decision_audit(ctx, peer, q, "approve", NULL)) != 0)
		goto out;
	if ((result = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	ctx->approving = q;
	r = fn(ctx, peer, params, result);
	ctx->approving = NULL;
	if (r != 0)
		goto out;
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
	struct json_object *o = NULL;
	int64_t now = kagi_now();
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = store_request_get(ctx->store, id, q)) != 0)
		goto out;
	if (effective_state(q, now) != REQ_PENDING) {
		r = KAGI_ERR_STATE;
		goto out;
	}
	if ((r = store_request_decide(ctx->store, q->id, REQ_REJECTED,
	    (int64_t)peer->uid, peer->name, now, reason)) != 0 ||
	    (r = decision_audit(ctx, peer, q, "reject", reason)) != 0 ||
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
	struct json_object *f = NULL;
	size_t i;
	int r;

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
		    -1, "kagid", w.now, NULL)) != 0)
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
