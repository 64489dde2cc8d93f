/*
 * server.c - accepting, reading, batching, answering.
 *
 * Guarantees: no request is parsed before its caller is classified; a
 * frame over KAGI_FRAME_MAX is refused from its header alone; a connection
 * that sends a malformed frame is answered once and closed, never
 * resynchronised; answers are sent only after their transaction commits
 * and is on disk; a failed commit turns every answer of the batch into an
 * error (so a log-in is refused rather than accepted without its record);
 * request and reply buffers are wiped before they are freed.
 *
 * Durability without stopping the loop (issue 6): a batch's transaction
 * is committed lazily (store_commit_lazy) and numbered; a thread of its
 * own flushes the WAL (store_wal_flush, nothing else) and says through an
 * eventfd up to which number it is on disk.  Meanwhile the loop reads and
 * runs the next batch.  A batch's answers, and its syslog lines, wait in
 * the connections (c->held) until their number is flushed; answers from
 * a read-only batch wait for the last commit before them.  A failed flush
 * turns every waiting success into an error and stops kagid (exit 1):
 * what is on disk is then unknown, and a restart recovers from the disk.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "kagi_err.h"
#include "log.h"
#include "proto.h"
#include "proto_ops.h"
#include "server.h"
#include "session.h"
#include "lifecycle.h"
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
	struct json_object *held;	/* reply waiting for its flush */
	uint64_t held_seq;		/* ... of this commit number */
	uint8_t *out;
	size_t outlen;
	size_t outoff;
	int closing;			/* close once out is written */
	int follow_up;			/* answered auth_begin: short idle */
	int64_t deadline;		/* monotonic ms */
};

/* A committed batch's syslog lines, waiting for its flush. */
struct held_logs {
	uint64_t seq;
	struct pending_log *logs;
	size_t n;
};

struct server {
	struct kagid_ctx *ctx;
	int lfd;
	struct conn **conns;
	size_t nconns;
	size_t maxconns;
	struct pollfd *pfds;
	struct conn **batch;
	struct held_logs *hl;		/* FIFO by seq */
	size_t nhl;
	size_t hl_cap;
	uint64_t committed;		/* last lazy commit's number */
	/* The flusher thread; the fields below mu are shared under it. */
	pthread_t flusher;
	int flusher_up;
	int efd;			/* eventfd: a flush ended */
	char *wal_path;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t want;			/* flush through this number */
	uint64_t flushed;		/* on disk through this number */
	int flush_err;			/* a flush failed: stop */
	int quit;
};

/* Overwrite every string in a JSON value before it is freed. */
static void
json_wipe(struct json_object *o)
{
	size_t i, n;

	if (o == NULL)
		return;
	switch (json_object_get_type(o)) {
	case json_type_string:
		kagi_wipe((void *)(uintptr_t)json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
		break;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			json_wipe(v);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			json_wipe(json_object_array_get_idx(o, i));
		break;
	default:
		break;
	}
}

static void
json_wipe_put(struct json_object *o)
{
	json_wipe(o);
	json_object_put(o);
}

static void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	kagi_free_secret(c->payload, c->plen);
	kagi_free_secret(c->out, c->outlen);
	json_wipe_put(c->req);
	json_wipe_put(c->held);
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
	s->maxconns = max;
	s->efd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->conns = calloc(max, sizeof(*s->conns));
	s->batch = calloc(max, sizeof(*s->batch));
	s->pfds = calloc(max + 2, sizeof(*s->pfds));
	s->wal_path = strdup(store_wal_path(ctx->store));
	if (s->conns == NULL || s->batch == NULL || s->pfds == NULL ||
	    s->wal_path == NULL) {
		server_free(&s);
		return KAGI_ERR_NOMEM;
	}
	if ((s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		server_free(&s);
		return KAGI_ERR_IO;
	}
	*out = s;
	return 0;
}

/* --- the flusher thread ---------------------------------------------------- */

static void *
flusher_main(void *arg)
{
	struct server *s = arg;
	uint64_t target, one = 1;
	int fd = -1, r;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->quit && s->flush_err == 0 && s->want <= s->flushed)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit || s->flush_err != 0)
			break;
		target = s->want;
		pthread_mutex_unlock(&s->mu);
		r = store_wal_flush(&fd, s->wal_path);
		pthread_mutex_lock(&s->mu);
		if (r != 0)
			s->flush_err = r;
		else
			s->flushed = target;
		/* Wake the loop; a full counter still wakes it. */
		(void)!write(s->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&s->mu);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Started by server_run(), after kagid has become a daemon (fork). */
static int
flusher_start(struct server *s)
{
	sigset_t all, old;
	int e;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&s->flusher, NULL, flusher_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0)
		return KAGI_ERR_NOMEM;
	s->flusher_up = 1;
	return 0;
}

static void
flusher_stop(struct server *s)
{
	if (!s->flusher_up)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->flusher, NULL);
	s->flusher_up = 0;
}

/* Ask for a flush through commit number seq. */
static void
flusher_want(struct server *s, uint64_t seq)
{
	pthread_mutex_lock(&s->mu);
	if (seq > s->want) {
		s->want = seq;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

void
server_free(struct server **sp)
{
	struct server *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	flusher_stop(s);
	for (i = 0; i < s->nconns; i++)
		conn_free(s->conns[i]);
	for (i = 0; i < s->nhl; i++) {
		ctx_log_emit(s->ctx, s->hl[i].logs, s->hl[i].n, 0);
		free(s->hl[i].logs);
	}
	free(s->hl);
	free(s->conns);
	free(s->batch);
	free(s->pfds);
	free(s->wal_path);
	if (s->efd >= 0)
		close(s->efd);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	*sp = NULL;
}

static void
server_accept(struct server *s)
{
	struct conn *c;
	int fd, r;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				kagi_error("accept: %s", strerror(errno));
			return;
		}
		if (s->nconns >= s->maxconns) {
			kagi_warn("too many clients (%zu): connection dropped",
			    s->nconns);
			close(fd);
			continue;
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
		/* policy2: the approver class (two-person rule) */
		peer_add_approver(&c->peer, s->ctx->cfg->approver_group);
		c->deadline = kagi_monotonic_ms() +
		    s->ctx->cfg->client_timeout * 1000;
		s->conns[s->nconns++] = c;
		kagi_debug("connection from uid %u pid %d",
		    (unsigned)c->peer.uid, (int)c->peer.pid);
	}
}

/* Queue reply for c (consumed); on failure the connection is closed. */
static void
conn_reply(struct conn *c, struct json_object *reply, int close_after)
{
	int r;

	if (reply == NULL ||
	    (r = proto_encode(reply, &c->out, &c->outlen)) != 0) {
		c->closing = 1;
		c->out = NULL;
		c->outlen = 0;
	}
	c->outoff = 0;
	if (close_after)
		c->closing = 1;
	json_wipe_put(reply);
}

static void
conn_malformed(struct conn *c, int err, const char *what)
{
	kagi_warn("malformed frame from uid %u pid %d: %s (%s): closing",
	    (unsigned)c->peer.uid, (int)c->peer.pid, what, kagi_strerror(err));
	conn_reply(c, proto_reply_error(err, what), 1);
}

/* Read what is there; returns -1 when the connection must go now. */
static int
conn_read(struct conn *c)
{
	ssize_t n;
	int r;

	while (c->req == NULL && c->out == NULL && !c->closing) {
		if (c->hdr_got < KAGI_FRAME_HDR) {
			n = read(c->fd, c->hdr + c->hdr_got,
			    KAGI_FRAME_HDR - c->hdr_got);
		} else {
			n = read(c->fd, c->payload + c->pgot, c->plen - c->pgot);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (n == 0)
			return -1;	/* peer closed, mid-frame or not */
		if (c->hdr_got < KAGI_FRAME_HDR) {
			c->hdr_got += (size_t)n;
			if (c->hdr_got < KAGI_FRAME_HDR)
				continue;
			if ((r = proto_header_decode(c->hdr, &c->plen)) != 0) {
				conn_malformed(c, r, "bad frame header");
				return 0;
			}
			if ((c->payload = malloc(c->plen)) == NULL)
				return -1;
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
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->outoff += (size_t)n;
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

		if (txn == 0) {
			r = dispatch(s->ctx, &c->peer, c->req, &reply);
			/* A request that is not one: answer, then hang up. */
			if (r == KAGI_ERR_INVALID || r == KAGI_ERR_VERSION ||
			    r == KAGI_ERR_TOO_LARGE || r == KAGI_ERR_DENIED)
				c->closing = 1;
		} else
			reply = proto_reply_error(KAGI_ERR_STORE,
			    "state store unavailable");
		json_wipe_put(c->req);
		c->req = NULL;
		/* Keep the reply until the transaction decides its fate. */
		c->held = reply;
		c->held_seq = 0;
	}
}

/* Send c's held reply; failed: a success becomes an error. */
static void
conn_release(struct conn *c, int failed)
{
	struct json_object *reply = c->held;

	c->held = NULL;
	if (failed && reply != NULL && proto_reply_status(reply) == 0) {
		json_wipe_put(reply);
		reply = proto_reply_error(KAGI_ERR_STORE, "state store failure");
	}
	conn_reply(c, reply, 0);
}

/* Send the replies batch_dispatch() kept; failed: successes become errors. */
static void
batch_answer(struct server *s, size_t n, int failed)
{
	size_t i;

	for (i = 0; i < n; i++)
		conn_release(s->batch[i], failed);
}

/*
 * The batch's answers and syslog lines wait for commit number seq to be
 * on disk (server_release()).
 */
static void
batch_hold(struct server *s, size_t n, uint64_t seq)
{
	struct pending_log *logs;
	struct held_logs *h;
	size_t i, nl, cap;

	for (i = 0; i < n; i++)
		s->batch[i]->held_seq = seq;
	ctx_log_take(s->ctx, &logs, &nl);
	if (nl == 0) {
		free(logs);
		return;
	}
	if (s->nhl == s->hl_cap) {
		cap = s->hl_cap == 0 ? 16 : s->hl_cap * 2;
		if ((h = realloc(s->hl, cap * sizeof(*h))) == NULL) {
			/* Better early than lost: these lines go out now. */
			ctx_log_emit(s->ctx, logs, nl, 1);
			free(logs);
			return;
		}
		s->hl = h;
		s->hl_cap = cap;
	}
	s->hl[s->nhl].seq = seq;
	s->hl[s->nhl].logs = logs;
	s->hl[s->nhl].n = nl;
	s->nhl++;
}

/*
 * Answer the held replies, and log the held lines, whose commit is on
 * disk; after a failed flush, the rest are answered as failures and their
 * lines dropped.  Returns the flush's error, or 0.
 */
static int
server_release(struct server *s)
{
	uint64_t flushed, v;
	size_t i, k;
	int err;

	while (read(s->efd, &v, sizeof(v)) > 0)
		;
	pthread_mutex_lock(&s->mu);
	flushed = s->flushed;
	err = s->flush_err;
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];

		if (c->held == NULL)
			continue;
		if (c->held_seq <= flushed)
			conn_release(c, 0);
		else if (err != 0)
			conn_release(c, 1);
	}
	for (k = 0; k < s->nhl && (s->hl[k].seq <= flushed || err != 0); k++) {
		ctx_log_emit(s->ctx, s->hl[k].logs, s->hl[k].n,
		    s->hl[k].seq <= flushed);
		free(s->hl[k].logs);
	}
	memmove(s->hl, s->hl + k, (s->nhl - k) * sizeof(*s->hl));
	s->nhl -= k;
	return err;
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
		    dispatch_read_only(s->conns[i]->req))
			s->batch[n++] = s->conns[i];
	for (i = 0; i < n; i++)
		s->batch[i]->follow_up = 1;
	if (n > 0) {
		txn = store_begin_read(s->ctx->store);
		if (txn != 0)
			kagi_error("cannot begin a read transaction: %s",
			    kagi_strerror(txn));
		batch_dispatch(s, n, txn);
		/* A handler listed as read-only that wrote: a bug, fail all. */
		if (txn == 0 && (r = store_end_read(s->ctx->store)) != 0) {
			kagi_error("a read-only request wrote to the store: "
			    "rolled back, %zu answers turned into errors", n);
			txn = r;
		}
		/*
		 * What it read may come from a commit not yet on disk: its
		 * answers wait for the last commit's flush.
		 */
		if (txn == 0) {
			batch_hold(s, n, s->committed);
		} else {
			ctx_log_discard(s->ctx, 0);
			batch_answer(s, n, 1);
		}
	}

	n = 0;
	for (i = 0; i < s->nconns; i++)
		if (s->conns[i]->req != NULL)
			s->batch[n++] = s->conns[i];
	if (n == 0)
		return;
	txn = store_begin(s->ctx->store);
	if (txn != 0)
		kagi_error("cannot begin a transaction: %s", kagi_strerror(txn));
	batch_dispatch(s, n, txn);
	if (txn == 0 && (r = store_commit_lazy(s->ctx->store)) != 0) {
		kagi_error("commit failed, %zu answers turned into errors: %s",
		    n, kagi_strerror(r));
		txn = r;
	}
	/* Answers and syslog wait for the flush (server_release()). */
	if (txn == 0) {
		s->committed++;
		batch_hold(s, n, s->committed);
		flusher_want(s, s->committed);
	} else {
		ctx_log_discard(s->ctx, 0);
		batch_answer(s, n, 1);
	}
}

/*
 * Leaving: flush what is committed on this thread, answer what waited for
 * it, and give the answers one chance to go out.
 */
static void
server_drain(struct server *s)
{
	size_t i;
	int r;

	flusher_stop(s);
	r = store_sync(s->ctx->store);
	pthread_mutex_lock(&s->mu);
	if (r == 0)
		s->flushed = s->committed;
	else if (s->flush_err == 0)
		s->flush_err = r;
	pthread_mutex_unlock(&s->mu);
	(void)server_release(s);
	for (i = 0; i < s->nconns; i++)
		if (s->conns[i]->out != NULL)
			(void)conn_write(s->conns[i], kagi_monotonic_ms(), 0);
}

int
server_run(struct server *s, volatile sig_atomic_t *stop,
    const sigset_t *sigmask)
{
	int64_t tmo_ms = s->ctx->cfg->client_timeout * 1000;
	struct timespec ts;
	size_t i, j;
	int64_t now, next, due;
	int n, ferr = 0;

	if (!s->flusher_up && flusher_start(s) != 0) {
		kagi_error("cannot start the flushing thread");
		return KAGI_ERR_NOMEM;
	}
	while (!*stop && ferr == 0) {
		audit_tick(s->ctx);
		now = kagi_monotonic_ms();
		next = now + 1000;
		/* Sessions' deadlines wake the loop (session.c). */
		if ((due = session_due_ms(s->ctx)) >= 0 && now + due < next)
			next = now + due;
		s->pfds[0].fd = s->lfd;
		s->pfds[0].events = POLLIN;
		s->pfds[0].revents = 0;
		for (i = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];
			/* Waiting for a flush: not polled, not timed out. */
			s->pfds[i + 1].fd = c->held != NULL ? -1 : c->fd;
			s->pfds[i + 1].events = c->out != NULL ? POLLOUT :
			    (c->req == NULL ? POLLIN : 0);
			s->pfds[i + 1].revents = 0;
			if (c->held == NULL && c->deadline < next)
				next = c->deadline;
		}
		s->pfds[s->nconns + 1].fd = s->efd;
		s->pfds[s->nconns + 1].events = POLLIN;
		s->pfds[s->nconns + 1].revents = 0;
		if (next < now)
			next = now;
		ts.tv_sec = (time_t)((next - now) / 1000);
		ts.tv_nsec = (long)((next - now) % 1000) * 1000000L;
		n = ppoll(s->pfds, s->nconns + 2, &ts, sigmask);
		if (n < 0 && errno != EINTR) {
			kagi_error("poll: %s", strerror(errno));
			return KAGI_ERR_IO;
		}
		if (*stop)
			break;
		now = kagi_monotonic_ms();
		/* Read from the ready connections. */
		for (i = 0; n > 0 && i < s->nconns; i++) {
			struct conn *c = s->conns[i];
			short re = s->pfds[i + 1].revents;
			if (re == 0)
				continue;
			if ((re & POLLIN) || ((re & (POLLHUP | POLLERR)) &&
			    c->out == NULL)) {
				if (conn_read(c) < 0)
					c->closing = 2;	/* drop, no answer */
			}
		}
		server_batch(s);
		if ((ferr = server_release(s)) != 0)
			kagi_error("cannot flush the store's journal to disk "
			    "(%s): the answers waiting for it were turned into "
			    "errors; kagid stops", kagi_strerror(ferr));
		/* After the batch: a deadline never holds back a log-in. */
		session_tick(s->ctx);
		/* policy2: hourly work and the break-glass file */
		maint_tick(s->ctx, 0);
		/* Write answers, drop the finished and the silent. */
		for (i = 0, j = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];
			int drop = c->closing == 2;
			if (!drop && c->out != NULL &&
			    conn_write(c, now, tmo_ms) < 0)
				drop = 1;
			if (!drop && c->out == NULL && c->held == NULL &&
			    c->closing)
				drop = 1;
			if (!drop && c->held == NULL && now > c->deadline) {
				kagi_info("client uid %u pid %d silent for "
				    "%llds: dropped", (unsigned)c->peer.uid,
				    (int)c->peer.pid,
				    (long long)s->ctx->cfg->client_timeout);
				drop = 1;
			}
			if (drop)
				conn_free(c);
			else
				s->conns[j++] = c;
		}
		s->nconns = j;
		if (ferr == 0 && (s->pfds[0].revents & POLLIN))
			server_accept(s);
	}
	server_drain(s);
	return ferr != 0 ? KAGI_ERR_IO : 0;
}
