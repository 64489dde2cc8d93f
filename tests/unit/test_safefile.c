/*
 * test_safefile.c - files opened as if an attacker had placed them
 * (R-TOK-8): symlinks, other owners, group/world-writable modes,
 * non-regular files and oversized files are refused with a message naming
 * the file; secret files are created 0600 and checked when reopened;
 * private files are refused with any bit for group or others; a file is
 * replaced whole, leaving nothing beside it; every directory from "/" to
 * the file is root's or the trusted owner's and writable by nobody else
 * (a sticky directory of root's excepted), links on the way followed and
 * their targets walked, the offending directory named.
 * Everything happens in a fresh mkdtemp directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "kagi_err.h"
#include "safefile.h"

#define NOBODY 65534

struct tdir {
	char dir[64];
	char path[128];
};

static char errbuf[512];

static int
setup(void **state)
{
	struct tdir *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/kagi-test-safefile-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tdir *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static const char *
tpath(struct tdir *t, const char *name)
{
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	return t->path;
}

static void
make_file(const char *path, const char *text, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* err must be "path: reason". */
static void
assert_err(const char *path, const char *reason)
{
	char expect[512];

	snprintf(expect, sizeof(expect), "%s: %s", path, reason);
	assert_string_equal(errbuf, expect);
}

static int
read_file(const char *path, uid_t owner, size_t max, char **buf, size_t *len)
{
	errbuf[0] = '\0';
	return safefile_read(path, owner, max, buf, len, errbuf,
	    sizeof(errbuf));
}

static void
test_read_ok(void **state)
{
	struct tdir *t = *state;
	const char *p = tpath(t, "ok.conf");
	char *buf = NULL;
	size_t len = 0;

	make_file(p, "a = 1\n", 6, 0644);
	assert_int_equal(read_file(p, geteuid(), 6, &buf, &len), KAGI_OK);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "a = 1\n");	/* NUL-terminated */
	free(buf);
	/* Empty file: an empty, terminated buffer. */
	make_file(p, "", 0, 0600);
	assert_int_equal(read_file(p, geteuid(), 6, &buf, &len), KAGI_OK);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
}

static void
test_read_symlink(void **state)
{
	struct tdir *t = *state;
	char target[128];
	const char *p;
	char *buf = (char *)(uintptr_t)1;
	size_t len = 1;

	snprintf(target, sizeof(target), "%s", tpath(t, "real.conf"));
	make_file(target, "x", 1, 0600);
	p = tpath(t, "link.conf");
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(read_file(p, geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is a symbolic link");
	assert_null(buf);
	assert_int_equal(len, 0);
}

static void
test_read_writable(void **state)
{
	struct tdir *t = *state;
	const char *p = tpath(t, "w.conf");
	char *buf = NULL;
	size_t len;

	make_file(p, "x", 1, 0666);
	assert_int_equal(read_file(p, geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is writable by group or others (mode 0666)");
	make_file(p, "x", 1, 0620);
	assert_int_equal(read_file(p, geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is writable by group or others (mode 0620)");
	make_file(p, "x", 1, 0602);
	assert_int_equal(read_file(p, geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	assert_null(buf);
}

static void
test_read_too_large(void **state)
{
	struct tdir *t = *state;
	const char *p = tpath(t, "big.conf");
	char *buf = NULL;
	size_t len;

	make_file(p, "0123456789", 10, 0600);
	assert_int_equal(read_file(p, geteuid(), 9, &buf, &len),
	    KAGI_ERR_TOO_LARGE);
	assert_err(p, "is larger than 9 bytes");
	assert_null(buf);
	assert_int_equal(read_file(p, geteuid(), 10, &buf, &len), KAGI_OK);
	assert_int_equal(len, 10);
	free(buf);
}

static void
test_read_not_regular(void **state)
{
	struct tdir *t = *state;
	const char *p;
	char *buf = NULL;
	size_t len;

	/* A FIFO: refused, and opening it does not block. */
	p = tpath(t, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(read_file(p, geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is not a regular file");
	p = tpath(t, "sub");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(read_file(p, geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is not a regular file");
	assert_int_equal(read_file("/dev/null", geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	assert_null(buf);
}

static void
test_read_paths(void **state)
{
	struct tdir *t = *state;
	char *buf = NULL;
	size_t len;

	assert_int_equal(read_file("relative.conf", geteuid(), 100, &buf, &len),
	    KAGI_ERR_INVALID);
	assert_err("relative.conf", "is not an absolute path");
	assert_int_equal(read_file(tpath(t, "absent"), geteuid(), 100, &buf,
	    &len), KAGI_ERR_NOT_FOUND);
	assert_non_null(strstr(errbuf, t->path));
	assert_null(buf);
}

/* Ownership can only be changed by root: the rest runs everywhere. */
static void
test_read_owner(void **state)
{
	struct tdir *t = *state;
	const char *p = tpath(t, "owned.conf");
	char *buf = NULL;
	size_t len;

	make_file(p, "x", 1, 0644);
	if (geteuid() != 0) {
		/* Ours: accepted for ourselves, refused for another owner. */
		assert_int_equal(read_file(p, geteuid(), 10, &buf, &len),
		    KAGI_OK);
		free(buf);
		buf = NULL;
		assert_int_equal(read_file(p, geteuid() + 1, 10, &buf, &len),
		    KAGI_ERR_UNSAFE_FILE);
		skip();
	}
	/* Root-owned is always fine. */
	assert_int_equal(read_file(p, 1000, 10, &buf, &len), KAGI_OK);
	free(buf);
	buf = NULL;
	assert_int_equal(chown(p, NOBODY, NOBODY), 0);
	assert_int_equal(read_file(p, 1000, 10, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is owned by uid 65534, not uid 1000");
	assert_null(buf);
	assert_int_equal(read_file(p, 0, 10, &buf, &len), KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is owned by uid 65534, not uid 0");
	assert_int_equal(read_file(p, NOBODY, 10, &buf, &len), KAGI_OK);
	free(buf);
}

static int
check_dir(const char *p, uid_t owner, int allow_root)
{
	errbuf[0] = '\0';
	return safefile_check_dir(p, owner, allow_root, errbuf,
	    sizeof(errbuf));
}

static void
test_check_dir(void **state)
{
	struct tdir *t = *state;
	char d[128];
	const char *p;

	snprintf(d, sizeof(d), "%s", tpath(t, "state"));
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(check_dir(d, geteuid(), 0), KAGI_OK);
	assert_int_equal(check_dir(d, geteuid(), 1), KAGI_OK);
	p = tpath(t, "state-link");
	assert_int_equal(symlink(d, p), 0);
	assert_int_equal(check_dir(p, geteuid(), 1), KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is a symbolic link");
	p = tpath(t, "plain");
	make_file(p, "", 0, 0600);
	assert_int_equal(check_dir(p, geteuid(), 1), KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is not a directory");
	assert_int_equal(chmod(d, 0777), 0);
	assert_int_equal(check_dir(d, geteuid(), 1), KAGI_ERR_UNSAFE_FILE);
	assert_err(d, "is writable by group or others (mode 0777)");
	assert_int_equal(chmod(d, 0750), 0);
	assert_int_equal(check_dir("state", geteuid(), 1), KAGI_ERR_INVALID);
	assert_int_equal(check_dir(tpath(t, "none"), geteuid(), 1),
	    KAGI_ERR_NOT_FOUND);
	/* Owner: another uid is refused; root only when allowed. */
	assert_int_equal(check_dir(d, geteuid() + 1, 0), KAGI_ERR_UNSAFE_FILE);
	if (geteuid() != 0)
		skip();
	assert_int_equal(check_dir(d, 1000, 1), KAGI_OK);
	assert_int_equal(check_dir(d, 1000, 0), KAGI_ERR_UNSAFE_FILE);
	assert_err(d, "is owned by uid 0, not uid 1000");
	assert_int_equal(chown(d, NOBODY, NOBODY), 0);
	assert_int_equal(check_dir(d, NOBODY, 0), KAGI_OK);
	assert_int_equal(check_dir(d, 1000, 1), KAGI_ERR_UNSAFE_FILE);
}

/* ---- secrets ---- */

static int fill_calls;

static int
fill_pattern(unsigned char *buf, size_t size)
{
	size_t i;

	fill_calls++;
	for (i = 0; i < size; i++)
		buf[i] = (unsigned char)(0xa0 + i);
	return 0;
}

static int
fill_fail(unsigned char *buf, size_t size)
{
	fill_calls++;
	memset(buf, 0x55, size);
	return KAGI_ERR_CRYPTO;
}

static int
secret(const char *p, size_t size, int (*fill)(unsigned char *, size_t),
    unsigned char *out, int *created)
{
	errbuf[0] = '\0';
	return safefile_secret(p, size, fill, out, created, errbuf,
	    sizeof(errbuf));
}

static void
test_secret_create_reopen(void **state)
{
	struct tdir *t = *state;
	const char *p = tpath(t, "seal.key");
	unsigned char a[32], b[32], expect[32];
	struct stat st;
	int created = -1;

	fill_calls = 0;
	fill_pattern(expect, sizeof(expect));
	assert_int_equal(secret(p, 32, fill_pattern, a, &created), KAGI_OK);
	assert_int_equal(created, 1);
	assert_int_equal(fill_calls, 2);
	assert_memory_equal(a, expect, 32);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(st.st_uid, geteuid());
	/* Reopened: the same bytes, fill not called again. */
	created = -1;
	memset(b, 0, sizeof(b));
	assert_int_equal(secret(p, 32, fill_pattern, b, &created), KAGI_OK);
	assert_int_equal(created, 0);
	assert_int_equal(fill_calls, 2);
	assert_memory_equal(a, b, 32);
}

static void
test_secret_refused(void **state)
{
	struct tdir *t = *state;
	char target[128];
	const char *p;
	unsigned char out[16];
	int created = -1;
	size_t i;

	p = tpath(t, "k1");
	make_file(p, "0123456789abcdef", 16, 0644);
	memset(out, 0x77, sizeof(out));
	assert_int_equal(secret(p, 16, fill_pattern, out, &created),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is readable by group or others (mode 0644)");
	assert_int_equal(created, 0);
	for (i = 0; i < sizeof(out); i++)	/* wiped, not the file's bytes */
		assert_int_equal(out[i], 0);
	assert_int_equal(chmod(p, 0666), 0);
	assert_int_equal(secret(p, 16, fill_pattern, out, &created),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is writable by group or others (mode 0666)");
	assert_int_equal(chmod(p, 0610), 0);
	assert_int_equal(secret(p, 16, fill_pattern, out, &created),
	    KAGI_ERR_UNSAFE_FILE);
	/* Wrong size, either way. */
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(secret(p, 32, fill_pattern, out, &created),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "has 16 bytes, expected 32");
	assert_int_equal(secret(p, 8, fill_pattern, out, &created),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "has 16 bytes, expected 8");
	/* The right size and mode reads back. */
	assert_int_equal(secret(p, 16, fill_pattern, out, &created), KAGI_OK);
	assert_memory_equal(out, "0123456789abcdef", 16);
	/* A symlink is never followed, even to a good secret. */
	snprintf(target, sizeof(target), "%s", p);
	p = tpath(t, "k-link");
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(secret(p, 16, fill_pattern, out, &created),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is a symbolic link");
	/* A dangling symlink is not a place to create one either. */
	p = tpath(t, "k-dangling");
	assert_int_equal(symlink("/tmp/kagi-nonexistent-target", p), 0);
	assert_int_not_equal(secret(p, 16, fill_pattern, out, &created),
	    KAGI_OK);
	assert_int_equal(access("/tmp/kagi-nonexistent-target", F_OK), -1);
	/* A directory. */
	p = tpath(t, "k-dir");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(secret(p, 16, fill_pattern, out, &created),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is not a regular file");
	assert_int_equal(secret("k1", 16, fill_pattern, out, &created),
	    KAGI_ERR_INVALID);
}

static void
test_secret_owner(void **state)
{
	struct tdir *t = *state;
	const char *p = tpath(t, "k-nobody");
	unsigned char out[4];
	int created;

	if (geteuid() != 0)
		skip();
	make_file(p, "abcd", 4, 0600);
	assert_int_equal(chown(p, NOBODY, NOBODY), 0);
	assert_int_equal(secret(p, 4, fill_pattern, out, &created),
	    KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is owned by uid 65534, not uid 0");
}

/* A failed fill leaves no file and no secret behind. */
static void
test_secret_fill_fails(void **state)
{
	struct tdir *t = *state;
	const char *p = tpath(t, "k-fail");
	unsigned char out[8];
	int created = -1;
	size_t i;

	assert_int_equal(secret(p, 8, fill_fail, out, &created),
	    KAGI_ERR_CRYPTO);
	assert_int_equal(created, 0);
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

/* A private file: nothing for group or others; root only when allowed. */
static void
test_load_private(void **state)
{
	struct tdir *t = *state;
	const char *p = tpath(t, "private");
	struct safefile_rule rule = { geteuid(), 0, 077, 100 };
	struct stat st;
	char *buf = NULL;
	size_t len = 0;

	make_file(p, "x\n", 2, 0640);
	errbuf[0] = '\0';
	assert_int_equal(safefile_load(p, &rule, &buf, &len, &st, errbuf,
	    sizeof(errbuf)), KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is readable by group or others (mode 0640)");
	assert_null(buf);
	assert_int_equal(chmod(p, 0610), 0);
	assert_int_equal(safefile_load(p, &rule, &buf, &len, &st, errbuf,
	    sizeof(errbuf)), KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is accessible by group or others (mode 0610)");
	assert_int_equal(chmod(p, 0600), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(safefile_load(p, &rule, &buf, &len, &st, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	assert_string_equal(buf, "x\n");
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_size, 2);
	free(buf);
	buf = NULL;
	if (geteuid() != 0)
		skip();
	/* Root's file, for another owner: only with allow_root. */
	rule.owner = NOBODY;
	assert_int_equal(safefile_load(p, &rule, &buf, &len, NULL, errbuf,
	    sizeof(errbuf)), KAGI_ERR_UNSAFE_FILE);
	assert_err(p, "is owned by uid 0, not uid 65534");
	rule.allow_root = 1;
	assert_int_equal(safefile_load(p, &rule, &buf, &len, NULL, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	free(buf);
}

static int
replace(const char *p, const char *text, uid_t uid, gid_t gid)
{
	errbuf[0] = '\0';
	return safefile_replace(p, text, strlen(text), uid, gid, errbuf,
	    sizeof(errbuf));
}

/* Replaced whole, mode 0600, owner kept or given, nothing left beside. */
static void
test_replace(void **state)
{
	struct tdir *t = *state;
	char p[128], tmp[160];
	struct stat st;
	char *buf = NULL;
	size_t len = 0;

	snprintf(p, sizeof(p), "%s", tpath(t, "replaced"));
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	make_file(p, "old contents\n", 13, 0644);
	make_file(tmp, "a crash left this", 17, 0600);
	assert_int_equal(replace(p, "new\n", (uid_t)-1, (gid_t)-1), KAGI_OK);
	assert_int_equal(read_file(p, geteuid(), 100, &buf, &len), KAGI_OK);
	assert_string_equal(buf, "new\n");
	free(buf);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(replace("replaced", "x", (uid_t)-1, (gid_t)-1),
	    KAGI_ERR_INVALID);
	/* No directory to write in: refused. */
	assert_int_not_equal(replace(tpath(t, "none/file"), "x", (uid_t)-1,
	    (gid_t)-1), KAGI_OK);
	if (geteuid() != 0)
		skip();
	assert_int_equal(replace(p, "theirs\n", NOBODY, NOBODY), KAGI_OK);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, NOBODY);
	assert_int_equal(st.st_gid, NOBODY);
	assert_int_equal(st.st_mode & 07777, 0600);
}

/* ---- the walk from "/" (issue 13: trusted paths stop at the parent) ---- */

/* dir/a/b/f.conf, each directory 0700, the file 0600; *f its path. */
static void
make_chain(struct tdir *t, char a[128], char b[128], char f[128])
{
	snprintf(a, 128, "%s/a", t->dir);
	snprintf(b, 128, "%s/a/b", t->dir);
	snprintf(f, 128, "%s/a/b/f.conf", t->dir);
	assert_int_equal(mkdir(a, 0700), 0);
	assert_int_equal(mkdir(b, 0700), 0);
	make_file(f, "x = 1\n", 6, 0600);
}

static void
test_a_group_writable_directory_on_the_way_is_refused_by_name(void **state)
{
	struct tdir *t = *state;
	char a[128], b[128], f[128], why[256];
	char *buf = NULL;
	size_t len = 0;
	int created = 0;
	unsigned char key[8];

	make_chain(t, a, b, f);
	assert_int_equal(read_file(f, geteuid(), 100, &buf, &len), KAGI_OK);
	free(buf);
	/* The directory above the file's directory: the file's own checks
	 * never looked at it. */
	assert_int_equal(chmod(a, 0770), 0);
	assert_int_equal(read_file(f, geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	snprintf(why, sizeof(why), "its directory %s is writable by group or "
	    "others (mode 0770)", a);
	assert_err(f, why);
	/* The same walk guards directories and secret files. */
	assert_int_equal(check_dir(b, geteuid(), 0), KAGI_ERR_UNSAFE_FILE);
	assert_err(b, why);
	snprintf(f, 128, "%s/a/b/seal.key", t->dir);
	assert_int_equal(secret(f, sizeof(key), fill_pattern, key, &created),
	    KAGI_ERR_UNSAFE_FILE);
	assert_int_equal(access(f, F_OK), -1);	/* nothing made */
	assert_int_equal(chmod(a, 0700), 0);
	assert_int_equal(safefile_check_file(f, geteuid(), errbuf,
	    sizeof(errbuf)), KAGI_OK);	/* absent is fine */
}

static void
test_a_directory_of_another_user_on_the_way_is_refused(void **state)
{
	struct tdir *t = *state;
	char a[128], b[128], f[128], why[256];
	char *buf = NULL;
	size_t len = 0;

	make_chain(t, a, b, f);
	if (geteuid() != 0)
		skip();	/* making a directory another's needs root */
	assert_int_equal(chown(a, NOBODY, NOBODY), 0);
	assert_int_equal(read_file(f, 0, 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	snprintf(why, sizeof(why), "its directory %s is owned by uid %d, not "
	    "by root or uid 0", a, NOBODY);
	assert_err(f, why);
	/* Trusted when it is the owner the caller names (kagid's user). */
	assert_int_equal(read_file(f, NOBODY, 100, &buf, &len), KAGI_OK);
	free(buf);
}

static void
test_a_sticky_directory_of_root_is_accepted_and_no_other(void **state)
{
	struct tdir *t = *state;
	char a[128], b[128], f[128], why[256];
	char *buf = NULL;
	size_t len = 0;

	make_chain(t, a, b, f);
	assert_int_equal(chmod(a, 01777), 0);
	if (geteuid() == 0) {
		/* Like /tmp: nobody else may rename what is not theirs. */
		assert_int_equal(read_file(f, 0, 100, &buf, &len), KAGI_OK);
		free(buf);
		assert_int_equal(chown(a, NOBODY, NOBODY), 0);
	}
	/* A sticky directory that is not root's is someone's to change. */
	assert_int_equal(read_file(f, 4242, 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	snprintf(why, sizeof(why), "its directory %s is owned by uid %lu, "
	    "not by root or uid 4242", a, geteuid() == 0 ?
	    (unsigned long)NOBODY : (unsigned long)geteuid());
	assert_err(f, why);
}

static void
test_links_on_the_way_are_followed_and_their_targets_walked(void **state)
{
	struct tdir *t = *state;
	char a[128], b[128], f[128], link[128], via[160], why[256];
	char *buf = NULL;
	size_t len = 0;

	make_chain(t, a, b, f);
	snprintf(link, sizeof(link), "%s/l", t->dir);
	assert_int_equal(symlink("a/b", link), 0);
	snprintf(via, sizeof(via), "%s/l/f.conf", t->dir);
	assert_int_equal(read_file(via, geteuid(), 100, &buf, &len), KAGI_OK);
	free(buf);
	/* ".." after a link is the target's parent, as the kernel has it. */
	snprintf(via, sizeof(via), "%s/l/../b/./f.conf", t->dir);
	assert_int_equal(read_file(via, geteuid(), 100, &buf, &len), KAGI_OK);
	free(buf);
	/* The target's directories are walked as well. */
	assert_int_equal(chmod(a, 0777), 0);
	snprintf(via, sizeof(via), "%s/l/f.conf", t->dir);
	assert_int_equal(read_file(via, geteuid(), 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	snprintf(why, sizeof(why), "its directory %s is writable by group or "
	    "others (mode 0777)", a);
	assert_err(via, why);
	assert_int_equal(chmod(a, 0700), 0);
	if (geteuid() != 0)
		skip();
	/* A link someone else made (in a sticky directory, say). */
	assert_int_equal(lchown(link, NOBODY, NOBODY), 0);
	assert_int_equal(read_file(via, 0, 100, &buf, &len),
	    KAGI_ERR_UNSAFE_FILE);
	snprintf(why, sizeof(why), "the link %s on its way is owned by uid %d, "
	    "not by root or uid 0", link, NOBODY);
	assert_err(via, why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_symlink, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_writable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_too_large, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_not_regular, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_paths, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_owner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_create_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_owner, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_fill_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_load_private, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_group_writable_directory_on_the_way_is_refused_by_name,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_directory_of_another_user_on_the_way_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_sticky_directory_of_root_is_accepted_and_no_other,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_links_on_the_way_are_followed_and_their_targets_walked,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("safefile", tests, NULL, NULL);
}
