/*
 * ctl_request.c - kagictl's side of the two-person rule (R-PRIV-3,
 * R-LOG-5): saying that an act was stored as a request, and listing,
 * showing, approving and rejecting requests.
 *
 * kagid decides who may approve (root or the approver group, never the
 * requester); kagictl only shows what it answered.  An approval carries
 * the act out at once; its result is shown like the act's own.
 */
#include "config.h"

#include <string.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "qr.h"
#include "wipe.h"

/* A request by id. */
static struct json_object *
id_request(const struct ctl *ctl, const char *op)
{
	struct json_object *req = proto_request_new(op);

	if (req != NULL && proto_set_int(req, "id", ctl->id) != 0) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

static int
print_requests(struct json_object *arr)
{
	const char *hdr[7] = { _("ID"), _("ACTION"), _("USER"),
	    _("REQUESTER"), _("CREATED"), _("EXPIRES"), _("STATE") };
	struct ctl_table *t;
	char id[24], c[32], e[32];
	size_t i;
	int r = 0;

	if ((t = ctl_table_new(7, hdr)) == NULL)
		return KAGI_ERR_NOMEM;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *q = json_object_array_get_idx(arr, i);
		const char *row[7];

		snprintf(id, sizeof(id), "%lld", (long long)ctl_jint(q, "id"));
		row[0] = id;
		row[1] = ctl_jstr(q, "action");
		row[2] = ctl_jstr(q, "user");
		row[3] = ctl_jstr(q, "requester");
		row[4] = ctl_time(ctl_jint(q, "created"), c, sizeof(c));
		row[5] = ctl_time(ctl_jint(q, "expires"), e, sizeof(e));
		row[6] = ctl_jstr(q, "state");
		if ((r = ctl_table_add(t, row)) != 0)
			break;
	}
	if (r == 0)
		ctl_table_print(t, stdout);
	ctl_table_free(&t);
	return r;
}

int
ctl_request_list(struct ctl *ctl)
{
	struct json_object *reply = NULL, *arr;
	int ex, r;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_REQUEST_LIST), &reply)) != 0)
		return ex;
	if (!json_object_object_get_ex(reply, "requests", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		r = KAGI_ERR_INVALID;
	else if (ctl->json)
		r = ctl_print_json(reply);
	else if (json_object_array_length(arr) == 0) {
		printf("%s\n", _("No requests."));
		r = 0;
	} else
		r = print_requests(arr);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

/* Show one request object (request show, approve, reject). */
static int
show_one(const struct ctl *ctl, struct json_object *reply)
{
	struct json_object *q, *one;
	const char *params;
	char buf[1024];
	int r;

	if (ctl->json)
		return ctl_print_json(reply);
	if (!json_object_object_get_ex(reply, "request", &q) ||
	    !json_object_is_type(q, json_type_object) ||
	    (one = json_object_new_array()) == NULL)
		return KAGI_ERR_INVALID;
	json_object_array_add(one, json_object_get(q));
	r = print_requests(one);
	json_object_put(one);
	if (r != 0)
		return r;
	if (json_object_object_get_ex(q, "params", &one) &&
	    (params = json_object_to_json_string_ext(one,
	    JSON_C_TO_STRING_PLAIN)) != NULL)
		printf(_("Request: %s\n"), ctl_clean(params, buf, sizeof(buf)));
	if (ctl_jstr(q, "decider") != NULL && ctl_jstr(q, "decider")[0] != '\0')
		printf(_("Decided by: %s\n"), ctl_clean(ctl_jstr(q, "decider"),
		    buf, sizeof(buf)));
	if (ctl_jstr(q, "reason") != NULL && ctl_jstr(q, "reason")[0] != '\0')
		printf(_("Reason: %s\n"), ctl_clean(ctl_jstr(q, "reason"), buf,
		    sizeof(buf)));
	return 0;
}

int
ctl_request_show(struct ctl *ctl)
{
	struct json_object *reply = NULL;
	int ex, r;

	if ((ex = ctl_run(ctl, id_request(ctl, OP_REQUEST_SHOW), &reply)) != 0)
		return ex;
	r = show_one(ctl, reply);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

/* The refusals that concern approvals, in words; else ctl_fail(). */
static int
decide_fail(const struct ctl *ctl, int r, struct json_object *reply)
{
	/* kagid said why (the real reason, R-PRIV-3): show that. */
	if (reply != NULL && ctl_jstr(reply, "reason") != NULL)
		return ctl_fail(ctl, r, reply);
	if (reply != NULL && r == KAGI_ERR_DENIED) {
		ctl_err(_("permission denied: approving needs root or "
		    "membership of the approver group, and nobody approves "
		    "their own request (R-PRIV-3)"));
		return CTL_EXIT_REFUSED;
	}
	if (reply != NULL && r == KAGI_ERR_STATE) {
		ctl_err(_("request %lld is no longer pending: already "
		    "decided, or expired (see: kagictl request show %lld)"),
		    (long long)ctl->id, (long long)ctl->id);
		return CTL_EXIT_REFUSED;
	}
	if (reply != NULL && r == KAGI_ERR_NOT_FOUND) {
		ctl_err(_("there is no request %lld (see: kagictl request "
		    "list)"), (long long)ctl->id);
		return CTL_EXIT_REFUSED;
	}
	return ctl_fail(ctl, r, reply);
}

static int
decide(struct ctl *ctl, const char *op)
{
	struct json_object *req = id_request(ctl, op), *reply = NULL, *res;
	const char *uri;
	char clean[1024], when[32];
	int ex, r;

	if (req != NULL && ctl->reason != NULL &&
	    proto_set_str(req, "reason", ctl->reason) != 0) {
		json_object_put(req);
		req = NULL;
	}
	if (req == NULL)
		return ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
	r = ctl_call(ctl, req, &reply);
	json_object_put(req);
	if (r != 0) {
		ex = decide_fail(ctl, r, reply);
		json_object_put(reply);
		return ex;
	}
	if ((r = show_one(ctl, reply)) == 0 && !ctl->json) {
		if (strcmp(op, OP_REQUEST_APPROVE) == 0)
			printf(_("Request %lld is approved and carried out.\n"),
			    (long long)ctl->id);
		else
			printf(_("Request %lld is rejected: nothing was "
			    "changed.\n"), (long long)ctl->id);
		/* An approved key enrollment: its user enrolls it. */
		if (json_object_object_get_ex(reply, "result", &res) &&
		    json_object_object_get_ex(res, "grant", &res))
			printf(_("User '%s' may now enroll one security key: "
			    "logged in as themselves, with the key in hand, "
			    "kagictl enroll --grant (before %s).\n"),
			    ctl_clean(ctl_jstr(res, "user"), clean,
			    sizeof(clean)), ctl_time(ctl_jint(res, "expires"),
			    when, sizeof(when)));
		/* Approved break-glass codes: shown this once, here. */
		if (json_object_object_get_ex(reply, "result", &res) &&
		    json_object_object_get_ex(res, "codes", &res) &&
		    json_object_is_type(res, json_type_array)) {
			size_t i;

			for (i = 0; i < json_object_array_length(res); i++)
				printf("breakglass-code: %s\n",
				    ctl_clean(json_object_get_string(
				    json_object_array_get_idx(res, i)), clean,
				    sizeof(clean)));
			kagi_wipe(clean, sizeof(clean));
		}
		/* An approved TOTP enrollment: the new token's URI, once. */
		if (json_object_object_get_ex(reply, "result", &res) &&
		    (uri = ctl_jstr(res, "uri")) != NULL &&
		    strncmp(uri, "otpauth://", 10) == 0) {
			printf("uri: %s\n", ctl_clean(uri, clean,
			    sizeof(clean)));
			kagi_wipe(clean, sizeof(clean));
			fflush(stdout);
			(void)qr_print(uri, stdout, 0);
		}
	}
	/* It may hold codes or a secret's URI: wiped before it is freed. */
	proto_wipe_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_request_approve(struct ctl *ctl)
{
	return decide(ctl, OP_REQUEST_APPROVE);
}

int
ctl_request_reject(struct ctl *ctl)
{
	return decide(ctl, OP_REQUEST_REJECT);
}
