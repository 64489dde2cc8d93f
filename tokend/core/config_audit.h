/*
 * config_audit.h - the effective configuration on the audit chain
 * (R-LOG-1, R-LOG-5): a security setting never changes without a record.
 *
 * At every start kagid appends a "config" record: the SHA-256 digest of
 * its effective configuration (every key of kagid.conf, defaults
 * included), the settings themselves, and a readable summary of what
 * changed since the last "config" record of the chain ("lockout_failures:
 * 5 -> 10; approval_required: ... -> ..."), with the time the policy last
 * changed.  kagid has no reload: a changed kagid.conf takes effect only
 * at a start, so every effective change is recorded.
 */
#ifndef KAGI_CONFIG_AUDIT_H
#define KAGI_CONFIG_AUDIT_H

#include <stdint.h>

#include "ctx.h"

/* Hex digest length (SHA-256). */
#define CONFIG_DIGEST_HEX 64

/*
 * The digest of cfg's effective configuration (out: 65 bytes): SHA-256
 * over "key=value\n" for every key, in kagid_config_keys order.
 */
int config_audit_digest(const struct kagid_config *cfg,
    char out[CONFIG_DIGEST_HEX + 1]);

/*
 * Append the "config" record for ctx->cfg in a transaction of its own
 * (called once at start, outside any batch), and keep in ctx when the
 * policy last changed.  path: the configuration file (NULL: defaults).
 */
int config_audit_start(struct kagid_ctx *ctx, const char *path);

/*
 * When the policy last changed (*when, seconds since the epoch) and the
 * audit record that says so (*seq): for kagictl status and the
 * compliance check.  KAGI_ERR_NOT_FOUND before config_audit_start().
 */
int config_audit_last_change(const struct kagid_ctx *ctx, int64_t *when,
    int64_t *seq);

#endif
