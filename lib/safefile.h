/*
 * safefile.h - opening files as if an attacker had placed them, and
 * replacing them atomically.
 *
 * Paths must be absolute and every directory on the way trusted
 * (safefile_check_parents()).  The last component is opened with O_NOFOLLOW |
 * O_CLOEXEC (a symlink is refused), then fstat must show a regular file
 * owned by root or by the given owner, not writable by group or others
 * (nor readable, for a private file), and no larger than max.  Every
 * refusal writes a message naming the file and the reason into err
 * ("/etc/kagi/kagid.conf: is a symbolic link").
 */
#ifndef KAGI_SAFEFILE_H
#define KAGI_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Walk path from "/" down to the directory holding its last component:
 * each directory must be owned by root or by owner and writable by
 * nobody else, except a directory of root's with the sticky bit (such as
 * /tmp, 1777), where nobody may rename or remove what is not theirs and
 * the next component is checked in turn.  A symbolic link on the way is
 * followed when root or owner owns it, and its target walked the same
 * way.  The refusal names the offending component ("/srv/kagi/kagid.conf:
 * its directory /srv/kagi is owned by uid 1000, not by root or uid 0").
 * Every function below walks its path so before it opens anything.
 */
int safefile_check_parents(const char *path, uid_t owner, char *err,
    size_t errlen);

/*
 * A file another program opens (the SQLite database): its directories
 * walked as above, and, when it exists, a regular file, not a link,
 * owned by owner or root, not writable by group or others.  Absent is
 * fine: it is made inside the checked directory.
 */
int safefile_check_file(const char *path, uid_t owner, char *err,
    size_t errlen);

/* Read a whole file; *buf is NUL-terminated (not counted in *len). */
int safefile_read(const char *path, uid_t owner, size_t max, char **buf,
    size_t *len, char *err, size_t errlen);

/* What safefile_load() asks of a file beyond safefile_read()'s rules. */
struct safefile_rule {
	uid_t owner;
	int allow_root;		/* root may own it too */
	mode_t deny;		/* permission bits that must be clear (022
				   always are) */
	size_t max;		/* bytes, at most */
};

/*
 * safefile_read() under rule: safefile_read() is owner or root, 022,
 * max.  A private file is 077.  st, when not NULL, gets the fstat of
 * the file read.
 */
int safefile_load(const char *path, const struct safefile_rule *rule,
    char **buf, size_t *len, struct stat *st, char *err, size_t errlen);

/*
 * Check a directory: absolute, not a symlink, a directory, owned by owner
 * (or root when allow_root), not writable by group or others.
 */
int safefile_check_dir(const char *path, uid_t owner, int allow_root,
    char *err, size_t errlen);

/*
 * Open or create a secret file of exactly size bytes, mode 0600, owned by
 * the caller.  When absent, created with O_CREAT | O_EXCL | O_NOFOLLOW and
 * filled by fill(buf, size) (returning 0 on success), then fsynced, and so
 * is its directory.  When present, it must be a regular file owned by the
 * caller with no permission bits for group or others and exactly size
 * bytes.  *created tells which happened.
 */
int safefile_secret(const char *path, size_t size,
    int (*fill)(unsigned char *buf, size_t size), unsigned char *out,
    int *created, char *err, size_t errlen);

/*
 * Replace path with len bytes of data, atomically: written to PATH.new
 * (a stale one removed first; created with O_EXCL | O_NOFOLLOW, mode
 * 0600, then given uid and gid: (uid_t)-1 and (gid_t)-1 leave the
 * caller's), fsynced, renamed over path, then the directory fsynced.
 * A crash leaves the old file or the new one, never a mix; a failure
 * leaves the old file and no PATH.new.  The caller serialises writers.
 */
int safefile_replace(const char *path, const void *data, size_t len,
    uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
