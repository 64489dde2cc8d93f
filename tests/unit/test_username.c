/*
 * test_username.c - one account per person however the name is typed
 * (tokend/username.c): case, surrounding ASCII and ideographic spaces and
 * full-width letters all reach the same canonical name, so they count
 * against the same lockout (R-MFA-5).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kagi_err.h"
#include "username.h"

static void
canon_is(const char *in, const char *want)
{
	char out[STORE_NAME_MAX + 1];

	assert_int_equal(user_canonical(in, out), 0);
	assert_string_equal(out, want);
}

static void
test_spellings_of_tanaka(void **state)
{
	(void)state;
	canon_is("tanaka", "tanaka");
	canon_is("Tanaka", "tanaka");
	canon_is(" tanaka ", "tanaka");
	canon_is("\ttanaka", "tanaka");
	canon_is("\xef\xbc\xb4\xef\xbd\x81\xef\xbd\x8e\xef\xbd\x81\xef\xbd\x8b"
	    "\xef\xbd\x81", "tanaka");			/* Ｔａｎａｋａ */
	canon_is("\xe3\x80\x80tanaka\xe3\x80\x80", "tanaka");	/* U+3000 */
	canon_is("\xe3\x80\x80 \xef\xbc\xb4" "anaka \xe3\x80\x80", "tanaka");
	canon_is("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93", "123");	/* １２３ */
	canon_is("a.b_c-d@E", "a.b_c-d@e");
}

static void
test_inner_space_and_other_bytes_kept(void **state)
{
	(void)state;
	canon_is("ta naka", "ta naka");
	canon_is("\xe7\x94\xb0\xe4\xb8\xad", "\xe7\x94\xb0\xe4\xb8\xad");
	/* A truncated full-width sequence is kept as bytes. */
	canon_is("a\xef\xbc", "a\xef\xbc");
}

static void
test_idempotent(void **state)
{
	char once[STORE_NAME_MAX + 1], twice[STORE_NAME_MAX + 1];

	(void)state;
	assert_int_equal(user_canonical(" \xef\xbc\xb4" "Ana ", once), 0);
	assert_int_equal(user_canonical(once, twice), 0);
	assert_string_equal(once, twice);
}

static void
test_refuses_empty_and_long(void **state)
{
	char out[STORE_NAME_MAX + 1], big[STORE_NAME_MAX + 2];

	(void)state;
	assert_int_equal(user_canonical("", out), KAGI_ERR_INVALID);
	assert_int_equal(user_canonical("   ", out), KAGI_ERR_INVALID);
	assert_int_equal(user_canonical("\xe3\x80\x80", out), KAGI_ERR_INVALID);
	assert_int_equal(user_canonical(NULL, out), KAGI_ERR_INVALID);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(user_canonical(big, out), KAGI_ERR_INVALID);
	assert_string_equal(out, "");
	big[STORE_NAME_MAX] = '\0';
	assert_int_equal(user_canonical(big, out), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spellings_of_tanaka),
		cmocka_unit_test(test_inner_space_and_other_bytes_kept),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_refuses_empty_and_long),
	};

	return cmocka_run_group_tests_name("username", tests, NULL, NULL);
}
