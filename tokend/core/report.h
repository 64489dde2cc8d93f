/*
 * report.h - the auditors' reports (report.c) and the state kept for
 * them as records are written (report_note.h) (R-TOK-6, R-TOK-7,
 * R-PRIV-1, R-LOG-3, R-REM-4, R-EXC-1).
 *
 * Every report fills reply with {"report": NAME, "columns": [NAME...],
 * "rows": [[VALUE...]...]}: values are strings, integers (times are
 * seconds since the epoch, 0 = never) or null; rows come in a fixed
 * order, so the same store always gives the same report.  Reports read
 * kagid's current state, never the audit records: archiving records
 * changes no report.  The handlers are in h_report.c.
 */
#ifndef KAGI_REPORT_H
#define KAGI_REPORT_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"

/* Counts for status and compliance. */
struct report_counts {
	int64_t users;
	int64_t locked;		/* accounts locked now */
	int64_t open_sessions;
	int64_t open_breakglass;	/* exceptions without a report */
	int64_t oldest_open_breakglass;	/* when the oldest opened, 0 */
	int64_t open_requests;	/* pending and not expired */
	int64_t dormant;	/* enabled accounts unused for dormant_days */
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
/* Failures and lockouts per user and source since since's hour
 * (R-LOG-3). */
int report_lockouts(struct kagid_ctx *ctx, int64_t since,
    struct json_object *reply);
/* Vendors' sessions open at since or later, with their duration and
 * why they ended (R-REM-4). */
int report_vendors(struct kagid_ctx *ctx, int64_t since,
    struct json_object *reply);
/* Break-glass uses with their reports, requests still open (R-EXC-1). */
int report_exceptions(struct kagid_ctx *ctx, struct json_object *reply);

/* A report was produced by peer (the access review, R-TOK-7): kept as
 * its last run and as an audit record "report_run". */
int report_note_run(struct kagid_ctx *ctx, const struct peer *peer,
    const char *name);

#endif
