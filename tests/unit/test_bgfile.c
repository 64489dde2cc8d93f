/*
 * test_bgfile.c - the break-glass file that kagid writes and pam_kagi
 * spends a code in while kagid is away (R-EXC-1): it reads back what was
 * written, line by line; a link, a wrong owner or mode, an oversized file
 * and a malformed line are refused; a rewrite replaces one line and
 * leaves nothing beside the file; the module never creates the lock.
 * Everything happens in a fresh mkdtemp directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bgfile.h"
#include "clock.h"
#include "kagi_err.h"

#define NOBODY 65534

struct tdir {
	char dir[64];
	char path[128];		/* the break-glass file */
	char lock[160];
	char tmp[160];		/* where a rewrite is written first */
};

static char errbuf[512];

static int
setup(void **state)
{
	struct tdir *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/kagi-test-bgfile-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/breakglass", t->dir);
	snprintf(t->lock, sizeof(t->lock), "%s.lock", t->path);
	snprintf(t->tmp, sizeof(t->tmp), "%s.new", t->path);
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

/* A code line of user with id, its salt and hash filled with id. */
static void
code_line(int64_t id, const char *user, char *buf, size_t len)
{
	struct bgfile_line l;

	memset(&l, 0, sizeof(l));
	l.id = id;
	snprintf(l.user, sizeof(l.user), "%s", user);
	l.iterations = 1000;
	memset(l.salt, (int)id, sizeof(l.salt));
	memset(l.hash, (int)id, sizeof(l.hash));
	assert_int_equal(bgfile_line_format(&l, buf, len), 0);
}

/* kagid's file: the magic line, then codes 1 (kei) and 2 (aoi). */
static void
write_file(const struct tdir *t)
{
	char text[1024], l1[256], l2[256];

	code_line(1, "kei", l1, sizeof(l1));
	code_line(2, "aoi", l2, sizeof(l2));
	snprintf(text, sizeof(text), "%s\n%s%s", BGFILE_MAGIC, l1, l2);
	errbuf[0] = '\0';
	assert_int_equal(bgfile_write(t->path, text, strlen(text), errbuf,
	    sizeof(errbuf)), KAGI_OK);
}

static int
read_as(const struct tdir *t, enum bgfile_reader who, struct bgfile *f)
{
	errbuf[0] = '\0';
	return bgfile_read(t->path, who, f, errbuf, sizeof(errbuf));
}

static void
assert_err(const char *path, const char *reason)
{
	char expect[512];

	snprintf(expect, sizeof(expect), "%s: %s", path, reason);
	assert_string_equal(errbuf, expect);
}

static void
assert_absent(const char *path)
{
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

/* Written by kagid, read by either side, line by line. */
static void
test_round_trip(void **state)
{
	struct tdir *t = *state;
	struct bgfile f;
	struct bgfile_line l;
	struct stat st;
	enum bgfile_reader who[] = { BGFILE_KAGID, BGFILE_MODULE };
	const char *line;
	size_t i;

	write_file(t);
	assert_int_equal(lstat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		assert_int_equal(read_as(t, who[i], &f), KAGI_OK);
		assert_int_equal(f.uid, geteuid());
		assert_string_equal(bgfile_next_line(&f), BGFILE_MAGIC);
		assert_non_null(line = bgfile_next_line(&f));
		assert_int_equal(bgfile_line_parse(line, &l), 0);
		assert_false(l.used);
		assert_int_equal(l.id, 1);
		assert_string_equal(l.user, "kei");
		assert_int_equal(l.iterations, 1000);
		assert_int_equal(l.salt[0], 1);
		assert_non_null(line = bgfile_next_line(&f));
		assert_int_equal(bgfile_line_parse(line, &l), 0);
		assert_int_equal(l.id, 2);
		assert_string_equal(l.user, "aoi");
		assert_null(bgfile_next_line(&f));
		assert_null(bgfile_next_line(&f));
		bgfile_clear(&f);
		assert_null(f.buf);
	}
	bgfile_clear(NULL);
	/* None written yet. */
	assert_int_equal(unlink(t->path), 0);
	assert_int_equal(read_as(t, BGFILE_KAGID, &f), KAGI_ERR_NOT_FOUND);
	assert_null(f.buf);
}

/* A used code's line replaces its code line; the rest stays as it was. */
static void
test_rewrite_one_line(void **state)
{
	struct tdir *t = *state;
	struct bgfile_line u;
	struct bgfile f;
	char used[256], l2[256], expect[1024], *line, *at = NULL;
	int lfd = -1;

	write_file(t);
	assert_int_equal(bgfile_lock(t->path, BGFILE_KAGID, 1000, &lfd, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_OK);
	while ((line = bgfile_next_line(&f)) != NULL)
		if (strncmp(line, "code 1 ", 7) == 0)
			at = line;
	assert_non_null(at);
	memset(&u, 0, sizeof(u));
	u.used = 1;
	u.id = 1;
	snprintf(u.user, sizeof(u.user), "kei");
	u.time = 1700000000;
	assert_int_equal(bgfile_line_format(&u, used, sizeof(used)), 0);
	assert_string_equal(used, "used 1 kei 1700000000\n");
	assert_int_equal(bgfile_rewrite(t->path, &f, at, used, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	bgfile_clear(&f);
	close(lfd);
	code_line(2, "aoi", l2, sizeof(l2));
	snprintf(expect, sizeof(expect), "%s\n%s%s", BGFILE_MAGIC, used, l2);
	assert_int_equal(read_as(t, BGFILE_KAGID, &f), KAGI_OK);
	assert_string_equal(f.buf, expect);
	bgfile_clear(&f);
}

/* The new file is written beside the old and renamed: nothing is left. */
static void
test_rewrite_leaves_no_temp_file(void **state)
{
	struct tdir *t = *state;
	struct bgfile f;
	char *line, *first;
	struct stat before, after;
	int fd;

	write_file(t);
	assert_absent(t->tmp);
	/* One a crash left behind goes at the next write. */
	fd = open(t->tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	write_file(t);
	assert_absent(t->tmp);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_OK);
	assert_non_null(first = bgfile_next_line(&f));
	assert_non_null(line = bgfile_next_line(&f));
	assert_int_equal(bgfile_rewrite(t->path, &f, line,
	    "used 1 kei 1\n", errbuf, sizeof(errbuf)), KAGI_OK);
	assert_absent(t->tmp);
	/* A line that is not the file's: refused, nothing written. */
	assert_int_equal(lstat(t->path, &before), 0);
	assert_int_equal(bgfile_rewrite(t->path, &f, first + 1,
	    "used 1 kei 1\n", errbuf, sizeof(errbuf)), KAGI_ERR_INVALID);
	assert_int_equal(bgfile_rewrite(t->path, &f, "used 1 kei 1",
	    "used 1 kei 1\n", errbuf, sizeof(errbuf)), KAGI_ERR_INVALID);
	assert_int_equal(lstat(t->path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_absent(t->tmp);
	bgfile_clear(&f);
}

/* Neither the file nor its lock is reached through a link. */
static void
test_symlink_refused(void **state)
{
	struct tdir *t = *state;
	char real[160];
	struct bgfile f;
	int lfd = -1;

	write_file(t);
	snprintf(real, sizeof(real), "%s/real", t->dir);
	assert_int_equal(rename(t->path, real), 0);
	assert_int_equal(symlink(real, t->path), 0);
	assert_int_equal(read_as(t, BGFILE_KAGID, &f), KAGI_ERR_UNSAFE_FILE);
	assert_err(t->path, "is a symbolic link");
	assert_null(f.buf);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_ERR_UNSAFE_FILE);
	assert_err(t->path, "is a symbolic link");
	snprintf(real, sizeof(real), "%s/real.lock", t->dir);
	assert_int_equal(symlink(real, t->lock), 0);
	assert_int_equal(bgfile_lock(t->path, BGFILE_KAGID, 1000, &lfd, errbuf,
	    sizeof(errbuf)), KAGI_ERR_UNSAFE_FILE);
	assert_int_equal(lfd, -1);
	assert_absent(real);
}

/* Mode 0600 or stricter, owned by whom the reader trusts. */
static void
test_owner_mode_refused(void **state)
{
	struct tdir *t = *state;
	struct bgfile f;

	write_file(t);
	assert_int_equal(chmod(t->path, 0640), 0);
	assert_int_equal(read_as(t, BGFILE_KAGID, &f), KAGI_ERR_UNSAFE_FILE);
	assert_err(t->path, "is readable by group or others (mode 0640)");
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_ERR_UNSAFE_FILE);
	assert_int_equal(chmod(t->path, 0601), 0);
	assert_int_equal(read_as(t, BGFILE_KAGID, &f), KAGI_ERR_UNSAFE_FILE);
	assert_err(t->path, "is accessible by group or others (mode 0601)");
	assert_int_equal(chmod(t->path, 0400), 0);
	assert_int_equal(read_as(t, BGFILE_KAGID, &f), KAGI_OK);
	bgfile_clear(&f);
	/* The module trusts no directory others may write in. */
	assert_int_equal(chmod(t->dir, 0777), 0);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_ERR_UNSAFE_FILE);
	assert_err(t->path, "its directory is missing or writable by others");
	assert_int_equal(chmod(t->dir, 0700), 0);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_OK);
	bgfile_clear(&f);
	if (geteuid() != 0)
		skip();
	/* Someone else's file: kagid refuses it, and so does the module. */
	assert_int_equal(chown(t->path, NOBODY, NOBODY), 0);
	assert_int_equal(read_as(t, BGFILE_KAGID, &f), KAGI_ERR_UNSAFE_FILE);
	assert_err(t->path, "is owned by uid 65534, not uid 0");
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_ERR_UNSAFE_FILE);
	/* The module: the directory's owner's file, and only theirs. */
	assert_int_equal(chown(t->dir, NOBODY, NOBODY), 0);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_OK);
	assert_int_equal(f.uid, NOBODY);
	assert_int_equal(f.gid, NOBODY);
	bgfile_clear(&f);
	assert_int_equal(chown(t->path, 0, 0), 0);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_ERR_UNSAFE_FILE);
	assert_err(t->path, "is owned by uid 0, not uid 65534");
	assert_int_equal(chown(t->dir, 0, 0), 0);
}

/* A rewrite by the module (root) keeps the owner kagid gave the file. */
static void
test_rewrite_keeps_owner(void **state)
{
	struct tdir *t = *state;
	struct bgfile f;
	struct stat st;
	char *line;

	if (geteuid() != 0)
		skip();
	write_file(t);
	assert_int_equal(chown(t->dir, NOBODY, NOBODY), 0);
	assert_int_equal(chown(t->path, NOBODY, NOBODY), 0);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_OK);
	(void)bgfile_next_line(&f);
	assert_non_null(line = bgfile_next_line(&f));
	assert_int_equal(bgfile_rewrite(t->path, &f, line, "used 1 kei 1\n",
	    errbuf, sizeof(errbuf)), KAGI_OK);
	bgfile_clear(&f);
	assert_int_equal(lstat(t->path, &st), 0);
	assert_int_equal(st.st_uid, NOBODY);
	assert_int_equal(st.st_gid, NOBODY);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(chown(t->dir, 0, 0), 0);
}

static void
test_oversized_refused(void **state)
{
	struct tdir *t = *state;
	struct bgfile f;
	char *big;

	assert_non_null(big = malloc(BGFILE_MAX + 1));
	memset(big, '\n', BGFILE_MAX + 1);
	assert_int_equal(bgfile_write(t->path, big, BGFILE_MAX, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_OK);
	assert_int_equal(f.len, BGFILE_MAX);
	bgfile_clear(&f);
	assert_int_equal(bgfile_write(t->path, big, BGFILE_MAX + 1, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	free(big);
	assert_int_equal(read_as(t, BGFILE_KAGID, &f), KAGI_ERR_TOO_LARGE);
	assert_null(f.buf);
	assert_int_equal(read_as(t, BGFILE_MODULE, &f), KAGI_ERR_TOO_LARGE);
	assert_err(t->path, "is larger than 1048576 bytes");
}

/* kagid makes the lock; the module only takes one that is there. */
static void
test_lock(void **state)
{
	struct tdir *t = *state;
	struct stat st;
	int a = -1, b = -1;

	assert_int_equal(bgfile_lock(t->path, BGFILE_MODULE, 1000, &a, errbuf,
	    sizeof(errbuf)), KAGI_ERR_IO);
	assert_int_equal(a, -1);
	assert_absent(t->lock);
	assert_int_equal(bgfile_lock(t->path, BGFILE_KAGID, 1000, &a, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	assert_int_equal(lstat(t->lock, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	close(a);
	assert_int_equal(bgfile_lock(t->path, BGFILE_MODULE, 1000, &b, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	close(b);
	assert_int_equal(bgfile_lock("breakglass", BGFILE_KAGID, 1000, &a, errbuf,
	    sizeof(errbuf)), KAGI_ERR_INVALID);
	assert_absent("breakglass.lock");
}

/*
 * Issue 13: a FIFO put where the file or its lock should be is refused at
 * once, never opened in a way that waits for a writer; a lock another
 * holds is waited for no longer than asked (KAGI_ERR_TIMEOUT).
 */
static void
test_fifo_and_held_lock_never_hang(void **state)
{
	struct tdir *t = *state;
	struct bgfile f;
	int64_t t0;
	int a = -1, b = -1;

	assert_int_equal(mkfifo(t->lock, 0600), 0);
	assert_int_equal(bgfile_lock(t->path, BGFILE_KAGID, 1000, &a, errbuf,
	    sizeof(errbuf)), KAGI_ERR_UNSAFE_FILE);
	assert_non_null(strstr(errbuf, "is not a regular file"));
	assert_int_equal(a, -1);
	assert_int_equal(bgfile_lock(t->path, BGFILE_MODULE, 1000, &a, errbuf,
	    sizeof(errbuf)), KAGI_ERR_UNSAFE_FILE);
	assert_int_equal(unlink(t->lock), 0);
	assert_int_equal(mkfifo(t->path, 0600), 0);
	assert_int_equal(bgfile_read(t->path, BGFILE_KAGID, &f, errbuf,
	    sizeof(errbuf)), KAGI_ERR_UNSAFE_FILE);
	assert_int_equal(bgfile_read(t->path, BGFILE_MODULE, &f, errbuf,
	    sizeof(errbuf)), KAGI_ERR_UNSAFE_FILE);
	/* Held by another: the wait ends at the time-out. */
	assert_int_equal(bgfile_lock(t->path, BGFILE_KAGID, 1000, &a, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	t0 = kagi_monotonic_ms();
	assert_int_equal(bgfile_lock(t->path, BGFILE_MODULE, 300, &b, errbuf,
	    sizeof(errbuf)), KAGI_ERR_TIMEOUT);
	assert_true(kagi_monotonic_ms() - t0 >= 300);
	assert_true(kagi_monotonic_ms() - t0 < 2000);
	assert_int_equal(b, -1);
	assert_non_null(strstr(errbuf, "still locked"));
	close(a);
	assert_int_equal(bgfile_lock(t->path, BGFILE_MODULE, 300, &b, errbuf,
	    sizeof(errbuf)), KAGI_OK);
	close(b);
}

/* Lines: what is formatted parses back; malformed ones are refused. */
static void
test_ucode_lines(void **state)
{
	struct bgfile_line l, p;
	char buf[512];

	(void)state;
	memset(&l, 0, sizeof(l));
	l.id = 42;
	snprintf(l.user, sizeof(l.user), "tanaka");
	l.iterations = 200000;
	memset(l.salt, 0xab, sizeof(l.salt));
	memset(l.hash, 0x01, sizeof(l.hash));
	assert_int_equal(bgfile_line_format(&l, buf, sizeof(buf)), 0);
	buf[strcspn(buf, "\n")] = '\0';
	assert_int_equal(bgfile_line_parse(buf, &p), 0);
	assert_false(p.used);
	assert_int_equal(p.id, 42);
	assert_string_equal(p.user, "tanaka");
	assert_int_equal(p.iterations, 200000);
	assert_memory_equal(p.salt, l.salt, sizeof(l.salt));
	assert_memory_equal(p.hash, l.hash, sizeof(l.hash));
	assert_int_equal(bgfile_line_parse("used 42 tanaka 1700000000", &p), 0);
	assert_true(p.used);
	assert_int_equal(p.time, 1700000000);
	/* Malformed lines are refused, not half-read. */
	assert_int_equal(bgfile_line_parse("used 42 tanaka", &p),
	    KAGI_ERR_INVALID);
	assert_int_equal(bgfile_line_parse("used 42 tanaka 1 extra", &p),
	    KAGI_ERR_INVALID);
	assert_int_equal(bgfile_line_parse("code x tanaka 1 aa bb", &p),
	    KAGI_ERR_INVALID);
	assert_int_equal(bgfile_line_parse("code 1 tanaka 0 "
	    "abababababababababababababababab "
	    "0101010101010101010101010101010101010101010101010101010101010101",
	    &p), KAGI_ERR_INVALID);
	assert_int_equal(bgfile_line_parse("drop 1 tanaka 1", &p),
	    KAGI_ERR_INVALID);
	assert_int_equal(bgfile_line_parse("used  1 tanaka 1", &p),
	    KAGI_ERR_INVALID);
}

#define SALT "abababababababababababababababab"
#define HASH "0101010101010101010101010101010101010101010101010101010101010101"

/* More malformed lines: the magic line, hex, lengths, bounds. */
static void
test_malformed_line_refused(void **state)
{
	static const char *const bad[] = {
		"",
		BGFILE_MAGIC,
		"used",
		" used 1 kei 1",
		"used 1 kei -1",
		"used 1234567890123456789 kei 1",
		"used 1 kei\t1",
		/* a user name of 65 bytes */
		"used 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaa 1",
		/* upper-case hex, short hex, iterations past the cap */
		"code 1 kei 1000 ABABABABABABABABABABABABABABABAB " HASH,
		"code 1 kei 1000 " SALT " " HASH "01",
		"code 1 kei 1000 " SALT " 0101",
		"code 1 kei 1000 abab " HASH,
		"code 1 kei 100000001 " SALT " " HASH,
	};
	struct bgfile_line l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0x5a, sizeof(l));
		assert_int_equal(bgfile_line_parse(bad[i], &l),
		    KAGI_ERR_INVALID);
	}
	assert_int_equal(bgfile_line_parse("code 1 kei 100000000 " SALT " "
	    HASH, &l), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_one_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_rewrite_leaves_no_temp_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_owner_mode_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_keeps_owner,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fifo_and_held_lock_never_hang, setup, teardown),
		cmocka_unit_test(test_ucode_lines),
		cmocka_unit_test(test_malformed_line_refused),
	};

	return cmocka_run_group_tests_name("bgfile", tests, NULL, NULL);
}
