/*
 * h_request.c - the two-person rule (R-PRIV-3, R-LOG-5).
 *
 * An act that needs approval (approval_required; granting or removing the
 * privileged role, enrolling or resetting a privileged user's tokens and
 * creating vendor access always do) is not carried out: request_gate()
 * stores the request as sent, with who sent it and when it expires, and
 * answers pending_approval.  A member of the approver group (or root)
 * who is not the requester approves it: the stored request is then run
 * through its own handler in the approval's savepoint, so the act, the
 * request's new state and every audit record commit together or not at
 * all.  Guarantees:
 *  - the requester never approves: not by the same uid, not by the same
 *    user name, whatever groups either holds (root approving root's
 *    request is refused too);
 *  - only the listed operations can be stored and replayed;
 *  - a request past its expiry cannot be approved; maint.c marks it
 *    expired; a rejected or expired request changes nothing.
 * Enrolling a privileged user's FIDO2 key needs the key at the
 * requester's machine, so its approval cannot carry the act out: the
 * replayed token_fido2_begin stores a grant instead (h_fido2.c), which
 * the requester spends on one enrollment.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "approval.h"
#include "audit.h"
#include "clock.h"
#include "handlers.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "proto_ops.h"
#include "store_life.h"

/* The operations a request may carry, and who carries them out. */
static const struct {
	const char *op;
	handler_fn fn;
} replayable[] = {
	{ OP_USER_ADD, h_user_add },
	{ OP_USER_ROLE, h_user_role },
	{ OP_VENDOR_ADD, h_vendor_add },
	{ OP_USER_DELETE, h_user_delete },
	{ OP_TOKEN_ADD_TOTP, h_token_add_totp },
	{ OP_TOKEN_REVOKE, h_token_revoke },
	{ OP_UNLOCK, h_unlock },
	{ OP_BREAKGLASS_ISSUE, h_breakglass_issue },
	/* Approving grants the requester one enrollment (h_fido2.c). */
	{ OP_TOKEN_FIDO2_BEGIN, h_token_fido2_begin },
	{ OP_TOKEN_FIDO2_IMPORT, h_token_fido2_import },
};

/* Set while an approved request runs: its handler's gate lets it pass. */
static int executing;
static const struct request_rec *current;

const struct request_rec *
request_executing(void)
{
	return executing ? current : NULL;
}

static const char *const state_names[] = { "pending", "approved", "rejected",
    "expired" };

static handler_fn
replay_handler(const char *op)
{
	size_t i;

	for (i = 0; i < sizeof(replayable) / sizeof(replayable[0]); i++)
		if (strcmp(replayable[i].op, op) == 0)
			return replayable[i].fn;
	return NULL;
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

int
request_gate(struct kagid_ctx *ctx, const struct peer *peer, unsigned act,
    struct json_object *req, struct json_object *reply)
{
	struct request_rec *q = NULL;
	struct json_object *ro = NULL, *f = NULL;
	const char *text, *user = NULL;
	int64_t now = kagi_now(), id = 0;
	int r;

	if (act == 0 || executing ||
	    ((ctx->cfg->approval_mask | APPROVE_MANDATORY) & act) == 0)
		return 0;
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
	r = REQUEST_CREATED;
 out:
	json_object_put(ro);
	json_object_put(f);
	free(q);
	return r;
}

/* The request named by "id" in req. */
static int
req_request(struct kagid_ctx *ctx, struct json_object *req,
    struct request_rec *q)
{
	int64_t id = 0;
	int r;

	if ((r = proto_get_int(req, "id", 1, INT64_MAX, &id)) != 0)
		return r;
	return store_request_get(ctx->store, id, q);
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
h_request_list(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct json_object *arr = json_object_new_array();
	int r;

	(void)peer;
	(void)req;
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
h_request_show(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct request_rec *q;
	struct json_object *o = NULL;
	int r;

	(void)peer;
	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = req_request(ctx, req, q)) == 0 &&
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

int
h_request_approve(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct request_rec *q;
	struct json_object *params = NULL, *result = NULL, *o = NULL;
	const char *op = NULL;
	handler_fn fn;
	int64_t now = kagi_now();
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = req_request(ctx, req, q)) != 0)
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
	if ((params = json_tokener_parse(q->params)) == NULL ||
	    !json_object_is_type(params, json_type_object) ||
	    proto_get_str(params, "op", KAGI_NAME_MAX, &op) != 0 ||
	    (fn = replay_handler(op)) == NULL) {
		r = KAGI_ERR_STORE;
		goto out;
	}
	/* One savepoint (dispatch.c): decision, act and records together. */
	if ((r = store_request_decide(ctx->store, q->id, REQ_APPROVED,
	    (int64_t)peer->uid, peer->name, now, NULL)) != 0 ||
	    (r = decision_audit(ctx, peer, q, "approve", NULL)) != 0)
		goto out;
	if ((result = json_object_new_object()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	executing = 1;
	current = q;
	r = fn(ctx, peer, params, result);
	executing = 0;
	current = NULL;
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
h_request_reject(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	struct request_rec *q;
	struct json_object *o = NULL;
	const char *reason = NULL;
	int64_t now = kagi_now();
	int r;

	if ((q = malloc(sizeof(*q))) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_get_str_opt(req, "reason", REQ_REASON_MAX,
	    &reason)) != 0 ||
	    (r = req_request(ctx, req, q)) != 0)
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
request_expire_due(struct kagid_ctx *ctx)
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
