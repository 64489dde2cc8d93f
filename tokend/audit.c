/*
 * audit.c - one audit record per decision or change, chained and mirrored.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"

int
ctx_log_queue(struct kagid_ctx *ctx, int prio, const char *line)
{
	struct pending_log *n;
	size_t cap;

	if (ctx->nlogs == ctx->logs_cap) {
		cap = ctx->logs_cap == 0 ? 16 : ctx->logs_cap * 2;
		if ((n = realloc(ctx->logs, cap * sizeof(*n))) == NULL)
			return KAGI_ERR_NOMEM;
		ctx->logs = n;
		ctx->logs_cap = cap;
	}
	if ((ctx->logs[ctx->nlogs].line = strdup(line)) == NULL)
		return KAGI_ERR_NOMEM;
	ctx->logs[ctx->nlogs++].prio = prio;
	return 0;
}

void
ctx_log_discard(struct kagid_ctx *ctx, size_t from)
{
	while (ctx->nlogs > from)
		free(ctx->logs[--ctx->nlogs].line);
}

void
ctx_log_flush(struct kagid_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nlogs; i++)
		kagi_log(ctx->logs[i].prio, "%s", ctx->logs[i].line);
	ctx_log_discard(ctx, 0);
}

int
audit_record(struct kagid_ctx *ctx, const struct peer *peer, int prio,
    const char *event, const char *user, struct json_object *fields)
{
	struct store *s = ctx->store;
	char line[2048];
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
	snprintf(line, sizeof(line), "audit seq=%lld event=%s user=%s uid=%lld %s",
	    (long long)seq, event,
	    kagi_log_quote(user != NULL ? user : "", qu, sizeof(qu)),
	    (long long)ev.actor_uid, ftext != NULL ? ftext : "{}");
	return ctx_log_queue(ctx, prio, line);
}
