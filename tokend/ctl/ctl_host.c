/*
 * ctl_host.c - `kagictl host ...`: the fleet's CA and hosts (issue 15,
 * hosts.h), on a core.
 *
 *   host ca-init                 the cores' CA; prints its certificate
 *   host add NAME --zone Z --class C --csr FILE
 *                                signs the host's request; prints the
 *                                host's certificate (PEM)
 *   host renew NAME --csr FILE   a new certificate for an active host
 *   host revoke NAME             refused from now on
 *   host list | host show NAME
 *
 * The request file is read as its owner left it (safefile.h); the
 * private key it goes with never leaves the host that made it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"

#define CSR_FILE_MAX (16 * 1024)

/* A request naming the host (ctl->arg). */
static struct json_object *
host_request(const struct ctl *ctl, const char *op)
{
	struct json_object *req = ctl_request(ctl, op);

	if (req != NULL && ctl->arg != NULL &&
	    proto_set_str(req, "host", ctl->arg) != 0) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* Print reply's PEM field key (or the JSON). */
static int
print_pem(const struct ctl *ctl, struct json_object *reply, const char *key)
{
	const char *pem = ctl_jstr(reply, key);

	if (ctl->json)
		return ctl_print_json(reply);
	if (*pem == '\0')
		return KAGI_ERR_INVALID;
	fputs(pem, stdout);
	return 0;
}

/* Run req and print the PEM field key of the answer. */
static int
run_pem(struct ctl *ctl, struct json_object *req, const char *key)
{
	struct json_object *reply = NULL;
	int ex, r;

	if ((ex = ctl_run(ctl, req, &reply)) != 0)
		return ex;
	r = print_pem(ctl, reply, key);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

/* A request with the CSR file's text, or NULL (the error printed). */
static struct json_object *
csr_request(struct ctl *ctl, const char *op)
{
	struct json_object *req = NULL;
	char *csr = NULL;
	size_t len = 0;

	if (ctl_read_file(ctl->csr, CSR_FILE_MAX, &csr, &len) != 0)
		return NULL;
	if ((req = host_request(ctl, op)) != NULL &&
	    proto_set_str(req, "csr", csr) != 0) {
		json_object_put(req);
		req = NULL;
	}
	free(csr);
	return req;
}

int
ctl_host_ca_init(struct ctl *ctl)
{
	return run_pem(ctl, ctl_request(ctl, OP_HOST_CA_INIT), "cert");
}

int
ctl_host_add(struct ctl *ctl)
{
	struct json_object *req;

	if (ctl->zone == NULL || ctl->host_class == NULL || ctl->csr == NULL) {
		ctl_err(_("host add needs --zone, --class and --csr"));
		return CTL_EXIT_USAGE;
	}
	if ((req = csr_request(ctl, OP_HOST_ADD)) == NULL)
		return CTL_EXIT_USAGE;
	if (proto_set_str(req, "zone", ctl->zone) != 0 ||
	    proto_set_str(req, "class", ctl->host_class) != 0) {
		json_object_put(req);
		return ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
	}
	return run_pem(ctl, req, "cert");
}

int
ctl_host_renew(struct ctl *ctl)
{
	struct json_object *req;

	if (ctl->csr == NULL) {
		ctl_err(_("host renew needs --csr"));
		return CTL_EXIT_USAGE;
	}
	if ((req = csr_request(ctl, OP_HOST_RENEW)) == NULL)
		return CTL_EXIT_USAGE;
	return run_pem(ctl, req, "cert");
}

int
ctl_host_revoke(struct ctl *ctl)
{
	struct json_object *reply = NULL;
	int ex;

	if ((ex = ctl_run(ctl, host_request(ctl, OP_HOST_REVOKE),
	    &reply)) != 0)
		return ex;
	if (ctl->json)
		(void)ctl_print_json(reply);
	else
		printf(_("host %s revoked: its certificate is refused from "
		    "now on\n"), ctl->arg);
	json_object_put(reply);
	return CTL_EXIT_OK;
}

static int
print_hosts(struct json_object *arr)
{
	const char *hdr[6] = { _("HOST"), _("ZONE"), _("CLASS"), _("STATE"),
	    _("SERIAL"), _("EXPIRES") };
	struct ctl_table *t;
	char when[32];
	size_t i, n = json_object_array_length(arr);
	int r = 0;

	if ((t = ctl_table_new(6, hdr)) == NULL)
		return KAGI_ERR_NOMEM;
	for (i = 0; i < n && r == 0; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *row[6];

		row[0] = ctl_jstr(v, "name");
		row[1] = ctl_jstr(v, "zone");
		row[2] = ctl_jstr(v, "class");
		row[3] = ctl_jstr(v, "state");
		row[4] = ctl_jstr(v, "serial");
		row[5] = ctl_time(ctl_jint(v, "not_after"), when, sizeof(when));
		r = ctl_table_add(t, row);
	}
	if (r == 0)
		ctl_table_print(t, stdout);
	ctl_table_free(&t);
	return r;
}

int
ctl_host_list(struct ctl *ctl)
{
	struct json_object *reply = NULL, *arr;
	int ex, r;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_HOST_LIST), &reply)) != 0)
		return ex;
	if (ctl->json)
		r = ctl_print_json(reply);
	else if (!json_object_object_get_ex(reply, "hosts", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		r = KAGI_ERR_INVALID;
	else
		r = print_hosts(arr);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_host_show(struct ctl *ctl)
{
	struct json_object *reply = NULL, *one = NULL;
	int ex, r;

	if ((ex = ctl_run(ctl, host_request(ctl, OP_HOST_SHOW), &reply)) != 0)
		return ex;
	if (ctl->json) {
		r = ctl_print_json(reply);
		goto out;
	}
	if ((one = json_object_new_array()) == NULL ||
	    json_object_array_add(one, json_object_get(reply)) != 0) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = print_hosts(one)) == 0)
		printf(_("fingerprint (SHA-256): %s\n"),
		    ctl_jstr(reply, "fingerprint"));
out:
	json_object_put(one);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}
