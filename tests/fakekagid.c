/*
 * fakekagid.c - a broken kagid, for the fail-closed tests (R-AVL-1).
 *
 *   fakekagid SOCKET MODE
 *
 * Listens on SOCKET, prints "ready" once listening, and serves until
 * killed, misbehaving in one way per MODE:
 *   silent             accept, read, never answer (connections stay open)
 *   garbage            answer random bytes
 *   badmagic           a frame whose magic is not "KG"
 *   oversized          a header announcing more than KAGI_FRAME_MAX bytes
 *   truncated          a header promising 100 bytes, 10 bytes, then close
 *   close              accept and close at once
 *   notjson            a well-framed payload that is not JSON
 *   errorreply         a valid error reply {"status":"error","error":"internal"}
 *   okverdict-missing  {"status":"ok"} without verdict, method or digits
 *   success-lie        the reply each request hopes for ("success", "ok"),
 *                      well formed, but under the wrong protocol version
 *   impostor           the reply each request hopes for, flawless (a
 *                      banner, a success's confirmation id, an account
 *                      "ok" with the previous log-in): only who runs it
 *                      can give it away; serves every request of a
 *                      connection, 8 connections at once
 * Every mode but silent and close reads one request first.  It is a test
 * tool: it never unlinks a socket it did not create and trusts no input.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "kagi_err.h"
#include "proto.h"
#include "proto_ops.h"

#define SILENT_MAX 256
#define IMPOSTORS 8
#define READ_TIMEOUT_MS 2000

enum mode {
	M_SILENT, M_GARBAGE, M_BADMAGIC, M_OVERSIZED, M_TRUNCATED, M_CLOSE,
	M_NOTJSON, M_ERRORREPLY, M_OKMISSING, M_SUCCESSLIE, M_IMPOSTOR
};

static const struct {
	const char *name;
	enum mode mode;
} modes[] = {
	{ "silent", M_SILENT }, { "garbage", M_GARBAGE },
	{ "badmagic", M_BADMAGIC }, { "oversized", M_OVERSIZED },
	{ "truncated", M_TRUNCATED }, { "close", M_CLOSE },
	{ "notjson", M_NOTJSON }, { "errorreply", M_ERRORREPLY },
	{ "okverdict-missing", M_OKMISSING }, { "success-lie", M_SUCCESSLIE },
	{ "impostor", M_IMPOSTOR },
};

static void
put_header(uint8_t *h, char m0, char m1, uint8_t version, uint32_t len)
{
	h[0] = (uint8_t)m0;
	h[1] = (uint8_t)m1;
	h[2] = version;
	h[3] = 0;
	h[4] = (uint8_t)(len >> 24);
	h[5] = (uint8_t)(len >> 16);
	h[6] = (uint8_t)(len >> 8);
	h[7] = (uint8_t)len;
}

static void
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t w;

	while (n > 0) {
		w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		b += w;
		n -= (size_t)w;
	}
}

/* Send msg as a frame, with its version byte replaced by version. */
static void
send_frame(int fd, struct json_object *msg, uint8_t version)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	if (msg == NULL || proto_encode(msg, &buf, &len) != 0)
		return;
	buf[2] = version;
	write_all(fd, buf, len);
	free(buf);
}

/* The reply a request would like to get, for success-lie. */
static struct json_object *
lie_for(struct json_object *req)
{
	struct json_object *reply = proto_reply_ok();
	const char *op = NULL;

	if (reply == NULL)
		return NULL;
	if (req != NULL)
		(void)proto_get_str(req, "op", 64, &op);
	/* As kagid's: a banner; a success with its confirmation id; an
	 * account "ok" confirming it with the previous log-in. */
	if (op != NULL && strcmp(op, OP_AUTH_BEGIN) == 0) {
		(void)proto_set_str(reply, "method", "totp");
		(void)proto_set_int(reply, "digits", 6);
		(void)proto_set_str(reply, "banner", "Authorised use only.");
	} else if (op != NULL && strcmp(op, OP_ACCOUNT) == 0) {
		(void)proto_set_str(reply, "verdict", VERDICT_OK);
		(void)proto_set_int(reply, "last_time", 1700000000);
		(void)proto_set_str(reply, "last_from", "192.0.2.1");
		(void)proto_set_str(reply, "last_factors", "totp");
		(void)proto_set_int(reply, "last_ended", 1700000600);
		(void)proto_set_int(reply, "failures_since", 1);
	} else {
		(void)proto_set_str(reply, "verdict", VERDICT_SUCCESS);
		(void)proto_set_str(reply, "confirm",
		    "ZmFrZWthZ2lkIGNvbmZpcm1hdGlvbiBpZCwgMzIgYg==");
	}
	return reply;
}

/* Answer one request the mode's way; 1 when a request was read. */
static int
serve(int fd, enum mode m)
{
	static const char notjson[] = "this is not JSON";
	struct json_object *req = NULL, *reply = NULL;
	uint8_t buf[128];
	size_t i;

	/* A request that does not parse is fine: misbehave anyway. */
	(void)proto_recv(fd, &req, READ_TIMEOUT_MS);
	switch (m) {
	case M_GARBAGE:
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(rand() & 0xff);
		buf[0] = 'x';	/* never the start of a frame */
		write_all(fd, buf, sizeof(buf));
		break;
	case M_BADMAGIC:
		reply = proto_reply_ok();
		if (reply != NULL && proto_set_str(reply, "verdict",
		    VERDICT_SUCCESS) == 0) {
			uint8_t *f = NULL;
			size_t n = 0;

			if (proto_encode(reply, &f, &n) == 0) {
				f[0] = 'X';
				f[1] = 'Y';
				write_all(fd, f, n);
				free(f);
			}
		}
		break;
	case M_OVERSIZED:
		put_header(buf, 'K', 'G', KAGI_PROTO_VERSION,
		    (uint32_t)KAGI_FRAME_MAX + 1);
		memset(buf + KAGI_FRAME_HDR, '{', 64);
		write_all(fd, buf, KAGI_FRAME_HDR + 64);
		break;
	case M_TRUNCATED:
		put_header(buf, 'K', 'G', KAGI_PROTO_VERSION, 100);
		memcpy(buf + KAGI_FRAME_HDR, "{\"status\":", 10);
		write_all(fd, buf, KAGI_FRAME_HDR + 10);
		break;
	case M_NOTJSON:
		put_header(buf, 'K', 'G', KAGI_PROTO_VERSION,
		    (uint32_t)(sizeof(notjson) - 1));
		memcpy(buf + KAGI_FRAME_HDR, notjson, sizeof(notjson) - 1);
		write_all(fd, buf, KAGI_FRAME_HDR + sizeof(notjson) - 1);
		break;
	case M_ERRORREPLY:
		reply = proto_reply_error(KAGI_ERR_INTERNAL, "fakekagid");
		send_frame(fd, reply, KAGI_PROTO_VERSION);
		break;
	case M_OKMISSING:
		reply = proto_reply_ok();
		send_frame(fd, reply, KAGI_PROTO_VERSION);
		break;
	case M_SUCCESSLIE:
		reply = lie_for(req);
		send_frame(fd, reply, KAGI_PROTO_VERSION + 1);
		break;
	case M_IMPOSTOR:
		reply = lie_for(req);
		send_frame(fd, reply, KAGI_PROTO_VERSION);
		break;
	case M_SILENT:
	case M_CLOSE:
		break;
	}
	json_object_put(reply);
	if (req == NULL)
		return 0;
	json_object_put(req);
	return 1;
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "fakekagid: socket path too long\n");
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 64) != 0) {
		perror("fakekagid: socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	int silent[SILENT_MAX];
	int lfd, fd, nsilent = 0, child = 0;
	enum mode m = M_SILENT;
	size_t i;

	if (argc != 3) {
		fprintf(stderr, "usage: fakekagid SOCKET MODE\n");
		return 2;
	}
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[2], modes[i].name) == 0)
			break;
	if (i == sizeof(modes) / sizeof(modes[0])) {
		fprintf(stderr, "fakekagid: unknown mode '%s'\n", argv[2]);
		return 2;
	}
	m = modes[i].mode;
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if ((lfd = listen_on(argv[1])) < 0)
		return 1;
	/*
	 * An impostor serves IMPOSTORS connections at once: as many
	 * processes accepting on the one socket, each serving a connection
	 * to its end; they go with the parent (PR_SET_PDEATHSIG).
	 */
	if (m == M_IMPOSTOR)
		for (i = 1; i < IMPOSTORS; i++) {
			pid_t pid = fork();

			if (pid == 0) {
				(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
				child = 1;
				break;
			}
			if (pid < 0) {
				perror("fakekagid: fork");
				return 1;
			}
		}
	if (!child) {
		printf("ready\n");
		fflush(stdout);
	}
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("fakekagid: accept");
			return 1;
		}
		if (m == M_SILENT) {
			char sink[256];
			struct pollfd p = { fd, POLLIN, 0 };

			/* Read what came, answer nothing, keep it open. */
			if (poll(&p, 1, 200) > 0 &&
			    read(fd, sink, sizeof(sink)) < 0)
				p.revents = 0;
			if (nsilent == SILENT_MAX)
				close(silent[--nsilent]);
			silent[nsilent++] = fd;
			continue;
		}
		/* An impostor serves a connection to its end, as kagid does. */
		if (m == M_IMPOSTOR) {
			while (serve(fd, m))
				;
		} else if (m != M_CLOSE)
			(void)serve(fd, m);
		close(fd);
	}
}
