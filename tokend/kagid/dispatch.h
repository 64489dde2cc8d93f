/*
 * dispatch.h - kagid's table of requests and the context handlers share.
 *
 * dispatch() looks the request's "op" up in one table of {op, who may
 * send it, allowed fields, handler}; a request from a class not listed,
 * with an unknown op or an unknown field, is refused before its handler
 * runs.  Each request runs inside its own savepoint: a handler that
 * returns an error leaves no change behind; one that returns 0 keeps its
 * changes and audit records (a refused log-in is a success of the
 * handler: its failure count and record must commit).
 */
#ifndef KAGI_DISPATCH_H
#define KAGI_DISPATCH_H

#include <json-c/json.h>

#include "ctx.h"
#include "handlers.h"
#include "peer.h"

/*
 * Handle one request; *reply is always set (an error reply on failure)
 * unless the return is KAGI_ERR_NOMEM.  Returns the handler's result.
 */
int dispatch(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object **reply);

/*
 * The store is unreachable (KAGI_ERR_STORE_DOWN): no transaction, so no
 * handler runs.  A status request from a caller the table allows is
 * answered from kagid's own state (h_status_store_down: its version,
 * the store's state, the clock, the audit daemon's state; nothing read
 * from the store); everything else gets the error "store_down".  *reply
 * is set unless KAGI_ERR_NOMEM; 0 only for the status answered.
 */
int dispatch_store_down(struct kagid_ctx *ctx, const struct peer *peer,
    struct json_object *req, struct json_object **reply);

/*
 * 1 when req names a request whose handler only reads (auth_begin): the
 * server may run it in a read-only transaction (store_begin_read), where
 * any write fails.  0 for every other request, malformed ones included,
 * and for one peer may not send about that user (its refusal is
 * recorded).
 */
int dispatch_read_only(const struct peer *peer, struct json_object *req);

/*
 * The handler the table names for op, or NULL: what carries out an
 * approved request (approval.c), which runs under the approval's
 * savepoint without the checks above (they ran when it was stored).
 */
handler_fn dispatch_handler(const char *op);

#endif
