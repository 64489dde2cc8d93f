/*
 * rawclient.c - sends one hand-made frame to kagid, for attack tests.
 *
 *   rawclient SOCKET MODE
 *
 * MODE picks the bytes: badmagic, badversion, zerolen, oversized,
 * truncated (half a payload, then close), notjson, array, trailing,
 * nulstring, badutf8, deep, unknownop, unknownfield, oldversion,
 * silent (connect, send nothing, wait for kagid to hang up), status,
 * verify-other (an auth_totp for user "root-only-victim"),
 * sshkey-self (an auth_sshkey for user "nobody", the caller's own name,
 * with a key line: only a verifier, root, may send one),
 * session-other (a session_open for user "staff1" naming pid and sid 2,
 * processes that are not the caller's), begin-status (an auth_begin for
 * "alice", its answer read, then at once a status on the same
 * connection: the status reply is printed), begin-idle (an auth_begin,
 * then silence: "eof" when kagid hangs up within 3 s).  Prints the
 * reply's status and error ("error invalid"), or "closed" when kagid hung
 * up without answering, then "eof" when kagid closed the connection
 * afterwards or "open" when it kept it.  Exit 0 unless the tool itself
 * failed.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
put_frame(int fd, int version, uint32_t len, const char *payload,
    size_t plen)
{
	unsigned char h[8] = { 'K', 'G', (unsigned char)version, 0,
	    (unsigned char)(len >> 24), (unsigned char)(len >> 16),
	    (unsigned char)(len >> 8), (unsigned char)len };

	if (write(fd, h, 8) != 8 ||
	    (plen > 0 && write(fd, payload, plen) != (ssize_t)plen))
		perror("write");
}

static void
put_json(int fd, const char *s, size_t n)
{
	put_frame(fd, KAGI_PROTO_VERSION, (uint32_t)n, s, n);
}

/* 1 when the peer closed within ms milliseconds. */
static int
closed_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char c;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return read(fd, &c, 1) <= 0;	/* EOF or reset */
}

int
main(int argc, char **argv)
{
	static char deep[4096];
	struct json_object *reply = NULL, *e = NULL;
	const char *mode;
	int fd, r, i, idle_ms = 500;

	if (argc != 3) {
		fprintf(stderr, "usage: rawclient SOCKET MODE\n");
		return 2;
	}
	mode = argv[2];
	signal(SIGPIPE, SIG_IGN);
	if ((fd = connect_to(argv[1])) < 0) {
		perror("connect");
		return 1;
	}
#define J(s) put_json(fd, s, sizeof(s) - 1)
	if (strcmp(mode, "badmagic") == 0) {
		if (write(fd, "XX\001\000\000\000\000\002{}", 10) != 10)
			return 1;
	} else if (strcmp(mode, "badversion") == 0) {
		put_frame(fd, 9, 2, "{}", 2);
	} else if (strcmp(mode, "zerolen") == 0) {
		put_frame(fd, KAGI_PROTO_VERSION, 0, "", 0);
	} else if (strcmp(mode, "oversized") == 0) {
		put_frame(fd, KAGI_PROTO_VERSION, KAGI_FRAME_MAX + 1, "", 0);
	} else if (strcmp(mode, "truncated") == 0) {
		put_frame(fd, KAGI_PROTO_VERSION, 100, "{\"v\":1,", 7);
		shutdown(fd, SHUT_WR);
	} else if (strcmp(mode, "notjson") == 0) {
		J("hello, kagid");
	} else if (strcmp(mode, "array") == 0) {
		J("[1,2,3]");
	} else if (strcmp(mode, "trailing") == 0) {
		J("{\"v\":1,\"op\":\"status\"}xyz");
	} else if (strcmp(mode, "nulstring") == 0) {
		put_json(fd, "{\"v\":1,\"op\":\"stat\\u0000us\"}", 26);
	} else if (strcmp(mode, "badutf8") == 0) {
		J("{\"v\":1,\"op\":\"status\",\"x\":\"\xff\xfe\"}");
	} else if (strcmp(mode, "deep") == 0) {
		for (i = 0; i < 1000; i++)
			deep[i] = '[';
		put_json(fd, deep, 1000);
	} else if (strcmp(mode, "unknownop") == 0) {
		J("{\"v\":1,\"op\":\"make_me_admin\"}");
	} else if (strcmp(mode, "unknownfield") == 0) {
		J("{\"v\":1,\"op\":\"status\",\"please\":true}");
	} else if (strcmp(mode, "oldversion") == 0) {
		J("{\"v\":0,\"op\":\"status\"}");
	} else if (strcmp(mode, "status") == 0) {
		J("{\"v\":1,\"op\":\"status\"}");
	} else if (strcmp(mode, "verify-other") == 0) {
		J("{\"v\":1,\"op\":\"auth_totp\",\"user\":\"root-only-victim\","
		    "\"service\":\"login\",\"code\":\"123456\"}");
	} else if (strcmp(mode, "sshkey-self") == 0) {
		J("{\"v\":1,\"op\":\"auth_sshkey\",\"user\":\"nobody\","
		    "\"service\":\"sshd\",\"rhost\":\"127.0.0.2\","
		    "\"key\":\"sk-ssh-ed25519@openssh.com AAAA\"}");
	} else if (strcmp(mode, "session-other") == 0) {
		J("{\"v\":1,\"op\":\"session_open\",\"user\":\"staff1\","
		    "\"service\":\"login\",\"pid\":2,\"sid\":2}");
	} else if (strcmp(mode, "silent") == 0) {
		/* nothing */
	} else if (strcmp(mode, "begin-status") == 0 ||
	    strcmp(mode, "begin-idle") == 0) {
		J("{\"v\":1,\"op\":\"auth_begin\",\"user\":\"alice\","
		    "\"service\":\"login\"}");
		if (strcmp(mode, "begin-status") == 0) {
			if (proto_recv(fd, &reply, 15000) != 0) {
				printf("closed\n");
				return 0;
			}
			json_object_put(reply);
			reply = NULL;
			J("{\"v\":1,\"op\":\"status\"}");
		} else
			idle_ms = 3000;
	} else {
		fprintf(stderr, "rawclient: unknown mode %s\n", mode);
		return 2;
	}
	r = proto_recv(fd, &reply, 15000);
	if (r != 0) {
		printf("closed\n");
	} else {
		const char *st = "?", *er = "";
		struct json_object *so = NULL;
		if (json_object_object_get_ex(reply, "status", &so))
			st = json_object_get_string(so);
		if (json_object_object_get_ex(reply, "error", &e))
			er = json_object_get_string(e);
		printf("%s %s\n", st, er);
	}
	printf("%s\n", closed_within(fd, idle_ms) ? "eof" : "open");
	json_object_put(reply);
	close(fd);
	return 0;
}
