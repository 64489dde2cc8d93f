/*
 * h_report.c - the auditors' reports and the compliance check:
 * report_dormant, report_access, report_privileged, report_lockouts,
 * report_vendors, report_exceptions, compliance.
 *
 * Each reads its one optional field ("days" or "since") and calls
 * report.c or compliance.c, which read the store and fill the reply;
 * none changes anything.
 */
#include "config.h"

#include <stdint.h>

#include "compliance.h"
#include "handlers.h"
#include "proto.h"
#include "report.h"

/* A report of the records from the request's "since" on (0: all). */
static int
since_report(struct kagid_ctx *ctx, struct json_object *req,
    struct json_object *reply,
    int (*report)(struct kagid_ctx *, int64_t, struct json_object *))
{
	int64_t since = 0;
	int r;

	if ((r = proto_get_int_opt(req, "since", 0, INT64_MAX, &since)) != 0)
		return r;
	return report(ctx, since, reply);
}

int
h_report_dormant(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	int64_t days = ctx->cfg->dormant_days;
	int r;

	(void)peer;
	if ((r = proto_get_int_opt(req, "days", 1, 36500, &days)) != 0)
		return r;
	return report_dormant(ctx, days, reply);
}

int
h_report_access(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	int r;

	(void)req;
	/* The access review is an act of its own, kept (R-TOK-7). */
	if ((r = report_access(ctx, reply)) != 0)
		return r;
	return report_note_run(ctx, peer, "access");
}

int
h_report_privileged(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	(void)req;
	return report_privileged(ctx, reply);
}

int
h_report_lockouts(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	return since_report(ctx, req, reply, report_lockouts);
}

int
h_report_vendors(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	return since_report(ctx, req, reply, report_vendors);
}

int
h_report_exceptions(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	(void)req;
	return report_exceptions(ctx, reply);
}

int
h_compliance(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object *reply)
{
	(void)peer;
	(void)req;
	return compliance_check(ctx, reply);
}
