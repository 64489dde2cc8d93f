/*
 * edge.c - kagid as an edge: the local socket, one child per caller,
 * each request forwarded to the cores over TLS 1.3 (edge.h, issue 15).
 *
 * What it guarantees:
 *  - the caller is classified (peer_identify) before any byte is read,
 *    and that classification, never anything the caller says, goes to
 *    the core as "edge";
 *  - a request is sent to one core at most: a core lost after the
 *    request went is "service not available", never a second try
 *    elsewhere (a code counted twice, or accepted once and then
 *    refused as a replay, would confuse the caller and the audit);
 *  - no answer is kept beyond its one reply;
 *  - the host key is read once, from a private file, and wiped
 *    (tls_use_own()).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "edge.h"
#include "kagi_err.h"
#include "log.h"
#include "peer.h"
#include "proto.h"
#include "tls.h"
#include "wipe.h"

/* The client context: TLS 1.3, the core's certificate a server's of
 * tls_ca, our own certificate and key. */
static int
edge_ctx(const struct kagid_config *cfg, SSL_CTX **out)
{
	char err[256] = "";
	SSL_CTX *sc;
	int r = KAGI_ERR_CONFIG;

	if ((sc = SSL_CTX_new(TLS_client_method())) == NULL)
		return KAGI_ERR_NOMEM;
	if (SSL_CTX_set_min_proto_version(sc, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(sc, TLS1_3_VERSION) != 1)
		goto out;
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_verify_depth(sc, 1);
	SSL_CTX_set_purpose(sc, X509_PURPOSE_SSL_SERVER);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(sc, SSL_OP_NO_TICKET |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (SSL_CTX_load_verify_locations(sc, cfg->tls_ca, NULL) != 1) {
		kagi_error("tls_ca %s: not a PEM certificate", cfg->tls_ca);
		goto out;
	}
	if ((r = tls_use_own(sc, cfg, err, sizeof(err))) != 0) {
		kagi_error("%s", err);
		goto out;
	}
	r = 0;
 out:
	if (r != 0)
		SSL_CTX_free(sc);
	else
		*out = sc;
	return r;
}

/* Wait for fd's events until deadline (monotonic ms): 1, 0 timed out. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - kagi_monotonic_ms()) <= 0)
			return 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
}

/* One core, "HOST:PORT", within EDGE_CONNECT_MS: *ssl on *fd. */
static int
core_connect(SSL_CTX *sc, const char *core, int *fdp, SSL **sslp)
{
	struct addrinfo hints, *ai = NULL, *a;
	char host[128];
	const char *colon;
	int64_t deadline = kagi_monotonic_ms() + EDGE_CONNECT_MS;
	SSL *ssl = NULL;
	socklen_t sl;
	size_t n;
	int fd = -1, r, e, soerr = 0;

	if ((colon = strrchr(core, ':')) == NULL ||
	    (n = (size_t)(colon - core)) == 0 || n >= sizeof(host))
		return KAGI_ERR_CONFIG;
	memcpy(host, core, n);
	host[n] = '\0';
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		host[n - 1] = '\0';
		memmove(host, host + 1, n - 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return KAGI_ERR_UNAVAILABLE;
	r = KAGI_ERR_UNAVAILABLE;
	for (a = ai; a != NULL && fd < 0; a = a->ai_next) {
		if ((fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 &&
		    (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline) ||
		    (sl = sizeof(soerr), getsockopt(fd, SOL_SOCKET, SO_ERROR,
		    &soerr, &sl)) != 0 || soerr != 0)) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return KAGI_ERR_UNAVAILABLE;
	if ((ssl = SSL_new(sc)) == NULL || SSL_set_fd(ssl, fd) != 1)
		goto out;
	for (;;) {
		ERR_clear_error();
		if ((e = SSL_connect(ssl)) == 1)
			break;
		e = SSL_get_error(ssl, e);
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    !wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		    deadline)) {
			kagi_warn("core %s: TLS handshake failed: %s", core,
			    ERR_peek_last_error() != 0 ? ERR_reason_error_string(
			    ERR_peek_last_error()) : "timed out or closed");
			goto out;
		}
	}
	/* From here blocking, with the time-outs of edge_serve(). */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
		goto out;
	*fdp = fd;
	*sslp = ssl;
	return 0;
 out:
	SSL_free(ssl);
	close(fd);
	return r;
}

/* The first core of cfg->cores that answers. */
static int
cores_connect(const struct kagid_config *cfg, SSL_CTX *sc, int *fd,
    SSL **ssl)
{
	char list[1024], *tok, *save = NULL;

	snprintf(list, sizeof(list), "%s", cfg->cores);
	for (tok = strtok_r(list, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save))
		if (core_connect(sc, tok, fd, ssl) == 0)
			return 0;
	kagi_error("no core answers (cores = %s): service not available",
	    cfg->cores);
	return KAGI_ERR_UNAVAILABLE;
}

static int
read_full(int fd, SSL *ssl, void *buf, size_t n)
{
	size_t got = 0, k;
	ssize_t m;

	while (got < n) {
		if (ssl != NULL) {
			if (SSL_read_ex(ssl, (char *)buf + got, n - got, &k) != 1)
				return KAGI_ERR_IO;
			got += k;
			continue;
		}
		m = read(fd, (char *)buf + got, n - got);
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return m == 0 && got == 0 ? KAGI_ERR_TRUNCATED :
			    KAGI_ERR_IO;
		got += (size_t)m;
	}
	return 0;
}

static int
write_full(int fd, SSL *ssl, const void *buf, size_t n)
{
	size_t put = 0, k;
	ssize_t m;

	while (put < n) {
		if (ssl != NULL) {
			if (SSL_write_ex(ssl, (const char *)buf + put, n - put,
			    &k) != 1)
				return KAGI_ERR_IO;
			put += k;
			continue;
		}
		m = send(fd, (const char *)buf + put, n - put, MSG_NOSIGNAL);
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return KAGI_ERR_IO;
		put += (size_t)m;
	}
	return 0;
}

/* One frame: *frame (header and payload) and *len; *payload into it. */
static int
read_frame(int fd, SSL *ssl, uint8_t **frame, size_t *len)
{
	uint8_t hdr[KAGI_FRAME_HDR];
	uint32_t plen = 0;
	int r;

	*frame = NULL;
	if ((r = read_full(fd, ssl, hdr, sizeof(hdr))) != 0 ||
	    (r = proto_header_decode(hdr, &plen)) != 0)
		return r;
	if ((*frame = malloc(KAGI_FRAME_HDR + (size_t)plen)) == NULL)
		return KAGI_ERR_NOMEM;
	memcpy(*frame, hdr, KAGI_FRAME_HDR);
	*len = KAGI_FRAME_HDR + (size_t)plen;
	if ((r = read_full(fd, ssl, *frame + KAGI_FRAME_HDR, plen)) != 0) {
		kagi_free_secret(*frame, *len);
		*frame = NULL;
	}
	return r;
}

/* The caller, as this edge classified it, into req. */
static int
add_caller(struct json_object *req, const struct peer *p)
{
	struct json_object *e;

	if ((e = json_object_new_object()) == NULL)
		return KAGI_ERR_NOMEM;
	if (proto_set_int(e, "uid", (int64_t)p->uid) != 0 ||
	    proto_set_int(e, "pid", (int64_t)p->pid) != 0 ||
	    proto_set_int(e, "loginuid", (int64_t)p->loginuid) != 0 ||
	    proto_set_int(e, "classes", (int64_t)p->classes) != 0 ||
	    (p->name[0] != '\0' && proto_set_str(e, "name", p->name) != 0) ||
	    (p->person[0] != '\0' &&
	    proto_set_str(e, "person", p->person) != 0) ||
	    json_object_object_add(req, "edge", e) != 0) {
		json_object_put(e);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}

/* Answer the caller with an error. */
static int
reply_error(int fd, int err, const char *msg)
{
	struct json_object *e = proto_reply_error(err, msg);
	uint8_t *out = NULL;
	size_t len = 0;
	int r = KAGI_ERR_NOMEM;

	if (e != NULL && (r = proto_encode(e, &out, &len)) == 0)
		r = write_full(fd, NULL, out, len);
	free(out);
	json_object_put(e);
	return r;
}

static void
set_timeout(int fd, long long seconds)
{
	struct timeval tv = { (time_t)seconds, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* One local caller's connection, in its own child. */
static void
edge_serve(const struct kagid_config *cfg, SSL_CTX *sc, int fd,
    const struct peer *p)
{
	struct json_object *req = NULL;
	uint8_t *in = NULL, *out = NULL, *reply = NULL;
	size_t inlen = 0, outlen = 0, rlen = 0;
	SSL *ssl = NULL;
	int cfd = -1, r;

	set_timeout(fd, cfg->client_timeout);
	for (;;) {
		if ((r = read_frame(fd, NULL, &in, &inlen)) != 0)
			break;
		r = proto_decode_payload(in + KAGI_FRAME_HDR,
		    inlen - KAGI_FRAME_HDR, &req);
		kagi_free_secret(in, inlen);
		in = NULL;
		if (r != 0) {
			(void)reply_error(fd, r, "malformed request");
			break;
		}
		if ((r = add_caller(req, p)) != 0 ||
		    (r = proto_encode(req, &out, &outlen)) != 0) {
			(void)reply_error(fd, r, "cannot forward the request");
			break;
		}
		proto_wipe_put(req);
		req = NULL;
		if (ssl == NULL) {
			if (cores_connect(cfg, sc, &cfd, &ssl) != 0) {
				kagi_free_secret(out, outlen);
				out = NULL;
				(void)reply_error(fd, KAGI_ERR_UNAVAILABLE,
				    "service not available");
				break;
			}
			/* The core may hold a failure's answer a while. */
			set_timeout(cfd, cfg->client_timeout +
			    cfg->failure_delay_max);
		}
		r = write_full(cfd, ssl, out, outlen);
		kagi_free_secret(out, outlen);
		out = NULL;
		if (r != 0 || (r = read_frame(cfd, ssl, &reply, &rlen)) != 0) {
			kagi_error("the core went away before it answered: "
			    "service not available");
			(void)reply_error(fd, KAGI_ERR_UNAVAILABLE,
			    "service not available");
			break;
		}
		r = write_full(fd, NULL, reply, rlen);
		kagi_free_secret(reply, rlen);
		reply = NULL;
		if (r != 0)
			break;
	}
	proto_wipe_put(req);
	if (ssl != NULL) {
		(void)SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	if (cfd >= 0)
		close(cfd);
	close(fd);
}

/* Children still running; the ended ones reaped. */
static size_t
reap(size_t live)
{
	while (live > 0 && waitpid(-1, NULL, WNOHANG) > 0)
		live--;
	return live;
}

int
edge_run(const struct kagid_config *cfg, int lfd,
    volatile sig_atomic_t *stop, const sigset_t *sigmask)
{
	struct timespec ts = { 1, 0 };
	struct pollfd pfd;
	struct peer p;
	SSL_CTX *sc = NULL;
	size_t live = 0;
	pid_t pid;
	int fd, r;

	if ((r = edge_ctx(cfg, &sc)) != 0)
		return r;
	kagi_log(LOG_INFO, "kagid edge listening on %s, cores %s",
	    cfg->socket, cfg->cores);
	while (!*stop) {
		live = reap(live);
		pfd.fd = lfd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (ppoll(&pfd, 1, &ts, sigmask) <= 0)
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		if (live >= (size_t)cfg->max_clients ||
		    peer_identify(fd, cfg->admin_group, &p) != 0) {
			kagi_warn("edge: connection dropped (%zu callers)", live);
			close(fd);
			continue;
		}
		peer_set_approves(&p, cfg);
		if ((pid = fork()) == 0) {
			sigset_t none;

			/* A stop ends the child's wait at once. */
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			close(lfd);
			edge_serve(cfg, sc, fd, &p);
			SSL_CTX_free(sc);
			_exit(0);
		}
		close(fd);
		if (pid > 0)
			live++;
	}
	SSL_CTX_free(sc);
	return 0;
}
