/*
 * dormant.h - when an account counts as dormant (R-TOK-6).
 *
 * Pure arithmetic, kept apart so that unit tests can check it at any
 * instant: an account is dormant when dormant_disable_days is not 0, the
 * account is enabled, and days whole days have passed since the latest
 * of its creation, its last successful log-in and its last re-enabling.
 */
#ifndef KAGI_DORMANT_H
#define KAGI_DORMANT_H

#include <stdint.h>

#include "store.h"

int dormant_due(const struct user_rec *u, int64_t enabled_at,
    long long days, int64_t now);

#endif
