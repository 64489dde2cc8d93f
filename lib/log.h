/*
 * log.h - logging for kagid and kagictl (pam_kagi uses pam_syslog).
 *
 * To stderr (foreground, tools) or syslog LOG_AUTHPRIV without LOG_CONS.
 * Log at the place that decides, with the function name: kagi_error()
 * and friends prefix __func__.  Never pass a secret; user-supplied strings
 * go through kagi_log_quote().
 */
#ifndef KAGI_LOG_H
#define KAGI_LOG_H

#include <stddef.h>
#include <syslog.h>

void kagi_log_open(const char *ident, int to_stderr, int debug);
void kagi_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int kagi_log_debug_enabled(void);
/*
 * Prefix stderr lines with "<prio>" for the systemd journal.  The caller
 * decides (kagid reads JOURNAL_STREAM); the library reads no environment,
 * since it is linked into the PAM module.
 */
void kagi_log_set_journal(int on);

/*
 * Structured messages: what an audit record is about, for a log that keeps
 * fields (the systemd journal).  Any member may be NULL.
 */
struct kagi_log_fields {
	const char *user;
	const char *event;
	const char *outcome;
};
/*
 * A sink takes every message instead of stderr and syslog (kagid's journal
 * writer); fn and f may be NULL.  NULL puts stderr or syslog back.
 */
typedef void kagi_log_sink_fn(int prio, const char *fn, const char *msg,
    const struct kagi_log_fields *f);
void kagi_log_set_sink(kagi_log_sink_fn *sink);
/* kagi_log() with fields: a sink gets them, stderr and syslog do not. */
void kagi_log_event(int prio, const struct kagi_log_fields *f,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define kagi_error(...) kagi_log_fn(LOG_ERR, __func__, __VA_ARGS__)
#define kagi_warn(...) kagi_log_fn(LOG_WARNING, __func__, __VA_ARGS__)
#define kagi_info(...) kagi_log(LOG_INFO, __VA_ARGS__)
#define kagi_debug(...) kagi_log_fn(LOG_DEBUG, __func__, __VA_ARGS__)
void kagi_log_fn(int prio, const char *fn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Copy at most max bytes of s into out (size outlen), every byte outside
 * printable ASCII, quotech and '\\' written as \xNN; "..." marks a cut.
 * Returns out.
 */
const char *kagi_escape(const char *s, size_t max, int quotech, char *out,
    size_t outlen);

/*
 * Copy s into out (size outlen) with every byte outside printable ASCII
 * escaped as \xNN, and the result in double quotes; truncated with "..."
 * when too long.  Returns out.
 */
const char *kagi_log_quote(const char *s, char *out, size_t outlen);

#endif
