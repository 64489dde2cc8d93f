/*
 * fleet.h - what a core does with a request an edge forwards (issue 15,
 * items 4 and 5; the design at the head of hosts.h).
 *
 * An edge sends the request of a local caller as that caller sent it,
 * plus "edge" = { "uid", "name", "pid", "loginuid", "person", "classes" }
 * (the caller as the edge classified it by SO_PEERCRED).  The core:
 *   - looks the host up again by its certificate's fingerprint, in the
 *     request's transaction: a host revoked (or renewed, or expired)
 *     since the connection was made is refused and its connection
 *     closed (FLEET_CLOSE);
 *   - refuses any op an edge may not ask (fleet_edge_ops: log-in and
 *     self-service only; never administration, approval, audit reads,
 *     reports, unlock) -> "edge_refused", whatever classes were claimed;
 *   - takes the zone from the host's record: a request naming another
 *     zone (the module's zone= option) is refused -> "zone_mismatch";
 *   - builds the caller's peer from "edge" with its classes masked to
 *     PEER_VERIFIER | PEER_SELF (never PEER_ADMIN or PEER_APPROVER, no
 *     approvals), and takes "edge" out of the request, so that
 *     dispatch() then treats it as it treats a local caller's.
 * Every refusal is an audit record naming the host ("edge"), written in
 * the request's transaction (it commits with the batch); "host" stays
 * the core that wrote it, as in every record.
 */
#ifndef KAGI_FLEET_H
#define KAGI_FLEET_H

#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "peer.h"
#include "store_hosts.h"

/* fleet_request(): refused, and the connection must go. */
#define FLEET_CLOSE 1

/* The ops an edge may forward, NULL-terminated. */
extern const char *const fleet_edge_ops[];

/*
 * Check req, forwarded by the host whose certificate has fingerprint fp,
 * and make *caller; req is changed (zone set, "edge" removed).  0, or a
 * KAGI_ERR_* code with *msg the answer's words and *flags FLEET_CLOSE
 * when the host may no longer speak.
 */
int fleet_request(struct kagid_ctx *ctx, const uint8_t fp[HOST_FP_LEN],
    struct json_object *req, struct peer *caller, const char **msg,
    int *flags);

/*
 * Record a connection refused before any request ("host_refused"):
 * address, reason, and the host's name (when h->name is not empty) and
 * the certificate's fingerprint (h may be NULL).  Opens and commits its own transaction: call it between
 * batches only.
 */
int fleet_refused_conn(struct kagid_ctx *ctx, const char *addr,
    const char *reason, const struct host_rec *h);

#endif
