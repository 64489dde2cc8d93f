/*
 * fakeclock.c - a wall clock the benchmark moves, for every process alike.
 *
 * Bench and tests only (also built as tests/libfakeclock for pgexact.sh,
 * whose tests/pgrace moves it): never built into or loaded by the
 * product.  Loaded with LD_PRELOAD into the benchmark driver (which
 * hosts pam_oath, pam_google_authenticator or pam_kagi) and into kagid,
 * it replaces time(), gettimeofday() and clock_gettime(CLOCK_REALTIME
 * and CLOCK_REALTIME_COARSE) by
 *
 *     seconds = base + offset
 *
 * where base and offset are read from a small shared file named by the
 * environment variable KAGI_BENCH_CLOCK (layout: struct bench_clock in
 * benchclock.h).  The driver advances offset; every process that maps the
 * file sees the new time at once.  The seconds never move by themselves,
 * so a TOTP step changes only when the driver says so: every log-in can be
 * given a fresh step, and racing clients all see the same one.  The
 * sub-second part is the real one.
 *
 * Monotonic and CPU clocks are passed through untouched (time-outs and
 * latency measurements stay real).  Without KAGI_BENCH_CLOCK, or when the
 * file cannot be mapped, every call is passed through unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "benchclock.h"

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static const struct bench_clock *fc_map;
static clock_gettime_fn fc_real;

__attribute__((constructor)) static void
fc_init(void)
{
	const char *path = getenv(BENCH_CLOCK_ENV);
	struct stat st;
	void *p;
	int fd;

	fc_real = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
	if (path == NULL || *path == '\0')
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return;
	if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(*fc_map)) {
		p = mmap(NULL, sizeof(*fc_map), PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED &&
		    ((const struct bench_clock *)p)->magic == BENCH_CLOCK_MAGIC)
			fc_map = p;
	}
	close(fd);
}

static int
fc_realtime(clockid_t id, struct timespec *ts)
{
	int r;

	if (fc_real == NULL)
		fc_init();
	if (fc_real == NULL)
		return -1;
	r = fc_real(id, ts);
	if (r == 0 && fc_map != NULL)
		ts->tv_sec = (time_t)bench_clock_now(fc_map);
	return r;
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	if (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)
		return fc_realtime(id, ts);
	if (fc_real == NULL)
		fc_init();
	return fc_real != NULL ? fc_real(id, ts) : -1;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	struct timeval *volatile out = tv;	/* glibc says nonnull; be kind */

	(void)tz;
	if (out == NULL)
		return 0;
	if (fc_realtime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	out->tv_sec = ts.tv_sec;
	out->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t
time(time_t *t)
{
	struct timespec ts;
	time_t v;

	v = fc_realtime(CLOCK_REALTIME, &ts) == 0 ? ts.tv_sec : (time_t)-1;
	if (t != NULL)
		*t = v;
	return v;
}
