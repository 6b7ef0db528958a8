/*
 * Name resolution and a TCP connect bounded by the caller's deadline.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/error.h>

#include "posix_net_internal.h"

uint32_t ds_posix_mono_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u +
                      (uint64_t)ts.tv_nsec / 1000000u);
}

void ds_posix_deadline_start(ds_posix_deadline_t *dl, uint32_t span_ms)
{
    dl->start_ms = ds_posix_mono_ms();
    dl->span_ms = span_ms;
}

uint32_t ds_posix_deadline_left(const ds_posix_deadline_t *dl)
{
    uint32_t used = ds_posix_mono_ms() - dl->start_ms;
    return used >= dl->span_ms ? 0u : dl->span_ms - used;
}

int ds_posix_wait_fd(int fd, short events, const ds_posix_deadline_t *dl)
{
    for (;;) {
        struct pollfd p;
        uint32_t left = ds_posix_deadline_left(dl);
        int rc;
        if (left == 0) {
            return 0;
        }
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        rc = poll(&p, 1, left > 0x7fffffffu ? 0x7fffffff : (int)left);
        if (rc > 0) {
            /* Errors and hang-ups count as ready: the next read or write
             * reports them precisely. */
            return 1;
        }
        if (rc == 0) {
            continue; /* re-check the clock; poll may wake a little early */
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

void ds_posix_set_error(ds_posix_net_t *net, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(net->error, sizeof net->error, fmt, ap);
    va_end(ap);
}

void ds_posix_append_mbedtls(ds_posix_net_t *net, int code)
{
    char text[160];
    size_t used = strlen(net->error);
    mbedtls_strerror(code, text, sizeof text);
    (void)snprintf(net->error + used, sizeof net->error - used,
                   " (%s, -0x%04X)", text, (unsigned)(code < 0 ? -code : code));
}

static void address_text(const struct addrinfo *ai, char *out, size_t cap)
{
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, out, (socklen_t)cap, NULL, 0,
                    NI_NUMERICHOST) != 0) {
        (void)snprintf(out, cap, "?");
    }
}

/* One address: returns DS_TR_OK with *fd_out set, or an error code. */
static int connect_one(ds_posix_net_t *net, const struct addrinfo *ai,
                       uint16_t port, const ds_posix_deadline_t *slice,
                       int *fd_out)
{
    char addr[64];
    int fd, one = 1, err = 0, flags;
    socklen_t err_len = sizeof err;

    address_text(ai, addr, sizeof addr);
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        ds_posix_set_error(net, "socket for %s: %s", addr, strerror(errno));
        return DS_TR_ERR_CONNECT;
    }
    flags = fcntl(fd, F_GETFD);
    (void)fcntl(fd, F_SETFD, flags < 0 ? FD_CLOEXEC : flags | FD_CLOEXEC);
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        ds_posix_set_error(net, "non-blocking socket: %s", strerror(errno));
        (void)close(fd);
        return DS_TR_ERR_CONNECT;
    }
    /* The request goes out in a few small writes (head, token pieces, body):
     * without TCP_NODELAY Nagle would hold the last one for an ACK. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif

    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            ds_posix_set_error(net, "connect to %s port %u: %s", addr,
                               (unsigned)port, strerror(errno));
            (void)close(fd);
            return DS_TR_ERR_CONNECT;
        }
        switch (ds_posix_wait_fd(fd, POLLOUT, slice)) {
        case 1: break;
        case 0:
            ds_posix_set_error(net, "connect to %s port %u: timed out", addr,
                               (unsigned)port);
            (void)close(fd);
            return DS_TR_ERR_TIMEOUT;
        default:
            ds_posix_set_error(net, "poll: %s", strerror(errno));
            (void)close(fd);
            return DS_TR_ERR_CONNECT;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) {
            err = errno;
        }
        if (err != 0) {
            ds_posix_set_error(net, "connect to %s port %u: %s", addr,
                               (unsigned)port, strerror(err));
            (void)close(fd);
            return DS_TR_ERR_CONNECT;
        }
    }
    *fd_out = fd;
    return DS_TR_OK;
}

int ds_posix_tcp_connect(ds_posix_net_t *net, const char *host, uint16_t port,
                         const ds_posix_deadline_t *dl)
{
    struct addrinfo hints, *list = NULL, *ai;
    char service[8];
    unsigned count = 0;
    int rc, result = DS_TR_ERR_CONNECT;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    (void)snprintf(service, sizeof service, "%u", (unsigned)port);
    rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        ds_posix_set_error(net, "cannot resolve %s: %s", host,
                           rc == EAI_SYSTEM ? strerror(errno)
                                            : gai_strerror(rc));
        return DS_TR_ERR_RESOLVE;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        count++;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next, count--) {
        ds_posix_deadline_t slice;
        uint32_t left = ds_posix_deadline_left(dl);
        int fd = -1;
        if (left == 0) {
            break;
        }
        /* Share what is left among the addresses still untried, so that one
         * black-holed address cannot eat the whole deadline; a refused one
         * returns at once and leaves its share to the next. */
        ds_posix_deadline_start(&slice, count > 1 ? left / count : left);
        if (slice.span_ms == 0) {
            slice.span_ms = 1;
        }
        rc = connect_one(net, ai, port, &slice, &fd);
        if (rc == DS_TR_OK) {
            freeaddrinfo(list);
            net->fd = fd;
            return DS_TR_OK;
        }
        result = rc;
    }
    freeaddrinfo(list);
    if (ds_posix_deadline_left(dl) == 0) {
        if (result != DS_TR_ERR_TIMEOUT) {
            ds_posix_set_error(net, "connect to %s: deadline reached", host);
        }
        return DS_TR_ERR_TIMEOUT;
    }
    return result == DS_TR_ERR_TIMEOUT ? DS_TR_ERR_CONNECT : result;
}
