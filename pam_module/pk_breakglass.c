/*
 * pk_breakglass.c - checking a break-glass code against the file kagid
 * keeps, when kagid cannot be reached.
 *
 * The module runs as root, the file belongs to kagid's user: it is
 * opened without following links, must be a regular file of mode 0600
 * or stricter, owned by root or by the owner of its directory, and the
 * directory must be owned by root or that same user and not writable by
 * group or others.  The lock file kagid created beside it (PATH.lock) is
 * taken first; the module never creates it.  A used code is recorded by
 * writing the whole file anew beside it (O_EXCL, same owner, mode 0600),
 * fsyncing it and renaming it over the old one, so a crash leaves either
 * the old file or the new one.  kagid imports the "used" line as an
 * exception at its next sync.  Codes typed are wiped after hashing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bgfile.h"
#include "kagi_err.h"
#include "pk_breakglass.h"
#include "ucode.h"
#include "wipe.h"

#define PK_BG_FILE_MAX (1024 * 1024)

/* Read the file whole after checking it; *st its fstat. */
static int
bg_read(const char *path, char **buf, size_t *len, struct stat *st,
    char *err, size_t errlen)
{
	char dir[4096];
	struct stat dst;
	size_t got = 0;
	ssize_t n;
	int fd;

	*buf = NULL;
	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &dst) != 0 || !S_ISDIR(dst.st_mode) ||
	    (dst.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s: its directory is missing or "
		    "writable by others", path);
		return KAGI_ERR_UNSAFE_FILE;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KAGI_ERR_UNSAFE_FILE;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) ||
	    (st->st_mode & 077) != 0 || st->st_size > PK_BG_FILE_MAX ||
	    (st->st_uid != 0 && st->st_uid != dst.st_uid) ||
	    (dst.st_uid != 0 && dst.st_uid != st->st_uid)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file of mode 0600 "
		    "owned by root or kagid's user", path);
		return KAGI_ERR_UNSAFE_FILE;
	}
	if ((*buf = malloc((size_t)st->st_size + 1)) == NULL) {
		close(fd);
		return KAGI_ERR_NOMEM;
	}
	while (got < (size_t)st->st_size &&
	    (n = read(fd, *buf + got, (size_t)st->st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

/* Replace path with content, keeping owner; atomic. */
static int
bg_rewrite(const char *path, const char *content, size_t len,
    const struct stat *st, char *err, size_t errlen)
{
	char tmp[4096], dir[4096];
	size_t off = 0;
	ssize_t n;
	int fd, dfd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return KAGI_ERR_TOO_LARGE;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return KAGI_ERR_IO;
	}
	if (fchown(fd, st->st_uid, st->st_gid) != 0 || fchmod(fd, 0600) != 0)
		r = KAGI_ERR_IO;
	while (r == 0 && off < len) {
		n = write(fd, content + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = KAGI_ERR_IO;
		else
			off += (size_t)n;
	}
	if (r == 0 && fsync(fd) != 0)
		r = KAGI_ERR_IO;
	if (close(fd) != 0 && r == 0)
		r = KAGI_ERR_IO;
	if (r == 0 && rename(tmp, path) != 0)
		r = KAGI_ERR_IO;
	if (r != 0) {
		snprintf(err, errlen, "%s: cannot rewrite: %s", path,
		    strerror(errno));
		(void)unlink(tmp);
		return r;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >=
	    0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

int
pk_breakglass_use(const char *path, const char *user, const char *typed,
    int64_t now, int64_t *code_id, char *err, size_t errlen)
{
	struct bgfile_line l;
	struct stat st;
	char code[UCODE_LEN + 1], lock[4096], used[256];
	uint8_t h[UCODE_HASH_LEN];
	char *buf = NULL, *out = NULL, *line, *next;
	size_t len = 0, olen = 0, at = 0;
	int64_t match = 0;
	int lfd = -1, r, first = 1;

	err[0] = '\0';
	if (ucode_normalise(typed, code) != 0)
		return KAGI_ERR_BAD_CODE;
	if (path[0] != '/' ||
	    snprintf(lock, sizeof(lock), "%s.lock", path) >= (int)sizeof(lock)) {
		snprintf(err, errlen, "breakglass_file must be an absolute "
		    "path");
		r = KAGI_ERR_CONFIG;
		goto out;
	}
	if ((lfd = open(lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    flock(lfd, LOCK_EX) != 0) {
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
		r = KAGI_ERR_UNSAFE_FILE;
		goto out;
	}
	if ((r = bg_read(path, &buf, &len, &st, err, errlen)) != 0)
		goto out;
	/* Find the matching line; every code of the user costs one KDF. */
	for (line = buf; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		if (first) {
			first = 0;
			if (strcmp(line, BGFILE_MAGIC) != 0) {
				snprintf(err, errlen, "%s: not a break-glass "
				    "file", path);
				r = KAGI_ERR_INVALID;
				goto out;
			}
			continue;
		}
		if (bgfile_line_parse(line, &l) != 0 || l.used ||
		    strcmp(l.user, user) != 0)
			continue;
		if ((r = ucode_kdf(l.salt, code, l.iterations, h)) != 0)
			goto out;
		if (match == 0 && kagi_ct_memcmp(h, l.hash, sizeof(h)) == 0) {
			match = l.id;
			at = (size_t)(line - buf);
		}
	}
	if (match == 0) {
		r = KAGI_ERR_BAD_CODE;
		goto out;
	}
	/* The file again, with the used code's line replaced. */
	snprintf(used, sizeof(used), "used %lld %s %lld", (long long)match,
	    user, (long long)now);
	if ((out = malloc(len + sizeof(used) + 2)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	for (line = buf; line < buf + len; line += strlen(line) + 1) {
		const char *s = (size_t)(line - buf) == at ? used : line;
		size_t sl = strlen(s);

		memcpy(out + olen, s, sl);
		olen += sl;
		out[olen++] = '\n';
	}
	if ((r = bg_rewrite(path, out, olen, &st, err, errlen)) != 0)
		goto out;
	*code_id = match;
	r = 0;
 out:
	kagi_wipe(code, sizeof(code));
	kagi_wipe(h, sizeof(h));
	free(buf);
	free(out);
	if (lfd >= 0)
		close(lfd);
	return r;
}
