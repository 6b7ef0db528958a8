/*
 * ds_posix_open_regular: open a file the user named, refusing anything that
 * is not a regular file without blocking (see ds_posix.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ds_posix.h"

int ds_posix_open_regular(const char *path, int flags, unsigned mode)
{
    struct stat st;
    int fd, fl, saved;

    /* O_NONBLOCK: a FIFO opened for reading returns at once instead of
     * waiting for a writer; one opened for writing fails with ENXIO. */
    fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, (mode_t)mode);
    if (fd < 0) {
        saved = errno;
        /* Opening a directory for writing fails with EISDIR, a FIFO with
         * ENXIO: name those for what they are. */
        if ((saved == EISDIR || saved == ENXIO) && stat(path, &st) == 0 &&
            !S_ISREG(st.st_mode)) {
            return DS_POSIX_NOT_REGULAR;
        }
        errno = saved;
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        saved = errno;
        (void)close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        (void)close(fd);
        return DS_POSIX_NOT_REGULAR;
    }
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        saved = errno;
        (void)close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
