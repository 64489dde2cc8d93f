/*
 * test_totp.c - TOTP codes (tokend/totp.c): the RFC 6238 vectors through
 * both generation and verification, the window, the matched step used
 * against replays, code normalisation, the otpauth:// URI and algorithm
 * names.  Second factor for R-MFA-1 / R-MFA-3.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <liboath/oath.h>

#include "kagi_err.h"
#include "totp.h"
#include "wipe.h"

static const uint8_t seed_sha1[] = "12345678901234567890";
static const uint8_t seed_sha256[] = "12345678901234567890123456789012";
static const uint8_t seed_sha512[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

/* RFC 6238 Appendix B. */
static const struct {
	int64_t t;
	int alg;
	const char *code;
} rfc[] = {
	{ 59, TOTP_SHA1, "94287082" },
	{ 59, TOTP_SHA256, "46119246" },
	{ 59, TOTP_SHA512, "90693936" },
	{ 1111111109, TOTP_SHA1, "07081804" },
	{ 1111111109, TOTP_SHA256, "68084774" },
	{ 1111111109, TOTP_SHA512, "25091201" },
	{ 1111111111, TOTP_SHA1, "14050471" },
	{ 1111111111, TOTP_SHA256, "67062674" },
	{ 1111111111, TOTP_SHA512, "99943326" },
	{ 1234567890, TOTP_SHA1, "89005924" },
	{ 1234567890, TOTP_SHA256, "91819424" },
	{ 1234567890, TOTP_SHA512, "93441116" },
	{ 2000000000, TOTP_SHA1, "69279037" },
	{ 2000000000, TOTP_SHA256, "90698825" },
	{ 2000000000, TOTP_SHA512, "38618901" },
	{ 20000000000LL, TOTP_SHA1, "65353130" },
	{ 20000000000LL, TOTP_SHA256, "77737706" },
	{ 20000000000LL, TOTP_SHA512, "47863826" },
};
#define NRFC (sizeof(rfc) / sizeof(rfc[0]))

static void
seed_for(int alg, const uint8_t **s, size_t *len)
{
	switch (alg) {
	case TOTP_SHA256:
		*s = seed_sha256;
		*len = sizeof(seed_sha256) - 1;
		break;
	case TOTP_SHA512:
		*s = seed_sha512;
		*len = sizeof(seed_sha512) - 1;
		break;
	default:
		*s = seed_sha1;
		*len = sizeof(seed_sha1) - 1;
		break;
	}
}

static int
setup(void **state)
{
	(void)state;
	return totp_global_init();
}

static void
test_rfc6238_generate(void **state)
{
	char out[TOTP_CODE_MAX + 1];
	const uint8_t *s;
	size_t i, len;

	(void)state;
	for (i = 0; i < NRFC; i++) {
		seed_for(rfc[i].alg, &s, &len);
		assert_int_equal(totp_generate(s, len, rfc[i].alg, 8, 30,
		    rfc[i].t, out), 0);
		assert_string_equal(out, rfc[i].code);
	}
}

static void
test_rfc6238_verify(void **state)
{
	const uint8_t *s;
	size_t i, len;
	int64_t step;

	(void)state;
	for (i = 0; i < NRFC; i++) {
		seed_for(rfc[i].alg, &s, &len);
		step = 0;
		assert_int_equal(totp_verify(s, len, rfc[i].alg, 8, 30, 0,
		    rfc[i].t, rfc[i].code, &step), 0);
		assert_int_equal(step, rfc[i].t / 30);
	}
}

/* The vectors are tied to their algorithm: another one refuses them. */
static void
test_rfc6238_wrong_alg_or_code(void **state)
{
	char code[TOTP_CODE_MAX + 1];
	int64_t step = 7;

	(void)state;
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA256, 8, 30, 0, 59,
	    "94287082", &step), KAGI_ERR_BAD_CODE);
	assert_int_equal(step, -1);
	strcpy(code, "94287082");
	code[7] = '3';
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 8, 30, 1, 59,
	    code, &step), KAGI_ERR_BAD_CODE);
	assert_int_equal(step, -1);
}

static void
test_window(void **state)
{
	const int64_t now = 1700000015;	/* inside step 56666667 */
	char c_prev[TOTP_CODE_MAX + 1], c_prev2[TOTP_CODE_MAX + 1];
	char c_next[TOTP_CODE_MAX + 1], c_now[TOTP_CODE_MAX + 1];
	int64_t step;

	(void)state;
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 6, 30,
	    now, c_now), 0);
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 6, 30,
	    now - 30, c_prev), 0);
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 6, 30,
	    now - 60, c_prev2), 0);
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 6, 30,
	    now + 30, c_next), 0);
	/* These four codes differ, or the test below proves nothing. */
	assert_string_not_equal(c_now, c_prev);
	assert_string_not_equal(c_now, c_prev2);
	assert_string_not_equal(c_prev, c_prev2);
	assert_string_not_equal(c_now, c_next);

	/* Previous step: accepted with window 1 and reported as such. */
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 1, now,
	    c_prev, &step), 0);
	assert_int_equal(step, now / 30 - 1);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 0, now,
	    c_prev, &step), KAGI_ERR_BAD_CODE);
	/* Two steps back: outside window 1, inside window 2. */
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 1, now,
	    c_prev2, &step), KAGI_ERR_BAD_CODE);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 2, now,
	    c_prev2, &step), 0);
	assert_int_equal(step, now / 30 - 2);
	/* The window looks ahead too (a clock running slow). */
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 1, now,
	    c_next, &step), 0);
	assert_int_equal(step, now / 30 + 1);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 1, now,
	    c_now, &step), 0);
	assert_int_equal(step, now / 30);
	/* Any time inside the step gives the same step. */
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 0,
	    now / 30 * 30 + 29, c_now, &step), 0);
	assert_int_equal(step, now / 30);
	/* Another period: the step is t / period. */
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 6, 60,
	    now, c_now), 0);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 60, 0, now,
	    c_now, &step), 0);
	assert_int_equal(step, now / 60);
}

/* A step before the epoch is never reported (it would be negative). */
static void
test_window_near_epoch(void **state)
{
	char c[TOTP_CODE_MAX + 1], before[TOTP_CODE_MAX + 1];
	int64_t step;

	(void)state;
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 6, 30, 0, c),
	    0);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 2, 10,
	    c, &step), 0);
	assert_int_equal(step, 0);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 1, -1,
	    c, &step), KAGI_ERR_INVALID);

	/* liboath would match step -1 here; kagi refuses it. */
	assert_int_equal(oath_totp_generate2((const char *)seed_sha1, 20, -30,
	    30, 0, 6, 0, before), OATH_OK);
	assert_string_not_equal(before, c);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 6, 30, 1, 10,
	    before, &step), KAGI_ERR_BAD_CODE);
	assert_int_equal(step, -1);
}

/* totp_verify takes only exactly `digits` ASCII digits. */
static void
test_verify_refuses_malformed(void **state)
{
	static const char *bad[] = {
		"9428708", "942870820", "9428708a", " 4287082", "94287082 ",
		"+4287082", "-4287082", "",
		"\357\274\2314287082",	/* U+FF19 then ASCII */
	};
	int64_t step = 5;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 8, 30,
		    1, 59, bad[i], &step), KAGI_ERR_BAD_CODE);
		assert_int_equal(step, -1);
	}
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 8, 30, 1, 59,
	    NULL, &step), KAGI_ERR_BAD_CODE);
}

static void
test_params_refused(void **state)
{
	char out[TOTP_CODE_MAX + 1];
	int64_t step;

	(void)state;
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 5, 30, 59,
	    out), KAGI_ERR_INVALID);
	assert_string_equal(out, "");
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 9, 30, 59,
	    out), KAGI_ERR_INVALID);
	assert_int_equal(totp_generate(seed_sha1, 20, 3, 6, 30, 59, out),
	    KAGI_ERR_INVALID);
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 6, 0, 59,
	    out), KAGI_ERR_INVALID);
	assert_int_equal(totp_generate(seed_sha1, 0, TOTP_SHA1, 6, 30, 59,
	    out), KAGI_ERR_INVALID);
	assert_int_equal(totp_generate(seed_sha1, TOTP_SECRET_MAX + 1,
	    TOTP_SHA1, 6, 30, 59, out), KAGI_ERR_INVALID);
	assert_int_equal(totp_generate(NULL, 20, TOTP_SHA1, 6, 30, 59, out),
	    KAGI_ERR_INVALID);
	assert_int_equal(totp_generate(seed_sha1, 20, TOTP_SHA1, 6, 30, -1,
	    out), KAGI_ERR_INVALID);

	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 8, 30,
	    TOTP_WINDOW_MAX + 1, 59, "94287082", &step), KAGI_ERR_INVALID);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 8, 30, -1, 59,
	    "94287082", &step), KAGI_ERR_INVALID);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 8, 30, 1,
	    INT64_MAX, "94287082", &step), KAGI_ERR_INVALID);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 8, 30, 1, 59,
	    "94287082", NULL), KAGI_ERR_INVALID);
}

static void
check_norm(const char *in, int digits, int want, const char *want_out)
{
	char out[TOTP_CODE_MAX + 1];
	size_t i;

	memset(out, 'x', sizeof(out));
	assert_int_equal(totp_normalise_code(in, digits, out), want);
	if (want == 0) {
		assert_string_equal(out, want_out);
		return;
	}
	/* A refusal leaves nothing of the input behind. */
	for (i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
}

static void
test_normalise(void **state)
{
	char *longs;

	(void)state;
	check_norm("123456", 6, 0, "123456");
	check_norm("12345678", 8, 0, "12345678");
	/* Full-width digits from a Japanese input method. */
	check_norm("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
	    "\xef\xbc\x95\xef\xbc\x96", 6, 0, "123456");
	check_norm("\xef\xbc\x90\xef\xbc\x99\xef\xbc\x90\xef\xbc\x99"
	    "\xef\xbc\x90\xef\xbc\x99\xef\xbc\x90\xef\xbc\x99", 8, 0,
	    "09090909");
	/* Mixed. */
	check_norm("1\xef\xbc\x92" "3\xef\xbc\x94" "56", 6, 0, "123456");
	/* Wrong lengths. */
	check_norm("12345", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("1234567", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("123456", 8, KAGI_ERR_BAD_CODE, NULL);
	check_norm("", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm(NULL, 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
	    "\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97", 6, KAGI_ERR_BAD_CODE, NULL);
	/* Letters, spaces (leading, trailing, inner), signs. */
	check_norm("12345a", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("l23456", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm(" 123456", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("123456 ", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("123 456", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("123456\n", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("+123456", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("-12345", 6, KAGI_ERR_BAD_CODE, NULL);
	/* Ideographic space U+3000, full-width plus U+FF0B. */
	check_norm("\xe3\x80\x80" "123456", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("\xef\xbc\x8b" "12345", 6, KAGI_ERR_BAD_CODE, NULL);
	/* Just outside U+FF10..U+FF19: U+FF0F '/' and U+FF1A ':'. */
	check_norm("\xef\xbc\x8f" "12345", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("\xef\xbc\x9a" "12345", 6, KAGI_ERR_BAD_CODE, NULL);
	/* Other scripts' digits: Arabic-Indic U+0661, Devanagari U+0967. */
	check_norm("\xd9\xa1" "23456", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("\xe0\xa5\xa7" "23456", 6, KAGI_ERR_BAD_CODE, NULL);
	/* Invalid or truncated UTF-8. */
	check_norm("12345\xef\xbc", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("12345\xef", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("\xef\xbc" "123456", 6, KAGI_ERR_BAD_CODE, NULL);
	check_norm("12345\xbc\x91", 6, KAGI_ERR_BAD_CODE, NULL);
	/* Overlong encoding of '1' (C0 B1) is not a digit. */
	check_norm("\xc0\xb1" "23456", 6, KAGI_ERR_BAD_CODE, NULL);
	/* A long string of digits is refused, not truncated. */
	longs = malloc(100001);
	assert_non_null(longs);
	memset(longs, '7', 100000);
	longs[100000] = '\0';
	check_norm(longs, 6, KAGI_ERR_BAD_CODE, NULL);
	free(longs);
	/* digits outside 6..8 is the caller's mistake. */
	check_norm("12345", 5, KAGI_ERR_INVALID, NULL);
	check_norm("123456789", 9, KAGI_ERR_INVALID, NULL);
	assert_int_equal(totp_normalise_code("123456", 6, NULL),
	    KAGI_ERR_INVALID);
}

/* Normalised full-width input verifies like ASCII input. */
static void
test_normalise_then_verify(void **state)
{
	char out[TOTP_CODE_MAX + 1];
	int64_t step;

	(void)state;
	/* "94287082" in full-width digits. */
	assert_int_equal(totp_normalise_code("\xef\xbc\x99\xef\xbc\x94"
	    "\xef\xbc\x92\xef\xbc\x98\xef\xbc\x97\xef\xbc\x90\xef\xbc\x98"
	    "\xef\xbc\x92", 8, out), 0);
	assert_int_equal(totp_verify(seed_sha1, 20, TOTP_SHA1, 8, 30, 0, 59,
	    out, &step), 0);
	assert_int_equal(step, 1);
}

static void
test_new_secret(void **state)
{
	uint8_t a[TOTP_SECRET_LEN], b[TOTP_SECRET_LEN], zero[TOTP_SECRET_LEN];
	uint8_t big[TOTP_SECRET_MAX];

	(void)state;
	memset(zero, 0, sizeof(zero));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(totp_new_secret(a, sizeof(a)), 0);
	assert_int_equal(totp_new_secret(b, sizeof(b)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(totp_new_secret(big, sizeof(big)), 0);
	assert_int_equal(totp_new_secret(a, 0), KAGI_ERR_INVALID);
	assert_int_equal(totp_new_secret(big, TOTP_SECRET_MAX + 1),
	    KAGI_ERR_INVALID);
	assert_int_equal(totp_new_secret(NULL, 20), KAGI_ERR_INVALID);
}

static void
test_uri(void **state)
{
	static char junk;
	char *uri = NULL;

	(void)state;
	/* 20 bytes: base32 without padding. */
	assert_int_equal(totp_uri("kagi", "tanaka", seed_sha1, 20, TOTP_SHA1,
	    6, 30, &uri), 0);
	assert_string_equal(uri, "otpauth://totp/kagi:tanaka?"
	    "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=kagi"
	    "&algorithm=SHA1&digits=6&period=30");
	kagi_free_str(uri);

	/*
	 * 11 bytes: base32 "GEZDGNBVGY3TQOJQGE======", '=' stripped.
	 * Issuer and user percent-encoded as UTF-8, unreserved kept.
	 */
	assert_int_equal(totp_uri("Kagi City \xe5\xb8\x82\xe5\xbd\xb9\xe6\x89"
	    "\x80", "tanaka@example.jp", seed_sha1, 11, TOTP_SHA256, 8, 60,
	    &uri), 0);
	assert_string_equal(uri, "otpauth://totp/"
	    "Kagi%20City%20%E5%B8%82%E5%BD%B9%E6%89%80:tanaka%40example.jp"
	    "?secret=GEZDGNBVGY3TQOJQGE"
	    "&issuer=Kagi%20City%20%E5%B8%82%E5%BD%B9%E6%89%80"
	    "&algorithm=SHA256&digits=8&period=60");
	kagi_free_str(uri);

	/* Reserved characters never pass through raw. */
	assert_int_equal(totp_uri("a:b&c=d", "u?/#%+-._~", seed_sha1, 20,
	    TOTP_SHA512, 6, 30, &uri), 0);
	assert_string_equal(uri, "otpauth://totp/a%3Ab%26c%3Dd:"
	    "u%3F%2F%23%25%2B-._~?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	    "&issuer=a%3Ab%26c%3Dd&algorithm=SHA512&digits=6&period=30");
	kagi_free_str(uri);

	uri = &junk;
	assert_int_equal(totp_uri(NULL, "u", seed_sha1, 20, TOTP_SHA1, 6, 30,
	    &uri), KAGI_ERR_INVALID);
	assert_null(uri);
	assert_int_equal(totp_uri("i", "", seed_sha1, 20, TOTP_SHA1, 6, 30,
	    &uri), KAGI_ERR_INVALID);
	assert_int_equal(totp_uri("i", "u", seed_sha1, 0, TOTP_SHA1, 6, 30,
	    &uri), KAGI_ERR_INVALID);
	assert_int_equal(totp_uri("i", "u", seed_sha1, 20, 9, 6, 30, &uri),
	    KAGI_ERR_INVALID);
	assert_null(uri);
}

static void
test_alg_names(void **state)
{
	int alg = -1;

	(void)state;
	assert_string_equal(totp_alg_name(TOTP_SHA1), "sha1");
	assert_string_equal(totp_alg_name(TOTP_SHA256), "sha256");
	assert_string_equal(totp_alg_name(TOTP_SHA512), "sha512");
	assert_string_equal(totp_alg_name(42), "unknown");

	assert_int_equal(totp_alg_from_name("sha1", &alg), 0);
	assert_int_equal(alg, TOTP_SHA1);
	assert_int_equal(totp_alg_from_name("SHA256", &alg), 0);
	assert_int_equal(alg, TOTP_SHA256);
	assert_int_equal(totp_alg_from_name("Sha512", &alg), 0);
	assert_int_equal(alg, TOTP_SHA512);
	alg = -1;
	assert_int_equal(totp_alg_from_name("sha384", &alg), KAGI_ERR_INVALID);
	assert_int_equal(totp_alg_from_name("sha-1", &alg), KAGI_ERR_INVALID);
	assert_int_equal(totp_alg_from_name("sha1 ", &alg), KAGI_ERR_INVALID);
	assert_int_equal(totp_alg_from_name("", &alg), KAGI_ERR_INVALID);
	assert_int_equal(totp_alg_from_name("unknown", &alg),
	    KAGI_ERR_INVALID);
	assert_int_equal(totp_alg_from_name(NULL, &alg), KAGI_ERR_INVALID);
	assert_int_equal(alg, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_generate),
		cmocka_unit_test(test_rfc6238_verify),
		cmocka_unit_test(test_rfc6238_wrong_alg_or_code),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_window_near_epoch),
		cmocka_unit_test(test_verify_refuses_malformed),
		cmocka_unit_test(test_params_refused),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_normalise_then_verify),
		cmocka_unit_test(test_new_secret),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_alg_names),
	};

	return cmocka_run_group_tests_name("totp", tests, setup, NULL);
}
