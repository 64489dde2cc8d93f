/*
 * journal.c - kagid's messages to the systemd journal, with fields
 * (journal.h).
 *
 * Under systemd, kagid -f writes to the journal through sd_journal_sendv()
 * rather than as lines on standard error, so that an audit record's user,
 * event and outcome are fields an administrator can match on
 * (journalctl KAGI_EVENT=lockout).  The decision is journal_attached():
 * the documented $JOURNAL_STREAM test, never a guess from the parent.
 * Field values come from kagid (event and outcome names) or are user
 * names kagid has already canonicalised; sd_journal_sendv() frames any
 * value holding a newline in the binary form, so no value can forge
 * another field.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "journal.h"
#include "log.h"

#ifdef HAVE_LIBSYSTEMD

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

int
journal_attached(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (js == NULL ||
	    sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2 ||
	    fstat(2, &st) != 0 ||
	    (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino)
		return 0;
	/* sd_journal_sendv() drops messages silently when journald's socket
	 * is missing: then the stream, with "<N>" prefixes, is better. */
	return stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* One "NAME=value" item; returns 0, or -1 when it does not fit. */
static int
field(struct iovec *iov, size_t *n, char *buf, size_t len, const char *name,
    const char *value)
{
	int w;

	w = snprintf(buf, len, "%s=%s", name, value);
	if (w < 0 || (size_t)w >= len)
		return -1;
	iov[*n].iov_base = buf;
	iov[*n].iov_len = (size_t)w;
	(*n)++;
	return 0;
}

static void
journal_sink(int prio, const char *fn, const char *msg,
    const struct kagi_log_fields *f)
{
	static const char ident[] = "SYSLOG_IDENTIFIER=kagid";
	char m[1100], p[16], fac[24], func[96], u[300], e[96], o[96];
	char digit[2] = { (char)('0' + (prio & 7)), '\0' };
	struct iovec iov[9];
	size_t n = 0;
	int r = -1;

	if (field(iov, &n, m, sizeof(m), "MESSAGE", msg) == 0 &&
	    field(iov, &n, p, sizeof(p), "PRIORITY", digit) == 0 &&
	    field(iov, &n, fac, sizeof(fac), "SYSLOG_FACILITY", "10") == 0 &&
	    (fn == NULL || field(iov, &n, func, sizeof(func), "CODE_FUNC",
	    fn) == 0) &&
	    (f == NULL || f->user == NULL ||
	    field(iov, &n, u, sizeof(u), "KAGI_USER", f->user) == 0) &&
	    (f == NULL || f->event == NULL ||
	    field(iov, &n, e, sizeof(e), "KAGI_EVENT", f->event) == 0) &&
	    (f == NULL || f->outcome == NULL ||
	    field(iov, &n, o, sizeof(o), "KAGI_OUTCOME", f->outcome) == 0)) {
		iov[n].iov_base = (void *)(uintptr_t)ident;
		iov[n].iov_len = sizeof(ident) - 1;
		n++;
		r = sd_journal_sendv(iov, (int)n);
	}
	if (r < 0) {
		/* The journal is gone or a field did not fit: the line. */
		if (fn != NULL)
			fprintf(stderr, "<%d>kagid: %s: %s\n", prio & 7, fn,
			    msg);
		else
			fprintf(stderr, "<%d>kagid: %s\n", prio & 7, msg);
	}
}

void
journal_start(void)
{
	kagi_log_set_sink(journal_sink);
}

#else

int
journal_attached(void)
{
	return 0;
}

void
journal_start(void)
{
}

#endif
