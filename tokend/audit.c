/*
 * audit.c - one audit record per decision or change, chained and mirrored.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"

int
audit_record(struct store *s, const struct peer *peer, int prio,
    const char *event, const char *user, struct json_object *fields)
{
	struct audit_event ev;
	const char *ftext = NULL;
	char qu[STORE_NAME_MAX * 4 + 8];
	int64_t seq = 0;
	int r;

	if (fields != NULL)
		ftext = json_object_to_json_string_ext(fields,
		    JSON_C_TO_STRING_PLAIN);
	memset(&ev, 0, sizeof(ev));
	ev.time = kagi_now();
	ev.actor_uid = peer != NULL ? (int64_t)peer->uid : -1;
	ev.actor = peer != NULL ? peer->name : "kagid";
	ev.event = event;
	ev.user = user;
	ev.fields = ftext;
	if ((r = store_audit_append(s, &ev, &seq)) != 0) {
		kagi_error("audit record '%s' not written: %s", event,
		    kagi_strerror(r));
		return r;
	}
	kagi_log(prio, "audit seq=%lld event=%s user=%s uid=%lld %s",
	    (long long)seq, event,
	    kagi_log_quote(user != NULL ? user : "", qu, sizeof(qu)),
	    (long long)ev.actor_uid, ftext != NULL ? ftext : "{}");
	return 0;
}
