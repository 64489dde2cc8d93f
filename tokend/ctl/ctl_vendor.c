/*
 * ctl_vendor.c - kagictl's role and vendor commands: user role, vendor
 * add, vendor show, vendor list (R-PRIV-5, R-REM-1, R-REM-3).
 *
 * kagictl passes the vendor's terms as typed; kagid checks them (date,
 * windows, networks) and refuses the whole request when one is wrong.
 */
#include "config.h"

#include <string.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"

int
ctl_user_role(struct ctl *ctl)
{
	struct json_object *req, *reply = NULL;
	int ex, r = 0;

	req = ctl_request(ctl, OP_USER_ROLE);
	if (req != NULL && proto_set_str(req, "role", ctl->arg) != 0) {
		json_object_put(req);
		req = NULL;
	}
	if ((ex = ctl_run(ctl, req, &reply)) != 0)
		return ex;
	if (ctl->json)
		r = ctl_print_json(reply);
	else
		printf(_("User '%s' now has the role %s; %lld tokens were "
		    "revoked: enroll a new one.\n"), ctl->user, ctl->arg,
		    (long long)ctl_jint(reply, "revoked"));
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

/* The table of vendor objects. */
static int
print_vendors(struct json_object *arr)
{
	const char *hdr[9] = { _("USER"), _("COMPANY"), _("EXPIRES"),
	    _("WINDOWS"), _("FROM"), _("APPROVED BY"), _("WORKER"),
	    _("PLACE"), _("WORK") };
	struct ctl_table *t;
	char when[32];
	size_t i, n = json_object_array_length(arr);
	int r = 0;

	if ((t = ctl_table_new(9, hdr)) == NULL)
		return KAGI_ERR_NOMEM;
	for (i = 0; i < n && r == 0; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *row[9];
		int64_t exp = ctl_jint(v, "expires");

		row[0] = ctl_jstr(v, "user");
		row[1] = ctl_jstr(v, "company");
		row[2] = exp == 0 ? "-" : ctl_jbool(v, "expired") ?
		    _("expired") : ctl_time(exp, when, sizeof(when));
		row[3] = ctl_jstr(v, "windows");
		row[4] = ctl_jstr(v, "sources");
		row[5] = ctl_jstr(v, "approver");
		row[6] = ctl_jstr(v, "worker");
		row[7] = ctl_jstr(v, "place");
		row[8] = ctl_jstr(v, "work");
		r = ctl_table_add(t, row);
	}
	if (r == 0)
		ctl_table_print(t, stdout);
	ctl_table_free(&t);
	return r;
}

int
ctl_vendor_add(struct ctl *ctl)
{
	struct json_object *req, *reply = NULL, *one = NULL, *v;
	int ex, r = 0;

	if (ctl->company == NULL || ctl->expires == NULL ||
	    ctl->window == NULL || ctl->from == NULL || ctl->worker == NULL ||
	    ctl->place == NULL || ctl->work == NULL) {
		ctl_err(_("vendor add needs --company, --expires, --window, "
		    "--from, --worker, --place and --work (R-REM-5: a permit "
		    "names who works, from where, on what)"));
		return CTL_EXIT_USAGE;
	}
	req = ctl_request(ctl, OP_VENDOR_ADD);
	if (req != NULL && (proto_set_str(req, "company", ctl->company) != 0 ||
	    proto_set_str(req, "expires", ctl->expires) != 0 ||
	    proto_set_str(req, "windows", ctl->window) != 0 ||
	    proto_set_str(req, "sources", ctl->from) != 0 ||
	    proto_set_str(req, "worker", ctl->worker) != 0 ||
	    proto_set_str(req, "place", ctl->place) != 0 ||
	    proto_set_str(req, "work", ctl->work) != 0)) {
		json_object_put(req);
		req = NULL;
	}
	if ((ex = ctl_run(ctl, req, &reply)) != 0)
		return ex;
	if (ctl->json) {
		r = ctl_print_json(reply);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "vendor", &v) ||
	    (one = json_object_new_array()) == NULL ||
	    json_object_array_add(one, json_object_get(v)) != 0) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	printf(_("Vendor '%s' may log in only inside these terms; enroll a "
	    "token next: kagictl token add-totp %s\n"), ctl->user, ctl->user);
	r = print_vendors(one);
out:
	json_object_put(one);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_vendor_show(struct ctl *ctl)
{
	struct json_object *reply = NULL, *one = NULL, *v;
	int ex, r = 0;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_VENDOR_SHOW), &reply)) != 0)
		return ex;
	if (ctl->json) {
		r = ctl_print_json(reply);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "vendor", &v) ||
	    (one = json_object_new_array()) == NULL ||
	    json_object_array_add(one, json_object_get(v)) != 0) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	r = print_vendors(one);
out:
	json_object_put(one);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_vendor_list(struct ctl *ctl)
{
	struct json_object *reply = NULL, *arr;
	int ex, r;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_VENDOR_LIST), &reply)) != 0)
		return ex;
	if (ctl->json)
		r = ctl_print_json(reply);
	else if (!json_object_object_get_ex(reply, "vendors", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		r = KAGI_ERR_INVALID;
	else
		r = print_vendors(arr);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}
