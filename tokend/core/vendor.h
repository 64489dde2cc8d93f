/*
 * vendor.h - the vendor rules: the terms under which a vendor may log in
 * (R-REM-1, R-REM-3), and a vendor is never an administrator (R-PRIV-4).
 */
#ifndef KAGI_VENDOR_H
#define KAGI_VENDOR_H

#include <stdint.h>

#include "ctx.h"
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

/* A company name: 1..STORE_COMPANY_MAX bytes, no control characters. */
int vendor_company_valid(const char *s);

/*
 * R-PRIV-4: KAGI_ERR_DENIED, with an alert committed on its own
 * savepoint, when the caller's name is a kagi vendor user; 0 otherwise.
 * Called before any administrative request runs.
 */
int vendor_refuse_admin(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op);

#endif
