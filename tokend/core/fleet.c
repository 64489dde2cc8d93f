/*
 * fleet.c - what a core does with a request an edge forwards, and the
 * record of a refused connection (fleet.h, issue 15).
 *
 * What it guarantees:
 *  - nothing an edge claims gives it more than a local caller of the
 *    edge could have: the classes are masked to verifier and self, no
 *    approval crosses, and only the ops of fleet_edge_ops pass;
 *  - the zone of a forwarded request is the host record's;
 *  - the host is looked up again for every request, so a revocation
 *    holds at the host's next request on every core sharing the store;
 *  - every refusal is recorded with the host's name, the op and why.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "clock.h"
#include "fleet.h"
#include "hosts.h"
#include "kagi_err.h"
#include "names.h"
#include "proto.h"
#include "proto_ops.h"

const char *const fleet_edge_ops[] = {
	OP_AUTH_BEGIN, OP_AUTH_TOTP, OP_AUTH_FIDO2, OP_AUTH_SSHKEY,
	OP_AUTH_ENROLL, OP_ACCOUNT, OP_TOKEN_LOST_OWN,
	OP_ENROLL_FIDO2_BEGIN, OP_ENROLL_FIDO2_FINISH,
	OP_ENROLL_SSHKEY_BEGIN, OP_ENROLL_SSHKEY_FINISH, OP_AUTHKEYS,
	NULL
};

static int
edge_op(const char *op)
{
	size_t i;

	for (i = 0; fleet_edge_ops[i] != NULL; i++)
		if (strcmp(fleet_edge_ops[i], op) == 0)
			return 1;
	return 0;
}

/* event for the host (name or "" when unknown), op and reason. */
static int
record(struct kagid_ctx *ctx, const char *event, const char *host,
    const uint8_t fp[HOST_FP_LEN], const char *op, const char *reason,
    const char *user)
{
	struct json_object *f;
	char fph[2 * HOST_FP_LEN + 1];
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	host_fp_hex(fp, fph);
	if ((r = proto_set_str(f, "edge", host)) == 0 &&
	    (r = proto_set_str(f, "fingerprint", fph)) == 0 &&
	    (r = proto_set_str(f, "op", op != NULL ? op : "")) == 0 &&
	    (r = proto_set_str(f, "reason", reason)) == 0)
		r = audit_record(ctx, NULL, LOG_WARNING, event, user, f);
	json_object_put(f);
	return r;
}

/* The caller as the edge saw it, masked. */
static int
edge_caller(struct json_object *req, struct peer *p)
{
	struct json_object *e;
	const char *name = NULL, *person = NULL;
	int64_t uid = 0, pid = 0, luid = 0, cls = 0;
	int r;

	memset(p, 0, sizeof(*p));
	if (!json_object_object_get_ex(req, "edge", &e) ||
	    !json_object_is_type(e, json_type_object))
		return KAGI_ERR_INVALID;
	if ((r = proto_get_int(e, "uid", 0, UINT32_MAX - 1, &uid)) != 0 ||
	    (r = proto_get_int(e, "pid", 0, INT32_MAX, &pid)) != 0 ||
	    (r = proto_get_int(e, "loginuid", 0, UINT32_MAX, &luid)) != 0 ||
	    (r = proto_get_int(e, "classes", 0, 15, &cls)) != 0 ||
	    (r = proto_get_str_opt(e, "name", STORE_NAME_MAX, &name)) != 0 ||
	    (r = proto_get_str_opt(e, "person", STORE_NAME_MAX,
	    &person)) != 0)
		return r;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)-1;
	p->pid = (pid_t)pid;
	p->loginuid = (uid_t)luid;
	/* Never more than a local caller of the edge: verifier (root) or
	 * itself; administration and approval stay on the cores. */
	p->classes = ((unsigned)cls & PEER_VERIFIER) | PEER_SELF;
	p->approves = 0;
	/* Absent: the uid has no name, the caller is no person. */
	snprintf(p->name, sizeof(p->name), "%s", name != NULL ? name : "");
	snprintf(p->person, sizeof(p->person), "%s",
	    person != NULL ? person : "");
	return 0;
}

int
fleet_request(struct kagid_ctx *ctx, const uint8_t fp[HOST_FP_LEN],
    struct json_object *req, struct peer *caller, const char **msg,
    int *flags)
{
	struct host_rec h;
	const char *op = NULL, *zone = NULL, *user = NULL;
	int64_t now = kagi_now();
	int r;

	*flags = 0;
	*msg = "malformed request";
	memset(&h, 0, sizeof(h));
	if ((r = proto_get_str(req, "op", KAGI_NAME_MAX, &op)) != 0)
		return r;
	(void)proto_get_str_opt(req, "user", STORE_NAME_MAX, &user);
	r = store_host_by_fp(ctx->store, fp, &h);
	if (r != 0 && r != KAGI_ERR_NOT_FOUND) {
		*msg = "state store failure";
		return r;
	}
	if (r == KAGI_ERR_NOT_FOUND || h.state != HOST_ACTIVE ||
	    now < h.not_before || now >= h.not_after) {
		*flags = FLEET_CLOSE;
		*msg = "this host is not allowed to ask";
		if ((r = record(ctx, "host_refused", h.name, fp, op,
		    r == KAGI_ERR_NOT_FOUND ? "unknown" :
		    h.state != HOST_ACTIVE ? "revoked" : "expired",
		    NULL)) != 0)
			return r;
		return KAGI_ERR_DENIED;
	}
	if (!edge_op(op)) {
		*flags = FLEET_CLOSE;
		*msg = "not allowed through an edge: administer on a core";
		if ((r = record(ctx, "edge_refused", h.name, fp, op,
		    "not_an_edge_op", user)) != 0)
			return r;
		return KAGI_ERR_DENIED;
	}
	if ((r = edge_caller(req, caller)) != 0) {
		*flags = FLEET_CLOSE;
		return r;
	}
	if ((r = proto_get_str_opt(req, "zone", KAGI_NAME_MAX, &zone)) != 0)
		return r;
	if (zone != NULL && strcmp(zone, zone_name(h.zone)) != 0) {
		*msg = "the zone of this host is not the one asked for";
		if ((r = record(ctx, "zone_mismatch", h.name, fp, op, zone,
		    user)) != 0)
			return r;
		return KAGI_ERR_DENIED;
	}
	json_object_object_del(req, "edge");
	if (zone != NULL &&
	    (r = proto_set_str(req, "zone", zone_name(h.zone))) != 0)
		return r;
	return 0;
}

int
fleet_refused_conn(struct kagid_ctx *ctx, const char *addr,
    const char *reason, const struct host_rec *h)
{
	struct json_object *f;
	char fph[2 * HOST_FP_LEN + 1] = "";
	int r;

	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if (h != NULL)
		host_fp_hex(h->fingerprint, fph);
	if ((r = store_begin(ctx->store)) != 0)
		goto out;
	if ((r = proto_set_str(f, "address", addr)) != 0 ||
	    (r = proto_set_str(f, "reason", reason)) != 0 ||
	    (h != NULL && h->name[0] != '\0' &&
	    (r = proto_set_str(f, "edge", h->name)) != 0) ||
	    (h != NULL && (r = proto_set_str(f, "fingerprint", fph)) != 0) ||
	    (r = audit_record(ctx, NULL, LOG_WARNING, "host_refused", NULL,
	    f)) != 0) {
		store_rollback(ctx->store);
		ctx_log_discard(ctx, 0);
		goto out;
	}
	if ((r = store_commit(ctx->store)) != 0) {
		ctx_log_discard(ctx, 0);
		goto out;
	}
	ctx_log_flush(ctx);
 out:
	json_object_put(f);
	return r;
}
