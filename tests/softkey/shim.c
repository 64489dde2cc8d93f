/*
 * shim.c - LD_PRELOAD library that plugs the software FIDO2 key into any
 * unmodified program using libfido2 (kagictl, pam_kagi inside a PAM
 * application, fido2-token).
 *
 * It interposes two libfido2 functions and exports nothing else:
 *  - fido_dev_info_manifest(): the real list, then "soft:0" (manufacturer
 *    "kagi", product "softkey") when KAGI_SOFTKEY_STATE is set and
 *    KAGI_SOFTKEY_ABSENT is not;
 *  - fido_dev_open(): for a path starting with "soft:", sets the softkey's
 *    I/O functions on the device first, then calls the real one.
 * The code under test therefore carries no hook of its own: without the
 * shim, "soft:0" is never listed and cannot be opened.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>

#include "softkey.h"

#define EXPORT __attribute__((visibility("default")))

typedef int manifest_fn(fido_dev_info_t *, size_t, size_t *);
typedef int open_fn(fido_dev_t *, const char *);

/*
 * A real key computes on itself, not in the host: under the failing
 * allocator of the fault-injection test (tests/failmalloc.c), the
 * software key's own work is held out of the walk.  Without it, nothing.
 */
static void
hold(int on)
{
	static void (*h)(int);
	static int looked;

	if (!looked) {
		*(void **)&h = dlsym(RTLD_DEFAULT, "kagi_failmalloc_hold");
		looked = 1;
	}
	if (h != NULL)
		h(on);
}

static void *
held_open(const char *path)
{
	void *p;

	hold(1);
	p = softkey_io_open(path);
	hold(0);
	return p;
}

static void
held_close(void *handle)
{
	hold(1);
	softkey_io_close(handle);
	hold(0);
}

static int
held_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	int r;

	hold(1);
	r = softkey_io_read(handle, buf, len, ms);
	hold(0);
	return r;
}

static int
held_write(void *handle, const unsigned char *buf, size_t len)
{
	int r;

	hold(1);
	r = softkey_io_write(handle, buf, len);
	hold(0);
	return r;
}

static const fido_dev_io_t softkey_io = {
	held_open,
	held_close,
	held_read,
	held_write,
};

static void *
real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static int
present(void)
{
	const char *s = getenv("KAGI_SOFTKEY_STATE");
	const char *a = getenv("KAGI_SOFTKEY_ABSENT");

	return s != NULL && *s != '\0' && (a == NULL || *a == '\0' ||
	    strcmp(a, "0") == 0);
}

EXPORT int
fido_dev_info_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	manifest_fn	*f;
	int		 r;

	*olen = 0;
	if ((f = (manifest_fn *)real("fido_dev_info_manifest")) == NULL)
		return FIDO_ERR_INTERNAL;
	if ((r = f(devlist, ilen, olen)) != FIDO_OK)
		return r;
	if (present() && *olen < ilen &&
	    fido_dev_info_set(devlist, *olen, "soft:0", "kagi", "softkey",
	    &softkey_io, NULL) == FIDO_OK)
		(*olen)++;
	return FIDO_OK;
}

EXPORT int
fido_dev_open(fido_dev_t *dev, const char *path)
{
	open_fn	*f;
	int	 r;

	if ((f = (open_fn *)real("fido_dev_open")) == NULL)
		return FIDO_ERR_INTERNAL;
	if (path != NULL && strncmp(path, "soft:", 5) == 0) {
		if (!present())
			return FIDO_ERR_INVALID_ARGUMENT;
		if ((r = fido_dev_set_io_functions(dev, &softkey_io)) !=
		    FIDO_OK)
			return r;
	}
	return f(dev, path);
}
