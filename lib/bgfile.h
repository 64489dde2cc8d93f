/*
 * bgfile.h - the break-glass file (R-EXC-1, R-AVL-1).
 *
 * kagid writes it from its store: the hashes of the unused break-glass
 * codes.  When kagid cannot be reached, pam_kagi checks a code against
 * it and marks the code used in it; kagid imports that use as an
 * exception at its next sync.  One line each:
 *   kagi-breakglass 1
 *   code ID USER ITERATIONS SALT-HEX HASH-HEX     an unused code
 *   used ID USER TIME                            spent while kagid was away
 *
 * Both sides take the lock beside it (PATH.lock, flock()) before they
 * read it and keep it until they have rewritten it.  It is read as if an
 * attacker had placed it (safefile.h): not through a link, a regular
 * file, mode 0600 or stricter, at most BGFILE_MAX bytes, and owned by
 * whom its reader trusts (enum bgfile_reader).  It is rewritten whole
 * beside itself and renamed into place, so a crash leaves the old file
 * or the new one.
 */
#ifndef KAGI_BGFILE_H
#define KAGI_BGFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ucode.h"

#define BGFILE_MAGIC "kagi-breakglass 1"	/* the first line */
#define BGFILE_USER_MAX 64
#define BGFILE_MAX (1024 * 1024)		/* bytes, at most */

/* Who reads the file decides whom it trusts to own it. */
enum bgfile_reader {
	/*
	 * kagid, its writer: its own file or root's; an absent file is
	 * KAGI_ERR_NOT_FOUND (none written yet); the lock file is created
	 * (mode 0600) when absent.
	 */
	BGFILE_KAGID,
	/*
	 * pam_kagi, as root: a file owned by the owner of its directory
	 * (kagid's user, or root), a directory nobody else may write; the
	 * lock file must exist already: the module never creates one.
	 */
	BGFILE_MODULE
};

/* The file as read: its bytes, and the owner a rewrite keeps. */
struct bgfile {
	char *buf;		/* NUL-terminated; lines cut in place */
	size_t len;
	char *next;		/* where bgfile_next_line() goes on */
	uid_t uid;
	gid_t gid;
};

/*
 * Take path's lock (PATH.lock, opened without following a link and
 * without blocking; it must be a regular file) with flock(LOCK_EX),
 * waiting for it at most timeout_ms (KAGI_ERR_TIMEOUT); *fd is the lock,
 * released by close().
 */
#define BGFILE_LOCK_NAP_MS 10
int bgfile_lock(const char *path, enum bgfile_reader who, int timeout_ms,
    int *fd, char *err, size_t errlen);
/* Read path whole into f, checked for who; bgfile_clear() frees it. */
int bgfile_read(const char *path, enum bgfile_reader who, struct bgfile *f,
    char *err, size_t errlen);
/* Wipe and free what bgfile_read() gave; NULL-tolerant. */
void bgfile_clear(struct bgfile *f);
/*
 * The next line of f, without its newline; NULL after the last.  The
 * newline is cut in place, so f->buf holds the lines read as strings.
 */
char *bgfile_next_line(struct bgfile *f);
/*
 * Write f back to path, owner and group kept, every line ending in a
 * newline and the line that bgfile_next_line() gave as line replaced by
 * with (a line as bgfile_line_format() makes it).  KAGI_ERR_INVALID
 * when line is not one of f's: nothing is written.
 */
int bgfile_rewrite(const char *path, const struct bgfile *f,
    const char *line, const char *with, char *err, size_t errlen);
/* Replace path with len bytes of data, owned by the caller. */
int bgfile_write(const char *path, const char *data, size_t len, char *err,
    size_t errlen);

/* One line of the break-glass file, after the first. */
struct bgfile_line {
	int used;			/* "used" line, else "code" */
	int64_t id;
	char user[BGFILE_USER_MAX + 1];
	long iterations;		/* code lines */
	uint8_t salt[UCODE_SALT_LEN];
	uint8_t hash[UCODE_HASH_LEN];
	int64_t time;			/* used lines */
};

/* Parse a line (without its newline); KAGI_ERR_INVALID when malformed. */
int bgfile_line_parse(const char *line, struct bgfile_line *l);
/* Format a line with its newline into buf; KAGI_ERR_TOO_LARGE. */
int bgfile_line_format(const struct bgfile_line *l, char *buf, size_t len);

#endif
