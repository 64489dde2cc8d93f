/*
 * pidfile.h - kagid's pid file (kagid -p FILE), for init systems other
 * than systemd.
 */
#ifndef KAGI_PIDFILE_H
#define KAGI_PIDFILE_H

#include <stddef.h>

/*
 * Create path (an absolute path) for writing: a new regular file of mode
 * 0644, never through a symbolic link (O_EXCL | O_NOFOLLOW).  A file left
 * by a kagid that died is replaced; one naming a live process, or
 * anything but a regular file, is refused.  *fdp gets the open file.
 */
int pidfile_open(const char *path, int *fdp, char *err, size_t errlen);
/* Write the calling process's id and a newline, and sync. */
int pidfile_write(int fd, char *err, size_t errlen);
/*
 * At exit: remove path if it still is the file behind fd, then close fd.
 * Returns 0, or -1 when the file could not be removed (errno set).
 */
int pidfile_remove(const char *path, int fd);

#endif
