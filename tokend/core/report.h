/*
 * report.h - the auditors' reports, read from the users and tokens and
 * from the audit records (event names and fields: audit.h), never from
 * SQL (R-TOK-6, R-TOK-7, R-PRIV-1, R-LOG-3, R-REM-4, R-EXC-1).
 *
 * Every report fills reply with {"report": NAME, "columns": [NAME...],
 * "rows": [[VALUE...]...]}: values are strings, integers (times are
 * seconds since the epoch, 0 = never) or null; rows come in a fixed
 * order, so the same store always gives the same report.  A report of
 * events nobody emits yet (sessions, break-glass, requests) is empty
 * with its columns.  The handlers are in h_report.c.
 */
#ifndef KAGI_REPORT_H
#define KAGI_REPORT_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"

/* Counts for status and compliance. */
struct report_counts {
	int64_t users;
	int64_t locked;		/* accounts locked now */
	int64_t open_sessions;
	int64_t open_breakglass;	/* uses without a report */
	int64_t open_requests;
	int64_t dormant;	/* accounts unused for cfg->dormant_days */
	int64_t oldest_time;	/* time of the oldest live record, 0 = none */
};
int report_counts(struct kagid_ctx *ctx, struct report_counts *c);

/* Accounts without a log-in (or, never used, created) for days days
 * (R-TOK-6). */
int report_dormant(struct kagid_ctx *ctx, int64_t days,
    struct json_object *reply);
/* Every user: role, state, factors, last use, who granted and approved
 * the role (R-TOK-7). */
int report_access(struct kagid_ctx *ctx, struct json_object *reply);
/* Who holds the privileged role, since when, granted and approved by
 * whom (R-PRIV-1). */
int report_privileged(struct kagid_ctx *ctx, struct json_object *reply);
/* Failures and lockouts per user and source since since (R-LOG-3). */
int report_lockouts(struct kagid_ctx *ctx, int64_t since,
    struct json_object *reply);
/* Vendors' sessions open at since or later (R-REM-4). */
int report_vendors(struct kagid_ctx *ctx, int64_t since,
    struct json_object *reply);
/* Break-glass uses and their reports, requests still open (R-EXC-1). */
int report_exceptions(struct kagid_ctx *ctx, struct json_object *reply);

#endif
