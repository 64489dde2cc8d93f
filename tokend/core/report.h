/*
 * report.h - the auditors' reports, read from the users and tokens and
 * from the audit records (event names and fields: audit.h), never from
 * SQL (R-TOK-6, R-TOK-7, R-PRIV-1, R-LOG-3, R-REM-4, R-EXC-1).
 *
 * Every report handler replies {"report": NAME, "columns": [NAME...],
 * "rows": [[VALUE...]...]}: values are strings, integers (times are
 * seconds since the epoch, 0 = never) or null; rows come in a fixed
 * order, so the same store always gives the same report.  A report of
 * events nobody emits yet (sessions, break-glass, requests) is empty
 * with its columns.
 */
#ifndef KAGI_REPORT_H
#define KAGI_REPORT_H

#include <stdint.h>

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

#endif
