/*
 * totpgen.c - test helper: print the TOTP code (or time step) that kagid
 * would accept, so integration tests can log in with a known secret.
 *
 *   totpgen [-s] [-a sha1|sha256|sha512] [-d 6|7|8] [-p PERIOD]
 *           [-o OFFSET_STEPS] [-t UNIXTIME] BASE32SECRET
 *
 * The time is kagi_now() (so faketime moves it) or -t; -o shifts it by
 * whole steps, negative for the past.  -s prints the step number instead
 * of the code.  The secret is base32, upper or lower case, padding and
 * spaces optional.  Output is one line.  Exit 0 on success, 2 on a usage
 * error (bad option, number or secret), 1 when the code cannot be made.
 * Codes come from tokend/totp.c, the same code path kagid verifies with.
 */
#include "config.h"

#include <errno.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "clock.h"
#include "kagi_err.h"
#include "totp.h"
#include "wipe.h"

#define B32_MAX 256	/* characters of base32 accepted */

static void
usage(void)
{
	fprintf(stderr, "usage: totpgen [-s] [-a sha1|sha256|sha512] "
	    "[-d 6|7|8] [-p period] [-o offset_steps] [-t unixtime] "
	    "base32secret\n");
	exit(2);
}

/* A whole decimal number in [min, max], nothing else. */
static int
parse_num(const char *s, long long min, long long max, long long *v)
{
	char *end = NULL;
	long long n;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

/*
 * Upper-case, drop spaces and '=', then pad to a multiple of 8 so that
 * oath_base32_decode() accepts what users and tests write.
 */
static int
decode_secret(const char *in, uint8_t *secret, size_t *len)
{
	char norm[B32_MAX + 8 + 1];
	char *raw = NULL;
	size_t n = 0, rawlen = 0;
	int r = -1;

	for (; *in != '\0'; in++) {
		if (*in == ' ' || *in == '=')
			continue;
		if (n == B32_MAX)
			goto out;
		norm[n++] = (char)toupper((unsigned char)*in);
	}
	if (n == 0)
		goto out;
	while (n % 8 != 0)
		norm[n++] = '=';
	norm[n] = '\0';
	if (oath_base32_decode(norm, n, &raw, &rawlen) != OATH_OK ||
	    raw == NULL || rawlen == 0 || rawlen > TOTP_SECRET_MAX)
		goto out;
	memcpy(secret, raw, rawlen);
	*len = rawlen;
	r = 0;
out:
	kagi_wipe(norm, sizeof(norm));
	kagi_free_secret(raw, rawlen);
	return r;
}

int
main(int argc, char **argv)
{
	uint8_t secret[TOTP_SECRET_MAX];
	char code[TOTP_CODE_MAX + 1];
	size_t len = 0;
	long long digits = 6, period = 30, offset = 0, t = -1, v;
	int64_t step;
	int alg = TOTP_SHA1, want_step = 0, ch, r, ret = 1;

	while ((ch = getopt(argc, argv, "a:d:o:p:st:")) != -1) {
		switch (ch) {
		case 'a':
			if (totp_alg_from_name(optarg, &alg) != 0)
				usage();
			break;
		case 'd':
			if (parse_num(optarg, 6, TOTP_CODE_MAX, &digits) != 0)
				usage();
			break;
		case 'o':
			if (parse_num(optarg, -1000000, 1000000, &offset) != 0)
				usage();
			break;
		case 'p':
			if (parse_num(optarg, 1, 3600, &period) != 0)
				usage();
			break;
		case 's':
			want_step = 1;
			break;
		case 't':
			if (parse_num(optarg, 0, INT64_MAX / 2, &v) != 0)
				usage();
			t = v;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if (totp_global_init() != 0) {
		fprintf(stderr, "totpgen: liboath initialisation failed\n");
		return 1;
	}
	if (decode_secret(argv[optind], secret, &len) != 0) {
		fprintf(stderr, "totpgen: secret is not base32 of 1 to %d "
		    "bytes\n", TOTP_SECRET_MAX);
		return 2;
	}

	if (t < 0)
		t = kagi_now();
	step = t / period + offset;
	if (step < 0) {
		fprintf(stderr, "totpgen: step before the epoch\n");
		goto out;
	}
	if (want_step) {
		printf("%lld\n", (long long)step);
		ret = 0;
		goto out;
	}
	if ((r = totp_generate(secret, len, alg, (int)digits, (int)period,
	    step * period, code)) != 0) {
		fprintf(stderr, "totpgen: %s\n", kagi_strerror(r));
		goto out;
	}
	printf("%s\n", code);
	ret = 0;
out:
	kagi_wipe(secret, sizeof(secret));
	kagi_wipe(code, sizeof(code));
	if (fflush(stdout) == EOF)
		ret = 1;
	return ret;
}
