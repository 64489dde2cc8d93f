/*
 * vendor.h - the vendor rules: a vendor is never an administrator
 * (R-PRIV-4).
 */
#ifndef KAGI_VENDOR_H
#define KAGI_VENDOR_H

#include "ctx.h"
#include "peer.h"

/*
 * R-PRIV-4: KAGI_ERR_DENIED, with an alert committed on its own
 * savepoint, when the caller's name is a kagi vendor user; 0 otherwise.
 * Called before any administrative request runs.
 */
int policy_refuse_vendor_peer(struct kagid_ctx *ctx, const struct peer *peer,
    const char *op);

#endif
