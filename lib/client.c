/*
 * client.c - a connection to kagid over its UNIX socket, for pam_kagi and
 * kagictl.
 *
 * Guarantees: the peer is kagid's user (root, or the owner of the
 * socket's directory) before a byte is sent; connect, send and receive
 * are each bounded by the time-out
 * given at connect; the socket is close-on-exec; a call that fails for
 * any reason other than a well-formed error reply leaves the connection
 * closed (the protocol never resynchronises), so later calls fail too.
 * KAGI_OK is returned only for a reply whose "status" is "ok".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "kagi_err.h"
#include "proto.h"

struct kagi_client {
	int fd;
	int timeout_ms;
};

static int
connect_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
	case ENOTDIR:
		return KAGI_ERR_UNAVAILABLE;
	case EACCES:
	case EPERM:
		return KAGI_ERR_DENIED;	/* the socket's mode: not a member */
	case ENOMEM:
	case ENOBUFS:
		return KAGI_ERR_NOMEM;
	default:
		return KAGI_ERR_IO;
	}
}

/*
 * Is the process on the other end kagid?  It must run as root or as the
 * owner of the socket's directory, a directory nobody else may write to:
 * a code typed at the terminal is never handed to whoever managed to bind
 * the path first.
 */
static int
server_trusted(int fd, const char *sockpath)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct stat st;
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 ||
	    len != sizeof(uc))
		return KAGI_ERR_IO;
	if (uc.uid == 0)
		return KAGI_OK;
	memcpy(dir, sockpath, strlen(sockpath) + 1);
	if ((slash = strrchr(dir, '/')) == NULL)
		return KAGI_ERR_UNSAFE_FILE;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    (st.st_mode & 022) != 0 || st.st_uid != uc.uid)
		return KAGI_ERR_UNSAFE_FILE;
	return KAGI_OK;
}

/* Wait for a non-blocking connect in progress to finish. */
static int
connect_wait(int fd, int64_t deadline)
{
	struct pollfd pfd;
	socklen_t sl = sizeof(int);
	int64_t left;
	int n, soerr = 0;

	for (;;) {
		left = deadline - kagi_monotonic_ms();
		if (left <= 0)
			return KAGI_ERR_TIMEOUT;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR)
			return KAGI_ERR_IO;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return KAGI_ERR_IO;
	return soerr == 0 ? KAGI_OK : connect_errno(soerr);
}

int
client_connect(const char *sockpath, int timeout_ms, struct kagi_client **c)
{
	struct sockaddr_un sun;
	struct kagi_client *k = NULL;
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int64_t deadline;
	int fd = -1, flags, r;

	*c = NULL;
	if (sockpath == NULL || sockpath[0] == '\0' || timeout_ms <= 0) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof(sun.sun_path)) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	memcpy(sun.sun_path, sockpath, strlen(sockpath));
	deadline = kagi_monotonic_ms() + timeout_ms;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = connect_errno(errno);
		goto out;
	}
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			r = KAGI_OK;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EINPROGRESS) {
			r = connect_wait(fd, deadline);
			break;
		}
		if (errno != EAGAIN) {
			r = connect_errno(errno);
			break;
		}
		/* The daemon's backlog is full: try again until the deadline. */
		if (kagi_monotonic_ms() >= deadline) {
			r = KAGI_ERR_TIMEOUT;
			break;
		}
		(void)nanosleep(&pause, NULL);
	}
	if (r != 0)
		goto out;
	if ((r = server_trusted(fd, sockpath)) != 0)
		goto out;
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		r = KAGI_ERR_IO;
		goto out;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	k->fd = fd;
	k->timeout_ms = timeout_ms;
	fd = -1;
	*c = k;
	r = KAGI_OK;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* A well-formed error reply: an object whose "status" is "error". */
static int
is_error_reply(struct json_object *reply)
{
	const char *status = NULL;

	return proto_get_str(reply, "status", 16, &status) == 0 &&
	    strcmp(status, "error") == 0;
}

/* The frames after the first of a streamed reply (proto.h), joined. */
static int
client_follow(struct kagi_client *c, struct json_object *rep)
{
	struct json_object *next = NULL;
	int more = 0, r;

	if ((r = proto_get_bool_opt(rep, PROTO_CONTINUES, &more)) != 0)
		return KAGI_ERR_INVALID;
	while (more) {
		if ((r = proto_recv(c->fd, &next, c->timeout_ms)) != 0) {
			if (r != KAGI_ERR_TIMEOUT && r != KAGI_ERR_IO &&
			    r != KAGI_ERR_NOMEM)
				r = KAGI_ERR_INVALID;
			return r;
		}
		r = proto_reply_join(rep, next, &more);
		json_object_put(next);
		next = NULL;
		if (r != 0)
			return r;
	}
	json_object_object_del(rep, PROTO_CONTINUES);
	return KAGI_OK;
}

int
client_call(struct kagi_client *c, struct json_object *req,
    struct json_object **reply)
{
	struct json_object *rep = NULL;
	int r, usable = 0;

	if (reply != NULL)
		*reply = NULL;
	if (c == NULL || req == NULL)
		return KAGI_ERR_INVALID;
	if (c->fd < 0)
		return KAGI_ERR_IO;
	if ((r = proto_send(c->fd, req, c->timeout_ms)) != 0)
		goto out;
	if ((r = proto_recv(c->fd, &rep, c->timeout_ms)) != 0) {
		/* Anything but a well-formed frame is malformed. */
		if (r != KAGI_ERR_TIMEOUT && r != KAGI_ERR_IO &&
		    r != KAGI_ERR_NOMEM)
			r = KAGI_ERR_INVALID;
		goto out;
	}
	if ((r = proto_reply_status(rep)) != KAGI_OK && !is_error_reply(rep)) {
		/* Not a reply at all: nothing in it is worth handing over. */
		r = KAGI_ERR_INVALID;
		goto out;
	}
	/* A reply too large for one frame: follow its stream to the end. */
	if (r == KAGI_OK && (r = client_follow(c, rep)) != 0)
		goto out;
	/* "ok", or a well-formed error reply the caller may read. */
	usable = 1;
	if (reply != NULL) {
		*reply = rep;
		rep = NULL;
	}
out:
	json_object_put(rep);
	if (!usable) {
		/* The stream is out of step now: never use it again. */
		close(c->fd);
		c->fd = -1;
	}
	return r;
}

void
client_free(struct kagi_client **c)
{
	if (c == NULL || *c == NULL)
		return;
	if ((*c)->fd >= 0)
		close((*c)->fd);
	free(*c);
	*c = NULL;
}
