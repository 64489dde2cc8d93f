/*
 * pk_flow.h - the log-in flows, which the entry points (pam_kagi.c)
 * call: auth (pk_auth.c).  Internal to the module (hidden symbols).
 */
#ifndef KAGI_PK_FLOW_H
#define KAGI_PK_FLOW_H

#include "pk_int.h"

/*
 * The key: ask it and send kagid the outcome.  With no key plugged in
 * and TOTP allowed, *fallback is set and nothing is sent.
 */
enum pk_outcome pk_auth_key(struct pk_ctx *ctx, int *fallback);

#endif
