/*
 * ctl_life.c - kagictl's lifecycle commands: enrollment codes (R-TOK-4),
 * role changes (R-TOK-5), off-boarding (R-TOK-3), lost tokens (R-TOK-2)
 * and break-glass codes and exceptions (R-EXC-1).
 *
 * Enrollment and break-glass codes are printed once, here, and wiped
 * where kagictl held them; kagid keeps only their hashes.
 */
#include "config.h"

#include <string.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"
#include "wipe.h"

static int
finish(const struct ctl *ctl, struct json_object *reply, const char *said)
{
	int r = 0;

	if (ctl->json)
		r = ctl_print_json(reply);
	else if (said != NULL)
		printf("%s\n", said);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_user_enroll_code(struct ctl *ctl)
{
	struct json_object *reply = NULL;
	const char *code;
	char when[32];
	int ex, r = 0;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_ENROLL_CODE_ISSUE),
	    &reply)) != 0)
		return ex;
	if ((code = ctl_jstr(reply, "code")) == NULL || strlen(code) > 64) {
		proto_wipe_put(reply);
		return ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
	}
	if (ctl->json)
		r = ctl_print_json(reply);
	else {
		/* For scripts too: never translated. */
		printf("enroll-code: %s\n", code);
		printf(_("Give this code to %s in person. It works once, at the "
		    "first log-in, until %s; it is not shown again.\n"),
		    ctl->user, ctl_time(ctl_jint(reply, "expires"), when,
		    sizeof(when)));
	}
	proto_wipe_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_user_add_code(struct ctl *ctl)
{
	int ex;

	if (ctl->enroll_code && ctl->role != NULL &&
	    strcmp(ctl->role, "privileged") == 0) {
		ctl_err(_("privileged users cannot enroll with an enrollment "
		    "code: they enroll a FIDO2 key with approval"));
		return CTL_EXIT_USAGE;
	}
	if ((ex = ctl_user_add(ctl)) != CTL_EXIT_OK || !ctl->enroll_code)
		return ex;
	return ctl_user_enroll_code(ctl);
}

int
ctl_user_offboard(struct ctl *ctl)
{
	struct json_object *reply = NULL;
	char said[512];
	int ex;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_USER_OFFBOARD), &reply)) !=
	    0)
		return ex;
	snprintf(said, sizeof(said), _("User '%s' is off-boarded: disabled, "
	    "%lld token(s) revoked."), ctl->user,
	    (long long)ctl_jint(reply, "revoked"));
	return finish(ctl, reply, said);
}

int
ctl_token_lost(struct ctl *ctl)
{
	struct json_object *reply = NULL;
	char said[512];
	int ex, missing;

	if (ctl->own) {
		if ((ex = ctl_run_own(ctl, OP_TOKEN_LOST_OWN, &reply,
		    &missing)) != 0) {
			if (missing)
				ctl_err(_("you have no token %lld: your tokens "
				    "and their numbers: kagictl token list"),
				    (long long)ctl->token);
			return ex;
		}
		snprintf(said, sizeof(said), _("Your token %lld is recorded "
		    "as lost and revoked: it can no longer be used to log "
		    "in.  The administrators were alerted."),
		    (long long)ctl->token);
		return finish(ctl, reply, said);
	}
	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_TOKEN_LOST), &reply)) != 0)
		return ex;
	snprintf(said, sizeof(said), _("Token %lld of user '%s' is recorded "
	    "as lost and revoked: it can no longer be used to log in."),
	    (long long)ctl->token, ctl->user);
	return finish(ctl, reply, said);
}

int
ctl_breakglass_issue(struct ctl *ctl)
{
	struct json_object *reply = NULL, *codes;
	size_t i;
	int ex, r = 0;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_BREAKGLASS_ISSUE),
	    &reply)) != 0) {
		return ex;
	}
	if (!json_object_object_get_ex(reply, "codes", &codes) ||
	    !json_object_is_type(codes, json_type_array)) {
		proto_wipe_put(reply);
		return ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
	}
	if (ctl->json)
		r = ctl_print_json(reply);
	else {
		printf(_("Break-glass codes for %s (each works once; they are "
		    "not shown again; any earlier codes no longer work):\n"),
		    ctl->user);
		for (i = 0; i < json_object_array_length(codes); i++) {
			const char *c = json_object_get_string(
			    json_object_array_get_idx(codes, i));
			/* For scripts too: never translated. */
			printf("breakglass-code: %s\n", c != NULL ? c : "?");
		}
	}
	proto_wipe_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_breakglass_list(struct ctl *ctl)
{
	const char *hdr[4] = { _("ID"), _("USER"), _("USED"), _("SOURCE") };
	struct json_object *reply = NULL, *arr;
	struct ctl_table *t = NULL;
	char id[24], when[32];
	size_t i;
	int ex, r = 0;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_BREAKGLASS_LIST),
	    &reply)) != 0)
		return ex;
	if (!json_object_object_get_ex(reply, "exceptions", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if (ctl->json) {
		r = ctl_print_json(reply);
		goto out;
	}
	if (!ctl_jbool(reply, "enabled"))
		printf("%s\n", _("Break-glass codes are off (breakglass = no "
		    "in kagid.conf)."));
	if (json_object_array_length(arr) == 0) {
		printf("%s\n", _("No open break-glass exceptions."));
		goto out;
	}
	if ((t = ctl_table_new(4, hdr)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *row[4];

		snprintf(id, sizeof(id), "%lld", (long long)ctl_jint(e, "id"));
		row[0] = id;
		row[1] = ctl_jstr(e, "user");
		row[2] = ctl_time(ctl_jint(e, "opened"), when, sizeof(when));
		row[3] = ctl_jstr(e, "source");
		if ((r = ctl_table_add(t, row)) != 0)
			goto out;
	}
	ctl_table_print(t, stdout);
	printf("%s\n", _("Each stays open until it is reported: kagictl "
	    "breakglass report ID --reason TEXT"));
 out:
	ctl_table_free(&t);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

int
ctl_breakglass_report(struct ctl *ctl)
{
	struct json_object *req, *reply = NULL;
	char said[256];
	int ex;

	if (ctl->reason == NULL) {
		ctl_err(_("breakglass report needs --reason TEXT: what "
		    "happened and why the code was used"));
		return CTL_EXIT_USAGE;
	}
	if ((req = proto_request_new(OP_BREAKGLASS_REPORT)) != NULL &&
	    (proto_set_int(req, "id", ctl->id) != 0 ||
	    proto_set_str(req, "reason", ctl->reason) != 0)) {
		json_object_put(req);
		req = NULL;
	}
	if ((ex = ctl_run(ctl, req, &reply)) != 0)
		return ex;
	snprintf(said, sizeof(said), _("Break-glass exception %lld is "
	    "reported and closed."), (long long)ctl->id);
	return finish(ctl, reply, said);
}
