/*
 * maint.c - kagid's periodic work, run between batches of requests.
 *
 * At start and then hourly: accounts unused for dormant_disable_days are
 * disabled, each with a "dormant_disable" record (R-TOK-6), and pending
 * requests past their expiry are marked expired.  Each pass is its own
 * transaction; a pass that fails is logged, rolled back and tried again
 * at the next hour.  The break-glass file is brought in step at start,
 * hourly, and right after any commit that changed break-glass codes.
 * Provisional log-ins nobody confirmed are recorded as they expire
 * (login_confirm_tick()).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "approval.h"
#include "audit.h"
#include "breakglass.h"
#include "clock.h"
#include "dormant.h"
#include "kagi_err.h"
#include "log.h"
#include "login.h"
#include "maint.h"
#include "proto.h"
#include "store_life.h"

#define MAINT_INTERVAL 3600
#define DORMANT_BATCH 256

struct dormant_walk {
	struct kagid_ctx *ctx;
	int64_t now;
	int64_t ids[DORMANT_BATCH];
	size_t n;
	int err;
};

static int
dormant_cb(const struct user_rec *u, void *arg)
{
	struct dormant_walk *w = arg;
	int64_t enabled_at = 0;
	int r;

	if (u->disabled)
		return 0;
	if ((r = store_user_enabled_at(w->ctx->store, u->id,
	    &enabled_at)) != 0)
		return r;
	if (!dormant_due(u, enabled_at, w->ctx->cfg->dormant_disable_days,
	    w->now))
		return 0;
	w->ids[w->n++] = u->id;
	return w->n == DORMANT_BATCH ? 1 : 0;
}

static int
dormant_pass(struct kagid_ctx *ctx)
{
	struct dormant_walk w;
	struct json_object *f = NULL;
	struct user_rec u;
	size_t i;
	int r;

	if (ctx->cfg->dormant_disable_days <= 0)
		return 0;
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.now = kagi_now();
	if ((r = store_user_list(ctx->store, dormant_cb, &w)) < 0)
		return r;
	for (i = 0; i < w.n; i++) {
		if ((r = store_user_get_id(ctx->store, w.ids[i], &u)) != 0 ||
		    (r = store_user_set_disabled(ctx->store, u.id, 1)) != 0)
			return r;
		if ((f = json_object_new_object()) == NULL)
			return KAGI_ERR_NOMEM;
		if ((r = proto_set_int(f, "days",
		    ctx->cfg->dormant_disable_days)) == 0 &&
		    (r = proto_set_int(f, "last_success", u.last_success)) == 0)
			r = audit_record(ctx, NULL, LOG_NOTICE,
			    "dormant_disable", u.name, f);
		json_object_put(f);
		if (r != 0)
			return r;
	}
	return 0;
}

static void
hourly(struct kagid_ctx *ctx)
{
	int r;

	if ((r = store_begin(ctx->store)) != 0) {
		kagi_error("cannot begin: %s", kagi_strerror(r));
		return;
	}
	if ((r = dormant_pass(ctx)) != 0 ||
	    (r = approval_expire_due(ctx)) != 0 ||
	    (r = store_commit(ctx->store)) != 0) {
		kagi_error("periodic pass failed: %s", kagi_strerror(r));
		store_rollback(ctx->store);
		ctx_log_discard(ctx, 0);
		return;
	}
	ctx_log_flush(ctx);
}

void
maint_tick(struct kagid_ctx *ctx, int force)
{
	static int64_t last;
	int64_t now = kagi_now();

	login_confirm_tick(ctx);
	if (force || now - last >= MAINT_INTERVAL || now < last) {
		last = now;
		hourly(ctx);
		(void)breakglass_sync(ctx);
		return;
	}
	if (breakglass_sync_due(ctx))
		(void)breakglass_sync(ctx);
}
