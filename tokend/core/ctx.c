/*
 * ctx.c - setting up kagid's context from its configuration (ctx.h).
 */
#include "config.h"

#include "ctx.h"

/* One role's lockout policy from its six configuration keys. */
static struct lockout_policy
policy(long long failures, long long interval, long long duration,
    long long max_duration, int growth, int admin_unlock)
{
	struct lockout_policy p;

	p.max_failures = failures;
	p.interval = interval;
	p.duration = duration;
	p.max_duration = max_duration;
	p.growth = growth;
	p.admin_unlock = admin_unlock;
	p.relock_failures = 0;
	return p;
}

void
ctx_set_lockouts(struct kagid_ctx *ctx)
{
	const struct kagid_config *c = ctx->cfg;

	ctx->lockout = policy(c->lockout_failures, c->lockout_interval,
	    c->lockout_duration, c->lockout_max_duration, c->lockout_growth,
	    c->lockout_admin_unlock);
	ctx->lockout_role[ROLE_STAFF] = ctx->lockout;
	ctx->lockout_role[ROLE_PRIVILEGED] = policy(
	    c->lockout_privileged_failures, c->lockout_privileged_interval,
	    c->lockout_privileged_duration, c->lockout_privileged_max_duration,
	    c->lockout_privileged_growth, c->lockout_privileged_admin_unlock);
	ctx->lockout_role[ROLE_VENDOR] = policy(c->lockout_vendor_failures,
	    c->lockout_vendor_interval, c->lockout_vendor_duration,
	    c->lockout_vendor_max_duration, c->lockout_vendor_growth,
	    c->lockout_vendor_admin_unlock);
	/* Every role: after a lock, fewer failures lock again (issue 13). */
	ctx->lockout.relock_failures = c->lockout_relock_failures;
	ctx->lockout_role[ROLE_STAFF].relock_failures =
	    c->lockout_relock_failures;
	ctx->lockout_role[ROLE_PRIVILEGED].relock_failures =
	    c->lockout_relock_failures;
	ctx->lockout_role[ROLE_VENDOR].relock_failures =
	    c->lockout_relock_failures;
	ctx->delay.first_ms = c->failure_delay * 1000;
	ctx->delay.max_ms = c->failure_delay_max * 1000;
}
