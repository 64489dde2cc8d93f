/*
 * edge.h - kagid as an edge (role = edge, issue 15; the design at the
 * head of tokend/core/hosts.h).
 *
 * An edge holds no store and no sealing key, only its host key.  It
 * listens on the local socket as a standalone kagid does, classifies
 * each caller by SO_PEERCRED at accept, and serves each connection in
 * a child process of its own: every request is sent, with the caller
 * as the edge saw it ("edge"), over TLS 1.3 to the first core of
 * `cores` that answers (each tried for at most 0.5 s, in order; the
 * core's certificate must chain to tls_ca and be a server's, i.e. of
 * class core), and the core's answer is passed back unchanged.  When no
 * core answers, or the core goes away before it answered, the caller
 * gets the error "service not available" (KAGI_ERR_UNAVAILABLE:
 * pam_kagi's plain message and PAM_AUTHINFO_UNAVAIL).  Nothing is
 * decided, retried on another core after it was sent, or cached.
 */
#ifndef KAGI_EDGE_H
#define KAGI_EDGE_H

#include <signal.h>

#include "kagid_config.h"

/* How long one core may take to accept a connection. */
#define EDGE_CONNECT_MS 500

/* Serve lfd until *stop; ppoll() unblocks signals with sigmask. */
int edge_run(const struct kagid_config *cfg, int lfd,
    volatile sig_atomic_t *stop, const sigset_t *sigmask);

#endif
