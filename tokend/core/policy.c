/*
 * policy.c - factor sets, maintenance windows, source networks and
 * expiry dates (R-MFA-1, R-MFA-4, R-PRIV-2, R-REM-1, R-REM-3).
 *
 * Guarantees:
 *  - Parsers are strict: every byte is accounted for, numbers are
 *    range-checked digit by digit, and anything unexpected is
 *    KAGI_ERR_INVALID with *out left zeroed.
 *  - No factor set is empty: there is no spelling of "no second factor".
 *  - Checks fail closed: a time that cannot be converted is outside every
 *    window, an address that is not numeric matches no network.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "kagi_err.h"
#include "policy.h"

static const struct {
	const char *name;
	unsigned bit;
} factors[] = {
	{ "totp", FACTOR_TOTP },
	{ "fido2", FACTOR_FIDO2 },
};

int
policy_factors_parse(const char *s, unsigned *set)
{
	unsigned acc = 0;
	size_t i, len;
	const char *p = s, *e;

	*set = 0;
	if (s == NULL || *s == '\0')
		return KAGI_ERR_INVALID;
	for (;;) {
		while (*p == ' ')
			p++;
		e = p + strcspn(p, ",");
		len = (size_t)(e - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		for (i = 0; i < sizeof(factors) / sizeof(factors[0]); i++)
			if (strlen(factors[i].name) == len &&
			    strncmp(factors[i].name, p, len) == 0)
				break;
		if (i == sizeof(factors) / sizeof(factors[0]) ||
		    (acc & factors[i].bit) != 0)
			return KAGI_ERR_INVALID;
		acc |= factors[i].bit;
		if (*e == '\0')
			break;
		p = e + 1;
	}
	*set = acc;
	return 0;
}

const char *
policy_factor_name(unsigned factor)
{
	size_t i;

	for (i = 0; i < sizeof(factors) / sizeof(factors[0]); i++)
		if (factors[i].bit == factor)
			return factors[i].name;
	return "?";
}

/* --- windows ---------------------------------------------------------- */

static const char *const day_names[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };

static int
parse_day(const char **pp)
{
	int i;

	for (i = 0; i < 7; i++)
		if (strncmp(*pp, day_names[i], 3) == 0) {
			*pp += 3;
			return i;
		}
	return -1;
}

/* "HH:MM", 00:00 to 24:00; minutes of the day or -1. */
static int
parse_hhmm(const char **pp)
{
	const char *p = *pp;
	int h, m;

	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' ||
	    p[2] != ':' || p[3] < '0' || p[3] > '9' || p[4] < '0' ||
	    p[4] > '9')
		return -1;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*pp = p + 5;
	return h * 60 + m;
}

static int
parse_window(const char **pp, struct policy_window *w)
{
	const char *p = *pp;
	int a, b, d;

	memset(w, 0, sizeof(*w));
	for (;;) {
		if ((a = parse_day(&p)) < 0)
			return KAGI_ERR_INVALID;
		b = a;
		if (*p == '-') {
			p++;
			if ((b = parse_day(&p)) < 0)
				return KAGI_ERR_INVALID;
		}
		for (d = a;; d = (d + 1) % 7) {
			w->days |= 1u << d;
			if (d == b)
				break;
		}
		if (*p != ',')
			break;
		p++;
	}
	if (*p != ' ')
		return KAGI_ERR_INVALID;
	while (*p == ' ')
		p++;
	if ((w->start_min = parse_hhmm(&p)) < 0 || *p++ != '-' ||
	    (w->end_min = parse_hhmm(&p)) < 0 || w->end_min <= w->start_min)
		return KAGI_ERR_INVALID;
	*pp = p;
	return 0;
}

int
policy_windows_parse(const char *s, struct policy_windows *out)
{
	struct policy_windows ws;
	const char *p = s;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&ws, 0, sizeof(ws));
	if (s == NULL)
		return KAGI_ERR_INVALID;
	for (;;) {
		while (*p == ' ')
			p++;
		if (ws.n == POLICY_WINDOWS_MAX)
			return KAGI_ERR_INVALID;
		if ((r = parse_window(&p, &ws.w[ws.n])) != 0)
			return r;
		ws.n++;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ';')
			return KAGI_ERR_INVALID;
	}
	*out = ws;
	return 0;
}

int
policy_windows_max_minutes(const struct policy_windows *w)
{
	enum { DAY = 24 * 60, WEEK = 7 * DAY };
	unsigned char open[WEEK];	/* one per minute of the week */
	int d, m, i, run = 0, best = 0;
	size_t k;

	memset(open, 0, sizeof(open));
	for (k = 0; w != NULL && k < w->n; k++)
		for (d = 0; d < 7; d++)
			if (w->w[k].days & (1u << d))
				for (m = w->w[k].start_min; m < w->w[k].end_min;
				    m++)
					open[d * DAY + m] = 1;
	/* A day's worth of minutes sliding round the week (Sat into Sun). */
	for (i = 0; i < DAY; i++)
		run += open[i];
	best = run;
	for (i = DAY; i < WEEK + DAY; i++) {
		run += open[i % WEEK] - open[(i - DAY) % WEEK];
		if (run > best)
			best = run;
	}
	return best;
}

int
policy_cidrs_widest(const struct policy_cidrs *c, int family)
{
	int widest = -1;
	size_t i;

	for (i = 0; c != NULL && i < c->n; i++)
		if (c->c[i].family == family &&
		    (widest < 0 || c->c[i].prefix < widest))
			widest = c->c[i].prefix;
	return widest;
}

int
policy_windows_open(const struct policy_windows *w, int64_t now,
    int64_t *ends)
{
	struct tm tm;
	time_t t = (time_t)now;
	int64_t sec;
	size_t i;

	if (w == NULL || localtime_r(&t, &tm) == NULL)
		return 0;
	sec = (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	for (i = 0; i < w->n; i++) {
		if ((w->w[i].days & (1u << tm.tm_wday)) == 0 ||
		    sec < (int64_t)w->w[i].start_min * 60 ||
		    sec >= (int64_t)w->w[i].end_min * 60)
			continue;
		if (ends != NULL)
			*ends = now + (int64_t)w->w[i].end_min * 60 - sec;
		return 1;
	}
	return 0;
}

/* --- networks ----------------------------------------------------------- */

static int
parse_prefix(const char *p, int max)
{
	int v = 0;

	if (*p == '\0' || strlen(p) > 3)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= max ? v : -1;
}

/* Do the first prefix bits of a and b agree? */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, int prefix)
{
	int full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

static int
parse_cidr(const char *s, size_t len, struct policy_cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	int max;

	memset(c, 0, sizeof(*c));
	if (len == 0 || len >= sizeof(buf))
		return KAGI_ERR_INVALID;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else
		return KAGI_ERR_INVALID;
	c->prefix = max;
	if (slash != NULL && (c->prefix = parse_prefix(slash + 1, max)) < 0)
		return KAGI_ERR_INVALID;
	/* Host bits must be zero: "10.0.0.1/8" is a typing mistake. */
	if (c->prefix < max) {
		unsigned char masked[16];
		int i;

		memcpy(masked, c->addr, sizeof(masked));
		for (i = c->prefix; i < max; i++)
			masked[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
		if (memcmp(masked, c->addr, (size_t)max / 8) != 0)
			return KAGI_ERR_INVALID;
	}
	return 0;
}

int
policy_cidrs_parse(const char *s, struct policy_cidrs *out)
{
	struct policy_cidrs cs;
	const char *p = s, *e;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&cs, 0, sizeof(cs));
	if (s == NULL || *s == '\0')
		return KAGI_ERR_INVALID;
	for (;;) {
		e = p + strcspn(p, ",");
		if (cs.n == POLICY_CIDRS_MAX)
			return KAGI_ERR_INVALID;
		if ((r = parse_cidr(p, (size_t)(e - p), &cs.c[cs.n])) != 0)
			return r;
		cs.n++;
		if (*e == '\0')
			break;
		p = e + 1;
	}
	*out = cs;
	return 0;
}

int
policy_cidrs_match(const struct policy_cidrs *c, const char *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	unsigned char a[16];
	int family;
	size_t i;

	if (c == NULL || addr == NULL || *addr == '\0')
		return 0;
	if (inet_pton(AF_INET, addr, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, addr, a) == 1) {
		family = AF_INET6;
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	} else
		return 0;
	for (i = 0; i < c->n; i++)
		if (c->c[i].family == family &&
		    prefix_equal(a, c->c[i].addr, c->c[i].prefix))
			return 1;
	return 0;
}

/* --- dates ---------------------------------------------------------------- */

static int
digits(const char *p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

int
policy_date_end(const char *s, int64_t *end)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	struct tm tm;
	time_t t;
	int y, m, d, leap;

	*end = 0;
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    digits(s, 4, &y) != 0 || digits(s + 5, 2, &m) != 0 ||
	    digits(s + 8, 2, &d) != 0)
		return KAGI_ERR_INVALID;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return KAGI_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;	/* midnight after the day; mktime carries */
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return KAGI_ERR_INVALID;
	*end = (int64_t)t;
	return 0;
}
