/*
 * compliance.h - the compliance self-check (R-AUD-1, compliance.c).
 */
#ifndef KAGI_COMPLIANCE_H
#define KAGI_COMPLIANCE_H

#include <json-c/json.h>

#include "ctx.h"

/*
 * The running configuration and state, requirement by requirement, one
 * line for every ID of REQUIREMENTS.md: reply gets "checks" ([{"id",
 * "result" (PASS|WARN|FAIL), "evidence" (English), "text" (its template)
 * and "args" (its arguments, strings)}]), and the counts "pass", "warn"
 * and "fail".  Nothing is changed.
 */
int compliance_check(struct kagid_ctx *ctx, struct json_object *reply);
/* How many requirement IDs it checks. */
int compliance_ids(void);

#endif
