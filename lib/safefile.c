/*
 * safefile.c - opening configuration and key files as if an attacker had
 * placed them.
 *
 * Guarantees: only absolute paths; every directory from "/" down to the
 * file is one only root or the file's trusted owner can change
 * (safefile_check_parents()), so nobody else can swap the file or a
 * directory on its way; the last component is never followed
 * if it is a symlink (O_NOFOLLOW, or lstat for directories); owner, type,
 * mode and size are checked on the opened descriptor (fstat), so the
 * checks and the read concern the same file; a file that grows while it
 * is read is refused.  Secret files are created with O_EXCL, mode 0600,
 * and made durable (file and directory fsynced) before they are used;
 * the caller's buffer is wiped on every failure.  A file is replaced by
 * writing it whole beside the old one and renaming it into place, so a
 * crash leaves one or the other.  Every refusal leaves a message in err
 * naming the file and the reason.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kagi_err.h"
#include "safefile.h"
#include "wipe.h"

/* Write "path: reason" into err and return r. */
static int fail(int r, char *err, size_t errlen, const char *path,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
fail(int r, char *err, size_t errlen, const char *path, const char *fmt,
    ...)
{
	char reason[160];
	va_list ap;

	if (err == NULL || errlen == 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", path != NULL ? path : "(null)", reason);
	return r;
}

/* Map a failed open/lstat to a code and a message. */
static int
fail_errno(int e, char *err, size_t errlen, const char *path,
    const char *what)
{
	if (e == ELOOP)
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is a symbolic link");
	if (e == ENOENT)
		return fail(KAGI_ERR_NOT_FOUND, err, errlen, path,
		    "cannot %s: %s", what, strerror(e));
	if (e == ENOMEM)
		return fail(KAGI_ERR_NOMEM, err, errlen, path,
		    "cannot %s: %s", what, strerror(e));
	return fail(KAGI_ERR_IO, err, errlen, path, "cannot %s: %s", what,
	    strerror(e));
}

static int
check_absolute(const char *path, char *err, size_t errlen)
{
	if (path == NULL || path[0] != '/')
		return fail(KAGI_ERR_INVALID, err, errlen, path,
		    "is not an absolute path");
	return KAGI_OK;
}

/*
 * The permission bits in deny must be clear; which ones were set is
 * named: writing first, then reading, then anything else.
 */
static int
check_mode(const struct stat *st, mode_t deny, char *err, size_t errlen,
    const char *path)
{
	unsigned mode = (unsigned)(st->st_mode & 07777);
	mode_t set = st->st_mode & deny;

	if ((set & 022) != 0)
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is writable by group or others (mode %04o)", mode);
	if ((set & 044) != 0)
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is readable by group or others (mode %04o)", mode);
	if (set != 0)
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is accessible by group or others (mode %04o)", mode);
	return KAGI_OK;
}

static int
check_owner(const struct stat *st, uid_t owner, int allow_root, char *err,
    size_t errlen, const char *path)
{
	if (st->st_uid != owner && !(allow_root && st->st_uid == 0))
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is owned by uid %lu, not uid %lu",
		    (unsigned long)st->st_uid, (unsigned long)owner);
	return KAGI_OK;
}

/* The most symbolic links followed in one walk (as the kernel's 40). */
#define WALK_LINKS_MAX 40

/*
 * A directory on the way to a file: owned by root or by owner, and
 * writable by nobody else, unless it is root's and sticky (like /tmp).
 */
static int
check_walked(const struct stat *st, const char *comp, uid_t owner,
    char *err, size_t errlen, const char *path)
{
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if (!S_ISDIR(st->st_mode))
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "%s is not a directory", comp);
	if (st->st_uid != 0 && st->st_uid != owner)
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "its directory %s is owned by uid %lu, not by root or "
		    "uid %lu", comp, (unsigned long)st->st_uid,
		    (unsigned long)owner);
	if ((st->st_mode & 022) != 0 &&
	    !(st->st_uid == 0 && (st->st_mode & S_ISVTX) != 0))
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "its directory %s is writable by group or others "
		    "(mode %04o)", comp, mode);
	return KAGI_OK;
}

/*
 * Split the first component off *rest into comp: 1 when there was one
 * and more follow, 0 when what is left is the last component (or
 * nothing), -1 when a component is too long.
 */
static int
next_component(char **rest, char *comp, size_t len)
{
	char *p = *rest, *slash;
	size_t n;

	while (*p == '/')
		p++;
	if ((slash = strchr(p, '/')) == NULL)
		return 0;
	n = (size_t)(slash - p);
	while (*slash == '/')
		slash++;
	if (*slash == '\0')
		return 0;	/* "dir/": dir is the last */
	if (n >= len)
		return -1;
	memcpy(comp, p, n);
	comp[n] = '\0';
	*rest = slash;
	return 1;
}

int
safefile_check_parents(const char *path, uid_t owner, char *err,
    size_t errlen)
{
	char cur[PATH_MAX], todo[PATH_MAX], next[PATH_MAX], comp[NAME_MAX + 1];
	char target[PATH_MAX];
	struct stat st;
	char *rest;
	ssize_t tn;
	size_t cl;
	int links = 0, r, n;

	if ((r = check_absolute(path, err, errlen)) != 0)
		return r;
	if (strlen(path) >= sizeof(todo))
		return fail(KAGI_ERR_TOO_LARGE, err, errlen, path,
		    "path too long");
	strcpy(todo, path);
	strcpy(cur, "/");
	if (lstat("/", &st) != 0)
		return fail_errno(errno, err, errlen, "/", "stat");
	if ((r = check_walked(&st, "/", owner, err, errlen, path)) != 0)
		return r;
	rest = todo;
	while ((n = next_component(&rest, comp, sizeof(comp))) != 0) {
		if (n < 0)
			return fail(KAGI_ERR_TOO_LARGE, err, errlen, path,
			    "path too long");
		if (strcmp(comp, ".") == 0)
			continue;
		cl = strlen(cur);
		if (strcmp(comp, "..") == 0) {
			/* cur holds no link: ".." is its parent. */
			while (cl > 1 && cur[cl - 1] != '/')
				cl--;
			cur[cl > 1 ? cl - 1 : 1] = '\0';
			continue;
		}
		n = snprintf(next, sizeof(next), "%s%s%s", cur,
		    cl > 1 ? "/" : "", comp);
		if (n < 0 || (size_t)n >= sizeof(next))
			return fail(KAGI_ERR_TOO_LARGE, err, errlen, path,
			    "path too long");
		if (lstat(next, &st) != 0)
			return fail_errno(errno, err, errlen, next, "stat");
		if (S_ISLNK(st.st_mode)) {
			/* A link in a checked directory: followed when its
			 * owner is trusted too (a sticky directory lets
			 * anyone make one), its target walked in turn. */
			if (st.st_uid != 0 && st.st_uid != owner)
				return fail(KAGI_ERR_UNSAFE_FILE, err, errlen,
				    path, "the link %s on its way is owned by "
				    "uid %lu, not by root or uid %lu", next,
				    (unsigned long)st.st_uid,
				    (unsigned long)owner);
			if (++links > WALK_LINKS_MAX)
				return fail(KAGI_ERR_UNSAFE_FILE, err, errlen,
				    path, "too many symbolic links on its way");
			tn = readlink(next, target, sizeof(target) - 1);
			if (tn < 0)
				return fail_errno(errno, err, errlen, next,
				    "read link");
			target[tn] = '\0';
			n = snprintf(next, sizeof(next), "%s/%s", target, rest);
			if (n < 0 || (size_t)n >= sizeof(next))
				return fail(KAGI_ERR_TOO_LARGE, err, errlen,
				    path, "path too long");
			if (target[0] == '/')
				strcpy(cur, "/");
			strcpy(todo, next);
			rest = todo;
			continue;
		}
		if ((r = check_walked(&st, next, owner, err, errlen,
		    path)) != 0)
			return r;
		strcpy(cur, next);
	}
	return KAGI_OK;
}

int
safefile_check_file(const char *path, uid_t owner, char *err,
    size_t errlen)
{
	struct stat st;
	int r;

	if ((r = safefile_check_parents(path, owner, err, errlen)) != 0)
		return r;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? KAGI_OK :
		    fail_errno(errno, err, errlen, path, "stat");
	if (S_ISLNK(st.st_mode))
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is a symbolic link");
	if (!S_ISREG(st.st_mode))
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is not a regular file");
	if ((r = check_owner(&st, owner, 1, err, errlen, path)) != 0)
		return r;
	return check_mode(&st, 022, err, errlen, path);
}

int
safefile_read(const char *path, uid_t owner, size_t max, char **buf,
    size_t *len, char *err, size_t errlen)
{
	const struct safefile_rule rule = { owner, 1, 022, max };

	return safefile_load(path, &rule, buf, len, NULL, err, errlen);
}

int
safefile_load(const char *path, const struct safefile_rule *rule,
    char **buf, size_t *len, struct stat *stp, char *err, size_t errlen)
{
	struct stat st;
	char *b = NULL;
	size_t cap = 0, got = 0;
	ssize_t n;
	int fd = -1, r;

	*buf = NULL;
	*len = 0;
	if ((r = safefile_check_parents(path, rule->owner, err, errlen)) != 0)
		goto out;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0) {
		r = fail_errno(errno, err, errlen, path, "open");
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		r = fail_errno(errno, err, errlen, path, "stat");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is not a regular file");
		goto out;
	}
	if ((r = check_owner(&st, rule->owner, rule->allow_root, err, errlen,
	    path)) != 0 ||
	    (r = check_mode(&st, rule->deny | 022, err, errlen, path)) != 0)
		goto out;
	if (st.st_size < 0 || (unsigned long long)st.st_size > rule->max) {
		r = fail(KAGI_ERR_TOO_LARGE, err, errlen, path,
		    "is larger than %zu bytes", rule->max);
		goto out;
	}
	/* Room for one byte more than expected, to notice growth. */
	cap = (size_t)st.st_size + 1;
	if ((b = malloc(cap + 1)) == NULL) {
		r = fail(KAGI_ERR_NOMEM, err, errlen, path, "out of memory");
		goto out;
	}
	while (got < cap) {
		n = read(fd, b + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail_errno(errno, err, errlen, path, "read");
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > (size_t)st.st_size) {
		r = fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "changed while being read");
		goto out;
	}
	b[got] = '\0';
	if (stp != NULL)
		*stp = st;
	*buf = b;
	*len = got;
	b = NULL;
	r = KAGI_OK;
out:
	kagi_free_secret(b, cap + 1);
	if (fd >= 0)
		close(fd);
	return r;
}

int
safefile_check_dir(const char *path, uid_t owner, int allow_root,
    char *err, size_t errlen)
{
	struct stat st;
	int r;

	if ((r = safefile_check_parents(path, owner, err, errlen)) != 0)
		return r;
	if (lstat(path, &st) != 0)
		return fail_errno(errno, err, errlen, path, "stat");
	if (S_ISLNK(st.st_mode))
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is a symbolic link");
	if (!S_ISDIR(st.st_mode))
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is not a directory");
	if ((r = check_owner(&st, owner, allow_root, err, errlen, path)) != 0)
		return r;
	return check_mode(&st, 022, err, errlen, path);
}

/* fsync the directory holding path, so that a new entry survives. */
static int
sync_parent(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);
	int fd, r = KAGI_OK;

	if (n == 0)
		n = 1;	/* the root directory */
	if (n >= sizeof(dir))
		return fail(KAGI_ERR_INVALID, err, errlen, path,
		    "path too long");
	memcpy(dir, path, n);
	dir[n] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(errno, err, errlen, dir, "open");
	if (fsync(fd) != 0)
		r = fail_errno(errno, err, errlen, dir, "fsync");
	close(fd);
	return r;
}

/* Write all len bytes of data to fd. */
static int
write_all(int fd, const void *data, size_t len, char *err, size_t errlen,
    const char *path)
{
	const unsigned char *p = data;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail_errno(n < 0 ? errno : EIO, err, errlen, path,
			    "write");
		done += (size_t)n;
	}
	return KAGI_OK;
}

static int
secret_create(int fd, const char *path, size_t size,
    int (*fill)(unsigned char *, size_t), unsigned char *out, char *err,
    size_t errlen)
{
	int r;

	if ((r = fill(out, size)) != 0)
		return fail(r < 0 ? r : KAGI_ERR_INTERNAL, err, errlen, path,
		    "cannot generate its contents");
	if ((r = write_all(fd, out, size, err, errlen, path)) != 0)
		return r;
	if (fsync(fd) != 0)
		return fail_errno(errno, err, errlen, path, "fsync");
	return sync_parent(path, err, errlen);
}

static int
secret_check_read(int fd, const char *path, size_t size, unsigned char *out,
    char *err, size_t errlen)
{
	struct stat st;
	unsigned char extra;
	size_t got = 0;
	ssize_t n;
	int r;

	if (fstat(fd, &st) != 0)
		return fail_errno(errno, err, errlen, path, "stat");
	if (!S_ISREG(st.st_mode))
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "is not a regular file");
	if ((r = check_owner(&st, geteuid(), 0, err, errlen, path)) != 0 ||
	    (r = check_mode(&st, 077, err, errlen, path)) != 0)
		return r;
	if (st.st_size < 0 || (unsigned long long)st.st_size != size)
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "has %lld bytes, expected %zu", (long long)st.st_size, size);
	while (got < size) {
		n = read(fd, out + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail_errno(errno, err, errlen, path, "read");
		if (n == 0)
			return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
			    "changed while being read");
		got += (size_t)n;
	}
	do
		n = read(fd, &extra, 1);
	while (n < 0 && errno == EINTR);
	if (n != 0)
		return fail(KAGI_ERR_UNSAFE_FILE, err, errlen, path,
		    "changed while being read");
	return KAGI_OK;
}

int
safefile_secret(const char *path, size_t size,
    int (*fill)(unsigned char *buf, size_t size), unsigned char *out,
    int *created, char *err, size_t errlen)
{
	int fd = -1, made = 0, r, attempt;

	*created = 0;
	if ((r = safefile_check_parents(path, geteuid(), err, errlen)) != 0)
		goto out;
	if (size == 0 || out == NULL || fill == NULL) {
		r = fail(KAGI_ERR_INVALID, err, errlen, path,
		    "bad arguments");
		goto out;
	}
	/* Open it, or create it; twice at most if another process races. */
	for (attempt = 0; attempt < 2 && fd < 0; attempt++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK);
		if (fd >= 0)
			break;
		if (errno != ENOENT) {
			r = fail_errno(errno, err, errlen, path, "open");
			goto out;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0) {
			made = 1;
			break;
		}
		if (errno != EEXIST) {
			r = fail_errno(errno, err, errlen, path, "create");
			goto out;
		}
	}
	if (fd < 0) {
		r = fail(KAGI_ERR_IO, err, errlen, path, "cannot open");
		goto out;
	}
	if (made) {
		if ((r = secret_create(fd, path, size, fill, out, err,
		    errlen)) != 0) {
			/* Leave no half-written secret behind. */
			(void)unlink(path);
			goto out;
		}
	} else if ((r = secret_check_read(fd, path, size, out, err,
	    errlen)) != 0) {
		goto out;
	}
	*created = made;
	r = KAGI_OK;
out:
	if (r != 0 && out != NULL)
		kagi_wipe(out, size);
	if (fd >= 0)
		close(fd);
	return r;
}

int
safefile_replace(const char *path, const void *data, size_t len, uid_t uid,
    gid_t gid, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int fd, n, r;

	if ((r = check_absolute(path, err, errlen)) != 0)
		return r;
	n = snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return fail(KAGI_ERR_TOO_LARGE, err, errlen, path,
		    "path too long");
	/* One a crash left behind; the caller holds the file's lock. */
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, 0600);
	if (fd < 0)
		return fail_errno(errno, err, errlen, tmp, "create");
	if (fchown(fd, uid, gid) != 0 || fchmod(fd, 0600) != 0)
		r = fail_errno(errno, err, errlen, tmp, "set owner and mode");
	else if ((r = write_all(fd, data, len, err, errlen, tmp)) == 0 &&
	    fsync(fd) != 0)
		r = fail_errno(errno, err, errlen, tmp, "fsync");
	if (close(fd) != 0 && r == 0)
		r = fail_errno(errno, err, errlen, tmp, "close");
	if (r == 0 && rename(tmp, path) != 0)
		r = fail_errno(errno, err, errlen, path, "replace");
	if (r != 0) {
		(void)unlink(tmp);
		return r;
	}
	/* The file is in place and durable; its new name, as best we can. */
	(void)sync_parent(path, NULL, 0);
	return KAGI_OK;
}
