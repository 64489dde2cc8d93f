/*
 * test_config.c - the one configuration parser: every value type, every
 * error message with its line, comments and blank lines, CRLF, duration
 * units and overflow, module-style argv with flags, and reading a file
 * through safefile.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfg.h"
#include "kagi_err.h"

struct tconf {
	char *name;
	char *path;
	long long n;
	long long dur;
	int b;
	int flag;
	int alg;
};

static const char *const algs[] = { "sha1", "sha256", "sha512", NULL };

static const struct cfg_key tkeys[] = {
	{ "name", CFG_STR, offsetof(struct tconf, name), 0, 0, NULL },
	{ "path", CFG_PATH, offsetof(struct tconf, path), 0, 0, NULL },
	{ "n", CFG_INT, offsetof(struct tconf, n), -5, 100, NULL },
	{ "dur", CFG_DURATION, offsetof(struct tconf, dur), 1, 7 * 86400, NULL },
	{ "b", CFG_BOOL, offsetof(struct tconf, b), 0, 0, NULL },
	{ "flag", CFG_FLAG, offsetof(struct tconf, flag), 0, 0, NULL },
	{ "alg", CFG_ENUM, offsetof(struct tconf, alg), 0, 0, algs },
	{ NULL, CFG_END, 0, 0, 0, NULL }
};

static const struct cfg_key bigdur[] = {
	{ "dur", CFG_DURATION, 0, 0, LLONG_MAX, NULL },
	{ NULL, CFG_END, 0, 0, 0, NULL }
};

static void
defaults(struct tconf *c)
{
	memset(c, 0, sizeof(*c));
	c->name = strdup("default-name");
	c->path = strdup("/default/path");
	c->n = 7;
	c->dur = 60;
	c->alg = 0;
	assert_non_null(c->name);
	assert_non_null(c->path);
}

/* Parse s as file "t.conf"; returns the code, err filled. */
static int
parse(const char *s, struct tconf *c, char *err)
{
	return cfg_parse_buf(s, strlen(s), "t.conf", tkeys, c, err,
	    CFG_ERRLEN);
}

/* s must fail with exactly msg, as a file and leave err set. */
static void
file_error(const char *s, const char *msg)
{
	struct tconf c;
	char err[CFG_ERRLEN];

	defaults(&c);
	assert_int_equal(parse(s, &c, err), KAGI_ERR_CONFIG);
	assert_string_equal(err, msg);
	cfg_free(tkeys, &c);
}

/* Every wrong line of a file is told, one a line (kagid -t), and a file
 * with wrong lines is refused even with no room for the message. */
static void
test_every_error_of_a_file_is_told(void **state)
{
	static const char *const s = "name = a\nnmae = b\nn = 1\n"
	    "this line\nn = 101\nn = 2\n";
	struct tconf c;
	char err[CFG_ERRLEN * 4];

	(void)state;
	defaults(&c);
	assert_int_equal(cfg_parse_buf(s, strlen(s), "t.conf", tkeys, &c, err,
	    sizeof(err)), KAGI_ERR_CONFIG);
	assert_string_equal(err, "t.conf:2: unknown key 'nmae'\n"
	    "t.conf:4: missing '='\n"
	    "t.conf:5: key 'n' given twice\n"
	    "t.conf:6: key 'n' given twice");
	cfg_free(tkeys, &c);
	defaults(&c);
	assert_int_equal(cfg_parse_buf(s, strlen(s), "t.conf", tkeys, &c, NULL,
	    0), KAGI_ERR_CONFIG);
	cfg_free(tkeys, &c);
	/* A small buffer keeps the first errors whole, never overflows. */
	defaults(&c);
	memset(err, 'x', sizeof(err));
	assert_int_equal(cfg_parse_buf(s, strlen(s), "t.conf", tkeys, &c, err,
	    40), KAGI_ERR_CONFIG);
	assert_string_equal(err, "t.conf:2: unknown key 'nmae'\nt.conf:4: ");
	assert_int_equal(err[40], 'x');
	cfg_free(tkeys, &c);
}

static void
test_all_types(void **state)
{
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	defaults(&c);
	assert_int_equal(parse(
	    "# kagi test\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment\n"
	    "name = Komoro city hall\n"
	    "path=/etc/kagi/x y\n"
	    "\tn\t=\t-5\t\n"
	    "dur = 15m\n"
	    "b = yes\n"
	    "flag = on\n"
	    "alg = sha512",	/* last line without newline */
	    &c, err), KAGI_OK);
	assert_string_equal(c.name, "Komoro city hall");
	assert_string_equal(c.path, "/etc/kagi/x y");
	assert_int_equal(c.n, -5);
	assert_int_equal(c.dur, 900);
	assert_int_equal(c.b, 1);
	assert_int_equal(c.flag, 1);
	assert_int_equal(c.alg, 2);
	cfg_free(tkeys, &c);
	assert_null(c.name);
	assert_null(c.path);
}

static void
test_defaults_kept(void **state)
{
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	defaults(&c);
	assert_int_equal(parse("", &c, err), KAGI_OK);
	assert_int_equal(parse("# only a comment\n\n", &c, err), KAGI_OK);
	assert_string_equal(c.name, "default-name");
	assert_string_equal(c.path, "/default/path");
	assert_int_equal(c.n, 7);
	assert_int_equal(c.dur, 60);
	cfg_free(tkeys, &c);
}

/* '#' starts a comment only as the first non-blank character. */
static void
test_comment_not_inline(void **state)
{
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	defaults(&c);
	assert_int_equal(parse("name = a # b\n", &c, err), KAGI_OK);
	assert_string_equal(c.name, "a # b");
	cfg_free(tkeys, &c);
	file_error("n = 5 # five\n",
	    "t.conf:1: 'n': '5 # five' is not a number");
}

static void
test_empty_value(void **state)
{
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	defaults(&c);
	assert_int_equal(parse("name =   \n", &c, err), KAGI_OK);
	assert_string_equal(c.name, "");
	cfg_free(tkeys, &c);
	file_error("n =\n", "t.conf:1: 'n': '' is not a number");
	file_error("path = \n", "t.conf:1: 'path': '' is not an absolute path");
	file_error("alg =\n",
	    "t.conf:1: 'alg': '' is not one of sha1, sha256, sha512");
}

/* Decision: CRLF files are read as if they had plain newlines. */
static void
test_crlf(void **state)
{
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	defaults(&c);
	assert_int_equal(parse("name = x\r\nn = 3\r\n\r\n# c\r\n", &c, err),
	    KAGI_OK);
	assert_string_equal(c.name, "x");
	assert_int_equal(c.n, 3);
	cfg_free(tkeys, &c);
	/* A CR anywhere else is a control character. */
	file_error("name = a\rb\n", "t.conf:1: control character in line");
}

static void
test_error_messages(void **state)
{
	(void)state;
	file_error("name = a\n\nnmae = b\n", "t.conf:3: unknown key 'nmae'");
	file_error("n = 1\n# again\nn = 2\n", "t.conf:3: key 'n' given twice");
	file_error("\n\nn = 101\n",
	    "t.conf:3: 'n': value '101' out of range [-5, 100]");
	file_error("n = -6\n", "t.conf:1: 'n': value '-6' out of range [-5, 100]");
	file_error("n = ten\n", "t.conf:1: 'n': 'ten' is not a number");
	file_error("path = etc/kagi\n",
	    "t.conf:1: 'path': 'etc/kagi' is not an absolute path");
	file_error("alg = md5\n",
	    "t.conf:1: 'alg': 'md5' is not one of sha1, sha256, sha512");
	file_error("b = maybe\n", "t.conf:1: 'b': 'maybe' is not one of yes, "
	    "true, on, 1, no, false, off, 0");
	file_error("name\n", "t.conf:1: missing '='");
	file_error("= 5\n", "t.conf:1: unknown key ''");
	file_error("dur = 5x\n", "t.conf:1: 'dur': '5x' is not a duration "
	    "(a number with s, m, h or d)");
	file_error("a\tb\001 = 1\n", "t.conf:1: control character in line");
}

/* User text in messages is escaped and cut: no control bytes reach logs. */
static void
test_error_quoting(void **state)
{
	char line[300];

	(void)state;
	file_error("k\xc3\xa9y = 1\n", "t.conf:1: unknown key 'k\\xc3\\xa9y'");
	file_error("it's = 1\n", "t.conf:1: unknown key 'it\\x27s'");
	memset(line, 0, sizeof(line));
	memcpy(line, "n = ", 4);
	memset(line + 4, '7', 100);
	file_error(line, "t.conf:1: 'n': value "
	    "'777777777777777777777777777777777777777777777777...' "
	    "out of range [-5, 100]");
}

static void
test_line_limits(void **state)
{
	char *big = malloc(CFG_LINE_MAX + 16);
	static const char nul[] = "n = 1\nname = a\0b\n";
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	/* A line of exactly CFG_LINE_MAX bytes is fine, one more is not. */
	memset(big, ' ', CFG_LINE_MAX + 1);
	memcpy(big, "name = x", 8);
	big[CFG_LINE_MAX] = '\n';
	big[CFG_LINE_MAX + 1] = '\0';
	defaults(&c);
	assert_int_equal(parse(big, &c, err), KAGI_OK);
	assert_string_equal(c.name, "x");
	cfg_free(tkeys, &c);
	big[CFG_LINE_MAX] = ' ';
	big[CFG_LINE_MAX + 1] = '\n';
	big[CFG_LINE_MAX + 2] = '\0';
	file_error(big, "t.conf:1: line longer than 1024 bytes");
	free(big);
	defaults(&c);
	assert_int_equal(cfg_parse_buf(nul, sizeof(nul) - 1, "t.conf", tkeys,
	    &c, err, sizeof(err)), KAGI_ERR_CONFIG);
	assert_string_equal(err, "t.conf:2: NUL byte in line");
	cfg_free(tkeys, &c);
}

static void
test_integers(void **state)
{
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	defaults(&c);
	assert_int_equal(parse("n = 100\n", &c, err), KAGI_OK);
	assert_int_equal(c.n, 100);
	/* "Given twice" is per parse: a later source may override. */
	assert_int_equal(parse("n = -0\n", &c, err), KAGI_OK);
	assert_int_equal(c.n, 0);
	cfg_free(tkeys, &c);
	file_error("n = +5\n", "t.conf:1: 'n': '+5' is not a number");
	file_error("n = 0x10\n", "t.conf:1: 'n': '0x10' is not a number");
	file_error("n = 1e3\n", "t.conf:1: 'n': '1e3' is not a number");
	file_error("n = 5 5\n", "t.conf:1: 'n': '5 5' is not a number");
	file_error("n = -\n", "t.conf:1: 'n': '-' is not a number");
	file_error("n = 99999999999999999999\n", "t.conf:1: 'n': value "
	    "'99999999999999999999' out of range [-5, 100]");
	file_error("n = -99999999999999999999\n", "t.conf:1: 'n': value "
	    "'-99999999999999999999' out of range [-5, 100]");
}

static long long
dur_of(const char *v, int *r)
{
	long long d = -1;
	char buf[64], err[CFG_ERRLEN];

	snprintf(buf, sizeof(buf), "dur = %s\n", v);
	*r = cfg_parse_buf(buf, strlen(buf), "d.conf", bigdur, &d, err,
	    sizeof(err));
	return d;
}

static void
test_durations(void **state)
{
	int r;

	(void)state;
	assert_int_equal(dur_of("30", &r), 30);
	assert_int_equal(r, KAGI_OK);
	assert_int_equal(dur_of("30s", &r), 30);
	assert_int_equal(dur_of("5m", &r), 300);
	assert_int_equal(dur_of("2h", &r), 7200);
	assert_int_equal(dur_of("1d", &r), 86400);
	assert_int_equal(dur_of("0", &r), 0);
	assert_int_equal(r, KAGI_OK);
	assert_int_equal(dur_of("9223372036854775807", &r), LLONG_MAX);
	assert_int_equal(r, KAGI_OK);
	/* Overflow in the number or in the unit multiplication. */
	dur_of("9223372036854775808", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
	dur_of("106751991167301d", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
	assert_int_equal(dur_of("106751991167300d", &r),
	    106751991167300LL * 86400);
	assert_int_equal(r, KAGI_OK);
	dur_of("153722867280912931m", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
	/* Forms that are not durations. */
	dur_of("-5", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
	dur_of("m", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
	dur_of("5 m", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
	dur_of("5w", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
	dur_of("5mm", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
	dur_of("1.5h", &r);
	assert_int_equal(r, KAGI_ERR_CONFIG);
}

/* The range applies to the value in seconds, not to the number given. */
static void
test_duration_range(void **state)
{
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	defaults(&c);
	assert_int_equal(parse("dur = 7d\n", &c, err), KAGI_OK);
	assert_int_equal(c.dur, 7 * 86400);
	cfg_free(tkeys, &c);
	file_error("dur = 169h\n",
	    "t.conf:1: 'dur': value '169h' out of range [1, 604800]");
	file_error("dur = 0m\n",
	    "t.conf:1: 'dur': value '0m' out of range [1, 604800]");
	file_error("dur = 99999999999999999999d\n", "t.conf:1: 'dur': value "
	    "'99999999999999999999d' out of range [1, 604800]");
}

static void
test_bools(void **state)
{
	static const char *const t[] = { "yes", "true", "on", "1" };
	static const char *const f[] = { "no", "false", "off", "0" };
	struct tconf c;
	char buf[32], err[CFG_ERRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		defaults(&c);
		c.b = 0;
		snprintf(buf, sizeof(buf), "b = %s\n", t[i]);
		assert_int_equal(parse(buf, &c, err), KAGI_OK);
		assert_int_equal(c.b, 1);
		snprintf(buf, sizeof(buf), "b = %s\n", f[i]);
		c.b = 1;
		assert_int_equal(cfg_parse_buf(buf, strlen(buf), "t.conf",
		    tkeys, &c, err, sizeof(err)), KAGI_OK);
		assert_int_equal(c.b, 0);
		cfg_free(tkeys, &c);
	}
	/* Case matters: nothing but the listed words. */
	file_error("b = Yes\n", "t.conf:1: 'b': 'Yes' is not one of yes, "
	    "true, on, 1, no, false, off, 0");
}

static void
test_argv(void **state)
{
	const char *ok[] = { "flag", "name=a b", "n=-5", "path=/x",
		"dur=2h", "b=off", "alg=sha256" };
	struct tconf c;
	char err[CFG_ERRLEN];

	(void)state;
	defaults(&c);
	c.b = 1;
	assert_int_equal(cfg_parse_argv(7, ok, tkeys, &c, err, sizeof(err)),
	    KAGI_OK);
	assert_int_equal(c.flag, 1);
	assert_string_equal(c.name, "a b");
	assert_int_equal(c.n, -5);
	assert_string_equal(c.path, "/x");
	assert_int_equal(c.dur, 7200);
	assert_int_equal(c.b, 0);
	assert_int_equal(c.alg, 1);
	cfg_free(tkeys, &c);
	defaults(&c);
	assert_int_equal(cfg_parse_argv(0, NULL, tkeys, &c, err, sizeof(err)),
	    KAGI_OK);
	cfg_free(tkeys, &c);
}

static void
argv_error(const char *arg, const char *msg)
{
	const char *argv[2] = { "n=1", arg };
	struct tconf c;
	char err[CFG_ERRLEN];

	defaults(&c);
	assert_int_equal(cfg_parse_argv(2, argv, tkeys, &c, err, sizeof(err)),
	    KAGI_ERR_CONFIG);
	assert_string_equal(err, msg);
	cfg_free(tkeys, &c);
}

static void
test_argv_errors(void **state)
{
	(void)state;
	argv_error("flag=1", "option 'flag=1': 'flag' takes no value");
	argv_error("flag=", "option 'flag=': 'flag' takes no value");
	argv_error("name", "option 'name': needs a value");
	argv_error("b", "option 'b': needs a value");
	argv_error("nullok", "option 'nullok': unknown key 'nullok'");
	argv_error("n=2", "option 'n=2': key 'n' given twice");
	argv_error("alg=md5", "option 'alg=md5': 'alg': 'md5' is not one of "
	    "sha1, sha256, sha512");
	argv_error("path=rel", "option 'path=rel': 'path': 'rel' is not an "
	    "absolute path");
	argv_error("dur=0", "option 'dur=0': 'dur': value '0' out of range "
	    "[1, 604800]");
	argv_error("name=a\nb", "option 'name=a\\x0ab': control character "
	    "in option");
	/* A flag given twice is as wrong as any repeated key. */
	{
		const char *twice[] = { "flag", "flag" };
		struct tconf c;
		char err[CFG_ERRLEN];

		defaults(&c);
		assert_int_equal(cfg_parse_argv(2, twice, tkeys, &c, err,
		    sizeof(err)), KAGI_ERR_CONFIG);
		assert_string_equal(err, "option 'flag': key 'flag' given twice");
		cfg_free(tkeys, &c);
	}
}

static void
test_lookup_free(void **state)
{
	struct tconf c;

	(void)state;
	assert_ptr_equal(cfg_lookup(tkeys, "dur"), &tkeys[3]);
	assert_null(cfg_lookup(tkeys, "du"));
	assert_null(cfg_lookup(tkeys, "durr"));
	assert_null(cfg_lookup(tkeys, NULL));
	assert_null(cfg_lookup(NULL, "dur"));
	defaults(&c);
	cfg_free(tkeys, &c);
	assert_null(c.name);
	cfg_free(tkeys, &c);	/* twice is harmless */
	cfg_free(tkeys, NULL);
}

static void
test_parse_file(void **state)
{
	char dir[] = "/tmp/kagi-test-config-XXXXXX", path[128], lnk[128];
	char err[CFG_ERRLEN], expect[CFG_ERRLEN];
	static const char text[] = "name = from file\nbogus = 1\n";
	struct tconf c;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	snprintf(lnk, sizeof(lnk), "%s/link.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, 17), 17);	/* first line only */
	close(fd);
	defaults(&c);
	assert_int_equal(cfg_parse_file(path, (unsigned)geteuid(), tkeys, &c,
	    err, sizeof(err)), KAGI_OK);
	assert_string_equal(c.name, "from file");
	cfg_free(tkeys, &c);
	/* Errors name the file. */
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_int_equal(write(fd, text + 17, sizeof(text) - 18),
	    (ssize_t)(sizeof(text) - 18));
	close(fd);
	defaults(&c);
	assert_int_equal(cfg_parse_file(path, (unsigned)geteuid(), tkeys, &c,
	    err, sizeof(err)), KAGI_ERR_CONFIG);
	snprintf(expect, sizeof(expect), "%s:2: unknown key 'bogus'", path);
	assert_string_equal(err, expect);
	cfg_free(tkeys, &c);
	/* Unsafe files are refused before parsing. */
	assert_int_equal(symlink(path, lnk), 0);
	defaults(&c);
	assert_int_equal(cfg_parse_file(lnk, (unsigned)geteuid(), tkeys, &c,
	    err, sizeof(err)), KAGI_ERR_UNSAFE_FILE);
	snprintf(expect, sizeof(expect), "%s: is a symbolic link", lnk);
	assert_string_equal(err, expect);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(cfg_parse_file(path, (unsigned)geteuid(), tkeys, &c,
	    err, sizeof(err)), KAGI_ERR_UNSAFE_FILE);
	assert_string_equal(c.name, "default-name");
	cfg_free(tkeys, &c);
	unlink(lnk);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_types),
		cmocka_unit_test(test_defaults_kept),
		cmocka_unit_test(test_comment_not_inline),
		cmocka_unit_test(test_empty_value),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_error_quoting),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_duration_range),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_argv_errors),
		cmocka_unit_test(test_lookup_free),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_every_error_of_a_file_is_told),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
