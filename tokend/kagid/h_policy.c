/*
 * h_policy.c - roles and vendors: user_role, vendor_add, vendor_show,
 * vendor_list, and the refusal of vendors as administrators.
 *
 * Guarantees:
 *  - A role change passes the two-person rule (approval.c), then
 *    revokes every token the user holds with it (lifecycle.c, R-PRIV-5).
 *  - A vendor account carries the administrator who approved it, a
 *    company, an expiry date, maintenance windows, allowed source
 *    networks, the worker, the place and the work, each checked before
 *    it is stored, and within kagid.conf's limits (vendor.c; R-REM-1,
 *    R-REM-3, R-REM-5); the checks at log-in are in h_auth.c.
 *  - A caller whose name is a kagi vendor user is never an administrator,
 *    whatever its groups: every administrative request from it is
 *    refused and raises an alert (R-PRIV-4).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "approval.h"
#include "audit.h"
#include "clock.h"
#include "describe.h"
#include "handlers.h"
#include "kagi_err.h"
#include "lifecycle.h"
#include "names.h"
#include "policy.h"
#include "proto.h"
#include "proto_ops.h"
#include "refusal.h"
#include "store_policy.h"
#include "username.h"
#include "vendor.h"

int
h_user_role(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	char name[STORE_NAME_MAX + 1];
	const char *rolename = NULL;
	struct json_object *uo = NULL;
	struct user_rec u;
	int64_t revoked = 0;
	int role = 0, r;

	if ((r = user_req_name(req, name)) != 0 ||
	    (r = proto_get_str(req, "role", KAGI_NAME_MAX, &rolename)) != 0)
		return r;
	if (role_from_name(rolename, &role) != 0)
		return KAGI_ERR_INVALID;
	if ((r = store_user_get(ctx->store, name, &u)) != 0)
		return r;
	if (u.role == role)
		return KAGI_ERR_STATE;
	/* Granting or removing privileged, or making a vendor, needs a
	 * second person (R-PRIV-3, approval.c). */
	if ((r = approval_gate(ctx, peer, req, u.role, role, reply)) != 0)
		return r == APPROVAL_PENDING ? 0 : r;
	if ((r = lifecycle_role_change(ctx, peer, &u, role, &revoked)) != 0 ||
	    (r = user_to_json(ctx, &u, &uo)) != 0)
		return r;
	if ((r = proto_set_int(reply, "revoked", revoked)) != 0) {
		json_object_put(uo);
		return r;
	}
	json_object_object_add(reply, "user", uo);
	return 0;
}

static int
vendor_to_json(const struct user_rec *u, const struct vendor_rec *v,
    int64_t now, struct json_object **out)
{
	struct json_object *o;
	int r;

	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(o, "user", u->name)) != 0 ||
	    (r = proto_set_str(o, "company", v->company)) != 0 ||
	    (r = proto_set_str(o, "approver", v->approver)) != 0 ||
	    (r = proto_set_int(o, "expires", v->expires)) != 0 ||
	    (r = proto_set_str(o, "windows", v->windows)) != 0 ||
	    (r = proto_set_str(o, "sources", v->sources)) != 0 ||
	    (r = proto_set_str(o, "worker", v->worker)) != 0 ||
	    (r = proto_set_str(o, "place", v->place)) != 0 ||
	    (r = proto_set_str(o, "work", v->work)) != 0 ||
	    (r = proto_set_bool(o, "expired", now >= v->expires)) != 0) {
		json_object_put(o);
		return r;
	}
	*out = o;
	return 0;
}

int
h_vendor_add(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *company = NULL, *expires = NULL, *windows = NULL;
	const char *sources = NULL;
	char name[STORE_NAME_MAX + 1];
	struct json_object *f = NULL, *vo = NULL, *uo = NULL;
	struct policy_windows w;
	struct policy_cidrs c;
	struct vendor_permit p;
	struct vendor_rec v;
	struct user_rec u;
	int64_t id = 0, now = kagi_now();
	int r;

	memset(&v, 0, sizeof(v));
	if ((r = user_req_name(req, name)) != 0 ||
	    (r = proto_get_str(req, "company", STORE_COMPANY_MAX,
	    &company)) != 0 ||
	    (r = proto_get_str(req, "expires", 16, &expires)) != 0 ||
	    (r = proto_get_str(req, "windows", STORE_WINDOWS_MAX,
	    &windows)) != 0 ||
	    (r = proto_get_str(req, "sources", STORE_SOURCES_MAX,
	    &sources)) != 0)
		return r;
	memset(&p, 0, sizeof(p));
	if ((r = proto_get_str_opt(req, "worker", STORE_PERMIT_MAX,
	    &p.worker)) != 0 ||
	    (r = proto_get_str_opt(req, "place", STORE_PERMIT_MAX,
	    &p.place)) != 0 ||
	    (r = proto_get_str_opt(req, "work", STORE_PERMIT_MAX,
	    &p.work)) != 0)
		return r;
	if (!vendor_company_valid(company) ||
	    policy_date_end(expires, &v.expires) != 0 ||
	    policy_windows_parse(windows, &w) != 0 ||
	    policy_cidrs_parse(sources, &c) != 0)
		return KAGI_ERR_INVALID;
	/* Within the limits, when asked and again when approved. */
	p.user = name;
	p.expires = v.expires;
	p.expires_text = expires;
	p.windows = windows;
	p.sources = sources;
	if ((r = vendor_permit_check(ctx, &p, now)) != 0)
		return r;
	/* Creating vendor access needs a second person (R-PRIV-3, R-REM-1). */
	if ((r = approval_gate(ctx, peer, req, APPROVAL_NO_ROLE,
	    APPROVAL_NO_ROLE, reply)) != 0)
		return r == APPROVAL_PENDING ? 0 : r;
	r = store_user_get(ctx->store, name, &u);
	if (r == KAGI_ERR_NOT_FOUND) {
		if ((r = store_user_add(ctx->store, name, ROLE_VENDOR, now,
		    &id)) != 0 ||
		    (r = store_user_get_id(ctx->store, id, &u)) != 0)
			return r;
	} else if (r != 0)
		return r;
	/* A staff or privileged user's permit is their remote-access grant
	 * through the SSH gateway (R-REM-1, gateway.c): the same terms, the
	 * same limits, the same second person; the role stays. */
	v.user_id = u.id;
	/* The person who approved it (its login uid's account), else the
	 * caller's name, else its uid. */
	if (peer->person[0] != '\0' && peer->loginuid != 0)
		snprintf(v.approver, sizeof(v.approver), "%s", peer->person);
	else if (peer->name[0] != '\0')
		snprintf(v.approver, sizeof(v.approver), "%s", peer->name);
	else
		snprintf(v.approver, sizeof(v.approver), "uid %u",
		    (unsigned)peer->uid);
	snprintf(v.company, sizeof(v.company), "%s", company);
	snprintf(v.windows, sizeof(v.windows), "%s", windows);
	snprintf(v.sources, sizeof(v.sources), "%s", sources);
	snprintf(v.worker, sizeof(v.worker), "%s", p.worker);
	snprintf(v.place, sizeof(v.place), "%s", p.place);
	snprintf(v.work, sizeof(v.work), "%s", p.work);
	if ((r = store_vendor_put(ctx->store, &v)) != 0)
		return r;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "company", v.company)) != 0 ||
	    (r = proto_set_str(f, "approver", v.approver)) != 0 ||
	    (r = proto_set_int(f, "expires", v.expires)) != 0 ||
	    (r = proto_set_str(f, "windows", v.windows)) != 0 ||
	    (r = proto_set_str(f, "sources", v.sources)) != 0 ||
	    (r = proto_set_str(f, "worker", v.worker)) != 0 ||
	    (r = proto_set_str(f, "place", v.place)) != 0 ||
	    (r = proto_set_str(f, "work", v.work)) != 0 ||
	    (r = proto_set_bool(f, "created", id != 0)) != 0 ||
	    (u.role != ROLE_VENDOR &&
	    (r = proto_set_str(f, "remote_grant", role_name(u.role))) != 0) ||
	    (r = audit_record(ctx, peer, LOG_NOTICE, "vendor_add", u.name,
	    f)) != 0 ||
	    (r = vendor_to_json(&u, &v, now, &vo)) != 0 ||
	    (r = user_to_json(ctx, &u, &uo)) != 0)
		goto out;
	json_object_object_add(reply, "user", uo);
	json_object_object_add(reply, "vendor", vo);
	uo = vo = NULL;
out:
	json_object_put(f);
	json_object_put(vo);
	json_object_put(uo);
	return r;
}

int
h_vendor_show(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	char name[STORE_NAME_MAX + 1];
	struct json_object *vo = NULL, *uo = NULL;
	struct vendor_rec v;
	struct user_rec u;
	int r;

	if ((r = user_req_name(req, name)) != 0 ||
	    (r = store_user_get(ctx->store, name, &u)) != 0)
		return r;
	/* A vendor's permit, or a staff or privileged user's remote-access
	 * grant (the same record); none: not found. */
	if ((r = store_vendor_get(ctx->store, u.id, &v)) != 0 ||
	    (r = vendor_to_json(&u, &v, kagi_now(), &vo)) != 0 ||
	    (r = user_to_json(ctx, &u, &uo)) != 0)
		goto out;
	json_object_object_add(reply, "user", uo);
	json_object_object_add(reply, "vendor", vo);
	uo = vo = NULL;
out:
	json_object_put(vo);
	json_object_put(uo);
	return r;
}

struct vendor_list {
	struct kagid_ctx *ctx;
	struct json_object *arr;
	int64_t now;
	int64_t ids[1024];
	size_t n;
};

static int
vendor_ids_cb(const struct user_rec *u, void *arg)
{
	struct vendor_list *vl = arg;

	if (u->role != ROLE_VENDOR)
		return 0;
	if (vl->n == sizeof(vl->ids) / sizeof(vl->ids[0]))
		return KAGI_ERR_TOO_LARGE;
	vl->ids[vl->n++] = u->id;
	return 0;
}

int
h_vendor_list(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	static struct vendor_list vl;	/* large; kagid is single-threaded */
	struct json_object *o = NULL;
	struct vendor_rec v;
	struct user_rec u;
	size_t i;
	int r;

	memset(&vl, 0, sizeof(vl));
	vl.ctx = ctx;
	vl.now = kagi_now();
	if ((vl.arr = json_object_new_array()) == NULL)
		return KAGI_ERR_NOMEM;
	/* Collect first: the user list holds its statement while it runs. */
	if ((r = store_user_list(ctx->store, vendor_ids_cb, &vl)) != 0)
		goto out;
	for (i = 0; i < vl.n; i++) {
		if ((r = store_user_get_id(ctx->store, vl.ids[i], &u)) != 0)
			goto out;
		r = store_vendor_get(ctx->store, u.id, &v);
		if (r == KAGI_ERR_NOT_FOUND) {
			/* A vendor without terms: shown, and refused at log-in. */
			memset(&v, 0, sizeof(v));
			r = 0;
		}
		if (r != 0 || (r = vendor_to_json(&u, &v, vl.now, &o)) != 0)
			goto out;
		if (json_object_array_add(vl.arr, o) != 0) {
			json_object_put(o);
			r = KAGI_ERR_NOMEM;
			goto out;
		}
	}
	json_object_object_add(reply, "vendors", vl.arr);
	vl.arr = NULL;
out:
	json_object_put(vl.arr);
	return r;
}
