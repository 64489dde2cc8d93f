/*
 * enospc.c - a full disk, on demand, for the tests (LD_PRELOAD).
 *
 * While the file named by $KAGI_TEST_ENOSPC exists, every write, pwrite,
 * pwrite64, fsync and fdatasync on a regular file other than standard
 * input, output and error fails with ENOSPC, as on a full file system;
 * sockets and pipes are untouched.  Remove the file and the disk has
 * room again.  Only the tests load this; kagid has no such hook.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int
disk_full(int fd)
{
	const char *flag = getenv("KAGI_TEST_ENOSPC");
	struct stat st;

	if (fd <= 2 || flag == NULL || flag[0] == '\0')
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return access(flag, F_OK) == 0;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off64_t);
typedef int (*fsync_fn)(int);

#define REAL(name, type) \
	static type real_##name; \
	if (real_##name == NULL) \
		*(void **)&real_##name = dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(write, write_fn);
	if (disk_full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real_write(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite, pwrite_fn);
	if (disk_full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real_pwrite(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	REAL(pwrite64, pwrite64_fn);
	if (disk_full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real_pwrite64(fd, buf, n, off);
}

int
fsync(int fd)
{
	REAL(fsync, fsync_fn);
	if (disk_full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync, fsync_fn);
	if (disk_full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real_fdatasync(fd);
}
