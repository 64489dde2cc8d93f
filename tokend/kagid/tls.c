/*
 * tls.c - a core's TLS listener: the socket and the OpenSSL context
 * (tls.h, issue 15).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "kagi_err.h"
#include "safefile.h"
#include "store_hosts.h"
#include "tls.h"
#include "wipe.h"

#define KEY_FILE_MAX (64 * 1024)

int
tls_listen(const char *addrport, int *fdp, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[128];
	const char *colon, *port, *h = host;
	size_t n;
	int fd = -1, one = 1, r;

	*fdp = -1;
	if ((colon = strrchr(addrport, ':')) == NULL ||
	    (n = (size_t)(colon - addrport)) == 0 || n >= sizeof(host) ||
	    colon[1] == '\0') {
		snprintf(err, errlen, "listen_tls '%s' is not ADDR:PORT",
		    addrport);
		return KAGI_ERR_CONFIG;
	}
	memcpy(host, addrport, n);
	host[n] = '\0';
	port = colon + 1;
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		h = host + 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((r = getaddrinfo(h, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "listen_tls '%s': %s", addrport,
		    gai_strerror(r));
		return KAGI_ERR_CONFIG;
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, 128) != 0) {
		snprintf(err, errlen, "listen_tls '%s': %s", addrport,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return KAGI_ERR_IO;
	}
	freeaddrinfo(ai);
	*fdp = fd;
	return 0;
}

/* The cores' CA from the store into the context's trust store, alone. */
static int
trust_ca(struct kagid_ctx *ctx, SSL_CTX *sc, char *err, size_t errlen)
{
	char *pem = NULL;
	uint8_t *sealed = NULL;
	size_t n = 0;
	BIO *b = NULL;
	X509 *ca = NULL;
	X509_STORE *st;
	int r;

	r = store_host_ca_get(ctx->store, &pem, &sealed, &n);
	if (r == KAGI_ERR_NOT_FOUND)
		snprintf(err, errlen, "role = core: the store has no CA for "
		    "the cores (kagictl host ca-init, on a standalone kagid "
		    "first)");
	if (r != 0)
		goto out;
	r = KAGI_ERR_CRYPTO;
	if ((b = BIO_new_mem_buf(pem, -1)) == NULL ||
	    (ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL ||
	    (st = X509_STORE_new()) == NULL)
		goto out;
	if (X509_STORE_add_cert(st, ca) != 1) {
		X509_STORE_free(st);
		goto out;
	}
	SSL_CTX_set_cert_store(sc, st);
	r = 0;
 out:
	if (r != 0 && err[0] == '\0')
		snprintf(err, errlen, "the cores' CA: %s", kagi_strerror(r));
	X509_free(ca);
	BIO_free(b);
	free(pem);
	free(sealed);
	return r;
}

int
tls_use_own(SSL_CTX *sc, const struct kagid_config *cfg, char *err,
    size_t errlen)
{
	struct safefile_rule rule = { geteuid(), 1, 077, KEY_FILE_MAX };
	char *buf = NULL;
	size_t len = 0;
	BIO *b = NULL;
	EVP_PKEY *k = NULL;
	int r;

	if (SSL_CTX_use_certificate_chain_file(sc, cfg->tls_cert) != 1) {
		snprintf(err, errlen, "tls_cert %s: not a PEM certificate",
		    cfg->tls_cert);
		return KAGI_ERR_CONFIG;
	}
	if ((r = safefile_load(cfg->tls_key, &rule, &buf, &len, NULL, err,
	    errlen)) != 0)
		return r;
	r = KAGI_ERR_CONFIG;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_PrivateKey(sc, k) != 1 ||
	    SSL_CTX_check_private_key(sc) != 1) {
		snprintf(err, errlen, "tls_key %s: not the PEM key of "
		    "tls_cert", cfg->tls_key);
		goto out;
	}
	r = 0;
 out:
	EVP_PKEY_free(k);
	BIO_free(b);
	kagi_free_secret(buf, len);
	return r;
}

int
tls_server_ctx(struct kagid_ctx *ctx, SSL_CTX **out, char *err,
    size_t errlen)
{
	SSL_CTX *sc;
	int r;

	err[0] = '\0';
	*out = NULL;
	if ((sc = SSL_CTX_new(TLS_server_method())) == NULL)
		return KAGI_ERR_NOMEM;
	if (SSL_CTX_set_min_proto_version(sc, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(sc, TLS1_3_VERSION) != 1) {
		r = KAGI_ERR_CRYPTO;
		goto out;
	}
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(sc, 1);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(sc, 0);
	SSL_CTX_set_options(sc, SSL_OP_NO_TICKET |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(sc, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if ((r = trust_ca(ctx, sc, err, errlen)) != 0 ||
	    (r = tls_use_own(sc, ctx->cfg, err, errlen)) != 0)
		goto out;
	*out = sc;
	return 0;
 out:
	if (err[0] == '\0')
		snprintf(err, errlen, "TLS: %s", kagi_strerror(r));
	SSL_CTX_free(sc);
	return r;
}

const char *
tls_peer_addr(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN], serv[16];

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv,
	    sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, len, "?");
	else if (ss.ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host, serv);
	else
		snprintf(buf, len, "%s:%s", host, serv);
	return buf;
}
