/*
 * vendor.c - the vendor rules (vendor.h).
 *
 * Guarantees:
 *  - a vendor may log in only with terms on record that still parse,
 *    before its expiry, inside one of its maintenance windows and from one
 *    of its allowed networks; anything missing or unreadable refuses
 *    (R-REM-1, R-REM-3);
 *  - a caller whose name is a kagi vendor user is never an administrator,
 *    whatever its Unix groups: the refusal is recorded at alert priority
 *    on a savepoint of its own, so it stays when the request is refused
 *    (R-PRIV-4).
 */
#include "config.h"

#include <string.h>
#include <syslog.h>

#include "audit.h"
#include "kagi_err.h"
#include "policy.h"
#include "proto.h"
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
	struct vendor_rec v;
	struct policy_windows w;
	struct policy_cidrs c;
	int r;

	*why = NULL;
	if (u->role != ROLE_VENDOR)
		return 0;
	r = store_vendor_get(ctx->store, u->id, &v);
	if (r == KAGI_ERR_NOT_FOUND) {
		*why = "no_terms";
		return 0;
	}
	if (r != 0)
		return r;
	if (policy_windows_parse(v.windows, &w) != 0 ||
	    policy_cidrs_parse(v.sources, &c) != 0)
		*why = "bad_terms";
	else if (now >= v.expires)
		*why = "expired";
	else if (!policy_windows_open(&w, now, NULL))
		*why = "outside_window";
	else if (!policy_cidrs_match(&c, rhost))
		*why = "source_address";
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
