/*
 * compliance.h - the compliance self-check (R-AUD-1, compliance.c).
 */
#ifndef KAGI_COMPLIANCE_H
#define KAGI_COMPLIANCE_H

#include <json-c/json.h>

#include "ctx.h"

/*
 * The running configuration and state, requirement by requirement:
 * reply gets "checks" ([{"id", "result" (PASS|WARN|FAIL), "evidence"}]),
 * and the counts "fail" and "warn".  Nothing is changed.
 */
int compliance_check(struct kagid_ctx *ctx, struct json_object *reply);

#endif
