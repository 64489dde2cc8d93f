/*
 * audit.h - writing audit records from kagid's handlers.
 *
 * audit_record() appends one record to the hash chain in the current
 * transaction (so it commits or vanishes with the change it describes)
 * and queues its syslog mirror (LOG_AUTHPRIV; alert priority for what an
 * administrator must see at once), which is written only once the
 * transaction has committed.  The fields never hold a secret.
 */
#ifndef KAGI_AUDIT_H
#define KAGI_AUDIT_H

#include <json-c/json.h>

#include "dispatch.h"
#include "peer.h"
#include "store.h"

/*
 * fields: a JSON object or NULL (not consumed).  prio: LOG_INFO normally,
 * LOG_ALERT for lockouts and the like.
 */
int audit_record(struct kagid_ctx *ctx, const struct peer *peer, int prio,
    const char *event, const char *user, struct json_object *fields);

#endif
