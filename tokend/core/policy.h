/*
 * policy.h - the pure parts of kagi's policy: which factors a zone or a
 * role allows (R-MFA-1, R-MFA-4, R-PRIV-2), a vendor's maintenance
 * windows, expiry date and allowed source addresses (R-REM-1, R-REM-3).
 *
 * No clock, no store, no logging: the caller passes the time it read
 * through kagi_now().  Windows and dates are read in the process's local
 * time zone (kagid sets TZ from its timezone key at start).
 */
#ifndef KAGI_POLICY_H
#define KAGI_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* Factor bits. */
#define FACTOR_TOTP 0x1u
#define FACTOR_FIDO2 0x2u

/*
 * Parse a comma-separated list of factor names ("totp", "fido2") into a
 * non-empty set.  "none", an empty list, an unknown or repeated name are
 * KAGI_ERR_INVALID: no list can allow a log-in without a second factor.
 */
int policy_factors_parse(const char *s, unsigned *set);
/* "totp", "fido2" for one factor bit; "?" otherwise. */
const char *policy_factor_name(unsigned factor);

/* One maintenance window: days (bit 0 Sunday .. bit 6 Saturday) and a
 * span of minutes of the day, start inclusive, end exclusive. */
struct policy_window {
	unsigned days;
	int start_min;
	int end_min;
};
#define POLICY_WINDOWS_MAX 8

struct policy_windows {
	size_t n;
	struct policy_window w[POLICY_WINDOWS_MAX];
};

/*
 * Parse "DAYS HH:MM-HH:MM[; DAYS HH:MM-HH:MM...]" where DAYS is a day
 * (Mon, Tue, ... Sun), a range (Mon-Fri, also across Sunday: Sat-Mon) or
 * a comma-separated list of them, and the span ends after it starts
 * (24:00 is the end of the day).  At most POLICY_WINDOWS_MAX windows.
 */
int policy_windows_parse(const char *s, struct policy_windows *out);
/*
 * 1 when now (local time) lies inside a window, *ends (when not NULL)
 * receiving the time the current window closes; 0 outside.
 */
int policy_windows_open(const struct policy_windows *w, int64_t now,
    int64_t *ends);

/*
 * The most minutes the windows are open within any 24 hours in a row of
 * the week (so that two windows that touch, or meet across midnight,
 * count as one): 0 to 1440.
 */
int policy_windows_max_minutes(const struct policy_windows *w);

/* An allowed source: an IPv4 or IPv6 network. */
struct policy_cidr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;
};
#define POLICY_CIDRS_MAX 16

struct policy_cidrs {
	size_t n;
	struct policy_cidr c[POLICY_CIDRS_MAX];
};

/*
 * Parse "CIDR[,CIDR...]", each an address with an optional /prefix (a
 * bare address is one host); host bits must be zero.
 */
int policy_cidrs_parse(const char *s, struct policy_cidrs *out);
/*
 * 1 when addr (a numeric IPv4 or IPv6 address; an IPv4-mapped IPv6
 * address counts as IPv4) lies in one of the networks.  A host name,
 * an empty or absent address never matches: fail closed.
 */
int policy_cidrs_match(const struct policy_cidrs *c, const char *addr);

/* The shortest prefix among c's networks of family (AF_INET, AF_INET6),
 * -1 when it has none of that family. */
int policy_cidrs_widest(const struct policy_cidrs *c, int family);

/*
 * "YYYY-MM-DD": *end receives the first second after that day ends in
 * local time (an account that expires on a day may be used all of it).
 */
int policy_date_end(const char *s, int64_t *end);

#endif
