/*
 * failmalloc.c - a failing allocator for the fault-injection test
 * (tests/integration/allocfail.sh), preloaded (LD_PRELOAD) into pamdrv.
 *
 * It stands in front of malloc, calloc, realloc, reallocarray,
 * posix_memalign, aligned_alloc and memalign (glibc routes its own
 * allocations, strdup's and vasprintf's included, through these), counts
 * the calls made while armed, and from the KAGI_FAILMALLOC_N-th one on
 * answers NULL with ENOMEM: the heap is exhausted from that call on, for
 * the module, json-c, libpam, libfido2 and glibc alike.  It is armed
 * only by whoever calls kagi_failmalloc_arm() (tests/pam_failarm.c,
 * around pam_kagi), so the program's own start and end are not walked;
 * kagi_failmalloc_hold() keeps a software key's own work (tests/softkey,
 * which a real key does on itself) out of it.
 *
 * On the first failure it writes one line to KAGI_FAILMALLOC_LOG:
 *   "fail N PHASE OBJECT FUNCTION"
 * N the call's number, PHASE what kagi_failmalloc_arm() was given, and
 * OBJECT the file name of the shared object that called the allocator
 * (dladdr of the return address; "?" when unknown), so the test can tell
 * an allocation of pam_kagi's from a library's; FUNCTION the nearest
 * exported symbol before the return address ("?" when none), a hint.
 * Nothing here allocates once the real allocator is known: the line is
 * written with write(2).
 * A test tool: never installed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* What pamdrv -F looks up; memalign, which no header declares now. */
EXPORT void kagi_failmalloc_arm(int phase);
EXPORT void kagi_failmalloc_hold(int on);
EXPORT long kagi_failmalloc_calls(void);
EXPORT void *memalign(size_t align, size_t n);

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void *(*real_reallocarray)(void *, size_t, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

static long fail_at;		/* 0: never */
static long calls;
static int armed;
static int held;		/* a software key at work: not the host's */
static int logged;
static char log_path[512];

/* dlsym() may allocate before the real calloc is known: from here. */
static unsigned char boot[16384] __attribute__((aligned(16)));
static size_t boot_used;

static int
in_boot(const void *p)
{
	return (const unsigned char *)p >= boot &&
	    (const unsigned char *)p < boot + sizeof(boot);
}

static void *
boot_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > sizeof(boot) - boot_used)
		return NULL;
	p = boot + boot_used;
	boot_used += n;
	return p;
}

__attribute__((constructor)) static void
failmalloc_init(void)
{
	const char *n = getenv("KAGI_FAILMALLOC_N");
	const char *l = getenv("KAGI_FAILMALLOC_LOG");

	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_reallocarray = (void *(*)(void *, size_t, size_t))dlsym(RTLD_NEXT,
	    "reallocarray");
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT,
	    "posix_memalign");
	real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT,
	    "aligned_alloc");
	real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT,
	    "memalign");
	fail_at = n != NULL ? strtol(n, NULL, 10) : 0;
	if (l != NULL && strlen(l) < sizeof(log_path))
		memcpy(log_path, l, strlen(l) + 1);
}

static void
note(const void *caller)
{
	char line[700];
	Dl_info di;
	const char *obj = "?", *fn = "?", *slash;
	int fd, n;

	if (logged || log_path[0] == '\0')
		return;
	logged = 1;
	if (dladdr(caller, &di) != 0 && di.dli_fname != NULL) {
		obj = di.dli_fname;
		if ((slash = strrchr(obj, '/')) != NULL)
			obj = slash + 1;
		if (di.dli_sname != NULL)
			fn = di.dli_sname;
	}
	n = snprintf(line, sizeof(line), "fail %ld %d %s %s\n", calls, armed,
	    obj, fn);
	if ((fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) < 0)
		return;
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}

/* Whether this call fails; counted while armed. */
static int
failing(const void *caller)
{
	if (!armed || held > 0)
		return 0;
	calls++;
	if (fail_at <= 0 || calls < fail_at)
		return 0;
	note(caller);
	errno = ENOMEM;
	return 1;
}

EXPORT void
kagi_failmalloc_arm(int phase)
{
	armed = phase;
}

EXPORT void
kagi_failmalloc_hold(int on)
{
	held += on ? 1 : -1;
}

EXPORT long
kagi_failmalloc_calls(void)
{
	return calls;
}

EXPORT void *
malloc(size_t n)
{
	if (real_malloc == NULL)
		return boot_alloc(n);
	if (failing(__builtin_return_address(0)))
		return NULL;
	return real_malloc(n);
}

EXPORT void *
calloc(size_t a, size_t b)
{
	void *p;

	if (real_calloc == NULL) {
		if (b != 0 && a > sizeof(boot) / b)
			return NULL;
		if ((p = boot_alloc(a * b)) != NULL)
			memset(p, 0, a * b);
		return p;
	}
	if (failing(__builtin_return_address(0)))
		return NULL;
	return real_calloc(a, b);
}

EXPORT void *
realloc(void *p, size_t n)
{
	void *q;

	if (in_boot(p) || real_realloc == NULL) {
		if ((q = malloc(n)) != NULL && p != NULL) {
			size_t left = (size_t)(boot + sizeof(boot) -
			    (unsigned char *)p);

			memcpy(q, p, n < left ? n : left);
		}
		return q;
	}
	if (failing(__builtin_return_address(0)))
		return NULL;
	return real_realloc(p, n);
}

EXPORT void *
reallocarray(void *p, size_t a, size_t b)
{
	if (real_reallocarray == NULL || in_boot(p))
		return b != 0 && a > (size_t)-1 / b ? NULL : realloc(p, a * b);
	if (failing(__builtin_return_address(0)))
		return NULL;
	return real_reallocarray(p, a, b);
}

EXPORT void
free(void *p)
{
	if (p == NULL || in_boot(p))
		return;
	if (real_free != NULL)
		real_free(p);
}

EXPORT int
posix_memalign(void **out, size_t align, size_t n)
{
	if (failing(__builtin_return_address(0)))
		return ENOMEM;
	return real_posix_memalign(out, align, n);
}

EXPORT void *
aligned_alloc(size_t align, size_t n)
{
	if (failing(__builtin_return_address(0)))
		return NULL;
	return real_aligned_alloc(align, n);
}

EXPORT void *
memalign(size_t align, size_t n)
{
	if (failing(__builtin_return_address(0)))
		return NULL;
	return real_memalign(align, n);
}
