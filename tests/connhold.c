/*
 * connhold.c - one local user holding many idle connections to kagid, for
 * the connection-limit test (issue 13, item 7).
 *
 *   connhold SOCKET N SECONDS
 *
 * Opens N connections to SOCKET (each connect waits at most 1 s), sends
 * nothing, waits SECONDS, then prints "opened A open B": A connections
 * were made, B of them kagid had not closed by then.  Exit 0 unless the
 * tool itself failed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CONNS_MAX 4000

/* A connection, or -1 when none was made within a second. */
static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	struct pollfd p;
	int fd, e;
	socklen_t el = sizeof(e);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno != EAGAIN && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	/* The backlog is full: wait for room, a second at most. */
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, 1000) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Still open: no end of file, no error. */
static int
still_open(int fd)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT | MSG_PEEK);

	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

int
main(int argc, char **argv)
{
	static int fds[CONNS_MAX];
	struct rlimit rl;
	char *end = NULL;
	long n, secs, i, opened = 0, open = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: connhold SOCKET N SECONDS\n");
		return 2;
	}
	n = strtol(argv[2], &end, 10);
	if (*end != '\0' || n < 1 || n > CONNS_MAX)
		return 2;
	secs = strtol(argv[3], &end, 10);
	if (*end != '\0' || secs < 0 || secs > 600)
		return 2;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 16) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 16 ? rl.rlim_max :
		    (rlim_t)n + 16;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < n; i++)
		if ((fds[opened] = connect_to(argv[1])) >= 0)
			opened++;
	printf("connected %ld\n", opened);
	fflush(stdout);
	sleep((unsigned)secs);
	for (i = 0; i < opened; i++)
		if (still_open(fds[i]))
			open++;
	printf("opened %ld open %ld\n", opened, open);
	return 0;
}
