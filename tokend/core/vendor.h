/*
 * vendor.h - the vendor rules: the terms under which a vendor may log in
 * (R-REM-1, R-REM-3), and a vendor is never an administrator (R-PRIV-4).
 */
#ifndef KAGI_VENDOR_H
#define KAGI_VENDOR_H

#include <stdint.h>

#include "ctx.h"
#include "policy.h"
#include "peer.h"
#include "store.h"

/*
 * A vendor's terms at now for a log-in from rhost (R-REM-1, R-REM-3):
 * *why is NULL when u may log in (or is not a vendor), else the reason it
 * may not: "no_terms", "bad_terms", "expired", "outside_window",
 * "source_address".  An error only when the store fails.
 */
int vendor_terms(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *rhost, int64_t now, const char **why);

/*
 * The same for a vendor u, rhost NULL leaving the address unchecked (the
 * gateway's keys command, which sshd runs before it names the address to
 * kagid; from= then carries the networks): when *why is NULL, *ends is
 * when the terms stop holding (the window's close, or the permit's
 * expiry if earlier) and *c the permit's networks.
 */
int vendor_terms_until(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *rhost, int64_t now, const char **why, int64_t *ends,
    struct policy_cidrs *c);

/* A company name: 1..STORE_COMPANY_MAX bytes, no control characters. */
int vendor_company_valid(const char *s);

/* A vendor permit as asked for (vendor_add). */
struct vendor_permit {
	const char *user;
	int64_t expires;		/* policy_date_end() of the date */
	const char *expires_text;	/* the date as given */
	const char *windows;		/* policy_windows_parse() text */
	const char *sources;		/* policy_cidrs_parse() text */
	const char *worker;		/* the individual who works */
	const char *place;		/* where the work is done from */
	const char *work;		/* what is done */
};
/*
 * Is the permit within kagid.conf's limits at now (R-REM-1, R-REM-3,
 * R-REM-5)?  0, or a refusal that names the limit and its setting
 * (refusal.h): expiry past vendor_max_horizon, windows open more than
 * vendor_max_window in any 24 hours, a network wider than
 * vendor_widest_prefix_ipv4 / _ipv6, a missing or malformed worker,
 * place or work.  Windows and sources must already parse.
 */
int vendor_permit_check(struct kagid_ctx *ctx, const struct vendor_permit *p,
    int64_t now);

/*
 * R-PRIV-4: KAGI_ERR_DENIED, with an alert committed on its own
 * savepoint, when the caller's name is a kagi vendor user; 0 otherwise.
 * Called before any administrative request runs.
 */
int vendor_refuse_admin(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op);

#endif
