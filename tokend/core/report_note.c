/*
 * report_note.c - the state the reports read, kept as the audit records
 * are written (report_note.h).
 *
 * audit_record() hands every record it appends to report_note(), in the
 * same transaction, so a report's facts commit or vanish with the record
 * that states them and outlive its archiving:
 *  - "user_add" and "role_change" set the user's grant: the role, since
 *    when, who asked (the requester of the approved request being carried
 *    out, else the caller) and who approved (that request's approver,
 *    else nobody) (R-PRIV-1, R-PRIV-3, R-TOK-7);
 *  - a failed log-in, a "lockout" and a second factor whose log-in the
 *    rest of the PAM stack never confirmed ("unconfirmed") count for the
 *    user and source in the hour they happened (R-LOG-3).
 * What counts as a log-in is decided in report_login_of() alone.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "clock.h"
#include "kagi_err.h"
#include "names.h"
#include "proto.h"
#include "report_note.h"
#include "store_life.h"
#include "store_report.h"

/*
 * A log-in is an "auth" record; its "outcome" says how it ended.  When a
 * second factor's success becomes provisional until the account phase
 * confirms it (issue 13), only the confirmed one is REPORT_LOGIN_OK:
 * change this function, and nothing else, to say so.
 */
enum report_login
report_login_of(const char *event, struct json_object *fields)
{
	const char *outcome;

	if (strcmp(event, "auth") != 0 ||
	    (outcome = proto_str_or_null(fields, "outcome")) == NULL)
		return REPORT_NOT_LOGIN;
	if (strcmp(outcome, "success") == 0)
		return REPORT_LOGIN_OK;
	if (strcmp(outcome, "failure") == 0)
		return REPORT_LOGIN_FAILED;
	if (strcmp(outcome, "unconfirmed") == 0)
		return REPORT_LOGIN_UNCONFIRMED;
	return REPORT_NOT_LOGIN;
}

/* Where an attempt came from: rhost, else tty, else "-". */
static void
source_of(struct json_object *f, char *out, size_t len)
{
	const char *s = proto_str_or_null(f, "rhost");

	if (s == NULL || s[0] == '\0')
		s = proto_str_or_null(f, "tty");
	snprintf(out, len, "%s", s != NULL && s[0] != '\0' ? s : "-");
}

static int
note_grant(struct kagid_ctx *ctx, const struct peer *peer,
    const char *event, const char *user, struct json_object *fields,
    int64_t time)
{
	const struct request_rec *q = ctx->approving;
	const char *rolename = proto_str_or_null(fields,
	    strcmp(event, "user_add") == 0 ? "role" : "to");
	const char *caller = peer != NULL ? peer->name : "kagid";
	struct grant_rec g;
	struct user_rec u;
	int role = 0, r;

	if (user == NULL || rolename == NULL ||
	    role_from_name(rolename, &role) != 0)
		return KAGI_ERR_INTERNAL;
	if ((r = store_user_get(ctx->store, user, &u)) != 0)
		return r;
	memset(&g, 0, sizeof(g));
	g.user_id = u.id;
	g.role = role;
	g.since = time;
	/* Carried out on approval: asked by the requester, approved by
	 * the caller (approval.c). */
	snprintf(g.granted_by, sizeof(g.granted_by), "%s",
	    q != NULL ? q->requester : caller);
	snprintf(g.approved_by, sizeof(g.approved_by), "%s",
	    q != NULL ? caller : "");
	g.request_id = q != NULL ? q->id : 0;
	return store_grant_put(ctx->store, &g);
}

int
report_note(struct kagid_ctx *ctx, const struct peer *peer,
    const char *event, const char *user, struct json_object *fields,
    int64_t time)
{
	char source[STORE_SOURCE_MAX + 1];
	int lockout = strcmp(event, "lockout") == 0;
	enum report_login l = report_login_of(event, fields);

	if (strcmp(event, "user_add") == 0 || strcmp(event, "role_change") == 0)
		return note_grant(ctx, peer, event, user, fields, time);
	if (!lockout && l != REPORT_LOGIN_FAILED &&
	    l != REPORT_LOGIN_UNCONFIRMED)
		return 0;
	/* A name no user can have is counted under none. */
	if (user == NULL || strlen(user) > STORE_NAME_MAX)
		return 0;
	source_of(fields, source, sizeof(source));
	return store_authstat_add(ctx->store, user, source, time,
	    l == REPORT_LOGIN_FAILED, lockout, l == REPORT_LOGIN_UNCONFIRMED);
}
