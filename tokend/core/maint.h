/*
 * maint.h - kagid's periodic work: dormant accounts (R-TOK-6), expired
 * requests, the break-glass file.
 */
#ifndef KAGI_MAINT_H
#define KAGI_MAINT_H

#include <stdint.h>

#include "ctx.h"

/*
 * Periodic work, outside any batch: at start (force) and then hourly,
 * dormant accounts and expired requests; after any commit that changed
 * break-glass codes, the break-glass file.
 */
void maint_tick(struct kagid_ctx *ctx, int force);

#endif
