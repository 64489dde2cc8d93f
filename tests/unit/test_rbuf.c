/*
 * test_rbuf.c - the bounded reader: every getter reads big-endian values
 * within bounds, fails without moving on short input, and the line
 * reader refuses NULs and over-long lines.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kagi_err.h"
#include "rbuf.h"

static void
test_integers(void **state)
{
	static const uint8_t d[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct rbuf b;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	(void)state;
	rbuf_init(&b, d, sizeof(d));
	assert_int_equal(rbuf_remaining(&b), 7);
	assert_int_equal(rbuf_get_u8(&b, &u8), KAGI_OK);
	assert_int_equal(u8, 0x01);
	assert_int_equal(rbuf_get_u16be(&b, &u16), KAGI_OK);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(rbuf_get_u32be(&b, &u32), KAGI_OK);
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(rbuf_remaining(&b), 0);
	assert_int_equal(rbuf_done(&b), KAGI_OK);
}

static void
test_high_bits(void **state)
{
	static const uint8_t d[] = { 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa };
	struct rbuf b;
	uint16_t u16;
	uint32_t u32;

	(void)state;
	rbuf_init(&b, d, sizeof(d));
	assert_int_equal(rbuf_get_u16be(&b, &u16), KAGI_OK);
	assert_int_equal(u16, 0xfffe);
	assert_int_equal(rbuf_get_u32be(&b, &u32), KAGI_OK);
	assert_int_equal(u32, 0xfdfcfbfaU);
}

/* A failing getter leaves the reader and the output untouched. */
static void
test_short_input_unchanged(void **state)
{
	static const uint8_t d[] = { 0xaa, 0xbb, 0xcc };
	struct rbuf b;
	uint8_t u8 = 0x55;
	uint16_t u16 = 0x5555;
	uint32_t u32 = 0x55555555;
	const uint8_t *p = NULL;

	(void)state;
	rbuf_init(&b, d, sizeof(d));
	assert_int_equal(rbuf_get_u32be(&b, &u32), KAGI_ERR_TRUNCATED);
	assert_int_equal(u32, 0x55555555);
	assert_int_equal(rbuf_remaining(&b), 3);
	assert_int_equal(rbuf_get_bytes(&b, 4, &p), KAGI_ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(rbuf_remaining(&b), 3);
	assert_int_equal(rbuf_get_u16be(&b, &u16), KAGI_OK);
	assert_int_equal(rbuf_get_u16be(&b, &u16), KAGI_ERR_TRUNCATED);
	assert_int_equal(u16, 0xaabb);
	assert_int_equal(rbuf_remaining(&b), 1);
	assert_int_equal(rbuf_done(&b), KAGI_ERR_INVALID);
	assert_int_equal(rbuf_get_u8(&b, &u8), KAGI_OK);
	assert_int_equal(u8, 0xcc);
	assert_int_equal(rbuf_get_u8(&b, &u8), KAGI_ERR_TRUNCATED);
	assert_int_equal(u8, 0xcc);
	assert_int_equal(rbuf_done(&b), KAGI_OK);
}

static void
test_bytes(void **state)
{
	static const uint8_t d[] = "abcdef";
	struct rbuf b;
	const uint8_t *p;

	(void)state;
	rbuf_init(&b, d, 6);
	assert_int_equal(rbuf_get_bytes(&b, 0, &p), KAGI_OK);
	assert_int_equal(rbuf_remaining(&b), 6);
	assert_int_equal(rbuf_get_bytes(&b, 2, &p), KAGI_OK);
	assert_ptr_equal(p, d);
	assert_int_equal(rbuf_get_bytes(&b, 4, &p), KAGI_OK);
	assert_ptr_equal(p, d + 2);
	assert_memory_equal(p, "cdef", 4);
	assert_int_equal(rbuf_get_bytes(&b, 1, &p), KAGI_ERR_TRUNCATED);
	assert_int_equal(rbuf_done(&b), KAGI_OK);
}

/* A huge length must not wrap around the bounds check. */
static void
test_bytes_huge_length(void **state)
{
	static const uint8_t d[] = "abcd";
	struct rbuf b;
	const uint8_t *p = NULL;

	(void)state;
	rbuf_init(&b, d, 4);
	assert_int_equal(rbuf_get_u8(&b, &(uint8_t){ 0 }), KAGI_OK);
	assert_int_equal(rbuf_get_bytes(&b, SIZE_MAX, &p), KAGI_ERR_TRUNCATED);
	assert_int_equal(rbuf_get_bytes(&b, SIZE_MAX - 1, &p),
	    KAGI_ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(rbuf_remaining(&b), 3);
}

static void
test_empty(void **state)
{
	struct rbuf b;
	uint8_t u8;
	const char *l;
	size_t n;

	(void)state;
	rbuf_init(&b, NULL, 0);
	assert_int_equal(rbuf_remaining(&b), 0);
	assert_int_equal(rbuf_done(&b), KAGI_OK);
	assert_int_equal(rbuf_get_u8(&b, &u8), KAGI_ERR_TRUNCATED);
	assert_int_equal(rbuf_get_line(&b, 10, &l, &n), KAGI_ERR_TRUNCATED);
}

static void
test_lines(void **state)
{
	static const char d[] = "one\n\nthree\nlast";
	struct rbuf b;
	const char *l;
	size_t n;

	(void)state;
	rbuf_init(&b, d, strlen(d));
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(l, "one", 3);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_OK);
	assert_int_equal(n, 0);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(l, "three", 5);
	/* The last line has no newline and is still a line. */
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(l, "last", 4);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_ERR_TRUNCATED);
	assert_int_equal(rbuf_done(&b), KAGI_OK);
}

static void
test_line_trailing_newline(void **state)
{
	static const char d[] = "a\n";
	struct rbuf b;
	const char *l;
	size_t n;

	(void)state;
	rbuf_init(&b, d, 2);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_OK);
	assert_int_equal(n, 1);
	/* No phantom empty line after the final newline. */
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_ERR_TRUNCATED);
}

static void
test_line_nul(void **state)
{
	static const char d[] = "ok\nb\0d\nafter\n";
	struct rbuf b;
	const char *l;
	size_t n;

	(void)state;
	rbuf_init(&b, d, sizeof(d) - 1);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_OK);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_ERR_INVALID);
	/* Unchanged: the same failure again, never the bytes after it. */
	assert_int_equal(rbuf_remaining(&b), sizeof(d) - 1 - 3);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_ERR_INVALID);
}

static void
test_line_too_long(void **state)
{
	static const char d[] = "12345\n123456\n123456";
	struct rbuf b;
	const char *l;
	size_t n;

	(void)state;
	rbuf_init(&b, d, strlen(d));
	/* Exactly maxlen is accepted... */
	assert_int_equal(rbuf_get_line(&b, 5, &l, &n), KAGI_OK);
	assert_int_equal(n, 5);
	/* ...one more is not, with or without a newline. */
	assert_int_equal(rbuf_get_line(&b, 5, &l, &n), KAGI_ERR_TOO_LARGE);
	assert_int_equal(rbuf_remaining(&b), strlen(d) - 6);
	assert_int_equal(rbuf_get_line(&b, 6, &l, &n), KAGI_OK);
	assert_int_equal(rbuf_get_line(&b, 5, &l, &n), KAGI_ERR_TOO_LARGE);
	assert_int_equal(rbuf_get_line(&b, 6, &l, &n), KAGI_OK);
	assert_int_equal(n, 6);
	assert_int_equal(rbuf_done(&b), KAGI_OK);
}

/* The line reader stops at len even when a newline follows in memory. */
static void
test_line_bounded(void **state)
{
	static const char d[] = "abc\ndef\n";
	struct rbuf b;
	const char *l;
	size_t n;

	(void)state;
	rbuf_init(&b, d, 2);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rbuf_get_line(&b, 16, &l, &n), KAGI_ERR_TRUNCATED);
}

static void
test_string32(void **state)
{
	static const uint8_t d[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0,
	    0, 0, 0, 5, 'x' };
	const uint8_t *v = NULL;
	struct rbuf b;
	size_t n = 99;

	(void)state;
	rbuf_init(&b, d, sizeof(d));
	/* Over the maximum: refused, nothing consumed. */
	assert_int_equal(rbuf_get_string32(&b, 2, &v, &n), KAGI_ERR_TOO_LARGE);
	assert_int_equal(rbuf_remaining(&b), sizeof(d));
	assert_int_equal(rbuf_get_string32(&b, 3, &v, &n), KAGI_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(v, "abc", 3);
	/* The empty string. */
	assert_int_equal(rbuf_get_string32(&b, 3, &v, &n), KAGI_OK);
	assert_int_equal(n, 0);
	/* A length past the end: refused, the reader unchanged. */
	assert_int_equal(rbuf_get_string32(&b, 100, &v, &n),
	    KAGI_ERR_TRUNCATED);
	assert_int_equal(rbuf_remaining(&b), 5);
	assert_int_equal(rbuf_done(&b), KAGI_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_high_bits),
		cmocka_unit_test(test_short_input_unchanged),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_bytes_huge_length),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_line_trailing_newline),
		cmocka_unit_test(test_line_nul),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_line_bounded),
		cmocka_unit_test(test_string32),
	};

	return cmocka_run_group_tests_name("rbuf", tests, NULL, NULL);
}
