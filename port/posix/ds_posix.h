/*
 * deploystop POSIX port: BSD sockets + Mbed TLS 3.6 transport, a POSIX
 * platform (monotonic clock, nanosleep, getrandom) and mbedTLS crypto hooks.
 *
 * The caller owns the ds_posix_net_t (declare it static: it holds the
 * mbedTLS contexts). mbedTLS itself allocates its record buffers and the
 * parsed CA chain from the heap; this port allocates nothing else.
 *
 *   static ds_posix_net_t net;
 *   ds_transport_t tr; ds_platform_t pf;
 *   if (ds_posix_net_init(&net, NULL) != 0) fail(ds_posix_net_error(&net));
 *   ds_posix_transport(&net, &tr);
 *   ds_posix_platform(&pf);
 *   ds_stop(&req, &tr, &pf, &ws, &res);
 *   ds_posix_net_free(&net);
 */
#ifndef DS_POSIX_H
#define DS_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "ds_config.h"
#include "ds_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The CA bundle used when ds_posix_net_init gets no file (Debian's). */
#define DS_POSIX_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* Longest last-error text kept, including the NUL. */
#define DS_POSIX_ERROR_MAX 320u

typedef struct ds_posix_net {
    /* --- private: use the functions below --- */
    int fd;
    int use_tls;
    int tls_open;         /* ssl context set up for the current connection */
    int tls_done;         /* handshake completed */
    int peer_closed;      /* EOF or close_notify seen */
    int ready;            /* init succeeded */
    unsigned char ip[16]; /* host as an IP literal, for the SAN check */
    size_t ip_len;        /* 0 when the host is a DNS name */
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    ds_tls_session_t *session; /* the caller's slot, NULL: no resumption */
    uint8_t session_key[32];   /* this connection's: host, port, CA */
    int session_keyed;         /* session_key is set */
    int session_offered;       /* the slot's session was offered */
    char error[DS_POSIX_ERROR_MAX];
} ds_posix_net_t;

/*
 * Seed the DRBG from the OS and load the trusted CAs from `ca_file` (a PEM
 * bundle), or from DS_POSIX_DEFAULT_CA_FILE when `ca_file` is NULL.
 * Returns 0, or DS_TR_ERR_ARG when the CA file cannot be read or holds no
 * usable certificate, DS_TR_ERR_TLS when the DRBG cannot be seeded;
 * ds_posix_net_error() says why.
 */
int ds_posix_net_init(ds_posix_net_t *net, const char *ca_file);

/* Release everything init and the transport took, PSA Crypto included
 * (process-wide: one ds_posix_net_t per process). Safe to call twice. */
void ds_posix_net_free(ds_posix_net_t *net);

/*
 * TLS session resumption (ds_transport.h "TLS session resumption"): hand
 * the port a slot the caller owns (NULL: none, the default). Each later
 * connect offers the slot's session when it was made for the same host,
 * port and CA bundle, and every new session (TLS 1.2 after the handshake,
 * TLS 1.3 from the server's tickets) is written into it. Call after
 * ds_posix_net_init; the slot must outlive its use by `net`.
 */
void ds_posix_set_session(ds_posix_net_t *net, ds_tls_session_t *slot);

/* Fill `tr` with this port's functions bound to `net`. */
void ds_posix_transport(ds_posix_net_t *net, ds_transport_t *tr);

/*
 * Why the last transport call or init failed, in English, with mbedTLS's
 * reason (mbedtls_strerror) and the certificate verification details when
 * there are any. Empty string when nothing failed.
 */
const char *ds_posix_net_error(const ds_posix_net_t *net);

/* Monotonic clock, nanosleep, getrandom, wall clock. No state. */
void ds_posix_platform(ds_platform_t *pf);

/* SHA-256 and HMAC-SHA256 from mbedTLS. No state. */
void ds_posix_crypto(ds_crypto_t *crypto);

/* What ds_posix_open_regular returns for a path that exists but is not a
 * regular file (directory, FIFO, socket, device). */
#define DS_POSIX_NOT_REGULAR (-2)

/*
 * open(2) `path` with `flags` (O_CLOEXEC and O_NOCTTY added; `mode` as for
 * O_CREAT) without ever blocking in open: the file is opened O_NONBLOCK,
 * checked with fstat and only then set back to blocking. A symbolic link to
 * a regular file is fine (unless `flags` has O_NOFOLLOW). Returns the
 * descriptor, DS_POSIX_NOT_REGULAR (nothing left open), or -1 with errno
 * set when open failed for another reason (ENOENT, EACCES, ...).
 * Every file the CLI reads or writes goes through it: a FIFO with no writer
 * would otherwise block open() forever, and a directory would reach
 * mbedTLS's parser.
 */
int ds_posix_open_regular(const char *path, int flags, unsigned mode);

#ifdef __cplusplus
}
#endif

#endif /* DS_POSIX_H */
