/*
 * h_host.c - the fleet's CA and hosts (issue 15): host_ca_init,
 * host_add, host_renew, host_revoke, host_list, host_show.
 *
 * Each reads its fields and calls hosts.c, which decides, records and
 * fills the reply.  Administrators only (dispatch.c's table).
 */
#include "config.h"

#include "handlers.h"
#include "hosts.h"
#include "kagi_err.h"
#include "names.h"
#include "proto.h"
#include "store_hosts.h"

int
h_host_ca_init(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)req;
	return host_ca_init(ctx, peer, reply);
}

int
h_host_add(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *name = NULL, *zone = NULL, *cls = NULL, *csr = NULL;
	int z = 0, c = 0, r;

	if ((r = proto_get_str(req, "host", HOST_NAME_MAX_LEN, &name)) != 0 ||
	    (r = proto_get_str(req, "zone", KAGI_NAME_MAX, &zone)) != 0 ||
	    (r = proto_get_str(req, "class", KAGI_NAME_MAX, &cls)) != 0 ||
	    (r = proto_get_str(req, "csr", HOST_CSR_MAX, &csr)) != 0)
		return r;
	if (zone_from_name(zone, &z) != 0 ||
	    host_class_from_name(cls, &c) != 0)
		return KAGI_ERR_INVALID;
	return host_add(ctx, peer, name, z, c, csr, reply);
}

int
h_host_renew(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *name = NULL, *csr = NULL;
	int r;

	if ((r = proto_get_str(req, "host", HOST_NAME_MAX_LEN, &name)) != 0 ||
	    (r = proto_get_str(req, "csr", HOST_CSR_MAX, &csr)) != 0)
		return r;
	return host_renew(ctx, peer, name, csr, reply);
}

int
h_host_revoke(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *name = NULL;
	int r;

	(void)reply;
	if ((r = proto_get_str(req, "host", HOST_NAME_MAX_LEN, &name)) != 0)
		return r;
	return host_revoke(ctx, peer, name);
}

int
h_host_list(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	(void)req;
	return host_list(ctx, reply);
}

int
h_host_show(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	const char *name = NULL;
	int r;

	(void)peer;
	if ((r = proto_get_str(req, "host", HOST_NAME_MAX_LEN, &name)) != 0)
		return r;
	return host_show(ctx, name, reply);
}
