/*
 * journalsink.c - a stand-in for systemd-journald's native socket, for
 * tests/integration/service.sh.
 *
 *   journalsink PATH SECONDS
 *
 * Binds PATH as an AF_UNIX datagram socket and writes every datagram it
 * receives to standard output, each followed by an empty line (a native
 * journal entry is "FIELD=value" lines).  Stops after SECONDS without a
 * datagram (or when killed); removes PATH when it stops by itself.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	static char buf[65536];
	char *end;
	long secs;
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: journalsink PATH SECONDS\n");
		return 2;
	}
	errno = 0;
	secs = strtol(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || secs < 1 || secs > 3600 ||
	    strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "journalsink: bad arguments\n");
		return 2;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, argv[1], strlen(argv[1]) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		perror("journalsink: socket");
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		int r = poll(&pfd, 1, (int)(secs * 1000));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0)
			break;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n ||
		    fputs("\n", stdout) == EOF || fflush(stdout) != 0)
			break;
	}
	close(fd);
	(void)unlink(argv[1]);
	return 0;
}
