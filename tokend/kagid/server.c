/*
 * server.c - accepting, reading, batching, answering.
 *
 * Guarantees: no request is parsed before its caller is classified; a
 * frame over KAGI_FRAME_MAX is refused from its header alone; a connection
 * that sends a malformed frame is answered once and closed, never
 * resynchronised; answers are sent only after their transaction commits;
 * a failed commit turns every answer of the batch into an error (so a
 * log-in is refused rather than accepted without its record); an answer
 * the rules hold (a failed log-in's delay) is sent once its time has come,
 * the loop never sleeping on it; request and reply buffers are wiped
 * before they are freed; one uid other than root
 * holds at most max_clients_per_uid connections, and root (pam_kagi) finds
 * a place even when every other is taken: the connection of another uid
 * idle longest makes way for it (R-AVL-1); a reply too large for one
 * frame goes as a stream of frames (proto.h), and one that cannot be sent
 * at all is answered with an error rather than a silent hang-up; every
 * connection kagid closes is logged with why (c->why), except the client
 * hanging up between requests, which is the normal end.
 *
 * TLS connections of a core's edges (issue 15): their handshake runs
 * without blocking the loop; a host the registry does not accept
 * (hosts.c: unknown, revoked, expired, a core) and a failed handshake
 * (no certificate, another CA, TLS 1.2, plain text) are recorded
 * ("host_refused", at most once a minute per reason: a flood of bad
 * handshakes does not become a flood of commits) and closed before any
 * frame is read; each request is checked by fleet_request() (fleet.c)
 * and dispatched as its edge's caller.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "audit.h"
#include "audit_daemon.h"
#include "breakglass.h"
#include "clock.h"
#include "dispatch.h"
#include "fleet.h"
#include "hosts.h"
#include "kagi_err.h"
#include "log.h"
#include "maint.h"
#include "proto.h"
#include "proto_ops.h"
#include "server.h"
#include "session.h"
#include "tls.h"
#include "wipe.h"

struct conn {
	int fd;
	struct peer peer;
	uint8_t hdr[KAGI_FRAME_HDR];
	size_t hdr_got;
	uint8_t *payload;
	uint32_t plen;
	size_t pgot;
	struct json_object *req;	/* complete, awaiting dispatch */
	uint8_t *out;
	size_t outlen;
	size_t outoff;
	int closing;			/* close once out is written */
	const char *why;		/* why kagid closes it, for the log */
	const char *refused;		/* why a frame was refused, to audit */
	int follow_up;			/* answered auth_begin: short idle */
	int64_t deadline;		/* monotonic ms */
	int64_t hold_ms;		/* the rules' delay for the answer */
	int64_t hold_until;		/* monotonic ms: not sent before */
	int store_down_ok;		/* status answered without the store */
	/* A TLS connection of an edge (issue 15), or NULL. */
	SSL *ssl;
	int handshaking;		/* its handshake is not done */
	int want_write;			/* OpenSSL waits to write */
	uint8_t host_fp[HOST_FP_LEN];	/* its certificate, once known */
	char host[HOST_NAME_MAX_LEN + 1];
	char addr[64];
};

/* The record of refused TLS connections: one a minute per reason. */
#define TLS_REFUSALS 16
struct tls_refusal {
	char reason[96];
	int64_t window;			/* kagi_now() of the last record */
	int64_t suppressed;
};

struct server {
	struct kagid_ctx *ctx;
	int lfd;
	struct conn **conns;
	size_t nconns;
	size_t maxconns;
	struct pollfd *pfds;
	struct conn **batch;
	int store_down;		/* said once, until it is back */
	int tfd;			/* listen_tls, or -1 */
	SSL_CTX *tls;
	struct tls_refusal refusals[TLS_REFUSALS];
};

/* The first fd of a connection in pfds: the local socket, listen_tls. */
#define PFD_CONN 2

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	kagi_free_secret(c->payload, c->plen);
	kagi_free_secret(c->out, c->outlen);
	proto_wipe_put(c->req);
	free(c);
}

int
server_new(struct kagid_ctx *ctx, int listen_fd, struct server **out)
{
	struct server *s;
	size_t max = (size_t)ctx->cfg->max_clients;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KAGI_ERR_NOMEM;
	s->ctx = ctx;
	s->lfd = listen_fd;
	s->tfd = -1;
	s->maxconns = max;
	s->conns = calloc(max, sizeof(*s->conns));
	s->batch = calloc(max, sizeof(*s->batch));
	s->pfds = calloc(max + PFD_CONN, sizeof(*s->pfds));
	if (s->conns == NULL || s->batch == NULL || s->pfds == NULL) {
		server_free(&s);
		return KAGI_ERR_NOMEM;
	}
	*out = s;
	return 0;
}

void
server_set_tls(struct server *s, int tls_fd, SSL_CTX *tls)
{
	s->tfd = tls_fd;
	s->tls = tls;
}

void
server_free(struct server **sp)
{
	struct server *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; i < s->nconns; i++)
		conn_free(s->conns[i]);
	free(s->conns);
	free(s->batch);
	free(s->pfds);
	free(s);
	*sp = NULL;
}

/* How many connections uid holds. */
static size_t
conns_of(const struct server *s, uid_t uid)
{
	size_t i, n = 0;

	for (i = 0; i < s->nconns; i++)
		if (s->conns[i]->peer.uid == uid)
			n++;
	return n;
}

/*
 * Make room for root (pam_kagi): drop the connection of another uid that
 * has been idle longest (waiting for a request, or for the rest of one,
 * with nothing of ours to answer).  0 when there was one.
 */
static int
evict_for_root(struct server *s)
{
	size_t i, victim = s->nconns;

	for (i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];

		if (c->peer.uid == 0 || c->req != NULL || c->out != NULL ||
		    c->closing)
			continue;
		if (victim == s->nconns ||
		    c->deadline < s->conns[victim]->deadline)
			victim = i;
	}
	if (victim == s->nconns)
		return -1;
	kagi_info("connection of uid %u pid %d dropped to make room for root",
	    (unsigned)s->conns[victim]->peer.uid,
	    (int)s->conns[victim]->peer.pid);
	conn_free(s->conns[victim]);
	s->conns[victim] = s->conns[--s->nconns];
	return 0;
}

/*
 * May c have a place?  Another uid than root holds at most
 * max_clients_per_uid connections; when all max_clients places are
 * taken, root takes the one of another uid idle longest, and anyone
 * else is turned away (R-AVL-1).
 */
static int
conn_admit(struct server *s, const struct conn *c, size_t *per_uid,
    size_t *full)
{
	/* An edge's connections are counted in max_clients only. */
	if (c->ssl == NULL && c->peer.uid != 0 && conns_of(s, c->peer.uid) >=
	    (size_t)s->ctx->cfg->max_clients_per_uid) {
		(*per_uid)++;
		return -1;
	}
	if (s->nconns < s->maxconns)
		return 0;
	if (c->peer.uid == 0 && evict_for_root(s) == 0)
		return 0;
	(*full)++;
	return -1;
}

static void
server_accept(struct server *s)
{
	struct conn *c;
	size_t per_uid = 0, full = 0;
	uid_t last_uid = 0;
	int fd, r;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				kagi_error("accept: %s", strerror(errno));
			break;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		if ((r = peer_identify(fd, s->ctx->cfg->admin_group,
		    &c->peer)) != 0) {
			kagi_error("cannot identify peer: %s", kagi_strerror(r));
			conn_free(c);
			continue;
		}
		if (conn_admit(s, c, &per_uid, &full) != 0) {
			last_uid = c->peer.uid;
			conn_free(c);
			continue;
		}
		/* What its person may approve (two-person rule, per act). */
		peer_set_approves(&c->peer, s->ctx->cfg);
		c->deadline = kagi_monotonic_ms() +
		    s->ctx->cfg->client_timeout * 1000;
		s->conns[s->nconns++] = c;
		kagi_debug("connection from uid %u pid %d",
		    (unsigned)c->peer.uid, (int)c->peer.pid);
	}
	/* One line per turn, however many were turned away. */
	if (per_uid > 0)
		kagi_warn("%zu connection(s) dropped: uid %u already holds "
		    "max_clients_per_uid (%lld)", per_uid, (unsigned)last_uid,
		    (long long)s->ctx->cfg->max_clients_per_uid);
	if (full > 0)
		kagi_warn("too many clients (%zu): %zu connection(s) dropped",
		    s->nconns, full);
}

/*
 * Record a refused TLS connection, at most once a minute per reason (the
 * count of those not recorded goes with the next record's reason).
 */
static void
tls_refused(struct server *s, struct conn *c, const char *reason,
    const struct host_rec *h)
{
	struct tls_refusal *t = NULL, *oldest = &s->refusals[0];
	int64_t now = kagi_now();
	char why[128];
	size_t i;
	int r;

	kagi_warn("TLS connection from %s refused: %s%s%s", c->addr, reason,
	    h != NULL && h->name[0] != '\0' ? ", host " : "",
	    h != NULL ? h->name : "");
	for (i = 0; i < TLS_REFUSALS && t == NULL; i++) {
		if (strcmp(s->refusals[i].reason, reason) == 0)
			t = &s->refusals[i];
		else if (s->refusals[i].window < oldest->window)
			oldest = &s->refusals[i];
	}
	if (t != NULL && now - t->window < 60) {
		t->suppressed++;
		return;
	}
	if (t == NULL) {
		t = oldest;
		memset(t, 0, sizeof(*t));
		snprintf(t->reason, sizeof(t->reason), "%s", reason);
	}
	if (t->suppressed > 0)
		snprintf(why, sizeof(why), "%s (and %lld more in the minute "
		    "before)", reason, (long long)t->suppressed);
	else
		snprintf(why, sizeof(why), "%s", reason);
	t->window = now;
	t->suppressed = 0;
	if ((r = fleet_refused_conn(s->ctx, c->addr, why, h)) != 0)
		kagi_error("refused TLS connection not recorded: %s",
		    kagi_strerror(r));
}

/*
 * Go on with c's handshake; once done, the registry decides whether its
 * host may speak.  -1 when the connection must go (recorded).
 */
static int
tls_handshake(struct server *s, struct conn *c)
{
	struct host_rec h;
	unsigned char *der = NULL;
	unsigned long ec;
	const char *why = NULL;
	X509 *x;
	int r, e, len;

	ERR_clear_error();
	if ((r = SSL_accept(c->ssl)) != 1) {
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			c->want_write = e == SSL_ERROR_WANT_WRITE;
			return 0;
		}
		ec = ERR_peek_last_error();
		tls_refused(s, c, ec != 0 && ERR_reason_error_string(ec) !=
		    NULL ? ERR_reason_error_string(ec) :
		    "the connection ended during the handshake", NULL);
		return -1;
	}
	c->handshaking = 0;
	c->want_write = 0;
	memset(&h, 0, sizeof(h));
	if ((x = SSL_get0_peer_certificate(c->ssl)) == NULL ||
	    (len = i2d_X509(x, &der)) <= 0) {
		tls_refused(s, c, "no client certificate", NULL);
		return -1;
	}
	if ((r = store_begin_read(s->ctx->store)) == 0) {
		r = host_identify(s->ctx, der, (size_t)len, kagi_now(), &h,
		    &why);
		if (store_end_read(s->ctx->store) != 0 && r == 0)
			r = KAGI_ERR_STORE;
	}
	OPENSSL_free(der);
	if (r != 0) {
		tls_refused(s, c, why != NULL && r == KAGI_ERR_DENIED ? why :
		    "state store failure", why != NULL && r == KAGI_ERR_DENIED ?
		    &h : NULL);
		return -1;
	}
	memcpy(c->host_fp, h.fingerprint, HOST_FP_LEN);
	snprintf(c->host, sizeof(c->host), "%s", h.name);
	kagi_info("host %s connected from %s", c->host, c->addr);
	return 0;
}

/*
 * After a commit that revoked a host: close that host's connections now,
 * rather than at their next request (fleet_request() would refuse it).
 */
static void
tls_drop_revoked(struct server *s)
{
	struct host_rec h;
	size_t i;

	s->ctx->hosts_revoked = 0;
	if (store_begin_read(s->ctx->store) != 0)
		return;
	for (i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];

		if (c->ssl == NULL || c->handshaking || c->closing)
			continue;
		if (store_host_by_fp(s->ctx->store, c->host_fp, &h) == 0 &&
		    h.state == HOST_ACTIVE)
			continue;
		kagi_info("host %s revoked: its connection from %s closed",
		    c->host, c->addr);
		c->closing = 2;
		c->why = NULL;	/* said */
	}
	(void)store_end_read(s->ctx->store);
}

/* Accept the TLS connections waiting on listen_tls. */
static void
tls_accept(struct server *s)
{
	struct conn *c;
	size_t per_uid = 0, full = 0;
	int fd;

	for (;;) {
		fd = accept4(s->tfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				kagi_error("accept (TLS): %s", strerror(errno));
			break;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		/* No local person: the requests name their callers. */
		c->peer.uid = (uid_t)-2;
		c->peer.loginuid = PEER_NO_LOGINUID;
		(void)tls_peer_addr(fd, c->addr, sizeof(c->addr));
		if ((c->ssl = SSL_new(s->tls)) == NULL ||
		    SSL_set_fd(c->ssl, fd) != 1 ||
		    conn_admit(s, c, &per_uid, &full) != 0) {
			conn_free(c);
			continue;
		}
		SSL_set_accept_state(c->ssl);
		c->handshaking = 1;
		c->deadline = kagi_monotonic_ms() +
		    s->ctx->cfg->client_timeout * 1000;
		s->conns[s->nconns++] = c;
	}
	if (full > 0)
		kagi_warn("too many clients (%zu): %zu TLS connection(s) "
		    "dropped", s->nconns, full);
}

/*
 * Queue reply for c (consumed).  A reply that cannot be encoded is
 * replaced by an error naming why; when even that fails the connection is
 * closed, and logged.
 */
static void
conn_reply(struct conn *c, struct json_object *reply, int close_after)
{
	struct json_object *e;
	int r = KAGI_ERR_NOMEM;

	if (reply == NULL ||
	    (r = proto_encode_reply(reply, &c->out, &c->outlen)) != 0) {
		kagi_warn("reply to uid %u pid %d cannot be sent: %s",
		    (unsigned)c->peer.uid, (int)c->peer.pid, kagi_strerror(r));
		c->out = NULL;
		c->outlen = 0;
		e = proto_reply_error(r, r == KAGI_ERR_TOO_LARGE ?
		    "reply too large" : "cannot build the reply");
		if (e == NULL || proto_encode(e, &c->out, &c->outlen) != 0) {
			c->closing = 1;
			c->why = "its reply could not be built";
			c->out = NULL;
			c->outlen = 0;
		}
		json_object_put(e);
	}
	c->outoff = 0;
	if (close_after)
		c->closing = 1;
	proto_wipe_put(reply);
}

static void
conn_malformed(struct conn *c, int err, const char *what)
{
	kagi_warn("malformed frame from uid %u pid %d: %s (%s): closing",
	    (unsigned)c->peer.uid, (int)c->peer.pid, what, kagi_strerror(err));
	c->refused = what;
	c->why = what;
	conn_reply(c, proto_reply_error(err, what), 1);
}

/* read(2) or SSL_read: -1 with errno EAGAIN when nothing is there. */
static ssize_t
conn_recv(struct conn *c, void *buf, size_t n)
{
	size_t got = 0;
	int r, e;

	if (c->ssl == NULL)
		return read(c->fd, buf, n);
	ERR_clear_error();
	if ((r = SSL_read_ex(c->ssl, buf, n, &got)) == 1)
		return (ssize_t)got;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	errno = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ?
	    EAGAIN : EIO;
	c->want_write = e == SSL_ERROR_WANT_WRITE;
	return -1;
}

/* send(2) or SSL_write, as conn_recv. */
static ssize_t
conn_send(struct conn *c, const void *buf, size_t n)
{
	size_t put = 0;
	int r, e;

	if (c->ssl == NULL)
		return send(c->fd, buf, n, MSG_NOSIGNAL);
	ERR_clear_error();
	if ((r = SSL_write_ex(c->ssl, buf, n, &put)) == 1)
		return (ssize_t)put;
	e = SSL_get_error(c->ssl, r);
	errno = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ?
	    EAGAIN : EPIPE;
	return -1;
}

/* Read what is there; returns -1 when the connection must go now. */
static int
conn_read(struct conn *c)
{
	ssize_t n;
	int r;

	while (c->req == NULL && c->out == NULL && !c->closing) {
		if (c->hdr_got < KAGI_FRAME_HDR) {
			n = conn_recv(c, c->hdr + c->hdr_got,
			    KAGI_FRAME_HDR - c->hdr_got);
		} else {
			n = conn_recv(c, c->payload + c->pgot,
			    c->plen - c->pgot);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			c->why = "read failed";
			return -1;
		}
		if (n == 0) {
			/* Between requests the normal end: not worth a line. */
			if (c->hdr_got > 0)
				c->why = "client closed in the middle of a "
				    "frame";
			return -1;
		}
		if (c->hdr_got < KAGI_FRAME_HDR) {
			c->hdr_got += (size_t)n;
			if (c->hdr_got < KAGI_FRAME_HDR)
				continue;
			if ((r = proto_header_decode(c->hdr, &c->plen)) != 0) {
				conn_malformed(c, r, "bad frame header");
				return 0;
			}
			if ((c->payload = malloc(c->plen)) == NULL) {
				c->why = "out of memory";
				return -1;
			}
			c->pgot = 0;
			continue;
		}
		c->pgot += (size_t)n;
		if (c->pgot < c->plen)
			continue;
		r = proto_decode_payload(c->payload, c->plen, &c->req);
		kagi_free_secret(c->payload, c->plen);
		c->payload = NULL;
		c->hdr_got = 0;
		if (r != 0) {
			c->req = NULL;
			conn_malformed(c, r, "malformed request");
			return 0;
		}
	}
	return 0;
}

/* Write what can be written; -1 when the connection must go. */
static int
conn_write(struct conn *c, int64_t now, int64_t timeout_ms)
{
	ssize_t n;

	while (c->out != NULL && c->outoff < c->outlen) {
		n = conn_send(c, c->out + c->outoff, c->outlen - c->outoff);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			c->why = "the client stopped reading its reply";
			return -1;
		}
		c->outoff += (size_t)n;
		/* A long stream read steadily is not a silent client. */
		c->deadline = now + timeout_ms;
	}
	if (c->out != NULL) {
		kagi_free_secret(c->out, c->outlen);
		c->out = NULL;
		c->outlen = c->outoff = 0;
		/* A log-in's next request comes now or on a new connection. */
		if (c->follow_up && KAGI_FOLLOW_UP_MS < timeout_ms)
			timeout_ms = KAGI_FOLLOW_UP_MS;
		c->follow_up = 0;
		c->deadline = now + timeout_ms;
	}
	return c->closing ? -1 : 0;
}

/*
 * Dispatch the n requests of s->batch inside the transaction txn began
 * (or answer them with an error when it did not); each reply waits in
 * c->out for the transaction's fate.
 */
static void
batch_dispatch(struct server *s, size_t n, int txn)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		struct conn *c = s->batch[i];
		struct json_object *reply = NULL;
		struct peer caller;
		const char *msg = NULL;
		int flags = 0;

		/* Every record of an edge's request names the edge. */
		s->ctx->via = c->ssl != NULL ? c->host : NULL;
		if (txn == 0 && c->ssl != NULL &&
		    (r = fleet_request(s->ctx, c->host_fp, c->req, &caller,
		    &msg, &flags)) != 0) {
			/* Refused as the edge's, before any rule ran. */
			reply = proto_reply_error(r, msg);
			if (flags & FLEET_CLOSE) {
				c->closing = 1;
				c->why = "its host may not ask that";
			}
		} else if (txn == 0) {
			s->ctx->hold_ms = 0;
			r = dispatch(s->ctx, c->ssl != NULL ? &caller :
			    &c->peer, c->req, &reply);
			c->hold_ms = s->ctx->hold_ms;
			/* A request that is not one: answer, then hang up. */
			if (r == KAGI_ERR_INVALID || r == KAGI_ERR_VERSION ||
			    r == KAGI_ERR_TOO_LARGE || r == KAGI_ERR_DENIED) {
				c->closing = 1;
				c->why = "its request was refused as not one "
				    "it may send";
			}
		} else if (txn == KAGI_ERR_STORE_DOWN)
			/* Only status answers, from kagid's own state. */
			c->store_down_ok = dispatch_store_down(s->ctx,
			    &c->peer, c->req, &reply) == 0;
		else
			reply = proto_reply_error(KAGI_ERR_STORE,
			    "state store unavailable");
		s->ctx->via = NULL;
		proto_wipe_put(c->req);
		c->req = NULL;
		/* Keep the reply until the transaction decides its fate. */
		c->out = (uint8_t *)reply;
	}
}

/*
 * Send the replies batch_dispatch() kept; failed (the transaction's
 * error): successes become errors.  A status answered without the store
 * is no success of a transaction: it stays.  A reply the rules asked to hold (a failed log-in's growing
 * delay, failures.h) waits in c->out until c->hold_until: the loop goes
 * on meanwhile and the client, waiting for its answer, is not idle.
 */
static void
batch_answer(struct server *s, size_t n, int failed)
{
	int down = failed == KAGI_ERR_STORE_DOWN;

	int64_t now = kagi_monotonic_ms();
	size_t i;

	for (i = 0; i < n; i++) {
		struct conn *c = s->batch[i];
		struct json_object *reply = (struct json_object *)c->out;

		c->out = NULL;
		c->hold_until = c->hold_ms > 0 ? now + c->hold_ms : 0;
		/* The client has its time-out to read from when the answer
		 * is ready, not from before a long request (a report of
		 * 100,000 users) was worked out. */
		c->deadline = (c->hold_until > 0 ? c->hold_until : now) +
		    s->ctx->cfg->client_timeout * 1000;
		c->hold_ms = 0;
		if (failed && reply != NULL &&
		    proto_reply_status(reply) == 0 && !c->store_down_ok) {
			proto_wipe_put(reply);
			reply = down ? proto_reply_error(KAGI_ERR_STORE_DOWN,
			    "the state store is unreachable") :
			    proto_reply_error(KAGI_ERR_STORE,
			    "state store failure");
		}
		c->store_down_ok = 0;
		conn_reply(c, reply, 0);
	}
}

/*
 * The store's reachability (issue 14), said once per change rather than
 * once per batch: lost, with libpq's reason; back, with the server.
 * While it is lost the audit daemon counts the refusals and its tick
 * keeps trying a transaction, so kagid reconnects with no request
 * coming; the record of the outage is written once the store is back
 * (audit_degraded: since, until, failures).
 */
static void
store_watch(struct server *s, int r)
{
	struct store_state st;

	if (r == KAGI_ERR_STORE_DOWN) {
		audit_write_failed(s->ctx, "store", r);
		if (s->store_down)
			return;
		s->store_down = 1;
		store_state(s->ctx->store, &st);
		kagi_log(LOG_ALERT, "the state store is unreachable (%s): "
		    "log-ins are refused until kagid reconnects, which it "
		    "tries by itself", st.last_error);
	} else if (r == 0 && s->store_down) {
		s->store_down = 0;
		store_state(s->ctx->store, &st);
		kagi_log(LOG_NOTICE, "the state store is reachable again "
		    "(%s)", st.server);
	}
}

/*
 * Handle every complete request: first those that only read
 * (dispatch_read_only: auth_begin) in one read-only transaction, where a
 * write fails and nothing is flushed, answered at once; then the rest in
 * one write transaction, answered only once it has committed.
 */
static void
server_batch(struct server *s)
{
	size_t i, n = 0;
	int r, txn;

	for (i = 0; i < s->nconns; i++)
		if (s->conns[i]->req != NULL &&
		    dispatch_read_only(&s->conns[i]->peer, s->conns[i]->req)) {
			s->conns[i]->follow_up = 1;	/* auth_begin */
			s->batch[n++] = s->conns[i];
		}
	if (n > 0) {
		txn = store_begin_read(s->ctx->store);
		store_watch(s, txn);
		if (txn != 0 && txn != KAGI_ERR_STORE_DOWN)
			kagi_error("cannot begin a read transaction: %s",
			    kagi_strerror(txn));
		batch_dispatch(s, n, txn);
		/* A handler listed as read-only that wrote: a bug, fail all. */
		if (txn == 0 && (r = store_end_read(s->ctx->store)) != 0) {
			kagi_error("a read-only request wrote to the store: "
			    "rolled back, %zu answers turned into errors", n);
			txn = r;
		}
		/* What was logged was read, not written: nothing to wait for. */
		if (txn == 0)
			ctx_log_flush(s->ctx);
		else
			ctx_log_discard(s->ctx, 0);
		batch_answer(s, n, txn);
	}

	n = 0;
	for (i = 0; i < s->nconns; i++)
		if (s->conns[i]->req != NULL)
			s->batch[n++] = s->conns[i];
	if (n == 0)
		return;
	/* A clock step whose locks could not be moved yet: no decision on
	 * deadlines that may look ended (audit_clock_tick()). */
	txn = s->ctx->clockstep.pending_s > 0 ? KAGI_ERR_STORE :
	    store_begin(s->ctx->store);
	store_watch(s, txn);
	if (txn != 0 && txn != KAGI_ERR_STORE_DOWN)
		kagi_error("cannot begin a transaction: %s", kagi_strerror(txn));
	batch_dispatch(s, n, txn);
	if (txn == 0 && (r = store_commit(s->ctx->store)) != 0) {
		kagi_error("commit failed, %zu answers turned into errors: %s",
		    n, kagi_strerror(r));
		audit_write_failed(s->ctx, "commit", r);
		store_watch(s, r);
		txn = r;
	}
	/* Syslog mirrors only what the store now holds. */
	if (txn == 0)
		ctx_log_flush(s->ctx);
	else
		ctx_log_discard(s->ctx, 0);
	batch_answer(s, n, txn);
	if (s->ctx->hosts_revoked) {
		if (txn == 0 && s->tls != NULL)
			tls_drop_revoked(s);
		s->ctx->hosts_revoked = 0;
	}
}

int
server_run(struct server *s, volatile sig_atomic_t *stop,
    const sigset_t *sigmask)
{
	int64_t tmo_ms = s->ctx->cfg->client_timeout * 1000;
	struct timespec ts;
	size_t i, j;
	int64_t now, next, due;
	int n;

	while (!*stop) {
		audit_tick(s->ctx);
		/* Checkpoints, refused callers, failed writes. */
		audit_daemon_tick(s->ctx);
		now = kagi_monotonic_ms();
		next = now + 1000;
		/* Sessions' deadlines wake the loop (session.c). */
		if ((due = session_due_ms(s->ctx)) >= 0 && now + due < next)
			next = now + due;
		s->pfds[0].fd = s->lfd;
		s->pfds[0].events = POLLIN;
		s->pfds[0].revents = 0;
		s->pfds[1].fd = s->tfd;		/* -1: ignored by ppoll */
		s->pfds[1].events = POLLIN;
		s->pfds[1].revents = 0;
		for (i = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];
			int held = c->out != NULL && c->hold_until > now;
			s->pfds[i + PFD_CONN].fd = c->fd;
			s->pfds[i + PFD_CONN].events = held ? 0 :
			    c->handshaking ? (c->want_write ? POLLOUT : POLLIN) :
			    c->out != NULL ? POLLOUT :
			    (c->req == NULL ? POLLIN : 0);
			s->pfds[i + PFD_CONN].revents = 0;
			/* Bytes OpenSSL has read already: no wait. */
			if (c->ssl != NULL && !c->handshaking &&
			    c->req == NULL && c->out == NULL &&
			    SSL_has_pending(c->ssl))
				next = now;
			if (held && c->hold_until < next)
				next = c->hold_until;
			if (c->deadline < next)
				next = c->deadline;
		}
		if (next < now)
			next = now;
		ts.tv_sec = (time_t)((next - now) / 1000);
		ts.tv_nsec = (long)((next - now) % 1000) * 1000000L;
		n = ppoll(s->pfds, s->nconns + PFD_CONN, &ts, sigmask);
		if (n < 0 && errno != EINTR) {
			kagi_error("poll: %s", strerror(errno));
			return KAGI_ERR_IO;
		}
		if (*stop)
			break;
		now = kagi_monotonic_ms();
		/* Read from the ready connections. */
		for (i = 0; n >= 0 && i < s->nconns; i++) {
			struct conn *c = s->conns[i];
			short re = s->pfds[i + PFD_CONN].revents;
			if (c->ssl != NULL && !c->handshaking &&
			    c->req == NULL && c->out == NULL &&
			    SSL_has_pending(c->ssl))
				re |= POLLIN;
			if (re == 0)
				continue;
			if (c->handshaking) {
				if (tls_handshake(s, c) < 0) {
					c->closing = 2;
					continue;
				}
				if (c->handshaking)
					continue;
			}
			if ((re & POLLIN) || ((re & (POLLHUP | POLLERR)) &&
			    c->out == NULL)) {
				if (conn_read(c) < 0)
					c->closing = 2;	/* drop, no answer */
				/* Recorded, at most once a minute a caller. */
				if (c->refused != NULL)
					audit_caller_refused(s->ctx, &c->peer,
					    "protocol", c->refused, NULL);
				c->refused = NULL;
			} else if ((re & (POLLHUP | POLLERR)) &&
			    c->hold_until > now) {
				c->closing = 2;	/* gone while its answer waits */
				c->why = "client gone while its answer waited";
			}
		}
		/* A step of the clock while ppoll() waited moves the locks
		 * before any request is decided. */
		audit_clock_tick(s->ctx);
		server_batch(s);
		/* After the batch: a deadline never holds back a log-in. */
		session_tick(s->ctx);
		/* Hourly work and the break-glass file. */
		maint_tick(s->ctx, 0);
		/* The batch may have taken long: deadlines from now on. */
		now = kagi_monotonic_ms();
		/* Write answers, drop the finished and the silent. */
		for (i = 0, j = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];
			int drop = c->closing == 2;
			if (!drop && c->out != NULL && c->hold_until <= now &&
			    conn_write(c, now, tmo_ms) < 0)
				drop = 1;
			if (!drop && c->out == NULL && c->closing)
				drop = 1;
			if (!drop && now > c->deadline) {
				kagi_info("client uid %u pid %d silent for "
				    "%llds: dropped", (unsigned)c->peer.uid,
				    (int)c->peer.pid,
				    (long long)s->ctx->cfg->client_timeout);
				drop = 1;
				c->why = NULL;	/* said */
			}
			if (drop && c->why != NULL)
				kagi_info("connection of uid %u pid %d closed: "
				    "%s", (unsigned)c->peer.uid,
				    (int)c->peer.pid, c->why);
			if (drop)
				conn_free(c);
			else
				s->conns[j++] = c;
		}
		s->nconns = j;
		if (s->pfds[0].revents & POLLIN)
			server_accept(s);
		if (s->tfd >= 0 && (s->pfds[1].revents & POLLIN))
			tls_accept(s);
	}
	return 0;
}
