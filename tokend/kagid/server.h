/*
 * server.h - kagid's connection loop.
 *
 * One thread, poll-driven.  Each connection is classified by SO_PEERCRED
 * before its first byte is read; it may hold one request at a time.  The
 * requests complete in one turn of the loop are handled in one store
 * transaction (each in its own savepoint) and answered only after that
 * transaction commits, so an answer never reports a state that a crash
 * could still lose, and concurrent log-ins share one fsync.  A malformed
 * frame gets one error reply and the connection is closed; a client
 * silent past client_timeout is dropped.  One uid other than root holds
 * at most max_clients_per_uid connections; root always finds a place
 * (the connection of another uid idle longest makes way).
 *
 * A core (issue 15) also accepts TLS connections from its edges
 * (server_set_tls): handshake done without blocking, the host identified
 * by its certificate before a byte of a request is read (refused and
 * recorded otherwise, at most once a minute per reason), then the same
 * frames, each request checked by fleet_request() before dispatch.
 */
#ifndef KAGI_SERVER_H
#define KAGI_SERVER_H

#include <signal.h>

#include <openssl/ssl.h>

#include "dispatch.h"

struct server;

int server_new(struct kagid_ctx *ctx, int listen_fd, struct server **s);
/* Also accept TLS connections on tls_fd with tls (not consumed). */
void server_set_tls(struct server *s, int tls_fd, SSL_CTX *tls);
/* Serve until *stop is set; ppoll() unblocks signals with sigmask. */
int server_run(struct server *s, volatile sig_atomic_t *stop,
    const sigset_t *sigmask);
void server_free(struct server **s);

#endif
