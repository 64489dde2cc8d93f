/*
 * log.c - logging to stderr or syslog (LOG_AUTHPRIV, never LOG_CONS), or
 * to a sink the program sets (kagid's journal writer).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static int log_stderr = 1;
static int log_debug;
static const char *log_ident = "kagi";
static int log_journal;
static kagi_log_sink_fn *log_sink;

void
kagi_log_open(const char *ident, int to_stderr, int debug)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_debug = debug;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
kagi_log_set_journal(int on)
{
	log_journal = on;
}

void
kagi_log_set_sink(kagi_log_sink_fn *sink)
{
	log_sink = sink;
}

int
kagi_log_debug_enabled(void)
{
	return log_debug;
}

static void log_v(int, const char *, const struct kagi_log_fields *,
    const char *, va_list) __attribute__((format(printf, 4, 0)));

static void
log_v(int prio, const char *fn, const struct kagi_log_fields *f,
    const char *fmt, va_list ap)
{
	char msg[1024];

	if (prio == LOG_DEBUG && !log_debug)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_sink != NULL) {
		log_sink(prio, fn, msg, f);
		return;
	}
	if (log_stderr) {
		/* Under systemd, "<N>" gives the journal each line's priority. */
		const char *pfx = log_journal ? "<" : "";
		char pri[8] = "";
		if (log_journal)
			snprintf(pri, sizeof(pri), "%d>", prio);
		if (fn != NULL)
			fprintf(stderr, "%s%s%s: %s: %s\n", pfx, pri, log_ident,
			    fn, msg);
		else
			fprintf(stderr, "%s%s%s: %s\n", pfx, pri, log_ident, msg);
		return;
	}
	if (fn != NULL)
		syslog(LOG_AUTHPRIV | prio, "%s: %s", fn, msg);
	else
		syslog(LOG_AUTHPRIV | prio, "%s", msg);
}

void
kagi_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(prio, NULL, NULL, fmt, ap);
	va_end(ap);
}

void
kagi_log_event(int prio, const struct kagi_log_fields *f, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(prio, NULL, f, fmt, ap);
	va_end(ap);
}

void
kagi_log_fn(int prio, const char *fn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(prio, fn, NULL, fmt, ap);
	va_end(ap);
}

const char *
kagi_escape(const char *s, size_t max, int quotech, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outlen == 0)
		return out;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		/* room for one escape, "..." and the NUL */
		if (o + 4 + 3 + 1 > outlen || i == max) {
			if (o + 3 + 1 <= outlen) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != quotech && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
	return out;
}

const char *
kagi_log_quote(const char *s, char *out, size_t outlen)
{
	size_t n;

	if (outlen < 8) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	if (s == NULL) {
		snprintf(out, outlen, "(null)");
		return out;
	}
	out[0] = '"';
	kagi_escape(s, (size_t)-1, '"', out + 1, outlen - 2);
	n = strlen(out);
	out[n] = '"';
	out[n + 1] = '\0';
	return out;
}
