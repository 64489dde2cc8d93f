/*
 * benchutil.h - what every benchmark program needs (bench only): bounded
 * numbers from the command line, the monotonic and CPU clocks, the
 * shared clock file mapped (benchclock.h), and percentiles of latencies.  Messages name the program
 * (program_invocation_short_name: the includer defines _GNU_SOURCE); a bad
 * number exits 2, as a usage error.
 */
#ifndef KAGI_BENCHUTIL_H
#define KAGI_BENCHUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "benchclock.h"

/* s as a number in lo..hi, or exit 2 naming it. */
static inline long
bench_num(const char *s, long lo, long hi)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "%s: bad number '%s' (%ld..%ld)\n",
		    program_invocation_short_name, s, lo, hi);
		exit(2);
	}
	return v;
}

static inline int64_t
bench_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* User + system CPU time of this process so far. */
static inline int64_t
bench_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000 + ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) *
	    1000;
}

/* The clock file at path, mapped shared; NULL (said why) if it is not one. */
static inline struct bench_clock *
bench_clock_map(const char *path)
{
	void *p;
	int fd;

	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name,
		    path, strerror(errno));
		return NULL;
	}
	p = mmap(NULL, sizeof(struct bench_clock), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED ||
	    ((struct bench_clock *)p)->magic != BENCH_CLOCK_MAGIC) {
		fprintf(stderr, "%s: %s is not a clock file\n",
		    program_invocation_short_name, path);
		return NULL;
	}
	return p;
}

/* qsort()'s comparison of two uint64_t. */
static inline int
bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile p of sorted nanoseconds v[0..n), in µs. */
static inline double
bench_pct(const uint64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1000.0;
}

#endif
