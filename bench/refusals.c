/*
 * refusals.c - how long a refused log-in takes, by kind of refusal
 * (bench only; issue 13, item 6).
 *
 *   refusals -c CONFDIR -s SERVICE -n N [-r RHOST] [-a ANSWER]
 *            LABEL=FORMAT ...
 *
 * Each LABEL=FORMAT is a kind of refusal: FORMAT is a user name with one
 * %d, the attempt's number (0..N-1), so that every attempt names another
 * user ("unknown=nosuch%04d", "enrolled=u%07d").  Attempt i of every kind
 * runs in turn, the kinds' order turning with i, so that the kinds share
 * the same moments of a noisy machine.  One attempt is pam_start_confdir()
 * + pam_authenticate() + pam_end() on CONFDIR/SERVICE in this process,
 * every prompt answered with ANSWER (default "000000", a wrong code), with
 * PAM_RHOST set to RHOST when -r is given.
 *
 * Prints per kind the median, 10th and 90th percentile in microseconds
 * and the PAM codes seen, then the spread of the medians: the largest
 * less the smallest, over the smallest, in per cent.  On a shared,
 * noisy machine the medians move with the load; so each kind's attempt i
 * is also set against the last kind's attempt i, made just before or
 * after it, and the median of those ratios printed ("paired"), which
 * the load moves far less.  Nothing is asserted: this is a measurement
 * (bench/run.sh, bench/README.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"

#define MAX_KINDS 8
#define MAX_N 100000

struct kind {
	const char *label;
	const char *format;
	int64_t *lat;
	double paired;		/* median ratio to the last kind, pairwise */
	long nok, nauth, nother;
	int last_other;
};

static const char *answer = "000000";

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct pam_response *r;
	int i;

	(void)arg;
	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if ((r[i].resp = strdup(answer)) == NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const int64_t *sorted, long n, double p)
{
	long i = (long)(p * (double)(n - 1) + 0.5);

	return (double)sorted[i] / 1000.0;
}

static int
one(const char *confdir, const char *service, const char *user,
    const char *rhost, int64_t *ns)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *ph = NULL;
	int64_t t0 = bench_mono_ns();
	int r;

	if ((r = pam_start_confdir(service, user, &pc, confdir, &ph)) !=
	    PAM_SUCCESS)
		return -1;
	if (rhost != NULL)
		(void)pam_set_item(ph, PAM_RHOST, rhost);
	r = pam_authenticate(ph, 0);
	pam_end(ph, r);
	*ns = bench_mono_ns() - t0;
	return r;
}

/* One conversion, %d with an optional zero-padded width. */
static int
format_ok(const char *f)
{
	const char *p = strchr(f, '%');

	if (p == NULL || strchr(p + 1, '%') != NULL)
		return 0;
	p++;
	if (*p == '0')
		p++;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == 'd';
}

static void
usage(void)
{
	fprintf(stderr, "usage: refusals -c CONFDIR -s SERVICE -n N "
	    "[-r RHOST] [-a ANSWER] LABEL=FORMAT ...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct kind k[MAX_KINDS];
	const char *confdir = NULL, *service = NULL, *rhost = NULL;
	char name[256];
	double med, lo = 0, hi = 0, *ratio;
	long n = 0, i;
	int nk = 0, j, opt, r;

	while ((opt = getopt(argc, argv, "a:c:n:r:s:")) != -1) {
		switch (opt) {
		case 'a': answer = optarg; break;
		case 'c': confdir = optarg; break;
		case 'n': n = bench_num(optarg, 1, MAX_N); break;
		case 'r': rhost = optarg; break;
		case 's': service = optarg; break;
		default: usage();
		}
	}
	if (confdir == NULL || service == NULL || n == 0 || optind >= argc ||
	    argc - optind > MAX_KINDS)
		usage();
	memset(k, 0, sizeof(k));
	for (; optind < argc; optind++, nk++) {
		char *eq = strchr(argv[optind], '=');

		if (eq == NULL || !format_ok(eq + 1))
			usage();
		*eq = '\0';
		k[nk].label = argv[optind];
		k[nk].format = eq + 1;
		if ((k[nk].lat = calloc((size_t)n, sizeof(int64_t))) == NULL)
			return 1;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < nk; j++) {
			struct kind *x = &k[(j + i) % nk];

			snprintf(name, sizeof(name), x->format, (int)i);
			r = one(confdir, service, name, rhost, &x->lat[i]);
			if (r < 0) {
				fprintf(stderr, "refusals: pam_start_confdir "
				    "failed\n");
				return 1;
			}
			if (r == PAM_SUCCESS)
				x->nok++;
			else if (r == PAM_AUTH_ERR)
				x->nauth++;
			else {
				x->nother++;
				x->last_other = r;
			}
		}
	}
	/* Paired: attempt i of each kind against the last kind's i. */
	if ((ratio = calloc((size_t)n, sizeof(double))) == NULL)
		return 1;
	for (j = 0; j < nk; j++) {
		for (i = 0; i < n; i++)
			ratio[i] = (double)k[j].lat[i] /
			    (double)(k[nk - 1].lat[i] > 0 ? k[nk - 1].lat[i] : 1);
		qsort(ratio, (size_t)n, sizeof(double), cmpd);
		k[j].paired = (ratio[(n - 1) / 2] + ratio[n / 2]) / 2.0;
	}
	free(ratio);
	printf("%-12s %6s %10s %10s %10s %8s  %s\n", "kind", "tries",
	    "median_us", "p10_us", "p90_us", "paired", "codes");
	for (j = 0; j < nk; j++) {
		qsort(k[j].lat, (size_t)n, sizeof(int64_t), cmp64);
		med = pct(k[j].lat, n, 0.5);
		if (j == 0 || med < lo)
			lo = med;
		if (j == 0 || med > hi)
			hi = med;
		printf("%-12s %6ld %10.1f %10.1f %10.1f %+7.1f%%  auth_err=%ld "
		    "success=%ld other=%ld", k[j].label, n, med,
		    pct(k[j].lat, n, 0.1), pct(k[j].lat, n, 0.9),
		    (k[j].paired - 1.0) * 100.0, k[j].nauth, k[j].nok,
		    k[j].nother);
		if (k[j].nother > 0)
			printf(" (last %d)", k[j].last_other);
		printf("\n");
	}
	printf("spread of the medians: %.1f %%; paired against %s: the "
	    "median of attempt-by-attempt ratios\n", lo > 0 ?
	    (hi - lo) * 100.0 / lo : 0.0, k[nk - 1].label);
	for (j = 0; j < nk; j++)
		free(k[j].lat);
	return 0;
}
