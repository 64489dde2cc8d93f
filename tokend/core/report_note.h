/*
 * report_note.h - keeping the state the reports read as audit records are
 * appended (report_note.c), and the one place that says what a log-in is.
 * Only audit.c calls report_note(); it includes nothing that calls back
 * into audit.c.
 */
#ifndef KAGI_REPORT_NOTE_H
#define KAGI_REPORT_NOTE_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"

/*
 * What a record says about a log-in: THE ONE PLACE that decides what the
 * reports count as a log-in and as a failed one (report_note.c).
 */
enum report_login { REPORT_NOT_LOGIN = 0, REPORT_LOGIN_OK,
    REPORT_LOGIN_FAILED, REPORT_LOGIN_UNCONFIRMED };
enum report_login report_login_of(const char *event,
    struct json_object *fields);

/*
 * Called by audit_record() for every record it appends, in the same
 * transaction: keeps the state the reports read (who granted a role,
 * failures and lockouts by source and hour).  fields may be NULL.
 */
int report_note(struct kagid_ctx *ctx, const struct peer *peer,
    const char *event, const char *user, struct json_object *fields,
    int64_t time);

#endif
