/*
 * tls.h - a core's TLS listener (issue 15; the design at the head of
 * tokend/core/hosts.h): the listening socket of listen_tls and the
 * OpenSSL context its connections are accepted with.
 *
 * The context: TLS 1.3 only; the client must present a certificate that
 * verifies against the cores' CA from the store, and nothing else (no
 * system roots); no session tickets or cache, so that every connection
 * shows its certificate; the core's own certificate and key from
 * tls_cert and tls_key (the key a private file of kagid's user or root).
 * Which host the certificate is, and whether it may speak, the registry
 * decides (hosts.c, fleet.c).
 */
#ifndef KAGI_TLS_H
#define KAGI_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "ctx.h"

/* A non-blocking listening TCP socket on "ADDR:PORT" ("[V6]:PORT"). */
int tls_listen(const char *addrport, int *fd, char *err, size_t errlen);
/* The server context, as above; err names what is wrong. */
int tls_server_ctx(struct kagid_ctx *ctx, SSL_CTX **out, char *err,
    size_t errlen);
/*
 * tls_cert and tls_key into sc: the certificate (PEM) and its key, read
 * from a private file of kagid's user or root and wiped.
 */
int tls_use_own(SSL_CTX *sc, const struct kagid_config *cfg, char *err,
    size_t errlen);
/* The address and port of a connected socket's peer, for records. */
const char *tls_peer_addr(int fd, char *buf, size_t len);

#endif
