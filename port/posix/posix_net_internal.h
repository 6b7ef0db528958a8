/*
 * Pieces shared by the POSIX transport's files (not installed).
 */
#ifndef DS_POSIX_NET_INTERNAL_H
#define DS_POSIX_NET_INTERNAL_H

#include <stdint.h>

#include "ds_posix.h"

/* A deadline as start + span so that the 32-bit millisecond clock may
 * wrap: only differences are ever compared. */
typedef struct ds_posix_deadline {
    uint32_t start_ms;
    uint32_t span_ms;
} ds_posix_deadline_t;

uint32_t ds_posix_mono_ms(void);
void ds_posix_deadline_start(ds_posix_deadline_t *dl, uint32_t span_ms);
/* Milliseconds left, 0 once the deadline has passed. */
uint32_t ds_posix_deadline_left(const ds_posix_deadline_t *dl);

/* Wait for `events` on `fd` until the deadline. Returns 1 when ready, 0 on
 * timeout, -1 on a poll error (errno set). Retries on EINTR. */
int ds_posix_wait_fd(int fd, short events, const ds_posix_deadline_t *dl);

/* Resolve `host` and connect a non-blocking TCP socket to one of its
 * addresses (each tried in turn within the deadline). Sets net->fd.
 * Returns DS_TR_OK or DS_TR_ERR_{RESOLVE,CONNECT,TIMEOUT}. */
int ds_posix_tcp_connect(ds_posix_net_t *net, const char *host, uint16_t port,
                         const ds_posix_deadline_t *dl);

/* Record why something failed (printf-style, truncated to fit). */
void ds_posix_set_error(ds_posix_net_t *net, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Append mbedTLS's text for `code` to the error, as " (text, -0xNNNN)". */
void ds_posix_append_mbedtls(ds_posix_net_t *net, int code);

#endif /* DS_POSIX_NET_INTERNAL_H */
