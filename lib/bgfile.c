/*
 * bgfile.c - the break-glass file (bgfile.h): its lock, reading it,
 * rewriting it, and the one parser and the one formatter of its lines,
 * for kagid and pam_kagi alike.
 *
 * Guarantees:
 *  - A line is read whole or refused (KAGI_ERR_INVALID), never
 *    half-read: exactly the fields of its kind, separated by one space,
 *    numbers of 1 to 18 decimal digits, user names of 1 to
 *    BGFILE_USER_MAX bytes without spaces, salt and hash in lower-case
 *    hex of their exact length, iterations within 1..UCODE_ITER_MAX.
 *  - The file is opened and checked by safefile_load() (no link, a
 *    regular file, nothing for group or others, BGFILE_MAX bytes, the
 *    owner its reader trusts) and replaced by safefile_replace(); the
 *    lock file is opened without following a link, without blocking,
 *    must be a regular file, is waited for no longer than the caller
 *    says, and is created only for kagid.  Every refusal names the file
 *    and the reason in err.
 *  - What was read is wiped when it is freed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bgfile.h"
#include "clock.h"
#include "kagi_err.h"
#include "safefile.h"
#include "wipe.h"

/* --- the file ------------------------------------------------------------ */

int
bgfile_lock(const char *path, enum bgfile_reader who, int timeout_ms,
    int *fd, char *err, size_t errlen)
{
	char lock[PATH_MAX];
	struct stat st;
	struct timespec nap = { 0, BGFILE_LOCK_NAP_MS * 1000000L };
	int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int64_t deadline;
	int n, e;

	*fd = -1;
	if (path[0] != '/') {
		snprintf(err, errlen, "%s: is not an absolute path", path);
		return KAGI_ERR_INVALID;
	}
	n = snprintf(lock, sizeof(lock), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(lock)) {
		snprintf(err, errlen, "%s: path too long", path);
		return KAGI_ERR_TOO_LARGE;
	}
	if (who == BGFILE_KAGID)
		flags |= O_CREAT;
	/* Non-blocking: a FIFO put here cannot hold the open up. */
	if ((*fd = open(lock, flags, 0600)) < 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot open: %s", lock, strerror(e));
		return e == ELOOP ? KAGI_ERR_UNSAFE_FILE :
		    e == ENOMEM ? KAGI_ERR_NOMEM : KAGI_ERR_IO;
	}
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: is not a regular file", lock);
		close(*fd);
		*fd = -1;
		return KAGI_ERR_UNSAFE_FILE;
	}
	/* Waited for at most timeout_ms: whoever holds it cannot hang us. */
	deadline = kagi_monotonic_ms() + timeout_ms;
	while (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		e = errno;
		if (e == EINTR)
			continue;
		if (e != EWOULDBLOCK) {
			snprintf(err, errlen, "%s: cannot lock: %s", lock,
			    strerror(e));
			close(*fd);
			*fd = -1;
			return e == ENOLCK ? KAGI_ERR_NOMEM : KAGI_ERR_IO;
		}
		if (kagi_monotonic_ms() >= deadline) {
			snprintf(err, errlen, "%s: still locked by another "
			    "after %d ms", lock, timeout_ms);
			close(*fd);
			*fd = -1;
			return KAGI_ERR_TIMEOUT;
		}
		(void)nanosleep(&nap, NULL);
	}
	return KAGI_OK;
}

/*
 * Whom pam_kagi trusts with the file: the owner of its directory, which
 * must be a directory that group and others cannot write.
 */
static int
dir_owner(const char *path, uid_t *owner, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st;
	int n;

	n = snprintf(dir, sizeof(dir), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		return KAGI_ERR_TOO_LARGE;
	}
	if (stat(dirname(dir), &st) != 0 || !S_ISDIR(st.st_mode) ||
	    (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s: its directory is missing or "
		    "writable by others", path);
		return KAGI_ERR_UNSAFE_FILE;
	}
	*owner = st.st_uid;
	return KAGI_OK;
}

int
bgfile_read(const char *path, enum bgfile_reader who, struct bgfile *f,
    char *err, size_t errlen)
{
	struct safefile_rule rule = { 0, 0, 077, BGFILE_MAX };
	struct stat st;
	int r;

	memset(f, 0, sizeof(*f));
	if (who == BGFILE_MODULE) {
		if ((r = dir_owner(path, &rule.owner, err, errlen)) != 0)
			return r;
	} else {
		rule.owner = geteuid();
		rule.allow_root = 1;
	}
	if ((r = safefile_load(path, &rule, &f->buf, &f->len, &st, err,
	    errlen)) != 0)
		return r;
	f->next = f->buf;
	f->uid = st.st_uid;
	f->gid = st.st_gid;
	return KAGI_OK;
}

void
bgfile_clear(struct bgfile *f)
{
	if (f == NULL)
		return;
	if (f->buf != NULL)
		kagi_free_secret(f->buf, f->len + 1);
	memset(f, 0, sizeof(*f));
}

char *
bgfile_next_line(struct bgfile *f)
{
	char *line = f->next, *end;

	if (line == NULL || *line == '\0')
		return NULL;
	end = line + strcspn(line, "\n");
	if (*end == '\n')
		*end++ = '\0';
	f->next = end;
	return line;
}

int
bgfile_rewrite(const char *path, const struct bgfile *f, const char *line,
    const char *with, char *err, size_t errlen)
{
	size_t wl = strlen(with), cap = f->len + wl + 2, o = 0, sl;
	const char *s;
	char *out;
	int found = 0, r;

	if ((out = malloc(cap)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return KAGI_ERR_NOMEM;
	}
	/* The lines read are strings one after the other (bgfile_next_line). */
	for (s = f->buf; s < f->buf + f->len; s += sl + 1) {
		sl = strlen(s);
		if (s == line) {
			memcpy(out + o, with, wl);
			o += wl;
			found = 1;
			continue;
		}
		memcpy(out + o, s, sl);
		o += sl;
		out[o++] = '\n';
	}
	if (found) {
		r = safefile_replace(path, out, o, f->uid, f->gid, err, errlen);
	} else {
		snprintf(err, errlen, "%s: the line to replace is not the "
		    "file's", path);
		r = KAGI_ERR_INVALID;
	}
	kagi_free_secret(out, cap);
	return r;
}

int
bgfile_write(const char *path, const char *data, size_t len, char *err,
    size_t errlen)
{
	return safefile_replace(path, data, len, (uid_t)-1, (gid_t)-1, err,
	    errlen);
}

/* --- its lines ----------------------------------------------------------- */

static int
hex_decode(const char *s, size_t slen, uint8_t *out, size_t len)
{
	size_t i;
	int hi, lo;

	if (slen != 2 * len)
		return KAGI_ERR_INVALID;
	for (i = 0; i < len; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return KAGI_ERR_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * len] = '\0';
}

/* A decimal number of 1 to 18 digits, nothing else. */
static int
num(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return KAGI_ERR_INVALID;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return KAGI_ERR_INVALID;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
bgfile_line_parse(const char *line, struct bgfile_line *l)
{
	const char *f[6];
	size_t fl[6];
	const char *p = line;
	int64_t v;
	int n = 0, want;

	memset(l, 0, sizeof(*l));
	while (*p != '\0') {
		if (n == 6)
			return KAGI_ERR_INVALID;
		f[n] = p;
		fl[n] = strcspn(p, " ");
		p += fl[n];
		n++;
		if (*p == ' ')
			p++;
		else if (*p != '\0')
			return KAGI_ERR_INVALID;
	}
	if (n < 1)
		return KAGI_ERR_INVALID;
	if (fl[0] == 4 && strncmp(f[0], "code", 4) == 0)
		want = 6;
	else if (fl[0] == 4 && strncmp(f[0], "used", 4) == 0)
		want = 4;
	else
		return KAGI_ERR_INVALID;
	if (n != want || num(f[1], fl[1], &l->id) != 0 || fl[2] == 0 ||
	    fl[2] > BGFILE_USER_MAX)
		return KAGI_ERR_INVALID;
	memcpy(l->user, f[2], fl[2]);
	l->user[fl[2]] = '\0';
	if (want == 4) {
		l->used = 1;
		return num(f[3], fl[3], &l->time);
	}
	if (num(f[3], fl[3], &v) != 0 || v < 1 || v > UCODE_ITER_MAX ||
	    hex_decode(f[4], fl[4], l->salt, sizeof(l->salt)) != 0 ||
	    hex_decode(f[5], fl[5], l->hash, sizeof(l->hash)) != 0)
		return KAGI_ERR_INVALID;
	l->iterations = (long)v;
	return 0;
}

int
bgfile_line_format(const struct bgfile_line *l, char *buf, size_t len)
{
	char salt[2 * UCODE_SALT_LEN + 1], hash[2 * UCODE_HASH_LEN + 1];
	int n;

	if (l->used) {
		n = snprintf(buf, len, "used %lld %s %lld\n", (long long)l->id,
		    l->user, (long long)l->time);
	} else {
		hex_encode(l->salt, sizeof(l->salt), salt);
		hex_encode(l->hash, sizeof(l->hash), hash);
		n = snprintf(buf, len, "code %lld %s %ld %s %s\n",
		    (long long)l->id, l->user, l->iterations, salt, hash);
	}
	return n < 0 || (size_t)n >= len ? KAGI_ERR_TOO_LARGE : 0;
}
