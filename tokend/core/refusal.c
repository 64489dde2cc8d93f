/*
 * refusal.c - refusals that say why and stay on record (refusal.h).
 *
 * Guarantees: the record of a refusal is written in a savepoint of its
 * own after the refused request's changes were rolled back, so nothing
 * the request did survives and the record does; the message never holds
 * a secret (rules put names, numbers and setting names in it, never a
 * code); a request marked failed moves from pending to failed only, in
 * the same savepoint as the record.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "person.h"
#include "proto.h"
#include "refusal.h"
#include "store_life.h"

/* src into dst at off, cut to fit (dst stays terminated). */
static void
copy_cut(char *dst, size_t len, const char *src, size_t off)
{
	size_t n = strlen(src);

	if (off >= len)
		return;
	if (n > len - 1 - off)
		n = len - 1 - off;
	memcpy(dst + off, src, n);
	dst[off + n] = '\0';
}

int
refusal_set(struct kagid_ctx *ctx, int err, const char *reason,
    const char *user, const char *fmt, ...)
{
	struct refusal *f = &ctx->refusal;
	va_list ap;

	if (f->set)
		return err;
	memset(f, 0, sizeof(*f));
	f->set = 1;
	f->err = err;
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	snprintf(f->user, sizeof(f->user), "%s", user != NULL ? user : "");
	snprintf(f->event, sizeof(f->event), "refused");
	va_start(ap, fmt);
	(void)vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return err;
}

void
refusal_prefix(struct kagid_ctx *ctx, const char *fmt, ...)
{
	struct refusal *f = &ctx->refusal;
	char pre[REFUSAL_MSG_MAX + 1], old[REFUSAL_MSG_MAX + 1];
	va_list ap;

	if (!f->set)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, f->message, sizeof(old));
	copy_cut(f->message, sizeof(f->message), pre, 0);
	copy_cut(f->message, sizeof(f->message), old, strlen(f->message));
}

void
refusal_fail_request(struct kagid_ctx *ctx, int64_t id)
{
	if (ctx->refusal.set)
		ctx->refusal.request = id;
}

void
refusal_event(struct kagid_ctx *ctx, const char *event)
{
	if (ctx->refusal.set)
		snprintf(ctx->refusal.event, sizeof(ctx->refusal.event), "%s",
		    event);
}

void
refusal_clear(struct kagid_ctx *ctx)
{
	memset(&ctx->refusal, 0, sizeof(ctx->refusal));
}

const struct refusal *
refusal_get(const struct kagid_ctx *ctx)
{
	return ctx->refusal.set ? &ctx->refusal : NULL;
}

int
refusal_commit(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op)
{
	const struct refusal *f = refusal_get(ctx);
	struct request_decider d;
	struct json_object *o = NULL;
	char why[REQ_REASON_MAX + 1];
	int r;

	if (f == NULL)
		return 0;
	if ((o = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(o, "op", op)) != 0 ||
	    (r = proto_set_str(o, "reason", f->reason)) != 0 ||
	    (r = proto_set_str(o, "message", f->message)) != 0 ||
	    (f->request != 0 &&
	    (r = proto_set_int(o, "request", f->request)) != 0) ||
	    (r = store_savepoint(ctx->store)) != 0)
		goto out;
	/* The request keeps the start of the message as its reason. */
	copy_cut(why, sizeof(why), f->message, 0);
	d.uid = (int64_t)peer->uid;
	d.name = peer->name;
	d.luid = person_luid(peer);
	d.group = NULL;
	if ((f->request != 0 && (r = store_request_decide(ctx->store,
	    f->request, REQ_FAILED, &d, kagi_now(), why)) != 0) ||
	    (r = audit_record(ctx, peer, LOG_WARNING, f->event,
	    f->user[0] != '\0' ? f->user : NULL, o)) != 0 ||
	    (r = store_release(ctx->store)) != 0) {
		store_rollback_to(ctx->store);
		goto out;
	}
 out:
	if (r != 0)
		kagi_error("refusal of %s not recorded: %s", op,
		    kagi_strerror(r));
	json_object_put(o);
	return r;
}
