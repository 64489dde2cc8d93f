/*
 * ctl_session.c - `kagictl session list`: the open sessions kagid knows,
 * and when it will end them (R-PRIV-7, R-REM-4).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"

static int
print_sessions(struct json_object *arr)
{
	const char *hdr[8] = { _("ID"), _("USER"), _("SERVICE"), _("TTY"),
	    _("FROM"), _("PID"), _("STARTED"), _("ENDS") };
	struct ctl_table *t;
	char id[24], pid[24], started[32], ends[64], when[32];
	size_t i, n = json_object_array_length(arr);
	int r = 0;

	if ((t = ctl_table_new(8, hdr)) == NULL)
		return KAGI_ERR_NOMEM;
	for (i = 0; i < n && r == 0; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *row[8];
		int64_t dl = ctl_jint(v, "deadline");

		snprintf(id, sizeof(id), "%lld", (long long)ctl_jint(v, "id"));
		snprintf(pid, sizeof(pid), "%lld",
		    (long long)ctl_jint(v, "pid"));
		snprintf(started, sizeof(started), "%s",
		    ctl_time(ctl_jint(v, "started"), when, sizeof(when)));
		if (dl == 0)
			snprintf(ends, sizeof(ends), "-");
		else
			snprintf(ends, sizeof(ends), "%s (%s)",
			    ctl_time(dl, when, sizeof(when)),
			    ctl_jstr(v, "limit"));
		row[0] = id;
		row[1] = ctl_jstr(v, "user");
		row[2] = ctl_jstr(v, "service");
		row[3] = *ctl_jstr(v, "tty") != '\0' ? ctl_jstr(v, "tty") : "-";
		row[4] = *ctl_jstr(v, "rhost") != '\0' ?
		    ctl_jstr(v, "rhost") : "-";
		row[5] = pid;
		row[6] = started;
		row[7] = ends;
		r = ctl_table_add(t, row);
	}
	if (r == 0)
		ctl_table_print(t, stdout);
	ctl_table_free(&t);
	return r;
}

int
ctl_session_list(struct ctl *ctl)
{
	struct json_object *reply = NULL, *arr;
	int ex, r;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_SESSION_LIST),
	    &reply)) != 0)
		return ex;
	if (ctl->json)
		r = ctl_print_json(reply);
	else if (!json_object_object_get_ex(reply, "sessions", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		r = KAGI_ERR_INVALID;
	else
		r = print_sessions(arr);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}
