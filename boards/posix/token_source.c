/*
 * Token loading. read(2) straight into the caller's buffer: stdio would
 * leave a copy of the token in a heap buffer nobody wipes.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deploystop.h"
#include "ds_posix.h"
#include "token_source.h"

static int finish(char *buf, size_t n, size_t *len, const char *what, char *err,
                  size_t err_cap)
{
    if (n > 0 && buf[n - 1] == '\n') {
        n--;
        if (n > 0 && buf[n - 1] == '\r') {
            n--;
        }
    }
    if (n == 0) {
        (void)snprintf(err, err_cap, "the token from %s is empty", what);
        return -1;
    }
    if (n > DS_TOKEN_MAX) {
        (void)snprintf(err, err_cap,
                       "the token from %s is longer than %u characters", what,
                       (unsigned)DS_TOKEN_MAX);
        return -1;
    }
    if (!ds_valid_token(buf, n)) {
        (void)snprintf(err, err_cap,
                       "the token from %s holds characters a token cannot have "
                       "(only one line of visible ASCII)",
                       what);
        return -1;
    }
    *len = n;
    return 0;
}

static int load_file(const char *file, char *buf, size_t cap, size_t *len,
                     char *err, size_t err_cap)
{
    struct stat st;
    size_t n = 0;
    int fd = ds_posix_open_regular(file, O_RDONLY, 0);

    if (fd == DS_POSIX_NOT_REGULAR) {
        (void)snprintf(err, err_cap, "token file %.200s is not a regular file",
                       file);
        return -1;
    }
    if (fd < 0) {
        (void)snprintf(err, err_cap, "cannot open token file %.200s: %s", file,
                       strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
        (void)fprintf(stderr,
                      "deploystop: warning: token file %s is readable by %s "
                      "(chmod 600 it)\n",
                      file,
                      (st.st_mode & S_IROTH) != 0 ? "others" : "its group");
    }
    while (n < cap) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            (void)snprintf(err, err_cap, "cannot read token file %.200s: %s",
                           file, strerror(errno));
            (void)close(fd);
            ds_wipe(buf, n);
            return -1;
        }
        if (got == 0) {
            break;
        }
        n += (size_t)got;
    }
    (void)close(fd);
    if (finish(buf, n, len, "the token file", err, err_cap) != 0) {
        ds_wipe(buf, cap);
        return -1;
    }
    return 0;
}

static int load_env(char *buf, size_t cap, size_t *len, char *err,
                    size_t err_cap)
{
    char *value = getenv("DEPLOYSTOP_TOKEN");
    size_t n;
    int rc;

    if (value == NULL) {
        (void)snprintf(
            err, err_cap,
            "no token: give --token-file FILE or set DEPLOYSTOP_TOKEN");
        return -1;
    }
    n = strlen(value);
    if (n >= cap) {
        n = cap; /* finish() reports it as too long */
    }
    memcpy(buf, value, n);
    /* The environment block is ours to overwrite; child processes and
     * /proc/PID/environ readers then see no token. */
    ds_wipe(value, strlen(value));
    (void)unsetenv("DEPLOYSTOP_TOKEN");
    rc = finish(buf, n, len, "DEPLOYSTOP_TOKEN", err, err_cap);
    if (rc != 0) {
        ds_wipe(buf, cap);
    }
    return rc;
}

int token_load(const char *file, char *buf, size_t cap, size_t *len, char *err,
               size_t err_cap)
{
    *len = 0;
    return file != NULL ? load_file(file, buf, cap, len, err, err_cap)
                        : load_env(buf, cap, len, err, err_cap);
}
