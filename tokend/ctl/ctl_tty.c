/*
 * ctl_tty.c - the lines kagictl reads from a person or a script.
 *
 * When standard input is a terminal the prompt goes to /dev/tty and the
 * answer is read from there; otherwise no prompt is shown and exactly one
 * line is read from standard input, a byte at a time so nothing past it
 * is consumed or left in a stdio buffer.  A line longer than the buffer
 * is read to its end and refused; the buffer is wiped on every failure,
 * since it may hold a code.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "kagi_err.h"
#include "wipe.h"

int
ctl_interactive(void)
{
	return isatty(STDIN_FILENO);
}

static int
write_all(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return KAGI_ERR_IO;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One line from fd without its end; KAGI_ERR_TRUNCATED at end of input. */
static int
read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	int too_long = 0;
	ssize_t got;
	char ch;

	for (;;) {
		if ((got = read(fd, &ch, 1)) < 0) {
			if (errno == EINTR)
				continue;
			return KAGI_ERR_IO;
		}
		if (got == 0) {
			if (n == 0 && !too_long)
				return KAGI_ERR_TRUNCATED;
			break;
		}
		if (ch == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = ch;
		else
			too_long = 1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return too_long ? KAGI_ERR_TOO_LARGE : 0;
}

int
ctl_read_line(const char *prompt, char *buf, size_t len)
{
	int fd = STDIN_FILENO, tty = -1, r;

	if (len == 0)
		return KAGI_ERR_INVALID;
	buf[0] = '\0';
	if (ctl_interactive()) {
		fflush(stdout);
		tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (tty >= 0)
			fd = tty;
		if ((r = write_all(tty >= 0 ? tty : STDERR_FILENO,
		    prompt)) != 0)
			goto out;
	}
	r = read_line(fd, buf, len);
 out:
	if (r != 0)
		kagi_wipe(buf, len);
	if (tty >= 0)
		close(tty);
	return r;
}
