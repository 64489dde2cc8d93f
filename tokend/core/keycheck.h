/*
 * keycheck.h - kagid refuses to start when its sealing key does not open
 * what is in the store (issue 14: every core holds the same key).
 */
#ifndef KAGI_KEYCHECK_H
#define KAGI_KEYCHECK_H

#include <stddef.h>

#include "ctx.h"

/* How many of the newest tokens are tried. */
#define KEYCHECK_TOKENS 16

/*
 * Trial-open the newest KEYCHECK_TOKENS tokens that are not revoked
 * (ctx->store, ctx->key), each under its owner's name as a log-in would
 * open it, in a read-only transaction of its own.  0 when the store holds
 * no such token or when the key opens at least one of them (one row
 * damaged by hand does not stop every core); KAGI_ERR_CRYPTO when it
 * opens none: why (whylen bytes) says so in a sentence that names the
 * problem, never the key.  A store error is returned as it is.
 */
int keycheck_run(struct kagid_ctx *ctx, char *why, size_t whylen);

#endif
