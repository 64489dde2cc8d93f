/*
 * vendor.c - the vendor rules (vendor.h).
 *
 * Guarantees:
 *  - a vendor may log in only with terms on record that still parse,
 *    before its expiry, inside one of its maintenance windows and from one
 *    of its allowed networks; anything missing or unreadable refuses
 *    (R-REM-1, R-REM-3);
 *  - a permit is accepted only within kagid.conf's limits: an expiry at
 *    most vendor_max_horizon ahead, windows open at most
 *    vendor_max_window in any 24 hours (however they are cut up), no
 *    network wider than vendor_widest_prefix_ipv4 / _ipv6, and the
 *    worker, place and work named (R-REM-1, R-REM-3, R-REM-5); checked
 *    when it is asked for and again when it is approved;
 *  - a caller whose name is a kagi vendor user is never an administrator,
 *    whatever its Unix groups: the refusal is recorded at alert priority
 *    on a savepoint of its own, so it stays when the request is refused
 *    (R-PRIV-4).
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "audit.h"
#include "kagi_err.h"
#include "policy.h"
#include "proto.h"
#include "refusal.h"
#include "store_policy.h"
#include "username.h"
#include "vendor.h"

/*
 * A vendor's terms at now for this request (R-REM-1, R-REM-3): *why is
 * NULL when it may log in, else the reason it may not.  A vendor without
 * terms, or with terms that no longer parse, is refused.
 */
int
vendor_terms(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *rhost, int64_t now, const char **why)
{
	struct policy_cidrs c;
	int64_t ends = 0;

	*why = NULL;
	if (u->role != ROLE_VENDOR)
		return 0;
	/* Without an address, no address matches (fail closed). */
	return vendor_terms_until(ctx, u, rhost != NULL ? rhost : "", now,
	    why, &ends, &c);
}

int
vendor_terms_until(struct kagid_ctx *ctx, const struct user_rec *u,
    const char *rhost, int64_t now, const char **why, int64_t *ends,
    struct policy_cidrs *c)
{
	struct vendor_rec v;
	struct policy_windows w;
	int64_t end = 0;
	int r;

	*why = NULL;
	*ends = 0;
	r = store_vendor_get(ctx->store, u->id, &v);
	if (r == KAGI_ERR_NOT_FOUND) {
		*why = "no_terms";
		return 0;
	}
	if (r != 0)
		return r;
	if (policy_windows_parse(v.windows, &w) != 0 ||
	    policy_cidrs_parse(v.sources, c) != 0)
		*why = "bad_terms";
	else if (now >= v.expires)
		*why = "expired";
	else if (!policy_windows_open(&w, now, &end))
		*why = "outside_window";
	else if (rhost != NULL && !policy_cidrs_match(c, rhost))
		*why = "source_address";
	else
		*ends = end < v.expires ? end : v.expires;
	return 0;
}

/* A company name: 1..STORE_COMPANY_MAX bytes, no control characters. */
int
vendor_company_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > STORE_COMPANY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* A permit's text field: 1..STORE_PERMIT_MAX bytes, no control bytes. */
static int
permit_text_valid(const char *s)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > STORE_PERMIT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
vendor_permit_check(struct kagid_ctx *ctx, const struct vendor_permit *p,
    int64_t now)
{
	const struct kagid_config *cfg = ctx->cfg;
	const struct {
		int family;
		const char *name, *key;
		long long widest;
	} fam[2] = {
		{ AF_INET, "IPv4", "vendor_widest_prefix_ipv4",
		    cfg->vendor_widest_prefix_ipv4 },
		{ AF_INET6, "IPv6", "vendor_widest_prefix_ipv6",
		    cfg->vendor_widest_prefix_ipv6 },
	};
	struct policy_windows win;
	struct policy_cidrs c;
	const char *missing;
	int open_min, w;
	size_t i;

	missing = !permit_text_valid(p->worker) ? "worker" :
	    !permit_text_valid(p->place) ? "place" :
	    !permit_text_valid(p->work) ? "work" : NULL;
	if (missing != NULL)
		return refusal_set(ctx, KAGI_ERR_INVALID, "permit_incomplete",
		    p->user, "a vendor permit names the individual worker, "
		    "the place the work is done from and the work to be done: "
		    "'%s' is missing or not 1 to %d printable bytes (R-REM-5)",
		    missing, STORE_PERMIT_MAX);
	if (policy_windows_parse(p->windows, &win) != 0 ||
	    policy_cidrs_parse(p->sources, &c) != 0)
		return KAGI_ERR_INVALID;
	if (p->expires - now > cfg->vendor_max_horizon)
		return refusal_set(ctx, KAGI_ERR_DENIED, "permit_horizon",
		    p->user, "the permit would run until %s, more than %lld "
		    "days ahead: vendor_max_horizon allows %lld days (R-REM-1)",
		    p->expires_text, (long long)((p->expires - now + 86399) /
		    86400), cfg->vendor_max_horizon / 86400);
	if ((open_min = policy_windows_max_minutes(&win)) * 60LL >
	    cfg->vendor_max_window)
		return refusal_set(ctx, KAGI_ERR_DENIED, "permit_window",
		    p->user, "the windows '%s' are open %d:%02d in 24 hours: "
		    "vendor_max_window allows %lld:%02lld (R-REM-1)",
		    p->windows, open_min / 60, open_min % 60,
		    cfg->vendor_max_window / 3600,
		    cfg->vendor_max_window % 3600 / 60);
	for (i = 0; i < 2; i++) {
		w = policy_cidrs_widest(&c, fam[i].family);
		if (w >= 0 && w < fam[i].widest)
			return refusal_set(ctx, KAGI_ERR_DENIED,
			    "permit_source", p->user, "the sources '%s' hold "
			    "an %s network /%d: %s allows /%lld at the widest "
			    "(R-REM-3)", p->sources, fam[i].name, w,
			    fam[i].key, fam[i].widest);
	}
	return 0;
}

int
vendor_refuse_admin(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op)
{
	char name[STORE_NAME_MAX + 1];
	struct json_object *f = NULL;
	struct user_rec u;
	int r;

	if (peer->name[0] == '\0' || user_canonical(peer->name, name) != 0)
		return 0;
	r = store_user_get(ctx->store, name, &u);
	if (r == KAGI_ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return r;
	if (u.role != ROLE_VENDOR)
		return 0;
	if ((f = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if ((r = proto_set_str(f, "reason", "vendor_as_admin")) != 0 ||
	    (r = proto_set_str(f, "op", op)) != 0 ||
	    (r = store_savepoint(ctx->store)) != 0)
		goto out;
	if ((r = audit_record(ctx, peer, LOG_ALERT, "vendor_refused", u.name,
	    f)) != 0 || (r = store_release(ctx->store)) != 0) {
		store_rollback_to(ctx->store);
		goto out;
	}
	r = KAGI_ERR_DENIED;
out:
	json_object_put(f);
	return r;
}
