/*
 * logsink.c - a syslog socket that discards what it receives (bench only).
 *
 *   logsink PATH COUNTFILE
 *
 * Binds a datagram socket at PATH (run.sh uses /dev/log inside a private
 * mount namespace of its own, so the host's /dev is never touched) and
 * reads and drops every datagram, as a fast syslog daemon would: modules
 * that log every log-in pay for a send, not for the serial console that
 * glibc falls back to when /dev/log is missing and LOG_CONS is set.  On
 * SIGTERM it writes the number of datagrams received to COUNTFILE (how
 * many lines each system logged) and exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct sigaction sa;
	char buf[8192];
	unsigned long n = 0;
	FILE *f;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: logsink PATH COUNTFILE\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: recv returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, argv[1], strlen(argv[1]));
	(void)unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "logsink: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (!stop) {
		if (recv(fd, buf, sizeof(buf), 0) >= 0)
			n++;
	}
	unlink(argv[1]);
	if ((f = fopen(argv[2], "w")) != NULL) {
		fprintf(f, "%lu\n", n);
		fclose(f);
	}
	return 0;
}
